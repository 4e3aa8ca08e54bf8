import { WATCHED_KINDS } from '@portolan/core';
import { locateService, type ServiceView } from '@portolan/core/services/index';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { deployment, engineOverFakes, FakeCluster, pod, waitFor } from './fake-client.ts';

const entity = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name },
});

let engine: KubernetesEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  vi.useRealTimers();
});

function setup(names: string[], extra: Record<string, unknown> = {}) {
  const fakes = new Map(names.map((n) => [n, new FakeCluster()]));
  engine = engineOverFakes(fakes, {
    config: { listPageSize: 2, streamDebounceMs: 20, ...extra },
    region: (n) => (n.startsWith('eu') ? 'eu' : 'us'),
    tuning: { backoff: { initialMs: 5, maxMs: 20 }, authRetryMs: 200 },
  });
  return { engine, fakes, fake: (n: string) => fakes.get(n)! };
}

describe('watch engine', () => {
  it('lists with pagination, then follows the watch', async () => {
    const { engine, fake } = setup(['eu-1']);
    const f = fake('eu-1');
    const d = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    for (let i = 0; i < 5; i++) f.put('Pod', pod(`checkout-${i}`, 'pay', d));
    await engine.start();
    await engine.waitForSync();
    const loc = locateService(entity('checkout'));
    expect(engine.view(loc).clusters[0]!.items[0]!.pods).toHaveLength(5);
    f.put('Pod', pod('checkout-5', 'pay', d));
    await waitFor(() => engine.view(loc).clusters[0]!.items[0]!.pods.length === 6);
    const state = engine.clusters()[0]!;
    expect(state).toMatchObject({ cluster: 'eu-1', region: 'eu', status: 'synced', version: 'v1.36.3-fake' });
    expect(state.counts.Pod).toBe(6);
  });

  it('trims objects before caching them', async () => {
    const { engine, fake } = setup(['eu-1']);
    fake('eu-1').put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    await engine.start();
    await engine.waitForSync();
    const [o] = engine.objectsFor(locateService(entity('checkout')));
    expect(JSON.stringify(o?.object)).not.toMatch(/managedFields|last-applied|env/);
    expect(o?.object.metadata?.annotations).toEqual({ keep: 'yes' });
  });

  it('resumes from the last resourceVersion after a dropped connection and marks the cluster stale meanwhile', async () => {
    const { engine, fake } = setup(['eu-1']);
    const f = fake('eu-1');
    const d = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    await engine.start();
    await engine.waitForSync();
    const listsBefore = f.listCalls;
    f.down = true;
    f.dropWatches();
    await waitFor(() => engine.clusters()[0]!.status === 'stale');
    expect(engine.clusters()[0]).toMatchObject({ reason: 'unreachable' });
    // Last known state is kept while stale.
    expect(engine.objectsFor(locateService(entity('checkout')))).toHaveLength(1);
    const rvAtDrop = String(f.rv);
    f.down = false;
    f.put('Pod', pod('p1', 'pay', d));
    await waitFor(() => engine.clusters()[0]!.status === 'synced');
    await waitFor(() => engine.objectsFor(locateService(entity('checkout'))).length === 2);
    expect(f.listCalls).toBe(listsBefore); // no relist: resumed
    expect(f.watchRvs).toContain(rvAtDrop);
  });

  it('relists on 410 Gone and replaces the cache, emitting deletions for objects that vanished', async () => {
    const { engine, fake } = setup(['eu-1']);
    const f = fake('eu-1');
    const d = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    f.put('Pod', pod('p1', 'pay', d));
    await engine.start();
    await engine.waitForSync();
    const loc = locateService(entity('checkout'));
    const views: ServiceView[] = [];
    const unsubscribe = engine.subscribe(loc, (v) => views.push(v));
    // While disconnected, a pod is deleted and history is compacted: resuming must fail with 410.
    f.down = true;
    f.dropWatches();
    await waitFor(() => engine.clusters()[0]!.status === 'stale');
    f.remove('Pod', 'pay', 'p1');
    f.put('Pod', pod('p2', 'pay', d));
    f.compact();
    const lists = f.listCalls;
    f.down = false;
    await waitFor(() => f.listCalls > lists && engine.clusters()[0]!.status === 'synced');
    await waitFor(
      () =>
        views
          .at(-1)
          ?.clusters[0]?.items[0]?.pods.map((p) => p.name)
          .join() === 'p2',
    );
    unsubscribe();
    // Identical to a fresh LIST.
    const cached = engine.cluster('eu-1')!.all('Pod');
    expect([...cached].map((p) => p.metadata?.name)).toEqual(['p2']);
  });

  it('degrades only a forbidden kind, naming the RBAC verbs to grant', async () => {
    const { engine, fake } = setup(['eu-1']);
    fake('eu-1').forbidden.add('horizontalpodautoscalers');
    fake('eu-1').put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    await engine.start();
    await engine.waitForSync();
    const state = engine.clusters()[0]!;
    expect(state.status).toBe('synced');
    expect(state.kinds.HorizontalPodAutoscaler?.status).toBe('forbidden');
    expect(state.kinds.HorizontalPodAutoscaler?.message).toMatch(
      /^cannot list horizontalpodautoscalers\.autoscaling: grant get, list, watch/,
    );
    const view = engine.view(locateService(entity('checkout')));
    expect(view.clusters[0]!.items).toHaveLength(1);
    expect(view.clusters[0]!.errors[0]).toMatchObject({ type: 'forbidden', kind: 'HorizontalPodAutoscaler' });
  });

  it('marks an unauthorized cluster stale and retries slowly, never in a hot loop', async () => {
    vi.useFakeTimers();
    const { engine, fake } = setup(['eu-1']);
    fake('eu-1').unauthorized = true;
    await engine.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.clusters()[0]).toMatchObject({ status: 'stale', reason: 'unauthorized' });
    // One attempt per kind, and no retry within authRetryMs (200 ms here).
    expect(fake('eu-1').listCalls).toBe(WATCHED_KINDS.length);
    await vi.advanceTimersByTimeAsync(199);
    expect(fake('eu-1').listCalls).toBe(WATCHED_KINDS.length);
    fake('eu-1').unauthorized = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(fake('eu-1').listCalls).toBe(2 * WATCHED_KINDS.length);
    expect(engine.clusters()[0]!.status).toBe('synced');
  });

  it('one dead cluster does not hide or delay the others', async () => {
    const { engine, fake } = setup(['eu-1', 'us-1']);
    fake('us-1').down = true;
    fake('eu-1').put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    await engine.start();
    await waitFor(() => engine.clusters().every((c) => c.status !== 'syncing'));
    const view = engine.view(locateService(entity('checkout')));
    expect(view.clusters.map((c) => [c.cluster, c.status, c.items.length])).toEqual([
      ['eu-1', 'synced', 1],
      ['us-1', 'stale', 0],
    ]);
    expect(view.clusters[1]!.errors[0]!.type).toBe('unreachable');
  });

  it('coalesces bursts of changes into one view update per window', async () => {
    const { engine, fake } = setup(['eu-1']);
    const f = fake('eu-1');
    const d = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    f.put('Deployment', deployment('other', 'pay', { app: 'other' }));
    await engine.start();
    await engine.waitForSync();
    // From here the debounce window (20 ms) is measured on fake timers, not the machine's load.
    vi.useFakeTimers();
    const views: ServiceView[] = [];
    engine.subscribe(locateService(entity('checkout')), (v) => views.push(v));
    expect(views).toHaveLength(1);
    for (let i = 0; i < 20; i++) f.put('Pod', pod(`p${i}`, 'pay', d));
    await vi.advanceTimersByTimeAsync(19);
    expect(views).toHaveLength(1);
    // The window closes at 20 ms; the recompute runs on the next turn after it.
    await vi.advanceTimersByTimeAsync(5);
    expect(views).toHaveLength(2);
    expect(views[1]!.clusters[0]!.items[0]!.pods).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(1000);
    expect(views).toHaveLength(2);
    // Changes to another service do not wake this one.
    const other = f.objects.get('Deployment')!.get('pay/other')!;
    f.put('Pod', pod('o1', 'pay', other));
    await vi.advanceTimersByTimeAsync(1000);
    expect(views).toHaveLength(2);
  });

  it('reload adds, removes and restarts clusters without touching unchanged ones', async () => {
    const { engine, fakes } = setup(['eu-1', 'us-1', 'us-2']);
    fakes.set('eu-2', new FakeCluster());
    await engine.start();
    await engine.waitForSync();
    const eu1 = engine.cluster('eu-1');
    const token = { type: 'token' as const, tokenEnv: 'TOKEN' };
    const result = await engine.reload({
      clusters: [
        { name: 'eu-1', url: 'https://eu-1.invalid', auth: token, region: 'eu' },
        { name: 'us-1', url: 'https://us-1-new.invalid', auth: token, region: 'us' },
        { name: 'eu-2', url: 'https://eu-2.invalid', auth: token, region: 'eu' },
      ],
      listPageSize: 2,
      streamDebounceMs: 20,
    });
    expect(result).toEqual({ added: ['eu-2'], removed: ['us-2'], restarted: ['us-1'], unchanged: ['eu-1'] });
    expect(engine.cluster('eu-1')).toBe(eu1);
    await engine.waitForSync();
    expect(engine.clusters().map((c) => [c.cluster, c.status])).toEqual([
      ['eu-1', 'synced'],
      ['eu-2', 'synced'],
      ['us-1', 'synced'],
    ]);
  });

  it('rejects a reload whose config is invalid and keeps the running clusters', async () => {
    const { engine } = setup(['eu-1']);
    await engine.start();
    await expect(
      engine.reload({
        clusters: [{ name: 'x', url: 'https://x.invalid', auth: { type: 'token', tokenEnv: 'MISSING' } }],
      }),
    ).rejects.toThrow(/MISSING is not set/);
    expect(engine.clusters().map((c) => c.cluster)).toEqual(['eu-1']);
  });

  it('streams pod logs only for pods of the service, and merges a workload across clusters', async () => {
    const { engine, fake } = setup(['eu-1', 'us-1']);
    for (const n of ['eu-1', 'us-1']) {
      const d = fake(n).put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
      fake(n).put('Pod', pod(`checkout-${n}`, 'pay', d));
    }
    fake('eu-1').put('Pod', pod('stranger', 'pay', deployment('x', 'pay', {})));
    await engine.start();
    await engine.waitForSync();
    const loc = locateService(entity('checkout'));
    await expect(engine.logs(loc, { cluster: 'eu-1', namespace: 'pay', pod: 'stranger' })).rejects.toThrow(
      /not part of/,
    );
    const stream = await engine.logs(loc, { cluster: 'eu-1', namespace: 'pay', pod: 'checkout-eu-1' });
    expect(await new Response(stream).text()).toContain('line 1');
    const lines = [];
    for await (const l of engine.workloadLogs(loc, { workload: 'Deployment/checkout' })) lines.push(l);
    expect(lines.map((l) => `${l.cluster}|${l.pod}|${l.line}`).sort()).toEqual([
      'eu-1|checkout-eu-1|checkout-eu-1/main: line 1',
      'eu-1|checkout-eu-1|line 2',
      'us-1|checkout-us-1|checkout-us-1/main: line 1',
      'us-1|checkout-us-1|line 2',
    ]);
  });

  it('discovers workloads no entity claims', async () => {
    const { engine, fake } = setup(['eu-1']);
    fake('eu-1').put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    fake('eu-1').put('Deployment', deployment('orphan', 'misc', { 'app.kubernetes.io/name': 'orphan' }));
    await engine.start();
    await engine.waitForSync();
    const found = engine.discover([entity('checkout')]);
    expect(found.map((d) => d.id)).toEqual(['discovered:orphan']);
    const loc = engine.discoveredLocator('discovered:orphan', [entity('checkout')]);
    expect(engine.view(loc).clusters[0]!.items.map((w) => w.name)).toEqual(['orphan']);
  });
});
