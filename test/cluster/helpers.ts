// Test helpers for the real test fleet: reach a cluster by kubeconfig context, put workloads
// into the states Portolan must explain, and break an apiserver on purpose.
//
// How pod states are made. kwok plays the kubelet: its stages (kwok-stages.yaml) move every new
// pod to Running/Ready. A status patched onto a pod that kwok still manages can be overwritten
// the next time a stage matches it (a Pending pod goes Running again). So each pod helper first
// annotates the pod `portolan.test/status=<state>`, which every kwok pod stage except deletion
// excludes, and then writes the status through the pods/status subresource, as a kubelet would,
// and re-checks that it stuck. Deleting such a pod still works (kwok's pod-delete stage).
// Events a kubelet would record (BackOff, Failed, Unhealthy) are created as kubelet events.
// Unschedulable pods and progress deadlines need no trick: the real scheduler and the real
// Deployment controller produce them.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
  type V1PodCondition,
  type V2HorizontalPodAutoscaler,
  type V2HorizontalPodAutoscalerCondition,
  type V2MetricStatus,
} from '@kubernetes/client-node';
import { criLogLine, waitApiserverReady } from './control-plane.ts';
import { isRunning, startDetached, stopProcess, waitFor } from './processes.ts';
import { type FleetState, fleetDir, readState, writeState } from './state.ts';

export { waitFor };

/** A namespaced object in one cluster, reached through a kubeconfig context. */
export interface ObjectRef {
  context: string;
  namespace: string;
  name: string;
}

export const STATUS_ANNOTATION = 'portolan.test/status';
/** Options for a client call that sends a JSON merge patch (the client's default is a JSON patch). */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** The fleet's kubeconfig: $PORTOLAN_FLEET_KUBECONFIG, or the one `fleet up` wrote. */
export function fleetKubeconfigPath(): string {
  return process.env.PORTOLAN_FLEET_KUBECONFIG ?? join(fleetDir(), 'kubeconfig');
}

function fleetState(): FleetState {
  const dir = dirname(fleetKubeconfigPath());
  const state = readState(dir);
  if (!state) throw new Error(`no running test fleet in ${dir}; start one with \`npm run fleet -- up 3\``);
  return state;
}

/** Names of the running fleet's clusters, which are also their admin contexts. */
export function fleetClusters(): string[] {
  return fleetState().clusters.map((c) => c.name);
}

export function kubeConfigFor(context: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(fleetKubeconfigPath());
  kc.setCurrentContext(context);
  return kc;
}

export const coreApi = (context: string) => kubeConfigFor(context).makeApiClient(CoreV1Api);
export const appsApi = (context: string) => kubeConfigFor(context).makeApiClient(AppsV1Api);
export const autoscalingApi = (context: string) => kubeConfigFor(context).makeApiClient(AutoscalingV2Api);

const now = () => new Date();

function condition(
  type: string,
  status: 'True' | 'False',
  reason?: string,
  message?: string,
): V1PodCondition {
  return {
    type,
    status,
    lastTransitionTime: now(),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

/** Records an event as the kubelet on the pod's node would. */
export async function recordKubeletEvent(
  pod: V1Pod,
  context: string,
  event: { type: 'Normal' | 'Warning'; reason: string; message: string; container?: string },
): Promise<void> {
  const namespace = pod.metadata!.namespace!;
  const at = now();
  await coreApi(context).createNamespacedEvent({
    namespace,
    body: {
      metadata: { generateName: `${pod.metadata!.name}.`, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace,
        name: pod.metadata!.name!,
        uid: pod.metadata!.uid!,
        ...(event.container ? { fieldPath: `spec.containers{${event.container}}` } : {}),
      },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component: 'kubelet', host: pod.spec?.nodeName ?? '' },
      reportingComponent: 'kubelet',
      reportingInstance: pod.spec?.nodeName ?? '',
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    },
  });
}

/**
 * Takes the pod away from kwok's stages and writes `status`, then checks that it stuck (a kwok
 * update already in flight when the annotation landed can overwrite it once).
 */
async function writePodStatus(
  ref: ObjectRef,
  state: string,
  status: (pod: V1Pod) => NonNullable<V1Pod['status']>,
  stuck: (pod: V1Pod) => boolean,
): Promise<V1Pod> {
  const core = coreApi(ref.context);
  await core.patchNamespacedPod(
    {
      name: ref.name,
      namespace: ref.namespace,
      body: { metadata: { annotations: { [STATUS_ANNOTATION]: state } } },
    },
    mergePatch,
  );
  return waitFor(
    `${ref.context}: pod ${ref.namespace}/${ref.name} to keep status ${state}`,
    async () => {
      const pod = await core.readNamespacedPod({ name: ref.name, namespace: ref.namespace });
      if (stuck(pod)) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const again = await core.readNamespacedPod({ name: ref.name, namespace: ref.namespace });
        if (stuck(again)) return again;
      }
      await core.patchNamespacedPodStatus(
        { name: ref.name, namespace: ref.namespace, body: { status: status(pod) } },
        strategicMergePatch,
      );
      return undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

const containersOf = (pod: V1Pod) => pod.spec?.containers ?? [];
const waitingReason = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
const notReady = (pod: V1Pod) => [
  condition(
    'Ready',
    'False',
    'ContainersNotReady',
    `containers with unready status: [${containersOf(pod)
      .map((c) => c.name)
      .join(' ')}]`,
  ),
  condition(
    'ContainersReady',
    'False',
    'ContainersNotReady',
    `containers with unready status: [${containersOf(pod)
      .map((c) => c.name)
      .join(' ')}]`,
  ),
];

/**
 * A pod status whose first container crash-loops (waiting in CrashLoopBackOff after `restarts`
 * restarts, last terminated with `exitCode` and `reason`) while the others run.
 */
function crashLoopingStatus(
  current: V1Pod,
  o: { restarts: number; exitCode: number; reason: string; backOff: string },
) {
  return {
    phase: 'Running',
    conditions: notReady(current),
    containerStatuses: containersOf(current).map((c, i) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: `docker-pullable://${c.image}`,
      containerID: `containerd://${c.name}-${i === 0 ? o.restarts : 0}`,
      ready: i !== 0,
      started: i !== 0,
      restartCount: i === 0 ? o.restarts : 0,
      state:
        i === 0
          ? { waiting: { reason: 'CrashLoopBackOff', message: o.backOff } }
          : { running: { startedAt: now() } },
      lastState:
        i === 0
          ? {
              terminated: {
                exitCode: o.exitCode,
                reason: o.reason,
                startedAt: new Date(Date.now() - 5000),
                finishedAt: now(),
              },
            }
          : {},
    })),
  };
}

/**
 * The first container keeps crashing: waiting in CrashLoopBackOff, `restarts` restarts, last
 * terminated with `exitCode` (reason Error), plus the kubelet's BackOff event.
 */
export async function makeCrashLoop(
  pod: ObjectRef,
  options: { restarts?: number; exitCode?: number } = {},
): Promise<V1Pod> {
  const restarts = options.restarts ?? 5;
  const exitCode = options.exitCode ?? 1;
  const result = await writePodStatus(
    pod,
    'crash-loop',
    (current) =>
      crashLoopingStatus(current, {
        restarts,
        exitCode,
        reason: 'Error',
        backOff: `back-off 2m40s restarting failed container=${containersOf(current)[0]?.name} pod=${pod.name}_${pod.namespace}(${current.metadata?.uid})`,
      }),
    (p) =>
      waitingReason(p) === 'CrashLoopBackOff' &&
      p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode === exitCode,
  );
  const container = containersOf(result)[0]?.name ?? '';
  await recordKubeletEvent(result, pod.context, {
    type: 'Warning',
    reason: 'BackOff',
    message: `Back-off restarting failed container ${container} in pod ${pod.name}_${pod.namespace}(${result.metadata?.uid})`,
    container,
  });
  return result;
}

/** The image cannot be pulled: Pending, waiting in ImagePullBackOff, with the kubelet's events. */
export async function makeImagePullBackOff(pod: ObjectRef): Promise<V1Pod> {
  const result = await writePodStatus(
    pod,
    'image-pull-back-off',
    (current) => ({
      phase: 'Pending',
      conditions: notReady(current),
      containerStatuses: containersOf(current).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } },
      })),
    }),
    (p) => waitingReason(p) === 'ImagePullBackOff' && p.status?.phase === 'Pending',
  );
  const container = containersOf(result)[0];
  await recordKubeletEvent(result, pod.context, {
    type: 'Warning',
    reason: 'Failed',
    message: `Failed to pull image "${container?.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${container?.image}": not found`,
    container: container?.name ?? '',
  });
  await recordKubeletEvent(result, pod.context, {
    type: 'Warning',
    reason: 'BackOff',
    message: `Back-off pulling image "${container?.image}"`,
    container: container?.name ?? '',
  });
  return result;
}

/** The first container was killed for exceeding its memory limit: exit 137, reason OOMKilled. */
export async function makeOOMKilled(pod: ObjectRef, options: { restarts?: number } = {}): Promise<V1Pod> {
  const restarts = options.restarts ?? 3;
  return writePodStatus(
    pod,
    'oom-killed',
    (current) =>
      crashLoopingStatus(current, {
        restarts,
        exitCode: 137,
        reason: 'OOMKilled',
        backOff: `back-off 1m20s restarting failed container=${containersOf(current)[0]?.name}`,
      }),
    (p) => p.status?.containerStatuses?.[0]?.lastState?.terminated?.reason === 'OOMKilled',
  );
}

/** Containers run but fail their readiness probe: Running, not Ready, with Unhealthy events. */
export async function makeReadinessFailing(pod: ObjectRef): Promise<V1Pod> {
  const result = await writePodStatus(
    pod,
    'readiness-failing',
    (current) => ({
      phase: 'Running',
      conditions: notReady(current),
      containerStatuses: containersOf(current).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: `docker-pullable://${c.image}`,
        containerID: `containerd://${c.name}`,
        ready: false,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: new Date(Date.now() - 60_000) } },
      })),
    }),
    (p) =>
      p.status?.phase === 'Running' &&
      p.status.containerStatuses?.[0]?.ready === false &&
      p.status.containerStatuses[0].state?.running !== undefined,
  );
  const container = containersOf(result)[0]?.name ?? '';
  await recordKubeletEvent(result, pod.context, {
    type: 'Warning',
    reason: 'Unhealthy',
    message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
    container,
  });
  return result;
}

/**
 * Creates a pod that asks for more CPU than any fleet node has (16 cores), so the real scheduler
 * marks it Unschedulable and records a real FailedScheduling event. Resolves with both.
 */
export async function makeUnschedulable(
  pod: ObjectRef,
  options: { labels?: Record<string, string>; image?: string; cpu?: string } = {},
): Promise<{ pod: V1Pod; event: { reason: string; message: string } }> {
  const core = coreApi(pod.context);
  await core.createNamespacedPod({
    namespace: pod.namespace,
    body: {
      metadata: { name: pod.name, labels: options.labels ?? {} },
      spec: {
        containers: [
          {
            name: 'app',
            image: options.image ?? 'example.test/pause:3.10',
            resources: { requests: { cpu: options.cpu ?? '1000' } },
          },
        ],
      },
    },
  });
  return waitFor(`${pod.context}: FailedScheduling for ${pod.namespace}/${pod.name}`, async () => {
    const current = await core.readNamespacedPod({ name: pod.name, namespace: pod.namespace });
    const scheduled = current.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
    const events = await core.listNamespacedEvent({
      namespace: pod.namespace,
      fieldSelector: `involvedObject.name=${pod.name},reason=FailedScheduling`,
    });
    const event = events.items[0];
    return event
      ? { pod: current, event: { reason: event.reason ?? '', message: event.message ?? '' } }
      : undefined;
  });
}

/**
 * Creates a Deployment whose pods never become ready (kwok leaves them Pending, as if their
 * containers never started) with a short progressDeadlineSeconds, and waits until the real
 * Deployment controller reports Progressing=False, reason ProgressDeadlineExceeded.
 */
export async function exceedProgressDeadline(
  deployment: ObjectRef,
  options: {
    progressDeadlineSeconds?: number;
    replicas?: number;
    image?: string;
    labels?: Record<string, string>;
  } = {},
): Promise<V1Deployment> {
  const apps = appsApi(deployment.context);
  const labels = options.labels ?? { app: deployment.name };
  await apps.createNamespacedDeployment({
    namespace: deployment.namespace,
    body: {
      metadata: { name: deployment.name, labels },
      spec: {
        replicas: options.replicas ?? 1,
        progressDeadlineSeconds: options.progressDeadlineSeconds ?? 5,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { [STATUS_ANNOTATION]: 'never-ready' } },
          spec: { containers: [{ name: 'app', image: options.image ?? 'example.test/pause:3.10' }] },
        },
      },
    },
  });
  return waitFor(
    `${deployment.context}: ProgressDeadlineExceeded on ${deployment.namespace}/${deployment.name}`,
    async () => {
      const current = await apps.readNamespacedDeployment({
        name: deployment.name,
        namespace: deployment.namespace,
      });
      const progressing = current.status?.conditions?.find((c) => c.type === 'Progressing');
      return progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded'
        ? current
        : undefined;
    },
    { timeoutMs: 60_000 + (options.progressDeadlineSeconds ?? 5) * 1000 },
  );
}

export interface HpaStatus {
  currentReplicas: number;
  desiredReplicas: number;
  currentMetrics?: V2MetricStatus[];
  conditions?: Array<
    Omit<V2HorizontalPodAutoscalerCondition, 'lastTransitionTime'> & { lastTransitionTime?: Date }
  >;
  lastScaleTime?: Date;
}

/**
 * Writes an HPA's status through the status subresource. The fleet runs no HPA controller (there
 * is no metrics API to feed it), so what is written here stays.
 */
export async function setHpaStatus(hpa: ObjectRef, status: HpaStatus): Promise<V2HorizontalPodAutoscaler> {
  return autoscalingApi(hpa.context).patchNamespacedHorizontalPodAutoscalerStatus(
    {
      name: hpa.name,
      namespace: hpa.namespace,
      body: {
        status: {
          currentReplicas: status.currentReplicas,
          desiredReplicas: status.desiredReplicas,
          currentMetrics: status.currentMetrics ?? [],
          conditions: (status.conditions ?? []).map((c) => ({ lastTransitionTime: now(), ...c })),
          ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
        },
      },
    },
    mergePatch,
  );
}

async function podLogFile(pod: ObjectRef, container?: string): Promise<{ file: string; container: string }> {
  const kc = kubeConfigFor(pod.context);
  const cluster = kc.getContextObject(pod.context)?.cluster ?? pod.context;
  const name =
    container ??
    (await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: pod.name, namespace: pod.namespace })).spec
      ?.containers[0]?.name ??
    '';
  const dir = join(dirname(fleetKubeconfigPath()), cluster, 'pod-logs');
  mkdirSync(dir, { recursive: true });
  return { file: join(dir, `${pod.namespace}_${pod.name}_${name}`), container: name };
}

/** Appends a line to a log set with setPodLogs, as the running container would; followers see it. */
export async function appendPodLog(pod: ObjectRef, text: string, container?: string): Promise<void> {
  const { file } = await podLogFile(pod, container);
  appendFileSync(`${file}.log`, criLogLine(new Date(), text));
}

/**
 * Gives one container of a pod its own log (and the log of its previous, crashed instance), served
 * by kwok through the real `pods/log` API, tail and follow included. Without this, asking for a
 * pod's log is an API error (see writeKwokConfig in control-plane.ts). Lines get timestamps one
 * millisecond apart, ending now.
 */
export async function setPodLogs(
  pod: ObjectRef,
  logs: { lines: string[]; previousLines?: string[]; container?: string },
): Promise<void> {
  const kc = kubeConfigFor(pod.context);
  const core = kc.makeApiClient(CoreV1Api);
  const { file, container } = await podLogFile(pod, logs.container);
  const end = Date.now();
  const lines = (texts: string[], until: number) =>
    texts.map((text, i) => criLogLine(new Date(until - (texts.length - 1 - i)), text)).join('');
  writeFileSync(`${file}.log`, lines(logs.lines, end));
  writeFileSync(`${file}.previous.log`, lines(logs.previousLines ?? [], end - 60_000));
  const custom = kc.makeApiClient(CustomObjectsApi);
  const target = { group: 'kwok.x-k8s.io', version: 'v1alpha1', namespace: pod.namespace, plural: 'logs' };
  await custom.deleteNamespacedCustomObject({ ...target, name: pod.name }).catch(() => undefined);
  await custom.createNamespacedCustomObject({
    ...target,
    body: {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: pod.name, namespace: pod.namespace },
      spec: {
        logs: [
          {
            containers: [container],
            logsFile: `${file}.log`,
            previousLogsFile: `${file}.previous.log`,
            follow: true,
          },
        ],
      },
    },
  });
  const last = logs.lines.at(-1);
  if (last === undefined) return;
  // kwok learns of the Logs object through a watch: wait until the log API serves it.
  await waitFor(`${pod.context}: logs of ${pod.namespace}/${pod.name} served`, async () => {
    const text = await core.readNamespacedPodLog({ name: pod.name, namespace: pod.namespace, container });
    return text.trimEnd().endsWith(last) ? true : undefined;
  });
}

function apiserverOf(cluster: string) {
  const state = fleetState();
  const index = state.processes.findIndex((p) => p.name === `${cluster}/kube-apiserver`);
  const info = state.clusters.find((c) => c.name === cluster);
  if (index < 0 || !info) throw new Error(`no apiserver for cluster ${cluster} in the fleet`);
  return { state, index, proc: state.processes[index]!, info };
}

/**
 * Stops one cluster's apiserver (SIGKILL by default: a crash, not a graceful shutdown). Its data
 * stays in etcd; controllers, scheduler and kwok keep running and retry, as they would in production.
 */
export async function killApiserver(
  cluster: string,
  options: { signal?: NodeJS.Signals } = {},
): Promise<void> {
  const { proc } = apiserverOf(cluster);
  await stopProcess(proc, { signal: options.signal ?? 'SIGKILL' });
}

/** Starts a killed apiserver again on the same port with the same etcd data; waits until ready. */
export async function startApiserver(cluster: string): Promise<void> {
  const { state, index, proc, info } = apiserverOf(cluster);
  if (!isRunning(proc)) {
    state.processes[index] = startDetached(proc.name, proc.command, proc.args, proc.log);
    writeState(state, dirname(fleetKubeconfigPath()));
  }
  await waitApiserverReady(info.server, {
    ca: readFileSync(state.caFile, 'utf8'),
    token: info.tokens.admin!,
  });
}

/** True while the cluster's apiserver process runs (it may still be starting). */
export function apiserverRunning(cluster: string): boolean {
  return isRunning(apiserverOf(cluster).proc);
}
