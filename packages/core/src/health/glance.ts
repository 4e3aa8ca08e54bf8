// A service at a glance: one word per cluster (healthy, degraded, failing, stale, syncing, not
// deployed) and one for the whole service, from its view and its findings. The service page, the
// team page and the benchmarks all read the same answer from here.
import type { ClusterView, ServiceSummary, ServiceView } from '../services/types.ts';
import type { Finding, Severity } from './types.ts';

export type ClusterGlanceState = 'healthy' | 'degraded' | 'failing' | 'stale' | 'syncing' | 'not-deployed';
export type ServiceState = 'healthy' | 'degraded' | 'failing' | 'unknown';

export interface ClusterGlance {
  cluster: string;
  region: string;
  state: ClusterGlanceState;
  /** Versions of the service's workloads in this cluster, sorted. */
  versions: string[];
  pods: number;
  readyPods: number;
  /** Findings about objects in this cluster, by severity. */
  findings: Record<Severity, number>;
  /** Why the state is not healthy, in a few words ("2 critical findings", "3/5 pods ready"). */
  reason?: string;
}

export interface ServiceGlance {
  state: ServiceState;
  /** Why, in a few words. */
  reason: string;
  counts: Record<ClusterGlanceState, number>;
  regions: { region: string; clusters: ClusterGlance[] }[];
  /** Findings about the service as a whole (cluster `*`, e.g. version drift), by severity. */
  fleetFindings: Record<Severity, number>;
}

const STATES: ClusterGlanceState[] = ['failing', 'degraded', 'stale', 'syncing', 'healthy', 'not-deployed'];

function severities(findings: readonly Finding[]): Record<Severity, number> {
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function clusterGlance(cluster: ClusterView, findings: readonly Finding[]): ClusterGlance {
  const own = findings.filter((f) => f.object.cluster === cluster.cluster);
  const counts = severities(own);
  let pods = 0;
  let readyPods = 0;
  let failedWorkload: string | undefined;
  for (const w of cluster.items) {
    pods += w.podSummary.total;
    readyPods += w.podSummary.ready;
    if (
      w.rollout.state === 'failed' ||
      (w.replicas.desired > 0 && w.replicas.ready === 0 && w.kind !== 'Job')
    )
      failedWorkload ??= w.name;
  }
  const versions = [...new Set(cluster.items.flatMap((w) => (w.version ? [w.version] : [])))].sort();
  const base = {
    cluster: cluster.cluster,
    region: cluster.region,
    versions,
    pods,
    readyPods,
    findings: counts,
  };
  const sync = cluster.status;
  if (sync === 'stale') return { ...base, state: 'stale', reason: 'not answering; last known state' };
  if (sync === 'syncing') return { ...base, state: 'syncing', reason: 'still loading' };
  if (cluster.items.length === 0 && own.length === 0) {
    if (cluster.errors.length > 0) return { ...base, state: 'degraded', reason: cluster.errors[0]!.message };
    return { ...base, state: 'not-deployed' };
  }
  if (counts.critical > 0)
    return { ...base, state: 'failing', reason: plural(counts.critical, 'critical finding') };
  if (failedWorkload) return { ...base, state: 'failing', reason: `${failedWorkload} has no ready pods` };
  if (counts.warning > 0) return { ...base, state: 'degraded', reason: plural(counts.warning, 'warning') };
  if (readyPods < pods) return { ...base, state: 'degraded', reason: `${readyPods}/${pods} pods ready` };
  if (cluster.errors.length > 0) return { ...base, state: 'degraded', reason: cluster.errors[0]!.message };
  return { ...base, state: 'healthy' };
}

export function serviceGlance(view: ServiceView, findings: readonly Finding[]): ServiceGlance {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<ClusterGlanceState, number>;
  const byName = new Map(view.clusters.map((c) => [c.cluster, c]));
  const regions = view.regions.map((r) => ({
    region: r.region,
    clusters: r.clusters.flatMap((name) => {
      const c = byName.get(name);
      if (!c) return [];
      const g = clusterGlance(c, findings);
      counts[g.state]++;
      return g;
    }),
  }));
  const fleetFindings = severities(findings.filter((f) => f.object.cluster === '*'));
  const running = counts.healthy + counts.degraded + counts.failing;
  const parts = STATES.filter((s) => s !== 'not-deployed' && counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  let state: ServiceState;
  if (counts.failing > 0 || fleetFindings.critical > 0) state = 'failing';
  else if (running === 0) state = 'unknown';
  else if (counts.degraded > 0 || counts.stale > 0 || fleetFindings.warning > 0) state = 'degraded';
  else state = 'healthy';
  let reason: string;
  if (running === 0 && counts.stale + counts.syncing === 0) reason = 'not deployed in any cluster';
  else if (running === 0) reason = `no cluster answered yet (${parts.join(', ')})`;
  else {
    reason = `${plural(running + counts.stale, 'cluster')}: ${parts.join(', ')}`;
    if (fleetFindings.critical + fleetFindings.warning > 0)
      reason += `; ${plural(fleetFindings.critical + fleetFindings.warning, 'finding')} across clusters`;
  }
  return { state, reason, counts, regions, fleetFindings };
}

/** How services are ranked by state: the worst first. */
export const SERVICE_STATE_ORDER: Record<ServiceState, number> = {
  failing: 0,
  degraded: 1,
  unknown: 2,
  healthy: 3,
};

/**
 * A service's state where only its summary and its finding counts are at hand (the team page, the
 * home page: many services at once, no full view each). The same words as `serviceGlance`: a
 * critical finding or a failed rollout is failing; a warning, a stale cluster or
 * pods not ready is degraded; a service with no workloads anywhere is unknown.
 */
export function summaryState(
  summary: ServiceSummary,
  findings: Record<Severity, number>,
): { state: ServiceState; reason: string } {
  if (findings.critical > 0)
    return { state: 'failing', reason: plural(findings.critical, 'critical finding') };
  if (summary.workloads === 0) return { state: 'unknown', reason: 'not running in any cluster' };
  const failed = summary.perCluster.filter((c) => c.rolloutStates.includes('failed'));
  if (failed.length > 0)
    return { state: 'failing', reason: `rollout failed in ${failed.map((c) => c.cluster).join(', ')}` };
  if (findings.warning > 0) return { state: 'degraded', reason: plural(findings.warning, 'warning') };
  const stale = summary.perCluster.filter((c) => c.stale && c.workloads > 0).length;
  if (stale > 0) return { state: 'degraded', reason: `${plural(stale, 'cluster')} not answering` };
  if (summary.readyPods < summary.pods)
    return { state: 'degraded', reason: `${summary.readyPods}/${summary.pods} pods ready` };
  return { state: 'healthy', reason: `${plural(summary.clusters, 'cluster')}, all pods ready` };
}
