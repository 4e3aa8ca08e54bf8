export * from './analyze.ts';
export * from './quantity.ts';
