// Resource use from metrics.k8s.io against requests and limits, per pod, workload and cluster.
export * from './resources.ts';
