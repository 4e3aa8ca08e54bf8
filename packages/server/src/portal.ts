// Wires the portal together in one place: config -> database -> catalog -> HTTP.
import { fileURLToPath } from 'node:url';
import { UnavailableError } from '@portolan/core/errors';
import type { FastifyInstance as App, FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { CatalogService } from './catalog/service.ts';
import { resolveFrom } from './config/load.ts';
import type { PortolanConfig } from './config/schema.ts';
import { type Database, openDatabase } from './db/database.ts';
import { healthRoutes } from './health/routes.ts';
import { HealthService } from './health/service.ts';
import { createApp } from './http/app.ts';
import type { OpenApiRegistry } from './http/openapi.ts';
import {
  createKubernetesEngine,
  type KubernetesEngine,
  kubernetesRoutes,
  type ServiceCatalog,
} from './kubernetes/index.ts';

export const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface Portal {
  app: FastifyInstance;
  db: Database;
  catalog: CatalogService;
  /** Absent when the config has no `kubernetes:` section. */
  kubernetes?: KubernetesEngine;
  url: string;
  close(): Promise<void>;
}

export interface StartPortalOptions {
  config: PortolanConfig;
  baseDir: string;
  logger?: Logger;
  /** Overrides config.server.port (0 picks a free port). */
  port?: number;
  /** Do not serve the web app (API-only tests). */
  apiOnly?: boolean;
}

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  // Tokens never reach the log: redact the headers and fields that could carry them.
  return pino({
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', '*.connection'],
  });
}

export async function startPortal(options: StartPortalOptions): Promise<Portal> {
  const { config, baseDir } = options;
  const logger = options.logger ?? createLogger();
  const connection =
    config.database.client === 'sqlite' && config.database.connection !== ':memory:'
      ? resolveFrom(baseDir, config.database.connection)
      : config.database.connection;
  const db = await openDatabase({ client: config.database.client, connection });
  const catalog = new CatalogService({ db, catalog: config.catalog, baseDir, logger });
  const kubernetes =
    config.kubernetes === undefined
      ? undefined
      : createKubernetesEngine({ config: config.kubernetes, configDir: baseDir, logger });
  const services = serviceCatalog(catalog);
  const health = kubernetes && new HealthService({ engine: kubernetes, catalog: services, logger });
  catalog.onRefresh(() => health?.invalidate());
  const app = await createApp({
    logger,
    catalog,
    plugins: [
      kubernetes && health
        ? (a: App, openapi: OpenApiRegistry) => {
            documentKubernetesRoutes(openapi);
            healthRoutes(a, openapi, { health });
            return kubernetesRoutes(a, {
              engine: kubernetes,
              catalog: services,
              streamExtras: health.streamExtras,
            });
          }
        : withoutKubernetes,
    ],
    ...(options.apiOnly ? {} : { webDir: WEB_DIR }),
    info: { title: config.app.title, banner: config.app.banner, version: '0.1.0' },
  });
  await catalog.refresh().catch((error) => logger.error({ err: error }, 'first catalog refresh failed'));
  catalog.start();
  await kubernetes?.start();
  const port = options.port ?? config.server.port;
  const address = await app.listen({ host: config.server.host, port });
  return {
    app,
    db,
    catalog,
    ...(kubernetes ? { kubernetes } : {}),
    url: address.replace('[::1]', 'localhost'),
    async close() {
      catalog.stop();
      await kubernetes?.stop();
      await app.close();
      await db.destroy();
    },
  };
}

/** The slice of the catalog the Kubernetes routes read. */
function serviceCatalog(catalog: CatalogService): ServiceCatalog {
  const all = async (filter: Parameters<CatalogService['query']>[0]) => {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await catalog.query(filter, 500, cursor);
      items.push(...page.items.map((i) => i.entity));
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  return {
    getEntity: async (ref) => (await catalog.get(ref))?.entity,
    listOwnedBy: async (groupRef) => (await catalog.team(groupRef))?.owned.map((o) => o.entity) ?? [],
    listAll: (kinds) => all({ kind: kinds.map((k) => k.toLowerCase()) }),
  };
}

/** Without a `kubernetes:` section the service routes say so, instead of 404. */
function withoutKubernetes(app: App): void {
  const off = async () => {
    throw new UnavailableError('no clusters are configured: add a "kubernetes:" section to the config');
  };
  app.get('/api/clusters', async () => ({ items: [] }));
  app.get('/api/services/discovered', async () => ({ items: [] }));
  app.get('/api/services/:ref/*', off);
  app.get('/api/teams/:ref/services', off);
  app.get('/api/findings', off);
  app.get('/api/findings/summary', off);
}

function documentKubernetesRoutes(openapi: OpenApiRegistry): void {
  const routes: [string, 'get' | 'post', string, string?][] = [
    [
      '/api/clusters',
      'get',
      'Every cluster: connection state, API server version, object counts, last event',
    ],
    ['/api/clusters/reload', 'post', 'Re-read the cluster configuration without a restart'],
    [
      '/api/services/discovered',
      'get',
      'Workloads that belong to no catalog entity, grouped by their labels',
    ],
    [
      '/api/services/discovered/:id/catalog-info.yaml',
      'get',
      'A suggested descriptor for a discovered service',
      'application/yaml',
    ],
    ['/api/services/:ref/kubernetes', 'get', 'The service in every cluster, grouped by region and cluster'],
    [
      '/api/services/:ref/kubernetes/stream',
      'get',
      'The service view, then each change (Server-Sent Events)',
      'text/event-stream',
    ],
    ['/api/services/:ref/events', 'get', 'Recent events of the service across clusters, newest first'],
    [
      '/api/services/:ref/logs',
      'get',
      'Logs of one pod, or of all pods of a workload across clusters, tagged',
      'text/plain',
    ],
    ['/api/teams/:ref/services', 'get', 'Every service a team owns, with a per-cluster summary'],
  ];
  for (const [path, method, summary, produces] of routes) {
    openapi.add({ method, path, summary, tag: 'kubernetes', ...(produces ? { produces } : {}) });
  }
}
