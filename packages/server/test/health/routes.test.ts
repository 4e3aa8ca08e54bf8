// The health routes in-process over a real watch engine fed by in-memory clusters: findings of a
// service with log tails, the fleet's findings filtered by owner, the summary, scaling, 400/404,
// and findings pushed on the service stream as they appear and clear.
import type { KubeObject } from '@portolan/core';
import type { CatalogEntity } from '@portolan/core/services/index';
import { locateService } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sseEvents } from '../../../../test/support/sse.ts';
import { healthRoutes } from '../../src/health/routes.ts';
import { HealthService } from '../../src/health/service.ts';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../src/kubernetes/routes.ts';
import type { ServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import {
  crashLoop,
  deployment,
  engineOverFakes,
  FakeCluster,
  hpa,
  pod,
  waitFor,
} from '../kubernetes/fake-client.ts';

const component = (name: string, owner: string, system?: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner, type: 'service', lifecycle: 'production', ...(system ? { system } : {}) },
});

const entities = [
  component('checkout', 'group:default/payments', 'shop'),
  component('cart', 'shop-team', 'shop'),
  component('idle', 'payments'),
];
const catalog: ServiceCatalog = {
  getEntity: async (ref) => entities.find((e) => `component:default/${e.metadata.name}` === ref),
  listOwnedBy: async () => [],
  listAll: async (kinds) => entities.filter((e) => kinds.includes(e.kind.toLowerCase())),
};

let engine: KubernetesEngine;
let health: HealthService;
let app: FastifyInstance;
let fakes: Map<string, FakeCluster>;
let checkoutPods: Map<string, KubeObject>;

beforeEach(async () => {
  fakes = new Map();
  checkoutPods = new Map();
  for (const name of ['eu-west-1', 'us-east-1']) {
    const f = new FakeCluster();
    f.logText = 'starting\npanic: no database\n';
    const d = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    checkoutPods.set(name, f.put('Pod', pod(`checkout-${name}`, 'pay', d, { app: 'checkout' })));
    const c = f.put('Deployment', deployment('cart', 'shop', { app: 'cart' }));
    f.put('Pod', pod(`cart-${name}`, 'shop', c, { app: 'cart' }));
    f.put('HorizontalPodAutoscaler', hpa('checkout', 'pay', name === 'eu-west-1' ? 10 : 4, 10));
    fakes.set(name, f);
  }
  engine = engineOverFakes(fakes, { config: { streamDebounceMs: 10, heartbeatSeconds: 0.05 } });
  await engine.start();
  await engine.waitForSync();
  const resolver = new ServiceResolver({ catalog, discovery: engine });
  health = new HealthService({ engine, resolver, fleetFreshMs: 0, fleetStaleMs: 0, streamRecheckMs: 60_000 });
  app = Fastify();
  installErrorHandling(app);
  const openapi = new OpenApiRegistry();
  healthRoutes(app, openapi, { health });
  kubernetesRoutes(app, openapi, { engine, resolver, streamExtras: health.streamExtras });
});
afterEach(async () => {
  await app.close();
  await engine.stop();
});

const checkoutRef = encodeURIComponent('component:default/checkout');

describe('health routes', () => {
  it('GET /api/services/:ref/findings explains a crash loop with exit code and log tail', async () => {
    fakes.get('eu-west-1')!.put('Pod', crashLoop(checkoutPods.get('eu-west-1')!));
    const body = await waitForFindings(checkoutRef, (b) =>
      b.findings.some((f) => f.rule === 'pod-crash-loop'),
    );
    const f = body.findings.find((x) => x.rule === 'pod-crash-loop')!;
    expect(f.severity).toBe('critical');
    expect(f.object).toEqual({
      cluster: 'eu-west-1',
      namespace: 'pay',
      kind: 'Deployment',
      name: 'checkout',
    });
    expect(f.evidence).toMatchObject({ container: 'main', exitCode: 3, restartCount: 7 });
    expect(f.evidence.logTail).toEqual(['checkout-eu-west-1/main: starting', 'panic: no database']);
    expect(body).toMatchObject({
      ref: 'component:default/checkout',
      owner: 'group:default/payments',
      system: 'system:default/shop',
      lifecycle: 'production',
    });
    expect(body.clusters.map((c) => [c.cluster, c.status])).toEqual([
      ['eu-west-1', 'synced'],
      ['us-east-1', 'synced'],
    ]);
    expect(body.summary.critical).toBeGreaterThanOrEqual(1);
    const noLogs = (await app.inject(`/api/services/${checkoutRef}/findings?logs=false`)).json();
    expect(
      noLogs.findings.find((x: Finding) => x.rule === 'pod-crash-loop').evidence.logTail,
    ).toBeUndefined();
  });

  it('answers 404 for an unknown service and 400 for bad input', async () => {
    const missing = await app.inject('/api/services/component%3Adefault%2Fnope/findings');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.name).toBe('NotFoundError');
    expect((await app.inject('/api/services/nope/scaling')).statusCode).toBe(404);
    expect((await app.inject('/api/services/component%3A/findings')).statusCode).toBe(400);
    expect((await app.inject('/api/findings?severity=fatal')).statusCode).toBe(400);
    expect((await app.inject('/api/findings?limit=0')).statusCode).toBe(400);
    expect((await app.inject('/api/findings?owner=a%20b')).statusCode).toBe(400);
    expect((await app.inject('/api/findings?rule=bogus')).statusCode).toBe(400);
  });

  it('GET /api/findings and the summary roll the fleet up by service, owner and system', async () => {
    fakes.get('us-east-1')!.put('Pod', crashLoop(checkoutPods.get('us-east-1')!));
    await waitFor(() =>
      engine
        .objectsFor(locateService(entities[0]!))
        .some(
          (o) =>
            o.kind === 'Pod' &&
            (o.object as { status?: { containerStatuses?: unknown[] } }).status?.containerStatuses,
        ),
    );
    const all = (await app.inject('/api/findings')).json();
    const crash = all.items.find((f: ServiceFindingBody) => f.rule === 'pod-crash-loop');
    expect(crash).toMatchObject({
      service: 'component:default/checkout',
      owner: 'group:default/payments',
      system: 'system:default/shop',
      object: { cluster: 'us-east-1' },
    });
    expect(all.generatedAt).toEqual(expect.any(String));
    // Short names, as the catalog routes accept them.
    const mine = (await app.inject('/api/findings?owner=payments&severity=critical')).json();
    expect(mine.items.length).toBeGreaterThan(0);
    expect(
      mine.items.every(
        (f: ServiceFindingBody) => f.owner === 'group:default/payments' && f.severity === 'critical',
      ),
    ).toBe(true);
    expect((await app.inject('/api/findings?owner=shop-team&severity=critical')).json().totalItems).toBe(0);
    expect((await app.inject('/api/findings?cluster=eu-west-1&rule=pod-crash-loop')).json().totalItems).toBe(
      0,
    );
    const limited = (await app.inject('/api/findings?limit=1')).json();
    expect(limited.items).toHaveLength(1);
    expect(limited.totalItems).toBe(all.totalItems);

    const summary = (await app.inject('/api/findings/summary')).json();
    expect(summary.worstServices[0].key).toBe('component:default/checkout');
    expect(summary.teams[0]).toMatchObject({ key: 'group:default/payments', services: 1 });
    expect(summary.summary.byRule['pod-crash-loop'].critical).toBe(1);
    // cart and checkout have objects; idle has none.
    expect(summary).toMatchObject({ entities: 3, servicesWithObjects: 2 });
  });

  it('GET /api/clusters/:cluster/services lists what runs there by team, with its findings', async () => {
    fakes.get('us-east-1')!.put('Pod', crashLoop(checkoutPods.get('us-east-1')!));
    for (let i = 0; i < 300; i++) {
      if ((await app.inject('/api/findings?cluster=us-east-1&severity=critical')).json().totalItems > 0)
        break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const body = (await app.inject('/api/clusters/us-east-1/services')).json();
    expect(body.teams.map((t: { owner: string }) => t.owner)).toEqual([
      'group:default/payments',
      'group:default/shop-team',
    ]);
    const checkout = body.teams[0].services[0];
    expect(checkout).toMatchObject({ name: 'checkout', cluster: 'us-east-1', workloads: 1, pods: 1 });
    expect(checkout.findings.critical).toBeGreaterThan(0);
    expect(body.summary.critical).toBeGreaterThan(0);
    // idle runs nowhere and is not listed.
    expect(JSON.stringify(body)).not.toContain('idle');
    const missing = await app.inject('/api/clusters/nope/services');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.context).toEqual({ cluster: 'nope' });
  });

  it('GET /api/services/:ref/scaling shows each HPA per cluster and the spread', async () => {
    const res = await app.inject(`/api/services/${checkoutRef}/scaling`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const eu = body.clusters.find((c: { cluster: string }) => c.cluster === 'eu-west-1');
    expect(eu.status).toBe('synced');
    expect(eu.items[0]).toMatchObject({
      name: 'checkout',
      minReplicas: 1,
      maxReplicas: 10,
      currentReplicas: 10,
      atMax: true,
      headroomReplicas: 0,
    });
    expect(eu.items[0].metrics[0]).toMatchObject({ name: 'cpu', target: 70, current: 95, aboveTarget: true });
    expect(body.workloads).toHaveLength(1);
    expect(body.workloads[0]).toMatchObject({
      target: { kind: 'Deployment', name: 'checkout' },
      totalCurrent: 14,
      totalMax: 20,
      atLimit: ['eu-west-1'],
      busiestCluster: 'eu-west-1',
    });
    // The HPA at max above target is also a finding.
    const findings = (await app.inject(`/api/services/${checkoutRef}/findings`)).json().findings;
    expect(findings.find((f: Finding) => f.rule === 'hpa-at-max')).toMatchObject({
      severity: 'critical',
      object: { cluster: 'eu-west-1', kind: 'HorizontalPodAutoscaler', name: 'checkout' },
    });
  });

  it('pushes findings on the service stream: all first, then what appears and clears', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const controller = new AbortController();
    const res = await fetch(
      `http://127.0.0.1:${address.port}/api/services/${checkoutRef}/kubernetes/stream`,
      {
        signal: controller.signal,
      },
    );
    const events = sseEvents(res.body!);
    try {
      const first = await events.next('findings');
      expect(first.appeared.map((f: Finding) => f.rule)).toContain('hpa-at-max');
      expect(first.cleared).toEqual([]);
      expect(first.findings).toEqual(first.appeared);

      const f = fakes.get('eu-west-1')!;
      const crashing = f.put('Pod', crashLoop(checkoutPods.get('eu-west-1')!));
      const appeared = await events.next('findings');
      expect(appeared.appeared.map((x: Finding) => x.rule)).toEqual(['pod-crash-loop']);
      expect(appeared.cleared).toEqual([]);

      const healthy = checkoutPods.get('eu-west-1') as KubeObject & { status?: unknown };
      f.put('Pod', { ...crashing, status: healthy.status } as KubeObject);
      const cleared = await events.next('findings');
      expect(cleared.cleared.map((x: Finding) => x.rule)).toEqual(['pod-crash-loop']);
      expect(cleared.findings.some((x: Finding) => x.rule === 'pod-crash-loop')).toBe(false);
    } finally {
      controller.abort();
    }
  });
});

interface Finding {
  rule: string;
  severity: string;
  object: Record<string, string>;
  evidence: Record<string, unknown>;
}
type ServiceFindingBody = Finding & { service: string; owner?: string };

interface ServiceBody {
  findings: Finding[];
  clusters: { cluster: string; status: string }[];
  summary: { critical: number };
}

async function waitForFindings(ref: string, ok: (body: ServiceBody) => boolean): Promise<ServiceBody> {
  let body: ServiceBody | undefined;
  for (let i = 0; i < 100; i++) {
    const res = await app.inject(`/api/services/${ref}/findings`);
    expect(res.statusCode).toBe(200);
    body = res.json() as ServiceBody;
    if (ok(body)) return body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met: ${JSON.stringify(body).slice(0, 500)}`);
}
