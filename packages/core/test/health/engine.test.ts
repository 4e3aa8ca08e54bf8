import { describe, expect, it } from 'vitest';
import {
  type ClusterObject,
  clusterObjects,
  diffFindings,
  evaluateHealth,
  type Finding,
  filterFindings,
  fleetSummary,
  RULE_IDS,
  RULES,
  rollUp,
  rollUpByObject,
  summarizeFindings,
} from '../../src/health/index.ts';
import { WATCHED_KINDS } from '../../src/k8s/types.ts';
import { ago, NOW, pod, run, running, tag } from './fixtures.ts';

const crashing = (name: string, replicaSet = 'web-5d9c7b7f8d') =>
  pod({
    name,
    replicaSet,
    containers: [
      running('app', {
        restartCount: 9,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      }),
    ],
  });

describe('robustness', () => {
  // Mostly-empty objects, as a watch may deliver them half-populated, or a user may paste them.
  const shapes: unknown[] = [
    {},
    { metadata: {} },
    { metadata: { name: 'x' } },
    { metadata: { name: 'x', namespace: 'ns' }, spec: {} },
    { metadata: { name: 'x' }, status: {} },
    { spec: {}, status: { conditions: [] } },
    { status: { conditions: [{}] } },
    { status: { conditions: [null] } },
    { status: { containerStatuses: [{}], initContainerStatuses: [{}] } },
    {
      status: {
        containerStatuses: [{ state: {} }, { state: { waiting: {} } }, { lastState: { terminated: {} } }],
      },
    },
    { status: { containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } } }] } },
    { status: { containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] } },
    { status: { containerStatuses: [{ state: { waiting: { reason: 'CreateContainerConfigError' } } }] } },
    {
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
      },
    },
    { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } },
    { status: { phase: 'Failed', reason: 'Evicted' } },
    { metadata: { deletionTimestamp: 'not a date' } },
    { metadata: { deletionTimestamp: ago(9999), ownerReferences: [{}] } },
    { metadata: { ownerReferences: [{ kind: 'ReplicaSet' }] } },
    {
      metadata: {
        ownerReferences: [{ kind: 'ReplicaSet', name: 'r-1' }],
        labels: { 'pod-template-hash': '1' },
      },
    },
    {
      spec: { replicas: 0 },
      status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
    },
    { status: { conditions: [{ type: 'ReplicaFailure', status: 'True' }] } },
    { spec: { strategy: { rollingUpdate: { maxUnavailable: 'weird' } } }, status: { replicas: 2 } },
    {
      spec: { updateStrategy: { rollingUpdate: { maxUnavailable: '50%' } } },
      status: { desiredNumberScheduled: 3 },
    },
    { status: { conditions: [{ type: 'Failed', status: 'True' }] } },
    { spec: { schedule: '*/5 * * * *' } },
    { spec: { schedule: 'garbage' }, metadata: { creationTimestamp: ago(99999) } },
    {
      spec: { schedule: '0 0 * * *', timeZone: 'Nowhere/Land' },
      metadata: { creationTimestamp: ago(99999) },
    },
    { spec: { schedule: 42 } },
    { spec: { minReplicas: 5, maxReplicas: 2 } },
    {
      spec: { metrics: [{}, { type: 'Resource' }, { type: 'Object', object: {} }, null] },
      status: { currentReplicas: 3, currentMetrics: [{}, null] },
    },
    {
      spec: {
        maxReplicas: 3,
        metrics: [{ type: 'Pods', pods: { target: { type: 'AverageValue', averageValue: 'nope' } } }],
      },
      status: { currentReplicas: 3 },
    },
    {
      status: {
        conditions: [
          { type: 'ScalingActive', status: 'False' },
          { type: 'AbleToScale', status: 'False' },
          { type: 'ScalingLimited', status: 'True' },
        ],
      },
    },
    { spec: { type: 'LoadBalancer', selector: {} }, status: { loadBalancer: { ingress: [] } } },
    { spec: { selector: { app: 'x' } } },
    { spec: { rules: [{}, { http: {} }, { http: { paths: [{}, { backend: {} }] } }], defaultBackend: {} } },
    { status: { disruptionsAllowed: 0 } },
    { status: { disruptionsAllowed: 0, expectedPods: 2 } },
    { involvedObject: {} },
    {
      involvedObject: { kind: 'Pod', name: 'x' },
      reason: 'Killing',
      message: 'Container app failed liveness probe',
    },
    { spec: { template: { spec: { containers: [{}] } } }, status: {} },
  ];

  it('never throws and never reports rule errors for any kind over mostly-empty objects', () => {
    const objects: ClusterObject[] = [];
    for (const cluster of ['a', 'b']) {
      for (const kind of WATCHED_KINDS) {
        for (const shape of shapes)
          objects.push({ cluster, kind, object: structuredClone(shape) } as ClusterObject);
      }
    }
    let findings: Finding[] = [];
    expect(() => {
      findings = run(objects);
    }).not.toThrow();
    expect(findings.filter((f) => f.rule === 'rule-error')).toEqual([]);
    for (const f of findings) {
      expect(typeof f.summary).toBe('string');
      expect(RULE_IDS).toContain(f.rule);
    }
  });

  it('each kind alone, shape by shape', () => {
    for (const kind of WATCHED_KINDS) {
      for (const shape of shapes) {
        expect(() =>
          run([{ cluster: 'a', kind, object: structuredClone(shape) } as ClusterObject]),
        ).not.toThrow();
      }
    }
  });

  it('ignores unknown kinds and null objects', () => {
    const junk = [
      { cluster: 'a', kind: 'ConfigMap', object: {} },
      { cluster: 'a', kind: 'toString', object: {} },
      { cluster: 'a', kind: 'Pod', object: null },
      null,
    ] as unknown as ClusterObject[];
    expect(run(junk)).toEqual([]);
  });
});

describe('evaluateHealth', () => {
  it('accepts now as a Date or a number', () => {
    const objects = tag('c1', [crashing('web-5d9c7b7f8d-aaaaa')]);
    expect(evaluateHealth(objects, new Date(NOW))).toEqual(evaluateHealth(objects, NOW));
  });

  it('produces the same ids for the same state (stable for diffing)', () => {
    const a = run(tag('c1', [crashing('web-5d9c7b7f8d-aaaaa')]));
    const b = run(tag('c1', [crashing('web-5d9c7b7f8d-aaaaa'), crashing('web-5d9c7b7f8d-bbbbb')]));
    expect(a.map((f) => f.id)).toEqual(b.map((f) => f.id));
    expect(b[0]?.count).toBe(2);
  });

  it('orders findings worst first, then by object', () => {
    const findings = run([
      ...tag('c2', [crashing('web-5d9c7b7f8d-aaaaa')]),
      ...tag('c1', [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'report', namespace: 'a', creationTimestamp: ago(1e6) },
          spec: { schedule: '0 * * * *', suspend: true },
        },
      ]),
      ...tag('c1', [crashing('api-6c8d9e7f5a-aaaaa', 'api-6c8d9e7f5a')]),
    ]);
    expect(findings.map((f) => `${f.severity}:${f.object.cluster}/${f.object.name}`)).toEqual([
      'critical:c1/api',
      'critical:c2/web',
      'info:c1/report',
    ]);
  });

  it('caps the pod names kept on a rolled-up finding but counts all pods', () => {
    const pods = Array.from({ length: 30 }, (_, i) =>
      crashing(`web-5d9c7b7f8d-${String(i).padStart(5, '0')}`),
    );
    const [f] = run(tag('c1', pods), { options: { maxPodNames: 10 } });
    expect(f?.count).toBe(30);
    expect(f?.pods).toHaveLength(10);
  });

  it('lets the worst pod speak for the workload', () => {
    const oomOnce = pod({
      name: 'web-5d9c7b7f8d-aaaaa',
      containers: [
        running('app', {
          restartCount: 1,
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        }),
      ],
    });
    const oomLooping = pod({
      name: 'web-5d9c7b7f8d-bbbbb',
      containers: [
        running('app', {
          restartCount: 8,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        }),
      ],
    });
    const oom = run(tag('c1', [oomOnce, oomLooping])).find((f) => f.rule === 'pod-oom-killed');
    expect(oom?.severity).toBe('critical');
    expect(oom?.pods?.[0]).toBe('web-5d9c7b7f8d-bbbbb');
    expect(oom?.evidence.restartCount).toBe(8);
  });

  it('takes per-cluster object lists through clusterObjects', () => {
    const objects = [...clusterObjects('c1', { Pod: [crashing('web-5d9c7b7f8d-aaaaa')], Service: [] })];
    expect(objects).toHaveLength(1);
    expect(run(objects)).toHaveLength(1);
  });

  it('has a catalog entry for every rule id', () => {
    expect(RULES.map((r) => r.id).sort()).toEqual([...RULE_IDS].sort());
  });
});

describe('diff and roll-ups', () => {
  const f = (
    id: string,
    severity: Finding['severity'],
    cluster = 'c1',
    name = 'web',
    summary = 's',
  ): Finding => ({
    id,
    rule: 'pod-crash-loop',
    severity,
    object: { cluster, namespace: 'shop', kind: 'Deployment', name },
    summary,
    explanation: '',
    nextSteps: [],
    evidence: {},
  });

  it('diffFindings reports appeared, cleared and changed by id', () => {
    const before = [f('a', 'critical'), f('b', 'warning'), f('c', 'info')];
    const after = [f('b', 'warning'), f('c', 'warning'), f('d', 'critical')];
    const d = diffFindings(before, after);
    expect(d.appeared.map((x) => x.id)).toEqual(['d']);
    expect(d.cleared.map((x) => x.id)).toEqual(['a']);
    expect(d.changed.map((x) => x.id)).toEqual(['c']);
    expect(diffFindings(after, after)).toEqual({ appeared: [], cleared: [], changed: [] });
  });

  it('summarizes by severity and by rule', () => {
    const s = summarizeFindings([f('a', 'critical'), f('b', 'warning'), f('c', 'warning')]);
    expect(s).toMatchObject({ total: 3, critical: 1, warning: 2, info: 0, worst: 'critical' });
    expect(s.byRule['pod-crash-loop']).toEqual({ critical: 1, warning: 2, info: 0, total: 3 });
    expect(summarizeFindings([]).worst).toBeUndefined();
  });

  it('rolls up worst first under any key, including several keys per finding', () => {
    const findings = [
      f('1', 'warning', 'c1', 'a'),
      f('2', 'critical', 'c1', 'b'),
      f('3', 'warning', 'c2', 'a'),
      f('4', 'info', 'c1', 'c'),
    ];
    const byService = rollUp(findings, (x) => x.object.name);
    expect(byService.map((g) => [g.key, g.worst, g.total])).toEqual([
      ['b', 'critical', 1],
      ['a', 'warning', 2],
      ['c', 'info', 1],
    ]);
    const byTeam = rollUp(findings, (x) => (x.object.name === 'a' ? ['team-x', 'team-y'] : undefined));
    expect(byTeam.map((g) => [g.key, g.total])).toEqual([
      ['team-x', 2],
      ['team-y', 2],
    ]);
    expect(rollUpByObject(findings)[0]?.key).toBe('c1/shop/Deployment/b');
  });

  it('filters like the API query does', () => {
    const findings = [f('1', 'warning', 'c1'), f('2', 'critical', 'c2'), f('3', 'info', 'c1')];
    expect(filterFindings(findings, { cluster: 'c1' }).map((x) => x.id)).toEqual(['1', '3']);
    expect(filterFindings(findings, { severity: 'critical' }).map((x) => x.id)).toEqual(['2']);
    expect(filterFindings(findings, { minSeverity: 'warning' }).map((x) => x.id)).toEqual(['1', '2']);
  });

  it('builds the fleet summary', () => {
    const findings = [f('1', 'warning', 'c1', 'a'), f('2', 'critical', 'c1', 'b')];
    const s = fleetSummary(findings, (x) => `svc:${x.object.name}`);
    expect(s.summary.total).toBe(2);
    expect(s.worstServices.map((w) => w.key)).toEqual(['svc:b', 'svc:a']);
    expect(s.worstServices[0]).not.toHaveProperty('findings');
  });
});
