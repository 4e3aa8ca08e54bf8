export * from './params.ts';
export * from './search.ts';
