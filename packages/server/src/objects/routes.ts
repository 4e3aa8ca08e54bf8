// GET /api/services/:ref/objects/:cluster/:kind/:namespace/:name: one object of the service.
import type { FastifyInstance } from 'fastify';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import type { KubernetesEngine } from '../kubernetes/engine.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import { type ObjectRef, objectDetail } from './detail.ts';

export function objectRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  { engine, resolver }: { engine: Pick<KubernetesEngine, 'objectsFor'>; resolver: ServiceResolver },
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
      return objectDetail(engine, locator, { cluster, kind, namespace, name });
    },
  );
}
