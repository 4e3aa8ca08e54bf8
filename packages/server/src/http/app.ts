import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { catalogRoutes } from '../catalog/routes.ts';
import type { CatalogService } from '../catalog/service.ts';
import { searchRoutes } from '../search/routes.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './errors.ts';
import { OpenApiRegistry } from './openapi.ts';
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
  /** Extra route groups (Kubernetes, findings...), registered after the catalog. */
  routes?: RouteGroup[];
  /** Folder of the built web app; omitted in API-only tests. */
  webDir?: string;
  /** Public facts the UI shows: title, banner (e.g. "simulated fleet"). */
  info?: { title: string; banner?: string | undefined; version: string };
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
  });
  installErrorHandling(app);
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
          url: request.url,
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

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/api/info', async () => ({ ...info, catalog: options.catalog.lastRefresh ?? null }));
  catalogRoutes(app, openapi, { catalog: options.catalog });
  searchRoutes(app, openapi, { catalog: options.catalog });
  for (const routes of options.routes ?? []) routes(app, openapi);
  app.get('/api/openapi.json', async () =>
    openapi.document({ title: `${info.title} API`, version: info.version }),
  );
  if (options.webDir) serveWebApp(app, options.webDir);
  return app;
}
