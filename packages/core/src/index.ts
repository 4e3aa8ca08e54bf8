export * from './errors.ts';
export * from './k8s/types.ts';
