// Builders for the objects the simulated controllers own, shared by the fleet generator (which
// loads a settled fleet) and the controllers (which keep it moving), so both produce the same
// names, labels and status shapes as the real controllers.

import type { Container, Deployment, Pod, PodTemplate, ReplicaSet } from '@portolan/core';
import { hashString, type Random, safeSuffix } from '../random.ts';

let lastSecond = Number.NaN;
let lastIso = '';
/** RFC 3339 with second precision, as the API server writes timestamps (memoised: called in bursts). */
export function iso(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastIso = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
  }
  return lastIso;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/**
 * Key order, nulls and empty values do not count: a template that went through another
 * serializer (kubectl rollout undo sends Go's) must hash the same, as it does for the real
 * controller, which hashes the decoded struct.
 */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonical).filter((x) => x !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return v === null || v === '' ? undefined : v;
}

/** Like the deployment controller's pod-template-hash: a stable short hash of the template. */
export function templateHash(template: PodTemplate | undefined): string {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  const text = JSON.stringify(canonical(t) ?? {});
  let h1 = hashString(text);
  let h2 = hashString(`${text}#`);
  let out = '';
  for (let i = 0; i < 10; i++) {
    const src = i < 5 ? h1 : h2;
    out += SAFE[src % SAFE.length];
    if (i < 5) h1 = Math.floor(h1 / SAFE.length);
    else h2 = Math.floor(h2 / SAFE.length);
  }
  return out;
}

export function ownerRef(kind: string, apiVersion: string, name: string, uid: string) {
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** What the simulation does with a container image (the tag decides, so demos can trigger it). */
export type ImageFate = 'ok' | 'pull-fails' | 'crashes';
export function imageFate(image: string | undefined): ImageFate {
  const tag = (image ?? '').split(':').pop() ?? '';
  if (tag.includes('bad')) return 'pull-fails';
  if (tag.includes('crash')) return 'crashes';
  return 'ok';
}

export function newReplicaSet(
  d: Deployment,
  hash: string,
  revision: number,
  replicas: number,
  createdMs: number,
): ReplicaSet & Record<string, unknown> {
  const labels = { ...(d.spec?.template?.metadata?.labels ?? {}), 'pod-template-hash': hash };
  const template = structuredClone(d.spec?.template ?? {});
  template.metadata = { ...(template.metadata ?? {}), labels };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), 'pod-template-hash': hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name}-${hash}`,
      namespace: d.metadata?.namespace,
      labels,
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(d.spec?.replicas ?? 1),
        'deployment.kubernetes.io/max-replicas': String((d.spec?.replicas ?? 1) + 1),
        'deployment.kubernetes.io/revision': String(revision),
      },
      ownerReferences: [ownerRef('Deployment', 'apps/v1', d.metadata!.name!, d.metadata!.uid!)],
      creationTimestamp: iso(createdMs),
      generation: 1,
    },
    spec: { replicas, selector, template },
    status: { replicas: 0, observedGeneration: 1 },
  };
}

export interface PodOwner {
  kind: string;
  apiVersion: string;
  name: string;
  uid: string;
}

export function newPod(
  rnd: Random,
  owner: PodOwner,
  namespace: string,
  template: PodTemplate | undefined,
  node: { name: string; ip: string } | undefined,
  createdMs: number,
  name?: string,
): Pod & Record<string, unknown> {
  // Shallow: the pod is serialized right away, and later edits replace top-level fields only.
  const spec = { ...(template?.spec ?? {}) } as Record<string, unknown>;
  spec.restartPolicy ??= 'Always';
  spec.serviceAccountName ??= 'default';
  spec.terminationGracePeriodSeconds ??= 30;
  if (node) spec.nodeName = node.name;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: name ?? `${owner.name}-${safeSuffix(rnd, 5)}`,
      ...({ generateName: `${owner.name}-` } as object),
      namespace,
      labels: { ...(template?.metadata?.labels ?? {}) },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(owner.kind, owner.apiVersion, owner.name, owner.uid)],
      creationTimestamp: iso(createdMs),
    },
    spec: spec as Pod['spec'],
    status: pendingStatus(template?.spec?.containers ?? [], node, createdMs),
  };
}

function cond(type: string, status: boolean, at: number, reason?: string) {
  return {
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: iso(at),
    ...(reason ? { reason } : {}),
  };
}

function qos(containers: Container[]): string {
  if (containers.every((c) => !c.resources?.requests && !c.resources?.limits)) return 'BestEffort';
  const guaranteed = containers.every(
    (c) => c.resources?.limits?.cpu && c.resources.limits.cpu === c.resources.requests?.cpu,
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function pendingStatus(
  containers: Container[],
  node: { name: string; ip: string } | undefined,
  at: number,
) {
  return {
    phase: 'Pending',
    conditions: node
      ? [
          cond('PodReadyToStartContainers', false, at),
          cond('Initialized', true, at),
          cond('Ready', false, at, 'ContainersNotReady'),
          cond('ContainersReady', false, at, 'ContainersNotReady'),
          cond('PodScheduled', true, at),
        ]
      : [cond('PodScheduled', false, at, 'Unschedulable')],
    ...(node ? { hostIP: node.ip, hostIPs: [{ ip: node.ip }], startTime: iso(at) } : {}),
    qosClass: qos(containers),
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
    })),
  };
}

function imageId(image: string | undefined): string {
  return `${image?.split(':')[0]}@sha256:${hashString(image ?? '')
    .toString(16)
    .padStart(8, '0')
    .repeat(8)}`;
}

export interface RunningOptions {
  startedMs: number;
  podIP: string;
  /** Container name -> restarts so far, with the last termination. */
  restarts?: { count: number; exitCode: number; reason: string; finishedMs: number };
}

export function runningStatus(pod: Pod, o: RunningOptions) {
  const containers = pod.spec?.containers ?? [];
  const at = o.startedMs;
  return {
    phase: 'Running',
    conditions: [
      cond('PodReadyToStartContainers', true, at),
      cond('Initialized', true, at),
      cond('Ready', true, at),
      cond('ContainersReady', true, at),
      cond('PodScheduled', true, at),
    ],
    hostIP: pod.status?.hostIP,
    hostIPs: pod.status?.hostIP ? [{ ip: pod.status.hostIP }] : undefined,
    podIP: o.podIP,
    podIPs: [{ ip: o.podIP }],
    startTime: pod.status?.startTime ?? iso(at),
    qosClass: pod.status?.qosClass ?? qos(containers),
    containerStatuses: containers.map((c, i) => ({
      name: c.name,
      image: c.image,
      imageID: imageId(c.image),
      containerID: `containerd://${hashString(`${pod.metadata?.name}/${c.name}/${at}`).toString(16).padStart(8, '0').repeat(8)}`,
      ready: true,
      started: true,
      restartCount: i === 0 ? (o.restarts?.count ?? 0) : 0,
      state: { running: { startedAt: iso(at) } },
      ...(i === 0 && o.restarts
        ? {
            lastState: {
              terminated: {
                exitCode: o.restarts.exitCode,
                reason: o.restarts.reason,
                startedAt: iso(o.restarts.finishedMs - 45_000),
                finishedAt: iso(o.restarts.finishedMs),
                containerID: `containerd://${hashString(`${pod.metadata?.name}/prev`).toString(16).repeat(8)}`,
              },
            },
          }
        : {}),
    })),
  };
}

/** A container that keeps crashing: waiting in CrashLoopBackOff with the last exit recorded. */
export function crashLoopStatus(
  pod: Pod,
  restarts: number,
  exitCode: number,
  lastFinishedMs: number,
  podIP: string,
) {
  const base = runningStatus(pod, {
    startedMs: lastFinishedMs - 45_000,
    podIP,
    restarts: {
      count: restarts,
      exitCode,
      reason: exitCode === 137 ? 'OOMKilled' : 'Error',
      finishedMs: lastFinishedMs,
    },
  });
  const at = lastFinishedMs;
  base.conditions = [
    cond('PodReadyToStartContainers', true, at),
    cond('Initialized', true, at),
    cond('Ready', false, at, 'ContainersNotReady'),
    cond('ContainersReady', false, at, 'ContainersNotReady'),
    cond('PodScheduled', true, at),
  ];
  const first = base.containerStatuses[0] as Record<string, unknown> | undefined;
  if (first) {
    const name = (pod.spec?.containers?.[0]?.name as string) ?? '';
    first.ready = false;
    first.started = false;
    first.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.min(300, 10 * 2 ** Math.min(5, restarts))}s restarting failed container=${name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`,
      },
    };
  }
  return base;
}

export function imagePullStatus(pod: Pod, backoff: boolean) {
  const status = structuredClone(pod.status ?? {}) as Record<string, unknown> & Pod['status'];
  const image = pod.spec?.containers?.[0]?.image;
  if (!status!.containerStatuses?.length) {
    status!.containerStatuses = (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
    }));
  }
  for (const cs of status!.containerStatuses ?? []) {
    if (cs.image !== image) continue;
    cs.state = {
      waiting: backoff
        ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }
        : {
            reason: 'ErrImagePull',
            message: `failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`,
          },
    };
  }
  return status;
}

export function podIPFor(rnd: Random): string {
  return `10.${rnd.int(64, 127)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;
}
