import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../../src/k8s/types.ts';
import { rulesOf, run, tag } from './fixtures.ts';

const cpuSpec: MetricSpec = {
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
};
const cpuAt = (u: number): MetricStatus => ({
  type: 'Resource',
  resource: { name: 'cpu', current: { averageUtilization: u, averageValue: `${u * 5}m` } },
});

const ok = [
  {
    type: 'AbleToScale',
    status: 'True',
    reason: 'ReadyForNewScale',
    message: 'recommended size matches current size',
  },
  {
    type: 'ScalingActive',
    status: 'True',
    reason: 'ValidMetricFound',
    message:
      'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
  },
  {
    type: 'ScalingLimited',
    status: 'False',
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  },
];

function hpa(o: {
  min?: number;
  max?: number;
  current?: number;
  desired?: number;
  metrics?: MetricStatus[];
  conditions?: typeof ok;
  noStatus?: boolean;
}): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: o.min ?? 3,
      maxReplicas: o.max ?? 20,
      metrics: [cpuSpec],
    },
    ...(o.noStatus
      ? {}
      : {
          status: {
            currentReplicas: o.current ?? 6,
            desiredReplicas: o.desired ?? o.current ?? 6,
            currentMetrics: o.metrics ?? [cpuAt(55)],
            conditions: o.conditions ?? ok,
          },
        }),
  };
}

const limitedTooMany = [
  ok[0]!,
  ok[1]!,
  {
    type: 'ScalingLimited',
    status: 'True',
    reason: 'TooManyReplicas',
    message: 'the desired replica count is more than the maximum replica count',
  },
];

const cases: { name: string; h: HorizontalPodAutoscaler; expect: string[]; mentions?: string[] }[] = [
  { name: 'comfortably within range', h: hpa({}), expect: [] },
  {
    name: 'at max and above target',
    h: hpa({ current: 20, desired: 20, metrics: [cpuAt(96)], conditions: limitedTooMany }),
    expect: ['hpa-at-max:critical'],
    mentions: ['20/20', 'cpu 96% / target 70%'],
  },
  {
    name: 'at max, load at target',
    h: hpa({ current: 20, metrics: [cpuAt(65)] }),
    expect: ['hpa-at-max:warning'],
  },
  {
    name: 'within 10% of max',
    h: hpa({ current: 18, metrics: [cpuAt(68)] }),
    expect: ['hpa-near-max:warning'],
    mentions: ['2 replicas, 10% headroom'],
  },
  { name: 'just outside the near-max band', h: hpa({ current: 17 }), expect: [] },
  {
    name: 'metrics unavailable',
    h: hpa({
      metrics: [],
      conditions: [
        ok[0]!,
        {
          type: 'ScalingActive',
          status: 'False',
          reason: 'FailedGetResourceMetric',
          message:
            'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)',
        },
      ],
    }),
    expect: ['hpa-metrics-unavailable:warning'],
    mentions: ['metrics-server'],
  },
  {
    name: 'scaled to zero on purpose (ScalingDisabled) is fine',
    h: hpa({
      current: 0,
      conditions: [
        ok[0]!,
        {
          type: 'ScalingActive',
          status: 'False',
          reason: 'ScalingDisabled',
          message: 'scaling is disabled since the replica count of the target is zero',
        },
      ],
    }),
    expect: [],
  },
  {
    name: 'cannot get the target scale',
    h: hpa({
      conditions: [
        {
          type: 'AbleToScale',
          status: 'False',
          reason: 'FailedGetScale',
          message:
            'the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "web" not found',
        },
      ],
    }),
    expect: ['hpa-unable-to-scale:warning'],
    mentions: ['scaleTargetRef'],
  },
  {
    name: 'desired limited below max (TooManyReplicas while scaling up)',
    h: hpa({ current: 10, desired: 20, conditions: limitedTooMany }),
    expect: ['hpa-scaling-limited:warning'],
  },
  {
    name: 'desired limited at min (TooFewReplicas)',
    h: hpa({
      current: 3,
      metrics: [cpuAt(5)],
      conditions: [
        ok[0]!,
        ok[1]!,
        {
          type: 'ScalingLimited',
          status: 'True',
          reason: 'TooFewReplicas',
          message: 'the desired replica count is less than the minimum replica count',
        },
      ],
    }),
    expect: ['hpa-scaling-limited:info'],
  },
  { name: 'min == max', h: hpa({ min: 4, max: 4, current: 4 }), expect: ['hpa-min-equals-max:info'] },
  { name: 'new HPA without status', h: hpa({ noStatus: true }), expect: [] },
];

describe('HPA rules', () => {
  it.each(cases)('$name', (c) => {
    const findings = run(tag('c1', [c.h]));
    expect(rulesOf(findings)).toEqual([...c.expect].sort());
    const text = JSON.stringify(findings);
    for (const m of c.mentions ?? []) expect(text.toLowerCase()).toContain(m.toLowerCase());
  });
});
