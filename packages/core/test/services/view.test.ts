import { describe, expect, it } from 'vitest';
import type { Deployment, KubeObject, Pod } from '../../src/k8s/types.ts';
import { discoveredLocator, discoverServices, suggestCatalogInfo } from '../../src/services/discovery.ts';
import type { ServiceObject } from '../../src/services/objects.ts';
import type { ClusterState } from '../../src/services/types.ts';
import { buildServiceView, imageVersion, limitPods, podView } from '../../src/services/view.ts';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function state(name: string, region: string | undefined, extra: Partial<ClusterState> = {}): ClusterState {
  return { cluster: name, ...(region ? { region } : {}), status: 'synced', counts: {}, kinds: {}, ...extra };
}

function deployment(uid: string, image: string, status: Deployment['status'] = {}): ServiceObject {
  const object: Deployment = {
    metadata: { name: 'checkout', namespace: 'pay', uid, generation: 2, labels: { app: 'checkout' } },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: { containers: [{ name: 'main', image }] },
      },
    },
    status: {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      ...status,
    },
  };
  return { kind: 'Deployment', object };
}
function rs(uid: string, owner: string): ServiceObject {
  return {
    kind: 'ReplicaSet',
    object: {
      metadata: {
        name: `rs-${uid}`,
        namespace: 'pay',
        uid,
        ownerReferences: [{ uid: owner, controller: true }],
      },
    },
  };
}
function pod(name: string, owner: string, ready = true, restarts = 0): ServiceObject {
  const object: Pod = {
    metadata: {
      name,
      namespace: 'pay',
      uid: `u-${name}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ownerReferences: [{ uid: owner, controller: true }],
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'reg/checkout:1.2.0' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'main',
          ready,
          restartCount: restarts,
          state: ready ? { running: {} } : { waiting: { reason: 'CrashLoopBackOff' } },
        },
      ],
    },
  };
  return { kind: 'Pod', object };
}

describe('imageVersion', () => {
  it.each([
    ['nginx', 'latest'],
    ['nginx:1.25', '1.25'],
    ['registry:5000/team/app', 'latest'],
    ['registry:5000/team/app:v2', 'v2'],
    ['app@sha256:0123456789abcdef0123', '@0123456789ab'],
    ['app:v3@sha256:0123456789abcdef', 'v3'],
  ])('%s -> %s', (image, version) => expect(imageVersion(image)).toBe(version));
});

describe('podView', () => {
  it('reports phase, readiness, restarts, node, age and the waiting reason', () => {
    const view = podView(pod('p', 'x', false, 4).object as Pod, NOW);
    expect(view).toMatchObject({
      phase: 'Running',
      ready: false,
      readyContainers: '0/1',
      restarts: 4,
      node: 'node-1',
      ageSeconds: 600,
      reason: 'CrashLoopBackOff',
    });
  });
});

describe('buildServiceView', () => {
  const view = buildServiceView({
    ref: 'component:default/checkout',
    name: 'checkout',
    now: NOW,
    clusters: [
      {
        state: state('us-east-1', 'us'),
        objects: [
          deployment('d2', 'reg/checkout:1.3.0', { updatedReplicas: 1 }),
          rs('r2', 'd2'),
          pod('b', 'r2'),
        ],
      },
      {
        state: state('eu-west-1', 'eu'),
        objects: [
          deployment('d1', 'reg/checkout:1.2.0'),
          rs('r1', 'd1'),
          pod('a2', 'r1'),
          pod('a1', 'r1', false, 3),
        ],
      },
      {
        state: state('eu-west-2', 'eu', {
          status: 'stale',
          reason: 'unreachable',
          message: 'connect ECONNREFUSED',
        }),
        objects: [],
      },
      {
        state: state('asia-1', undefined, {
          kinds: { HorizontalPodAutoscaler: { status: 'forbidden', count: 0, message: 'cannot list' } },
        }),
        objects: [],
      },
    ],
  });
  it('groups per region then cluster, sorted, unknown region last', () => {
    expect(view.regions.map((r) => [r.region, r.clusters])).toEqual([
      ['eu', ['eu-west-1', 'eu-west-2']],
      ['us', ['us-east-1']],
      ['unknown', ['asia-1']],
    ]);
  });
  it('attaches pods to workloads through their ReplicaSets', () => {
    const eu = view.clusters.find((c) => c.cluster === 'eu-west-1')!;
    expect(eu.items).toHaveLength(1);
    expect(eu.items[0]!.pods.map((p) => p.name)).toEqual(['a1', 'a2']);
    expect(eu.items[0]!.replicas).toEqual({ desired: 2, ready: 2, updated: 2, available: 2 });
    expect(eu.items[0]!.rollout.state).toBe('complete');
  });
  it('reports rollouts in progress', () => {
    const us = view.clusters.find((c) => c.cluster === 'us-east-1')!;
    expect(us.items[0]!.rollout).toEqual({ state: 'progressing', message: '1 of 2 replicas updated' });
  });
  it('computes version drift across clusters', () => {
    expect(view.versions).toEqual([
      {
        workload: 'checkout',
        kind: 'Deployment',
        drift: true,
        versions: [
          { version: '1.2.0', clusters: ['eu-west-1'] },
          { version: '1.3.0', clusters: ['us-east-1'] },
        ],
      },
    ]);
    expect(view.summary.drift).toBe(true);
  });
  it('keeps stale and degraded clusters with their errors', () => {
    const stale = view.clusters.find((c) => c.cluster === 'eu-west-2')!;
    expect(stale.errors).toEqual([{ type: 'unreachable', message: 'connect ECONNREFUSED' }]);
    const asia = view.clusters.find((c) => c.cluster === 'asia-1')!;
    expect(asia.errors).toEqual([
      { type: 'forbidden', kind: 'HorizontalPodAutoscaler', message: 'cannot list' },
    ]);
  });
  it('summarises per cluster', () => {
    expect(view.summary).toMatchObject({ clusters: 2, workloads: 2, pods: 3, readyPods: 2 });
  });
});

describe('discovery', () => {
  const w = (cluster: string, name: string, labels: Record<string, string>) => ({
    cluster,
    kind: 'Deployment' as const,
    object: {
      metadata: { name, namespace: 'ns', labels },
      spec: { template: { metadata: { labels } } },
    } as KubeObject,
  });
  it('groups by the first service label and merges equal values', () => {
    const found = discoverServices([
      w('a', 'web', { 'app.kubernetes.io/name': 'web', team: 'x' }),
      w('b', 'web', { app: 'web', team: 'x' }),
      w('a', 'lonely', {}),
    ]);
    expect(found.map((d) => [d.id, d.groupedBy.label, d.clusters])).toEqual([
      ['discovered:lonely', 'name', ['a']],
      ['discovered:web', 'app.kubernetes.io/name', ['a', 'b']],
    ]);
    expect(found[1]!.labels).toEqual({ team: 'x' });
  });
  it('suggests a catalog-info.yaml that quotes untrusted values', () => {
    const [svc] = discoverServices([w('a', 'evil', { app: 'x: y\n<b>' as string })]);
    const yaml = suggestCatalogInfo(svc!);
    expect(yaml).toContain('kind: Component');
    expect(yaml).toContain('name: x-y-b');
    expect(yaml).toContain('backstage.io/kubernetes-label-selector');
    expect(yaml).not.toMatch(/^<b>/m);
  });
  it('builds a locator for a discovered service', () => {
    const [svc] = discoverServices([w('a', 'web', { app: 'web' })]);
    const loc = discoveredLocator(svc!);
    expect(loc.source).toBe('discovered');
    expect(loc.namespaces).toEqual(['ns']);
  });
});

describe('limitPods', () => {
  it('keeps the pods needing attention first, counts the rest', () => {
    const pods = ['a', 'b', 'c', 'd'].map((n, i) =>
      podView(pod(n, 'x', i !== 2, i === 3 ? 1 : 0).object as Pod, NOW),
    );
    const { pods: kept, omitted } = limitPods(pods, 2);
    expect(kept.map((p) => p.name)).toEqual(['c', 'd']);
    expect(omitted).toBe(2);
    expect(limitPods(pods, undefined).pods).toHaveLength(4);
  });
  it('summaries count every pod even when the list is cut', () => {
    const objects = [
      deployment('d1', 'reg/checkout:1.2.0'),
      rs('r1', 'd1'),
      pod('a', 'r1'),
      pod('b', 'r1'),
      pod('c', 'r1', false),
    ];
    const view = buildServiceView({
      ref: 'r',
      name: 'n',
      now: NOW,
      maxPodsPerWorkload: 1,
      clusters: [{ state: state('c1', 'eu'), objects }],
    });
    const w = view.clusters[0]!.items[0]!;
    expect(w.pods.map((p) => p.name)).toEqual(['c']);
    expect(w.podsOmitted).toBe(2);
    expect(w.podSummary).toMatchObject({ total: 3, ready: 2 });
    expect(view.summary).toMatchObject({ pods: 3, readyPods: 2 });
  });
  it('of thousands of pods in any order, keeps those needing attention, then the first by name', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `p-${String(i).padStart(4, '0')}`);
    // A fixed shuffle: pods arrive from the watch in no particular order.
    const shuffled = names.map((n, i) => ({ n, k: (i * 7919) % 3001 })).sort((a, b) => a.k - b.k);
    const failing = new Set(['p-2999', 'p-1500', 'p-0007']);
    const objects = [
      deployment('d1', 'reg/checkout:1.2.0'),
      rs('r1', 'd1'),
      ...shuffled.map(({ n }) => pod(n, 'r1', !failing.has(n))),
    ];
    const cut = (max: number) =>
      buildServiceView({
        ref: 'r',
        name: 'n',
        now: NOW,
        maxPodsPerWorkload: max,
        clusters: [{ state: state('c1', 'eu'), objects }],
      }).clusters[0]!.items[0]!;
    const w = cut(6);
    expect(w.pods.map((p) => p.name)).toEqual(['p-0000', 'p-0001', 'p-0002', 'p-0007', 'p-1500', 'p-2999']);
    expect(w.podsOmitted).toBe(2994);
    expect(w.podSummary).toMatchObject({ total: 3000, ready: 2997 });
    expect(cut(2).pods.map((p) => p.name)).toEqual(['p-0007', 'p-1500']);
  });
});
