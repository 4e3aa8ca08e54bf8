// GET /api/services/:ref/resources: pods' CPU and memory against requests and limits.
import type { FastifyInstance } from 'fastify';
import { deniedList, readDenials, type ServiceAccess } from '../auth/kubernetes/http.ts';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import type { ResourceMetrics } from './metrics.ts';

export function usageRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  {
    metrics,
    resolver,
    access,
  }: {
    metrics: ResourceMetrics;
    resolver: ServiceResolver;
    /** Per-user Kubernetes identity: only the pods and workloads the user may list. */
    access?: ServiceAccess;
  },
): void {
  openapi.add({
    method: 'get',
    path: '/api/services/:ref/resources',
    tag: 'kubernetes',
    summary:
      "Each pod's CPU and memory (metrics.k8s.io, read per cluster on an interval) against its requests and limits, summed per workload and cluster; a cluster without a metrics API says so",
    responses: { '200': 'the resource use', '400': 'bad ref', '404': 'no such service' },
  });
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/resources',
    needs('service.read', 'ref'),
    async (request) => {
      const { locator } = await resolver.resolve(request.params.ref);
      if (!access) return metrics.service(locator);
      const denials = await readDenials(access.access, request, () => access.objectsFor(locator));
      const use = metrics.service(locator, denials);
      return denials.empty ? use : { ...use, denied: deniedList(denials) };
    },
  );
}
