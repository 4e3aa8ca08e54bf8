import type { KubeEvent, KubeObject, Pod, WatchedKind } from '../k8s/types.ts';
import type {
  ClusterObject,
  EventEvidence,
  Evidence,
  Finding,
  HealthContext,
  HealthOptions,
  KindObjects,
  ObjectRef,
  RuleId,
  Severity,
  Tagged,
} from './types.ts';
import { capitalize, controllerOf, time } from './util.ts';

export const DEFAULT_OPTIONS: HealthOptions = {
  restartThreshold: 5,
  restartWindowSeconds: 3600,
  recentTerminationSeconds: 86_400,
  pendingUnschedulableSeconds: 300,
  pendingStuckSeconds: 600,
  notReadyGraceSeconds: 60,
  terminatingGraceSeconds: 300,
  eventWindowSeconds: 3600,
  loadBalancerPendingSeconds: 300,
  hpaNearMaxFraction: 0.1,
  imbalanceRatio: 0.5,
  maxPodNames: 100,
  maxEvents: 5,
};

type ByKind = { [K in WatchedKind]: Tagged<KindObjects[K]>[] };

const SEP = '\u0000';
export function objectKey(cluster: string, kind: string, namespace: string, name: string): string {
  return cluster + SEP + kind + SEP + namespace + SEP + name;
}

/** The key under which HealthContext.logTails holds a container's last log lines. */
export function logTailKey(cluster: string, namespace: string, pod: string, container: string): string {
  return `${cluster}/${namespace}/${pod}/${container}`;
}

/**
 * Everything the rules look up, indexed once per evaluation so that no rule scans the whole
 * input for each object (the fleet is 200,000 pods; anything quadratic is minutes).
 */
export class Snapshot {
  readonly now: number;
  readonly options: HealthOptions;
  readonly context: HealthContext;
  readonly byKind: ByKind;
  /** Per kind, objects by objectKey: for owner chains and Ingress backends. */
  private readonly named = new Map<WatchedKind, Map<string, KubeObject>>();
  readonly events = new Map<string, KubeEvent[]>();
  /** Clusters for which the input holds at least one object of a kind. */
  readonly clustersWith = new Map<WatchedKind, Set<string>>();
  private readonly ownerCache = new Map<string, ObjectRef>();
  private podsByController: Map<string, Pod[]> | undefined;

  constructor(objects: Iterable<ClusterObject>, now: number, context: HealthContext) {
    this.now = now;
    this.context = context;
    this.options = { ...DEFAULT_OPTIONS, ...context.options };
    this.byKind = {
      Pod: [],
      Deployment: [],
      ReplicaSet: [],
      StatefulSet: [],
      DaemonSet: [],
      Job: [],
      CronJob: [],
      HorizontalPodAutoscaler: [],
      Service: [],
      Ingress: [],
      PodDisruptionBudget: [],
      Event: [],
    };
    let lastKind = '';
    let lastCluster: string | undefined;
    for (const item of objects) {
      if (!item || typeof item.object !== 'object' || item.object === null) continue;
      if (!Object.hasOwn(this.byKind, item.kind)) continue;
      const list = (this.byKind as Record<string, Tagged<unknown>[]>)[item.kind]!;
      // The input item already has the Tagged shape: keep it rather than copy 200,000 of them.
      const cluster = typeof item.cluster === 'string' ? item.cluster : String(item.cluster ?? '');
      list.push(cluster === item.cluster ? item : { cluster, object: item.object });
      if (item.kind !== lastKind || cluster !== lastCluster) {
        lastKind = item.kind;
        lastCluster = cluster;
        let clusters = this.clustersWith.get(item.kind);
        if (!clusters) {
          clusters = new Set();
          this.clustersWith.set(item.kind, clusters);
        }
        clusters.add(cluster);
      }
      if (item.kind === 'Event') {
        const inv = item.object.involvedObject;
        if (!inv?.name) continue;
        const key = objectKey(
          cluster,
          inv.kind ?? '',
          inv.namespace ?? item.object.metadata?.namespace ?? '',
          inv.name,
        );
        const list = this.events.get(key);
        if (list) list.push(item.object);
        else this.events.set(key, [item.object]);
      }
    }
  }

  /** Objects of one kind by objectKey, built on first use: most evaluations never need most kinds. */
  private namedIndex(kind: WatchedKind): Map<string, KubeObject> {
    let index = this.named.get(kind);
    if (index) return index;
    index = new Map();
    for (const { cluster, object } of this.byKind[kind] as Tagged<KubeObject>[]) {
      const meta = object.metadata;
      if (meta?.name) index.set(objectKey(cluster, kind, meta.namespace ?? '', meta.name), object);
    }
    this.named.set(kind, index);
    return index;
  }

  has(kind: WatchedKind, cluster: string): boolean {
    return this.clustersWith.get(kind)?.has(cluster) ?? false;
  }

  get<K extends WatchedKind>(
    cluster: string,
    kind: K,
    namespace: string,
    name: string,
  ): KindObjects[K] | undefined {
    return this.namedIndex(kind).get(objectKey(cluster, kind, namespace, name)) as KindObjects[K] | undefined;
  }

  /** The most recent events about an object, newest first, trimmed to plain data. */
  eventsFor(cluster: string, kind: string, namespace: string, name: string): EventEvidence[] {
    if (this.events.size === 0) return [];
    const list = this.events.get(objectKey(cluster, kind, namespace, name));
    if (!list) return [];
    return list
      .map((e) => ({ e, t: eventTime(e) }))
      .sort((a, b) => b.t - a.t)
      .slice(0, this.options.maxEvents)
      .map(({ e }) => toEvidence(e));
  }

  /** Raw events about an object (for rules that read reasons and timestamps). */
  rawEvents(cluster: string, kind: string, namespace: string, name: string): readonly KubeEvent[] {
    if (this.events.size === 0) return NO_EVENTS;
    return this.events.get(objectKey(cluster, kind, namespace, name)) ?? NO_EVENTS;
  }

  /**
   * The workload a pod belongs to: Pod -> ReplicaSet -> Deployment, or the StatefulSet,
   * DaemonSet, Job (or whatever controller) that owns it. Without the ReplicaSet in the input
   * (`kubectl get pods`), the Deployment is inferred from the pod-template-hash suffix.
   */
  podOwner(cluster: string, pod: Pod): ObjectRef | undefined {
    const ref = controllerOf(pod.metadata);
    if (!ref?.kind || !ref.name) return undefined;
    const namespace = pod.metadata?.namespace ?? '';
    if (ref.kind !== 'ReplicaSet') return { cluster, namespace, kind: ref.kind, name: ref.name };
    const cacheKey = objectKey(cluster, 'ReplicaSet', namespace, ref.name);
    const cached = this.ownerCache.get(cacheKey);
    if (cached) return cached;
    let owner: ObjectRef = { cluster, namespace, kind: 'ReplicaSet', name: ref.name };
    const rs = this.namedIndex('ReplicaSet').get(cacheKey);
    if (rs) {
      const up = controllerOf(rs.metadata);
      if (up?.kind && up.name) owner = { cluster, namespace, kind: up.kind, name: up.name };
    } else {
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      if (hash && ref.name.endsWith(`-${hash}`)) {
        owner = { cluster, namespace, kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
      }
    }
    this.ownerCache.set(cacheKey, owner);
    return owner;
  }

  /** The pods whose controlling owner is the given object (a Job's pods), built on first use. */
  podsControlledBy(cluster: string, kind: string, namespace: string, name: string): readonly Pod[] {
    if (!this.podsByController) {
      const index = new Map<string, Pod[]>();
      for (const { cluster: c, object } of this.byKind.Pod) {
        const owner = controllerOf(object.metadata);
        if (!owner?.kind || !owner.name) continue;
        const key = objectKey(c, owner.kind, object.metadata?.namespace ?? '', owner.name);
        const list = index.get(key);
        if (list) list.push(object);
        else index.set(key, [object]);
      }
      this.podsByController = index;
    }
    return this.podsByController.get(objectKey(cluster, kind, namespace, name)) ?? [];
  }

  lifecycleOf(ref: ObjectRef): string | undefined {
    const l = this.context.lifecycle;
    return typeof l === 'function' ? l(ref) : l;
  }
}

const NO_EVENTS: readonly KubeEvent[] = [];

function eventTime(e: KubeEvent): number {
  return (
    time(e.lastTimestamp) ??
    time(e.eventTime) ??
    time(e.firstTimestamp) ??
    time(e.metadata?.creationTimestamp) ??
    0
  );
}

export function eventMillis(e: KubeEvent): number | undefined {
  return (
    time(e.lastTimestamp) ??
    time(e.eventTime) ??
    time(e.firstTimestamp) ??
    time(e.metadata?.creationTimestamp)
  );
}

function toEvidence(e: KubeEvent): EventEvidence {
  const out: EventEvidence = {};
  if (typeof e.type === 'string') out.type = e.type;
  if (typeof e.reason === 'string') out.reason = e.reason;
  if (typeof e.message === 'string') out.message = e.message;
  if (typeof e.count === 'number') out.count = e.count;
  const last = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
  if (typeof last === 'string') out.lastTimestamp = last;
  return out;
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** What a rule reports, before the engine gives it an id and rolls pods up. */
export interface Draft {
  rule: RuleId;
  severity: Severity;
  summary: string;
  explanation: string;
  nextSteps: string[];
  evidence: Evidence;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.kind}/${ref.name}`;
}

/** Collects findings; pod findings of one workload and rule become one finding. */
export class Collector {
  private readonly byId = new Map<string, Finding>();
  private readonly rolledUp = new Set<Finding>();
  private readonly snapshot: Snapshot;

  constructor(snapshot: Snapshot) {
    this.snapshot = snapshot;
  }

  add(object: ObjectRef, draft: Draft, idSuffix?: string): void {
    const id = `${draft.rule}:${refKey(object)}${idSuffix ? `#${idSuffix}` : ''}`;
    if (this.byId.has(id)) return;
    if (draft.evidence.events?.length === 0) delete draft.evidence.events;
    this.byId.set(id, { id, object, ...draft });
  }

  pod(item: Tagged<Pod>, draft: Draft): void {
    const pod = item.object;
    const name = pod.metadata?.name ?? '';
    const owner = this.snapshot.podOwner(item.cluster, pod);
    const object: ObjectRef = owner ?? {
      cluster: item.cluster,
      namespace: pod.metadata?.namespace ?? '',
      kind: 'Pod',
      name,
    };
    const id = `${draft.rule}:${refKey(object)}`;
    const existing = this.byId.get(id);
    if (!existing) {
      const f: Finding = { id, object, ...draft, count: 1, pods: [name] };
      this.byId.set(id, f);
      if (owner) this.rolledUp.add(f);
      return;
    }
    existing.count = (existing.count ?? 1) + 1;
    if (existing.pods && existing.pods.length < this.snapshot.options.maxPodNames) existing.pods.push(name);
    if (SEVERITY_RANK[draft.severity] < SEVERITY_RANK[existing.severity]) {
      // The worst pod speaks for the workload.
      existing.severity = draft.severity;
      existing.summary = draft.summary;
      existing.explanation = draft.explanation;
      existing.nextSteps = draft.nextSteps;
      existing.evidence = draft.evidence;
      const pods = existing.pods ?? [];
      const at = pods.indexOf(name);
      if (at >= 0) pods.splice(at, 1);
      pods.unshift(name);
      if (pods.length > this.snapshot.options.maxPodNames) pods.pop();
      existing.pods = pods;
    }
  }

  finish(): Finding[] {
    const out = [...this.byId.values()];
    for (const f of out) {
      // Summaries embed cluster-supplied messages; keep them to one bounded line.
      f.summary = oneLine(f.summary);
      if (!this.rolledUp.has(f)) {
        f.summary = capitalize(f.summary);
        continue;
      }
      const count = f.count ?? 1;
      f.summary = count === 1 ? `Pod ${f.pods?.[0] ?? ''}: ${f.summary}` : `${count} pods: ${f.summary}`;
    }
    return sortFindings(out);
  }
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    cmp(a.object.cluster, b.object.cluster) ||
    cmp(a.object.namespace, b.object.namespace) ||
    cmp(a.object.kind, b.object.kind) ||
    cmp(a.object.name, b.object.name) ||
    cmp(a.id, b.id)
  );
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(compareFindings);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}
