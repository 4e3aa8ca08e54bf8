// Pod CPU and memory per service: read from each cluster's metrics API once per round, never per
// request; a cluster without the API says so; a failed read keeps the last answer, marked.
import type { KubeObject } from '@portolan/core';
import type { CatalogEntity } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import type { ServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { ResourceMetrics } from '../../src/usage/metrics.ts';
import { usageRoutes } from '../../src/usage/routes.ts';
import { deployment, engineOverFakes, FakeCluster, pod } from '../kubernetes/fake-client.ts';

const entities: CatalogEntity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout', namespace: 'default' },
    spec: { owner: 'payments', type: 'service', lifecycle: 'production' },
  },
];
const catalog: ServiceCatalog = {
  getEntity: async (ref) => entities.find((e) => `component:default/${e.metadata.name}` === ref),
  listOwnedBy: async () => [],
  listAll: async () => entities,
};

function withRequests(p: KubeObject): KubeObject {
  return {
    ...p,
    spec: {
      nodeName: 'n1',
      containers: [
        {
          name: 'main',
          image: 'reg/app:1',
          resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
        },
      ],
    },
  } as KubeObject;
}

let engine: KubernetesEngine;
let metrics: ResourceMetrics;
let app: FastifyInstance;
let fakes: Map<string, FakeCluster>;

beforeEach(async () => {
  fakes = new Map();
  for (const name of ['eu-1', 'us-1']) {
    const f = new FakeCluster();
    const d = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    f.put('Pod', withRequests(pod(`checkout-${name}`, 'pay', d, { app: 'checkout' })));
    fakes.set(name, f);
  }
  fakes.get('eu-1')!.metrics = [
    {
      metadata: { name: 'checkout-eu-1', namespace: 'pay' },
      containers: [{ name: 'main', usage: { cpu: '250000000n', memory: '524288Ki' } }],
    },
    {
      metadata: { name: 'someone-else', namespace: 'other' },
      containers: [{ name: 'x', usage: { cpu: '9' } }],
    },
  ];
  engine = engineOverFakes(fakes);
  await engine.start();
  await engine.waitForSync();
  metrics = new ResourceMetrics({ engine, intervalMs: 3_600_000, now: () => 5000 });
  app = Fastify();
  installErrorHandling(app);
  usageRoutes(app, new OpenApiRegistry(), {
    metrics,
    resolver: new ServiceResolver({ catalog, discovery: engine }),
  });
});
afterEach(async () => {
  metrics.stop();
  await app.close();
  await engine.stop();
});

const path = `/api/services/${encodeURIComponent('component:default/checkout')}/resources`;
type Body = {
  clusters: {
    cluster: string;
    metrics: { status: string; message?: string };
    cpu: { used?: number; request?: number; limit?: number };
    memory: { used?: number; request?: number; limit?: number };
    workloads: { kind: string; name: string; pods: { name: string; measured: boolean }[] }[];
  }[];
};

describe('GET /api/services/:ref/resources', () => {
  it("serves each pod's use against requests and limits, and says which cluster has no metrics API", async () => {
    // Before the first round: requests and limits, no use yet.
    const before = (await app.inject(path)).json() as Body;
    expect(before.clusters.map((c) => c.metrics.status)).toEqual(['pending', 'pending']);
    await metrics.poll();
    const body = (await app.inject(path)).json() as Body;
    const [eu, us] = body.clusters;
    expect(eu).toMatchObject({
      cluster: 'eu-1',
      metrics: { status: 'ok' },
      cpu: { used: 0.25, request: 0.5, limit: 1 },
      memory: { used: 512 * 1024 * 1024, request: 1024 ** 3, limit: 2 * 1024 ** 3 },
      workloads: [
        { kind: 'Deployment', name: 'checkout', pods: [{ name: 'checkout-eu-1', measured: true }] },
      ],
    });
    expect(us!.metrics.status).toBe('unavailable');
    expect(us!.metrics.message).toMatch(/no metrics API/);
    expect(us!.cpu).toEqual({ request: 0.5, limit: 1 });
  });

  it('reads each cluster once per round, never per request, and keeps the last answer when a read fails', async () => {
    await metrics.poll();
    const calls = () => [...fakes.values()].map((f) => f.metricsCalls);
    expect(calls()).toEqual([1, 1]);
    for (let i = 0; i < 5; i++) await app.inject(path);
    expect(calls()).toEqual([1, 1]);
    fakes.get('eu-1')!.down = true;
    await metrics.poll();
    const eu = ((await app.inject(path)).json() as Body).clusters[0]!;
    expect(eu.metrics.status).toBe('error');
    expect(eu.metrics.message).toMatch(/ECONNREFUSED/);
    expect(eu.cpu.used).toBe(0.25);
  });
});
