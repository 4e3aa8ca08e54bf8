import { describe, expect, it } from 'vitest';
import type { HealthContext } from '../../src/health/index.ts';
import type { KubeEvent, Pod } from '../../src/k8s/types.ts';
import { ago, event, pod, rulesOf, run, running, tag } from './fixtures.ts';

interface Case {
  name: string;
  pod: Pod;
  events?: KubeEvent[];
  context?: HealthContext;
  expect: string[];
  /** Substrings the first finding's summary, explanation or evidence must contain. */
  mentions?: string[];
}

const POD = 'web-5d9c7b7f8d-x7k2p';
const onPod = { kind: 'Pod', name: POD };

const cases: Case[] = [
  { name: 'healthy running pod', pod: pod(), expect: [] },
  {
    name: 'CrashLoopBackOff with exit code 1',
    pod: pod({
      ready: false,
      containers: [
        running('app', {
          ready: false,
          started: false,
          restartCount: 14,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off 5m0s restarting failed container=app pod=${POD}_shop(0b9f3c2e)`,
            },
          },
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: ago(400),
              finishedAt: ago(390),
            },
          },
        }),
      ],
    }),
    events: [
      event(onPod, 'BackOff', `Back-off restarting failed container app in pod ${POD}_shop(0b9f3c2e)`, {
        count: 57,
      }),
    ],
    expect: ['pod-crash-loop:critical'],
    mentions: ['exit code 1', '14 restarts', 'Back-off restarting failed container app'],
  },
  {
    name: 'CrashLoopBackOff after OOMKilled reports both, OOM with the memory limit',
    pod: pod({
      containers: [
        running('app', {
          ready: false,
          restartCount: 6,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 2m40s restarting failed container=app',
            },
          },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: ago(100) } },
        }),
      ],
    }),
    expect: ['pod-crash-loop:critical', 'pod-oom-killed:critical'],
    mentions: ['512Mi'],
  },
  {
    name: 'OOMKilled once, now running again',
    pod: pod({
      containers: [
        running('app', {
          restartCount: 1,
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: ago(1800) } },
        }),
      ],
    }),
    expect: ['pod-oom-killed:warning'],
    mentions: ['memory limit 512Mi'],
  },
  {
    name: 'an OOM kill three days ago, running fine since, is history',
    pod: pod({
      containers: [
        running('app', {
          restartCount: 1,
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: ago(3 * 86_400) } },
        }),
      ],
    }),
    expect: [],
  },
  {
    name: 'ImagePullBackOff for a tag that does not exist',
    pod: pod({
      phase: 'Pending',
      ready: false,
      containers: [
        running('app', {
          ready: false,
          started: false,
          image: 'registry.example.com/shop/web:1.99',
          state: {
            waiting: {
              reason: 'ImagePullBackOff',
              message: 'Back-off pulling image "registry.example.com/shop/web:1.99"',
            },
          },
        }),
      ],
    }),
    events: [
      event(
        onPod,
        'Failed',
        'Failed to pull image "registry.example.com/shop/web:1.99": rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/shop/web:1.99": failed to resolve reference "registry.example.com/shop/web:1.99": registry.example.com/shop/web:1.99: not found',
      ),
    ],
    expect: ['pod-image-pull:critical'],
    mentions: ['does not exist', 'web:1.99'],
  },
  {
    name: 'ErrImagePull from a private registry without credentials',
    pod: pod({
      phase: 'Pending',
      containers: [
        running('app', {
          ready: false,
          state: {
            waiting: {
              reason: 'ErrImagePull',
              message:
                'failed to pull and unpack image "ghcr.io/acme/private:2.0": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized',
            },
          },
        }),
      ],
    }),
    expect: ['pod-image-pull:critical'],
    mentions: ['imagePullSecrets'],
  },
  {
    name: 'InvalidImageName',
    pod: pod({
      phase: 'Pending',
      containers: [
        running('app', {
          ready: false,
          state: {
            waiting: {
              reason: 'InvalidImageName',
              message: 'Failed to apply default image tag "Web:LATEST": couldn\'t parse image name',
            },
          },
        }),
      ],
    }),
    expect: ['pod-image-pull:critical'],
    mentions: ['malformed'],
  },
  {
    name: 'CreateContainerConfigError: missing Secret key',
    pod: pod({
      phase: 'Pending',
      containers: [
        running('app', {
          ready: false,
          state: {
            waiting: {
              reason: 'CreateContainerConfigError',
              message: "couldn't find key DB_PASSWORD in Secret shop/db-credentials",
            },
          },
        }),
      ],
    }),
    expect: ['pod-create-container-error:critical'],
    mentions: ['DB_PASSWORD', 'shop/db-credentials'],
  },
  {
    name: 'CreateContainerConfigError: missing ConfigMap',
    pod: pod({
      phase: 'Pending',
      containers: [
        running('app', {
          ready: false,
          state: {
            waiting: { reason: 'CreateContainerConfigError', message: 'configmap "web-config" not found' },
          },
        }),
      ],
    }),
    expect: ['pod-create-container-error:critical'],
    mentions: ['web-config'],
  },
  {
    name: 'CreateContainerError',
    pod: pod({
      phase: 'Pending',
      containers: [
        running('app', {
          ready: false,
          state: {
            waiting: {
              reason: 'CreateContainerError',
              message: 'Error: container create failed: open /etc/app/config.yaml: no such file or directory',
            },
          },
        }),
      ],
    }),
    expect: ['pod-create-container-error:critical'],
  },
  {
    name: 'frequent restarts, last one recent',
    pod: pod({
      containers: [
        running('app', {
          restartCount: 7,
          lastState: { terminated: { exitCode: 143, reason: 'Error', finishedAt: ago(600) } },
        }),
      ],
    }),
    expect: ['pod-frequent-restarts:warning'],
    mentions: ['restarted 7 times', 'SIGTERM'],
  },
  {
    name: 'many restarts long ago are not frequent',
    pod: pod({
      containers: [
        running('app', {
          restartCount: 7,
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * 86_400) } },
        }),
      ],
    }),
    expect: [],
  },
  {
    name: 'unschedulable for 10 minutes: insufficient cpu',
    pod: pod({
      phase: 'Pending',
      created: ago(600),
      containers: [],
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          lastTransitionTime: ago(600),
          message:
            '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
        },
      ],
      spec: { nodeName: undefined },
    }),
    expect: ['pod-unschedulable:critical'],
    mentions: ['CPU'],
  },
  {
    name: 'unschedulable: taints and node affinity',
    pod: pod({
      phase: 'Pending',
      created: ago(900),
      containers: [],
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          lastTransitionTime: ago(900),
          message:
            "0/5 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
        },
      ],
      spec: { nodeName: undefined },
    }),
    expect: ['pod-unschedulable:critical'],
    mentions: ['taints', 'nodeSelector'],
  },
  {
    name: 'unschedulable: unbound PVC',
    pod: pod({
      phase: 'Pending',
      created: ago(900),
      containers: [],
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          lastTransitionTime: ago(900),
          message:
            '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
        },
      ],
      spec: { nodeName: undefined },
    }),
    expect: ['pod-unschedulable:critical'],
    mentions: ['PersistentVolumeClaim'],
  },
  {
    name: 'unschedulable for 30 seconds is not yet reported',
    pod: pod({
      phase: 'Pending',
      created: ago(30),
      containers: [],
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          lastTransitionTime: ago(30),
          message: '0/3 nodes are available: 3 Insufficient memory.',
        },
      ],
      spec: { nodeName: undefined },
    }),
    expect: [],
  },
  {
    name: 'scheduled but stuck in ContainerCreating',
    pod: pod({
      phase: 'Pending',
      created: ago(1200),
      containers: [running('app', { ready: false, state: { waiting: { reason: 'ContainerCreating' } } })],
    }),
    events: [
      event(onPod, 'FailedMount', 'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found'),
    ],
    expect: ['pod-pending-stuck:warning'],
    mentions: ['ContainerCreating', 'FailedMount'],
  },
  {
    name: 'not ready longer than the readiness probe allows',
    pod: pod({ ready: false, readySince: ago(900), containers: [running('app', { ready: false })] }),
    events: [
      event(onPod, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', {
        count: 88,
      }),
    ],
    expect: ['pod-not-ready:warning'],
    mentions: ['statuscode: 503'],
  },
  {
    name: 'not ready for 20 seconds is within the probe allowance',
    pod: pod({ ready: false, readySince: ago(20), containers: [running('app', { ready: false })] }),
    expect: [],
  },
  {
    name: 'liveness probe kills',
    pod: pod({
      containers: [
        running('app', {
          restartCount: 2,
          lastState: { terminated: { exitCode: 137, reason: 'Error', finishedAt: ago(300) } },
        }),
      ],
    }),
    events: [
      event(
        onPod,
        'Unhealthy',
        'Liveness probe failed: Get "http://10.244.3.17:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
        { count: 9 },
      ),
      event(onPod, 'Killing', 'Container app failed liveness probe, will be restarted', {
        type: 'Normal',
        count: 3,
      }),
    ],
    expect: ['pod-liveness-kill:warning'],
    mentions: ['container app'],
  },
  {
    name: 'old liveness events are not reported',
    pod: pod(),
    events: [
      event(onPod, 'Killing', 'Container app failed liveness probe, will be restarted', {
        last: ago(3 * 86_400),
      }),
    ],
    expect: [],
  },
  {
    name: 'evicted for memory pressure',
    pod: pod({
      phase: 'Failed',
      containers: [
        running('app', {
          ready: false,
          state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown' } },
        }),
      ],
      status: {
        reason: 'Evicted',
        message:
          'The node was low on resource: memory. Threshold quantity: 100Mi, available: 64Mi. Container app was using 1530Mi, request is 256Mi, has larger consumption of memory. ',
      },
    }),
    expect: ['pod-evicted:warning'],
    mentions: ['low on memory'],
  },
  {
    name: 'an eviction a week old is still a warning: a lost replica, a node under pressure',
    pod: pod({
      phase: 'Failed',
      containers: [],
      conditions: [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'TerminationByKubelet',
          message: 'The node was low on resource: ephemeral-storage. ',
          lastTransitionTime: ago(7 * 86_400),
        },
      ],
      status: { reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage. ' },
    }),
    expect: ['pod-evicted:warning'],
    mentions: ['ephemeral-storage', '7d ago'],
  },
  {
    name: 'a Succeeded pod is fine',
    pod: pod({
      phase: 'Succeeded',
      containers: [running('app', { state: { terminated: { exitCode: 0, reason: 'Completed' } } })],
    }),
    expect: [],
  },
  {
    name: 'terminating for an hour with a finalizer',
    pod: pod({ metadata: { deletionTimestamp: ago(3600), finalizers: ['example.com/drain-connections'] } }),
    expect: ['pod-terminating-stuck:warning'],
    mentions: ['example.com/drain-connections'],
  },
  {
    name: 'terminating within its grace period',
    pod: pod({ metadata: { deletionTimestamp: ago(20) }, ready: false }),
    expect: [],
  },
  {
    name: 'init container crash-looping',
    pod: pod({
      phase: 'Pending',
      ready: false,
      containers: [running('app', { ready: false, state: { waiting: { reason: 'PodInitializing' } } })],
      initContainers: [
        running('migrate', {
          ready: false,
          restartCount: 4,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 1m20s restarting failed container=migrate',
            },
          },
          lastState: { terminated: { exitCode: 2, reason: 'Error', finishedAt: ago(60) } },
        }),
      ],
    }),
    expect: ['pod-init-failure:critical'],
    mentions: ['migrate', 'exit code 2'],
  },
  {
    name: 'init containers that completed are fine',
    pod: pod({
      initContainers: [
        running('migrate', { ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } }),
      ],
    }),
    expect: [],
  },
  {
    name: 'init container that cannot pull its image',
    pod: pod({
      phase: 'Pending',
      containers: [running('app', { ready: false, state: { waiting: { reason: 'PodInitializing' } } })],
      initContainers: [
        running('migrate', {
          ready: false,
          image: 'busybox:nope',
          state: { waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } },
        }),
      ],
    }),
    expect: ['pod-image-pull:critical'],
    mentions: ['init container migrate'],
  },
];

describe('pod rules', () => {
  it.each(cases)('$name', (c) => {
    const findings = run([...tag('prod-eu-1', [c.pod]), ...tag('prod-eu-1', c.events ?? [])], c.context);
    expect(rulesOf(findings)).toEqual([...c.expect].sort());
    const text = JSON.stringify(findings);
    for (const m of c.mentions ?? []) expect(text.toLowerCase()).toContain(m.toLowerCase());
    for (const f of findings) {
      expect(f.summary).not.toMatch(/\n/);
      expect(f.nextSteps.length).toBeGreaterThan(0);
    }
  });

  it('rolls the pods of one Deployment up into one finding with count and names', () => {
    const crash = (name: string) =>
      pod({
        name,
        containers: [
          running('app', {
            restartCount: 9,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          }),
        ],
      });
    const findings = run(
      tag('c1', [
        crash('web-5d9c7b7f8d-aaaaa'),
        crash('web-5d9c7b7f8d-bbbbb'),
        crash('web-5d9c7b7f8d-ccccc'),
      ]),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.object).toEqual({ cluster: 'c1', namespace: 'shop', kind: 'Deployment', name: 'web' });
    expect(f.count).toBe(3);
    expect(f.pods).toEqual(['web-5d9c7b7f8d-aaaaa', 'web-5d9c7b7f8d-bbbbb', 'web-5d9c7b7f8d-ccccc']);
    expect(f.summary).toMatch(/^3 pods: container app is crash-looping/);
    expect(f.id).toBe('pod-crash-loop:c1/shop/Deployment/web');
  });

  it('follows ReplicaSet -> Deployment owner references when the ReplicaSet is known', () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'checkout-abc',
        namespace: 'shop',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout-v2', controller: true },
        ],
      },
    };
    const p = pod({
      replicaSet: 'checkout-abc',
      containers: [running('app', { state: { waiting: { reason: 'CrashLoopBackOff' } } })],
    });
    const [f] = run(tag('c1', [rs, p]));
    expect(f?.object).toMatchObject({ kind: 'Deployment', name: 'checkout-v2' });
  });

  it('rolls StatefulSet, DaemonSet and Job pods up to their controller; bare pods stay pods', () => {
    const bad = running('app', { state: { waiting: { reason: 'CrashLoopBackOff' } } });
    const findings = run(
      tag('c1', [
        pod({ name: 'db-0', owner: { kind: 'StatefulSet', name: 'db' }, containers: [bad] }),
        pod({ name: 'db-1', owner: { kind: 'StatefulSet', name: 'db' }, containers: [bad] }),
        pod({ name: 'agent-x1', owner: { kind: 'DaemonSet', name: 'agent' }, containers: [bad] }),
        pod({ name: 'report-28391-q', owner: { kind: 'Job', name: 'report-28391' }, containers: [bad] }),
        pod({ name: 'debug', replicaSet: null, containers: [bad] }),
      ]),
    );
    expect(findings.map((f) => `${f.object.kind}/${f.object.name}:${f.count}`).sort()).toEqual([
      'DaemonSet/agent:1',
      'Job/report-28391:1',
      'Pod/debug:1',
      'StatefulSet/db:2',
    ]);
    expect(findings.find((f) => f.object.kind === 'Pod')?.summary).toMatch(/^Container app is crash-looping/);
  });

  it('attaches the log tail of a crashed container when the context has it', () => {
    const p = pod({
      containers: [
        running('app', {
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1 } },
        }),
      ],
    });
    const logTails = new Map([
      ['c1/shop/web-5d9c7b7f8d-x7k2p/app', ['Error: connect ECONNREFUSED 10.0.0.5:5432']],
    ]);
    const [f] = run(tag('c1', [p]), { logTails });
    expect(f?.evidence.logTail).toEqual(['Error: connect ECONNREFUSED 10.0.0.5:5432']);
  });

  it('keeps untrusted text as data and summaries on one line', () => {
    const p = pod({
      containers: [
        running('app', {
          state: {
            waiting: {
              reason: 'CreateContainerError',
              message: '<script>alert(1)</script>\nsecond line\u001b[31m',
            },
          },
        }),
      ],
    });
    const [f] = run(tag('c1', [p]));
    expect(f?.evidence.message).toBe('<script>alert(1)</script>\nsecond line\u001b[31m');
    expect(f?.summary).not.toContain('\n');
  });
});
