import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DEFAULT_POLICY } from '@portolan/core/auth/policy';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { Guard } from '../auth/guard.ts';
import { PUBLIC } from '../auth/permission.ts';
import { meRoutes } from '../auth/routes.ts';
import { catalogRoutes } from '../catalog/routes.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { PortalMetrics } from '../ops/metrics.ts';
import type { Readiness } from '../ops/readiness.ts';
import { searchRoutes } from '../search/routes.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './errors.ts';
import { OpenApiRegistry } from './openapi.ts';
import { installSseHub, type SseHubOptions } from './sse.ts';
import { serveWebApp } from './static.ts';

/**
 * Every route module is a function `(app, openapi, deps)` that declares its routes and documents
 * each one beside it; a RouteGroup is one bound to its dependencies.
 */
export type RouteGroup = (app: FastifyInstance, openapi: OpenApiRegistry) => void;

export interface AppOptions {
  logger: Logger;
  /** A line per answered request at this level, or none ('off', the default). */
  requestLog?: 'off' | 'debug' | 'info';
  catalog: CatalogService;
  /**
   * Who may do what: every route and stream asks it. Default: the single-user local mode (every
   * read, no writes, loopback Host names only).
   */
  guard?: Guard;
  /** Where a browser signs in, when sign-in is configured. */
  signInPath?: string;
  /** Extra route groups (Kubernetes, findings...), registered after the catalog. */
  routes?: RouteGroup[];
  /** Folder of the built web app; omitted in API-only tests. */
  webDir?: string;
  /** Public facts the UI shows: title, banner (e.g. "simulated fleet"). */
  info?: { title: string; banner?: string | undefined; version: string };
  /** Serves /metrics and observes every request's latency by route. */
  metrics?: PortalMetrics;
  /** Serves /readyz: 200 when ready, 503 with the failing checks otherwise. */
  readiness?: () => Promise<Readiness>;
  /** Bounds of event streams (what a client that stops reading may cost). */
  sse?: SseHubOptions;
}

/**
 * A request's id: the caller's X-Request-Id when it is a plain token (a proxy's id, so one request
 * can be followed across both logs), else a fresh one. The header is untrusted: anything longer
 * or with other characters is replaced rather than written to the log.
 */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
}

/** Query parameters whose values could be credentials, replaced in logged URLs. */
const SECRET_PARAM = /token|secret|password|passwd|key|auth|code|session|cookie|signature|credential/i;

export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_PARAM.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 500 },
    frameworkErrors,
    clientErrorHandler,
    genReqId: requestId,
  });
  installSseHub(app, options.sse);
  installErrorHandling(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const guard =
    options.guard ??
    new Guard({
      mode: 'local',
      logger: options.logger,
      policy: DEFAULT_POLICY,
      serviceResource: async (ref) => ({ type: 'service', ref }),
    });
  guard.install(app);
  // Backstage's catalog client sends Content-Type: application/json on every request, DELETEs
  // with no body included; an empty JSON body is read as no body rather than refused.
  const json = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : json(request, String(body), done),
  );
  const requestLog = options.requestLog ?? 'off';
  if (requestLog !== 'off') {
    // Fastify's own request lines are two per request and carry headers; this is one, without.
    app.addHook('onResponse', async (request, reply) => {
      request.log[requestLog](
        {
          method: request.method,
          url: loggableUrl(request.url),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    });
  }
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // A route may set a stricter policy of its own (docs images do).
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CSP);
    reply.header('referrer-policy', 'no-referrer');
  });
  const openapi = new OpenApiRegistry();
  const info = options.info ?? { title: 'Portolan', version: '0.1.0' };

  const metrics = options.metrics;
  if (metrics) {
    app.addHook('onResponse', async (request, reply) => {
      metrics.observeRequest(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    });
    app.get('/metrics', PUBLIC, async (_request, reply) => {
      reply.header('content-type', metrics.contentType);
      return metrics.text();
    });
  }
  // Liveness: the process answers. Readiness: it can serve users (see ops/readiness.ts).
  app.get('/healthz', PUBLIC, async () => ({ status: 'ok' }));
  const readiness = options.readiness;
  if (readiness) {
    app.get('/readyz', PUBLIC, async (_request, reply) => {
      const r = await readiness();
      return reply
        .status(r.ready ? 200 : 503)
        .send({ status: r.ready ? 'ready' : 'not ready', checks: r.checks });
    });
  }
  app.get('/api/info', PUBLIC, async () => ({ ...info, catalog: options.catalog.lastRefresh ?? null }));
  meRoutes(app, openapi, { guard, ...(options.signInPath ? { signInPath: options.signInPath } : {}) });
  catalogRoutes(app, openapi, { catalog: options.catalog });
  searchRoutes(app, openapi, { catalog: options.catalog });
  for (const routes of options.routes ?? []) routes(app, openapi);
  app.get('/api/openapi.json', PUBLIC, async () =>
    openapi.document({ title: `${info.title} API`, version: info.version }),
  );
  if (options.webDir) serveWebApp(app, options.webDir);
  return app;
}
