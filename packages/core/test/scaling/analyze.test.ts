import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler } from '../../src/k8s/types.ts';
import { analyzeHpa, analyzeScaling } from '../../src/scaling/analyze.ts';

/** An autoscaling/v2 HPA with one metric of every type, as `kubectl get hpa -o json` prints it. */
function fullHpa(current = 8, max = 10): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } },
        },
        {
          type: 'ContainerResource',
          containerResource: {
            name: 'cpu',
            container: 'app',
            target: { type: 'Utilization', averageUtilization: 60 },
          },
        },
        {
          type: 'Pods',
          pods: {
            metric: { name: 'http_requests_per_second' },
            target: { type: 'AverageValue', averageValue: '100' },
          },
        },
        {
          type: 'Object',
          object: {
            metric: { name: 'requests-per-second' },
            describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'shop' },
            target: { type: 'Value', value: '10k' },
          },
        },
        {
          type: 'External',
          external: {
            metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'orders' } } },
            target: { type: 'AverageValue', averageValue: '30' },
          },
        },
      ],
    },
    status: {
      currentReplicas: current,
      desiredReplicas: current,
      currentMetrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageUtilization: 84, averageValue: '420m' } },
        },
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '512Mi' } } },
        {
          type: 'ContainerResource',
          containerResource: {
            name: 'cpu',
            container: 'app',
            current: { averageUtilization: 30, averageValue: '150m' },
          },
        },
        {
          type: 'Pods',
          pods: { metric: { name: 'http_requests_per_second' }, current: { averageValue: '150500m' } },
        },
        {
          type: 'Object',
          object: {
            metric: { name: 'requests-per-second' },
            describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'shop' },
            current: { value: '12k' },
          },
        },
        // External metric missing from status: the adapter did not answer.
      ],
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
        { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' },
      ],
    },
  };
}

describe('analyzeHpa', () => {
  it('reads min/max/current/desired, headroom and every metric type', () => {
    const a = analyzeHpa('eu-1', fullHpa());
    expect(a).toMatchObject({
      cluster: 'eu-1',
      namespace: 'shop',
      name: 'web',
      target: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 2,
      maxReplicas: 10,
      currentReplicas: 8,
      desiredReplicas: 8,
      observed: true,
      headroomReplicas: 2,
      headroomPercent: 20,
      atMax: false,
      nearMax: false,
      cpuUtilization: 84,
      ableToScale: { status: 'True', reason: 'ReadyForNewScale' },
    });
    const byName = Object.fromEntries(a.metrics.map((m) => [`${m.type}/${m.name}`, m]));
    expect(byName['Resource/cpu']).toMatchObject({
      targetType: 'Utilization',
      target: 70,
      current: 84,
      aboveTarget: true,
    });
    expect(byName['Resource/cpu']?.ratio).toBeCloseTo(1.2);
    expect(byName['Resource/memory']).toMatchObject({
      targetText: '1Gi',
      currentText: '512Mi',
      ratio: 0.5,
      aboveTarget: false,
    });
    expect(byName['ContainerResource/cpu']).toMatchObject({
      container: 'app',
      target: 60,
      current: 30,
      ratio: 0.5,
    });
    expect(byName['Pods/http_requests_per_second']).toMatchObject({
      target: 100,
      current: 150.5,
      aboveTarget: true,
    });
    expect(byName['Object/requests-per-second']).toMatchObject({
      describedObject: 'Ingress/shop',
      target: 10_000,
      current: 12_000,
    });
    expect(byName['External/queue_messages_ready']).toMatchObject({ target: 30, aboveTarget: false });
    expect(byName['External/queue_messages_ready']?.current).toBeUndefined();
    expect(a.loadPercent).toBe(150.5);
  });

  it.each([
    [10, 10, { atMax: true, nearMax: false, headroomReplicas: 0, headroomPercent: 0 }],
    [9, 10, { atMax: false, nearMax: true, headroomReplicas: 1, headroomPercent: 10 }],
    [8, 10, { atMax: false, nearMax: false }],
    [45, 50, { nearMax: true }],
    [44, 50, { nearMax: false }],
    [3, 3, { atMax: true }],
  ])('current %i of max %i', (current, max, expected) => {
    expect(analyzeHpa('c', fullHpa(current, max))).toMatchObject(expected);
  });

  it('copes with an HPA that has no status yet and with autoscaling/v1-style gaps', () => {
    const a = analyzeHpa('c', { metadata: { name: 'new' }, spec: { maxReplicas: 5 } });
    expect(a).toMatchObject({
      minReplicas: 1,
      maxReplicas: 5,
      currentReplicas: 0,
      observed: false,
      metrics: [],
      headroomReplicas: 5,
    });
    expect(a.loadPercent).toBeUndefined();
    expect(() => analyzeHpa('c', {})).not.toThrow();
  });
});

describe('analyzeScaling', () => {
  const at = (cluster: string, current: number, max: number, cpu: number) => {
    const h = fullHpa(current, max);
    h.spec!.metrics = [h.spec!.metrics![0]!];
    h.status!.currentMetrics = [
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } },
    ];
    return { cluster, object: h };
  };

  it('spreads replicas and load across clusters and names the busiest and the one near its limit', () => {
    const [w, ...rest] = analyzeScaling([
      at('eu-1', 12, 30, 65),
      at('us-1', 28, 30, 91),
      at('ap-1', 4, 30, 40),
    ]);
    expect(rest).toEqual([]);
    expect(w).toMatchObject({
      namespace: 'shop',
      target: { kind: 'Deployment', name: 'web' },
      totalCurrent: 44,
      totalMax: 90,
      headroomReplicas: 46,
      busiestCluster: 'us-1',
      hottestCluster: 'us-1',
      nearLimit: ['us-1'],
      atLimit: [],
      replicas: { min: 4, max: 28 },
      cpuUtilization: { min: 40, max: 91 },
    });
    expect(w?.clusters.map((c) => [c.cluster, c.replicaShare])).toEqual([
      ['ap-1', 9.1],
      ['eu-1', 27.3],
      ['us-1', 63.6],
    ]);
  });

  it('groups by scale target and puts workloads at their limits first', () => {
    const other = fullHpa(10, 10);
    other.metadata = { name: 'api', namespace: 'shop' };
    other.spec!.scaleTargetRef = { kind: 'Deployment', name: 'api' };
    const result = analyzeScaling([
      at('eu-1', 3, 10, 50),
      { cluster: 'eu-1', object: other },
      at('us-1', 4, 10, 50),
    ]);
    expect(result.map((w) => [w.target.name, w.clusters.length, w.atLimit])).toEqual([
      ['api', 1, ['eu-1']],
      ['web', 2, []],
    ]);
  });

  it('handles no HPAs and empty objects', () => {
    expect(analyzeScaling([])).toEqual([]);
    expect(analyzeScaling([{ cluster: 'c', object: {} }])).toHaveLength(1);
  });

  it('flags max replicas and metric targets that differ across clusters, and says nothing when they agree', () => {
    const same = analyzeScaling([at('eu-1', 3, 10, 50), at('us-1', 4, 10, 50)]);
    expect(same[0]?.differences).toEqual([]);
    const lowTarget = at('ap-1', 4, 20, 50);
    lowTarget.object.spec!.metrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } },
      },
    ];
    const [w] = analyzeScaling([at('eu-1', 3, 10, 50), at('us-1', 4, 10, 50), lowTarget]);
    expect(w?.differences).toEqual([
      {
        setting: 'maxReplicas',
        values: [
          { value: '10', clusters: ['eu-1', 'us-1'] },
          { value: '20', clusters: ['ap-1'] },
        ],
      },
      {
        setting: 'target',
        metric: 'cpu',
        values: [
          { value: '70%', clusters: ['eu-1', 'us-1'] },
          { value: '50%', clusters: ['ap-1'] },
        ],
      },
      {
        setting: 'target',
        metric: 'memory',
        values: [
          { value: 'none', clusters: ['eu-1', 'us-1'] },
          { value: '1Gi', clusters: ['ap-1'] },
        ],
      },
    ]);
  });
});
