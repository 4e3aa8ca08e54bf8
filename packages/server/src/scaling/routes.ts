// GET /api/services/:ref/scaling/history: replicas per HPA and cluster over the last hours.
import type { FastifyInstance } from 'fastify';
import { deniedList, readDenials, type ServiceAccess } from '../auth/kubernetes/http.ts';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import type { ScalingHistory } from './history.ts';

export function scalingRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  {
    history,
    resolver,
    access,
  }: {
    history: ScalingHistory;
    resolver: ServiceResolver;
    /** Per-user Kubernetes identity: only the HPAs the user may list. */
    access?: ServiceAccess;
  },
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
    async (request) => {
      const { locator } = await resolver.resolve(request.params.ref);
      if (!access) return history.service(locator);
      const denials = await readDenials(access.access, request, () => access.objectsFor(locator), [
        'HorizontalPodAutoscaler',
      ]);
      const series = history.service(locator, denials);
      return denials.empty ? series : { ...series, denied: deniedList(denials) };
    },
  );
}
