// How the web app names a cluster's connection state.
import type { ClusterState } from '@portolan/core/services/types';

export function clusterPath(name: string): string {
  return `/clusters/${encodeURIComponent(name)}`;
}

/** The CSS class (colour) of a cluster's state. */
export function clusterClass(c: Pick<ClusterState, 'status'>): 'ok' | 'bad' | 'info' {
  return c.status === 'synced' ? 'ok' : c.status === 'stale' ? 'bad' : 'info';
}

/** The kinds a cluster does not let the portal read, in words. */
export function forbiddenKinds(c: ClusterState): string[] {
  return Object.entries(c.kinds)
    .filter(([, k]) => k?.status === 'forbidden')
    .map(([kind, k]) => k?.message ?? `${kind} forbidden`);
}
