// The service view: a service's objects, grouped per region, per cluster, per workload. Pure:
// the caller supplies the objects of each cluster (selectServiceObjects), the cluster states
// and the time.

import { rolloutOf } from '../k8s/rollout.ts';
import type {
  Condition,
  CronJob,
  DaemonSet,
  Deployment,
  HorizontalPodAutoscaler,
  Ingress,
  Job,
  KubeObject,
  MetricStatus,
  MetricTarget,
  MetricValueStatus,
  Pod,
  Service,
  StatefulSet,
  WatchedKind,
} from '../k8s/types.ts';
import { podTemplateOf } from '../k8s/workloads.ts';
import type { ServiceObject, WorkloadKind } from './objects.ts';
import { fromLabelSelector, matchesSelector } from './selector.ts';
import { clusterStatus, UNKNOWN_REGION } from './status.ts';
import type {
  ClusterState,
  ClusterSummary,
  ClusterView,
  ContainerView,
  HpaView,
  ImageView,
  IngressView,
  PodSummary,
  PodView,
  RegionView,
  ServiceRefView,
  ServiceSummary,
  ServiceView,
  VersionDrift,
  WorkloadView,
} from './types.ts';

export interface ClusterInput {
  state: ClusterState;
  objects: ServiceObject[];
}

export interface BuildViewInput {
  ref: string;
  name: string;
  clusters: ClusterInput[];
  /** Milliseconds since the epoch. */
  now: number;
  /** At most this many pods per workload per cluster in `pods` (default: all). */
  maxPodsPerWorkload?: number;
}

/** The version part of an image reference: its tag, or a short digest, or "latest". */
export function imageVersion(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) {
    const digest = image.slice(at + 1);
    const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
    const beforeDigest = image.slice(0, at);
    const tag = tagOf(beforeDigest);
    return tag ?? `@${hex.slice(0, 12)}`;
  }
  return tagOf(image) ?? 'latest';
}

function tagOf(image: string): string | undefined {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : undefined;
}

function cond(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** The rollout as the view shows it (the pill and its message). */
function rolloutView(kind: WorkloadKind, obj: KubeObject): WorkloadView['rollout'] {
  const { updating: _updating, ...rollout } = rolloutOf(kind, obj);
  return rollout;
}

function replicasOf(kind: WorkloadKind, obj: KubeObject, pods: PodView[]): WorkloadView['replicas'] {
  switch (kind) {
    case 'Deployment': {
      const d = obj as Deployment;
      return {
        desired: d.spec?.replicas ?? 1,
        ready: d.status?.readyReplicas ?? 0,
        updated: d.status?.updatedReplicas ?? 0,
        available: d.status?.availableReplicas ?? 0,
      };
    }
    case 'StatefulSet': {
      const s = obj as StatefulSet;
      return {
        desired: s.spec?.replicas ?? 1,
        ready: s.status?.readyReplicas ?? 0,
        updated: s.status?.updatedReplicas ?? 0,
        available: s.status?.availableReplicas ?? s.status?.readyReplicas ?? 0,
      };
    }
    case 'DaemonSet': {
      const d = obj as DaemonSet;
      return {
        desired: d.status?.desiredNumberScheduled ?? 0,
        ready: d.status?.numberReady ?? 0,
        updated: d.status?.updatedNumberScheduled ?? 0,
        available: d.status?.numberAvailable ?? 0,
      };
    }
    case 'Job': {
      const j = obj as Job;
      return {
        desired: j.spec?.parallelism ?? 1,
        ready: j.status?.active ?? 0,
        updated: j.status?.active ?? 0,
        available: j.status?.succeeded ?? 0,
      };
    }
    case 'CronJob': {
      const running = pods.filter((p) => p.phase === 'Running');
      return {
        desired: (obj as CronJob).status?.active?.length ?? 0,
        ready: running.filter((p) => p.ready).length,
        updated: running.length,
        available: running.length,
      };
    }
  }
}

function ageSeconds(ts: string | undefined, now: number): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.floor((now - t) / 1000));
}

export function podView(pod: Pod, now: number): PodView {
  const statuses = pod.status?.containerStatuses ?? [];
  const specContainers = pod.spec?.containers ?? [];
  const containers: ContainerView[] = specContainers.map((c) => {
    const st = statuses.find((s) => s.name === c.name);
    const state = st?.state;
    const view: ContainerView = {
      name: c.name ?? '',
      image: st?.image ?? c.image ?? '',
      ready: st?.ready ?? false,
      restarts: st?.restartCount ?? 0,
      state: state?.running
        ? 'running'
        : state?.waiting
          ? 'waiting'
          : state?.terminated
            ? 'terminated'
            : 'unknown',
    };
    const reason = state?.waiting?.reason ?? state?.terminated?.reason;
    if (reason) view.reason = reason;
    if (state?.terminated?.exitCode !== undefined) view.exitCode = state.terminated.exitCode;
    if (st?.lastState?.terminated?.reason) view.lastTerminationReason = st.lastState.terminated.reason;
    return view;
  });
  const readyCount = containers.filter((c) => c.ready).length;
  const readyCond = cond(pod.status?.conditions, 'Ready');
  const reason = pod.status?.reason ?? containers.find((c) => c.state !== 'running' && c.reason)?.reason;
  const view: PodView = {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: readyCond
      ? readyCond.status === 'True'
      : containers.length > 0 && readyCount === containers.length,
    readyContainers: `${readyCount}/${containers.length}`,
    restarts: containers.reduce((n, c) => n + c.restarts, 0),
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    containers,
  };
  if (pod.metadata?.uid) view.uid = pod.metadata.uid;
  if (pod.spec?.nodeName) view.node = pod.spec.nodeName;
  if (pod.metadata?.creationTimestamp) view.createdAt = pod.metadata.creationTimestamp;
  const age = ageSeconds(pod.metadata?.creationTimestamp, now);
  if (age !== undefined) view.ageSeconds = age;
  if (reason) view.reason = reason;
  return view;
}

function targetString(t: MetricTarget | undefined): string | undefined {
  if (!t) return undefined;
  if (t.averageUtilization !== undefined) return `${t.averageUtilization}%`;
  return t.averageValue ?? t.value;
}
function currentString(c: MetricValueStatus | undefined): string | undefined {
  if (!c) return undefined;
  if (c.averageUtilization !== undefined) return `${c.averageUtilization}%`;
  return c.averageValue ?? c.value;
}

function hpaView(hpa: HorizontalPodAutoscaler): HpaView {
  const current = hpa.status?.currentMetrics ?? [];
  const metrics = (hpa.spec?.metrics ?? []).map((m, i) => {
    const type = m.type ?? 'Unknown';
    const cur: MetricStatus | undefined =
      current[i]?.type === m.type ? current[i] : current.find((c) => c.type === m.type);
    const key = (type.charAt(0).toLowerCase() + type.slice(1)) as
      | 'resource'
      | 'containerResource'
      | 'pods'
      | 'object'
      | 'external';
    const spec = m[key] as { name?: string; metric?: { name?: string }; target?: MetricTarget } | undefined;
    const status = cur?.[key] as { current?: MetricValueStatus } | undefined;
    const out: HpaView['metrics'][number] = { type };
    const name = spec?.name ?? spec?.metric?.name;
    if (name) out.name = name;
    const target = targetString(spec?.target);
    if (target) out.target = target;
    const c = currentString(status?.current);
    if (c) out.current = c;
    return out;
  });
  const view: HpaView = {
    name: hpa.metadata?.name ?? '',
    atMax: hpa.spec?.maxReplicas !== undefined && (hpa.status?.currentReplicas ?? 0) >= hpa.spec.maxReplicas,
    metrics,
  };
  if (hpa.spec?.minReplicas !== undefined) view.minReplicas = hpa.spec.minReplicas;
  if (hpa.spec?.maxReplicas !== undefined) view.maxReplicas = hpa.spec.maxReplicas;
  if (hpa.status?.currentReplicas !== undefined) view.currentReplicas = hpa.status.currentReplicas;
  if (hpa.status?.desiredReplicas !== undefined) view.desiredReplicas = hpa.status.desiredReplicas;
  return view;
}

function addresses(lb: { ingress?: { ip?: string; hostname?: string }[] } | undefined): string[] {
  return (lb?.ingress ?? []).map((i) => i.hostname ?? i.ip ?? '').filter((a) => a !== '');
}

function serviceView(svc: Service): ServiceRefView {
  const view: ServiceRefView = {
    name: svc.metadata?.name ?? '',
    namespace: svc.metadata?.namespace ?? '',
    ports: (svc.spec?.ports ?? []).map((p) => ({ ...p })),
    externalAddresses: addresses(svc.status?.loadBalancer),
  };
  if (svc.spec?.type) view.type = svc.spec.type;
  if (svc.spec?.clusterIP) view.clusterIP = svc.spec.clusterIP;
  return view;
}

function ingressView(ing: Ingress): IngressView {
  const paths: IngressView['paths'] = [];
  for (const rule of ing.spec?.rules ?? []) {
    for (const p of rule.http?.paths ?? []) {
      const entry: IngressView['paths'][number] = {};
      if (rule.host) entry.host = rule.host;
      if (p.path) entry.path = p.path;
      if (p.backend?.service?.name) entry.service = p.backend.service.name;
      const port = p.backend?.service?.port?.number ?? p.backend?.service?.port?.name;
      if (port !== undefined) entry.port = port;
      paths.push(entry);
    }
  }
  return {
    name: ing.metadata?.name ?? '',
    namespace: ing.metadata?.namespace ?? '',
    hosts: [...new Set((ing.spec?.rules ?? []).map((r) => r.host).filter((h): h is string => !!h))],
    paths,
    tls: (ing.spec?.tls ?? []).length > 0,
    addresses: addresses(ing.status?.loadBalancer),
  };
}

const WORKLOAD_ORDER: Record<WorkloadKind, number> = {
  Deployment: 0,
  StatefulSet: 1,
  DaemonSet: 2,
  CronJob: 3,
  Job: 4,
};

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

interface PodFacts {
  pod: Pod;
  ready: boolean;
  restarts: number;
  phase: string;
  terminating: boolean;
}

/** Facts per pod object: a watched object is replaced, never changed, when its pod changes. */
const factsOf = new WeakMap<Pod, PodFacts>();

/** What ranking and counting need, without building the full PodView (big workloads: most pods are cut). */
function podFacts(pod: Pod): PodFacts {
  const known = factsOf.get(pod);
  if (known) return known;
  const readyCond = cond(pod.status?.conditions, 'Ready');
  const statuses = pod.status?.containerStatuses ?? [];
  let restarts = 0;
  let allReady = statuses.length > 0;
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    if (!c.ready) allReady = false;
  }
  const facts: PodFacts = {
    pod,
    ready: readyCond
      ? readyCond.status === 'True'
      : allReady && statuses.length >= (pod.spec?.containers?.length ?? 0),
    restarts,
    phase: pod.status?.phase ?? 'Unknown',
    terminating: pod.metadata?.deletionTimestamp !== undefined,
  };
  factsOf.set(pod, facts);
  return facts;
}

const podName = (f: PodFacts) => f.pod.metadata?.name ?? '';

/** The `k` facts first by pod name, without sorting them all (a workload can have thousands). */
function firstByName(facts: PodFacts[], k: number): PodFacts[] {
  if (k <= 0) return [];
  if (facts.length <= k) return facts;
  const best = facts.slice(0, k).sort((a, b) => (podName(a) < podName(b) ? -1 : 1));
  let last = podName(best[k - 1]!);
  for (let i = k; i < facts.length; i++) {
    const f = facts[i]!;
    const name = podName(f);
    if (name >= last) continue;
    let j = k - 1;
    while (j > 0 && podName(best[j - 1]!) > name) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = f;
    last = podName(best[k - 1]!);
  }
  return best;
}

/** Count all pods, keep at most `max` (those needing attention first), build views for those only. */
function selectPods(
  raw: Pod[],
  max: number | undefined,
  now: number,
): { pods: PodView[]; omitted: number; summary: PodSummary } {
  const summary: PodSummary = {
    total: raw.length,
    ready: 0,
    running: 0,
    pending: 0,
    failed: 0,
    terminating: 0,
    restarts: 0,
  };
  const attention: PodFacts[] = [];
  const fine: PodFacts[] = [];
  for (const pod of raw) {
    const f = podFacts(pod);
    if (f.ready) summary.ready++;
    if (f.phase === 'Running') summary.running++;
    else if (f.phase === 'Pending') summary.pending++;
    else if (f.phase === 'Failed') summary.failed++;
    if (f.terminating) summary.terminating++;
    summary.restarts += f.restarts;
    (needsAttention(f) ? attention : fine).push(f);
  }
  let kept = attention.concat(fine);
  if (max !== undefined && raw.length > max) {
    const first = firstByName(attention, max);
    kept = first.concat(firstByName(fine, max - first.length));
  }
  const pods = kept.map((f) => podView(f.pod, now)).sort(byName);
  return { pods, omitted: raw.length - pods.length, summary };
}

function needsAttention(p: {
  ready: boolean;
  terminating: boolean;
  restarts: number;
  phase: string;
}): boolean {
  return !p.ready || p.terminating || p.restarts > 0 || p.phase !== 'Running';
}

/** Keep at most `max` pods, those needing attention first, each group in name order. */
export function limitPods(pods: PodView[], max: number | undefined): { pods: PodView[]; omitted: number } {
  if (max === undefined || pods.length <= max) return { pods, omitted: 0 };
  const attention = pods.filter(needsAttention);
  const fine = pods.filter((p) => !needsAttention(p));
  const kept = [...attention, ...fine].slice(0, max).sort(byName);
  return { pods: kept, omitted: pods.length - kept.length };
}

export function podSummary(pods: PodView[]): PodSummary {
  const s: PodSummary = {
    total: pods.length,
    ready: 0,
    running: 0,
    pending: 0,
    failed: 0,
    terminating: 0,
    restarts: 0,
  };
  for (const p of pods) {
    if (p.ready) s.ready++;
    if (p.phase === 'Running') s.running++;
    else if (p.phase === 'Pending') s.pending++;
    else if (p.phase === 'Failed') s.failed++;
    if (p.terminating) s.terminating++;
    s.restarts += p.restarts;
  }
  return s;
}

/** Group one cluster's objects of a service into workloads with their pods, HPA, services, ingresses. */
/**
 * Whether a service view is built from objects of this kind: every watched kind but Events, which
 * the view does not show (health rules read them from the service's objects instead).
 */
export function viewReads(kind: WatchedKind): boolean {
  return kind !== 'Event';
}

export function buildClusterView(input: ClusterInput, now: number, maxPodsPerWorkload?: number): ClusterView {
  const { state, objects } = input;
  // uid -> owning workload uid, through ReplicaSets (Deployments) and Jobs (CronJobs).
  const parent = new Map<string, string>();
  for (const { kind, object } of objects) {
    if (kind !== 'ReplicaSet' && kind !== 'Job') continue;
    const owner =
      object.metadata?.ownerReferences?.find((o) => o.controller) ?? object.metadata?.ownerReferences?.[0];
    if (owner?.uid && object.metadata?.uid) parent.set(object.metadata.uid, owner.uid);
  }
  const workloads = objects.filter((o) => o.kind in WORKLOAD_ORDER);
  const workloadUids = new Set(workloads.map((w) => w.object.metadata?.uid));
  const podsByWorkload = new Map<string, Pod[]>();
  for (const { kind, object } of objects) {
    if (kind !== 'Pod') continue;
    const owner =
      object.metadata?.ownerReferences?.find((o) => o.controller) ?? object.metadata?.ownerReferences?.[0];
    let uid = owner?.uid;
    // Walk up to the top workload (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob).
    for (let i = 0; uid && i < 3 && !(workloadUids.has(uid) && !parent.has(uid)); i++) {
      const up = parent.get(uid);
      if (!up) break;
      uid = up;
    }
    if (!uid) continue;
    const list = podsByWorkload.get(uid) ?? [];
    list.push(object as Pod);
    podsByWorkload.set(uid, list);
  }
  const hpas = objects
    .filter((o) => o.kind === 'HorizontalPodAutoscaler')
    .map((o) => o.object as HorizontalPodAutoscaler);
  const services = objects.filter((o) => o.kind === 'Service').map((o) => o.object as Service);
  const ingresses = objects.filter((o) => o.kind === 'Ingress').map((o) => o.object as Ingress);

  const items: WorkloadView[] = [];
  for (const { kind, object } of workloads) {
    const wkind = kind as WorkloadKind;
    const uid = object.metadata?.uid;
    // Jobs owned by a CronJob of this service show under the CronJob, not on their own.
    if (wkind === 'Job' && uid && parent.has(uid) && workloadUids.has(parent.get(uid))) continue;
    const ns = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    const template = podTemplateOf(wkind, object);
    const { pods, omitted, summary } = selectPods(
      uid ? (podsByWorkload.get(uid) ?? []) : [],
      maxPodsPerWorkload,
      now,
    );
    const images: ImageView[] = (template?.spec?.containers ?? []).map((c) => ({
      container: c.name ?? '',
      image: c.image ?? '',
      version: imageVersion(c.image ?? ''),
    }));
    const podLabels = template?.metadata?.labels;
    const svcs = services.filter((s) => {
      if (s.metadata?.namespace !== ns || !s.spec?.selector || Object.keys(s.spec.selector).length === 0)
        return false;
      const sel = fromLabelSelector({ matchLabels: s.spec.selector });
      return sel !== undefined && matchesSelector(sel, podLabels);
    });
    const svcNames = new Set(svcs.map((s) => s.metadata?.name));
    const ings = ingresses.filter(
      (i) =>
        i.metadata?.namespace === ns &&
        [
          i.spec?.defaultBackend,
          ...(i.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend)),
        ].some((b) => b?.service?.name !== undefined && svcNames.has(b.service.name)),
    );
    const hpa = hpas.find(
      (h) =>
        h.metadata?.namespace === ns &&
        h.spec?.scaleTargetRef?.kind === wkind &&
        h.spec.scaleTargetRef.name === name,
    );
    const view: WorkloadView = {
      kind: wkind,
      name,
      namespace: ns,
      labels: { ...(object.metadata?.labels ?? {}) },
      replicas: replicasOf(wkind, object, pods),
      rollout: rolloutView(wkind, object),
      images,
      pods,
      podSummary: summary,
      services: svcs.map(serviceView).sort(byName),
      ingresses: ings.map(ingressView).sort(byName),
    };
    if (uid) view.uid = uid;
    if (omitted > 0) view.podsOmitted = omitted;
    if (images[0]) view.version = images[0].version;
    if (hpa) view.hpa = hpaView(hpa);
    if (object.metadata?.creationTimestamp) view.createdAt = object.metadata.creationTimestamp;
    items.push(view);
  }
  items.sort(
    (a, b) =>
      WORKLOAD_ORDER[a.kind] - WORKLOAD_ORDER[b.kind] || byName(a, b) || (a.namespace < b.namespace ? -1 : 1),
  );
  return { ...clusterStatus(state), items };
}

/** Which version of each workload runs in which cluster; drift when more than one. */
export function versionDrift(clusters: ClusterView[]): VersionDrift[] {
  const byWorkload = new Map<string, { kind: string; name: string; versions: Map<string, Set<string>> }>();
  for (const c of clusters) {
    for (const w of c.items) {
      if (w.kind === 'Job') continue;
      const key = `${w.kind}/${w.name}`;
      const entry = byWorkload.get(key) ?? { kind: w.kind, name: w.name, versions: new Map() };
      const version = w.images.map((i) => i.version).join(',') || 'none';
      const set = entry.versions.get(version) ?? new Set<string>();
      set.add(c.cluster);
      entry.versions.set(version, set);
      byWorkload.set(key, entry);
    }
  }
  return [...byWorkload.values()]
    .map((e) => ({
      workload: e.name,
      kind: e.kind,
      versions: [...e.versions.entries()]
        .map(([version, cs]) => ({ version, clusters: [...cs].sort() }))
        .sort((a, b) => b.clusters.length - a.clusters.length || (a.version < b.version ? -1 : 1)),
      drift: e.versions.size > 1,
    }))
    .sort((a, b) => (a.workload < b.workload ? -1 : a.workload > b.workload ? 1 : a.kind < b.kind ? -1 : 1));
}

export function summarizeCluster(view: ClusterView): ClusterSummary {
  const counts = view.items.map((w) => w.podSummary);
  return {
    cluster: view.cluster,
    region: view.region,
    status: view.status,
    stale: view.status === 'stale',
    workloads: view.items.length,
    pods: counts.reduce((n, c) => n + c.total, 0),
    readyPods: counts.reduce((n, c) => n + c.ready, 0),
    restarts: counts.reduce((n, c) => n + c.restarts, 0),
    versions: [
      ...new Set(view.items.map((w) => w.version).filter((v): v is string => v !== undefined)),
    ].sort(),
    rolloutStates: [...new Set(view.items.map((w) => w.rollout.state))].sort(),
  };
}

export function summarize(clusters: ClusterView[], versions: VersionDrift[]): ServiceSummary {
  const perCluster = clusters.map(summarizeCluster);
  return {
    clusters: perCluster.filter((c) => c.workloads > 0).length,
    workloads: perCluster.reduce((n, c) => n + c.workloads, 0),
    pods: perCluster.reduce((n, c) => n + c.pods, 0),
    readyPods: perCluster.reduce((n, c) => n + c.readyPods, 0),
    drift: versions.some((v) => v.drift),
    perCluster,
  };
}

/** The whole service view: per region (sorted), per cluster (sorted), with drift and summary. */
export function buildServiceView(input: BuildViewInput): ServiceView {
  return assembleServiceView({
    ref: input.ref,
    name: input.name,
    now: input.now,
    clusters: input.clusters.map((c) => buildClusterView(c, input.now, input.maxPodsPerWorkload)),
  });
}

/**
 * The service view from its clusters' views, each built by buildClusterView (perhaps at different
 * times: a server keeps each cluster's part until something in that cluster changes).
 */
export function assembleServiceView(input: {
  ref: string;
  name: string;
  now: number;
  clusters: ClusterView[];
}): ServiceView {
  const clusters = [...input.clusters].sort((a, b) =>
    a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0,
  );
  const regions = new Map<string, string[]>();
  for (const c of clusters) {
    const list = regions.get(c.region) ?? [];
    list.push(c.cluster);
    regions.set(c.region, list);
  }
  const regionViews: RegionView[] = [...regions.entries()]
    .sort(([a], [b]) => (a === UNKNOWN_REGION ? 1 : b === UNKNOWN_REGION ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([region, cs]) => ({ region, clusters: cs }));
  const versions = versionDrift(clusters);
  return {
    ref: input.ref,
    name: input.name,
    generatedAt: new Date(input.now).toISOString(),
    regions: regionViews,
    clusters,
    versions,
    summary: summarize(clusters, versions),
  };
}
