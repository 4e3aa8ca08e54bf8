export type { ClusterClient, ListPage, LogOptions, WatchEvent } from './client.ts';
export { KubeApiError, KubeConfigClient } from './client.ts';
export type { ClusterSpec } from './clusters.ts';
export { dashboardLink, regionFromName, resolveClusters } from './clusters.ts';
export type { ClusterConfig, KubernetesConfig, KubernetesConfigInput } from './config.ts';
export { clusterConfigSchema, kubernetesConfigSchema } from './config.ts';
export type {
  KubernetesEngineOptions,
  LogLine,
  PodLogOptions,
  ReloadResult,
  WorkloadLogOptions,
} from './engine.ts';
export { createKubernetesEngine, KubernetesEngine } from './engine.ts';
export type { KubernetesRoutesOptions } from './routes.ts';
export { kubernetesRoutes } from './routes.ts';
