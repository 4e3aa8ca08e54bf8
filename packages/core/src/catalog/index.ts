export * from './assemble.ts';
export * from './descriptor.ts';
export * from './entity.ts';
export * from './placeholders.ts';
export * from './ref.ts';
export * from './relations.ts';
