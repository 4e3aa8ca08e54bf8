// Collect every object of one service in one cluster: objects whose labels match the locator,
// then what hangs off the matched workloads (ReplicaSets and Pods by owner reference, Jobs of
// CronJobs, HPAs by scale target, Services/PDBs by selector, Ingresses by backend, Events by
// involved object). Pure over an ObjectSource so tests can use plain arrays.
import type {
  CronJob,
  HorizontalPodAutoscaler,
  Ingress,
  KubeEvent,
  KubeObject,
  PodDisruptionBudget,
  PodTemplate,
  Service,
  WatchedKind,
} from '../k8s/types.ts';
import { inNamespaces, type ServiceLocator } from './locator.ts';
import { fromLabelSelector, indexableRequirement, matchesSelector } from './selector.ts';

/** Read access to one cluster's cached objects. The server backs it with indexes. */
export interface ObjectSource {
  all(kind: WatchedKind): Iterable<KubeObject>;
  byNamespace(kind: WatchedKind, namespace: string): Iterable<KubeObject>;
  /** Objects whose label `key` has `value`; undefined when that label is not indexed. */
  byLabel(kind: WatchedKind, key: string, value: string): Iterable<KubeObject> | undefined;
  byOwner(kind: WatchedKind, ownerUid: string): Iterable<KubeObject>;
}

export interface ServiceObject {
  kind: WatchedKind;
  object: KubeObject;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

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

function templateOf(kind: WatchedKind, obj: KubeObject): PodTemplate | undefined {
  if (kind === 'CronJob') return (obj as CronJob).spec?.jobTemplate?.spec?.template;
  return (obj as { spec?: { template?: PodTemplate } }).spec?.template;
}

/** All objects of a service in one cluster, each once. */
export function selectServiceObjects(locator: ServiceLocator, source: ObjectSource): ServiceObject[] {
  const result = new Map<string, ServiceObject>();
  const add = (kind: WatchedKind, object: KubeObject) => {
    const key = `${kind}/${objKey(object)}`;
    if (!result.has(key)) result.set(key, { kind, object });
  };
  for (const kind of LABELLED_KINDS) for (const obj of labelMatches(locator, source, kind)) add(kind, obj);

  // Expand from workloads down to their pods, by owner reference.
  const workloads = [...result.values()].filter((o) =>
    (WORKLOAD_KINDS as readonly string[]).includes(o.kind),
  );
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

  const allWorkloads = [...result.values()].filter((o) =>
    (WORKLOAD_KINDS as readonly string[]).includes(o.kind),
  );
  const namespaces = new Set(allWorkloads.map((w) => w.object.metadata?.namespace ?? ''));
  const templateLabels = allWorkloads
    .map((w) => ({
      ns: w.object.metadata?.namespace ?? '',
      labels: templateOf(w.kind, w.object)?.metadata?.labels,
    }))
    .filter((t): t is { ns: string; labels: Record<string, string> } => t.labels !== undefined);
  const selectsTemplates = (ns: string, selector: ReturnType<typeof fromLabelSelector>) =>
    selector !== undefined &&
    selector.length > 0 &&
    templateLabels.some((t) => t.ns === ns && matchesSelector(selector, t.labels));

  for (const ns of namespaces) {
    for (const hpa of source.byNamespace(
      'HorizontalPodAutoscaler',
      ns,
    ) as Iterable<HorizontalPodAutoscaler>) {
      const target = hpa.spec?.scaleTargetRef;
      if (
        allWorkloads.some(
          (w) =>
            w.kind === target?.kind &&
            w.object.metadata?.name === target.name &&
            w.object.metadata?.namespace === ns,
        )
      ) {
        add('HorizontalPodAutoscaler', hpa);
      }
    }
    for (const svc of source.byNamespace('Service', ns) as Iterable<Service>) {
      const sel = svc.spec?.selector;
      if (sel && selectsTemplates(ns, fromLabelSelector({ matchLabels: sel }))) add('Service', svc);
    }
    for (const pdb of source.byNamespace('PodDisruptionBudget', ns) as Iterable<PodDisruptionBudget>) {
      if (selectsTemplates(ns, fromLabelSelector(pdb.spec?.selector))) add('PodDisruptionBudget', pdb);
    }
  }
  const serviceNames = new Set(
    [...result.values()]
      .filter((o) => o.kind === 'Service')
      .map((o) => `${o.object.metadata?.namespace}/${o.object.metadata?.name}`),
  );
  const serviceNamespaces = new Set([...serviceNames].map((s) => s.slice(0, s.indexOf('/'))));
  for (const ns of serviceNamespaces) {
    for (const ing of source.byNamespace('Ingress', ns) as Iterable<Ingress>) {
      const backends = [
        ing.spec?.defaultBackend,
        ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend)),
      ];
      if (backends.some((b) => b?.service?.name && serviceNames.has(`${ns}/${b.service.name}`)))
        add('Ingress', ing);
    }
  }

  // Events about any object of the service.
  const uids = new Set(
    [...result.values()].map((o) => o.object.metadata?.uid).filter((u) => u !== undefined),
  );
  const eventNamespaces = new Set([...result.values()].map((o) => o.object.metadata?.namespace ?? ''));
  for (const ns of eventNamespaces) {
    for (const ev of source.byNamespace('Event', ns) as Iterable<KubeEvent>) {
      const uid = ev.involvedObject?.uid;
      if (uid && uids.has(uid)) add('Event', ev);
    }
  }
  return [...result.values()];
}
