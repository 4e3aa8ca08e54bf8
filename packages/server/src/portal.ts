// Wires the portal together in one place: config -> database -> catalog -> HTTP.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { CatalogService } from './catalog/service.ts';
import { resolveFrom } from './config/load.ts';
import type { PortolanConfig } from './config/schema.ts';
import { type Database, openDatabase } from './db/database.ts';
import { createApp } from './http/app.ts';

export const WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface Portal {
  app: FastifyInstance;
  db: Database;
  catalog: CatalogService;
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
  const app = await createApp({
    logger,
    catalog,
    ...(options.apiOnly ? {} : { webDir: WEB_DIR }),
    info: { title: config.app.title, banner: config.app.banner, version: '0.1.0' },
  });
  await catalog.refresh().catch((error) => logger.error({ err: error }, 'first catalog refresh failed'));
  catalog.start();
  const port = options.port ?? config.server.port;
  const address = await app.listen({ host: config.server.host, port });
  return {
    app,
    db,
    catalog,
    url: address.replace('[::1]', 'localhost'),
    async close() {
      catalog.stop();
      await app.close();
      await db.destroy();
    },
  };
}
