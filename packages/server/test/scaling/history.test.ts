// Replicas over time as the server keeps them: fed by the watch from the first LIST on, one point
// per change of replicas (metric updates add none), served per service through its own HPAs.
import type { KubeObject } from '@portolan/core';
import { type CatalogEntity, locateService } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { ScalingHistory } from '../../src/scaling/history.ts';
import { scalingRoutes } from '../../src/scaling/routes.ts';
import { listServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { deployment, engineOverFakes, FakeCluster, waitFor } from '../kubernetes/fake-client.ts';

const component = (name: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner: 'payments', type: 'service', lifecycle: 'production' },
});
const entities = [component('checkout'), component('cart')];
const catalog = listServiceCatalog(entities);

function hpa(name: string, current: number, cpu = 50): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'shop', uid: `hpa-${name}`, labels: { app: name } },
    spec: { scaleTargetRef: { kind: 'Deployment', name }, minReplicas: 2, maxReplicas: 10 },
    status: {
      currentReplicas: current,
      desiredReplicas: current,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } }],
    },
  } as KubeObject;
}

let clock = 1_000_000;
let engine: KubernetesEngine;
let history: ScalingHistory;
let app: FastifyInstance;
let fakes: Map<string, FakeCluster>;

beforeEach(async () => {
  fakes = new Map();
  for (const [cluster, replicas] of [
    ['eu-1', 3],
    ['us-1', 5],
  ] as const) {
    const f = new FakeCluster();
    f.put('Deployment', deployment('checkout', 'shop', { app: 'checkout' }));
    f.put('Deployment', deployment('cart', 'shop', { app: 'cart' }));
    f.put('HorizontalPodAutoscaler', hpa('checkout', replicas));
    f.put('HorizontalPodAutoscaler', hpa('cart', 1));
    fakes.set(cluster, f);
  }
  engine = engineOverFakes(fakes);
  history = new ScalingHistory({ engine, now: () => clock });
  await engine.start();
  await engine.waitForSync();
  app = Fastify();
  installErrorHandling(app);
  scalingRoutes(app, new OpenApiRegistry(), {
    history,
    resolver: new ServiceResolver({ catalog, discovery: engine }),
  });
});
afterEach(async () => {
  history.close();
  await app.close();
  await engine.stop();
});

const path = `/api/services/${encodeURIComponent('component:default/checkout')}/scaling/history`;

describe('GET /api/services/:ref/scaling/history', () => {
  it("serves each of the service's HPAs per cluster with a point per change of replicas", async () => {
    const eu = fakes.get('eu-1')!;
    clock += 60_000;
    eu.put('HorizontalPodAutoscaler', hpa('checkout', 3, 90)); // metrics only: no new point
    clock += 60_000;
    eu.put('HorizontalPodAutoscaler', hpa('checkout', 7, 90));
    let body: { items: { cluster: string; name: string; points: { at: number; current: number }[] }[] };
    await waitFor(() => {
      body = history.service(locatorOf()) as typeof body;
      return body.items.find((i) => i.cluster === 'eu-1')?.points.length === 2;
    });
    const res = await app.inject(path);
    expect(res.statusCode).toBe(200);
    body = res.json();
    expect(body.items.map((i) => [i.cluster, i.name, i.points.map((p) => [p.at, p.current])])).toEqual([
      [
        'eu-1',
        'checkout',
        [
          [1_000_000, 3],
          [1_120_000, 7],
        ],
      ],
      ['us-1', 'checkout', [[1_000_000, 5]]],
    ]);
    expect(res.json()).toMatchObject({ windowMs: 6 * 3600_000 });
  });

  it('answers 404 for a service the portal does not know', async () => {
    const res = await app.inject('/api/services/nope/scaling/history');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.name).toBe('NotFoundError');
  });
});

const locatorOf = () => locateService(entities[0]!);
