// Per-user Kubernetes identity as routes use it: the denials of a read (left out and named), and
// a write refused with a 403 that the guard audits like its own denials.
import type { ClusterObject, WatchedKind } from '@portolan/core';
import {
  type AccessCheck,
  AccessDenials,
  checkKey,
  readChecks,
  VIEW_KINDS,
} from '@portolan/core/auth/kubernetes';
import { ForbiddenError } from '@portolan/core/errors';
import type { ServiceLocator } from '@portolan/core/services/index';
import type { FastifyRequest } from 'fastify';
import type { KubernetesAccess } from './access.ts';

const NONE = new AccessDenials([]);

/** What a per-service route needs to filter its answer: the access checks and the service's objects. */
export interface ServiceAccess {
  access: KubernetesAccess;
  objectsFor(locator: ServiceLocator): ClusterObject[];
}

/**
 * What the request's user may not `verb` among these objects' kinds and namespaces (none when
 * off). The objects are asked for only when the user's own Kubernetes identity applies: selecting
 * a big service in every cluster costs more than the view it filters.
 */
export async function readDenials(
  access: KubernetesAccess | undefined,
  request: FastifyRequest,
  objects: () => readonly ClusterObject[],
  kinds: readonly WatchedKind[] = VIEW_KINDS,
  verb = 'list',
): Promise<AccessDenials> {
  if (!access?.applies(request.subject)) return NONE;
  return access.denials(request.subject, readChecks(objects(), kinds, verb));
}

/**
 * The denials of several reads at once (a team page's services): the reviews are asked together,
 * each (cluster, kind, namespace) once, and each read gets its share, so a service's view is the
 * one its own page builds (and shares its cache). `all` is every denial, once.
 */
export async function readDenialsEach<T>(
  access: KubernetesAccess | undefined,
  request: FastifyRequest,
  reads: readonly T[],
  objectsOf: (read: T) => readonly ClusterObject[],
  kinds: readonly WatchedKind[] = VIEW_KINDS,
): Promise<{ each: AccessDenials[]; all: AccessDenials }> {
  if (!access?.applies(request.subject)) return { each: reads.map(() => NONE), all: NONE };
  const checksOf = reads.map((read) => readChecks(objectsOf(read), kinds));
  const union = new Map<string, AccessCheck>();
  for (const checks of checksOf) for (const c of checks) union.set(checkKey(c), c);
  const all = await access.denials(request.subject, [...union.values()]);
  if (all.empty) return { each: reads.map(() => NONE), all };
  const each = checksOf.map((checks) => {
    const keys = new Set(checks.map(checkKey));
    return new AccessDenials(all.list.filter((d) => keys.has(checkKey(d))));
  });
  return { each, all };
}

/** Refuses the request (403, audited) unless the cluster allows every check. */
export async function requireAccess(
  access: KubernetesAccess | undefined,
  request: FastifyRequest,
  checks: readonly AccessCheck[],
  resource: string,
): Promise<void> {
  if (!access) return;
  try {
    await access.require(request.subject, checks);
  } catch (error) {
    if (error instanceof ForbiddenError)
      request.denial = {
        action: String(error.context.permission ?? 'kubernetes'),
        resource,
        reason: error.message,
      };
    throw error;
  }
}

/** The denials as a response names them: where, and what was not allowed. */
export function deniedList(denials: AccessDenials) {
  return denials.list.map((d) => ({
    cluster: d.cluster,
    namespace: d.namespace,
    ...(d.kind ? { kind: d.kind } : {}),
    message: d.message,
  }));
}
