import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HorizontalPodAutoscaler, Pod } from '@portolan/core';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { kindFor } from '../src/apiserver/kinds.ts';
import { fleetTopology, startSimFleet } from '../src/index.ts';

describe('fleet topology', () => {
  it('names 14 clusters over 3 regions by default-style input', () => {
    const t = fleetTopology(3, 14);
    expect(t).toHaveLength(14);
    expect(t[0]).toEqual({ name: 'eu-west-1a', region: 'eu-west-1' });
    expect(new Set(t.map((c) => c.region)).size).toBe(3);
    expect(new Set(t.map((c) => c.name)).size).toBe(14);
  });
});

describe('startSimFleet', () => {
  it('generates a deterministic, labelled fleet and writes kubeconfigs and the catalog', {
    timeout: 60_000,
  }, async () => {
    const dirs = [await mkdtemp(join(tmpdir(), 'fleet-a-')), await mkdtemp(join(tmpdir(), 'fleet-b-'))];
    const [a, b] = await Promise.all(
      dirs.map((dir) =>
        startSimFleet({ dir, seed: 7, clusters: 4, regions: 2, scale: 0.05, changeRate: 0, outages: false }),
      ),
    );
    try {
      const summary = (h: typeof a) =>
        h!.fleet.clusters.map((c) => [...c.store.entries(kindFor('Deployment')).keys()].sort().join(','));
      expect(summary(a)).toEqual(summary(b));
      const c = a!.fleet.clusters[0]!;
      const pods = [...c.store.entries(kindFor('Pod')).values()].map((e) => JSON.parse(e.json) as Pod);
      const servicePods = pods.filter((p) => p.metadata?.labels?.['backstage.io/kubernetes-id']);
      expect(servicePods.length).toBeGreaterThan(0);
      for (const p of servicePods) {
        expect(p.metadata!.labels!['app.kubernetes.io/name']).toBe(
          p.metadata!.labels!['backstage.io/kubernetes-id'],
        );
        expect(p.metadata!.labels!['app.kubernetes.io/part-of']).toBeTruthy();
        expect(p.metadata!.ownerReferences?.[0]?.controller).toBe(true);
      }
      // Workloads nobody put in the catalog.
      const names = new Set(a!.fleet.catalog.map((e) => e.metadata.name));
      const uncataloged = pods.filter((p) => {
        const n = p.metadata?.labels?.['app.kubernetes.io/name'];
        return n && !names.has(n) && p.metadata?.labels?.['app.kubernetes.io/part-of'] === 'ops';
      });
      expect(uncataloged.length).toBeGreaterThan(0);
      const hpas = a!.fleet.clusters.flatMap((cl) =>
        [...cl.store.entries(kindFor('HorizontalPodAutoscaler')).values()].map(
          (e) => JSON.parse(e.json) as HorizontalPodAutoscaler,
        ),
      );
      expect(hpas.length).toBeGreaterThan(0);
      expect(hpas[0]!.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization).toBeTypeOf(
        'number',
      );
      for (const kind of [
        'StatefulSet',
        'DaemonSet',
        'Service',
        'PodDisruptionBudget',
        'Node',
        'Namespace',
      ]) {
        expect(
          a!.fleet.clusters.some((cl) => cl.store.entries(kindFor(kind)).size > 0),
          kind,
        ).toBe(true);
      }
      const kubeconfig = parse(await readFile(a!.kubeconfigPath, 'utf8'));
      expect(kubeconfig.contexts.map((x: { name: string }) => x.name)).toEqual(
        a!.clusters.map((x) => x.name),
      );
      expect(kubeconfig.clusters[0].cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(kubeconfig.clusters[0].cluster.extensions[0].extension.region).toBe(a!.clusters[0]!.region);
      const rbac = parse(await readFile(a!.rbacKubeconfigPath, 'utf8'));
      expect(rbac.contexts).toHaveLength(12);
      const root = parse(await readFile(a!.catalogRoot, 'utf8'));
      expect(root.kind).toBe('Location');
    } finally {
      await Promise.all([a!.stop(), b!.stop()]);
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    }
  });

  it('keeps changing at the requested rate', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-rate-'));
    // Started still, on real timers (the API servers listen for real); then the change loop is
    // restarted on a fake clock, so the rate is judged in simulated seconds, not by a busy CPU.
    const h = await startSimFleet({
      dir,
      seed: 3,
      clusters: 2,
      regions: 1,
      scale: 0.02,
      changeRate: 0,
      outages: false,
    });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    try {
      h.fleet.setChangeRate(200);
      const before = h.fleet.changes;
      await vi.advanceTimersByTimeAsync(1000);
      const first = h.fleet.changes - before;
      await vi.advanceTimersByTimeAsync(1000);
      const second = h.fleet.changes - before - first;
      // Each simulated second brings the rate asked for; the few changes the controllers make on
      // their own (real) ticks count towards it rather than add to it.
      for (const perSecond of [first, second]) {
        expect(perSecond).toBeGreaterThanOrEqual(195);
        expect(perSecond).toBeLessThanOrEqual(205);
      }
    } finally {
      h.fleet.setChangeRate(0);
      vi.useRealTimers();
      await h.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
