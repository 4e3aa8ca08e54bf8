// A cluster's status as every per-cluster result carries it (`{cluster, region, status, ...,
// errors}` beside that result's `items`): the service view, findings and scaling all build it
// here, so a cluster reads the same on every page.
import type { WatchedKind } from '../k8s/types.ts';
import type { ClusterState, ClusterStatusView, ViewError } from './types.ts';

/** The region of a cluster that names none. */
export const UNKNOWN_REGION = 'unknown';

/**
 * The status of one cluster and the errors a result from it carries: why it is stale, that it is
 * still loading, and which kinds it forbids (only `kinds`, when given: a scaling result cares
 * about HorizontalPodAutoscalers only). A cluster that forbids every kind is reported once per
 * kind, never again as a whole.
 */
export function clusterStatus(state: ClusterState, kinds?: readonly WatchedKind[]): ClusterStatusView {
  const errors: ViewError[] = [];
  if (state.status === 'stale' && state.reason !== 'forbidden') {
    errors.push({
      type: state.reason ?? 'unreachable',
      message: state.message ?? `cluster ${state.cluster} is stale`,
    });
  }
  if (state.status === 'syncing') {
    errors.push({ type: 'syncing', message: `cluster ${state.cluster} is still loading its first state` });
  }
  for (const [kind, ks] of Object.entries(state.kinds) as [
    WatchedKind,
    (typeof state.kinds)[WatchedKind],
  ][]) {
    if (ks?.status !== 'forbidden' || (kinds && !kinds.includes(kind))) continue;
    errors.push({ type: 'forbidden', kind, message: ks.message ?? `${kind} is forbidden` });
  }
  const view: ClusterStatusView = {
    cluster: state.cluster,
    region: state.region ?? UNKNOWN_REGION,
    status: state.status,
    errors,
  };
  if (state.since !== undefined) view.since = state.since;
  if (state.reason !== undefined) view.reason = state.reason;
  if (state.message !== undefined) view.message = state.message;
  if (state.version !== undefined) view.version = state.version;
  if (state.dashboardUrl !== undefined) view.dashboardUrl = state.dashboardUrl;
  return view;
}
