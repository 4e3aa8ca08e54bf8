// A cross-site page and a rebinding Host header are refused; cookie writes need the CSRF token;
// without an `auth` section the portal is a loopback-only, read-only tool.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../src/auth/store/sessions.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';
import { guardMode } from '../../src/portal.ts';
import { signedInGuard, tokenFor } from './support.ts';

const EXAMPLES = join(import.meta.dirname, '../../../../examples');
const logger = pino({ level: 'silent' });

async function catalogFor(db: Database) {
  const config = parseConfig(
    { catalog: { locations: [{ type: 'file', target: './catalog/org/*.yaml' }] } },
    'test',
  );
  const catalog = new CatalogService({ db, logger, baseDir: EXAMPLES, catalog: config.catalog });
  await catalog.refresh();
  return catalog;
}

const refused = (res: { statusCode: number; json(): unknown }, permission: string) => {
  expect(res.statusCode).toBe(403);
  expect((res.json() as { error: { context: unknown } }).error.context).toEqual({ permission });
};

describe('signed in behind https://portolan.example.com', () => {
  let db: Database;
  let app: FastifyInstance;
  let admin: string;
  beforeAll(async () => {
    db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
    const catalog = await catalogFor(db);
    const guard = signedInGuard({
      db,
      catalog,
      logger,
      baseUrl: 'https://portolan.example.com',
      admins: ['payments'],
    });
    app = await createApp({ logger, catalog, guard });
    admin = await tokenFor(db, 'user:default/ada');
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });
  const host = 'portolan.example.com';

  it('refuses a foreign Host header (DNS rebinding), but answers probes on /healthz', async () => {
    const headers = { authorization: `Bearer ${admin}` };
    expect(
      (await app.inject({ url: '/api/catalog/entities', headers: { ...headers, host } })).statusCode,
    ).toBe(200);
    for (const rebound of [
      'evil.example',
      'portolan.example.com.evil.example',
      '127.0.0.1:7007',
      'portolan.example.com:8443',
    ]) {
      refused(
        await app.inject({ url: '/api/catalog/entities', headers: { ...headers, host: rebound } }),
        'host',
      );
    }
    expect((await app.inject({ url: '/healthz', headers: { host: '10.1.2.3:7007' } })).statusCode).toBe(200);
  });

  it('refuses a state-changing request from another site, by Origin or Sec-Fetch-Site', async () => {
    const headers = { authorization: `Bearer ${admin}`, host };
    const post = (extra: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/api/catalog/refresh', headers: { ...headers, ...extra } });
    refused(await post({ origin: 'https://evil.example' }), 'origin');
    refused(await post({ origin: 'http://portolan.example.com' }), 'origin');
    refused(await post({ 'sec-fetch-site': 'cross-site' }), 'origin');
    refused(await post({ 'sec-fetch-site': 'same-site', origin: 'https://portolan.example.com' }), 'origin');
    expect(
      (await post({ origin: 'https://portolan.example.com', 'sec-fetch-site': 'same-origin' })).statusCode,
    ).toBe(200);
    // the CLI and CI send neither
    expect((await post({})).statusCode).toBe(200);
  });

  it('wants the session CSRF token on a state-changing request with a session cookie', async () => {
    const now = new Date();
    const { cookie } = await createSession({
      db,
      user: 'user:default/ada',
      expiresAt: new Date(now.getTime() + 60_000),
      now,
    });
    const headers = { host, cookie: `portolan_session=${cookie}`, origin: 'https://portolan.example.com' };
    const me = await app.inject({ url: '/api/me', headers });
    expect(me.json()).toMatchObject({
      mode: 'signed-in',
      subject: { type: 'user', ref: 'user:default/ada' },
    });
    const csrf = (me.json() as { csrf: string }).csrf;
    refused(await app.inject({ method: 'POST', url: '/api/catalog/refresh', headers }), 'csrf');
    refused(
      await app.inject({
        method: 'POST',
        url: '/api/catalog/refresh',
        headers: { ...headers, 'x-csrf-token': 'x' },
      }),
      'csrf',
    );
    const ok = await app.inject({
      method: 'POST',
      url: '/api/catalog/refresh',
      headers: { ...headers, 'x-csrf-token': csrf },
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe('without an auth section (local mode)', () => {
  let db: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
    app = await createApp({ logger, catalog: await catalogFor(db) });
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it('answers loopback Host names only', async () => {
    for (const host of ['localhost:7007', '127.0.0.1:7007', '[::1]:7007', 'localhost'])
      expect([
        host,
        (await app.inject({ url: '/api/catalog/entities', headers: { host } })).statusCode,
      ]).toEqual([host, 200]);
    for (const host of ['rebind.evil.example:7007', '192.168.1.5:7007', 'localhost.evil.example'])
      refused(await app.inject({ url: '/api/catalog/entities', headers: { host } }), 'host');
  });

  it('refuses cross-site writes, and writes at all, but lets its user refresh', async () => {
    const headers = { host: 'localhost:7007' };
    refused(
      await app.inject({
        method: 'POST',
        url: '/api/catalog/refresh',
        headers: { ...headers, origin: 'https://evil.example' },
      }),
      'origin',
    );
    const same = await app.inject({
      method: 'POST',
      url: '/api/catalog/refresh',
      headers: { ...headers, origin: 'http://localhost:7007', 'sec-fetch-site': 'same-origin' },
    });
    expect(same.statusCode).toBe(200);
    const write = await app.inject({ method: 'POST', url: '/api/catalog/locations', headers, payload: {} });
    refused(write, 'catalog.write');
    expect((write.json() as { error: { message: string } }).error.message).toContain('no "auth" section');
    expect((await app.inject({ url: '/api/me', headers })).json()).toMatchObject({
      mode: 'local',
      subject: { type: 'local' },
    });
  });

  it('refuses to start on a non-loopback host, with a message', () => {
    const open = parseConfig({ server: { host: '0.0.0.0' } }, 'test');
    expect(() => guardMode(open, false)).toThrow(/listens on loopback only.*add an "auth" section/);
    expect(guardMode(parseConfig({ server: { host: '127.0.0.1' } }, 'test'), false)).toBe('local');
    expect(guardMode(parseConfig({ server: { host: '::1' } }, 'test'), false)).toBe('local');
    const signedIn = parseConfig(
      { server: { host: '0.0.0.0' }, auth: { baseUrl: 'https://p.example.com' } },
      'test',
    );
    expect(guardMode(signedIn, false)).toBe('signed-in');
    expect(guardMode(parseConfig({}, 'test'), true)).toBe('guest');
  });
});

describe('every route declares its permission', () => {
  it('a route without one cannot be registered', async () => {
    const db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
    const catalog = await catalogFor(db);
    await expect(
      createApp({ logger, catalog, routes: [(app) => app.get('/api/forgotten', async () => ({}))] }),
    ).rejects.toThrow('route GET /api/forgotten declares no permission');
    await db.destroy();
  });
});
