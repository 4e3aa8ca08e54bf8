// Shapes of the service view and of cluster state, shared by server, web and health rules.
import type { RolloutState } from '../k8s/rollout.ts';
import type { WatchedKind } from '../k8s/types.ts';

export type ClusterStatus = 'syncing' | 'synced' | 'stale';
export type StaleReason = 'unreachable' | 'unauthorized' | 'forbidden';

export interface KindState {
  status: 'syncing' | 'synced' | 'stale' | 'forbidden';
  /** ISO time the kind entered its current status. */
  since?: string;
  message?: string;
  count: number;
}

/** One cluster's connection state as the watch engine sees it. */
export interface ClusterState {
  cluster: string;
  region?: string;
  labels?: Record<string, string>;
  url?: string;
  dashboardUrl?: string;
  status: ClusterStatus;
  /** When status is stale: since when, and why. */
  since?: string;
  reason?: StaleReason;
  message?: string;
  /** API server version (gitVersion), once known. */
  version?: string;
  counts: Partial<Record<WatchedKind, number>>;
  lastEventAt?: string;
  kinds: Partial<Record<WatchedKind, KindState>>;
  /** Where the cluster is watched: every namespace, or only these (namespaced mode). */
  scope?: WatchScopeState;
  /** Each permission the watch identity lacks, by kind, verb and (namespaced mode) namespace. */
  missingPermissions?: MissingPermission[];
}

export interface WatchScopeState {
  mode: 'cluster' | 'namespaced';
  /** Namespaced mode: from the config's list, or the catalog services' namespaces. */
  source?: 'config' | 'catalog';
  namespaces?: string[];
  /** Why namespaced mode watches less than one might expect (no catalog yet, services without a namespace). */
  message?: string;
}

/** One RBAC permission the API server refused. */
export interface MissingPermission {
  kind: WatchedKind;
  /** The RBAC resource (`pods`, `deployments.apps`). */
  resource: string;
  verb: string;
  /** Absent: refused cluster-wide. */
  namespace?: string;
  message: string;
}

export interface ViewError {
  /** unreachable | unauthorized | forbidden | syncing */
  type: string;
  message: string;
  kind?: WatchedKind;
  /** Set on a per-user Kubernetes identity's denial: where, and what was not allowed (`list pods`). */
  namespace?: string;
  permission?: string;
}

export interface ContainerView {
  name: string;
  image: string;
  ready: boolean;
  restarts: number;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  reason?: string;
  exitCode?: number;
  lastTerminationReason?: string;
}

export interface PodView {
  name: string;
  namespace: string;
  uid?: string;
  phase: string;
  ready: boolean;
  /** e.g. "1/2" */
  readyContainers: string;
  restarts: number;
  node?: string;
  /** Seconds since creation, at the time the view was built. */
  ageSeconds?: number;
  createdAt?: string;
  reason?: string;
  terminating: boolean;
  containers: ContainerView[];
}

export interface PodSummary {
  total: number;
  ready: number;
  running: number;
  pending: number;
  failed: number;
  terminating: number;
  restarts: number;
}

export interface HpaView {
  name: string;
  minReplicas?: number;
  maxReplicas?: number;
  currentReplicas?: number;
  desiredReplicas?: number;
  /** True when current replicas have reached maxReplicas. */
  atMax: boolean;
  metrics: { type: string; name?: string; target?: string; current?: string }[];
}

export interface ServicePortView {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
}
export interface ServiceRefView {
  name: string;
  namespace: string;
  type?: string;
  clusterIP?: string;
  ports: ServicePortView[];
  externalAddresses: string[];
}
export interface IngressView {
  name: string;
  namespace: string;
  hosts: string[];
  paths: { host?: string; path?: string; service?: string; port?: number | string }[];
  tls: boolean;
  addresses: string[];
}

export type { RolloutState } from '../k8s/rollout.ts';

export interface ImageView {
  container: string;
  image: string;
  /** The tag (or short digest) of the image; "latest" when untagged. */
  version: string;
}

export interface WorkloadView {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Job';
  name: string;
  namespace: string;
  uid?: string;
  labels: Record<string, string>;
  replicas: { desired: number; ready: number; updated: number; available: number };
  rollout: { state: RolloutState; message?: string };
  images: ImageView[];
  /** Version of the first container, the one drift is computed on. */
  version?: string;
  /**
   * The workload's pods: all of them, or at most the view's pod limit with the ones that need
   * attention (not ready, terminating, restarting) first; `podSummary` always counts all.
   */
  pods: PodView[];
  podSummary: PodSummary;
  /** Pods left out of `pods` because of the limit. */
  podsOmitted?: number;
  hpa?: HpaView;
  services: ServiceRefView[];
  ingresses: IngressView[];
  createdAt?: string;
}

/**
 * A cluster as every per-cluster result carries it (built by `clusterStatus`): its status, why it
 * is stale, and the errors that bear on that result. Per-kind detail is in /api/clusters.
 */
export interface ClusterStatusView {
  cluster: string;
  region: string;
  status: ClusterStatus;
  /** When status is stale: since when, and why. */
  since?: string;
  reason?: StaleReason;
  message?: string;
  /** API server version (gitVersion), once known. */
  version?: string;
  dashboardUrl?: string;
  errors: ViewError[];
}

/** One cluster's part of a cross-cluster result: `{cluster, status, items, errors}`. */
export interface PerCluster<T> extends ClusterStatusView {
  items: T[];
}

export type ClusterView = PerCluster<WorkloadView>;

/**
 * A region and its clusters by name: the page groups its cluster cards by region. The clusters
 * themselves are in `ServiceView.clusters`, once (at 150 clusters, a second copy here was half of
 * the view's bytes and of each live patch's diffing).
 */
export interface RegionView {
  region: string;
  clusters: string[];
}

/** Which version of a workload runs where. */
export interface VersionDrift {
  workload: string;
  kind: string;
  versions: { version: string; clusters: string[] }[];
  drift: boolean;
}

export interface ServiceView {
  ref: string;
  name: string;
  generatedAt: string;
  regions: RegionView[];
  /** Every cluster, in cluster name order: what the service runs there, or why nothing is known. */
  clusters: ClusterView[];
  versions: VersionDrift[];
  summary: ServiceSummary;
}

export interface ClusterSummary {
  cluster: string;
  region: string;
  status: ClusterStatus;
  stale: boolean;
  workloads: number;
  pods: number;
  readyPods: number;
  restarts: number;
  versions: string[];
  rolloutStates: RolloutState[];
}

export interface ServiceSummary {
  clusters: number;
  workloads: number;
  pods: number;
  readyPods: number;
  drift: boolean;
  perCluster: ClusterSummary[];
}

/** One Kubernetes event of a service, as the events route and an object's detail show it. */
export interface EventView {
  cluster: string;
  namespace: string;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  object: { kind?: string; name?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
}
