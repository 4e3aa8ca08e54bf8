// Kubernetes objects as Portolan keeps them: plain JSON as the API server sends it, trimmed to
// the fields Portolan reads. Every field is optional because real objects omit status fields
// freely (a pod that was never scheduled has no containerStatuses, a new HPA has no metrics);
// code that reads them must never assume presence.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  /** Set with deletionTimestamp, which is the delete request's time plus this many seconds. */
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface Probe {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

export interface Container {
  name?: string;
  image?: string;
  resources?: ResourceRequirements;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  /** On an init container, Always makes it a sidecar: it runs beside the app containers. */
  restartPolicy?: string;
  ports?: { name?: string; containerPort?: number; protocol?: string }[];
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: { containers?: Container[]; initContainers?: Container[]; nodeSelector?: Record<string, string> };
}

export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}
export interface ContainerStateTerminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: { startedAt?: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name?: string;
  image?: string;
  imageID?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: Container[];
    initContainers?: Container[];
    restartPolicy?: string;
    priorityClassName?: string;
    terminationGracePeriodSeconds?: number;
    volumes?: { name?: string; persistentVolumeClaim?: { claimName?: string } }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    startTime?: string;
    hostIP?: string;
    podIP?: string;
    qosClass?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface RollingUpdate {
  maxUnavailable?: number | string;
  maxSurge?: number | string;
  partition?: number;
}

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    paused?: boolean;
    progressDeadlineSeconds?: number;
    strategy?: { type?: string; rollingUpdate?: RollingUpdate };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ReplicaSet extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSet extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    serviceName?: string;
    updateStrategy?: { type?: string; rollingUpdate?: RollingUpdate };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Condition[];
  };
}

export interface DaemonSet extends KubeObject {
  spec?: {
    selector?: LabelSelector;
    template?: PodTemplate;
    updateStrategy?: { type?: string; rollingUpdate?: RollingUpdate };
  };
  status?: {
    observedGeneration?: number;
    currentNumberScheduled?: number;
    desiredNumberScheduled?: number;
    numberMisscheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    updatedNumberScheduled?: number;
    conditions?: Condition[];
  };
}

export interface Job extends KubeObject {
  spec?: {
    completions?: number;
    parallelism?: number;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    suspend?: boolean;
    selector?: LabelSelector;
    template?: PodTemplate;
  };
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: Condition[];
  };
}

export interface CronJob extends KubeObject {
  spec?: {
    schedule?: string;
    timeZone?: string;
    suspend?: boolean;
    concurrencyPolicy?: string;
    startingDeadlineSeconds?: number;
    jobTemplate?: { metadata?: ObjectMeta; spec?: Job['spec'] };
  };
  status?: {
    active?: { kind?: string; name?: string; namespace?: string }[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
}

export interface MetricTarget {
  type?: string;
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}
export interface MetricValueStatus {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}
export interface MetricIdentifier {
  name?: string;
  selector?: LabelSelector;
}
export interface CrossVersionObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
}

/** autoscaling/v2 metric spec: exactly one of the typed fields is set, per `type`. */
export interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: MetricTarget };
  containerResource?: { name?: string; container?: string; target?: MetricTarget };
  pods?: { metric?: MetricIdentifier; target?: MetricTarget };
  object?: {
    metric?: MetricIdentifier;
    describedObject?: CrossVersionObjectReference;
    target?: MetricTarget;
  };
  external?: { metric?: MetricIdentifier; target?: MetricTarget };
}
export interface MetricStatus {
  type?: string;
  resource?: { name?: string; current?: MetricValueStatus };
  containerResource?: { name?: string; container?: string; current?: MetricValueStatus };
  pods?: { metric?: MetricIdentifier; current?: MetricValueStatus };
  object?: {
    metric?: MetricIdentifier;
    describedObject?: CrossVersionObjectReference;
    current?: MetricValueStatus;
  };
  external?: { metric?: MetricIdentifier; current?: MetricValueStatus };
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec?: {
    scaleTargetRef?: CrossVersionObjectReference;
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: MetricSpec[];
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: MetricStatus[];
    conditions?: Condition[];
  };
}

export interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    externalName?: string;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface IngressBackend {
  service?: { name?: string; port?: { number?: number; name?: string } };
  resource?: { apiGroup?: string; kind?: string; name?: string };
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    rules?: {
      host?: string;
      http?: { paths?: { path?: string; pathType?: string; backend?: IngressBackend }[] };
    }[];
    tls?: { hosts?: string[]; secretName?: string }[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface PodDisruptionBudget extends KubeObject {
  spec?: { minAvailable?: number | string; maxUnavailable?: number | string; selector?: LabelSelector };
  status?: {
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptionsAllowed?: number;
    expectedPods?: number;
    conditions?: Condition[];
  };
}

/** core/v1 Event (the events.k8s.io/v1 shape maps onto it field by field). */
export interface KubeEvent extends KubeObject {
  involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

/** The kinds Portolan watches, by the name used in APIs, config and RBAC messages. */
export const WATCHED_KINDS = [
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Pod',
  'Service',
  'Ingress',
  'HorizontalPodAutoscaler',
  'Job',
  'CronJob',
  'PodDisruptionBudget',
  'Event',
] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

export interface KindInfo {
  kind: WatchedKind;
  group: string;
  version: string;
  /** Lower-case plural, as in the REST path and in RBAC rules. */
  plural: string;
}

export const KIND_INFO: Record<WatchedKind, KindInfo> = {
  Deployment: { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments' },
  ReplicaSet: { kind: 'ReplicaSet', group: 'apps', version: 'v1', plural: 'replicasets' },
  StatefulSet: { kind: 'StatefulSet', group: 'apps', version: 'v1', plural: 'statefulsets' },
  DaemonSet: { kind: 'DaemonSet', group: 'apps', version: 'v1', plural: 'daemonsets' },
  Pod: { kind: 'Pod', group: '', version: 'v1', plural: 'pods' },
  Service: { kind: 'Service', group: '', version: 'v1', plural: 'services' },
  Ingress: { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses' },
  HorizontalPodAutoscaler: {
    kind: 'HorizontalPodAutoscaler',
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
  },
  Job: { kind: 'Job', group: 'batch', version: 'v1', plural: 'jobs' },
  CronJob: { kind: 'CronJob', group: 'batch', version: 'v1', plural: 'cronjobs' },
  PodDisruptionBudget: {
    kind: 'PodDisruptionBudget',
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
  },
  Event: { kind: 'Event', group: '', version: 'v1', plural: 'events' },
};

/** The REST path of a kind's collection, across all namespaces or within one. */
export function collectionPath(info: KindInfo, namespace?: string): string {
  const base = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  return namespace ? `${base}/namespaces/${namespace}/${info.plural}` : `${base}/${info.plural}`;
}

/** The object type of each watched kind. */
export interface KindObjects {
  Pod: Pod;
  Deployment: Deployment;
  ReplicaSet: ReplicaSet;
  StatefulSet: StatefulSet;
  DaemonSet: DaemonSet;
  Job: Job;
  CronJob: CronJob;
  HorizontalPodAutoscaler: HorizontalPodAutoscaler;
  Service: Service;
  Ingress: Ingress;
  PodDisruptionBudget: PodDisruptionBudget;
  Event: KubeEvent;
}

/** An object with its kind, typed by it. */
export type KindObject = {
  [K in WatchedKind]: { kind: K; object: KindObjects[K] };
}[WatchedKind];

/** An object with its kind and the cluster it is in: what the watch caches hand out. */
export type ClusterObject = KindObject & { cluster: string };
