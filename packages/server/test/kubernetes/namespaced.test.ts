// Namespaced mode over fake clusters that refuse cluster-wide reads: one LIST+WATCH per kind and
// namespace, views unchanged, the catalog's namespaces followed, every refused verb named.
import { KIND_INFO, WATCHED_KINDS } from '@portolan/core';
import { type CatalogEntity, locateService, type WatchNamespaces } from '@portolan/core/services/index';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { ResourceMetrics } from '../../src/usage/metrics.ts';
import { deployment, engineOverFakes, FakeCluster, pod, waitFor } from './fake-client.ts';

const entity = (name: string, namespace?: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    ...(namespace ? { annotations: { 'backstage.io/kubernetes-namespace': namespace } } : {}),
  },
  spec: {},
});

let engine: KubernetesEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

/** One fake cluster that grants only Roles, holding checkout in payments and search in search. */
function setup(namespaces: WatchNamespaces) {
  const fake = new FakeCluster();
  fake.clusterWideForbidden = true;
  const checkout = fake.put('Deployment', deployment('checkout', 'payments', { app: 'checkout' }));
  fake.put('Pod', pod('checkout-1', 'payments', checkout, { app: 'checkout' }));
  const search = fake.put('Deployment', deployment('search', 'search', { app: 'search' }));
  fake.put('Pod', pod('search-1', 'search', search, { app: 'search' }));
  engine = engineOverFakes(new Map([['eu-1', fake]]), {
    namespaces: () => namespaces,
    tuning: { backoff: { initialMs: 5, maxMs: 20 }, authRetryMs: 50 },
  });
  return { engine, fake };
}

describe('namespaced mode', () => {
  it('lists and watches each kind in each configured namespace only, and the views work', async () => {
    const { engine, fake } = setup(['payments']);
    await engine.start();
    expect(await engine.waitForSync(3000)).toBe(true);
    expect(fake.requests.filter((r) => r.endsWith(' *'))).toEqual([]);
    expect(new Set(fake.requests.map((r) => r.split(' ').slice(0, 2).join(' ')))).toEqual(
      new Set(WATCHED_KINDS.flatMap((k) => [`list ${KIND_INFO[k].plural}`, `watch ${KIND_INFO[k].plural}`])),
    );
    const state = engine.clusters()[0]!;
    expect(state).toMatchObject({
      status: 'synced',
      scope: { mode: 'namespaced', source: 'config', namespaces: ['payments'] },
    });
    expect(state.missingPermissions).toBeUndefined();
    const view = engine.view(locateService(entity('checkout', 'payments')));
    expect(view.clusters[0]!.items.map((w) => [w.name, w.pods.map((p) => p.name)])).toEqual([
      ['checkout', ['checkout-1']],
    ]);
    // search lives in a namespace not watched: nothing of it is cached.
    expect(engine.objectsFor(locateService(entity('search')))).toEqual([]);
    // Changes in the watched namespace arrive; those elsewhere are not asked for.
    fake.put('Pod', pod('checkout-2', 'payments', fake.objects.get('Deployment')!.get('payments/checkout')!));
    await waitFor(() => engine.clusters()[0]!.counts.Pod === 2);
  });

  it('follows the catalog: watches the namespaces its services name, starts and stops as they change', async () => {
    const { engine, fake } = setup('catalog');
    await engine.start();
    // Before the catalog is known there is nothing to watch, and the status says why.
    expect(engine.clusters()[0]).toMatchObject({
      status: 'syncing',
      scope: {
        mode: 'namespaced',
        source: 'catalog',
        message: expect.stringMatching(/waiting for the catalog/),
      },
    });
    expect(fake.requests).toEqual([]);
    expect(engine.watchesCatalog).toBe(true);

    await engine.watchCatalog([entity('checkout', 'payments'), entity('loose')]);
    expect(await engine.waitForSync(3000)).toBe(true);
    let state = engine.clusters()[0]!;
    expect(state.scope).toMatchObject({ namespaces: ['payments'] });
    expect(state.scope?.message).toMatch(
      /^1 catalog service\(s\) name no namespace .*component:default\/loose/,
    );
    expect(state.counts.Deployment).toBe(1);

    const searchLoc = locateService(entity('search', 'search'));
    // A namespace added later loads without turning the whole cluster back to syncing.
    const seen = new Set<string>();
    const off = engine.onClusterState(() => {
      const s = engine!.clusters()[0]!;
      seen.add(`${s.status}: ${s.scope?.message ?? ''}`);
    });
    await engine.watchCatalog([entity('checkout', 'payments'), entity('search', 'search')]);
    await waitFor(() => engine.clusters()[0]!.counts.Deployment === 2);
    off();
    expect(seen).toContain('synced: loading namespace(s) added since: search');
    expect([...seen].filter((s) => !s.startsWith('synced'))).toEqual([]);
    await waitFor(() => engine.view(searchLoc).clusters[0]!.items.length === 1);
    state = engine.clusters()[0]!;
    expect(state.scope).toEqual({
      mode: 'namespaced',
      source: 'catalog',
      namespaces: ['payments', 'search'],
    });
    expect(state.counts.Deployment).toBe(2);

    // payments leaves the catalog: its reflectors stop and its objects leave the caches.
    const watchesBefore = fake.watchers.size;
    await engine.watchCatalog([entity('search', 'search')]);
    expect(engine.clusters()[0]!.counts).toMatchObject({ Deployment: 1, Pod: 1 });
    expect(engine.objectsFor(locateService(entity('checkout', 'payments')))).toEqual([]);
    expect(fake.watchers.size).toBe(watchesBefore - WATCHED_KINDS.length);
    expect(fake.requests.filter((r) => r.endsWith(' *'))).toEqual([]);
  });

  it('says so when the catalog names no namespace at all', async () => {
    const { engine } = setup('catalog');
    await engine.start();
    await engine.watchCatalog([entity('loose')]);
    expect(engine.clusters()[0]).toMatchObject({
      status: 'synced',
      scope: { namespaces: [], message: expect.stringMatching(/no catalog service names a namespace/) },
    });
  });

  it('names each refused verb by kind, verb and namespace, and keeps the rest working', async () => {
    const { engine, fake } = setup(['payments', 'search']);
    fake.denied.add('watch pods payments');
    fake.denied.add('list deployments search');
    await engine.start();
    await waitFor(() => (engine.clusters()[0]!.missingPermissions?.length ?? 0) === 2);
    const state = engine.clusters()[0]!;
    expect(state.status).toBe('synced');
    expect(state.missingPermissions).toEqual([
      {
        kind: 'Deployment',
        resource: 'deployments.apps',
        verb: 'list',
        namespace: 'search',
        message: expect.stringMatching(
          /^cannot list deployments\.apps in namespace search: grant list, watch on deployments\.apps in namespace search/,
        ),
      },
      {
        kind: 'Pod',
        resource: 'pods',
        verb: 'watch',
        namespace: 'payments',
        message: expect.stringMatching(/^cannot watch pods in namespace payments: grant list, watch on pods/),
      },
    ]);
    expect(state.kinds.Pod).toMatchObject({ status: 'forbidden' });
    expect(state.kinds.Service).toMatchObject({ status: 'synced' });
    // The watch stays refused across retries: reported as watch, never flapping to synced. Waits
    // until each refused request was retried (asked twice more: the first of those was refused
    // and handled before the second was sent) rather than for a span of wall time.
    const asked = (request: string) => fake.requests.filter((r) => r === request).length;
    const [watches, lists] = [asked('watch pods payments'), asked('list deployments search')];
    await waitFor(
      () => asked('watch pods payments') >= watches + 2 && asked('list deployments search') >= lists + 2,
    );
    expect(
      engine.clusters()[0]!.missingPermissions?.map((m) => `${m.verb} ${m.resource} ${m.namespace}`),
    ).toEqual(['list deployments.apps search', 'watch pods payments']);
    // Granted again: the next retry heals it.
    fake.denied.clear();
    await waitFor(() => engine.clusters()[0]!.missingPermissions === undefined, 3000);
    expect(engine.clusters()[0]!.kinds.Pod?.status).toBe('synced');
  });
});

describe('cluster-wide mode on a cluster that refuses it', () => {
  it('is stale (forbidden) and points to namespaced mode', async () => {
    const { engine } = setup('all');
    await engine.start();
    await waitFor(() => engine.clusters()[0]!.status === 'stale');
    const state = engine.clusters()[0]!;
    expect(state).toMatchObject({ reason: 'forbidden', scope: { mode: 'cluster' } });
    expect(state.message).toMatch(
      /every kind is forbidden cluster-wide: .* set `namespaces: catalog` on this cluster/,
    );
    expect(state.missingPermissions).toHaveLength(WATCHED_KINDS.length);
    expect(state.missingPermissions?.[0]).toMatchObject({ verb: 'list' });
    expect(state.missingPermissions?.[0]).not.toHaveProperty('namespace');
    expect(state.kinds.Pod?.message).toMatch(
      /^cannot list pods: grant get, list, watch on pods.*namespaced mode/,
    );
  });
});

describe('pod metrics in namespaced mode', () => {
  it('are read per watched namespace, never cluster-wide', async () => {
    const { engine, fake } = setup(['payments']);
    fake.metrics = [
      {
        metadata: { name: 'checkout-1', namespace: 'payments' },
        containers: [{ name: 'main', usage: { cpu: '10m' } }],
      },
      {
        metadata: { name: 'search-1', namespace: 'search' },
        containers: [{ name: 'main', usage: { cpu: '20m' } }],
      },
    ];
    await engine.start();
    await engine.waitForSync(3000);
    const metrics = new ResourceMetrics({ engine });
    await metrics.poll();
    const read = metrics.metricsOf('eu-1');
    expect(read.status).toBe('ok');
    expect(read.status === 'ok' && read.pods.map((p) => p.metadata?.name)).toEqual(['checkout-1']);
  });
});
