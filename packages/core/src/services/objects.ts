// Collect every object of one service in one cluster: objects whose labels match the locator,
// then what hangs off the matched workloads (ReplicaSets and Pods by owner reference, Jobs of
// CronJobs, HPAs by scale target, Services/PDBs by selector, Ingresses by backend, Events by
// involved object). Pure over an ObjectSource so tests can use plain arrays.
import type {
  HorizontalPodAutoscaler,
  Ingress,
  KindObject,
  KubeEvent,
  KubeObject,
  PodDisruptionBudget,
  Service,
  WatchedKind,
} from '../k8s/types.ts';
import { isWorkloadKind, podTemplateOf } from '../k8s/workloads.ts';
import { inNamespaces, type ServiceLocator } from './locator.ts';
import { fromLabelSelector, indexableRequirement, matchesSelector, type Selector } from './selector.ts';

/** Read access to one cluster's cached objects. The server backs it with indexes. */
export interface ObjectSource {
  all(kind: WatchedKind): Iterable<KubeObject>;
  byNamespace(kind: WatchedKind, namespace: string): Iterable<KubeObject>;
  /** Objects whose label `key` has `value`; undefined when that label is not indexed. */
  byLabel(kind: WatchedKind, key: string, value: string): Iterable<KubeObject> | undefined;
  byOwner(kind: WatchedKind, ownerUid: string): Iterable<KubeObject>;
}

/** One object of a service, with its kind. */
export type ServiceObject = KindObject;

export { WORKLOAD_KINDS, type WorkloadKind } from '../k8s/workloads.ts';

/**
 * What a service's objects in one cluster are keyed by, for routing a change to the views it may
 * alter: the uids it holds, its workloads, its Services and its pods' template labels. Built by
 * `selectService` from the same walk that selects the objects, so it cannot disagree with it.
 */
export interface ServiceFootprint {
  uids: Set<string>;
  /** `namespace/Kind/name` of its workloads (what an HPA's scaleTargetRef names). */
  workloads: Set<string>;
  /** `namespace/name` of its Services (what an Ingress backend names). */
  serviceNames: Set<string>;
  /** Pod template labels of its workloads, per namespace (what a Service or PDB selects). */
  templates: Map<string, Record<string, string>[]>;
}

export function emptyFootprint(): ServiceFootprint {
  return { uids: new Set(), workloads: new Set(), serviceNames: new Set(), templates: new Map() };
}

/** Adds what `from` holds to `into` (a view's footprint over several clusters). */
export function mergeFootprint(into: ServiceFootprint, from: ServiceFootprint): void {
  for (const u of from.uids) into.uids.add(u);
  for (const n of from.serviceNames) into.serviceNames.add(n);
  for (const w of from.workloads) into.workloads.add(w);
  for (const [ns, list] of from.templates) {
    const existing = into.templates.get(ns);
    if (existing) existing.push(...list);
    else into.templates.set(ns, [...list]);
  }
}

const LABELLED_KINDS: WatchedKind[] = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'ReplicaSet',
  'Pod',
  'Service',
  'Ingress',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
];

function objKey(obj: KubeObject): string {
  return obj.metadata?.uid ?? `${obj.metadata?.namespace}/${obj.metadata?.name}`;
}

function labelMatches(locator: ServiceLocator, source: ObjectSource, kind: WatchedKind): KubeObject[] {
  const out = new Map<string, KubeObject>();
  for (const selector of locator.selectors) {
    let candidates: Iterable<KubeObject> | undefined;
    const idx = indexableRequirement(selector);
    if (idx) {
      const lists: KubeObject[] = [];
      let indexed = true;
      for (const value of idx.values) {
        const hit = source.byLabel(kind, idx.key, value);
        if (!hit) {
          indexed = false;
          break;
        }
        for (const o of hit) lists.push(o);
      }
      if (indexed) candidates = lists;
    }
    if (!candidates && locator.namespaces) {
      const lists: KubeObject[] = [];
      for (const ns of locator.namespaces) for (const o of source.byNamespace(kind, ns)) lists.push(o);
      candidates = lists;
    }
    candidates ??= source.all(kind);
    for (const obj of candidates) {
      if (inNamespaces(locator, obj) && matchesSelector(selector, obj.metadata?.labels))
        out.set(objKey(obj), obj);
    }
  }
  return [...out.values()];
}

/**
 * All objects of a service in one cluster, each once. With `footprint`, their keys are added to
 * it (one footprint can cover every cluster): the change router's index of the view. Without
 * `events`, Events are left out (the service view shows none; health rules read them).
 */
export function selectServiceObjects(
  locator: ServiceLocator,
  source: ObjectSource,
  footprint?: ServiceFootprint,
  { events = true }: { events?: boolean } = {},
): ServiceObject[] {
  const result = new Map<string, ServiceObject>();
  const add = (kind: WatchedKind, object: KubeObject) => {
    const key = `${kind}/${objKey(object)}`;
    if (!result.has(key)) result.set(key, { kind, object } as ServiceObject);
  };
  for (const kind of LABELLED_KINDS) for (const obj of labelMatches(locator, source, kind)) add(kind, obj);

  // Expand from workloads down to their pods, by owner reference.
  const workloads = [...result.values()].filter((o) => isWorkloadKind(o.kind));
  const addPodsOf = (uid: string) => {
    for (const pod of source.byOwner('Pod', uid)) add('Pod', pod);
  };
  for (const { kind, object } of workloads) {
    const uid = object.metadata?.uid;
    if (!uid) continue;
    if (kind === 'Deployment') {
      addPodsOf(uid);
      for (const rs of source.byOwner('ReplicaSet', uid)) {
        add('ReplicaSet', rs);
        if (rs.metadata?.uid) addPodsOf(rs.metadata.uid);
      }
    } else if (kind === 'CronJob') {
      for (const job of source.byOwner('Job', uid)) {
        add('Job', job);
        if (job.metadata?.uid) addPodsOf(job.metadata.uid);
      }
    } else {
      addPodsOf(uid);
    }
  }
  // Jobs added just above (from CronJobs) also own pods.
  for (const { kind, object } of [...result.values()]) {
    if (kind === 'Job' && object.metadata?.uid) addPodsOf(object.metadata.uid);
  }

  // What hangs off the workloads without their labels: HPAs by scale target, Services and PDBs
  // by the pod templates they select, Ingresses by the Services they route to.
  const fp = emptyFootprint();
  for (const w of [...result.values()]) if (isWorkloadKind(w.kind)) addWorkload(fp, w.kind, w.object);
  for (const ns of fp.templates.keys()) {
    for (const kind of ['HorizontalPodAutoscaler', 'Service', 'PodDisruptionBudget'] as const) {
      for (const obj of source.byNamespace(kind, ns)) if (attachesTo(kind, obj, fp)) add(kind, obj);
    }
  }
  for (const { kind, object } of result.values()) {
    if (kind === 'Service')
      fp.serviceNames.add(`${object.metadata?.namespace ?? ''}/${object.metadata?.name}`);
  }
  const serviceNamespaces = new Set([...fp.serviceNames].map((s) => s.slice(0, s.indexOf('/'))));
  for (const ns of serviceNamespaces) {
    for (const ing of source.byNamespace('Ingress', ns))
      if (attachesTo('Ingress', ing, fp)) add('Ingress', ing);
  }

  // Events about any object of the service.
  const uids = new Set(
    [...result.values()].map((o) => o.object.metadata?.uid).filter((u) => u !== undefined),
  );
  const eventNamespaces = events
    ? new Set([...result.values()].map((o) => o.object.metadata?.namespace ?? ''))
    : [];
  for (const ns of eventNamespaces) {
    for (const ev of source.byNamespace('Event', ns) as Iterable<KubeEvent>) {
      const uid = ev.involvedObject?.uid;
      if (uid && uids.has(uid)) add('Event', ev);
    }
  }
  if (footprint) {
    for (const u of uids) footprint.uids.add(u);
    mergeFootprint(footprint, { ...fp, uids: new Set() });
  }
  return [...result.values()];
}

function addWorkload(fp: ServiceFootprint, kind: WatchedKind, object: KubeObject) {
  const ns = object.metadata?.namespace ?? '';
  fp.workloads.add(`${ns}/${kind}/${object.metadata?.name}`);
  const labels = podTemplateOf(kind, object)?.metadata?.labels;
  const list = fp.templates.get(ns);
  if (!labels) {
    // The namespace still holds a workload: HPAs there may target it.
    if (!list) fp.templates.set(ns, []);
  } else if (list) list.push(labels);
  else fp.templates.set(ns, [labels]);
}

/** `namespace/Kind/name` of the workload an HPA scales. */
export function hpaTargetKey(hpa: HorizontalPodAutoscaler): string | undefined {
  const t = hpa.spec?.scaleTargetRef;
  return t?.kind && t.name ? `${hpa.metadata?.namespace ?? ''}/${t.kind}/${t.name}` : undefined;
}

/** `namespace/name` of each Service an Ingress routes to. */
export function ingressBackendKeys(ing: Ingress): string[] {
  const ns = ing.metadata?.namespace ?? '';
  const backends = [
    ing.spec?.defaultBackend,
    ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend)),
  ];
  const out: string[] = [];
  for (const b of backends) if (b?.service?.name) out.push(`${ns}/${b.service.name}`);
  return out;
}

/** The pods a Service or PodDisruptionBudget selects; undefined when it selects none. */
export function podSelectorOf(
  kind: 'Service' | 'PodDisruptionBudget',
  obj: KubeObject,
): Selector | undefined {
  const selector =
    kind === 'Service'
      ? (obj as Service).spec?.selector && fromLabelSelector({ matchLabels: (obj as Service).spec?.selector })
      : fromLabelSelector((obj as PodDisruptionBudget).spec?.selector);
  return selector && selector.length > 0 ? selector : undefined;
}

/** The kinds that belong to a service by what they name or select, not by their labels. */
export const ATTACHED_KINDS = [
  'HorizontalPodAutoscaler',
  'Service',
  'PodDisruptionBudget',
  'Ingress',
] as const;

/**
 * Whether an HPA, Service, PDB or Ingress belongs to the service whose footprint this is: an HPA
 * scales one of its workloads, a Service or PDB selects its pods' template labels, an Ingress
 * routes to one of its Services. The service locator and the change router both ask this.
 */
export function attachesTo(kind: WatchedKind, obj: KubeObject, fp: ServiceFootprint): boolean {
  switch (kind) {
    case 'HorizontalPodAutoscaler': {
      const key = hpaTargetKey(obj as HorizontalPodAutoscaler);
      return key !== undefined && fp.workloads.has(key);
    }
    case 'Service':
    case 'PodDisruptionBudget': {
      const selector = podSelectorOf(kind, obj);
      if (!selector) return false;
      const templates = fp.templates.get(obj.metadata?.namespace ?? '');
      return templates?.some((labels) => matchesSelector(selector, labels)) ?? false;
    }
    case 'Ingress':
      return ingressBackendKeys(obj as Ingress).some((k) => fp.serviceNames.has(k));
    default:
      return false;
  }
}

/**
 * Everything of an object that selectServiceObjects reads to decide what belongs to a service:
 * its identity, labels and owners, and what it names or selects (pod template labels, scale
 * target, Service and PDB selectors, Ingress backends, an Event's object). Two versions with the
 * same key select the same objects, so a modification that keeps it (a pod's or an HPA's status,
 * most of the churn) changes what a view shows of that object but not what the view holds.
 */
export function selectionKey(kind: WatchedKind, obj: KubeObject): string {
  const meta = obj.metadata;
  let named: unknown;
  if (isWorkloadKind(kind)) named = podTemplateOf(kind, obj)?.metadata?.labels;
  else if (kind === 'HorizontalPodAutoscaler') named = hpaTargetKey(obj as HorizontalPodAutoscaler);
  else if (kind === 'Service' || kind === 'PodDisruptionBudget') named = podSelectorOf(kind, obj);
  else if (kind === 'Ingress') named = ingressBackendKeys(obj as Ingress);
  else if (kind === 'Event') named = (obj as KubeEvent).involvedObject?.uid;
  return JSON.stringify([
    meta?.uid,
    meta?.namespace,
    meta?.name,
    meta?.labels,
    meta?.ownerReferences?.map((o) => [o.uid, o.controller]),
    named,
  ]);
}
