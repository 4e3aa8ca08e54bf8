import type {
  Container,
  ContainerStateTerminated,
  ContainerStatus,
  KubeEvent,
  Pod,
} from '../../k8s/types.ts';
import { parseQuantity } from '../../scaling/quantity.ts';
import { type Collector, type Draft, eventMillis, logTailKey, type Snapshot } from '../snapshot.ts';
import type { Evidence, Severity, Tagged } from '../types.ts';
import { condition, conditionEvidence, controllerOf, formatDuration, num, time } from '../util.ts';

const IMAGE_PULL = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);
const CREATE_ERRORS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** Explanation of a container's exit, from its exit code and reason. */
export function explainExit(exitCode: number | undefined, reason: string | undefined): string {
  if (reason === 'OOMKilled')
    return 'The container was killed for using more memory than its limit (OOMKilled).';
  if (reason === 'ContainerCannotRun' || reason === 'StartError')
    return 'The runtime could not start the container process: usually a wrong command, entrypoint or missing binary in the image.';
  switch (exitCode) {
    case undefined:
      return 'The container keeps exiting; its last exit status is not recorded.';
    case 0:
      return 'The main process exits successfully, but restartPolicy Always restarts it: it should run in the foreground instead of finishing.';
    case 1:
    case 2:
      return `The application exits with an error (exit code ${exitCode}): typically a failed startup check, bad configuration or an unreachable dependency. Its logs say which.`;
    case 126:
      return 'The command exists but is not executable (exit code 126): check the entrypoint file permissions.';
    case 127:
      return 'The command was not found in the image (exit code 127): check command/args and the image contents.';
    case 134:
      return 'The process aborted (SIGABRT, exit code 134): an assertion or fatal runtime error.';
    case 137:
      return 'The process was killed with SIGKILL (exit code 137): the kernel OOM killer, a failed liveness probe, or the node stopping it.';
    case 139:
      return 'The process crashed with a segmentation fault (SIGSEGV, exit code 139).';
    case 143:
      return 'The process was stopped with SIGTERM (exit code 143): usually Kubernetes restarting it after failed liveness probes.';
    default:
      return exitCode > 128
        ? `The process was killed by signal ${exitCode - 128} (exit code ${exitCode}).`
        : `The application exits with code ${exitCode}. Its logs say why.`;
  }
}

function explainImagePull(reason: string, text: string): { cause: string; steps: string[] } {
  if (reason === 'InvalidImageName')
    return {
      cause: 'The image reference is malformed, so the kubelet cannot even try to pull it.',
      steps: ['Fix the image field of the workload (registry/repository:tag or @sha256:digest).'],
    };
  if (reason === 'ErrImageNeverPull')
    return {
      cause: 'imagePullPolicy is Never and the image is not present on the node.',
      steps: ['Set imagePullPolicy to IfNotPresent, or preload the image on the nodes.'],
    };
  if (
    /unauthorized|authentication required|denied|forbidden|\b40[13]\b|no basic auth credentials/i.test(text)
  )
    return {
      cause:
        'The registry refused the pull: the pod has no valid credentials for this registry or repository.',
      steps: [
        'Check imagePullSecrets on the pod or its service account, and that the secret is for this registry.',
        'Check the credentials can pull the image outside the cluster.',
      ],
    };
  if (/toomanyrequests|rate limit/i.test(text))
    return {
      cause: 'The registry is rate-limiting pulls.',
      steps: ['Authenticate pulls or use a mirror / pull-through cache.'],
    };
  if (/not found|manifest unknown|does not exist|name unknown/i.test(text))
    return {
      cause: 'The image or tag does not exist in the registry (a typo, or a tag that was never pushed).',
      steps: [
        'Check the image name and tag; confirm the build pushed it.',
        'Roll back to the last working image.',
      ],
    };
  if (/timeout|dial tcp|no such host|connection refused|i\/o timeout|TLS handshake/i.test(text))
    return {
      cause: 'The node cannot reach the registry (network, DNS or proxy).',
      steps: ['Check the node can resolve and reach the registry; check egress rules and proxies.'],
    };
  return {
    cause: 'The kubelet cannot pull the image. The pull error in the events says why.',
    steps: ['Read the pull error in the events below.', 'Check the image name, tag and pull credentials.'],
  };
}

function explainCreateError(message: string): { cause: string; steps: string[] } {
  let m = /couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/.exec(message);
  if (m)
    return {
      cause: `The container references key ${m[1]} in ${m[2]} ${m[3]}, which has no such key.`,
      steps: [
        `Add the key to ${m[2]} ${m[3]}, or fix the key name in the pod spec (env / envFrom / volumes).`,
      ],
    };
  m = /(secret|configmap) "([^"]+)" not found/i.exec(message);
  if (m)
    return {
      cause: `The container references ${m[1]} ${m[2]}, which does not exist in the namespace.`,
      steps: [`Create ${m[1]} ${m[2]} in the namespace, or fix the reference in the pod spec.`],
    };
  if (/runAsNonRoot/.test(message))
    return {
      cause: 'The pod requires runAsNonRoot but the image runs as root.',
      steps: ['Set runAsUser to a non-zero uid, or build the image with a non-root USER.'],
    };
  return {
    cause: 'The container runtime could not create the container from its spec.',
    steps: ['Read the error message and events; check volumes, env references and security context.'],
  };
}

const SCHEDULING_CAUSES: [RegExp, string, string][] = [
  [
    /Insufficient cpu/i,
    'not enough free CPU on any node for the pod’s requests',
    'Lower the CPU requests, or add nodes / let the cluster autoscaler add them.',
  ],
  [
    /Insufficient memory/i,
    'not enough free memory on any node for the pod’s requests',
    'Lower the memory requests, or add nodes.',
  ],
  [
    /Insufficient ([\w./-]+)/i,
    'not enough of an extended resource (GPU, hugepages...)',
    'Check the extended resource requests and which nodes offer them.',
  ],
  [
    /untolerated taint|had taint/i,
    'nodes carry taints the pod does not tolerate',
    'Add the matching toleration, or schedule onto untainted nodes.',
  ],
  [
    /didn't match Pod's node affinity\/selector|node\(s\) didn't match node selector/i,
    'no node matches the pod’s nodeSelector / node affinity',
    'Check nodeSelector and node affinity against the node labels.',
  ],
  [
    /didn't match pod (anti-)?affinity/i,
    'pod (anti-)affinity rules cannot be satisfied',
    'Relax the pod (anti-)affinity, or add nodes / zones.',
  ],
  [
    /unbound immediate PersistentVolumeClaims|persistentvolumeclaim "[^"]+" not found/i,
    'a PersistentVolumeClaim is not bound',
    'Check the PVC: its StorageClass, provisioner and capacity.',
  ],
  [
    /volume node affinity conflict/i,
    'the pod’s volumes live in a zone where it cannot be scheduled',
    'Schedule the pod in the volume’s zone, or use a WaitForFirstConsumer StorageClass.',
  ],
  [/Too many pods/i, 'the nodes are at their pod limit', 'Add nodes or raise max pods per node.'],
  [
    /didn't have free ports/i,
    'the requested host ports are taken on every node',
    'Avoid hostPort, or add nodes.',
  ],
  [
    /topology spread constraints/i,
    'topology spread constraints cannot be satisfied',
    'Relax the topology spread constraints (whenUnsatisfiable: ScheduleAnyway) or add capacity.',
  ],
];

/** The causes named in a FailedScheduling message, most specific first. */
export function schedulingCauses(message: string): { cause: string; step: string }[] {
  const out: { cause: string; step: string }[] = [];
  // The scheduler appends the preemption attempt ("preemption: 0/3 nodes ..."); only the first part explains.
  const main = message.split(/\bpreemption:/)[0] ?? message;
  let extended = false;
  for (const [re, cause, step] of SCHEDULING_CAUSES) {
    if (!re.test(main)) continue;
    if (cause.startsWith('not enough of an extended')) {
      const m = /Insufficient ([\w./-]+)/gi;
      extended = [...main.matchAll(m)].some((x) => x[1] !== 'cpu' && x[1] !== 'memory');
      if (!extended) continue;
    }
    out.push({ cause, step });
  }
  return out;
}

function readinessAllowance(containers: readonly Container[]): number {
  let allowed = 0;
  for (const c of containers) {
    const p = c?.readinessProbe;
    if (!p) continue;
    allowed = Math.max(
      allowed,
      num(p.initialDelaySeconds) + num(p.periodSeconds, 10) * num(p.failureThreshold, 3),
    );
  }
  return allowed || 30;
}

function containerSpec(pod: Pod, name: string | undefined, init = false): Container | undefined {
  const list = (init ? pod.spec?.initContainers : pod.spec?.containers) ?? [];
  return Array.isArray(list) ? list.find((c) => c?.name === name) : undefined;
}

function statuses(list: ContainerStatus[] | undefined): ContainerStatus[] {
  return Array.isArray(list) ? list.filter((c) => c && typeof c === 'object') : [];
}

/**
 * The common case, decided without allocating: a running pod whose containers all run, with
 * few restarts, not unready and without events. Nothing below can fire for it.
 */
function quietlyHealthy(snap: Snapshot, cluster: string, pod: Pod, namespace: string, name: string): boolean {
  const status = pod.status;
  if (status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) return false;
  const containers = status.containerStatuses;
  if (!Array.isArray(containers)) return false;
  for (const c of containers) {
    if (!c || c.state?.waiting || c.state?.terminated) return false;
    if (num(c.restartCount) >= snap.options.restartThreshold) return false;
    if (c.lastState?.terminated?.reason === 'OOMKilled') return false;
  }
  const init = status.initContainerStatuses;
  if (Array.isArray(init))
    for (const c of init) {
      if (c?.state?.running && isSidecar(pod, c.name) && num(c.restartCount) < snap.options.restartThreshold)
        continue;
      if (c?.state?.terminated?.exitCode !== 0) return false;
    }
  if (condition(status.conditions, 'Ready')?.status === 'False') return false;
  return snap.rawEvents(cluster, 'Pod', namespace, name).length === 0;
}

export function checkPod(snap: Snapshot, item: Tagged<Pod>, out: Collector): void {
  const pod = item.object;
  const meta = pod.metadata ?? {};
  const status = pod.status ?? {};
  const name = meta.name ?? '';
  const namespace = meta.namespace ?? '';
  const now = snap.now;
  if (quietlyHealthy(snap, item.cluster, pod, namespace, name)) return;
  let reported = false;
  const emit = (draft: Draft) => {
    reported = true;
    draft.evidence.events ??= snap.eventsFor(item.cluster, 'Pod', namespace, name);
    if (draft.evidence.events.length === 0) delete draft.evidence.events;
    out.pod(item, draft);
  };
  const logTail = (container: string | undefined): string[] | undefined => {
    const tail = container
      ? snap.context.logTails?.get(logTailKey(item.cluster, namespace, name, container))
      : undefined;
    return tail ? [...tail] : undefined;
  };

  if (status.phase === 'Failed' && status.reason === 'Evicted') {
    const message = status.message ?? '';
    const resource = evictedFor(message);
    // Evicted pods stay until someone deletes them, but even an old one stays a warning: it is a
    // replica that was lost and a node that ran out of something, which will happen again.
    const evictedAt =
      time(condition(status.conditions, 'DisruptionTarget')?.lastTransitionTime) ??
      time(condition(status.conditions, 'Ready')?.lastTransitionTime);
    const ago = evictedAt !== undefined ? ` ${formatDuration((now - evictedAt) / 1000)} ago` : '';
    emit({
      rule: 'pod-evicted',
      severity: 'warning',
      summary: resource ? `evicted${ago}: the node was low on ${resource}` : `evicted by the kubelet${ago}`,
      explanation: `${
        resource
          ? `The kubelet evicted the pod because its node ran low on ${resource}${/larger consumption/.test(message) ? ', and this pod used more than it requested' : ''}.`
          : 'The kubelet evicted the pod (node pressure, or ephemeral storage over its limit).'
      } ${controllerOf(meta) ? 'Its controller replaced it, but the node may evict again.' : 'Nothing replaces a bare pod: it stays down until re-created.'}`,
      nextSteps: [
        'Set requests close to real usage so the scheduler places the pod on a node with room.',
        'Evicted pods are not deleted automatically: clean them up once understood.',
      ],
      evidence: { reason: status.reason, message },
    });
    return;
  }

  const deletedAt = time(meta.deletionTimestamp);
  if (deletedAt !== undefined) {
    // deletionTimestamp is when the grace period ends (the API server adds it to the request
    // time), so the pod is overdue from that moment; it was deleted the grace period earlier.
    const grace = num(meta.deletionGracePeriodSeconds, num(pod.spec?.terminationGracePeriodSeconds, 30));
    const requestedAt = deletedAt - grace * 1000;
    const stuckFor = (now - deletedAt) / 1000;
    if (stuckFor > snap.options.terminatingGraceSeconds) {
      const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
      emit({
        rule: 'pod-terminating-stuck',
        severity: 'warning',
        summary: `terminating for ${formatDuration((now - requestedAt) / 1000)}${finalizers.length ? ` (finalizers: ${finalizers.join(', ')})` : ''}`,
        explanation: finalizers.length
          ? 'The pod was deleted but a finalizer has not been removed, so the API server keeps it.'
          : 'The pod was deleted but has not gone away: its node is probably unreachable (NotReady) and the kubelet cannot confirm the containers stopped.',
        nextSteps: finalizers.length
          ? ['Find the controller responsible for the finalizer and why it has not finished.']
          : [
              'Check the node the pod ran on.',
              'If the node is gone, force-delete the pod (kubectl delete pod --grace-period=0 --force).',
            ],
        evidence: {
          details: {
            deletionTimestamp: meta.deletionTimestamp ?? null,
            finalizers,
            node: pod.spec?.nodeName ?? null,
          },
        },
      });
    }
    // Everything else about a terminating pod (not ready, restarting) is expected.
    return;
  }
  if (status.phase === 'Failed') {
    failedPod(snap, item, emit, logTail);
    return;
  }
  if (status.phase === 'Succeeded') return;

  // Init containers: a pod stays in Init:... until each one has exited 0.
  const sidecars: ContainerStatus[] = [];
  for (const cs of statuses(status.initContainerStatuses)) {
    if (isSidecar(pod, cs.name)) {
      sidecars.push(cs);
      continue;
    }
    const waiting = cs.state?.waiting?.reason;
    const terminated = cs.state?.terminated;
    const last = cs.lastState?.terminated;
    if (waiting && IMAGE_PULL.has(waiting)) {
      imagePull(snap, item, cs, true, emit);
      continue;
    }
    if (waiting && CREATE_ERRORS.has(waiting)) {
      createError(cs, emit);
      continue;
    }
    const failed =
      waiting === 'CrashLoopBackOff' ||
      (terminated !== undefined && num(terminated.exitCode) !== 0) ||
      (waiting !== undefined && last !== undefined && num(last.exitCode) !== 0);
    if (!failed) continue;
    const t = terminated ?? last;
    emit({
      rule: 'pod-init-failure',
      severity: 'critical',
      summary: `init container ${cs.name ?? ''} fails${t?.exitCode !== undefined ? ` (exit code ${t.exitCode}${t.reason ? `: ${t.reason}` : ''})` : ''}, ${num(cs.restartCount)} restarts`,
      explanation: `The pod cannot start: its init container ${cs.name ?? ''} must exit 0 first. ${explainExit(t?.exitCode, t?.reason)}`,
      nextSteps: [
        `Read the init container's logs: kubectl logs ${name} -n ${namespace} -c ${cs.name ?? ''} --previous`,
        'Check what it waits for or migrates (database, another service, a file).',
      ],
      evidence: evidenceOf(cs, t, logTail(cs.name)),
    });
  }

  // Sidecars run and restart beside the app containers: judged as they are.
  for (const cs of [...statuses(status.containerStatuses), ...sidecars]) {
    const waiting = cs.state?.waiting;
    const reason = waiting?.reason;
    const last = cs.lastState?.terminated;
    const restarts = num(cs.restartCount);
    const crashLooping = reason === 'CrashLoopBackOff';
    if (crashLooping) {
      const steps = [
        `Read the previous container's logs: kubectl logs ${name} -n ${namespace} -c ${cs.name ?? ''} --previous`,
      ];
      if (last?.reason === 'OOMKilled')
        steps.push('Raise the memory limit or reduce the memory the process uses.');
      else if (last?.exitCode === 143 || last?.exitCode === 137)
        steps.push('Check the liveness probe: it may kill a slow-starting container (use a startupProbe).');
      else steps.push('If a new version started this, roll back to the previous image.');
      emit({
        rule: 'pod-crash-loop',
        severity: 'critical',
        summary: `container ${cs.name ?? ''} is crash-looping${last ? ` (last exit code ${last.exitCode ?? '?'}${last.reason ? `: ${last.reason}` : ''})` : ''}, ${restarts} restarts`,
        explanation: explainExit(last?.exitCode, last?.reason),
        nextSteps: steps,
        evidence: evidenceOf(cs, last, logTail(cs.name)),
      });
    } else if (reason && IMAGE_PULL.has(reason)) {
      imagePull(snap, item, cs, sidecars.includes(cs), emit);
    } else if (reason && CREATE_ERRORS.has(reason)) {
      createError(cs, emit);
    }

    const oom =
      cs.state?.terminated?.reason === 'OOMKilled'
        ? cs.state.terminated
        : last?.reason === 'OOMKilled'
          ? last
          : undefined;
    // lastState keeps the last termination forever: an OOM kill from last week is history.
    const oomAt = time(oom?.finishedAt);
    const oomRecent =
      crashLooping || oomAt === undefined || now - oomAt <= snap.options.recentTerminationSeconds * 1000;
    if (oom && oomRecent) {
      const spec = containerSpec(pod, cs.name) ?? containerSpec(pod, cs.name, true);
      const limit = spec?.resources?.limits?.memory;
      const request = spec?.resources?.requests?.memory;
      emit({
        rule: 'pod-oom-killed',
        severity: crashLooping ? 'critical' : 'warning',
        summary: `container ${cs.name ?? ''} was OOMKilled${limit ? ` (memory limit ${limit})` : ' (no memory limit: the node ran out)'}`,
        explanation: limit
          ? `The container used more than its memory limit of ${limit} and the kernel killed it (exit code ${oom.exitCode ?? 137}).`
          : 'The container has no memory limit; the kernel killed it because the node ran out of memory.',
        nextSteps: [
          limit
            ? `Raise the memory limit above ${limit} if the usage is legitimate.`
            : 'Set memory requests and limits.',
          'Look for a memory leak or unbounded cache; for JVMs check the heap is sized from the container limit.',
        ],
        evidence: {
          ...evidenceOf(cs, oom, logTail(cs.name)),
          ...(limit ? { memoryLimit: limit } : {}),
          details: {
            memoryLimitBytes: parseQuantity(limit) ?? null,
            memoryRequest: request ?? null,
          },
        },
      });
    }

    if (!crashLooping && restarts >= snap.options.restartThreshold) {
      const lastAt = time(last?.finishedAt);
      if (lastAt !== undefined && now - lastAt <= snap.options.restartWindowSeconds * 1000) {
        emit({
          rule: 'pod-frequent-restarts',
          severity: 'warning',
          summary: `container ${cs.name ?? ''} restarted ${restarts} times, last ${formatDuration((now - lastAt) / 1000)} ago${last?.exitCode !== undefined ? ` (exit code ${last.exitCode}${last.reason ? `: ${last.reason}` : ''})` : ''}`,
          explanation: `The container keeps restarting but recovers between crashes. ${explainExit(last?.exitCode, last?.reason)}`,
          nextSteps: [
            `Read the previous container's logs: kubectl logs ${name} -n ${namespace} -c ${cs.name ?? ''} --previous`,
            'Check whether restarts line up with load, deploys or liveness probe failures.',
          ],
          evidence: evidenceOf(cs, last, logTail(cs.name)),
        });
      }
    }
  }

  const conditions = status.conditions;
  if (status.phase === 'Pending') {
    const scheduled = condition(conditions, 'PodScheduled');
    const created = time(meta.creationTimestamp);
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      const since = time(scheduled.lastTransitionTime) ?? created;
      const pendingFor = since === undefined ? undefined : (now - since) / 1000;
      if (pendingFor === undefined || pendingFor >= snap.options.pendingUnschedulableSeconds) {
        const message = scheduled.message ?? lastEventMessage(snap, item, 'FailedScheduling') ?? '';
        const causes = schedulingCauses(message);
        emit({
          rule: 'pod-unschedulable',
          severity: 'critical',
          summary: `cannot be scheduled${pendingFor !== undefined ? ` for ${formatDuration(pendingFor)}` : ''}${causes.length ? `: ${causes.map((c) => c.cause).join('; ')}` : ''}`,
          explanation: causes.length
            ? `The scheduler finds no node for the pod: ${causes.map((c) => c.cause).join('; ')}.`
            : 'The scheduler finds no node for the pod; its message says why.',
          nextSteps: causes.length
            ? causes.map((c) => c.step)
            : [
                'Read the FailedScheduling message and compare the pod’s requests and constraints with the nodes.',
              ],
          evidence: { reason: scheduled.reason, message, conditions: conditionEvidence(scheduled) },
        });
      }
    } else if (!reported && pod.spec?.nodeName && created !== undefined) {
      const pendingFor = (now - created) / 1000;
      if (pendingFor >= snap.options.pendingStuckSeconds) {
        const waiting = statuses(status.containerStatuses).find((c) => c.state?.waiting)?.state?.waiting;
        emit({
          rule: 'pod-pending-stuck',
          severity: 'warning',
          summary: `scheduled but still Pending after ${formatDuration(pendingFor)}${waiting?.reason ? ` (${waiting.reason})` : ''}`,
          explanation:
            'The pod has a node but its containers have not started: usually a volume that cannot be mounted (FailedMount), a missing Secret/ConfigMap volume, or a slow image pull.',
          nextSteps: [
            'Read the pod’s events (FailedMount, FailedAttachVolume, Pulling).',
            `kubectl describe pod ${name} -n ${namespace}`,
          ],
          evidence: { reason: waiting?.reason, message: waiting?.message },
        });
      }
    }
  }

  if (status.phase === 'Running' && !reported) {
    const ready = condition(conditions, 'Ready');
    if (ready?.status === 'False') {
      const since = time(ready.lastTransitionTime) ?? time(status.startTime);
      const allowed = readinessAllowance(pod.spec?.containers ?? []) + snap.options.notReadyGraceSeconds;
      if (since !== undefined && (now - since) / 1000 > allowed) {
        const unready = statuses(status.containerStatuses)
          .filter((c) => c.ready === false)
          .map((c) => c.name ?? '');
        const probeEvent = snap
          .rawEvents(item.cluster, 'Pod', namespace, name)
          .find((e) => e.reason === 'Unhealthy' && /Readiness probe failed/.test(e.message ?? ''));
        // Ready is containers ready AND every readiness gate's condition True; the kubelet names
        // the gate when only the gates hold the pod back.
        const gate =
          ready.reason === 'ReadinessGatesNotReady'
            ? (/readiness gate "([^"]+)"/.exec(ready.message ?? '')?.[1] ?? '')
            : undefined;
        emit({
          rule: 'pod-not-ready',
          severity: 'warning',
          summary:
            gate !== undefined
              ? `not ready for ${formatDuration((now - since) / 1000)}: waiting on readiness gate ${gate}`.trimEnd()
              : `not ready for ${formatDuration((now - since) / 1000)}${unready.length ? ` (containers: ${unready.join(', ')})` : ''}`,
          explanation:
            gate !== undefined
              ? `Its containers are ready, but the pod's readiness gate ${gate} is not True, so it receives no traffic. The controller that owns the gate (a load balancer controller, a mesh) sets that condition.`
              : probeEvent
                ? 'The readiness probe keeps failing, so the pod receives no traffic from its Services.'
                : 'The pod has been running but not ready for longer than its readiness probes allow; it receives no traffic.',
          nextSteps:
            gate !== undefined
              ? [
                  `Check the controller that sets the ${gate} condition (its logs, and whether it runs at all).`,
                  `kubectl get pod ${name} -n ${namespace} -o jsonpath='{.status.conditions}'`,
                ]
              : [
                  'Check the readiness probe’s path, port and timeout against what the application serves.',
                  'Check the dependencies the readiness endpoint verifies.',
                ],
          evidence: {
            container: gate !== undefined ? undefined : unready[0],
            message: gate !== undefined ? ready.message : (probeEvent?.message ?? ready.message),
            reason: ready.reason,
            conditions: conditionEvidence(ready),
          },
        });
      }
    }
  }

  // Liveness kills are only visible in events: the container status says just "exit 137/143".
  const events = snap.rawEvents(item.cluster, 'Pod', namespace, name);
  if (events.length > 0) {
    const recent = (e: KubeEvent) => now - (eventMillis(e) ?? 0) <= snap.options.eventWindowSeconds * 1000;
    const killing = events.find(
      (e) => e.reason === 'Killing' && /failed liveness probe/i.test(e.message ?? '') && recent(e),
    );
    const probe = events.find(
      (e) => e.reason === 'Unhealthy' && /^Liveness probe failed/.test(e.message ?? '') && recent(e),
    );
    const kill = probe ?? killing;
    if (kill) {
      const container = /Container (\S+) failed liveness probe/.exec(killing?.message ?? '')?.[1];
      emit({
        rule: 'pod-liveness-kill',
        severity: 'warning',
        summary: `liveness probe failures restart ${container ? `container ${container}` : 'a container'}`,
        explanation:
          'The kubelet restarts the container because its liveness probe fails: the application hangs, is too slow to answer under load, or the probe is too strict for its startup time.',
        nextSteps: [
          'Compare the probe’s timeoutSeconds/failureThreshold with real response times.',
          'Use a startupProbe for slow starts; keep liveness checks free of dependencies.',
        ],
        evidence: { container, reason: kill.reason, message: kill.message },
      });
    }
  }
}

function evidenceOf(
  cs: ContainerStatus,
  t: ContainerStateTerminated | undefined,
  logTail: string[] | undefined,
): Evidence {
  const e: Evidence = { container: cs.name, restartCount: num(cs.restartCount) };
  if (t) {
    if (t.exitCode !== undefined) e.exitCode = t.exitCode;
    if (t.signal !== undefined) e.signal = t.signal;
    if (t.reason !== undefined) e.reason = t.reason;
    if (t.message !== undefined) e.message = t.message;
  }
  if (cs.image) e.image = cs.image;
  if (logTail) e.logTail = logTail;
  return e;
}

function lastEventMessage(snap: Snapshot, item: Tagged<Pod>, reason: string): string | undefined {
  const events = snap.rawEvents(
    item.cluster,
    'Pod',
    item.object.metadata?.namespace ?? '',
    item.object.metadata?.name ?? '',
  );
  let best: { t: number; m: string } | undefined;
  for (const e of events) {
    if (e.reason !== reason || typeof e.message !== 'string') continue;
    const t = eventMillis(e) ?? 0;
    if (!best || t > best.t) best = { t, m: e.message };
  }
  return best?.m;
}

function imagePull(
  snap: Snapshot,
  item: Tagged<Pod>,
  cs: ContainerStatus,
  init: boolean,
  emit: (d: Draft) => void,
): void {
  const waiting = cs.state?.waiting ?? {};
  const reason = waiting.reason ?? '';
  const events = snap.rawEvents(
    item.cluster,
    'Pod',
    item.object.metadata?.namespace ?? '',
    item.object.metadata?.name ?? '',
  );
  const pullError = events.find((e) => e.reason === 'Failed' && /pull|image/i.test(e.message ?? ''))?.message;
  const text = `${waiting.message ?? ''}\n${pullError ?? ''}`;
  const image = cs.image || containerSpec(item.object, cs.name, init)?.image;
  const { cause, steps } = explainImagePull(reason, text);
  emit({
    rule: 'pod-image-pull',
    severity: 'critical',
    summary: `${init ? 'init ' : ''}container ${cs.name ?? ''} cannot pull image${image ? ` ${image}` : ''} (${reason})`,
    explanation: cause,
    nextSteps: steps,
    evidence: {
      container: cs.name,
      reason,
      message: pullError ?? waiting.message,
      ...(image ? { image } : {}),
    },
  });
}

function createError(cs: ContainerStatus, emit: (d: Draft) => void): void {
  const waiting = cs.state?.waiting ?? {};
  const { cause, steps } = explainCreateError(waiting.message ?? '');
  emit({
    rule: 'pod-create-container-error',
    severity: 'critical',
    summary: `container ${cs.name ?? ''} cannot be created (${waiting.reason ?? ''}${waiting.message ? `: ${waiting.message}` : ''})`,
    explanation: cause,
    nextSteps: steps,
    evidence: { container: cs.name, reason: waiting.reason, message: waiting.message },
  });
}

function isSidecar(pod: Pod, name: string | undefined): boolean {
  return containerSpec(pod, name, true)?.restartPolicy === 'Always';
}

const PRESSURE: Record<string, string> = {
  DiskPressure: 'disk',
  MemoryPressure: 'memory',
  PIDPressure: 'process IDs',
};

/** What the node ran low on, from the kubelet's eviction message (current and older wording). */
function evictedFor(message: string): string | undefined {
  const m = /low on resource: \[?([\w-]+)/.exec(message);
  if (!m?.[1]) return undefined;
  return PRESSURE[m[1]] ?? m[1];
}

/** Controllers that replace a failed pod with a new one; any other failed pod stays failed. */
const REPLACING = new Set(['ReplicaSet', 'ReplicationController', 'StatefulSet', 'DaemonSet']);

/**
 * A pod in phase Failed is over: the kubelet restarts nothing in it. Whether that matters depends
 * on who owns it. Workload controllers replace it (the loss shows on the workload); a Job
 * decides itself whether to retry, and its own finding carries this pod's exit code once it
 * gives up; a bare pod, or one whose owner Kubernetes does not know, is never run again by
 * Kubernetes.
 */
function failedPod(
  snap: Snapshot,
  item: Tagged<Pod>,
  emit: (d: Draft) => void,
  logTail: (container: string | undefined) => string[] | undefined,
): void {
  const pod = item.object;
  const status = pod.status ?? {};
  const owner = controllerOf(pod.metadata);
  if (owner?.kind && REPLACING.has(owner.kind)) return;
  const namespace = pod.metadata?.namespace ?? '';
  let severity: Severity;
  let who: string;
  if (owner?.kind === 'Job') {
    if (snap.get(item.cluster, 'Job', namespace, owner.name ?? '')) return;
    severity = 'info';
    who = `Its Job ${owner.name ?? ''} decides whether to retry it (backoffLimit, pod failure policy); the Job itself was not among the objects checked.`;
  } else if (owner) {
    severity = 'warning';
    who = `It belongs to ${owner.kind ?? 'a controller'} ${owner.name ?? ''}, not a Kubernetes workload controller: Kubernetes will not run it again, and whether its owner retries is up to that owner.`;
  } else {
    const finished =
      failedContainer(pod)?.t.finishedAt ?? condition(status.conditions, 'Ready')?.lastTransitionTime;
    const at = time(finished);
    // A failure from weeks ago is still unresolved, but no longer news.
    severity =
      at !== undefined && snap.now - at > snap.options.recentTerminationSeconds * 1000
        ? 'warning'
        : 'critical';
    who =
      'Nothing will run it again: a bare pod is never restarted once it has failed, nor replaced. Re-create it, or run it as a Job, which retries.';
  }
  const culprit = failedContainer(pod);
  const t = culprit?.t;
  const exit = t ? ` (exit code ${t.exitCode ?? '?'}${t.reason ? `: ${t.reason}` : ''})` : '';
  const what = culprit ? `${culprit.init ? 'init container' : 'container'} ${culprit.cs.name ?? ''}` : '';
  const deadline = status.reason === 'DeadlineExceeded';
  const summary = deadline
    ? `failed: ran longer than its activeDeadlineSeconds${culprit ? `; ${what} was stopped${exit}` : ''}`
    : culprit
      ? `failed: ${what} exited${exit}${t?.message ? `: ${t.message}` : ''}`
      : `failed${status.reason ? ` (${status.reason})` : ''}${status.message ? `: ${status.message}` : ''}`;
  const cause = deadline
    ? 'The kubelet stopped the pod because it ran longer than spec.activeDeadlineSeconds.'
    : culprit
      ? `${culprit.init ? `The init container ${culprit.cs.name ?? ''} failed, so the app containers never started. ` : ''}${explainExit(t?.exitCode, t?.reason)}`
      : 'The pod failed; its status message says why.';
  const evidence: Evidence = culprit
    ? evidenceOf(culprit.cs, t, logTail(culprit.cs.name))
    : { reason: status.reason, message: status.message };
  if (deadline && !evidence.message) evidence.message = status.message;
  emit({
    rule: 'pod-failed',
    severity,
    summary,
    explanation: `${cause} ${who}`,
    nextSteps: [
      culprit
        ? `Read its logs: kubectl logs ${pod.metadata?.name ?? ''} -n ${namespace} -c ${culprit.cs.name ?? ''}`
        : `kubectl describe pod ${pod.metadata?.name ?? ''} -n ${namespace}`,
      'Fix the cause, then delete the failed pod (it stays until deleted) and run it again.',
    ],
    evidence,
  });
}

/**
 * The container whose failure failed the pod: a failed init container first (nothing after it
 * ran), else the first app container that terminated with a non-zero code. Sidecars are stopped
 * by the kubelet when the pod ends and never explain it.
 */
export function failedContainer(
  pod: Pod,
): { cs: ContainerStatus; t: ContainerStateTerminated; init: boolean } | undefined {
  const status = pod.status ?? {};
  const failed = (cs: ContainerStatus) => {
    const t = cs.state?.terminated ?? cs.lastState?.terminated;
    return t && num(t.exitCode) !== 0 ? t : undefined;
  };
  for (const cs of statuses(status.initContainerStatuses)) {
    if (isSidecar(pod, cs.name)) continue;
    const t = failed(cs);
    if (t) return { cs, t, init: true };
  }
  let latest: { cs: ContainerStatus; t: ContainerStateTerminated; init: boolean } | undefined;
  for (const cs of statuses(status.containerStatuses)) {
    const t = failed(cs);
    if (t && (!latest || (time(t.finishedAt) ?? 0) < (time(latest.t.finishedAt) ?? 0)))
      latest = { cs, t, init: false };
  }
  return latest;
}
