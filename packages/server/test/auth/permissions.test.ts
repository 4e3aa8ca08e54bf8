// Every permission, both ways, over HTTP and over SSE, through the real routes, guard, catalog
// (users, groups, ownership from descriptors) and token store.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorBody } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseEvents } from '../../../../test/support/sse.ts';
import type { Guard } from '../../src/auth/guard.ts';
import { needs } from '../../src/auth/permission.ts';
import { tokenRoutes } from '../../src/auth/routes.ts';
import { createSession } from '../../src/auth/store/sessions.ts';
import { revokeToken } from '../../src/auth/store/tokens.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { deployRoutes } from '../../src/deploy/routes.ts';
import { DeployService } from '../../src/deploy/service.ts';
import { appendEvents } from '../../src/deploy/store/appendEvents.ts';
import { importDeployments } from '../../src/deploy/store/importDeployments.ts';
import { healthRoutes } from '../../src/health/routes.ts';
import { HealthService } from '../../src/health/service.ts';
import { createApp } from '../../src/http/app.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../src/kubernetes/routes.ts';
import { policySettings } from '../../src/portal.ts';
import { storedServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { deployment, engineOverFakes, FakeCluster, pod } from '../kubernetes/fake-client.ts';
import { signedInGuard, tokenFor } from './support.ts';

// A small organisation: payments owns checkout; ada is in payments, bob in shop, root in platform
// (the admins), and eve is signed in but in no group of the catalog. Payments owns ledger too, a
// service with no deployment running (a rollback needs the service free).
const CATALOG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: platform }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: payments }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: shop }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { profile: { email: ada@example.com }, memberOf: [payments] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [shop] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: root }
spec: { memberOf: [platform] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations: { backstage.io/kubernetes-id: checkout }
spec: { type: service, lifecycle: production, owner: payments }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ledger }
spec: { type: service, lifecycle: production, owner: payments }
`;

const BASE = 'http://portolan.test';
type Who = 'anonymous' | 'ada' | 'bob' | 'root';

interface Portal {
  db: Database;
  app: FastifyInstance;
  url: string;
  guard: Guard;
  engine: KubernetesEngine;
  tokens: Record<Exclude<Who, 'anonymous'>, string>;
  close(): Promise<void>;
}

async function startPortal(read: 'signed-in' | { groups: string[] } = 'signed-in'): Promise<Portal> {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-perm-'));
  writeFileSync(join(dir, 'org.yaml'), CATALOG);
  const db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
  const logger = pino({ level: 'silent' });
  const config = parseConfig({ catalog: { locations: [{ type: 'file', target: './org.yaml' }] } }, 'test');
  const catalog = new CatalogService({ db, logger, baseDir: dir, catalog: config.catalog });
  await catalog.refresh();
  const fake = new FakeCluster();
  const d = fake.put(
    'Deployment',
    deployment('checkout', 'pay', { 'backstage.io/kubernetes-id': 'checkout' }, 'reg/pay/checkout:1.0.0'),
  );
  fake.put('Pod', pod('checkout-1', 'pay', d, { 'backstage.io/kubernetes-id': 'checkout' }));
  const engine = engineOverFakes(new Map([['eu-1', fake]]), {
    config: { streamDebounceMs: 10, heartbeatSeconds: 0.05 },
  });
  await engine.start();
  await engine.waitForSync();
  const resolver = new ServiceResolver({ catalog: storedServiceCatalog(catalog), discovery: engine });
  const health = new HealthService({ engine, resolver });
  const guard = signedInGuard({
    db,
    catalog,
    logger,
    baseUrl: BASE,
    admins: ['platform'],
    allowedHosts: ['127.0.0.1'],
    read,
  });
  const policy = policySettings({
    baseUrl: BASE,
    admins: ['platform'],
    read,
    logs: 'owners',
    sessionHours: 12,
    tokenMaxDays: 365,
  });
  const app = await createApp({
    logger,
    catalog,
    guard: guard,
    routes: [
      (a, openapi) => tokenRoutes(a, openapi, { guard: guard, db, policy, tokenMaxDays: 365 }),
      (a, openapi) => healthRoutes(a, openapi, { health }),
      (a, openapi) => kubernetesRoutes(a, openapi, { engine, resolver, streamExtras: health.streamExtras }),
      (a, openapi) =>
        deployRoutes(a, openapi, {
          deploys: new DeployService({ db, live: engine, resolver }),
          guard,
          heartbeatMs: 50,
          streamPollMs: 20,
        }),
      // A route whose action (here restart) is chosen by its body.
      (a) =>
        a.post<{ Params: { ref: string } }>(
          '/api/services/:ref/actions',
          needs('service.read', 'ref'),
          async (request) => {
            await guard.check(request, 'service.restart', request.params.ref);
            return { restarted: request.params.ref };
          },
        ),
    ],
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const tokens = {
    ada: await tokenFor(db, 'user:default/ada'),
    bob: await tokenFor(db, 'user:default/bob'),
    root: await tokenFor(db, 'user:default/root'),
  };
  return {
    db,
    app,
    url,
    guard: guard,
    engine,
    tokens,
    async close() {
      await app.close();
      await engine.stop();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const auth = (p: Portal, who: Who): Record<string, string> =>
  who === 'anonymous' ? {} : { authorization: `Bearer ${p.tokens[who]}` };

const LOGS = '/api/services/checkout/logs?cluster=eu-1&namespace=pay&pod=checkout-1';

// route, method, permission, who may (and, where the route declares less than its handler
// checks, the permission an anonymous request is refused for first)
const HTTP: [string, 'GET' | 'POST', string, Who[], string?][] = [
  ['/api/catalog/entities', 'GET', 'catalog.read', ['ada', 'bob', 'root']],
  ['/api/clusters', 'GET', 'catalog.read', ['ada', 'bob', 'root']],
  ['/api/findings', 'GET', 'catalog.read', ['ada', 'bob', 'root']],
  ['/api/services/checkout/kubernetes', 'GET', 'service.read', ['ada', 'bob', 'root']],
  ['/api/services/checkout/findings', 'GET', 'service.read', ['ada', 'bob', 'root']],
  ['/api/services/checkout/scaling', 'GET', 'service.read', ['ada', 'bob', 'root']],
  ['/api/services/checkout/events', 'GET', 'service.logs', ['ada', 'root']],
  [LOGS, 'GET', 'service.logs', ['ada', 'root']],
  ['/api/catalog/refresh', 'POST', 'catalog.refresh', ['root']],
  ['/api/clusters/reload', 'POST', 'clusters.reload', ['root']],
  ['/api/audit', 'GET', 'audit.read', ['root']],
  ['/api/tokens', 'GET', 'tokens.manage', ['ada', 'bob', 'root']],
  ['/api/services/checkout/actions', 'POST', 'service.restart', ['ada', 'root'], 'service.read'],
];

const SSE: [string, string, Who[], string][] = [
  ['/api/services/checkout/kubernetes/stream', 'service.read', ['ada', 'bob', 'root'], 'view'],
  [`${LOGS}&format=sse`, 'service.logs', ['ada', 'root'], 'line'],
];

describe('permissions, with everyone signed in reading', () => {
  let p: Portal;
  beforeAll(async () => {
    p = await startPortal();
  });
  afterAll(async () => p?.close());

  for (const [path, method, permission, allowed, anonymous] of HTTP) {
    it(`${method} ${path.split('?')[0]} needs ${permission}: ${allowed.join(', ')} yes, the others 403 naming it`, async () => {
      for (const who of ['anonymous', 'ada', 'bob', 'root'] as const) {
        const res = await fetch(`${p.url}${path}`, { method, headers: auth(p, who) });
        const body = await res.text();
        if (allowed.includes(who)) {
          expect([who, res.status]).toEqual([who, 200]);
        } else {
          expect([who, res.status]).toEqual([who, 403]);
          const error = JSON.parse(body).error;
          expect(error.name).toBe('ForbiddenError');
          const missing = who === 'anonymous' ? (anonymous ?? permission) : permission;
          expect(error.context).toEqual({ permission: missing });
          expect(error.message).toContain(`permission ${missing} is missing`);
        }
      }
    });
  }

  for (const [path, permission, allowed, event] of SSE) {
    it(`SSE ${path.split('?')[0]} needs ${permission}: ${allowed.join(', ')} get a stream, the others 403`, async () => {
      for (const who of ['anonymous', 'ada', 'bob', 'root'] as const) {
        const controller = new AbortController();
        const res = await fetch(`${p.url}${path}`, {
          headers: { accept: 'text/event-stream', ...auth(p, who) },
          signal: controller.signal,
        });
        if (allowed.includes(who)) {
          expect([who, res.status, res.headers.get('content-type')]).toEqual([
            who,
            200,
            'text/event-stream; charset=utf-8',
          ]);
          await sseEvents(res.body!).next(event);
        } else {
          expect([who, res.status]).toEqual([who, 403]);
          expect(((await res.json()) as ErrorBody).error.context).toEqual({ permission });
        }
        controller.abort();
      }
    });
  }

  /** A signed-in user's POST to a deploy route, and the permission a refusal names. */
  const post = (who: Who, path: string, body: object) =>
    fetch(`${p.url}${path}`, {
      method: 'POST',
      headers: { ...auth(p, who), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const permissionOf = async (res: Response) => ((await res.json()) as ErrorBody).error.context;

  it('deploys and acts on a deployment: owners and admins yes, others 403 naming the permission; anyone signed in follows it over SSE', async () => {
    const bob = await post('bob', '/api/services/checkout/deployments', { version: '1.1.0', reason: 'r' });
    expect(bob.status).toBe(403);
    expect(await permissionOf(bob)).toEqual({ permission: 'service.deploy' });
    const ada = await post('ada', '/api/services/checkout/deployments', { version: '1.1.0', reason: 'r' });
    expect(ada.status).toBe(202);
    const { id } = (await ada.json()) as { id: string };
    // followed over SSE by a reader who may not act on it; refused to the anonymous
    const controller = new AbortController();
    const stream = await fetch(`${p.url}/api/deployments/${id}/stream`, {
      headers: { accept: 'text/event-stream', ...auth(p, 'bob') },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const events = sseEvents(stream.body!);
    expect((await events.next('deployment')).id).toBe(id);
    expect((await fetch(`${p.url}/api/deployments/${id}/stream`)).status).toBe(403);
    for (const [action, permission] of [
      ['pause', 'service.deploy'],
      ['resume', 'service.deploy'],
      ['cancel', 'service.cancel'],
    ] as const) {
      const refused = await post('bob', `/api/deployments/${id}/${action}`, {});
      expect([action, refused.status]).toEqual([action, 403]);
      expect(await permissionOf(refused)).toEqual({ permission });
    }
    expect((await post('ada', `/api/deployments/${id}/pause`, { reason: 'lunch' })).status).toBe(200);
    expect((await post('root', `/api/deployments/${id}/resume`, {})).status).toBe(200);
    const cancelled = await post('ada', `/api/deployments/${id}/cancel`, { reason: 'wrong' });
    expect(cancelled.status).toBe(200);
    const event = await events.next('event');
    expect(event).toMatchObject({ actor: expect.stringMatching(/^user:default\/(ada|root)$/) });
    // an unknown deployment: 403 to those who could not act on it anyway, 404 to an admin
    expect((await post('bob', '/api/deployments/nope/cancel', {})).status).toBe(403);
    expect((await post('root', '/api/deployments/nope/cancel', {})).status).toBe(404);
    controller.abort();
  });

  it('approves a wave and rolls back a deployment: owners and admins yes, others 403 naming the permission', async () => {
    // A deployment whose only wave waits for an approval (nothing runs it here, so it keeps waiting);
    // each one supersedes the service's active deployment, whichever an earlier test left.
    const waiting = async (who: Who) => {
      const res = await post(who, '/api/services/checkout/deployments', {
        version: '1.2.0',
        reason: 'r',
        strategy: { waves: [{ select: { count: 1 }, requiresApproval: true }] },
        supersede: true,
      });
      expect(res.status).toBe(202);
      const d = (await res.json()) as { id: string; allowedActions: string[] };
      expect(d.allowedActions).toContain('approve');
      return d.id;
    };
    // A deployment of ledger that completed after changing eu-1: the one state rollback is
    // allowed in (and the service has no other deployment running, which would hold it).
    const completed = async (id: string) => {
      const service = 'component:default/ledger';
      const at = '2025-01-06T10:00:00.000Z';
      const plan = { service, clusters: [], skipped: [], unreachableLimitSeconds: 300, waves: [] };
      await importDeployments({
        db: p.db,
        deployments: [
          {
            id,
            service,
            events: [
              { type: 'requested', service, request: { version: '0.9.0' }, reason: 'r', actor: 'ada', at },
              { type: 'planned', plan, actor: 'portolan', at },
              { type: 'wave-started', wave: 0, actor: 'portolan', at },
              { type: 'cluster-changed', cluster: 'eu-1', previous: [], actor: 'portolan', at },
              { type: 'completed', actor: 'portolan', at },
            ],
          },
        ] as Parameters<typeof importDeployments>[0]['deployments'],
      });
      return id;
    };
    const lastEvent = async (id: string) => {
      const res = await fetch(`${p.url}/api/deployments/${id}`, { headers: auth(p, 'bob') });
      return ((await res.json()) as { events: { type: string; actor: string }[] }).events.at(-1);
    };
    for (const who of ['ada', 'root'] as const) {
      const id = await waiting('ada');
      const refused = await post('bob', `/api/deployments/${id}/approve`, {});
      expect(['approve', refused.status]).toEqual(['approve', 403]);
      expect(await permissionOf(refused)).toEqual({ permission: 'service.approve' });
      const approved = await post(who, `/api/deployments/${id}/approve`, { reason: 'looked fine' });
      expect([who, approved.status]).toEqual([who, 200]);
      expect(((await approved.json()) as { state: { approvedWaves: number[] } }).state.approvedWaves).toEqual(
        [0],
      );
      expect(await lastEvent(id)).toMatchObject({ type: 'approved', actor: `user:default/${who}` });

      const done = await completed(`done-by-${who}`);
      const notAllowed = await post('bob', `/api/deployments/${done}/rollback`, {});
      expect(['rollback', notAllowed.status]).toEqual(['rollback', 403]);
      expect(await permissionOf(notAllowed)).toEqual({ permission: 'service.rollback' });
      const rolled = await post(who, `/api/deployments/${done}/rollback`, { reason: 'slower' });
      expect([who, rolled.status]).toEqual([who, 200]);
      expect(((await rolled.json()) as { state: { status: string } }).state.status).toBe('rolling-back');
      expect(await lastEvent(done)).toMatchObject({
        type: 'rollback-requested',
        actor: `user:default/${who}`,
        reason: 'slower',
      });
      // No executor runs here: record the rollback's end as it would, which frees the service.
      await appendEvents({
        db: p.db,
        id: done,
        events: [
          { type: 'cluster-rolled-back', cluster: 'eu-1', actor: 'portolan', at: new Date().toISOString() },
          { type: 'rolled-back', actor: 'portolan', at: new Date().toISOString() },
        ],
      });
    }
  });

  it('a read-scoped token reads logs of its owner, but may not deploy-scope or admin-scope actions', async () => {
    const read = await tokenFor(p.db, 'user:default/root', 'read');
    const headers = { authorization: `Bearer ${read}` };
    expect((await fetch(`${p.url}${LOGS}`, { headers })).status).toBe(200);
    const refresh = await fetch(`${p.url}/api/catalog/refresh`, { method: 'POST', headers });
    expect(refresh.status).toBe(403);
    expect(((await refresh.json()) as ErrorBody).error.message).toContain('this token\'s scope is "read"');
  });

  it('a wrong, unknown or revoked token is refused, and revoking a token ends the streams opened with it', async () => {
    const bad = await fetch(`${p.url}/api/catalog/entities`, {
      headers: { authorization: 'Bearer ptl_nope' },
    });
    expect(bad.status).toBe(403);
    const token = await tokenFor(p.db, 'user:default/ada', 'read');
    const controller = new AbortController();
    const res = await fetch(`${p.url}/api/services/checkout/kubernetes/stream`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    const events = sseEvents(res.body!);
    await events.next('view');
    const id = token.split('_')[1]!;
    const revoke = await fetch(`${p.url}/api/tokens/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${p.tokens.ada}` },
    });
    expect(revoke.status).toBe(204);
    expect((await events.next('error')).error.name).toBe('ForbiddenError');
    const after = await fetch(`${p.url}/api/catalog/entities`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(403);
    controller.abort();
  });

  it('a session stream ends when the session expires', async () => {
    const now = new Date();
    const { cookie } = await createSession({
      db: p.db,
      user: 'user:default/ada',
      expiresAt: new Date(now.getTime() + 600),
      now,
    });
    const controller = new AbortController();
    const res = await fetch(`${p.url}/api/services/checkout/kubernetes/stream`, {
      headers: { accept: 'text/event-stream', cookie: `portolan_session=${cookie}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const events = sseEvents(res.body!);
    await events.next('view');
    expect((await events.next('error', 3000)).error.message).toContain('has ended');
    const again = await fetch(`${p.url}/api/catalog/entities`, {
      headers: { cookie: `portolan_session=${cookie}` },
    });
    expect(again.status).toBe(403);
    controller.abort();
  });

  it('a stream whose token was revoked outside this process ends at the next re-check', async () => {
    const token = await tokenFor(p.db, 'user:default/ada', 'read');
    const controller = new AbortController();
    const res = await fetch(`${p.url}/api/services/checkout/kubernetes/stream`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    const events = sseEvents(res.body!);
    await events.next('view');
    // As another replica or the CLI does it: in the database only, no word to this guard.
    await revokeToken({ db: p.db, id: token.split('_')[1]!, now: new Date() });
    await expect(events.next('error', 300)).rejects.toThrow(/no "error" event/);
    await p.guard.recheck();
    expect((await events.next('error', 1000)).error.message).toContain('has ended');
    controller.abort();
  });

  it('creates a token over HTTP that is shown once, then listed without its secret, and used', async () => {
    const created = await fetch(`${p.url}/api/tokens`, {
      method: 'POST',
      headers: { ...auth(p, 'bob'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'laptop', scope: 'read', expiresInDays: 7 }),
    });
    expect(created.status).toBe(201);
    const { token, id, user, scope } = (await created.json()) as Record<string, string>;
    expect([user, scope]).toEqual(['user:default/bob', 'read']);
    const headers = { authorization: `Bearer ${token!}` };
    expect((await fetch(`${p.url}/api/catalog/entities`, { headers })).status).toBe(200);
    const listed = await (await fetch(`${p.url}/api/tokens`, { headers: auth(p, 'bob') })).text();
    expect(listed).toContain(id!);
    expect(listed).not.toContain(token!.slice(`ptl_${id}_`.length));
    expect(JSON.parse(listed).items.find((t: { id: string }) => t.id === id).lastUsedAt).not.toBeNull();
    // ada cannot revoke bob's token (nor learn it exists); root, an admin, can
    const byAda = await fetch(`${p.url}/api/tokens/${id}`, { method: 'DELETE', headers: auth(p, 'ada') });
    expect(byAda.status).toBe(404);
    const byRoot = await fetch(`${p.url}/api/tokens/${id}`, { method: 'DELETE', headers: auth(p, 'root') });
    expect(byRoot.status).toBe(204);
    expect((await fetch(`${p.url}/api/catalog/entities`, { headers })).status).toBe(403);
  });

  it('audits every write and every denial, for admins only', async () => {
    const res = await fetch(`${p.url}/api/audit?limit=1000`, { headers: auth(p, 'root') });
    const { items } = (await res.json()) as { items: { subject: string; action: string; outcome: string }[] };
    expect(items).toContainEqual(
      expect.objectContaining({ subject: 'user:default/bob', action: 'service.logs', outcome: 'denied' }),
    );
    expect(items).toContainEqual(
      expect.objectContaining({
        subject: 'user:default/root',
        action: 'catalog.refresh',
        outcome: 'allowed',
      }),
    );
    expect(items).toContainEqual(
      expect.objectContaining({ subject: 'anonymous', action: 'catalog.read', outcome: 'denied' }),
    );
    // reads that were allowed are not audited
    expect(items.some((i) => i.action === 'catalog.read' && i.outcome === 'allowed')).toBe(false);
  });
});

describe('permissions, with reading restricted to listed groups', () => {
  let p: Portal;
  beforeAll(async () => {
    p = await startPortal({ groups: ['shop'] });
  });
  afterAll(async () => p?.close());

  it('lets owners and listed groups read a service, over HTTP and SSE, and nobody else', async () => {
    // bob is in shop (listed), ada owns checkout, eve is in neither
    const eve = await tokenFor(p.db, 'user:default/eve');
    const tokens: [string, string, boolean][] = [
      ['ada', p.tokens.ada, true],
      ['bob', p.tokens.bob, true],
      ['eve', eve, false],
    ];
    for (const [who, token, allowed] of tokens) {
      const headers = { authorization: `Bearer ${token}` };
      const view = await fetch(`${p.url}/api/services/checkout/kubernetes`, { headers });
      expect([who, view.status]).toEqual([who, allowed ? 200 : 403]);
      const controller = new AbortController();
      const stream = await fetch(`${p.url}/api/services/checkout/kubernetes/stream`, {
        headers: { ...headers, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      expect([who, stream.status]).toEqual([who, allowed ? 200 : 403]);
      controller.abort();
    }
    // the catalog as a whole is for listed groups: the owner of one service is not enough
    const ada = await fetch(`${p.url}/api/catalog/entities`, { headers: auth(p, 'ada') });
    expect(ada.status).toBe(403);
    expect((await fetch(`${p.url}/api/catalog/entities`, { headers: auth(p, 'bob') })).status).toBe(200);
  });
});
