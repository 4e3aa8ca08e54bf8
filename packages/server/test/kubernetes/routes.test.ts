import { applyPatch, type Json } from '@portolan/core/json/patch';
import type { CatalogEntity, ServiceView } from '@portolan/core/services/index';
import { locateService } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../src/kubernetes/routes.ts';
import { streamedView } from '../../src/kubernetes/stream.ts';
import type { ServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { deployment, engineOverFakes, FakeCluster, pod, waitFor } from './fake-client.ts';

const component = (
  name: string,
  owner = 'group:default/payments',
  annotations?: Record<string, string>,
): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { owner, type: 'service', lifecycle: 'production' },
});

const entities = [component('checkout'), component('cart', 'group:default/shop')];
const catalog: ServiceCatalog = {
  getEntity: async (ref) => entities.find((e) => `component:default/${e.metadata.name}` === ref),
  listOwnedBy: async (group) => entities.filter((e) => e.spec?.owner === group),
  listAll: async () => entities,
};

let engine: KubernetesEngine;
let app: FastifyInstance;
const fakes = new Map<string, FakeCluster>();

beforeEach(async () => {
  fakes.clear();
  for (const name of ['eu-west-1', 'us-east-1']) {
    const f = new FakeCluster();
    const d = f.put(
      'Deployment',
      deployment(
        'checkout',
        'pay',
        { app: 'checkout' },
        `reg/checkout:${name === 'eu-west-1' ? '1.0' : '1.1'}`,
      ),
    );
    f.put('Pod', pod(`checkout-${name}`, 'pay', d));
    f.put('Deployment', deployment('legacy', 'misc', { app: 'legacy<script>' }));
    fakes.set(name, f);
  }
  engine = engineOverFakes(fakes, { config: { streamDebounceMs: 10, heartbeatSeconds: 0.05 } });
  await engine.start();
  await engine.waitForSync();
  app = Fastify();
  installErrorHandling(app);
  kubernetesRoutes(app, new OpenApiRegistry(), {
    engine,
    resolver: new ServiceResolver({ catalog, discovery: engine }),
  });
});
afterEach(async () => {
  await app.close();
  await engine.stop();
});

describe('kubernetes routes', () => {
  it('GET /api/services/:ref/kubernetes returns the view per region and cluster with drift', async () => {
    const res = await app.inject(
      `/api/services/${encodeURIComponent('component:default/checkout')}/kubernetes`,
    );
    expect(res.statusCode).toBe(200);
    const view = res.json() as ServiceView;
    expect(view.regions.map((r) => r.region)).toEqual(['eu-west-1', 'us-east-1']);
    expect(view.clusters.map((c) => [c.cluster, c.items.length, c.items[0]?.pods.length])).toEqual([
      ['eu-west-1', 1, 1],
      ['us-east-1', 1, 1],
    ]);
    expect(view.versions[0]).toMatchObject({ workload: 'checkout', drift: true });
  });

  it('accepts a bare name and answers 404 for an unknown entity', async () => {
    expect((await app.inject('/api/services/checkout/kubernetes')).statusCode).toBe(200);
    const res = await app.inject('/api/services/nope/kubernetes');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.name).toBe('NotFoundError');
  });

  it('lists clusters and reloads', async () => {
    const res = await app.inject('/api/clusters');
    expect(res.json().items.map((c: { cluster: string; status: string }) => [c.cluster, c.status])).toEqual([
      ['eu-west-1', 'synced'],
      ['us-east-1', 'synced'],
    ]);
    const reload = await app.inject({ method: 'POST', url: '/api/clusters/reload' });
    expect(reload.json()).toMatchObject({ unchanged: ['eu-west-1', 'us-east-1'], added: [], removed: [] });
  });

  it('keeps discovery and team pages working when one entity has a broken label selector', async () => {
    const broken = component('broken', 'group:default/payments', {
      'backstage.io/kubernetes-label-selector': 'app in (checkout',
    });
    entities.push(broken);
    try {
      const discovered = await app.inject('/api/services/discovered');
      expect(discovered.statusCode).toBe(200);
      expect(discovered.json().items.map((i: { id: string }) => i.id)).toEqual(['discovered:legacy<script>']);
      const team = await app.inject('/api/teams/payments/services');
      expect(team.statusCode).toBe(200);
      expect(team.json().items.map((i: { name: string }) => i.name)).toContain('checkout');
      expect((await app.inject('/api/services/checkout/kubernetes')).statusCode).toBe(200);
      // The problem is located on the entity itself: its own page names the annotation.
      const own = await app.inject('/api/services/broken/kubernetes');
      expect(own.statusCode).toBe(400);
      expect(own.json().error.message).toContain('backstage.io/kubernetes-label-selector');
    } finally {
      entities.pop();
    }
  });

  it('lists discovered services and suggests a catalog-info.yaml', async () => {
    const res = await app.inject('/api/services/discovered');
    const items = res.json().items as { id: string; clusters: string[] }[];
    expect(items.map((i) => [i.id, i.clusters])).toEqual([
      ['discovered:legacy<script>', ['eu-west-1', 'us-east-1']],
    ]);
    const yaml = await app.inject(
      `/api/services/discovered/${encodeURIComponent(items[0]!.id)}/catalog-info.yaml`,
    );
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(yaml.headers['x-content-type-options']).toBe('nosniff');
    expect(yaml.body).toContain('name: legacy-script');
    const view = await app.inject(`/api/services/${encodeURIComponent(items[0]!.id)}/kubernetes`);
    expect(view.json().clusters[0].items[0].name).toBe('legacy');
  });

  it('returns events newest first and team summaries', async () => {
    const f = fakes.get('eu-west-1')!;
    const p = [...f.objects.get('Pod')!.values()][0]!;
    for (const [i, t] of [Date.now() - 60_000, Date.now() - 1000]
      .map((ms) => new Date(ms).toISOString())
      .entries()) {
      f.put('Event', {
        metadata: { name: `ev${i}`, namespace: 'pay', uid: `ev${i}` },
        involvedObject: { kind: 'Pod', name: p.metadata?.name, uid: p.metadata?.uid },
        reason: `R${i}`,
        message: 'm',
        lastTimestamp: t,
      } as never);
    }
    await waitFor(() => engine.events(locateService(component('checkout'))).length === 2);
    const res = await app.inject('/api/services/component%3Adefault%2Fcheckout/events');
    expect(res.json().items.map((e: { reason: string }) => e.reason)).toEqual(['R1', 'R0']);
    // A system and an API of the same team, named like the service, are not services; a
    // component listed twice (through a sub-group) counts once.
    const extra: CatalogEntity[] = [
      { ...component('checkout'), kind: 'System' },
      { ...component('checkout'), kind: 'API' },
      component('checkout'),
    ];
    entities.push(...extra);
    try {
      const team = await app.inject('/api/teams/payments/services');
      expect(
        team.json().items.map((s: { ref: string; summary: { pods: number } }) => [s.ref, s.summary.pods]),
      ).toEqual([['component:default/checkout', 2]]);
    } finally {
      entities.splice(-extra.length);
    }
  });

  it('streams one pod log as text/plain and rejects pods of other services', async () => {
    const ok = await app.inject(
      '/api/services/checkout/logs?cluster=eu-west-1&namespace=pay&pod=checkout-eu-west-1',
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toContain('line 2');
    const bad = await app.inject('/api/services/checkout/logs?cluster=eu-west-1&namespace=misc&pod=whatever');
    expect(bad.statusCode).toBe(404);
    const missing = await app.inject('/api/services/checkout/logs?cluster=eu-west-1');
    expect(missing.statusCode).toBe(400);
  });

  it('merges a workload log across clusters, each line tagged', async () => {
    const res = await app.inject('/api/services/checkout/logs?workload=Deployment/checkout');
    expect(res.statusCode).toBe(200);
    const lines = res.body.trim().split('\n').sort();
    expect(lines).toContain('[eu-west-1 checkout-eu-west-1/main] line 2');
    expect(lines).toContain('[us-east-1 checkout-us-east-1/main] line 2');
    expect((await app.inject('/api/services/checkout/logs?workload=Deployment/nope')).statusCode).toBe(404);
  });

  it('streams the view over SSE, then each change as a patch, with heartbeats, and cleans up on disconnect', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${address.port}/api/services/checkout/kubernetes/stream`, {
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const blocks = () =>
      text
        .split('\n\n')
        .filter((b) => b.startsWith('event: view') || b.startsWith('event: patch'))
        .map((b) => ({ event: b.slice(7, b.indexOf('\n')), data: b.slice(b.indexOf('data: ') + 6) }));
    const readUntil = async (cond: () => boolean) => {
      while (!cond()) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(() => blocks().length === 1);
    expect(blocks()[0]!.event).toBe('view');
    const f = fakes.get('us-east-1')!;
    const d = f.objects.get('Deployment')!.get('pay/checkout')!;
    f.put('Pod', pod('checkout-new', 'pay', d));
    await readUntil(() => blocks().length === 2);
    const [first, second] = blocks() as [{ event: string; data: string }, { event: string; data: string }];
    // The change comes as a patch, smaller than the view, and applied to the first view it gives
    // the view the JSON route serves (without pod ages, which the stream leaves to the client).
    expect(second.event).toBe('patch');
    expect(second.data.length).toBeLessThan(first.data.length);
    const applied = applyPatch(
      JSON.parse(first.data) as Json,
      JSON.parse(second.data),
    ) as unknown as ServiceView;
    expect(applied.clusters.find((c) => c.cluster === 'us-east-1')!.items[0]!.pods).toHaveLength(2);
    const served = (await app.inject('/api/services/checkout/kubernetes')).json() as ServiceView;
    expect({ ...applied, generatedAt: '' }).toEqual({ ...streamedView(served), generatedAt: '' });
    expect(JSON.stringify(applied)).not.toContain('ageSeconds');
    await readUntil(() => text.includes(': heartbeat'));
    expect(engine.subscriptionCount).toBe(1);
    controller.abort();
    await waitFor(() => engine.subscriptionCount === 0);
  });
});
