// The service views over HTTP for the benchmarks: the Kubernetes routes on an engine, for a
// catalog of the given entities, listening on a free loopback port.
import type { CatalogEntity } from '@portolan/core/services/index';
import Fastify from 'fastify';
import { OpenApiRegistry } from '../../packages/server/src/http/openapi.ts';
import type { KubernetesEngine } from '../../packages/server/src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../packages/server/src/kubernetes/routes.ts';
import { listServiceCatalog } from '../../packages/server/src/services/catalog.ts';
import { ServiceResolver } from '../../packages/server/src/services/resolver.ts';

export async function serveViews(engine: KubernetesEngine, entities: CatalogEntity[]) {
  const app = Fastify();
  kubernetesRoutes(app, new OpenApiRegistry(), {
    engine,
    resolver: new ServiceResolver({ catalog: listServiceCatalog(entities), discovery: engine }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, port };
}
