// What the watch keeps of each object: one declaration per kind (KEPT) of the fields Portolan
// reads, compiled once into a trimming function. The caches hold only these fields, so memory
// follows what is shown, not what the API server sends. Every health-rule test evaluates its
// objects both as given and as trimmed here and expects the same findings, so a rule that starts
// reading a field this declaration drops fails its own tests (the drift the finalizers fix was).
// Repeated strings (namespaces, images, label keys and values) are interned, and structurally
// equal sub-objects (container specs, labels, owner references) are shared.
import type { KubeObject, WatchedKind } from './types.ts';

export type Interner = (s: string) => string;

/** Structurally equal values are stored once; shared values are frozen, nothing mutates them. */
export type Sharer = <T>(value: T) => T;

/** Annotations never kept: large, or secrets-adjacent, or only useful to kubectl. */
const DROPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'control-plane.alpha.kubernetes.io/leader',
]);
export const MAX_ANNOTATION_BYTES = 256;
export const MAX_EVENT_MESSAGE = 1024;

export function createInterner(max = 200_000): Interner {
  let pool = new Map<string, string>();
  return (s) => {
    const hit = pool.get(s);
    if (hit !== undefined) return hit;
    // A bound, not an LRU: when full, start over (interning is an optimisation, not a contract).
    if (pool.size >= max) pool = new Map();
    pool.set(s, s);
    return s;
  };
}

export function createSharer(max = 100_000): Sharer {
  let pool = new Map<string, unknown>();
  return <T>(value: T): T => {
    if (value === undefined || value === null) return value;
    const key = JSON.stringify(value);
    const hit = pool.get(key);
    if (hit !== undefined) return hit as T;
    if (pool.size >= max) pool = new Map();
    pool.set(key, deepFreeze(value));
    return value;
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// The declaration language: each field's value is trimmed by a Trim; undefined drops the field.
// biome-ignore lint/suspicious/noExplicitAny: raw API JSON is read structurally; the result is typed.
type Any = any;
interface Tools {
  intern: Interner;
  share: Sharer;
}
type Trim = (value: Any, tools: Tools, parent: Any) => Any;

/** The value as it is. */
const keep: Trim = (v) => v;
/** A string, interned. */
const str: Trim = (v, t) => (typeof v === 'string' ? t.intern(v) : v);
/** A string map, interned; only the entries `filter` keeps; undefined when none is left. */
const strings =
  (filter?: (k: string, v: string) => boolean): Trim =>
  (m, t) => {
    if (!m || typeof m !== 'object') return undefined;
    let out: Record<string, string> | undefined;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'string' || (filter && !filter(k, v))) continue;
      out ??= {};
      out[t.intern(k)] = t.intern(v);
    }
    return out;
  };
/** Only these fields of an object. */
const fields =
  (spec: Record<string, Trim>): Trim =>
  (v, t) => {
    if (!v || typeof v !== 'object') return undefined;
    const out: Any = {};
    for (const k in spec) {
      const r = spec[k]!(v[k], t, v);
      if (r !== undefined) out[k] = r;
    }
    return out;
  };
/** Every field of an object, some of them trimmed. */
const allBut =
  (spec: Record<string, Trim>): Trim =>
  (v, t) => {
    if (!v || typeof v !== 'object') return undefined;
    const out: Any = { ...v };
    for (const k in spec) {
      const r = spec[k]!(v[k], t, v);
      if (r === undefined) delete out[k];
      else out[k] = r;
    }
    return out;
  };
/** Each item of a list; `nonEmpty` drops an empty list. */
const each =
  (item: Trim, options: { nonEmpty?: boolean } = {}): Trim =>
  (v, t) => {
    if (!Array.isArray(v) || (options.nonEmpty && v.length === 0)) return undefined;
    return v.map((x) => item(x, t, v));
  };
/** Trimmed, then shared with every equal value. */
const shared =
  (trim: Trim): Trim =>
  (v, t, p) =>
    t.share(trim(v, t, p));
/** Only the list items `keepItem` accepts; undefined when none. */
const some =
  (keepItem: (item: Any) => boolean, item: Trim): Trim =>
  (v, t) => {
    if (!Array.isArray(v)) return undefined;
    const kept = v.filter(keepItem);
    return kept.length > 0 ? kept.map((x) => item(x, t, kept)) : undefined;
  };

const condition = fields({
  type: keep,
  status: keep,
  reason: keep,
  message: keep,
  lastTransitionTime: keep,
  lastUpdateTime: keep,
});
const conditions = each(condition);

const ownerReference = fields({ apiVersion: str, kind: str, name: keep, uid: keep, controller: keep });

function meta(options: { labels: boolean; annotations: boolean }): Trim {
  return fields({
    name: keep,
    namespace: str,
    uid: keep,
    resourceVersion: keep,
    generation: keep,
    creationTimestamp: keep,
    deletionTimestamp: keep,
    deletionGracePeriodSeconds: keep,
    // Finalizers matter only once deletion has begun: they are what holds a terminating object.
    finalizers: (v, t, m) =>
      m.deletionTimestamp && Array.isArray(v) && v.length > 0 ? v.map(t.intern) : undefined,
    labels: options.labels ? shared(strings()) : () => undefined,
    annotations: options.annotations
      ? strings((k, v) => !DROPPED_ANNOTATIONS.has(k) && v.length <= MAX_ANNOTATION_BYTES)
      : () => undefined,
    ownerReferences: shared(each(ownerReference, { nonEmpty: true })),
  });
}
const META = meta({ labels: true, annotations: true });

const probe = fields({
  initialDelaySeconds: keep,
  periodSeconds: keep,
  failureThreshold: keep,
  timeoutSeconds: keep,
});

const container = fields({
  name: str,
  image: str,
  resources: (r, t) =>
    r && (r.limits || r.requests)
      ? fields({ limits: strings(), requests: strings() })(r, t, undefined)
      : undefined,
  readinessProbe: probe,
  livenessProbe: probe,
  // Sidecars are init containers with restartPolicy Always: the rules judge them as app containers.
  restartPolicy: str,
  ports: each(fields({ name: keep, containerPort: keep, protocol: str }), { nonEmpty: true }),
});
const containers = shared(each(container));

const podTemplate = fields({
  metadata: (m, t) => {
    const labels = shared(strings())(m?.labels, t, m);
    return labels ? { labels } : undefined;
  },
  spec: fields({ containers, initContainers: containers, nodeSelector: shared(strings()) }),
});

const containerStatus = fields({
  name: str,
  image: str,
  ready: keep,
  started: keep,
  restartCount: keep,
  state: keep,
  // Of the previous state only termination matters (exit code, reason: why it restarted).
  lastState: (v, t) =>
    v?.terminated
      ? {
          terminated: fields({
            exitCode: keep,
            signal: keep,
            reason: keep,
            message: keep,
            startedAt: keep,
            finishedAt: keep,
          })(v.terminated, t, v),
        }
      : undefined,
});

/** A Job's spec, as a Job has it and as a CronJob's job template has it. */
const JOB_SPEC: Record<string, Trim> = {
  completions: keep,
  parallelism: keep,
  backoffLimit: keep,
  activeDeadlineSeconds: keep,
  suspend: keep,
  template: podTemplate,
};
const WORKLOAD_SPEC: Record<string, Trim> = {
  replicas: keep,
  selector: keep,
  paused: keep,
  progressDeadlineSeconds: keep,
  strategy: keep,
  serviceName: keep,
  updateStrategy: keep,
  ...JOB_SPEC,
};
const workload = fields({
  metadata: META,
  spec: fields(WORKLOAD_SPEC),
  status: allBut({ conditions }),
});

const POD_CONDITIONS = new Set(['Ready', 'DisruptionTarget']);

const loadBalancerOnly: Trim = (v) => (v?.loadBalancer ? { loadBalancer: v.loadBalancer } : undefined);

/** What is kept of each watched kind. */
export const KEPT: Record<WatchedKind, Trim> = {
  Pod: fields({
    metadata: META,
    spec: fields({
      nodeName: str,
      containers,
      initContainers: containers,
      terminationGracePeriodSeconds: keep,
      restartPolicy: str,
      priorityClassName: str,
      // Of the volumes only claims are read (a pod waiting on an unbound claim).
      volumes: shared(
        some(
          (v) => v?.persistentVolumeClaim,
          (v) => ({ name: v.name, persistentVolumeClaim: { claimName: v.persistentVolumeClaim.claimName } }),
        ),
      ),
    }),
    status: fields({
      phase: str,
      reason: keep,
      message: keep,
      // Of a pod's conditions the rules read Ready, DisruptionTarget (when an eviction happened)
      // and any that is not True (PodScheduled=False); the rest are True and say nothing.
      conditions: some((c) => POD_CONDITIONS.has(c?.type) || c?.status !== 'True', condition),
      startTime: keep,
      // hostIP/podIP are not shown and unique per pod: not kept.
      qosClass: str,
      containerStatuses: each(containerStatus),
      initContainerStatuses: each(containerStatus),
    }),
  }),
  Deployment: workload,
  ReplicaSet: workload,
  StatefulSet: workload,
  DaemonSet: workload,
  Job: workload,
  CronJob: fields({
    metadata: META,
    spec: fields({
      schedule: keep,
      timeZone: keep,
      suspend: keep,
      concurrencyPolicy: keep,
      startingDeadlineSeconds: keep,
      jobTemplate: (jt, t) => {
        if (!jt) return undefined;
        const labels = strings()(jt.metadata?.labels, t, jt);
        const spec = fields(JOB_SPEC)(jt.spec, t, jt);
        return { ...(labels ? { metadata: { labels } } : {}), ...(spec ? { spec } : {}) };
      },
    }),
    status: fields({ active: keep, lastScheduleTime: keep, lastSuccessfulTime: keep }),
  }),
  HorizontalPodAutoscaler: fields({
    metadata: META,
    spec: fields({ scaleTargetRef: keep, minReplicas: keep, maxReplicas: keep, metrics: keep }),
    status: allBut({ conditions }),
  }),
  Service: fields({
    metadata: META,
    spec: fields({ type: keep, selector: keep, ports: keep, clusterIP: keep, externalName: keep }),
    status: loadBalancerOnly,
  }),
  Ingress: fields({
    metadata: META,
    spec: fields({ ingressClassName: keep, defaultBackend: keep, rules: keep, tls: keep }),
    status: loadBalancerOnly,
  }),
  PodDisruptionBudget: fields({
    metadata: META,
    spec: fields({ minAvailable: keep, maxUnavailable: keep, selector: keep }),
    status: fields({
      currentHealthy: keep,
      desiredHealthy: keep,
      disruptionsAllowed: keep,
      expectedPods: keep,
      conditions,
    }),
  }),
  // Events carry no labels worth indexing. Both event APIs are read: core/v1 names
  // (involvedObject, message, count) win, events.k8s.io names (regarding, note, series) fill in.
  Event: (e, t) => {
    const out = fields({
      metadata: meta({ labels: false, annotations: false }),
      involvedObject: (_v, tt, ev) =>
        fields({ kind: keep, namespace: keep, name: keep, uid: keep, fieldPath: keep })(
          ev.involvedObject ?? ev.regarding,
          tt,
          ev,
        ),
      reason: keep,
      message: (_v, _t, ev) =>
        typeof ev.message === 'string'
          ? ev.message.slice(0, MAX_EVENT_MESSAGE)
          : (ev.note?.slice(0, MAX_EVENT_MESSAGE) ?? undefined),
      type: keep,
      count: (_v, _t, ev) => ev.count ?? ev.series?.count,
      firstTimestamp: (_v, _t, ev) => ev.firstTimestamp ?? ev.deprecatedFirstTimestamp,
      lastTimestamp: (_v, _t, ev) =>
        ev.lastTimestamp ?? ev.deprecatedLastTimestamp ?? ev.series?.lastObservedTime,
      eventTime: keep,
      source: fields({ component: keep, host: keep }),
      reportingComponent: keep,
    })(e, t, undefined);
    return out;
  },
};

const identity: Interner = (s) => s;
const noShare: Sharer = (v) => v;

/** One object of a watched kind cut down to what Portolan reads. Returns a new object. */
export function trimObject(
  kind: WatchedKind,
  obj: KubeObject,
  intern: Interner = identity,
  share: Sharer = noShare,
): KubeObject {
  const trim = Object.hasOwn(KEPT, kind) ? KEPT[kind] : undefined;
  // Not a watched kind (explain reads anything kubectl prints): nothing to cut by.
  if (!trim || !obj || typeof obj !== 'object') return obj;
  const out = trim(obj, { intern, share }, undefined) ?? {};
  out.metadata ??= {};
  return out as KubeObject;
}
