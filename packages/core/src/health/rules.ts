import type { RuleId, Severity } from './types.ts';

export interface RuleInfo {
  id: RuleId;
  /** The kind the rule looks at ('Fleet' for cross-cluster rules). */
  kind: string;
  /** The worst severity the rule reports. */
  severity: Severity;
  title: string;
}

/** Every rule, for documentation, filters and the UI's legend. */
export const RULES: readonly RuleInfo[] = [
  {
    id: 'pod-crash-loop',
    kind: 'Pod',
    severity: 'critical',
    title: 'Container in CrashLoopBackOff (last exit code and reason)',
  },
  {
    id: 'pod-image-pull',
    kind: 'Pod',
    severity: 'critical',
    title: 'ImagePullBackOff / ErrImagePull / InvalidImageName',
  },
  {
    id: 'pod-create-container-error',
    kind: 'Pod',
    severity: 'critical',
    title: 'CreateContainerConfigError / CreateContainerError (missing ConfigMap/Secret key)',
  },
  {
    id: 'pod-oom-killed',
    kind: 'Pod',
    severity: 'critical',
    title: 'Container OOMKilled (exit 137), with its memory limit',
  },
  {
    id: 'pod-frequent-restarts',
    kind: 'Pod',
    severity: 'warning',
    title: 'Frequent restarts within a window',
  },
  {
    id: 'pod-unschedulable',
    kind: 'Pod',
    severity: 'critical',
    title: 'Pending too long: FailedScheduling (cpu/memory, taints, affinity, PVC)',
  },
  {
    id: 'pod-pending-stuck',
    kind: 'Pod',
    severity: 'warning',
    title: 'Scheduled but Pending too long (ContainerCreating, FailedMount)',
  },
  {
    id: 'pod-not-ready',
    kind: 'Pod',
    severity: 'warning',
    title: 'Not ready for longer than its readiness probes allow, or held by a readiness gate',
  },
  {
    id: 'pod-liveness-kill',
    kind: 'Pod',
    severity: 'warning',
    title: 'Container restarted by failing liveness probes',
  },
  {
    id: 'pod-evicted',
    kind: 'Pod',
    severity: 'warning',
    title: 'Pod evicted (node pressure; a lost replica)',
  },
  {
    id: 'pod-terminating-stuck',
    kind: 'Pod',
    severity: 'warning',
    title: 'Terminating for too long (finalizer, lost node)',
  },
  { id: 'pod-init-failure', kind: 'Pod', severity: 'critical', title: 'Init container failing' },
  {
    id: 'pod-failed',
    kind: 'Pod',
    severity: 'critical',
    title: 'Pod Failed and nothing will run it again (bare pod, unknown owner): exit code, reason, message',
  },
  {
    id: 'deployment-progress-deadline',
    kind: 'Deployment',
    severity: 'critical',
    title: 'Rollout stuck: ProgressDeadlineExceeded',
  },
  {
    id: 'deployment-unavailable',
    kind: 'Deployment',
    severity: 'critical',
    title: 'Unavailable replicas beyond maxUnavailable',
  },
  { id: 'deployment-rollout', kind: 'Deployment', severity: 'info', title: 'Rollout in progress' },
  { id: 'deployment-paused', kind: 'Deployment', severity: 'info', title: 'Rollout paused' },
  {
    id: 'deployment-replica-failure',
    kind: 'Deployment',
    severity: 'critical',
    title: 'ReplicaFailure (quota exceeded, admission denied)',
  },
  {
    id: 'deployment-zero-replicas',
    kind: 'Deployment',
    severity: 'warning',
    title: 'Zero replicas for a production service',
  },
  {
    id: 'statefulset-not-ready',
    kind: 'StatefulSet',
    severity: 'critical',
    title: 'StatefulSet replicas not ready',
  },
  {
    id: 'statefulset-rollout-stuck',
    kind: 'StatefulSet',
    severity: 'warning',
    title: 'StatefulSet rolling update blocked',
  },
  {
    id: 'daemonset-unavailable',
    kind: 'DaemonSet',
    severity: 'critical',
    title: 'DaemonSet pods unavailable or not scheduled',
  },
  {
    id: 'daemonset-misscheduled',
    kind: 'DaemonSet',
    severity: 'warning',
    title: 'DaemonSet pods on nodes where they should not run',
  },
  {
    id: 'daemonset-rollout-stuck',
    kind: 'DaemonSet',
    severity: 'warning',
    title: 'DaemonSet rolling update blocked',
  },
  {
    id: 'job-failed',
    kind: 'Job',
    severity: 'critical',
    title: 'Job failed (backoff limit, deadline, pod failure policy), with its last pod’s exit code',
  },
  {
    id: 'cronjob-missed-schedule',
    kind: 'CronJob',
    severity: 'warning',
    title: 'Last successful run older than the schedule allows',
  },
  {
    id: 'cronjob-invalid-schedule',
    kind: 'CronJob',
    severity: 'warning',
    title: 'Schedule cannot be evaluated',
  },
  { id: 'cronjob-suspended', kind: 'CronJob', severity: 'info', title: 'CronJob suspended' },
  {
    id: 'hpa-at-max',
    kind: 'HorizontalPodAutoscaler',
    severity: 'critical',
    title: 'At maxReplicas (critical when above target)',
  },
  {
    id: 'hpa-near-max',
    kind: 'HorizontalPodAutoscaler',
    severity: 'warning',
    title: 'Within 10% of maxReplicas',
  },
  {
    id: 'hpa-metrics-unavailable',
    kind: 'HorizontalPodAutoscaler',
    severity: 'warning',
    title: 'ScalingActive=False: metrics unavailable',
  },
  {
    id: 'hpa-unable-to-scale',
    kind: 'HorizontalPodAutoscaler',
    severity: 'warning',
    title: 'AbleToScale=False',
  },
  {
    id: 'hpa-scaling-limited',
    kind: 'HorizontalPodAutoscaler',
    severity: 'warning',
    title: 'Desired replicas limited (ScalingLimited)',
  },
  {
    id: 'hpa-min-equals-max',
    kind: 'HorizontalPodAutoscaler',
    severity: 'info',
    title: 'minReplicas = maxReplicas: autoscaling disabled in effect',
  },
  {
    id: 'service-no-ready-endpoints',
    kind: 'Service',
    severity: 'critical',
    title: 'Selector matches no ready pod',
  },
  {
    id: 'service-lb-pending',
    kind: 'Service',
    severity: 'warning',
    title: 'LoadBalancer without an address',
  },
  {
    id: 'ingress-missing-service',
    kind: 'Ingress',
    severity: 'critical',
    title: 'Ingress backend Service does not exist',
  },
  {
    id: 'pdb-zero-disruptions',
    kind: 'PodDisruptionBudget',
    severity: 'warning',
    title: 'PDB allows zero disruptions (blocks drains)',
  },
  {
    id: 'version-drift',
    kind: 'Fleet',
    severity: 'warning',
    title: 'Different images in different clusters outside a rollout',
  },
  {
    id: 'replica-imbalance',
    kind: 'Fleet',
    severity: 'critical',
    title: 'A cluster with far fewer ready replicas than its peers',
  },
  { id: 'rule-error', kind: 'Any', severity: 'info', title: 'An object the rules could not evaluate' },
];
