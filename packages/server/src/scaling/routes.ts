// GET /api/services/:ref/scaling/history: replicas per HPA and cluster over the last hours.
import type { FastifyInstance } from 'fastify';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import type { ScalingHistory } from './history.ts';

export function scalingRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  { history, resolver }: { history: ScalingHistory; resolver: ServiceResolver },
): void {
  openapi.add({
    method: 'get',
    path: '/api/services/:ref/scaling/history',
    tag: 'health',
    summary:
      'Replicas (current and desired) of every HPA of a service per cluster over the last hours, as change points kept by the server',
    responses: { '200': 'the series', '400': 'bad ref', '404': 'no such service' },
  });
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/scaling/history',
    needs('service.read', 'ref'),
    async (request) => history.service((await resolver.resolve(request.params.ref)).locator),
  );
}
