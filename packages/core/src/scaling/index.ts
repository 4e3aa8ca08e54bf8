// Autoscaling: every HPA's bounds, metrics (current vs target) and headroom, and how replicas
// and load spread across the clusters a workload runs in.
//
//   analyzeScaling(hpas.map(({ cluster, object }) => ({ cluster, object })))  // worst first
//   analyzeHpa(cluster, hpa)                                                 // one HPA
//   new ReplicaHistory().record(...) / .series(...)                          // replicas over time
export * from './analyze.ts';
export * from './history.ts';
export * from './quantity.ts';
