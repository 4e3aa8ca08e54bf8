// Resource use: each pod's CPU and memory (from metrics.k8s.io) against its containers' requests
// and limits, summed per workload and per cluster. Pure: the caller passes the service's objects
// and what each cluster's metrics API last said.
import type { ClusterObject, KubeObject, Pod } from '../k8s/types.ts';
import { isWorkloadKind } from '../k8s/workloads.ts';
import { parseQuantity } from '../scaling/quantity.ts';

/** One container's usage as metrics.k8s.io reports it (`PodMetrics.containers[].usage`). */
export interface ContainerUsage {
  name: string;
  usage: { cpu?: string; memory?: string };
}

/** A `metrics.k8s.io/v1beta1` PodMetrics, the fields read. */
export interface PodMetrics {
  metadata?: { name?: string; namespace?: string };
  timestamp?: string;
  window?: string;
  containers?: ContainerUsage[];
}

/** What a cluster's metrics API last answered. */
export type ClusterMetrics =
  | { status: 'ok'; at: number; pods: readonly PodMetrics[] }
  /** The cluster serves no metrics.k8s.io (no metrics-server): 404 on the group. */
  | { status: 'unavailable'; at: number; message: string }
  | { status: 'error'; at: number; message: string; pods?: readonly PodMetrics[] }
  /** Not read yet. */
  | { status: 'pending' };

/** CPU in cores, memory in bytes: what is used, and the sum of the containers' requests and limits. */
export interface Amount {
  used?: number;
  request?: number;
  limit?: number;
}
export interface Use {
  cpu: Amount;
  memory: Amount;
}

export interface PodUse extends Use {
  name: string;
  namespace: string;
  /** Metrics for this pod were reported (a pod that just started, or is not running, has none). */
  measured: boolean;
}

export interface WorkloadUse extends Use {
  kind: string;
  namespace: string;
  name: string;
  pods: PodUse[];
}

export interface ClusterUse extends Use {
  cluster: string;
  metrics: { status: 'ok' | 'unavailable' | 'error' | 'pending'; at?: string; message?: string };
  workloads: WorkloadUse[];
}

/**
 * The sum of several uses. A request not set counts as zero (as the scheduler counts it); a limit
 * not set means no limit, so a sum is limited only when every part is. Use is summed over the
 * parts that report it.
 */
export function sumUse(parts: readonly Use[]): Use {
  const out = empty();
  for (const r of ['cpu', 'memory'] as const) {
    let used: number | undefined;
    let request: number | undefined;
    let limit: number | undefined = parts.length > 0 ? 0 : undefined;
    for (const p of parts) {
      const a = p[r];
      if (a.used !== undefined) used = (used ?? 0) + a.used;
      if (a.request !== undefined) request = (request ?? 0) + a.request;
      limit = limit !== undefined && a.limit !== undefined ? limit + a.limit : undefined;
    }
    out[r] = {
      ...(used !== undefined ? { used } : {}),
      ...(request !== undefined ? { request } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
  }
  return out;
}

const empty = (): Use => ({ cpu: {}, memory: {} });

/** A pod's requests and limits (app containers; init containers run before, not alongside) and its use. */
export function podUse(pod: Pod, metrics: PodMetrics | undefined): PodUse {
  const out: PodUse = {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    measured: metrics !== undefined,
    ...empty(),
  };
  const usage = new Map<string, Use>();
  for (const c of metrics?.containers ?? []) {
    const cpu = parseQuantity(c.usage?.cpu);
    const memory = parseQuantity(c.usage?.memory);
    usage.set(c.name, {
      cpu: cpu !== undefined ? { used: cpu } : {},
      memory: memory !== undefined ? { used: memory } : {},
    });
  }
  const containers = (pod.spec?.containers ?? []).map((c) => {
    const r = c.resources;
    const u = usage.get(c.name ?? '');
    return {
      cpu: { ...amount(r?.requests?.cpu, r?.limits?.cpu), ...u?.cpu },
      memory: { ...amount(r?.requests?.memory, r?.limits?.memory), ...u?.memory },
    };
  });
  Object.assign(out, sumUse(containers));
  return out;
}

function amount(request: string | undefined, limit: string | undefined): Amount {
  const q = parseQuantity(request);
  const l = parseQuantity(limit);
  return { ...(q !== undefined ? { request: q } : {}), ...(l !== undefined ? { limit: l } : {}) };
}

/** The workload a pod belongs to: its controller, or the Deployment/CronJob above that. */
function workloadOf(
  pod: KubeObject,
  byUid: Map<string, { kind: string; object: KubeObject }>,
): { kind: string; namespace: string; name: string } {
  let current: { kind: string; object: KubeObject } = { kind: 'Pod', object: pod };
  for (let depth = 0; depth < 3; depth++) {
    const ref =
      (current.object.metadata?.ownerReferences ?? []).find((r) => r.controller) ??
      current.object.metadata?.ownerReferences?.[0];
    const owner = ref?.uid ? byUid.get(ref.uid) : undefined;
    if (!owner) break;
    current = owner;
    if (isWorkloadKind(owner.kind) && owner.kind !== 'Job') break;
  }
  // A bare pod (no controller the service holds) is its own workload.
  return {
    kind: current.kind,
    namespace: current.object.metadata?.namespace ?? '',
    name: current.object.metadata?.name ?? '',
  };
}

/**
 * Per cluster (in the order given), each workload of the service with its pods' use, requests
 * and limits, and the sums. A cluster without a metrics API still gets requests and limits.
 */
export function resourceUse(
  clusters: readonly string[],
  objects: readonly ClusterObject[],
  metricsOf: (cluster: string) => ClusterMetrics,
): ClusterUse[] {
  return clusters.map((cluster) => {
    const mine = objects.filter((o) => o.cluster === cluster);
    const metrics = metricsOf(cluster);
    const byPod = new Map<string, PodMetrics>();
    if ((metrics.status === 'ok' || metrics.status === 'error') && metrics.pods)
      for (const m of metrics.pods) byPod.set(`${m.metadata?.namespace}/${m.metadata?.name}`, m);
    const byUid = new Map<string, { kind: string; object: KubeObject }>();
    for (const o of mine) if (o.object.metadata?.uid) byUid.set(o.object.metadata.uid, o);
    const workloads = new Map<string, WorkloadUse>();
    const total: ClusterUse = {
      cluster,
      metrics: {
        status: metrics.status,
        ...('at' in metrics ? { at: new Date(metrics.at).toISOString() } : {}),
        ...('message' in metrics ? { message: metrics.message } : {}),
      },
      workloads: [],
      ...empty(),
    };
    for (const o of mine) {
      if (o.kind !== 'Pod') continue;
      const phase = o.object.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const pod = podUse(o.object, byPod.get(`${o.object.metadata?.namespace}/${o.object.metadata?.name}`));
      const w = workloadOf(o.object, byUid);
      const key = `${w.kind}/${w.namespace}/${w.name}`;
      let entry = workloads.get(key);
      if (!entry) {
        entry = { ...w, pods: [], ...empty() };
        workloads.set(key, entry);
      }
      entry.pods.push(pod);
    }
    for (const w of workloads.values()) Object.assign(w, sumUse(w.pods));
    Object.assign(total, sumUse([...workloads.values()]));
    total.workloads = [...workloads.values()].sort((a, b) =>
      `${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1,
    );
    for (const w of total.workloads) w.pods.sort((a, b) => (a.name < b.name ? -1 : 1));
    return total;
  });
}
