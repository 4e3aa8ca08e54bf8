// Wires the portal together in one place: config -> database -> catalog -> HTTP.
import { fileURLToPath } from 'node:url';
import { UnavailableError } from '@portolan/core/errors';
import type { FastifyInstance as App, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { CatalogService } from './catalog/service.ts';
import { resolveFrom } from './config/load.ts';
import type { PortolanConfig } from './config/schema.ts';
import { type Database, openDatabase } from './db/database.ts';
import { deployWriteAuthorizer } from './deploy/auth.ts';
import { DeployExecutor } from './deploy/executor.ts';
import { ExternalRecorder } from './deploy/external.ts';
import { deployIdentities } from './deploy/identities.ts';
import { deployRoutes } from './deploy/routes.ts';
import { DeployService } from './deploy/service.ts';
import { healthRoutes } from './health/routes.ts';
import { HealthService } from './health/service.ts';
import { createApp } from './http/app.ts';
import { createKubernetesEngine, type KubernetesEngine, kubernetesRoutes } from './kubernetes/index.ts';
import { createLogger } from './log.ts';
import { objectRoutes } from './objects/routes.ts';
import { ScalingHistory } from './scaling/history.ts';
import { scalingRoutes } from './scaling/routes.ts';
import { storedServiceCatalog } from './services/catalog.ts';
import { ServiceResolver } from './services/resolver.ts';
import { ResourceMetrics } from './usage/metrics.ts';
import { usageRoutes } from './usage/routes.ts';

export const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface Portal {
  app: FastifyInstance;
  db: Database;
  catalog: CatalogService;
  /** Absent when the config has no `kubernetes:` section. */
  kubernetes?: KubernetesEngine;
  /** Absent without a `kubernetes:` section. */
  deploys?: DeployService;
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

export async function startPortal(options: StartPortalOptions): Promise<Portal> {
  const { config, baseDir } = options;
  const logger = options.logger ?? createLogger({ level: process.env.LOG_LEVEL ?? config.server.log.level });
  const connection =
    config.database.client === 'sqlite' && config.database.connection !== ':memory:'
      ? resolveFrom(baseDir, config.database.connection)
      : config.database.connection;
  const db = await openDatabase({ client: config.database.client, connection });
  // Everything opened so far, closed in reverse if a later step fails: a portal that cannot
  // start must not leave a timer or a socket behind that keeps the process alive.
  const opened: (() => Promise<void> | void)[] = [() => db.destroy()];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
  };
  try {
    const catalog = new CatalogService({ db, catalog: config.catalog, baseDir, logger });
    const kubernetes =
      config.kubernetes === undefined
        ? undefined
        : createKubernetesEngine({ config: config.kubernetes, configDir: baseDir, logger });
    const resolver =
      kubernetes && new ServiceResolver({ catalog: storedServiceCatalog(catalog), discovery: kubernetes });
    const health = kubernetes && resolver && new HealthService({ engine: kubernetes, resolver, logger });
    const history = kubernetes && new ScalingHistory({ engine: kubernetes });
    const usage =
      kubernetes &&
      new ResourceMetrics({
        engine: kubernetes,
        intervalMs: config.kubernetes!.metricsIntervalSeconds * 1000,
        logger,
      });
    catalog.onRefresh(() => health?.invalidate());
    const writers = config.kubernetes && deployIdentities({ config: config.kubernetes, configDir: baseDir });
    const executor =
      kubernetes &&
      resolver &&
      writers &&
      new DeployExecutor({
        db,
        live: kubernetes,
        locate: async (ref) => (await resolver.resolve(ref)).locator,
        writers,
        pollIntervalMs: config.deploy.pollIntervalMs,
        logger,
      });
    const external =
      kubernetes &&
      resolver &&
      config.deploy.recordExternal &&
      new ExternalRecorder({
        db,
        live: kubernetes,
        resolver,
        intervalMs: config.deploy.externalScanSeconds * 1000,
        logger,
      });
    const deploys =
      kubernetes &&
      resolver &&
      new DeployService({
        db,
        live: kubernetes,
        resolver,
        ...(config.deploy.strategy ? { strategy: config.deploy.strategy } : {}),
        onChange: (id) => executor?.wake(id),
      });
    const app = await createApp({
      logger,
      requestLog: config.server.log.requests,
      catalog,
      routes:
        kubernetes && resolver && health && deploys && history && usage
          ? [
              (a, openapi) => healthRoutes(a, openapi, { health }),
              (a, openapi) => scalingRoutes(a, openapi, { history, resolver }),
              (a, openapi) => objectRoutes(a, openapi, { engine: kubernetes, resolver }),
              (a, openapi) => usageRoutes(a, openapi, { metrics: usage, resolver }),
              (a, openapi) =>
                kubernetesRoutes(a, openapi, {
                  engine: kubernetes,
                  resolver,
                  streamExtras: health.streamExtras,
                }),
              (a, openapi) =>
                deployRoutes(a, openapi, {
                  deploys,
                  authorize: deployWriteAuthorizer(config.deploy),
                  heartbeatMs: kubernetes.config.heartbeatSeconds * 1000,
                }),
            ]
          : [withoutKubernetes],
      ...(options.apiOnly ? {} : { webDir: WEB_DIR }),
      info: { title: config.app.title, banner: config.app.banner, version: '0.1.0' },
    });
    opened.push(() => app.close());
    await catalog.refresh().catch((error) => logger.error({ err: error }, 'first catalog refresh failed'));
    catalog.start();
    opened.push(() => catalog.stop());
    if (kubernetes) {
      opened.push(() => kubernetes.stop());
      await kubernetes.start();
      usage?.start();
      opened.push(() => usage?.stop());
    }
    if (executor) {
      // Resume the deployments a previous run left active. The gate reads workloads from the
      // clusters themselves, so it does not wait for the caches.
      opened.push(() => executor.stop());
      opened.push(() => writers?.close());
      await executor.start();
    }
    if (external) {
      opened.push(() => external.stop());
      external.start();
    }
    const port = options.port ?? config.server.port;
    const address = await listen(app, config.server.host, port);
    return {
      app,
      db,
      catalog,
      ...(kubernetes ? { kubernetes } : {}),
      ...(deploys ? { deploys } : {}),
      url: address.replace('[::1]', 'localhost'),
      async close() {
        catalog.stop();
        usage?.stop();
        history?.close();
        await executor?.stop();
        if (external) await external.stop();
        await writers?.close();
        await kubernetes?.stop();
        await app.close();
        await db.destroy();
      },
    };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}

/** Listens, turning the usual socket errors into a sentence that says what to change. */
async function listen(app: App, host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${host}:${port}`;
    if (code === 'EADDRINUSE')
      throw new UnavailableError(
        `cannot listen on ${where}: the address is already in use (stop the other process, or pass --port)`,
        { host, port },
      );
    if (code === 'EACCES')
      throw new UnavailableError(`cannot listen on ${where}: permission denied (choose a port above 1023)`, {
        host,
        port,
      });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UnavailableError(`cannot listen on ${where}: no such address on this machine`, {
        host,
        port,
      });
    throw error;
  }
}

/** Without a `kubernetes:` section the service routes say so, instead of 404. */
function withoutKubernetes(app: App): void {
  const off = async () => {
    throw new UnavailableError('no clusters are configured: add a "kubernetes:" section to the config');
  };
  app.get('/api/clusters', async () => ({ items: [] }));
  app.get('/api/services/discovered', async () => ({ items: [] }));
  app.get('/api/services/:ref/*', off);
  app.post('/api/services/:ref/deployments', off);
  app.get('/api/teams/:ref/services', off);
  app.get('/api/findings', off);
  app.get('/api/findings/summary', off);
}
