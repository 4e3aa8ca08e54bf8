export * from './k8s/types.ts';
