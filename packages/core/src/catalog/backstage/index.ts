export * from './params.ts';
export * from './predicate.ts';
export * from './search.ts';
