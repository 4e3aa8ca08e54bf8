import { describe, expect, it } from 'vitest';
import { clusterGlance, SERVICE_STATE_ORDER, serviceGlance, summaryState } from '../../src/health/glance.ts';
import type { Finding } from '../../src/health/types.ts';
import type {
  ClusterSummary,
  ClusterView,
  ServiceSummary,
  ServiceView,
  WorkloadView,
} from '../../src/services/types.ts';

function workload(name: string, ready: number, desired: number, version = '1.0.0'): WorkloadView {
  return {
    kind: 'Deployment',
    name,
    namespace: 'shop',
    labels: {},
    replicas: { desired, ready, updated: desired, available: ready },
    rollout: { state: 'complete' },
    images: [],
    version,
    pods: [],
    podSummary: {
      total: desired,
      ready,
      running: desired,
      pending: 0,
      failed: 0,
      terminating: 0,
      restarts: 0,
    },
    services: [],
    ingresses: [],
  };
}

function cluster(
  name: string,
  items: WorkloadView[],
  status: 'synced' | 'stale' | 'syncing' = 'synced',
  region = 'eu',
): ClusterView {
  return { cluster: name, region, status, items, errors: [] };
}

function finding(clusterName: string, severity: Finding['severity']): Finding {
  return {
    id: `${clusterName}/${severity}`,
    rule: severity === 'critical' ? 'pod-crash-loop' : 'version-drift',
    severity,
    object: { cluster: clusterName, namespace: 'shop', kind: 'Deployment', name: 'cart' },
    summary: '',
    explanation: '',
    nextSteps: [],
    evidence: {},
  };
}

function view(clusters: ClusterView[]): ServiceView {
  const regions = [...new Set(clusters.map((c) => c.region))].map((region) => ({
    region,
    clusters: clusters.filter((c) => c.region === region).map((c) => c.cluster),
  }));
  return {
    ref: 'component:default/cart',
    name: 'cart',
    generatedAt: '',
    regions,
    clusters,
    versions: [],
    summary: { clusters: 0, workloads: 0, pods: 0, readyPods: 0, drift: false, perCluster: [] },
  };
}

describe('clusterGlance', () => {
  it('calls a cluster with all pods ready and no findings healthy, with its versions', () => {
    const g = clusterGlance(
      cluster('eu-1', [workload('cart', 3, 3, '2.0'), workload('cart-worker', 1, 1, '1.0')]),
      [],
    );
    expect(g).toMatchObject({ state: 'healthy', pods: 4, readyPods: 4, versions: ['1.0', '2.0'] });
  });
  it('calls a cluster with a critical finding failing even when its pods count as ready', () => {
    const g = clusterGlance(cluster('eu-1', [workload('cart', 3, 3)]), [finding('eu-1', 'critical')]);
    expect(g.state).toBe('failing');
    expect(g.reason).toBe('1 critical finding');
  });
  it('does not count findings about another cluster', () => {
    expect(
      clusterGlance(cluster('eu-1', [workload('cart', 3, 3)]), [finding('eu-2', 'critical')]).state,
    ).toBe('healthy');
  });
  it('calls a workload with no ready pod failing, and some unready pods degraded', () => {
    expect(clusterGlance(cluster('eu-1', [workload('cart', 0, 2)]), []).state).toBe('failing');
    const degraded = clusterGlance(cluster('eu-1', [workload('cart', 2, 3)]), []);
    expect(degraded).toMatchObject({ state: 'degraded', reason: '2/3 pods ready' });
  });
  it('keeps stale and syncing apart from the health of what they last showed', () => {
    expect(clusterGlance(cluster('eu-1', [workload('cart', 0, 2)], 'stale'), []).state).toBe('stale');
    expect(clusterGlance(cluster('eu-1', [], 'syncing'), []).state).toBe('syncing');
  });
  it('says not deployed when nothing of the service runs there', () => {
    expect(clusterGlance(cluster('eu-1', []), []).state).toBe('not-deployed');
  });
});

describe('serviceGlance', () => {
  it('is failing when any cluster fails, and counts every state', () => {
    const g = serviceGlance(
      view([
        cluster('eu-1', [workload('cart', 3, 3)]),
        cluster('eu-2', [workload('cart', 3, 3)]),
        cluster('us-1', [workload('cart', 3, 3)], 'synced', 'us'),
        cluster('us-2', [], 'synced', 'us'),
      ]),
      [finding('us-1', 'critical')],
    );
    expect(g.state).toBe('failing');
    expect(g.counts).toMatchObject({ healthy: 2, failing: 1, 'not-deployed': 1 });
    expect(g.regions.map((r) => r.clusters.map((c) => c.state))).toEqual([
      ['healthy', 'healthy'],
      ['failing', 'not-deployed'],
    ]);
    expect(g.reason).toBe('3 clusters: 1 failing, 2 healthy');
  });
  it('is degraded by a stale cluster or a warning about the whole service', () => {
    expect(
      serviceGlance(view([cluster('a', [workload('cart', 1, 1)]), cluster('b', [], 'stale')]), []).state,
    ).toBe('degraded');
    expect(
      serviceGlance(view([cluster('a', [workload('cart', 1, 1)])]), [finding('*', 'warning')]).state,
    ).toBe('degraded');
  });
  it('is healthy only when every running cluster is', () => {
    expect(serviceGlance(view([cluster('a', [workload('cart', 1, 1)]), cluster('b', [])]), []).state).toBe(
      'healthy',
    );
  });
  it('is unknown when it runs nowhere, or no cluster has answered', () => {
    expect(serviceGlance(view([cluster('a', [])]), [])).toMatchObject({
      state: 'unknown',
      reason: 'not deployed in any cluster',
    });
    expect(serviceGlance(view([cluster('a', [], 'syncing')]), []).state).toBe('unknown');
  });
});

describe('summaryState', () => {
  const cluster = (name: string, over: Partial<ClusterSummary> = {}): ClusterSummary => ({
    cluster: name,
    region: 'eu',
    status: 'synced',
    stale: false,
    workloads: 1,
    pods: 3,
    readyPods: 3,
    restarts: 0,
    versions: ['1.0'],
    rolloutStates: ['complete'],
    ...over,
  });
  const summary = (perCluster: ClusterSummary[]): ServiceSummary => ({
    clusters: perCluster.filter((c) => c.workloads > 0).length,
    workloads: perCluster.reduce((n, c) => n + c.workloads, 0),
    pods: perCluster.reduce((n, c) => n + c.pods, 0),
    readyPods: perCluster.reduce((n, c) => n + c.readyPods, 0),
    drift: false,
    perCluster,
  });
  const none = { critical: 0, warning: 0, info: 3 };

  it('is healthy when every pod is ready and nothing worse than info is found', () => {
    expect(summaryState(summary([cluster('a'), cluster('b')]), none)).toEqual({
      state: 'healthy',
      reason: '2 clusters, all pods ready',
    });
  });

  it('ranks a critical finding or a failed rollout as failing, before anything else', () => {
    expect(summaryState(summary([cluster('a')]), { ...none, critical: 2 })).toEqual({
      state: 'failing',
      reason: '2 critical findings',
    });
    expect(summaryState(summary([cluster('a', { rolloutStates: ['failed'] })]), none).state).toBe('failing');
  });

  it('is degraded by a warning, a stale cluster where it runs, or pods not ready', () => {
    expect(summaryState(summary([cluster('a')]), { ...none, warning: 1 }).reason).toBe('1 warning');
    expect(summaryState(summary([cluster('a', { stale: true }), cluster('b')]), none)).toEqual({
      state: 'degraded',
      reason: '1 cluster not answering',
    });
    // A stale cluster where nothing of the service runs does not degrade it.
    expect(
      summaryState(
        summary([cluster('a', { stale: true, workloads: 0, pods: 0, readyPods: 0 }), cluster('b')]),
        none,
      ).state,
    ).toBe('healthy');
    expect(summaryState(summary([cluster('a', { readyPods: 1 })]), none).reason).toBe('1/3 pods ready');
  });

  it('is unknown when it runs nowhere, and the states order worst first', () => {
    expect(summaryState(summary([]), none).state).toBe('unknown');
    const states = ['healthy', 'unknown', 'failing', 'degraded'] as const;
    expect([...states].sort((a, b) => SERVICE_STATE_ORDER[a] - SERVICE_STATE_ORDER[b])).toEqual([
      'failing',
      'degraded',
      'unknown',
      'healthy',
    ]);
  });
});
