// GET /api/services/:ref/objects/:cluster/:kind/:namespace/:name: one object of the service.

import { WATCHED_KINDS, type WatchedKind } from '@portolan/core';
import { checkForKind } from '@portolan/core/auth/kubernetes';
import type { FastifyInstance } from 'fastify';
import type { KubernetesAccess } from '../auth/kubernetes/access.ts';
import { readDenials, requireAccess } from '../auth/kubernetes/http.ts';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import type { KubernetesEngine } from '../kubernetes/engine.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import { type ObjectRef, objectDetail } from './detail.ts';

export function objectRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  {
    engine,
    resolver,
    access,
  }: {
    engine: Pick<KubernetesEngine, 'objectsFor'>;
    resolver: ServiceResolver;
    /** Per-user Kubernetes identity: the object needs `get`, its tree and events `list`. */
    access?: KubernetesAccess;
  },
): void {
  openapi.add({
    method: 'get',
    path: '/api/services/:ref/objects/:cluster/:kind/:namespace/:name',
    tag: 'kubernetes',
    summary:
      'One object of the service as the watch holds it (YAML), the events of it and its children, and its tree (Deployment → ReplicaSets → Pods, Service → Pods, Ingress → Services); never Secrets',
    responses: {
      '200': 'the object',
      '400': 'bad ref',
      '404': 'no such service or object, or not a watched kind',
    },
  });
  app.get<{ Params: { ref: string } & ObjectRef }>(
    '/api/services/:ref/objects/:cluster/:kind/:namespace/:name',
    needs('service.read', 'ref'),
    async (request) => {
      const { ref, cluster, kind, namespace, name } = request.params;
      const { locator } = await resolver.resolve(ref);
      if (!access) return objectDetail(engine, locator, { cluster, kind, namespace, name });
      if ((WATCHED_KINDS as readonly string[]).includes(kind))
        await requireAccess(
          access,
          request,
          [checkForKind(cluster, 'get', kind as WatchedKind, namespace)],
          locator.ref,
        );
      const objects = engine.objectsFor(locator).filter((o) => o.cluster === cluster);
      const denials = await readDenials(access, request, () => objects, WATCHED_KINDS);
      const allowed = objects.filter((o) =>
        denials.allows(o.cluster, o.kind, o.object.metadata?.namespace ?? ''),
      );
      return objectDetail({ objectsFor: () => allowed }, locator, { cluster, kind, namespace, name });
    },
  );
}
