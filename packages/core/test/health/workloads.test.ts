import { describe, expect, it } from 'vitest';
import type { HealthContext } from '../../src/health/index.ts';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../src/k8s/types.ts';
import { ago, rulesOf, run, tag } from './fixtures.ts';

function deployment(o: {
  replicas?: number;
  status?: Deployment['status'];
  spec?: Partial<NonNullable<Deployment['spec']>>;
  generation?: number;
}): Deployment {
  const replicas = o.replicas ?? 4;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      generation: o.generation ?? 7,
      creationTimestamp: ago(30 * 86_400),
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.4.2' }] },
      },
      ...o.spec,
    },
    status: o.status ?? {
      observedGeneration: o.generation ?? 7,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: 'ReplicaSet "web-5d9c7b7f8d" has successfully progressed.',
        },
      ],
    },
  };
}

const available = {
  type: 'Available',
  status: 'True',
  reason: 'MinimumReplicasAvailable',
  message: 'Deployment has minimum availability.',
};
const unavailable = {
  type: 'Available',
  status: 'False',
  reason: 'MinimumReplicasUnavailable',
  message: 'Deployment does not have minimum availability.',
};

const deploymentCases: {
  name: string;
  d: Deployment;
  context?: HealthContext;
  expect: string[];
  mentions?: string[];
}[] = [
  { name: 'healthy', d: deployment({}), expect: [] },
  {
    name: 'ProgressDeadlineExceeded',
    d: deployment({
      generation: 8,
      status: {
        observedGeneration: 8,
        replicas: 5,
        updatedReplicas: 1,
        readyReplicas: 4,
        availableReplicas: 4,
        unavailableReplicas: 1,
        conditions: [
          available,
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-7f8b9c6d5" has timed out progressing.',
          },
        ],
      },
    }),
    expect: ['deployment-progress-deadline:critical'],
    mentions: ['timed out progressing', '1/4 updated'],
  },
  {
    name: 'no available replicas at all',
    d: deployment({
      status: {
        observedGeneration: 7,
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: 0,
        availableReplicas: 0,
        unavailableReplicas: 4,
        conditions: [unavailable, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
      },
    }),
    expect: ['deployment-unavailable:critical'],
    mentions: ['0/4'],
  },
  {
    name: 'unavailable beyond maxUnavailable (2 of 4, 25% allows 1)',
    d: deployment({
      status: {
        observedGeneration: 7,
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: 2,
        availableReplicas: 2,
        unavailableReplicas: 2,
        conditions: [unavailable],
      },
    }),
    expect: ['deployment-unavailable:warning'],
    mentions: ['maxUnavailable 1'],
  },
  {
    name: 'one unavailable of four is within maxUnavailable',
    d: deployment({
      status: {
        observedGeneration: 7,
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: 3,
        availableReplicas: 3,
        unavailableReplicas: 1,
      },
    }),
    expect: [],
  },
  {
    name: 'rollout in progress',
    d: deployment({
      generation: 9,
      replicas: 10,
      status: {
        observedGeneration: 9,
        replicas: 12,
        updatedReplicas: 5,
        readyReplicas: 10,
        availableReplicas: 10,
        conditions: [
          available,
          {
            type: 'Progressing',
            status: 'True',
            reason: 'ReplicaSetUpdated',
            message: 'ReplicaSet "web-7f8b9c6d5" is progressing.',
          },
        ],
      },
    }),
    expect: ['deployment-rollout:info'],
    mentions: ['5/10 updated (50%)'],
  },
  {
    name: 'new generation not yet observed counts as rolling out',
    d: deployment({
      generation: 10,
      status: {
        observedGeneration: 9,
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: 4,
        availableReplicas: 4,
      },
    }),
    expect: ['deployment-rollout:info'],
  },
  {
    name: 'paused mid-rollout',
    d: deployment({
      spec: { paused: true },
      status: {
        observedGeneration: 7,
        replicas: 4,
        updatedReplicas: 1,
        readyReplicas: 4,
        availableReplicas: 4,
      },
    }),
    expect: ['deployment-paused:info'],
    mentions: ['1/4'],
  },
  {
    name: 'ReplicaFailure: quota exceeded',
    d: deployment({
      status: {
        observedGeneration: 7,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        unavailableReplicas: 1,
        conditions: [
          available,
          {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: 'ReplicaSet "web-5d9c7b7f8d" has successfully progressed.',
          },
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message:
              'pods "web-5d9c7b7f8d-zq9vd" is forbidden: exceeded quota: compute-resources, requested: limits.cpu=2, used: limits.cpu=8, limited: limits.cpu=8',
          },
        ],
      },
    }),
    expect: ['deployment-replica-failure:critical'],
    mentions: ['quota'],
  },
  {
    name: 'ReplicaFailure: admission webhook denied',
    d: deployment({
      status: {
        observedGeneration: 7,
        replicas: 4,
        updatedReplicas: 4,
        readyReplicas: 4,
        availableReplicas: 4,
        conditions: [
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message:
              'admission webhook "validation.gatekeeper.sh" denied the request: [require-limits] container <app> has no resource limits',
          },
        ],
      },
    }),
    expect: ['deployment-replica-failure:critical'],
    mentions: ['admission'],
  },
  {
    name: 'zero replicas in production',
    d: deployment({ replicas: 0, status: { observedGeneration: 7, replicas: 0 } }),
    context: { lifecycle: 'production' },
    expect: ['deployment-zero-replicas:warning'],
  },
  {
    name: 'zero replicas for an experimental service is fine',
    d: deployment({ replicas: 0, status: { observedGeneration: 7, replicas: 0 } }),
    context: { lifecycle: 'experimental' },
    expect: [],
  },
  {
    name: 'lifecycle looked up per object',
    d: deployment({ replicas: 0, status: { observedGeneration: 7, replicas: 0 } }),
    context: { lifecycle: (ref) => (ref.name === 'web' ? 'production' : undefined) },
    expect: ['deployment-zero-replicas:warning'],
  },
  {
    name: 'a manifest without status (kubectl apply --dry-run) is not judged',
    d: { ...deployment({}), status: undefined },
    expect: [],
  },
];

describe('deployment rules', () => {
  it.each(deploymentCases)('$name', (c) => {
    const findings = run(tag('c1', [c.d]), c.context);
    expect(rulesOf(findings)).toEqual([...c.expect].sort());
    const text = JSON.stringify(findings);
    for (const m of c.mentions ?? []) expect(text.toLowerCase()).toContain(m.toLowerCase());
  });

  it('reports a ReplicaSet failure only when no Deployment reports it', () => {
    const rs = (owner?: string): ReplicaSet => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-5d9c7b7f8d',
        namespace: 'shop',
        ...(owner
          ? {
              ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, controller: true }],
            }
          : {}),
      },
      status: {
        replicas: 0,
        conditions: [
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message: 'pods "web-5d9c7b7f8d-" is forbidden: exceeded quota: pods',
          },
        ],
      },
    });
    expect(rulesOf(run(tag('c1', [rs()])))).toEqual(['deployment-replica-failure:critical']);
    expect(rulesOf(run(tag('c1', [rs('web'), deployment({})])))).toEqual([]);
  });
});

function statefulSet(status: StatefulSet['status'], partition?: number): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop', generation: 3 },
    spec: {
      replicas: 3,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      updateStrategy: {
        type: 'RollingUpdate',
        ...(partition !== undefined ? { rollingUpdate: { partition } } : {}),
      },
      template: { spec: { containers: [{ name: 'postgres', image: 'postgres:16.4' }] } },
    },
    status,
  };
}

function daemonSet(status: DaemonSet['status'], generation = 2): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'log-agent', namespace: 'platform', generation },
    spec: {
      selector: { matchLabels: { app: 'log-agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: { spec: { containers: [{ name: 'agent', image: 'fluent/fluent-bit:3.1' }] } },
    },
    status,
  };
}

const rev = { currentRevision: 'db-6b8f9c7d4', updateRevision: 'db-6b8f9c7d4' };

const setCases: { name: string; o: StatefulSet | DaemonSet; expect: string[]; mentions?: string[] }[] = [
  {
    name: 'StatefulSet all ready',
    o: statefulSet({
      observedGeneration: 3,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      ...rev,
    }),
    expect: [],
  },
  {
    name: 'StatefulSet 2/3 ready',
    o: statefulSet({
      observedGeneration: 3,
      replicas: 3,
      readyReplicas: 2,
      currentReplicas: 3,
      updatedReplicas: 3,
      ...rev,
    }),
    expect: ['statefulset-not-ready:warning'],
    mentions: ['2/3 replicas ready'],
  },
  {
    name: 'StatefulSet none ready',
    o: statefulSet({ observedGeneration: 3, replicas: 3, currentReplicas: 3, updatedReplicas: 3, ...rev }),
    expect: ['statefulset-not-ready:critical'],
  },
  {
    name: 'StatefulSet rollout blocked by an unready pod',
    o: statefulSet({
      observedGeneration: 3,
      replicas: 3,
      readyReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 1,
      currentRevision: 'db-6b8f9c7d4',
      updateRevision: 'db-7c9d8e6f5',
    }),
    expect: ['statefulset-not-ready:warning', 'statefulset-rollout-stuck:warning'],
    mentions: ['db-7c9d8e6f5'],
  },
  {
    name: 'StatefulSet partitioned rollout that reached its partition is not stuck',
    o: statefulSet(
      {
        observedGeneration: 3,
        replicas: 3,
        readyReplicas: 3,
        currentReplicas: 2,
        updatedReplicas: 1,
        currentRevision: 'db-6b8f9c7d4',
        updateRevision: 'db-7c9d8e6f5',
      },
      2,
    ),
    expect: [],
  },
  {
    name: 'DaemonSet healthy',
    o: daemonSet({
      observedGeneration: 2,
      desiredNumberScheduled: 6,
      currentNumberScheduled: 6,
      numberReady: 6,
      numberAvailable: 6,
      updatedNumberScheduled: 6,
      numberMisscheduled: 0,
    }),
    expect: [],
  },
  {
    name: 'DaemonSet pods unavailable, not scheduled on one node',
    o: daemonSet({
      observedGeneration: 2,
      desiredNumberScheduled: 6,
      currentNumberScheduled: 5,
      numberReady: 4,
      numberAvailable: 4,
      numberUnavailable: 2,
      updatedNumberScheduled: 6,
    }),
    expect: ['daemonset-unavailable:warning'],
    mentions: ['1 not scheduled'],
  },
  {
    name: 'DaemonSet misscheduled',
    o: daemonSet({
      observedGeneration: 2,
      desiredNumberScheduled: 6,
      currentNumberScheduled: 6,
      numberReady: 6,
      numberAvailable: 6,
      updatedNumberScheduled: 6,
      numberMisscheduled: 2,
    }),
    expect: ['daemonset-misscheduled:warning'],
  },
  {
    name: 'DaemonSet rollout blocked',
    o: daemonSet({
      observedGeneration: 2,
      desiredNumberScheduled: 6,
      currentNumberScheduled: 6,
      numberReady: 5,
      numberAvailable: 5,
      numberUnavailable: 1,
      updatedNumberScheduled: 2,
    }),
    expect: ['daemonset-rollout-stuck:warning'],
    mentions: ['2/6 updated'],
  },
  {
    name: 'DaemonSet with no pods available at all',
    o: daemonSet({
      observedGeneration: 2,
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberUnavailable: 3,
      updatedNumberScheduled: 3,
    }),
    expect: ['daemonset-unavailable:critical'],
  },
];

describe('StatefulSet and DaemonSet rules', () => {
  it.each(setCases)('$name', (c) => {
    const findings = run(tag('c1', [c.o]));
    expect(rulesOf(findings)).toEqual([...c.expect].sort());
    const text = JSON.stringify(findings);
    for (const m of c.mentions ?? []) expect(text.toLowerCase()).toContain(m.toLowerCase());
  });
});
