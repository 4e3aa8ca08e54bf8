// One object of a service through the HTTP API: its YAML as the watch keeps it, the events of it
// and its children, its tree; scoped to the service's own objects, never Secrets.
import type { KubeObject } from '@portolan/core';
import type { CatalogEntity } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { objectRoutes } from '../../src/objects/routes.ts';
import { listServiceCatalog } from '../../src/services/catalog.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { deployment, engineOverFakes, FakeCluster, pod } from '../kubernetes/fake-client.ts';

const component = (name: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner: 'payments', type: 'service', lifecycle: 'production' },
});
const entities = [component('checkout'), component('cart')];
const catalog = listServiceCatalog(entities);

let engine: KubernetesEngine;
let app: FastifyInstance;

beforeEach(async () => {
  const f = new FakeCluster();
  const d = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
  const rs = f.put('ReplicaSet', {
    metadata: {
      name: 'checkout-7d9',
      namespace: 'pay',
      uid: 'rs-1',
      labels: { app: 'checkout' },
      ownerReferences: [{ kind: 'Deployment', name: 'checkout', uid: d.metadata?.uid, controller: true }],
    },
  } as KubeObject);
  const p = f.put('Pod', pod('checkout-7d9-abc', 'pay', rs, { app: 'checkout' }));
  f.put('Service', {
    metadata: { name: 'checkout', namespace: 'pay', uid: 'svc-1', labels: { app: 'checkout' } },
    spec: { selector: { app: 'checkout' } },
  } as KubeObject);
  f.put('Event', {
    metadata: { name: 'ev1', namespace: 'pay', uid: 'ev1' },
    involvedObject: { kind: 'Pod', name: p.metadata?.name, uid: p.metadata?.uid },
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    count: 4,
    lastTimestamp: new Date().toISOString(),
  } as never);
  f.put('Deployment', deployment('cart', 'shop', { app: 'cart' }));
  engine = engineOverFakes(new Map([['eu-1', f]]));
  await engine.start();
  await engine.waitForSync();
  app = Fastify();
  installErrorHandling(app);
  objectRoutes(app, new OpenApiRegistry(), {
    engine,
    resolver: new ServiceResolver({ catalog, discovery: engine }),
  });
});
afterEach(async () => {
  await app.close();
  await engine.stop();
});

const checkout = encodeURIComponent('component:default/checkout');

describe('GET /api/services/:ref/objects/:cluster/:kind/:namespace/:name', () => {
  it('serves a Deployment as the watch keeps it, with its tree and the events of its pods', async () => {
    const res = await app.inject(`/api/services/${checkout}/objects/eu-1/Deployment/pay/checkout`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const yaml = parse(body.yaml);
    expect(yaml).toMatchObject({ kind: 'Deployment', metadata: { name: 'checkout', namespace: 'pay' } });
    // What the watch drops is not there: managed fields, env values, the last-applied annotation.
    expect(body.yaml).not.toContain('managedFields');
    expect(body.yaml).not.toContain('last-applied-configuration');
    expect(yaml.spec.template.spec.containers[0].env).toBeUndefined();
    expect(body.tree).toMatchObject({
      kind: 'Deployment',
      children: [
        { kind: 'ReplicaSet', name: 'checkout-7d9', children: [{ kind: 'Pod', name: 'checkout-7d9-abc' }] },
      ],
    });
    expect(body.events.map((e: { reason: string; count: number }) => [e.reason, e.count])).toEqual([
      ['BackOff', 4],
    ]);
  });

  it('gives a Service its pods, and a pod only its own events', async () => {
    const svc = (await app.inject(`/api/services/${checkout}/objects/eu-1/Service/pay/checkout`)).json();
    expect(svc.tree.children.map((c: { kind: string; name: string }) => `${c.kind}/${c.name}`)).toEqual([
      'Pod/checkout-7d9-abc',
    ]);
    const rs = (
      await app.inject(`/api/services/${checkout}/objects/eu-1/ReplicaSet/pay/checkout-7d9`)
    ).json();
    expect(rs.events).toHaveLength(1);
  });

  it("never reaches another service's objects, an unknown cluster, or a Secret", async () => {
    for (const path of [
      `/api/services/${checkout}/objects/eu-1/Deployment/shop/cart`,
      `/api/services/${checkout}/objects/us-1/Deployment/pay/checkout`,
      `/api/services/${checkout}/objects/eu-1/Secret/pay/checkout`,
    ]) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.name).toBe('NotFoundError');
    }
    const secret = await app.inject(`/api/services/${checkout}/objects/eu-1/Secret/pay/checkout`);
    expect(secret.json().error.message).toMatch(/never Secrets/);
  });
});
