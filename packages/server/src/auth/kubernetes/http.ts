// Per-user Kubernetes identity as routes use it: the denials of a read (left out and named), and
// a write refused with a 403 that the guard audits like its own denials.
import type { ClusterObject, WatchedKind } from '@portolan/core';
import { type AccessCheck, AccessDenials, readChecks, VIEW_KINDS } from '@portolan/core/auth/kubernetes';
import { ForbiddenError } from '@portolan/core/errors';
import type { FastifyRequest } from 'fastify';
import type { KubernetesAccess } from './access.ts';

const NONE = new AccessDenials([]);

/** What the request's user may not `verb` among these objects' kinds and namespaces (none when off). */
export async function readDenials(
  access: KubernetesAccess | undefined,
  request: FastifyRequest,
  objects: readonly ClusterObject[],
  kinds: readonly WatchedKind[] = VIEW_KINDS,
  verb = 'list',
): Promise<AccessDenials> {
  if (!access?.applies(request.subject)) return NONE;
  return access.denials(request.subject, readChecks(objects, kinds, verb));
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
