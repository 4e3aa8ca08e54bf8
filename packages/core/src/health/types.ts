export type { ClusterObject, KindObjects } from '../k8s/types.ts';

/** An object of one kind in one cluster, as rules see it. */
export interface Tagged<T> {
  cluster: string;
  object: T;
}

export type Severity = 'critical' | 'warning' | 'info';

/**
 * What a finding is about. `kind` is a string, not a WatchedKind: pod findings roll up to the
 * pod's controller, which may be a kind Portolan does not watch (an Argo Rollout, a Node).
 * `cluster` is `*` only for findings about no single cluster.
 */
export interface ObjectRef {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

export interface EventEvidence {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
}

/**
 * Evidence for a finding. Every string in here comes from the cluster (container messages,
 * event messages, log lines) and is untrusted: render it as text, never as markup.
 */
export interface Evidence {
  container?: string;
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
  restartCount?: number;
  image?: string;
  memoryLimit?: string;
  events?: EventEvidence[];
  logTail?: string[];
  conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  /** Rule-specific figures (replicas, durations, images per cluster...). */
  details?: Record<string, string | number | boolean | null | string[] | Record<string, string | number>>;
}

export interface Finding {
  /** Stable across evaluations of the same state: rule + object (+ a rule-specific part). */
  id: string;
  rule: RuleId;
  severity: Severity;
  object: ObjectRef;
  summary: string;
  explanation: string;
  nextSteps: string[];
  evidence: Evidence;
  /** For pod findings rolled up to their workload: how many pods, and (some of) their names. */
  count?: number;
  pods?: string[];
}

export interface HealthOptions {
  /** Restarts that count as "frequent" when the last one was within restartWindowSeconds. */
  restartThreshold: number;
  restartWindowSeconds: number;
  /** How long a past OOM kill (lastState) stays worth reporting once the container runs again. */
  recentTerminationSeconds: number;
  /** A pod that cannot be scheduled for this long is reported. */
  pendingUnschedulableSeconds: number;
  /** A scheduled pod still Pending (ContainerCreating...) for this long is reported. */
  pendingStuckSeconds: number;
  /** Extra time past what the readiness probes allow before an unready pod is reported. */
  notReadyGraceSeconds: number;
  /** Time past deletion + grace period before a terminating pod is "stuck". */
  terminatingGraceSeconds: number;
  /** How recent a liveness-probe kill must be to be reported. */
  eventWindowSeconds: number;
  /** A LoadBalancer Service without an address for this long is reported. */
  loadBalancerPendingSeconds: number;
  /** HPA "near max": current >= max * (1 - nearMaxFraction). */
  hpaNearMaxFraction: number;
  /** Replica imbalance: a cluster below this fraction of its peers' median ready replicas. */
  imbalanceRatio: number;
  /** At most this many pod names are kept on a rolled-up finding (count is always exact). */
  maxPodNames: number;
  /** At most this many events are kept as evidence. */
  maxEvents: number;
}

export interface HealthContext {
  /** The service's lifecycle in the catalog ('production', 'experimental'...), or a lookup. */
  lifecycle?: string | ((object: ObjectRef) => string | undefined);
  /** Last log lines of containers, keyed by logTailKey(cluster, namespace, pod, container). */
  logTails?: ReadonlyMap<string, readonly string[]>;
  options?: Partial<HealthOptions>;
}

export const RULE_IDS = [
  'pod-crash-loop',
  'pod-image-pull',
  'pod-create-container-error',
  'pod-oom-killed',
  'pod-frequent-restarts',
  'pod-unschedulable',
  'pod-pending-stuck',
  'pod-not-ready',
  'pod-liveness-kill',
  'pod-evicted',
  'pod-terminating-stuck',
  'pod-init-failure',
  'pod-failed',
  'deployment-progress-deadline',
  'deployment-unavailable',
  'deployment-rollout',
  'deployment-paused',
  'deployment-replica-failure',
  'deployment-zero-replicas',
  'statefulset-not-ready',
  'statefulset-rollout-stuck',
  'daemonset-unavailable',
  'daemonset-misscheduled',
  'daemonset-rollout-stuck',
  'job-failed',
  'cronjob-missed-schedule',
  'cronjob-invalid-schedule',
  'cronjob-suspended',
  'hpa-at-max',
  'hpa-near-max',
  'hpa-metrics-unavailable',
  'hpa-unable-to-scale',
  'hpa-scaling-limited',
  'hpa-min-equals-max',
  'service-no-ready-endpoints',
  'service-lb-pending',
  'ingress-missing-service',
  'pdb-zero-disruptions',
  'version-drift',
  'replica-imbalance',
  'rule-error',
] as const;
export type RuleId = (typeof RULE_IDS)[number];
