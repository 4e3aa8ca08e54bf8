import { describe, expect, it } from 'vitest';
import type { ClusterObject, KubeObject } from '../../src/k8s/types.ts';
import { type ClusterMetrics, resourceUse, sumUse } from '../../src/usage/resources.ts';

const o = (cluster: string, kind: string, object: unknown) => ({ cluster, kind, object }) as ClusterObject;
const owned = (name: string, uid: string, owner?: string) => ({
  name,
  namespace: 'shop',
  uid,
  ...(owner ? { ownerReferences: [{ kind: 'X', name: 'x', uid: owner, controller: true }] } : {}),
});
const pod = (cluster: string, name: string, owner: string, phase = 'Running') =>
  o(cluster, 'Pod', {
    metadata: owned(name, `uid-${name}`, owner),
    spec: {
      containers: [
        {
          name: 'app',
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        },
        {
          name: 'envoy',
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        },
      ],
    },
    status: { phase },
  } as KubeObject);
const usage = (name: string, app: [string, string], envoy: [string, string]) => ({
  metadata: { name, namespace: 'shop' },
  containers: [
    { name: 'app', usage: { cpu: app[0], memory: app[1] } },
    { name: 'envoy', usage: { cpu: envoy[0], memory: envoy[1] } },
  ],
});

const objects: ClusterObject[] = [
  o('eu-1', 'Deployment', { metadata: owned('web', 'd1') }),
  o('eu-1', 'ReplicaSet', { metadata: owned('web-1', 'rs1', 'd1') }),
  pod('eu-1', 'web-1-a', 'rs1'),
  pod('eu-1', 'web-1-b', 'rs1'),
  pod('eu-1', 'web-1-done', 'rs1', 'Succeeded'),
  o('eu-1', 'CronJob', { metadata: owned('report', 'cj1') }),
  o('eu-1', 'Job', { metadata: owned('report-1', 'j1', 'cj1') }),
  pod('eu-1', 'report-1-x', 'j1'),
  o('us-1', 'Deployment', { metadata: owned('web', 'd2') }),
  o('us-1', 'ReplicaSet', { metadata: owned('web-1', 'rs2', 'd2') }),
  pod('us-1', 'web-1-c', 'rs2'),
];

const MI = 1024 * 1024;

describe('resourceUse', () => {
  it("sums each pod's use, requests and limits per workload and cluster, with quantities in cores and bytes", () => {
    const metrics: Record<string, ClusterMetrics> = {
      'eu-1': {
        status: 'ok',
        at: 0,
        pods: [
          usage('web-1-a', ['200m', '300Mi'], ['10m', '20Mi']),
          // metrics-server reports nanocores and Ki.
          usage('web-1-b', ['100000000n', '102400Ki'], ['5m', '10Mi']),
        ],
      },
      'us-1': { status: 'unavailable', at: 0, message: 'the server could not find the requested resource' },
    };
    const [eu, us] = resourceUse(['eu-1', 'us-1'], objects, (c) => metrics[c]!);
    expect(eu!.workloads.map((w) => `${w.kind}/${w.name}:${w.pods.map((p) => p.name).join(',')}`)).toEqual([
      'CronJob/report:report-1-x',
      'Deployment/web:web-1-a,web-1-b',
    ]);
    const web = eu!.workloads[1]!;
    expect(web.cpu.used).toBeCloseTo(0.315, 9);
    expect(web.cpu.request).toBeCloseTo(0.6, 9);
    expect(web.cpu.limit).toBeUndefined();
    expect(web.memory).toEqual({ used: 430 * MI, request: 640 * MI, limit: 1280 * MI });
    expect(web.pods.map((p) => p.measured)).toEqual([true, true]);
    // The job's pod has no metrics yet: it counts in requests, not in use.
    expect(eu!.cpu.request).toBeCloseTo(0.9, 9);
    expect(eu!.cpu.used).toBeCloseTo(0.315, 9);
    expect(eu!.workloads[0]!.pods[0]!.measured).toBe(false);
    // No metrics API: requests and limits still, no use, and the reason.
    expect(us!.metrics).toEqual({
      status: 'unavailable',
      at: new Date(0).toISOString(),
      message: 'the server could not find the requested resource',
    });
    expect(us!.memory).toEqual({ request: 320 * MI, limit: 640 * MI });
    expect(us!.cpu.used).toBeUndefined();
  });

  it('knows a cluster it has not read yet, and one with nothing of the service', () => {
    const [none] = resourceUse(['ap-1'], objects, () => ({ status: 'pending' }));
    expect(none).toEqual({
      cluster: 'ap-1',
      metrics: { status: 'pending' },
      workloads: [],
      cpu: {},
      memory: {},
    });
  });

  it('sums limits only when every part has one: a container without a limit leaves its pod unlimited', () => {
    const limited = { cpu: { request: 0.1, limit: 0.5 }, memory: { used: 10, request: 20, limit: 40 } };
    const unlimited = { cpu: { request: 0.2 }, memory: { request: 30 } };
    expect(sumUse([limited, limited])).toEqual({
      cpu: { request: 0.2, limit: 1 },
      memory: { used: 20, request: 40, limit: 80 },
    });
    const mixed = sumUse([limited, unlimited]);
    expect(mixed.cpu.limit).toBeUndefined();
    expect(mixed.cpu.request).toBeCloseTo(0.3, 9);
    expect(mixed.memory).toEqual({ used: 10, request: 50 });
    expect(sumUse([])).toEqual({ cpu: {}, memory: {} });
  });
});
