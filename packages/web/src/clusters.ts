// How the web app names a cluster's connection state.
import type { ClusterState } from '@portolan/core/services/types';

/** Where a cluster is watched, in words. */
export function watchScope(c: ClusterState): string | undefined {
  const s = c.scope;
  if (!s) return undefined;
  if (s.mode === 'cluster') return 'Watches every namespace.';
  const names = s.namespaces ?? [];
  const from = s.source === 'catalog' ? "the catalog services' namespaces" : 'the namespaces configured';
  return `Watches ${from}: ${names.length > 0 ? names.join(', ') : 'none yet'}.`;
}

export function clusterPath(name: string): string {
  return `/clusters/${encodeURIComponent(name)}`;
}

/** The CSS class (colour) of a cluster's state. */
export function clusterClass(c: Pick<ClusterState, 'status'>): 'ok' | 'bad' | 'info' {
  return c.status === 'synced' ? 'ok' : c.status === 'stale' ? 'bad' : 'info';
}

/**
 * The kinds a cluster does not let the portal read, in words: each refused permission when the
 * server names them (kind, verb, namespace), otherwise each forbidden kind.
 */
export function forbiddenKinds(c: ClusterState): string[] {
  if (c.missingPermissions && c.missingPermissions.length > 0)
    return c.missingPermissions.map((m) => m.message);
  return Object.entries(c.kinds)
    .filter(([, k]) => k?.status === 'forbidden')
    .map(([kind, k]) => k?.message ?? `${kind} forbidden`);
}
