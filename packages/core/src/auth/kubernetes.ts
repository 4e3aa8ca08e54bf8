// Per-user Kubernetes identity, the pure part: who a portal user is to a cluster's authorizer,
// which SubjectAccessReviews a request needs, and what is left of an answer once the reviews
// said no. The server asks the clusters (packages/server/src/auth/kubernetes/) and caches the
// answers; everything it decides with them is here, so it is tested without a cluster.
import type { Finding } from '../health/types.ts';
import { KIND_INFO, WATCHED_KINDS, type WatchedKind } from '../k8s/types.ts';
import type { DiscoveredService } from '../services/discovery.ts';
import type { ServiceView, ViewError } from '../services/types.ts';

/** How a portal user is named to Kubernetes (the `auth.kubernetes` section of the config). */
export interface KubernetesIdentitySettings {
  /** The catalog User's `spec.profile.email`, or its name (`namespace/name` outside `default`). */
  username: 'email' | 'name';
  usernamePrefix: string;
  /** The user's catalog groups (and the groups above them), or none. */
  groups: 'catalog' | 'none';
  groupPrefix: string;
}

/** A SubjectAccessReview's subject. */
export interface KubernetesSubject {
  user: string;
  groups: string[];
}

/** A catalog ref's name as Kubernetes sees it: the name, with its namespace unless `default`. */
function refName(ref: string): string {
  const colon = ref.indexOf(':');
  const rest = colon >= 0 ? ref.slice(colon + 1) : ref;
  const slash = rest.indexOf('/');
  if (slash < 0) return rest;
  const namespace = rest.slice(0, slash);
  return namespace === 'default' ? rest.slice(slash + 1) : rest;
}

/**
 * The Kubernetes user and groups of a portal user, or why there are none (then every review is
 * a denial: a user Portolan cannot name to a cluster may read nothing of it).
 */
export function kubernetesSubject(
  user: { ref: string; email?: string | undefined; groups: readonly string[] },
  settings: KubernetesIdentitySettings,
): KubernetesSubject | { error: string } {
  let name: string;
  if (settings.username === 'email') {
    const email = user.email?.trim();
    if (!email)
      return {
        error: `${user.ref} has no email in the catalog (spec.profile.email), which names them to Kubernetes`,
      };
    name = email.toLowerCase();
  } else name = refName(user.ref);
  const groups =
    settings.groups === 'catalog'
      ? [...new Set(user.groups.map((g) => `${settings.groupPrefix}${refName(g)}`))].sort()
      : [];
  return { user: `${settings.usernamePrefix}${name}`, groups };
}

/** One question to one cluster: may the user `verb` `resource` in `namespace`? */
export interface AccessCheck {
  cluster: string;
  verb: string;
  /** The API group ('' for the core group). */
  group: string;
  /** Plural, as in RBAC rules: `pods`, `deployments`. */
  resource: string;
  subresource?: string;
  namespace: string;
  /** The watched kind the check is about, when it is one (for leaving it out of a view). */
  kind?: WatchedKind;
}

/** A check the cluster answered no (or could not answer), with the sentence shown for it. */
export interface AccessDenial extends AccessCheck {
  message: string;
}

export function checkForKind(
  cluster: string,
  verb: string,
  kind: WatchedKind,
  namespace: string,
): AccessCheck {
  const info = KIND_INFO[kind];
  return { cluster, verb, group: info.group, resource: info.plural, namespace, kind };
}

/** A check's key: the cache's and the denial set's (user apart). */
export function checkKey(c: AccessCheck): string {
  return [c.cluster, c.verb, c.group, c.resource, c.subresource ?? '', c.namespace].join('\u0000');
}

/** `list pods`, `get pods/log`, `patch deployments.apps`, as kubectl's `auth can-i` reads. */
export function describeAccess(c: Pick<AccessCheck, 'verb' | 'group' | 'resource' | 'subresource'>): string {
  const resource = c.group === '' ? c.resource : `${c.resource}.${c.group}`;
  return `${c.verb} ${resource}${c.subresource ? `/${c.subresource}` : ''}`;
}

export function denialMessage(c: AccessCheck, why?: string): string {
  return `your Kubernetes permissions do not allow ${describeAccess(c)} in namespace ${c.namespace} on cluster ${c.cluster}${why ? ` (${why})` : ''}`;
}

/** The kinds a service view is built from (events are not part of it; they have their own route). */
export const VIEW_KINDS: readonly WatchedKind[] = WATCHED_KINDS.filter((k) => k !== 'Event');

/**
 * The reviews a read of these objects needs: `verb` on every given kind in every namespace where
 * the service has objects in that cluster (so the answer does not depend on what exists).
 */
export function readChecks(
  objects: readonly { cluster: string; object: { metadata?: { namespace?: string } } }[],
  kinds: readonly WatchedKind[] = VIEW_KINDS,
  verb = 'list',
): AccessCheck[] {
  const seen = new Set<string>();
  const out: AccessCheck[] = [];
  for (const o of objects) {
    const namespace = o.object.metadata?.namespace;
    if (!namespace) continue;
    const key = `${o.cluster}\u0000${namespace}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const kind of kinds) out.push(checkForKind(o.cluster, verb, kind, namespace));
  }
  return out;
}

/** Answers "may the user read this kind in this namespace of this cluster?" from the denials. */
export class AccessDenials {
  readonly list: readonly AccessDenial[];
  readonly #kinds = new Set<string>();
  /** Stable across requests with the same denials: a cache key for what is built with them. */
  readonly key: string;

  constructor(denials: readonly AccessDenial[]) {
    this.list = [...denials].sort((a, b) => (checkKey(a) < checkKey(b) ? -1 : 1));
    for (const d of this.list) if (d.kind) this.#kinds.add(`${d.cluster}\u0000${d.kind}\u0000${d.namespace}`);
    this.key = this.list.map(checkKey).join('\u0001');
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** May the user read objects of `kind` in `namespace` of `cluster`? */
  allows(cluster: string, kind: string, namespace: string): boolean {
    return !this.#kinds.has(`${cluster}\u0000${kind}\u0000${namespace}`);
  }

  /** The denials of one cluster, as the view's errors of that cluster. */
  errors(cluster: string): ViewError[] {
    return this.list
      .filter((d) => d.cluster === cluster)
      .map((d) => ({
        type: 'forbidden',
        message: d.message,
        ...(d.kind ? { kind: d.kind } : {}),
        namespace: d.namespace,
        permission: describeAccess(d),
      }));
  }
}

/** A cluster's objects without those the user may not read. */
export function allowedObjects<T extends { kind: string; object: { metadata?: { namespace?: string } } }>(
  cluster: string,
  objects: readonly T[],
  denials: AccessDenials,
): T[] {
  if (denials.empty) return objects as T[];
  return objects.filter((o) => denials.allows(cluster, o.kind, o.object.metadata?.namespace ?? ''));
}

/** The view with each cluster's denials added to its errors. */
export function withAccessErrors(view: ServiceView, denials: AccessDenials): ServiceView {
  if (denials.empty) return view;
  return {
    ...view,
    clusters: view.clusters.map((c) => {
      const errors = denials.errors(c.cluster);
      return errors.length > 0 ? { ...c, errors: [...c.errors, ...errors] } : c;
    }),
  };
}

/** Where a fact about a cluster object was read: its cluster, kind and namespace. */
export interface ReadFrom {
  cluster: string;
  kind: string;
  namespace: string;
}

/**
 * `list` reviews for reading these places, each asked once however many objects are there.
 * Kinds Portolan does not watch (a finding's owner may be an Argo Rollout) and places outside any
 * namespace or cluster need none: nothing of them is shown but through a watched kind.
 */
export function listChecks(places: Iterable<ReadFrom>): AccessCheck[] {
  const out = new Map<string, AccessCheck>();
  for (const p of places) {
    if (!p.namespace || p.cluster === '*' || !Object.hasOwn(KIND_INFO, p.kind)) continue;
    const check = checkForKind(p.cluster, 'list', p.kind as WatchedKind, p.namespace);
    const key = checkKey(check);
    if (!out.has(key)) out.set(key, check);
  }
  return [...out.values()];
}

/**
 * What a finding tells about: its object, and the pods it was found on (a pod finding rolled up
 * to its workload names a pod in its summary and carries the pod's exit codes and messages), and
 * the events it quotes. Reading it takes `list` on each.
 */
export function findingReads(f: Finding): ReadFrom[] {
  const { cluster, kind, namespace } = f.object;
  const out: ReadFrom[] = [{ cluster, kind, namespace }];
  if (kind !== 'Pod' && (f.pods !== undefined || f.rule.startsWith('pod-')))
    out.push({ cluster, kind: 'Pod', namespace });
  if (f.evidence.events) out.push({ cluster, kind: 'Event', namespace });
  return out;
}

/**
 * Findings the user may read (their object, and their pods when found on pods); a finding keeps
 * its events only when events may be listed there, and its log tail only when pods/log may be
 * read there.
 */
export function allowedFindings<F extends Finding>(
  findings: readonly F[],
  denials: AccessDenials,
  mayRead: {
    events(cluster: string, namespace: string): boolean;
    logs(cluster: string, namespace: string): boolean;
  },
): F[] {
  const out: F[] = [];
  for (const f of findings) {
    const { cluster, namespace } = f.object;
    const reads = findingReads(f).filter((r) => r.kind !== 'Event');
    if (!reads.every((r) => denials.allows(cluster, r.kind, namespace))) continue;
    const { events, logTail, ...evidence } = f.evidence;
    out.push({
      ...f,
      evidence: {
        ...evidence,
        ...(events && mayRead.events(cluster, namespace) ? { events } : {}),
        ...(logTail && mayRead.logs(cluster, namespace) ? { logTail } : {}),
      },
    });
  }
  return out;
}

/**
 * Discovered services with only the workloads the user may list; a service left with none is
 * left out (its name and labels were read from those workloads).
 */
export function allowedDiscovered(
  services: readonly DiscoveredService[],
  denials: AccessDenials,
): DiscoveredService[] {
  if (denials.empty) return services as DiscoveredService[];
  const out: DiscoveredService[] = [];
  for (const s of services) {
    const workloads = s.workloads.filter((w) => denials.allows(w.cluster, w.kind, w.namespace));
    if (workloads.length === 0) continue;
    if (workloads.length === s.workloads.length) {
      out.push(s);
      continue;
    }
    out.push({
      ...s,
      clusters: [...new Set(workloads.map((w) => w.cluster))].sort(),
      namespaces: [...new Set(workloads.map((w) => w.namespace))].sort(),
      workloads,
    });
  }
  return out;
}

/** The workload kinds a deploy, rollback or restart patches (apps/v1, as the executor does). */
export const WRITTEN_KINDS: readonly WatchedKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/**
 * The reviews a write to a service needs: `verb` on each kind of its workloads, in each cluster
 * and namespace where one of them runs (only the given clusters, when the write names some).
 */
export function writeChecks(
  objects: readonly { cluster: string; kind: string; object: { metadata?: { namespace?: string } } }[],
  options: { verb?: string; kinds?: readonly WatchedKind[]; clusters?: readonly string[] } = {},
): AccessCheck[] {
  const kinds = options.kinds ?? WRITTEN_KINDS;
  const seen = new Set<string>();
  const out: AccessCheck[] = [];
  for (const o of objects) {
    if (!(kinds as readonly string[]).includes(o.kind)) continue;
    if (options.clusters && !options.clusters.includes(o.cluster)) continue;
    const namespace = o.object.metadata?.namespace;
    if (!namespace) continue;
    const check = checkForKind(o.cluster, options.verb ?? 'patch', o.kind as WatchedKind, namespace);
    const key = checkKey(check);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(check);
  }
  return out;
}
