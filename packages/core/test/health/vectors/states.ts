// Object states as Kubernetes means them, for the health rules. Two kinds of vectors:
//
// 1. Real objects from public projects' test data, trimmed to the fields the rules read (the
//    values are theirs, unchanged), each citing repository, path and the commit it was read at:
//    - backstage/backstage plugins/kubernetes-common/src/error-detection/__fixtures__/
//      pod-crashing.json @caa10d6944398dba5574ba7eaea2b767d79c95e4 and
//      pod-missing-cm.json @cd66cff090803181eb4eb1fffcf8d851ddc7d8c8 (pods from a minikube and
//      a real cluster, captured for Backstage's own error detection)
//    - gitpod-io/gitpod components/ws-manager/pkg/manager/testdata/
//      status_failedPending_evicted_UNKNOWN01.json @24f7b609bf79b247d72d1841282639726bcd5891
//      (a workspace pod evicted on a GKE production node, with its kubelet event)
//    - derailed/k9s internal/render/testdata/po_sidecar.json
//      @8a16b57c09c46dc4be2c9f02ac02da10043610e3 (a kind cluster pod with a native sidecar) and
//      job.json @eed0fdd3cdefddaa9b1083ef274acfa71a1e703b (a completed CronJob run)
//    - kubernetes/website content/en/examples/controllers/job-pod-failure-policy-failjob.yaml
//      and content/en/docs/tasks/job/pod-failure-policy.md (release-1.31 onwards): the Job, and
//      the FailureTarget/Failed conditions the page shows it ends with
//
// 2. What Kubernetes' documentation and source define, built as the API server would return it:
//    - which controllers replace a failed pod (ReplicaSet, ReplicationController, StatefulSet,
//      DaemonSet) and which do not (a bare pod; a Job once it has failed): concepts/workloads/
//      pods/pod-lifecycle.md, concepts/workloads/controllers/job.md
//    - Job terminal conditions: FailureTarget is added as soon as the Job is known to fail, Failed
//      once its pods are gone; SuccessCriteriaMet precedes Complete (job.md, "Terminal Job
//      conditions", v1.31+); pkg/controller/job/job_controller.go
//    - deletionTimestamp is the end of the grace period, not the time of the delete request
//      (staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete: now + grace)
//    - readiness gates: Ready is False with reason ReadinessGatesNotReady while every container
//      is ready (pkg/kubelet/status/generate.go)
//    - sidecars are init containers with restartPolicy Always; they keep running beside the app
//      containers and are restarted like them (concepts/workloads/pods/sidecar-containers.md)
//    - eviction messages: "The node was low on resource: memory. ..." (pkg/kubelet/eviction/
//      helpers.go); older kubelets wrote the node condition: "The node was low on resource:
//      [DiskPressure]." (as in the gitpod fixture)
// Times are chosen relative to each case's `now`.

export interface StateCase {
  name: string;
  source: string;
  now: string;
  objects: object[];
  /** rule:severity of every finding, in any order. */
  expect: string[];
  /** Text every finding of the first expected rule must contain (summary, explanation, evidence). */
  mentions?: string[];
  /** Text the summary of that finding must contain. */
  summaryMentions?: string[];
  /** Text that finding must not contain (a cause Kubernetes rules out). */
  notMentions?: string[];
  /** Evidence fields the first finding of the first expected rule must carry. */
  evidence?: Record<string, unknown>;
}

const backstageCrashing = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    creationTimestamp: '2020-09-25T10:34:01.000Z',
    generateName: 'dice-roller-canary-7d64cd756c-',
    labels: {
      app: 'dice-roller-canary',
      'backstage.io/kubernetes-id': 'dice-roller',
      'pod-template-hash': '7d64cd756c',
    },
    name: 'dice-roller-canary-7d64cd756c-55rfq',
    namespace: 'default',
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        blockOwnerDeletion: true,
        controller: true,
        kind: 'ReplicaSet',
        name: 'dice-roller-canary-7d64cd756c',
        uid: '9208395b-a9a7-4e46-b881-6a189f7fbdb0',
      },
    ],
    uid: '65ad28e3-5d51-4b4b-9bf8-4cb069803034',
  },
  spec: {
    containers: [
      {
        image: 'nginx:1.14.2',
        name: 'nginx',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: {},
      },
      {
        image: 'nginx:1.14.2',
        name: 'side-car',
        ports: [{ containerPort: 81, protocol: 'TCP' }],
        resources: {},
      },
      {
        image: 'nginx:1.14.2',
        name: 'other-side-car',
        ports: [{ containerPort: 82, protocol: 'TCP' }],
        resources: {},
      },
    ],
    nodeName: 'minikube',
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
  },
  status: {
    conditions: [
      { lastTransitionTime: '2020-09-25T10:34:01.000Z', status: 'True', type: 'Initialized' },
      {
        lastTransitionTime: '2020-09-25T14:18:53.000Z',
        message: 'containers with unready status: [side-car other-side-car]',
        reason: 'ContainersNotReady',
        status: 'False',
        type: 'Ready',
      },
      {
        lastTransitionTime: '2020-09-25T14:18:53.000Z',
        message: 'containers with unready status: [side-car other-side-car]',
        reason: 'ContainersNotReady',
        status: 'False',
        type: 'ContainersReady',
      },
      { lastTransitionTime: '2020-09-25T10:34:01.000Z', status: 'True', type: 'PodScheduled' },
    ],
    containerStatuses: [
      {
        image: 'nginx:1.14.2',
        lastState: {},
        name: 'nginx',
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2020-09-25T10:34:01.000Z' } },
      },
      {
        image: 'nginx:1.14.2',
        lastState: {
          terminated: {
            exitCode: 1,
            finishedAt: '2020-09-25T14:18:52.000Z',
            reason: 'Error',
            startedAt: '2020-09-25T14:18:50.000Z',
          },
        },
        name: 'other-side-car',
        ready: false,
        restartCount: 123,
        started: false,
        state: {
          waiting: {
            message:
              'back-off 5m0s restarting failed container=other-side-car pod=dice-roller-canary-7d64cd756c-55rfq_default(65ad28e3-5d51-4b4b-9bf8-4cb069803034)',
            reason: 'CrashLoopBackOff',
          },
        },
      },
      {
        image: 'nginx:1.14.2',
        lastState: {
          terminated: {
            exitCode: 1,
            finishedAt: '2020-09-25T14:18:52.000Z',
            reason: 'Error',
            startedAt: '2020-09-25T14:18:50.000Z',
          },
        },
        name: 'side-car',
        ready: false,
        restartCount: 38,
        started: false,
        state: {
          waiting: {
            message:
              'back-off 5m0s restarting failed container=side-car pod=dice-roller-canary-7d64cd756c-55rfq_default(65ad28e3-5d51-4b4b-9bf8-4cb069803034)',
            reason: 'CrashLoopBackOff',
          },
        },
      },
    ],
    phase: 'Running',
    qosClass: 'BestEffort',
    startTime: '2020-09-25T10:34:01.000Z',
  },
};

const backstageMissingConfigMap = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    creationTimestamp: '2021-01-06T14:33:54Z',
    labels: {
      app: 'dice-roller-bad-cm',
      'backstage.io/kubernetes-id': 'dice-roller',
      'pod-template-hash': '855bf85464',
    },
    name: 'dice-roller-bad-cm-855bf85464-mg6xb',
    namespace: 'default',
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        blockOwnerDeletion: true,
        controller: true,
        kind: 'ReplicaSet',
        name: 'dice-roller-bad-cm-855bf85464',
        uid: '9bc2a418-60eb-4dfc-9748-78cf49ea9863',
      },
    ],
  },
  spec: {
    containers: [
      {
        image: 'nginx:1.14.2',
        name: 'nginx',
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
      },
    ],
    nodeName: 'node1',
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
  },
  status: {
    conditions: [
      { lastTransitionTime: '2021-01-06T14:33:54Z', status: 'True', type: 'Initialized' },
      {
        lastTransitionTime: '2021-01-06T14:33:54Z',
        message: 'containers with unready status: [nginx]',
        reason: 'ContainersNotReady',
        status: 'False',
        type: 'Ready',
      },
      { lastTransitionTime: '2021-01-06T14:33:54Z', status: 'True', type: 'PodScheduled' },
    ],
    containerStatuses: [
      {
        image: 'nginx:1.14.2',
        imageID: '',
        lastState: {},
        name: 'nginx',
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          waiting: { message: 'configmap "some-cm" not found', reason: 'CreateContainerConfigError' },
        },
      },
    ],
    phase: 'Pending',
    qosClass: 'Burstable',
    startTime: '2021-01-06T14:33:54Z',
  },
};

const gitpodEvicted = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'ws-cecf2a75-7225-4056-a125-fa3144b9c012',
    namespace: 'default',
    uid: '1762313e-518e-11ea-8ef7-42010a8401f0',
    creationTimestamp: '2020-02-17T14:02:10Z',
    labels: { app: 'gitpod', component: 'workspace', workspaceType: 'regular' },
  },
  spec: {
    containers: [
      {
        name: 'workspace',
        image:
          'eu.gcr.io/gitpod-dev/workspace-images:0fc76cd1c6eda009603bed31928a1cfaf53e455b27d6b3260c3d75022bd4d784',
        resources: { limits: { cpu: '7', memory: '11444Mi' }, requests: { cpu: '1m', memory: '2150Mi' } },
        readinessProbe: { timeoutSeconds: 1, periodSeconds: 1, failureThreshold: 600 },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    nodeName: 'gke-production--gitp-workspace-pool-2-a3afc0b4-nmbw',
  },
  status: {
    phase: 'Failed',
    message: 'Pod The node was low on resource: [DiskPressure]. ',
    reason: 'Evicted',
    startTime: '2020-02-17T14:02:10Z',
  },
};

const gitpodEvictedEvent = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'ws-cecf2a75-7225-4056-a125-fa3144b9c012.15f43571887802ac', namespace: 'default' },
  involvedObject: {
    kind: 'Pod',
    namespace: 'default',
    name: 'ws-cecf2a75-7225-4056-a125-fa3144b9c012',
    uid: '1762313e-518e-11ea-8ef7-42010a8401f0',
    apiVersion: 'v1',
  },
  reason: 'Evicted',
  message: 'The node was low on resource: [DiskPressure]. ',
  source: { component: 'kubelet', host: 'gke-production--gitp-workspace-pool-2-a3afc0b4-nmbw' },
  firstTimestamp: '2020-02-17T14:02:10Z',
  lastTimestamp: '2020-02-17T14:02:10Z',
  count: 1,
  type: 'Warning',
};

const k9sSidecar = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { creationTimestamp: '2024-08-24T01:54:32Z', name: 'sleep', namespace: 'default' },
  spec: {
    containers: [
      {
        image: 'istio/base',
        name: 'sleep',
        resources: { limits: { cpu: '230m', memory: '40Mi' }, requests: { cpu: '30m', memory: '10Mi' } },
      },
    ],
    initContainers: [
      {
        image: 'istio/base',
        name: 'init',
        resources: { limits: { cpu: '333m', memory: '333Mi' }, requests: { cpu: '333m', memory: '333Mi' } },
      },
      {
        image: 'istio/base',
        name: 'sidecar',
        resources: { limits: { cpu: '20m', memory: '40Mi' }, requests: { cpu: '20m', memory: '40Mi' } },
        restartPolicy: 'Always',
      },
    ],
    nodeName: 'kind-control-plane',
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 30,
  },
  status: {
    conditions: [
      { lastTransitionTime: '2024-08-24T01:54:36Z', status: 'True', type: 'PodReadyToStartContainers' },
      { lastTransitionTime: '2024-08-24T01:54:38Z', status: 'True', type: 'Initialized' },
      { lastTransitionTime: '2024-08-24T01:54:39Z', status: 'True', type: 'Ready' },
      { lastTransitionTime: '2024-08-24T01:54:39Z', status: 'True', type: 'ContainersReady' },
      { lastTransitionTime: '2024-08-24T01:54:32Z', status: 'True', type: 'PodScheduled' },
    ],
    containerStatuses: [
      {
        image: 'docker.io/istio/base:latest',
        lastState: {},
        name: 'sleep',
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2024-08-24T01:54:38Z' } },
      },
    ],
    initContainerStatuses: [
      {
        image: 'docker.io/istio/base:latest',
        lastState: {},
        name: 'init',
        ready: true,
        restartCount: 0,
        started: false,
        state: {
          terminated: {
            exitCode: 0,
            finishedAt: '2024-08-24T01:54:37Z',
            reason: 'Completed',
            startedAt: '2024-08-24T01:54:35Z',
          },
        },
      },
      {
        image: 'docker.io/istio/base:latest',
        lastState: {},
        name: 'sidecar',
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2024-08-24T01:54:38Z' } },
      },
    ],
    phase: 'Running',
    qosClass: 'Burstable',
    startTime: '2024-08-24T01:54:32Z',
  },
};

const k9sCompletedJob = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    creationTimestamp: '2019-08-30T15:33:02Z',
    labels: { 'controller-uid': '7473e6d0-cb3b-11e9-990f-42010a800218', 'job-name': 'hello-1567179180' },
    name: 'hello-1567179180',
    namespace: 'default',
    ownerReferences: [
      {
        apiVersion: 'batch/v1beta1',
        blockOwnerDeletion: true,
        controller: true,
        kind: 'CronJob',
        name: 'hello',
        uid: '7f0b856c-cb39-11e9-990f-42010a800218',
      },
    ],
  },
  spec: { backoffLimit: 6, completions: 1, parallelism: 1 },
  status: {
    completionTime: '2019-08-30T15:33:10Z',
    conditions: [
      {
        lastProbeTime: '2019-08-30T15:33:10Z',
        lastTransitionTime: '2019-08-30T15:33:10Z',
        status: 'True',
        type: 'Complete',
      },
    ],
    startTime: '2019-08-30T15:33:02Z',
    succeeded: 1,
  },
};

// ---- built from Kubernetes' definitions ---------------------------------------------------------

const NOW = '2026-11-26T12:00:00Z';
const at = (secondsAgo: number) =>
  new Date(Date.parse(NOW) - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function failedPod(o: {
  name: string;
  owner?: { kind: string; name: string; apiVersion?: string };
  restartPolicy?: string;
  reason?: string;
  message?: string;
  finishedAgo?: number;
  container?: { exitCode: number; reason?: string; message?: string };
  init?: { exitCode: number; reason?: string; message?: string };
  conditions?: object[];
}) {
  const finished = at(o.finishedAgo ?? 600);
  const terminated = (t: { exitCode: number; reason?: string; message?: string }) => ({
    terminated: { ...t, startedAt: at((o.finishedAgo ?? 600) + 60), finishedAt: finished },
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: 'batch',
      creationTimestamp: at((o.finishedAgo ?? 600) + 120),
      ...(o.owner
        ? {
            ownerReferences: [
              {
                apiVersion: o.owner.apiVersion ?? 'batch/v1',
                kind: o.owner.kind,
                name: o.owner.name,
                uid: `uid-${o.owner.name}`,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      restartPolicy: o.restartPolicy ?? 'Never',
      nodeName: 'node-b2',
      terminationGracePeriodSeconds: 30,
      ...(o.init ? { initContainers: [{ name: 'migrate', image: 'registry.example.com/migrate:7' }] } : {}),
      containers: [{ name: 'main', image: 'docker.io/library/bash:5' }],
    },
    status: {
      phase: 'Failed',
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.message ? { message: o.message } : {}),
      startTime: at((o.finishedAgo ?? 600) + 110),
      conditions: o.conditions ?? [
        { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: finished },
      ],
      ...(o.init
        ? {
            initContainerStatuses: [
              {
                name: 'migrate',
                image: 'registry.example.com/migrate:7',
                ready: false,
                restartCount: 0,
                state: terminated(o.init),
              },
            ],
          }
        : {}),
      containerStatuses: [
        {
          name: 'main',
          image: 'docker.io/library/bash:5',
          ready: false,
          restartCount: 0,
          state: o.container
            ? terminated(o.container)
            : o.init
              ? { waiting: { reason: 'PodInitializing' } }
              : terminated({ exitCode: 137, reason: 'Error' }),
        },
      ],
    },
  };
}

function job(o: {
  name: string;
  conditions?: object[];
  failed?: number;
  succeeded?: number;
  active?: number;
  backoffLimit?: number;
  podFailurePolicy?: boolean;
  owner?: { kind: string; name: string };
}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: o.name,
      namespace: 'batch',
      creationTimestamp: at(900),
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: 'batch/v1', kind: o.owner.kind, name: o.owner.name, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      completions: 8,
      parallelism: 2,
      backoffLimit: o.backoffLimit ?? 6,
      ...(o.podFailurePolicy
        ? {
            podFailurePolicy: {
              rules: [
                { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
              ],
            },
          }
        : {}),
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'docker.io/library/bash:5' }] },
      },
    },
    status: {
      startTime: at(880),
      ...(o.active !== undefined ? { active: o.active } : {}),
      ...(o.failed !== undefined ? { failed: o.failed } : {}),
      ...(o.succeeded !== undefined ? { succeeded: o.succeeded } : {}),
      ...(o.conditions ? { conditions: o.conditions } : {}),
    },
  };
}

const failJobMessage =
  'Container main for pod batch/job-pod-failure-policy-failjob-8ckj8 failed with exit code 42 matching FailJob rule at index 0';

function running(o: {
  name: string;
  owner?: { kind: string; name: string };
  conditions: object[];
  deletionAgo?: number;
  grace?: number;
  finalizers?: string[];
  sidecar?: object;
  readinessGates?: string[];
}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: 'shop',
      creationTimestamp: at(86_400),
      labels: { app: 'web', 'pod-template-hash': '5d9c7b7f8d' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: o.owner?.kind ?? 'ReplicaSet',
          name: o.owner?.name ?? 'web-5d9c7b7f8d',
          controller: true,
        },
      ],
      ...(o.deletionAgo !== undefined
        ? { deletionTimestamp: at(o.deletionAgo), deletionGracePeriodSeconds: o.grace ?? 30 }
        : {}),
      ...(o.finalizers ? { finalizers: o.finalizers } : {}),
    },
    spec: {
      nodeName: 'node-a1',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: o.grace ?? 30,
      ...(o.readinessGates
        ? { readinessGates: o.readinessGates.map((conditionType) => ({ conditionType })) }
        : {}),
      ...(o.sidecar
        ? { initContainers: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0', restartPolicy: 'Always' }] }
        : {}),
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/shop/web:1.4.2',
          readinessProbe: { periodSeconds: 10, failureThreshold: 3 },
        },
      ],
    },
    status: {
      phase: 'Running',
      startTime: at(86_400),
      conditions: o.conditions,
      ...(o.sidecar ? { initContainerStatuses: [o.sidecar] } : {}),
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example.com/shop/web:1.4.2',
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: at(86_000) } },
        },
      ],
    },
  };
}

const readyConditions = [
  { type: 'Initialized', status: 'True', lastTransitionTime: at(86_400) },
  { type: 'Ready', status: 'True', lastTransitionTime: at(86_000) },
  { type: 'ContainersReady', status: 'True', lastTransitionTime: at(86_000) },
  { type: 'PodScheduled', status: 'True', lastTransitionTime: at(86_400) },
];

export const STATE_CASES: StateCase[] = [
  // ---- real objects -----------------------------------------------------------------------------
  {
    name: 'two containers of a Deployment pod in CrashLoopBackOff (exit code 1)',
    source: 'backstage pod-crashing.json',
    now: '2020-09-25T14:30:00Z',
    objects: [backstageCrashing],
    expect: ['pod-crash-loop:critical'],
    mentions: ['exit code 1', 'restarts'],
    evidence: { exitCode: 1, reason: 'Error' },
  },
  {
    name: 'a container that references a missing ConfigMap',
    source: 'backstage pod-missing-cm.json',
    now: '2021-01-06T14:45:00Z',
    objects: [backstageMissingConfigMap],
    expect: ['pod-create-container-error:critical'],
    mentions: ['some-cm'],
  },
  {
    name: 'an evicted pod (DiskPressure, older kubelet wording) is a warning, long after the eviction too',
    source: 'gitpod status_failedPending_evicted_UNKNOWN01.json',
    now: NOW,
    objects: [gitpodEvicted, gitpodEvictedEvent],
    expect: ['pod-evicted:warning'],
    summaryMentions: ['low on disk'],
    evidence: { reason: 'Evicted' },
  },
  {
    name: 'a running pod with a native sidecar (init container, restartPolicy Always) is healthy',
    source: 'k9s po_sidecar.json',
    now: '2024-08-24T02:30:00Z',
    objects: [k9sSidecar],
    expect: [],
  },
  {
    name: 'a completed CronJob run is not a problem',
    source: 'k9s job.json',
    now: '2019-08-30T16:00:00Z',
    objects: [k9sCompletedJob],
    expect: [],
  },
  {
    name: 'a Job failed by its pod failure policy: the Job finding names the rule and the exit code',
    source: 'kubernetes/website tasks/job/pod-failure-policy.md',
    now: NOW,
    objects: [
      job({
        name: 'job-pod-failure-policy-failjob',
        podFailurePolicy: true,
        failed: 1,
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'PodFailurePolicy',
            message: failJobMessage,
            lastTransitionTime: at(500),
          },
          {
            type: 'Failed',
            status: 'True',
            reason: 'PodFailurePolicy',
            message: failJobMessage,
            lastTransitionTime: at(470),
          },
        ],
      }),
      failedPod({
        name: 'job-pod-failure-policy-failjob-8ckj8',
        owner: { kind: 'Job', name: 'job-pod-failure-policy-failjob' },
        finishedAgo: 500,
        container: { exitCode: 42, reason: 'Error' },
      }),
    ],
    expect: ['job-failed:critical'],
    mentions: ['pod failure policy', 'exit code 42'],
    evidence: { exitCode: 42, container: 'main' },
  },

  // ---- Kubernetes' definitions ----------------------------------------------------------------
  {
    name: 'a bare pod (restartPolicy Never) that failed: nothing will retry it',
    source: 'pod-lifecycle.md: a pod is not rescheduled; only controllers replace pods',
    now: NOW,
    objects: [
      failedPod({
        name: 'db-migrate',
        container: { exitCode: 3, reason: 'Error', message: 'relation "orders" already exists' },
      }),
    ],
    expect: ['pod-failed:critical'],
    mentions: ['exit code 3', 'already exists'],
    evidence: {
      exitCode: 3,
      reason: 'Error',
      message: 'relation "orders" already exists',
      container: 'main',
    },
  },
  {
    name: 'a bare pod whose init container failed names the init container',
    source: 'pod-lifecycle.md: init containers; restartPolicy Never fails the pod',
    now: NOW,
    objects: [failedPod({ name: 'seed', init: { exitCode: 2, reason: 'Error' } })],
    expect: ['pod-failed:critical'],
    mentions: ['init container migrate', 'exit code 2'],
    evidence: { exitCode: 2, container: 'migrate' },
  },
  {
    name: 'a bare pod stopped by activeDeadlineSeconds says so',
    source: 'pod-lifecycle.md; kubelet active deadline (reason DeadlineExceeded)',
    now: NOW,
    objects: [
      failedPod({
        name: 'report',
        restartPolicy: 'OnFailure',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
        container: { exitCode: 137, reason: 'Error' },
      }),
    ],
    expect: ['pod-failed:critical'],
    mentions: ['activeDeadlineSeconds'],
  },
  {
    name: 'a failed pod of a controller Portolan does not know is a warning on that controller',
    source:
      'ownerReferences: only ReplicaSet, ReplicationController, StatefulSet, DaemonSet and Job are Kubernetes controllers that replace pods',
    now: NOW,
    objects: [
      failedPod({
        name: 'build-x7-pod',
        owner: { kind: 'TaskRun', name: 'build-x7', apiVersion: 'tekton.dev/v1' },
        container: { exitCode: 1, reason: 'Error' },
      }),
    ],
    expect: ['pod-failed:warning'],
    mentions: ['exit code 1'],
  },
  {
    name: 'a failed pod of a Job that is still running will be retried: no finding',
    source: 'job.md: pod backoff failure policy',
    now: NOW,
    objects: [
      job({ name: 'import', active: 1, failed: 1 }),
      failedPod({ name: 'import-abc12', owner: { kind: 'Job', name: 'import' }, container: { exitCode: 1 } }),
    ],
    expect: [],
  },
  {
    name: 'failed pods of a Job that then completed are history',
    source: 'job.md: terminal Job conditions (SuccessCriteriaMet, Complete)',
    now: NOW,
    objects: [
      job({
        name: 'import',
        failed: 2,
        succeeded: 8,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: at(120) },
          { type: 'Complete', status: 'True', lastTransitionTime: at(100) },
        ],
      }),
      failedPod({ name: 'import-abc12', owner: { kind: 'Job', name: 'import' }, container: { exitCode: 1 } }),
    ],
    expect: [],
  },
  {
    name: 'a Job past its backoffLimit: one finding on the Job with the last pod’s exit code',
    source: 'job.md: backoffLimit; Failed reason BackoffLimitExceeded',
    now: NOW,
    objects: [
      job({
        name: 'import',
        failed: 7,
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: at(300),
          },
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: at(290),
          },
        ],
      }),
      failedPod({
        name: 'import-aaaa1',
        owner: { kind: 'Job', name: 'import' },
        finishedAgo: 2000,
        container: { exitCode: 1, reason: 'Error' },
      }),
      failedPod({
        name: 'import-zzzz9',
        owner: { kind: 'Job', name: 'import' },
        finishedAgo: 310,
        container: { exitCode: 2, reason: 'Error', message: 'S3 bucket not found' },
      }),
    ],
    expect: ['job-failed:critical'],
    mentions: ['backoffLimit 6', 'exit code 2'],
    evidence: { exitCode: 2, message: 'S3 bucket not found' },
  },
  {
    name: 'a Job with FailureTarget but no Failed yet has already failed (pods still terminating)',
    source: 'job.md: FailureTarget is added before Failed (v1.31+)',
    now: NOW,
    objects: [
      job({
        name: 'import',
        failed: 7,
        active: 1,
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: at(30),
          },
        ],
      }),
    ],
    expect: ['job-failed:critical'],
  },
  {
    name: 'a failed ReplicaSet pod (node shutdown) is replaced by its controller: no finding',
    source: 'pod-lifecycle.md; graceful node shutdown sets phase Failed, the ReplicaSet creates a new pod',
    now: NOW,
    objects: [
      failedPod({
        name: 'web-5d9c7b7f8d-q2w3e',
        owner: { kind: 'ReplicaSet', name: 'web-5d9c7b7f8d', apiVersion: 'apps/v1' },
        restartPolicy: 'Always',
        reason: 'Terminated',
        message: 'Pod was terminated in response to imminent node shutdown.',
      }),
    ],
    expect: [],
  },
  {
    name: 'an eviction a week old is still a warning (a lost replica and a node under pressure)',
    source: 'pkg/kubelet/eviction: DisruptionTarget condition, reason TerminationByKubelet',
    now: NOW,
    objects: [
      failedPod({
        name: 'web-5d9c7b7f8d-e4r5t',
        owner: { kind: 'ReplicaSet', name: 'web-5d9c7b7f8d', apiVersion: 'apps/v1' },
        restartPolicy: 'Always',
        reason: 'Evicted',
        message:
          'The node was low on resource: memory. Threshold quantity: 100Mi, available: 64Mi. Container app was using 1530Mi, request is 256Mi, has larger consumption of memory. ',
        finishedAgo: 7 * 86_400,
        conditions: [
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'TerminationByKubelet',
            message: 'The node was low on resource: memory. ',
            lastTransitionTime: at(7 * 86_400),
          },
        ],
      }),
    ],
    expect: ['pod-evicted:warning'],
    mentions: ['memory'],
  },
  {
    name: 'deletionTimestamp is the end of the grace period: 6 minutes past it is stuck',
    source: 'apiserver registry/rest/delete.go: deletionTimestamp = request time + grace period',
    now: NOW,
    objects: [
      running({ name: 'web-5d9c7b7f8d-stuck', conditions: readyConditions, deletionAgo: 360, grace: 120 }),
    ],
    expect: ['pod-terminating-stuck:warning'],
    mentions: ['terminating for 8m'],
  },
  {
    name: 'a pod still within its grace period is only terminating',
    source: 'apiserver registry/rest/delete.go',
    now: NOW,
    objects: [
      running({ name: 'web-5d9c7b7f8d-going', conditions: readyConditions, deletionAgo: -60, grace: 120 }),
    ],
    expect: [],
  },
  {
    name: 'ready containers held back by a readiness gate: the gate is the cause, not a probe',
    source: 'pkg/kubelet/status/generate.go: ReadinessGatesNotReady',
    now: NOW,
    objects: [
      running({
        name: 'web-5d9c7b7f8d-gated',
        readinessGates: ['target-health.elbv2.k8s.aws/k8s-shop-web-1a2b3c'],
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: at(86_400) },
          {
            type: 'Ready',
            status: 'False',
            reason: 'ReadinessGatesNotReady',
            message:
              'corresponding condition of pod readiness gate "target-health.elbv2.k8s.aws/k8s-shop-web-1a2b3c" does not exist.',
            lastTransitionTime: at(1800),
          },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: at(1790) },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: at(86_400) },
        ],
      }),
    ],
    expect: ['pod-not-ready:warning'],
    mentions: ['readiness gate', 'target-health.elbv2.k8s.aws/k8s-shop-web-1a2b3c'],
    notMentions: ['readiness probe'],
  },
  {
    name: 'a crash-looping sidecar in a running pod is a crash loop, not an init failure',
    source: 'concepts/workloads/pods/sidecar-containers.md',
    now: NOW,
    objects: [
      running({
        name: 'web-5d9c7b7f8d-side',
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: at(86_400) },
          {
            type: 'Ready',
            status: 'False',
            reason: 'ContainersNotReady',
            message: 'containers with unready status: [proxy]',
            lastTransitionTime: at(600),
          },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: at(86_400) },
        ],
        sidecar: {
          name: 'proxy',
          image: 'envoyproxy/envoy:v1.31.0',
          ready: false,
          started: false,
          restartCount: 12,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: 'back-off 5m0s restarting failed container=proxy',
            },
          },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: at(200) } },
        },
      }),
    ],
    expect: ['pod-crash-loop:critical'],
    mentions: ['container proxy', 'exit code 1'],
  },
];

STATE_CASES.push({
  name: 'a failed Job pod without its Job in the input: reported as a note, the Job decides',
  source: 'job.md: only the Job controller knows whether it retries',
  now: NOW,
  objects: [
    failedPod({
      name: 'import-abc12',
      owner: { kind: 'Job', name: 'import' },
      container: { exitCode: 1, reason: 'Error' },
    }),
  ],
  expect: ['pod-failed:info'],
  mentions: ['exit code 1'],
});
