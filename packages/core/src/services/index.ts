export * from './discovery.ts';
export * from './locator.ts';
export * from './objects.ts';
export * from './selector.ts';
export * from './status.ts';
export * from './tree.ts';
export * from './types.ts';
export * from './view.ts';
