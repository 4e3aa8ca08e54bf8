// Wires the portal together in one place: config -> database -> replicas -> catalog -> HTTP.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeChecks } from '@portolan/core/auth/kubernetes';
import { DEFAULT_POLICY, type PolicySettings } from '@portolan/core/auth/policy';
import { normalizeRef } from '@portolan/core/catalog/ref';
import { InputError, UnavailableError } from '@portolan/core/errors';
import type { FastifyInstance as App, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuthConfig } from './auth/config.ts';
import { Guard, type GuardMode } from './auth/guard.ts';
import { KubernetesAccess } from './auth/kubernetes/access.ts';
import { requireAccess } from './auth/kubernetes/http.ts';
import { oidcRoutes, SIGN_IN_PATH } from './auth/oidc.ts';
import { needs } from './auth/permission.ts';
import { serviceResources } from './auth/resource.ts';
import { tokenRoutes } from './auth/routes.ts';
import { CatalogService } from './catalog/service.ts';
import { resolveFrom } from './config/load.ts';
import type { PortolanConfig } from './config/schema.ts';
import { type Database, openDatabase } from './db/database.ts';
import { DeployExecutor } from './deploy/executor.ts';
import { ExternalRecorder } from './deploy/external.ts';
import { deployIdentities } from './deploy/identities.ts';
import { deployRoutes } from './deploy/routes.ts';
import { DeployService } from './deploy/service.ts';
import { healthRoutes } from './health/routes.ts';
import { HealthService } from './health/service.ts';
import { createApp, type RouteGroup } from './http/app.ts';
import type { OpenApiRegistry } from './http/openapi.ts';
import { sseHub } from './http/sse.ts';
import { createKubernetesEngine, type KubernetesEngine, kubernetesRoutes } from './kubernetes/index.ts';
import { createLogger } from './log.ts';
import { objectRoutes } from './objects/routes.ts';
import { PortalMetrics } from './ops/metrics.ts';
import { checkReadiness } from './ops/readiness.ts';
import { type Bus, localBus, postgresBus } from './replicas/bus.ts';
import { shareCatalog } from './replicas/catalog.ts';
import { LeaderLease } from './replicas/lease.ts';
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
  /** Prometheus metrics; other parts register theirs on `metrics.registry`. */
  metrics: PortalMetrics;
  /** The lease of work that runs on one replica at a time: `leader.whileLeader(work)`. */
  leader: LeaderLease;
  /** Announcements between replicas (in-process with SQLite). */
  bus: Bus;
  url: string;
  /**
   * Graceful stop: readiness turns false, the listener stops accepting, event streams are told to
   * reconnect and closed, leader work stops and the lease is released, within
   * server.shutdownTimeoutSeconds (connections still open then are cut).
   */
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
  /** `portolan demo`: every request is a guest's (reads everything, no admin pages). */
  guest?: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** The policy's settings from the `auth:` section; group names read as `group:default/<name>`. */
export function policySettings(auth: AuthConfig | undefined): PolicySettings {
  if (!auth) return DEFAULT_POLICY;
  const groups = (refs: string[]) => refs.map((r) => normalizeRef(r, { defaultKind: 'group' }));
  return {
    admins: groups(auth.admins),
    read:
      auth.read === 'signed-in' ? { who: 'signed-in' } : { who: 'groups', groups: groups(auth.read.groups) },
    logs: auth.logs,
  };
}

/**
 * Without sign-in the portal is one person's tool (or the demo's guest's): it must not be
 * reachable from the network. Throws (before anything starts) when the config would expose it.
 */
export function guardMode(config: PortolanConfig, guest: boolean): GuardMode {
  if (config.auth) return 'signed-in';
  if (!LOOPBACK_HOSTS.has(config.server.host) && !config.server.host.startsWith('127.'))
    throw new InputError(
      `server.host is "${config.server.host}", but without an "auth" section Portolan runs as a single-user local tool and listens on loopback only (127.0.0.1, ::1 or localhost); add an "auth" section to serve it to others`,
    );
  return guest || config.deploy.guest ? 'guest' : 'local';
}

/** One lease for all work that runs once: the catalog refresh, the deploy executor, external deploys. */
const LEASE = 'leader';

/** The database connection the config names (a SQLite path is relative to the config file). */
function databaseConnection(config: PortolanConfig, baseDir: string): string {
  const connection =
    config.database.client === 'sqlite' && config.database.connection !== ':memory:'
      ? resolveFrom(baseDir, config.database.connection)
      : config.database.connection;
  return connection;
}

/** The database the config names, migrated. */
export function openConfiguredDatabase(
  config: PortolanConfig,
  baseDir: string,
  options: { alongside?: boolean } = {},
): Promise<Database> {
  return openDatabase({
    client: config.database.client,
    connection: databaseConnection(config, baseDir),
    ...options,
  });
}

export async function startPortal(options: StartPortalOptions): Promise<Portal> {
  const { config, baseDir } = options;
  const mode = guardMode(config, options.guest ?? false);
  const logger = options.logger ?? createLogger({ level: process.env.LOG_LEVEL ?? config.server.log.level });
  const connection = databaseConnection(config, baseDir);
  const db = await openDatabase({ client: config.database.client, connection });
  // Everything opened so far, closed in reverse if a later step fails: a portal that cannot
  // start must not leave a timer or a socket behind that keeps the process alive.
  const opened: (() => Promise<void> | void)[] = [() => db.destroy()];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
  };
  try {
    const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    // SQLite serves one process (openDatabase holds its file's lock), so a lease left in it
    // belongs to a process that is gone: no need to wait for it to expire.
    if (config.database.client === 'sqlite') await db.deleteFrom('leases').execute();
    const bus =
      config.database.client === 'pg' ? await postgresBus({ connection, logger }) : localBus(logger);
    opened.push(() => bus.close());
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
    let app: FastifyInstance | undefined;
    const metrics = new PortalMetrics({
      fleet: kubernetes,
      sse: () => (app ? sseHub(app).stats : { clients: 0, bytes: 0, closed: {}, skipped: 0 }),
    });
    // Clusters watched in the catalog services' namespaces follow each refresh (on every replica).
    const watchCatalog = async () => {
      if (!kubernetes?.watchesCatalog || !resolver) return;
      try {
        await kubernetes.watchCatalog(await resolver.claimingEntities());
      } catch (error) {
        logger.error({ err: error }, 'cannot read the catalog for the namespaces to watch');
      }
    };
    catalog.onRefresh((summary) => {
      metrics.observeRefresh(summary);
      health?.invalidate();
      void watchCatalog();
    });
    const leader = new LeaderLease({
      db,
      name: LEASE,
      holder,
      ttlMs: config.server.leaderLeaseSeconds * 1000,
      logger,
      onChange: (leads) => metrics.setLeader(LEASE, leads),
    });
    const sharedCatalog = shareCatalog({ catalog, bus, leader, logger });
    let shuttingDown = false;
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
        // A deployment requested or acted on through any replica wakes the leader's executor.
        onChange: (id) => void bus.publish(DEPLOY_CHANGED, { id }).catch(() => {}),
      });
    if (executor) {
      bus.subscribe(DEPLOY_CHANGED, (data) => {
        const id = (data as { id?: unknown }).id;
        if (leader.isLeader && typeof id === 'string') executor.wake(id);
      });
    }
    // The executor and the external recorder run on the leader only: a cluster is changed by one
    // replica, and a killed leader's deployments are resumed by the next one (executor.start()
    // reads each cluster's live state to decide what is done).
    let executorStarted: Promise<void> | undefined;
    if (executor || external) {
      leader.whileLeader(({ token }) => {
        // Its writes carry this term's token: refused once another replica took the lease.
        if (executor)
          executorStarted = executor
            .start({ lease: LEASE, token })
            .catch((error) => logger.error({ err: error }, 'deploy executor failed to start'));
        if (external) external.start({ lease: LEASE, token });
        return async () => {
          await executor?.stop();
          if (external) await external.stop();
        };
      });
    }
    const deployToken = config.deploy.tokenEnv ? process.env[config.deploy.tokenEnv] : undefined;
    if (config.deploy.tokenEnv && !deployToken)
      logger.warn({ variable: config.deploy.tokenEnv }, 'deploy.tokenEnv names a variable that is not set');
    const guard = new Guard({
      mode,
      db,
      logger,
      policy: policySettings(config.auth),
      ...(config.auth ? { baseUrl: config.auth.baseUrl } : {}),
      allowedHosts: config.server.allowedHosts,
      ...(deployToken ? { deployToken } : {}),
      ...(config.deploy.tokenEnv && !deployToken ? { deployTokenUnset: config.deploy.tokenEnv } : {}),
      serviceResource: serviceResources(storedServiceCatalog(catalog)),
      bus,
    });
    opened.push(() => guard.close());
    const kubeAccess = kubernetesAccess(config, kubernetes, catalog, logger);
    const access = {
      guard,
      db,
      policy: policySettings(config.auth),
      tokenMaxDays: config.auth?.tokenMaxDays ?? 365,
    };
    const routes: RouteGroup[] = [
      (a, openapi) => tokenRoutes(a, openapi, access),
      ...(config.auth?.oidc
        ? [
            (a: App, openapi: OpenApiRegistry) =>
              oidcRoutes(a, openapi, {
                auth: { ...config.auth!, oidc: config.auth!.oidc! },
                db,
                guard,
                logger,
              }),
          ]
        : []),
      ...(kubernetes && resolver && health && deploys && history && usage
        ? ([
            (a, openapi) =>
              healthRoutes(a, openapi, {
                health,
                ...(kubeAccess
                  ? {
                      access: {
                        access: kubeAccess,
                        objectsOf: async (ref: string) =>
                          kubernetes.objectsFor((await resolver.resolve(ref)).locator),
                      },
                    }
                  : {}),
              }),
            (a, openapi) =>
              scalingRoutes(a, openapi, {
                history,
                resolver,
                ...(kubeAccess
                  ? { access: { access: kubeAccess, objectsFor: (l) => kubernetes.objectsFor(l) } }
                  : {}),
              }),
            (a, openapi) =>
              objectRoutes(a, openapi, {
                engine: kubernetes,
                resolver,
                ...(kubeAccess ? { access: kubeAccess } : {}),
              }),
            (a, openapi) =>
              usageRoutes(a, openapi, {
                metrics: usage,
                resolver,
                ...(kubeAccess
                  ? { access: { access: kubeAccess, objectsFor: (l) => kubernetes.objectsFor(l) } }
                  : {}),
              }),
            (a, openapi) =>
              kubernetesRoutes(a, openapi, {
                engine: kubernetes,
                resolver,
                streamExtras: health.streamExtras,
                ...(kubeAccess ? { access: kubeAccess } : {}),
              }),
            (a, openapi) =>
              deployRoutes(a, openapi, {
                deploys,
                guard,
                heartbeatMs: kubernetes.config.heartbeatSeconds * 1000,
                ...(kubeAccess
                  ? {
                      checkWrite: async (request, ref, clusters) => {
                        const { locator } = await resolver.resolve(ref);
                        const objects = kubernetes.objectsFor(locator);
                        const checks = writeChecks(objects, clusters ? { clusters } : {});
                        await requireAccess(kubeAccess, request, checks, locator.ref);
                      },
                    }
                  : {}),
              }),
          ] satisfies RouteGroup[])
        : [withoutKubernetes]),
    ];
    app = await createApp({
      logger,
      requestLog: config.server.log.requests,
      catalog,
      metrics,
      readiness: () =>
        checkReadiness({
          db,
          catalogLoaded: () => catalog.lastRefresh !== undefined,
          ...(kubernetes ? { clusters: () => kubernetes.clusters() } : {}),
          shuttingDown: () => shuttingDown,
        }),
      guard,
      routes,
      ...(config.auth?.oidc ? { signInPath: SIGN_IN_PATH } : {}),
      ...(options.apiOnly ? {} : { webDir: WEB_DIR }),
      info: { title: config.app.title, banner: config.app.banner, version: '0.1.0' },
    });
    const server = app;
    opened.push(() => server.close());
    opened.push(() => leader.stop());
    await leader.start();
    await sharedCatalog.ready();
    opened.push(() => catalog.stop());
    if (kubernetes) {
      opened.push(() => kubernetes.stop());
      await watchCatalog();
      await kubernetes.start();
      usage?.start();
      opened.push(() => usage?.stop());
    }
    if (executor) {
      // Resume the deployments a previous run left active (when this replica leads). The gate
      // reads workloads from the clusters themselves, so it does not wait for the caches.
      opened.push(() => writers?.close());
      await executorStarted;
    }
    const port = options.port ?? config.server.port;
    const address = await listen(server, config.server.host, port);
    let closing: Promise<void> | undefined;
    const shutdown = async (): Promise<void> => {
      shuttingDown = true;
      const deadline = Date.now() + config.server.shutdownTimeoutSeconds * 1000;
      // Stop accepting first; then the streams (which never end by themselves) are told to come
      // back in a second, to this replica's successor or another one.
      const closed = server.close();
      const streams = sseHub(server).drain(1000);
      logger.info({ streams }, 'shutting down');
      const cut = setTimeout(() => server.server.closeAllConnections(), Math.max(0, deadline - Date.now()));
      cut.unref();
      // The executor finishes its current step and the lease is given up, so the next leader
      // need not wait for it to expire.
      await leader.stop();
      catalog.stop();
      usage?.stop();
      history?.close();
      guard.close();
      await writers?.close();
      await closed;
      clearTimeout(cut);
      await kubernetes?.stop();
      await bus.close();
      await db.destroy();
    };
    return {
      app: server,
      db,
      catalog,
      ...(kubernetes ? { kubernetes } : {}),
      ...(deploys ? { deploys } : {}),
      metrics,
      leader,
      bus,
      url: address.replace('[::1]', 'localhost'),
      close() {
        closing ??= shutdown();
        return closing;
      },
    };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}

const DEPLOY_CHANGED = 'deploy.changed';

/** Per-user Kubernetes identity, when the config turns it on (and there are clusters). */
function kubernetesAccess(
  config: PortolanConfig,
  kubernetes: KubernetesEngine | undefined,
  catalog: CatalogService,
  logger: Logger,
): KubernetesAccess | undefined {
  const settings = config.auth?.kubernetes;
  if (!kubernetes || settings?.identity !== 'subjectAccessReview') return undefined;
  const entities = storedServiceCatalog(catalog);
  return new KubernetesAccess({
    settings,
    review: (cluster, review) => kubernetes.reviewAccess(cluster, review),
    emailOf: async (ref) => {
      const profile = (await entities.getEntity(ref))?.spec?.profile as { email?: unknown } | undefined;
      return typeof profile?.email === 'string' ? profile.email : undefined;
    },
    ttlMs: settings.cacheSeconds * 1000,
    maxEntries: settings.cacheSize,
    logger,
  });
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
  app.get('/api/clusters', needs('catalog.read'), async () => ({ items: [] }));
  app.get('/api/services/discovered', needs('catalog.read'), async () => ({ items: [] }));
  app.get('/api/services/:ref/*', needs('service.read', 'ref'), off);
  app.post('/api/services/:ref/deployments', needs('service.deploy', 'ref'), off);
  app.get('/api/teams/:ref/services', needs('catalog.read'), off);
  app.get('/api/findings', needs('catalog.read'), off);
  app.get('/api/findings/summary', needs('catalog.read'), off);
}
