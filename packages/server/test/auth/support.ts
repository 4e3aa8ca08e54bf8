// Signed-in portals for tests: a guard over the test's database and catalog, and tokens for
// the catalog's users (as `portolan token create` makes them).
import type { TokenScope } from '@portolan/core/auth/policy';
import type { Logger } from 'pino';
import { Guard } from '../../src/auth/guard.ts';
import { serviceResources } from '../../src/auth/resource.ts';
import { createToken } from '../../src/auth/store/tokens.ts';
import type { CatalogService } from '../../src/catalog/service.ts';
import type { Database } from '../../src/db/database.ts';
import { policySettings } from '../../src/portal.ts';
import { storedServiceCatalog } from '../../src/services/catalog.ts';

export function signedInGuard(options: {
  db: Database;
  catalog: CatalogService;
  logger: Logger;
  baseUrl?: string;
  admins?: string[];
  allowedHosts?: string[];
  read?: 'signed-in' | { groups: string[] };
}): Guard {
  return new Guard({
    mode: 'signed-in',
    db: options.db,
    logger: options.logger,
    baseUrl: options.baseUrl ?? 'http://portolan.test',
    allowedHosts: options.allowedHosts ?? [],
    policy: policySettings({
      baseUrl: options.baseUrl ?? 'http://portolan.test',
      admins: options.admins ?? [],
      read: options.read ?? 'signed-in',
      logs: 'owners',
      sessionHours: 12,
      tokenMaxDays: 365,
    }),
    serviceResource: serviceResources(storedServiceCatalog(options.catalog)),
  });
}

export async function tokenFor(db: Database, user: string, scope: TokenScope = 'admin'): Promise<string> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 3600_000);
  return (await createToken({ db, user, name: 'test', scope, expiresAt, now })).token;
}
