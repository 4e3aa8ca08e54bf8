import { locateService } from '@portolan/core/services/index';
// Faults are normal: on the real fleet, an apiserver killed mid-watch and started again (stale
// with its last state kept, then resumed and identical to a fresh LIST), a token the apiserver
// rejects, a ClusterRole missing one kind, an unreachable URL at start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesEngine } from '../../packages/server/src/kubernetes/engine.ts';
import {
  apiserverRunning,
  appsApi,
  killApiserver,
  mergePatch,
  startApiserver,
  waitFor,
} from '../cluster/helpers.ts';
import {
  COMPARED_KINDS,
  cleanup,
  deployCheckout,
  entity,
  fleetEngine,
  freshList,
  namespace,
  objectId,
  requireFleet,
  serviceName,
} from './kubernetes-support.ts';

const clusters = requireFleet();
const engines: KubernetesEngine[] = [];
const track = (e: KubernetesEngine) => {
  engines.push(e);
  return e;
};

beforeAll(async () => {
  await deployCheckout(clusters);
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  for (const c of clusters) if (!apiserverRunning(c)) await startApiserver(c);
  await cleanup(clusters);
});

describe('watch engine faults on the real fleet', () => {
  it('marks an unauthorized token stale (unauthorized) without hammering the apiserver', async () => {
    const engine = track(fleetEngine(['asia-1'], { suffix: '-badtoken', authRetryMs: 60_000 }));
    await engine.start();
    await waitFor(
      'unauthorized',
      async () => (engine.clusters()[0]?.reason === 'unauthorized' ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    expect(engine.clusters()[0]).toMatchObject({ status: 'stale', reason: 'unauthorized' });
  });

  it('degrades only the kind a ClusterRole lacks, naming the verbs to grant', async () => {
    const engine = track(fleetEngine(['eu-west-1'], { suffix: '-portolan-limited' }));
    await engine.start();
    await engine.waitForSync(30_000);
    const state = engine.clusters()[0]!;
    expect(state.status).toBe('synced');
    expect(state.kinds.HorizontalPodAutoscaler?.status).toBe('forbidden');
    expect(state.kinds.HorizontalPodAutoscaler?.message).toMatch(
      /^cannot list horizontalpodautoscalers\.autoscaling: grant get, list, watch/,
    );
    expect(state.kinds.Deployment?.status).toBe('synced');
    const view = engine.view(locateService(entity(serviceName)));
    expect(view.clusters[0]!.items.map((w) => w.name)).toEqual([serviceName]);
    expect(view.clusters[0]!.errors).toEqual([
      expect.objectContaining({ type: 'forbidden', kind: 'HorizontalPodAutoscaler' }),
    ]);
  });

  it('starts with an unreachable URL: that cluster is stale (unreachable), the others sync', async () => {
    const engine = track(
      fleetEngine(['eu-west-1'], {
        extra: [
          { name: 'nowhere', url: 'https://127.0.0.1:9', auth: { type: 'token', tokenEnv: 'NOWHERE' } },
        ],
        env: { NOWHERE: 'x' },
      }),
    );
    await engine.start();
    await engine.waitForSync(30_000);
    const byName = Object.fromEntries(engine.clusters().map((c) => [c.cluster, c]));
    expect(byName['eu-west-1']?.status).toBe('synced');
    expect(byName.nowhere).toMatchObject({ status: 'stale', reason: 'unreachable' });
    expect(byName.nowhere?.message).toMatch(/ECONNREFUSED|127\.0\.0\.1:9/);
  });

  it('survives an apiserver killed mid-watch: stale with last state, then resumed and identical to a fresh LIST', async () => {
    const victim = 'us-east-1';
    const engine = track(fleetEngine(clusters));
    await engine.start();
    await engine.waitForSync(30_000);
    const locator = locateService(entity(serviceName));
    await waitFor('2 pods cached', async () =>
      engine.objectsFor(locator).filter((o) => o.cluster === victim && o.kind === 'Pod').length === 2
        ? true
        : undefined,
    );
    const before = engine.objectsFor(locator).filter((o) => o.cluster === victim).length;

    await killApiserver(victim);
    try {
      await waitFor(
        'victim stale',
        async () =>
          engine.clusters().find((c) => c.cluster === victim)?.status === 'stale' ? true : undefined,
        { timeoutMs: 30_000 },
      );
      const stale = engine.clusters().find((c) => c.cluster === victim)!;
      expect(stale.reason).toBe('unreachable');
      expect(stale.since).toBeDefined();
      // The last known state is kept and still shown, marked stale; the other clusters are unaffected.
      const view = engine.view(locator);
      const c = view.clusters.find((x) => x.cluster === victim)!;
      expect(c.status).toBe('stale');
      expect(c.items[0]?.pods).toHaveLength(2);
      expect(engine.objectsFor(locator).filter((o) => o.cluster === victim)).toHaveLength(before);
      expect(view.clusters.find((x) => x.cluster === 'eu-west-1')!.status).toBe('synced');
    } finally {
      await startApiserver(victim);
    }
    await waitFor(
      'victim synced again',
      async () =>
        engine.clusters().find((c) => c.cluster === victim)?.status === 'synced' ? true : undefined,
      { timeoutMs: 60_000 },
    );
    // A change made after the restart arrives through the resumed watch.
    await appsApi(victim).patchNamespacedDeploymentScale(
      { name: serviceName, namespace, body: { spec: { replicas: 3 } } },
      mergePatch,
    );
    await waitFor(
      '3 pods after the restart',
      async () =>
        engine
          .objectsFor(locator)
          .filter((o) => o.cluster === victim && o.kind === 'Pod' && !o.object.metadata?.deletionTimestamp)
          .length === 3
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
    // Nothing lost, nothing duplicated: every kind's cache equals a fresh LIST (retrying while
    // controllers are still writing).
    const watcher = engine.cluster(victim)!;
    for (const kind of COMPARED_KINDS) {
      await waitFor(
        `${kind} cache equals a fresh LIST`,
        async () => {
          const cached = [...watcher.all(kind)].map(objectId).sort();
          const listed = await freshList(victim, kind);
          return JSON.stringify(cached) === JSON.stringify(listed) ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
    }
  });
});
