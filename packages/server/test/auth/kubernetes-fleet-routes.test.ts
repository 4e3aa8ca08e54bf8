// Per-user Kubernetes identity on the routes that look across services (the fleet's findings and
// summary, one cluster's services, a team's services, discovered services) and on the per-service
// autoscaling and resource routes, in-process over a real watch engine fed by in-memory clusters
// and a real KubernetesAccess whose clusters' answers are a fake review function. bob may not
// list pods in namespace `pay` of eu-west-1, nor anything in `attic` there: every route must
// leave that out and say so, ask each (cluster, kind, namespace) once per TTL, and change nothing
// with the mode off.
import type { Subject } from '@portolan/core/auth/policy';
import type { CatalogEntity } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesAccess } from '../../src/auth/kubernetes/access.ts';
import { healthRoutes } from '../../src/health/routes.ts';
import { HealthService } from '../../src/health/service.ts';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../src/kubernetes/routes.ts';
import { ScalingHistory } from '../../src/scaling/history.ts';
import { scalingRoutes } from '../../src/scaling/routes.ts';
import type { ServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { ResourceMetrics } from '../../src/usage/metrics.ts';
import { usageRoutes } from '../../src/usage/routes.ts';
import { crashLoop, deployment, engineOverFakes, FakeCluster, hpa, pod } from '../kubernetes/fake-client.ts';

const CLUSTERS = ['eu-west-1', 'us-east-1'];
const component = (name: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner: 'group:default/payments', type: 'service', lifecycle: 'production' },
});
const entities = [component('checkout'), component('cart')];
const catalog: ServiceCatalog = {
  getEntity: async (ref) => entities.find((e) => `component:default/${e.metadata.name}` === ref),
  listOwnedBy: async (team) => (team === 'group:default/payments' ? entities : []),
  listAll: async (kinds) => entities.filter((e) => kinds.includes(e.kind.toLowerCase())),
};

const bob: Subject = { type: 'user', ref: 'user:default/bob', groups: ['group:default/payments'], owns: [] };
const alice: Subject = {
  type: 'user',
  ref: 'user:default/alice',
  groups: ['group:default/payments'],
  owns: [],
};

let engine: KubernetesEngine;
let apps: FastifyInstance[];
let history: ScalingHistory;
/** Reviews the fake clusters were asked, as `cluster user verb resource namespace`. */
let asked: string[];

/** A portal's routes over the shared engine; `identity` turns per-user Kubernetes identity on. */
async function portal(identity: boolean): Promise<{ app: FastifyInstance; access?: KubernetesAccess }> {
  const resolver = new ServiceResolver({ catalog, discovery: engine });
  const health = new HealthService({ engine, resolver, fleetFreshMs: 0, fleetStaleMs: 0, logTails: false });
  const access = identity
    ? new KubernetesAccess({
        settings: { username: 'email', usernamePrefix: '', groups: 'none', groupPrefix: '' },
        review: async (cluster, r) => {
          asked.push(`${cluster} ${r.user} ${r.verb} ${r.resource} ${r.namespace}`);
          const denied =
            r.user === 'bob@example.com' &&
            cluster === 'eu-west-1' &&
            ((r.namespace === 'pay' && r.resource === 'pods') || r.namespace === 'attic');
          return { allowed: !denied };
        },
        emailOf: async (ref) => `${ref.slice(ref.lastIndexOf('/') + 1)}@example.com`,
        ttlMs: 30_000,
        maxEntries: 1000,
      })
    : undefined;
  const app = Fastify();
  installErrorHandling(app);
  app.decorateRequest('subject', null as never);
  // The guard's part, as the tests need it: who is asking.
  app.addHook('onRequest', async (request) => {
    request.subject =
      request.headers['x-user'] === 'alice'
        ? alice
        : request.headers['x-user'] === 'bob'
          ? bob
          : { type: 'guest' };
  });
  const openapi = new OpenApiRegistry();
  const serviceAccess = access ? { access, objectsFor: engine.objectsFor.bind(engine) } : undefined;
  healthRoutes(app, openapi, {
    health,
    ...(access
      ? {
          access: {
            access,
            objectsOf: async (ref: string) => engine.objectsFor((await resolver.resolve(ref)).locator),
          },
        }
      : {}),
  });
  kubernetesRoutes(app, openapi, { engine, resolver, ...(access ? { access } : {}) });
  scalingRoutes(app, openapi, { history, resolver, ...(serviceAccess ? { access: serviceAccess } : {}) });
  usageRoutes(app, openapi, {
    metrics: new ResourceMetrics({ engine }),
    resolver,
    ...(serviceAccess ? { access: serviceAccess } : {}),
  });
  apps.push(app);
  return { app, ...(access ? { access } : {}) };
}

beforeEach(async () => {
  asked = [];
  apps = [];
  const fakes = new Map<string, FakeCluster>();
  for (const name of CLUSTERS) {
    const f = new FakeCluster();
    const checkout = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    f.put('Pod', crashLoop(pod(`checkout-${name}`, 'pay', checkout, { app: 'checkout' })));
    f.put('HorizontalPodAutoscaler', hpa('checkout', 'pay'));
    const cart = f.put('Deployment', deployment('cart', 'shop', { app: 'cart' }));
    f.put('Pod', crashLoop(pod(`cart-${name}`, 'shop', cart, { app: 'cart' })));
    // Claimed by no entity: discovered. A bare pod in `pay` (no workload to list) and a Deployment.
    const legacy = f.put('Deployment', deployment('legacy', 'pay', { app: 'legacy' }));
    f.put('Pod', pod(`legacy-${name}`, 'pay', legacy, { app: 'legacy' }));
    // Only in eu-west-1, in a namespace bob may list nothing of.
    if (name === 'eu-west-1') f.put('Deployment', deployment('old', 'attic', { app: 'old' }));
    fakes.set(name, f);
  }
  engine = engineOverFakes(fakes);
  history = new ScalingHistory({ engine });
  await engine.start();
  await engine.waitForSync();
});
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  history.close();
  await engine.stop();
});

const get = async (app: FastifyInstance, url: string, user?: 'alice' | 'bob') => {
  const res = await app.inject({ url, headers: user ? { 'x-user': user } : {} });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

interface FindingBody {
  rule: string;
  object: { cluster: string; namespace: string; kind: string };
  pods?: string[];
  summary: string;
}
const podFindingsIn = (items: FindingBody[], cluster: string, namespace: string) =>
  items.filter(
    (f) => f.object.cluster === cluster && f.object.namespace === namespace && f.rule.startsWith('pod-'),
  );
const DENIED_PODS = {
  cluster: 'eu-west-1',
  namespace: 'pay',
  kind: 'Pod',
  message: 'your Kubernetes permissions do not allow list pods in namespace pay on cluster eu-west-1',
};

describe('fleet routes with per-user Kubernetes identity', () => {
  it('GET /api/findings leaves out for bob the pod findings he may not list, and names the denial', async () => {
    const { app } = await portal(true);
    const everyone = (await get(app, '/api/findings', 'alice')) as { items: FindingBody[]; denied?: unknown };
    expect(podFindingsIn(everyone.items, 'eu-west-1', 'pay')).toHaveLength(1);
    expect(everyone).not.toHaveProperty('denied');
    const mine = (await get(app, '/api/findings', 'bob')) as {
      items: FindingBody[];
      totalItems: number;
      denied: unknown[];
    };
    expect(podFindingsIn(mine.items, 'eu-west-1', 'pay')).toEqual([]);
    expect(JSON.stringify(mine.items)).not.toContain('checkout-eu-west-1');
    // The rest of the fleet is still his to see.
    expect(podFindingsIn(mine.items, 'us-east-1', 'pay')).toHaveLength(1);
    expect(podFindingsIn(mine.items, 'eu-west-1', 'shop')).toHaveLength(1);
    expect(mine.totalItems).toBe(everyone.items.length - 1);
    expect(mine.denied).toEqual([DENIED_PODS]);
  });

  it('GET /api/findings/summary counts only what bob may see', async () => {
    const { app } = await portal(true);
    const all = await get(app, '/api/findings/summary', 'alice');
    const mine = await get(app, '/api/findings/summary', 'bob');
    expect(mine.summary.critical).toBe(all.summary.critical - 1);
    expect(mine.clusters.find((c: { key: string }) => c.key === 'eu-west-1').critical).toBe(
      all.clusters.find((c: { key: string }) => c.key === 'eu-west-1').critical - 1,
    );
    expect(mine.denied).toEqual([DENIED_PODS]);
  });

  it("GET /api/clusters/:cluster/services counts no pods bob may not list, and lists their findings' services without them", async () => {
    const { app } = await portal(true);
    const service = (body: { teams: { services: { name: string }[] }[] }, name: string) =>
      body.teams.flatMap((t) => t.services).find((s) => s.name === name);
    const all = await get(app, '/api/clusters/eu-west-1/services', 'alice');
    expect(service(all, 'checkout')).toMatchObject({ workloads: 1, pods: 1, findings: { critical: 1 } });
    const mine = await get(app, '/api/clusters/eu-west-1/services', 'bob');
    expect(service(mine, 'checkout')).toMatchObject({ workloads: 1, pods: 0, findings: { critical: 0 } });
    expect(service(mine, 'cart')).toMatchObject({ workloads: 1, pods: 1 });
    expect(service(mine, 'checkout')).not.toHaveProperty('parts');
    expect(mine.denied).toEqual([DENIED_PODS]);
    const us = await get(app, '/api/clusters/us-east-1/services', 'bob');
    expect(service(us, 'checkout')).toMatchObject({ pods: 1 });
    expect(us).not.toHaveProperty('denied');
  });

  it("GET /api/teams/:ref/services summarises each service without bob's denied pods", async () => {
    const { app } = await portal(true);
    const pods = (body: { items: { name: string; summary: { pods: number } }[] }, name: string) =>
      body.items.find((i) => i.name === name)?.summary.pods;
    const all = await get(app, '/api/teams/payments/services', 'alice');
    expect(pods(all, 'checkout')).toBe(2);
    const mine = await get(app, '/api/teams/payments/services', 'bob');
    expect(pods(mine, 'checkout')).toBe(1);
    expect(pods(mine, 'cart')).toBe(2);
    expect(mine.denied).toEqual([DENIED_PODS]);
  });

  it('GET /api/services/discovered keeps workloads bob may list, and leaves out a service with none', async () => {
    const { app } = await portal(true);
    const all = await get(app, '/api/services/discovered', 'alice');
    const named = (body: { items: { name: string; id: string }[] }, name: string) =>
      body.items.find((s) => s.name === name);
    expect(named(all, 'legacy')).toMatchObject({ clusters: CLUSTERS });
    const old = named(all, 'old')!;
    expect(old).toMatchObject({ clusters: ['eu-west-1'], namespaces: ['attic'] });
    expect(all).not.toHaveProperty('denied');
    const mine = await get(app, '/api/services/discovered', 'bob');
    // Discovery reads workloads, not pods: legacy is whole; old was read from a Deployment he may not list.
    expect(named(mine, 'legacy')).toEqual(named(all, 'legacy'));
    expect(named(mine, 'old')).toBeUndefined();
    expect(mine.totalItems).toBe(all.totalItems - 1);
    expect(mine.denied).toContainEqual({
      cluster: 'eu-west-1',
      namespace: 'attic',
      kind: 'Deployment',
      message:
        'your Kubernetes permissions do not allow list deployments.apps in namespace attic on cluster eu-west-1',
    });
    const yaml = `/api/services/discovered/${encodeURIComponent(old.id)}/catalog-info.yaml`;
    expect((await app.inject({ url: yaml, headers: { 'x-user': 'alice' } })).statusCode).toBe(200);
    const refused = await app.inject({ url: yaml, headers: { 'x-user': 'bob' } });
    expect(refused.statusCode).toBe(404);
    expect(refused.body).not.toContain('attic');
  });

  it('GET /api/services/:ref/scaling/history and /resources name no pod bob may not list', async () => {
    const { app } = await portal(true);
    const use = await get(app, '/api/services/checkout/resources', 'bob');
    const podNames = JSON.stringify(use.clusters);
    expect(podNames).not.toContain('checkout-eu-west-1');
    expect(podNames).toContain('checkout-us-east-1');
    expect(use.denied).toEqual([DENIED_PODS]);
    expect(JSON.stringify((await get(app, '/api/services/checkout/resources', 'alice')).clusters)).toContain(
      'checkout-eu-west-1',
    );
    // HPAs are bob's to list: the history and the scaling view keep them, with nothing denied.
    const series = await get(app, '/api/services/checkout/scaling/history', 'bob');
    expect(series.items.map((s: { cluster: string }) => s.cluster).sort()).toEqual(CLUSTERS);
    expect(series).not.toHaveProperty('denied');
    const scaling = await get(app, '/api/services/checkout/scaling', 'bob');
    expect(scaling.clusters.flatMap((c: { items: unknown[] }) => c.items)).toHaveLength(2);
  });

  it('asks each cluster once per kind and namespace per user, then answers from the cache', async () => {
    const { app, access } = await portal(true);
    await get(app, '/api/findings', 'bob');
    const first = access!.reviews;
    // The findings are the two services' crash loops, rolled up to their Deployments: each is read
    // from its Deployment and its pods, in `pay` and `shop` of both clusters. One review each.
    expect([...asked].sort()).toEqual(
      CLUSTERS.flatMap((c) =>
        ['pay', 'shop'].flatMap((ns) =>
          ['deployments', 'pods'].map((r) => `${c} bob@example.com list ${r} ${ns}`),
        ),
      ).sort(),
    );
    for (let i = 0; i < 5; i++) {
      await get(app, '/api/findings', 'bob');
      await get(app, '/api/findings/summary', 'bob');
    }
    expect(access!.reviews).toBe(first);
    await get(app, '/api/findings', 'alice');
    expect(access!.reviews).toBe(first * 2);
  });

  it('with the mode off, or for a subject without a Kubernetes identity, nothing changes and no cluster is asked', async () => {
    const off = await portal(false);
    const on = await portal(true);
    for (const url of [
      '/api/findings',
      '/api/findings/summary',
      '/api/clusters/eu-west-1/services',
      '/api/teams/payments/services',
      '/api/services/discovered',
      '/api/services/checkout/resources',
      '/api/services/checkout/scaling/history',
    ]) {
      const plain = await get(off.app, url, 'bob');
      expect(plain, url).not.toHaveProperty('denied');
      const guest = await get(on.app, url);
      for (const body of [plain, guest]) {
        delete body.generatedAt;
        delete body.durationMs;
      }
      expect(guest, url).toEqual(plain);
    }
    expect(JSON.stringify((await get(off.app, '/api/findings', 'bob')).items)).toContain(
      'checkout-eu-west-1',
    );
    expect(asked).toEqual([]);
  });
});
