// Objects are cut down to the fields Portolan reads (packages/core/src/k8s/types.ts) before they
// are cached, so memory follows what is shown, not what the API server sends. Repeated strings
// (namespaces, images, node names, label keys and values) are interned per cluster.
import type { Container, KubeObject, ObjectMeta, PodTemplate, Probe, WatchedKind } from '@portolan/core';

/** Annotations never kept: large, or secrets-adjacent, or only useful to kubectl. */
const DROPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'control-plane.alpha.kubernetes.io/leader',
]);
export const MAX_ANNOTATION_BYTES = 256;

export type Interner = (s: string) => string;

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

const identity: Interner = (s) => s;

/**
 * Structurally equal sub-objects (a pod's container specs, labels, owner references) are stored
 * once and shared by every object that has them: the pods of one ReplicaSet differ in little
 * more than name, uid and timestamps. Shared objects are frozen; nothing in the cache mutates.
 */
export type Sharer = <T>(value: T) => T;

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

const noShare: Sharer = (v) => v;

function strMap(
  m: Record<string, string> | undefined,
  intern: Interner,
  filter?: (k: string, v: string) => boolean,
) {
  if (!m) return undefined;
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string' || (filter && !filter(k, v))) continue;
    out ??= {};
    out[intern(k)] = intern(v);
  }
  return out;
}

function keepAnnotation(k: string, v: string): boolean {
  return !DROPPED_ANNOTATIONS.has(k) && v.length <= MAX_ANNOTATION_BYTES;
}

function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

export function trimMeta(
  m: ObjectMeta | undefined,
  intern: Interner = identity,
  opts: { labels?: boolean } = {},
  share: Sharer = noShare,
): ObjectMeta {
  const out: ObjectMeta = {};
  if (!m) return out;
  set(out, 'name', m.name);
  set(out, 'namespace', m.namespace !== undefined ? intern(m.namespace) : undefined);
  set(out, 'uid', m.uid);
  set(out, 'resourceVersion', m.resourceVersion);
  set(out, 'generation', m.generation);
  set(out, 'creationTimestamp', m.creationTimestamp);
  set(out, 'deletionTimestamp', m.deletionTimestamp);
  // Finalizers matter only once deletion has begun: they are what holds a terminating object.
  if (m.deletionTimestamp && m.finalizers?.length) out.finalizers = m.finalizers.map(intern);
  if (opts.labels !== false) set(out, 'labels', share(strMap(m.labels, intern)));
  set(out, 'annotations', strMap(m.annotations, intern, keepAnnotation));
  if (m.ownerReferences?.length) {
    out.ownerReferences = share(
      m.ownerReferences.map((o) => {
        const r: NonNullable<ObjectMeta['ownerReferences']>[number] = {};
        set(r, 'apiVersion', o.apiVersion !== undefined ? intern(o.apiVersion) : undefined);
        set(r, 'kind', o.kind !== undefined ? intern(o.kind) : undefined);
        set(r, 'name', o.name);
        set(r, 'uid', o.uid);
        set(r, 'controller', o.controller);
        return r;
      }),
    );
  }
  return out;
}

function trimProbe(p: Probe | undefined): Probe | undefined {
  if (!p) return undefined;
  const out: Probe = {};
  set(out, 'initialDelaySeconds', p.initialDelaySeconds);
  set(out, 'periodSeconds', p.periodSeconds);
  set(out, 'failureThreshold', p.failureThreshold);
  set(out, 'timeoutSeconds', p.timeoutSeconds);
  return out;
}

function trimContainer(c: Container, intern: Interner): Container {
  const out: Container = {};
  set(out, 'name', c.name !== undefined ? intern(c.name) : undefined);
  set(out, 'image', c.image !== undefined ? intern(c.image) : undefined);
  if (c.resources && (c.resources.limits || c.resources.requests)) {
    out.resources = {};
    set(out.resources, 'limits', strMap(c.resources.limits, intern));
    set(out.resources, 'requests', strMap(c.resources.requests, intern));
  }
  set(out, 'readinessProbe', trimProbe(c.readinessProbe));
  set(out, 'livenessProbe', trimProbe(c.livenessProbe));
  if (c.ports?.length) {
    out.ports = c.ports.map((p) => {
      const port: NonNullable<Container['ports']>[number] = {};
      set(port, 'name', p.name);
      set(port, 'containerPort', p.containerPort);
      set(port, 'protocol', p.protocol !== undefined ? intern(p.protocol) : undefined);
      return port;
    });
  }
  return out;
}

function trimTemplate(t: PodTemplate | undefined, intern: Interner, share: Sharer): PodTemplate | undefined {
  if (!t) return undefined;
  const out: PodTemplate = {};
  const labels = share(strMap(t.metadata?.labels, intern));
  if (labels) out.metadata = { labels };
  if (t.spec) {
    out.spec = {};
    set(out.spec, 'containers', share(t.spec.containers?.map((c) => trimContainer(c, intern))));
    set(out.spec, 'initContainers', share(t.spec.initContainers?.map((c) => trimContainer(c, intern))));
    set(out.spec, 'nodeSelector', share(strMap(t.spec.nodeSelector, intern)));
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: raw API JSON is read structurally; the result is typed.
type Any = Record<string, any>;

/** Copy only the listed keys (shallow). */
function pick(src: Any | undefined, keys: readonly string[]): Any | undefined {
  if (!src) return undefined;
  const out: Any = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out;
}

function trimConditions(conditions: Any[] | undefined): Any[] | undefined {
  return conditions?.map(
    (c) => pick(c, ['type', 'status', 'reason', 'message', 'lastTransitionTime', 'lastUpdateTime'])!,
  );
}

/** Of a pod's conditions only Ready (and any that is not True, e.g. PodScheduled=False) matter. */
function trimPodConditions(conditions: Any[] | undefined): Any[] | undefined {
  const kept = conditions?.filter((c) => c.type === 'Ready' || c.status !== 'True');
  return kept && kept.length > 0 ? trimConditions(kept) : undefined;
}

function trimContainerStatus(s: Any, intern: Interner): Any {
  const out: Any = {};
  set(out, 'name', s.name !== undefined ? intern(s.name) : undefined);
  set(out, 'image', s.image !== undefined ? intern(s.image) : undefined);
  set(out, 'ready', s.ready);
  set(out, 'started', s.started);
  set(out, 'restartCount', s.restartCount);
  set(out, 'state', s.state);
  // Of the previous state only termination matters (exit code, reason: why it restarted).
  if (s.lastState?.terminated) {
    out.lastState = {
      terminated: pick(s.lastState.terminated, [
        'exitCode',
        'signal',
        'reason',
        'message',
        'startedAt',
        'finishedAt',
      ]),
    };
  }
  return out;
}

/** Trim one object of a watched kind to what Portolan reads. Returns a new object. */
export function trimObject(
  kind: WatchedKind,
  obj: KubeObject,
  intern: Interner = identity,
  share: Sharer = noShare,
): KubeObject {
  const o = obj as Any;
  const out: Any = { metadata: trimMeta(obj.metadata, intern, {}, share) };
  const spec = o.spec as Any | undefined;
  const status = o.status as Any | undefined;
  switch (kind) {
    case 'Pod': {
      if (spec) {
        const s: Any = {};
        set(s, 'nodeName', spec.nodeName !== undefined ? intern(spec.nodeName) : undefined);
        set(s, 'containers', share(spec.containers?.map((c: Container) => trimContainer(c, intern))));
        set(s, 'initContainers', share(spec.initContainers?.map((c: Container) => trimContainer(c, intern))));
        set(s, 'terminationGracePeriodSeconds', spec.terminationGracePeriodSeconds);
        set(s, 'restartPolicy', spec.restartPolicy !== undefined ? intern(spec.restartPolicy) : undefined);
        set(
          s,
          'priorityClassName',
          spec.priorityClassName !== undefined ? intern(spec.priorityClassName) : undefined,
        );
        const pvcs = (spec.volumes as Any[] | undefined)?.filter((v) => v.persistentVolumeClaim);
        if (pvcs?.length) {
          s.volumes = share(
            pvcs.map((v) => ({
              name: v.name,
              persistentVolumeClaim: { claimName: v.persistentVolumeClaim.claimName },
            })),
          );
        }
        out.spec = s;
      }
      if (status) {
        const s: Any = {};
        set(s, 'phase', status.phase !== undefined ? intern(status.phase) : undefined);
        set(s, 'reason', status.reason);
        set(s, 'message', status.message);
        set(s, 'conditions', trimPodConditions(status.conditions));
        set(s, 'startTime', status.startTime);
        // hostIP/podIP are not shown and unique per pod: not kept.
        set(s, 'qosClass', status.qosClass !== undefined ? intern(status.qosClass) : undefined);
        set(
          s,
          'containerStatuses',
          status.containerStatuses?.map((c: Any) => trimContainerStatus(c, intern)),
        );
        set(
          s,
          'initContainerStatuses',
          status.initContainerStatuses?.map((c: Any) => trimContainerStatus(c, intern)),
        );
        out.status = s;
      }
      break;
    }
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job': {
      if (spec) {
        const s = pick(spec, [
          'replicas',
          'selector',
          'paused',
          'progressDeadlineSeconds',
          'strategy',
          'serviceName',
          'updateStrategy',
          'completions',
          'parallelism',
          'backoffLimit',
          'activeDeadlineSeconds',
          'suspend',
        ])!;
        set(s, 'template', trimTemplate(spec.template, intern, share));
        out.spec = s;
      }
      if (status) out.status = { ...status, conditions: trimConditions(status.conditions) };
      if (status && !status.conditions) delete out.status.conditions;
      break;
    }
    case 'CronJob': {
      if (spec) {
        const s = pick(spec, [
          'schedule',
          'timeZone',
          'suspend',
          'concurrencyPolicy',
          'startingDeadlineSeconds',
        ])!;
        const jt = spec.jobTemplate as Any | undefined;
        if (jt) {
          const js = jt.spec
            ? pick(jt.spec, [
                'completions',
                'parallelism',
                'backoffLimit',
                'activeDeadlineSeconds',
                'suspend',
              ])!
            : undefined;
          if (js && jt.spec?.template) js.template = trimTemplate(jt.spec.template, intern, share);
          s.jobTemplate = {
            ...(jt.metadata?.labels ? { metadata: { labels: strMap(jt.metadata.labels, intern) } } : {}),
            ...(js ? { spec: js } : {}),
          };
        }
        out.spec = s;
      }
      if (status) out.status = pick(status, ['active', 'lastScheduleTime', 'lastSuccessfulTime']);
      break;
    }
    case 'HorizontalPodAutoscaler':
      if (spec) out.spec = pick(spec, ['scaleTargetRef', 'minReplicas', 'maxReplicas', 'metrics']);
      if (status)
        out.status = {
          ...status,
          ...(status.conditions ? { conditions: trimConditions(status.conditions) } : {}),
        };
      break;
    case 'Service':
      if (spec) out.spec = pick(spec, ['type', 'selector', 'ports', 'clusterIP', 'externalName']);
      if (status?.loadBalancer) out.status = { loadBalancer: status.loadBalancer };
      break;
    case 'Ingress':
      if (spec) out.spec = pick(spec, ['ingressClassName', 'defaultBackend', 'rules', 'tls']);
      if (status?.loadBalancer) out.status = { loadBalancer: status.loadBalancer };
      break;
    case 'PodDisruptionBudget':
      if (spec) out.spec = pick(spec, ['minAvailable', 'maxUnavailable', 'selector']);
      if (status) {
        out.status = pick(status, ['currentHealthy', 'desiredHealthy', 'disruptionsAllowed', 'expectedPods']);
        set(out.status, 'conditions', trimConditions(status.conditions));
      }
      break;
    case 'Event': {
      // Events carry no labels worth indexing; keep the involved object and the message.
      out.metadata = trimMeta(obj.metadata, intern, { labels: false }, share);
      delete out.metadata.annotations;
      const inv = o.involvedObject ?? o.regarding;
      if (inv) out.involvedObject = pick(inv, ['kind', 'namespace', 'name', 'uid', 'fieldPath']);
      set(out, 'reason', o.reason);
      set(
        out,
        'message',
        typeof o.message === 'string' ? o.message.slice(0, 1024) : (o.note?.slice(0, 1024) ?? undefined),
      );
      set(out, 'type', o.type);
      set(out, 'count', o.count ?? o.series?.count);
      set(out, 'firstTimestamp', o.firstTimestamp ?? o.deprecatedFirstTimestamp);
      set(out, 'lastTimestamp', o.lastTimestamp ?? o.deprecatedLastTimestamp ?? o.series?.lastObservedTime);
      set(out, 'eventTime', o.eventTime);
      if (o.source) out.source = pick(o.source, ['component', 'host']);
      set(out, 'reportingComponent', o.reportingComponent);
      break;
    }
  }
  return out as KubeObject;
}
