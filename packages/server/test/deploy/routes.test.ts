import { DEFAULT_POLICY } from '@portolan/core/auth/policy';
import type { CatalogEntity } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sseEvents } from '../../../../test/support/sse.ts';
import { Guard } from '../../src/auth/guard.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { deployRoutes } from '../../src/deploy/routes.ts';
import { DeployService, type LiveServices } from '../../src/deploy/service.ts';
import { importDeployments } from '../../src/deploy/store/importDeployments.ts';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { ServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { deployment } from '../kubernetes/fake-client.ts';

const component = (name: string, owner: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner, type: 'service', lifecycle: 'production' },
  relations: [{ type: 'ownedBy', targetRef: owner }],
});
const entities = [component('checkout', 'group:default/payments'), component('cart', 'group:default/shop')];
const catalog: ServiceCatalog = {
  getEntity: async (ref) => entities.find((e) => `component:default/${e.metadata.name}` === ref),
  listOwnedBy: async (group) => entities.filter((e) => e.spec?.owner === group),
  listAll: async () => entities,
};
const CLUSTERS = [
  { cluster: 'eu-1', region: 'eu' },
  { cluster: 'us-1', region: 'us' },
  { cluster: 'us-2', region: 'us' },
];
const live: LiveServices = {
  clusters: () => CLUSTERS,
  objectsFor: (locator) =>
    CLUSTERS.map((c) => ({
      cluster: c.cluster,
      kind: 'Deployment' as const,
      object: deployment(locator.name, 'shop', { app: locator.name }, `reg/shop/${locator.name}:1.0.0`),
    })),
};
const TOKEN = 's3cret-deploy-token';
const WRITES = ['pause', 'resume', 'approve', 'cancel', 'rollback'] as const;

let db: Database;
let app: FastifyInstance;

async function build(deployConfig: { tokenEnv?: string; guest?: boolean }, env: Record<string, string> = {}) {
  app = Fastify();
  installErrorHandling(app);
  const resolver = new ServiceResolver({
    catalog,
    discovery: {
      discover: () => [],
      discoveredLocator: () => ({ ref: 'x', name: 'x', selectors: [], source: 'discovered' }),
    },
  });
  // The portal's guard without sign-in: the shared deploy token, or the demo's guest, may deploy.
  const deployToken = deployConfig.tokenEnv ? env[deployConfig.tokenEnv] : undefined;
  const guard = new Guard({
    mode: deployConfig.guest ? 'guest' : 'local',
    logger: pino({ level: 'silent' }),
    policy: DEFAULT_POLICY,
    ...(deployToken ? { deployToken } : {}),
    ...(deployConfig.tokenEnv && !deployToken ? { deployTokenUnset: deployConfig.tokenEnv } : {}),
    serviceResource: async (ref) => ({ type: 'service', ref }),
  });
  guard.install(app);
  deployRoutes(app, new OpenApiRegistry(), {
    deploys: new DeployService({ db, live, resolver }),
    guard,
    heartbeatMs: 50,
    streamPollMs: 20,
  });
  await app.ready();
}

beforeEach(async () => {
  db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
});
afterEach(async () => {
  await app?.close();
  await db.destroy();
});

const bearer = (t = TOKEN) => ({ authorization: `Bearer ${t}` });
const deploy = (body: object, headers: Record<string, string> = bearer(), ref = 'checkout') =>
  app.inject({ method: 'POST', url: `/api/services/${ref}/deployments`, payload: body, headers });

describe('who may deploy', () => {
  it('/api/deploy/access answers what the write routes would: allowed with the actor, or the reason refused', async () => {
    await build({ tokenEnv: 'DEPLOY_TOKEN' }, { DEPLOY_TOKEN: TOKEN });
    expect(
      (await app.inject({ url: '/api/deploy/access?service=checkout', headers: bearer() })).json(),
    ).toEqual({
      allowed: true,
      actor: 'deploy-token',
    });
    const refused = (await app.inject({ url: '/api/deploy/access?service=checkout' })).json();
    expect(refused).toEqual({
      allowed: false,
      permission: 'service.deploy',
      reason: expect.stringMatching(/deploy\.tokenEnv/),
    });
    await app.close();
    await build({ guest: true });
    expect((await app.inject({ url: '/api/deploy/access' })).json()).toEqual({
      allowed: true,
      actor: 'guest',
    });
  });

  it('without a token configured, every write route answers 403 saying how to turn deploys on', async () => {
    await build({});
    const res = await deploy({ version: '1.1.0', reason: 'r' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      name: 'ForbiddenError',
      message: expect.stringMatching(/deploy\.tokenEnv/),
      context: { permission: 'service.deploy' },
    });
    for (const a of WRITES) {
      const r = await app.inject({ method: 'POST', url: `/api/deployments/any/${a}`, headers: bearer() });
      expect(r.statusCode, a).toBe(403);
    }
  });

  it('with a token configured: no token or a wrong one is refused on every write route, the right one passes', async () => {
    await build({ tokenEnv: 'DEPLOY_TOKEN' }, { DEPLOY_TOKEN: TOKEN });
    expect((await deploy({ version: '1.1.0', reason: 'r' }, {})).json().error.message).toMatch(
      /send the deploy token named by deploy\.tokenEnv/,
    );
    expect((await deploy({ version: '1.1.0', reason: 'r' }, bearer('nope'))).statusCode).toBe(403);
    const ok = await deploy({ version: '1.1.0', reason: 'r' });
    expect(ok.statusCode).toBe(202);
    const id = ok.json().id;
    for (const a of WRITES) {
      for (const headers of [{}, bearer('nope')]) {
        const r = await app.inject({ method: 'POST', url: `/api/deployments/${id}/${a}`, headers });
        expect(r.statusCode, a).toBe(403);
      }
    }
    const paused = await app.inject({
      method: 'POST',
      url: `/api/deployments/${id}/pause`,
      headers: bearer(),
      payload: { reason: 'lunch' },
    });
    expect(paused.statusCode).toBe(200);
    expect(paused.json().state.status).toBe('paused');
    // Reading is open.
    expect((await app.inject({ url: `/api/deployments/${id}` })).statusCode).toBe(200);
  });

  it('a token named but unset in the environment still refuses, naming the variable', async () => {
    await build({ tokenEnv: 'DEPLOY_TOKEN' }, {});
    const res = await deploy({ version: '1.1.0', reason: 'r' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toMatch(/deploy\.tokenEnv names DEPLOY_TOKEN, which is not set/);
  });

  it('the demo’s guest may deploy without a token, recorded as guest', async () => {
    await build({ guest: true });
    const res = await deploy({ version: '1.1.0', reason: 'demo' }, {});
    expect(res.statusCode).toBe(202);
    const events = (await app.inject({ url: `/api/deployments/${res.json().id}` })).json().events;
    expect(events[0]).toMatchObject({ type: 'requested', actor: 'guest', reason: 'demo' });
  });
});

describe('deployments', () => {
  beforeEach(() => build({ tokenEnv: 'DEPLOY_TOKEN' }, { DEPLOY_TOKEN: TOKEN }));

  it('202 with the plan: clusters, workloads, new images and waves', async () => {
    const res = await deploy({
      version: '1.1.0',
      reason: 'fix',
      commit: { sha: 'abc', time: '2025-03-01T10:00:00Z' },
    });
    expect(res.statusCode).toBe(202);
    const d = res.json();
    expect(d).toMatchObject({
      service: 'component:default/checkout',
      created: true,
      state: { status: 'running', requestedBy: 'deploy-token' },
    });
    expect(d.state.plan.waves.map((w: { clusters: string[] }) => w.clusters)).toEqual([
      ['eu-1'],
      ['us-1', 'us-2'],
    ]);
    expect(d.state.plan.clusters[0].workloads[0].containers[0]).toEqual({
      name: 'main',
      from: 'reg/shop/checkout:1.0.0',
      to: 'reg/shop/checkout:1.1.0',
    });
    expect(d.allowedActions).toEqual(['pause', 'approve', 'cancel']);
  });

  it('a retry with the same Idempotency-Key is the same deployment; another request is 409 naming the running one; supersede replaces it', async () => {
    const headers = { ...bearer(), 'idempotency-key': 'k-1' };
    const a = (await deploy({ version: '1.1.0', reason: 'r' }, headers)).json();
    const b = await deploy({ version: '1.1.0', reason: 'r' }, headers);
    expect(b.statusCode).toBe(202);
    expect(b.json()).toMatchObject({ id: a.id, created: false });
    const c = await deploy({ version: '1.2.0', reason: 'r' });
    expect(c.statusCode).toBe(409);
    expect(c.json().error.message).toContain(a.id);
    const d = await deploy({ version: '1.2.0', reason: 'r', supersede: true });
    expect(d.statusCode).toBe(202);
    expect(d.json().superseded).toBe(a.id);
    expect((await app.inject({ url: `/api/deployments/${a.id}` })).json().state.status).toBe('cancelled');
    const list = (await app.inject({ url: '/api/services/checkout/deployments' })).json().items;
    expect(list.map((x: { id: string }) => x.id)).toEqual([d.json().id, a.id]);
  });

  it('400 for malformed requests and for a request that changes nothing; 404 for an unknown service', async () => {
    expect((await deploy({ reason: 'r' })).statusCode).toBe(400);
    expect((await deploy({ version: '1.0.0', reason: 'r' })).json().error.message).toMatch(/already runs/);
    expect((await deploy({ version: '1.1.0' })).statusCode).toBe(400);
    expect((await deploy({ version: '1.1.0', reason: 'r', strategy: { waves: [] } })).statusCode).toBe(400);
    expect((await deploy({ version: '1.1.0', reason: 'r', sneaky: 1 })).statusCode).toBe(400);
    expect((await deploy({ version: '1.1.0', reason: 'r' }, bearer(), 'nope')).statusCode).toBe(404);
  });

  it('actions the state does not allow are 409; pause, resume and cancel are recorded with who and why', async () => {
    const id = (await deploy({ version: '1.1.0', reason: 'r' })).json().id;
    const act = (a: string, reason?: string) =>
      app.inject({
        method: 'POST',
        url: `/api/deployments/${id}/${a}`,
        headers: bearer(),
        ...(reason ? { payload: { reason } } : {}),
      });
    expect((await act('resume')).statusCode).toBe(409);
    expect((await act('rollback')).statusCode).toBe(409);
    expect((await act('approve')).json().error.message).toMatch(/no wave .* waits for an approval/);
    expect((await act('pause', 'lunch')).statusCode).toBe(200);
    expect((await act('resume')).statusCode).toBe(200);
    expect((await act('cancel', 'wrong version')).json().state.status).toBe('rolling-back');
    const events = (await app.inject({ url: `/api/deployments/${id}` })).json().events;
    expect(
      events
        .slice(2)
        .map((e: { type: string; actor: string; reason?: string }) => [e.type, e.actor, e.reason]),
    ).toEqual([
      ['paused', 'deploy-token', 'lunch'],
      ['resumed', 'deploy-token', undefined],
      ['cancelled', 'deploy-token', 'wrong version'],
    ]);
    expect((await app.inject({ url: '/api/deployments/missing' })).statusCode).toBe(404);
  });

  it('streams the deployment, then each event as it is appended', async () => {
    const id = (await deploy({ version: '1.1.0', reason: 'r' })).json().id;
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const res = await fetch(`${address}/api/deployments/${id}/stream`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = sseEvents(res.body as ReadableStream<Uint8Array>);
    expect((await events.next('deployment')).state.status).toBe('running');
    await app.inject({ method: 'POST', url: `/api/deployments/${id}/pause`, headers: bearer() });
    expect(await events.next('event')).toMatchObject({ type: 'paused', seq: 3 });
    expect((await events.next('deployment')).state.status).toBe('paused');
    controller.abort();
  });

  it('delivery metrics per service and team', async () => {
    await deploy({ version: '1.1.0', reason: 'r' });
    const res = await app.inject({ url: '/api/metrics/delivery?team=payments' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ bucket: 'week', deployments: 0, changes: 0 });
    expect(res.json().weeks.length).toBeGreaterThanOrEqual(12);
    expect(
      (
        await app.inject({
          url: '/api/metrics/delivery?since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z',
        })
      ).statusCode,
    ).toBe(400);
    expect((await app.inject({ url: '/api/metrics/delivery?bucket=day' })).statusCode).toBe(400);
  });

  it('compares teams: each team’s figures over the services it owns', async () => {
    const at = (day: number, hour = 10) => new Date(Date.UTC(2025, 0, day, hour)).toISOString();
    // Completed, or failed after changing its canary; one plan shape for all.
    const history = (id: string, service: string, day: number, ok: boolean) => {
      const plan = {
        service,
        clusters: [],
        skipped: [],
        unreachableLimitSeconds: 300,
        waves: [
          {
            index: 0,
            name: 'canary',
            clusters: ['eu-1'],
            maxConcurrency: 1,
            soakSeconds: 60,
            progressDeadlineSeconds: 600,
            maxFailures: 0,
            requiresApproval: false,
          },
        ],
      };
      const a = { actor: 'portolan' };
      return {
        id,
        service,
        events: [
          { type: 'requested', service, request: { version: id }, reason: 'r', actor: 'ana', at: at(day) },
          { type: 'planned', plan, ...a, at: at(day) },
          { type: 'wave-started', wave: 0, ...a, at: at(day) },
          { type: 'cluster-changed', cluster: 'eu-1', previous: [], ...a, at: at(day) },
          ...(ok
            ? [
                { type: 'gate-passed', cluster: 'eu-1', ...a, at: at(day, 11) },
                { type: 'completed', ...a, at: at(day, 11) },
              ]
            : [
                { type: 'failed', reason: 'crash loop', ...a, at: at(day, 11) },
                { type: 'cluster-rolled-back', cluster: 'eu-1', ...a, at: at(day, 11) },
                { type: 'rolled-back', ...a, at: at(day, 11) },
              ]),
        ],
      };
    };
    await importDeployments({
      db,
      deployments: [
        history('c1', 'component:default/checkout', 6, true),
        history('c2', 'component:default/checkout', 7, false),
        history('c3', 'component:default/checkout', 8, true),
        history('c4', 'component:default/checkout', 14, true),
        history('k1', 'component:default/cart', 7, true),
        // Nobody in the catalog owns it: left out.
        history('x1', 'component:default/orphan', 7, true),
      ] as Parameters<typeof importDeployments>[0]['deployments'],
    });
    const res = await app.inject({
      url: '/api/metrics/delivery/teams?since=2025-01-06T00:00:00Z&until=2025-01-20T00:00:00Z',
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as {
      team: string;
      services: number;
      deployments: number;
      deploymentsPerWeek: number;
      changeFailRate: number;
      recoveryTime: { medianSeconds: number };
      weeks: { week: string; deployments: number }[];
    }[];
    expect(items.map((t) => t.team)).toEqual(['group:default/payments', 'group:default/shop']);
    const [payments, shop] = items;
    expect(payments).toMatchObject({
      services: 1,
      deployments: 3,
      deploymentsPerWeek: 1.5,
      changeFailRate: 0.25,
    });
    // Failed on the 7th at 11:00, recovered by the completion on the 8th at 11:00.
    expect(payments?.recoveryTime.medianSeconds).toBe(86_400);
    expect(payments?.weeks).toEqual([
      { week: '2025-01-06T00:00:00.000Z', deployments: 2 },
      { week: '2025-01-13T00:00:00.000Z', deployments: 1 },
    ]);
    expect(shop).toMatchObject({ services: 1, deployments: 1, changeFailRate: 0 });
    expect(
      (
        await app.inject({
          url: '/api/metrics/delivery/teams?since=2025-01-20T00:00:00Z&until=2025-01-06T00:00:00Z',
        })
      ).statusCode,
    ).toBe(400);
  });
});
