// Following a workload's log across pod restarts: when the followed pod's live log ends, which
// pod (in the same cluster and workload) the log viewer reads next, decided on the service view.
import type { PodView, ServiceView, WorkloadView } from './types.ts';

/** The pod whose live log is followed, and the workload it belongs to. */
export interface FollowedPod {
  cluster: string;
  namespace: string;
  /** The owning workload, `kind` and `name`, found when following started. */
  workload: { kind: WorkloadView['kind']; name: string };
  pod: string;
  /** The container read; the pod's first when not set. */
  container?: string;
  /** That container's restart count when its log was opened. */
  restarts: number;
}

export interface NextPod {
  pod: string;
  restarts: number;
  /** True for another pod of the workload, false for the same pod's restarted container. */
  replaced: boolean;
}

/** The workload of `cluster` that lists pod `namespace/pod`, if the view has it. */
export function workloadOfPod(
  view: ServiceView,
  cluster: string,
  namespace: string,
  pod: string,
): WorkloadView | undefined {
  return view.clusters
    .find((c) => c.cluster === cluster)
    ?.items.find((w) => w.pods.some((p) => p.namespace === namespace && p.name === pod));
}

/** The followed container of a pod (the named one, or the first). */
export function followedContainer(p: PodView, container: string | undefined) {
  return container ? p.containers.find((c) => c.name === container) : p.containers[0];
}

/** A pod that is gone for good: terminating, or finished (an evicted pod stays, Failed). */
function finished(p: PodView): boolean {
  return p.terminating || p.phase === 'Succeeded' || p.phase === 'Failed';
}

function createdMs(p: PodView, generatedAt: string): number {
  if (p.createdAt) return Date.parse(p.createdAt);
  if (p.ageSeconds !== undefined) return Date.parse(generatedAt) - p.ageSeconds * 1000;
  return Number.NEGATIVE_INFINITY;
}

/**
 * After the followed pod's live log ended: the same pod once its container runs again (restarted
 * in place, e.g. after an OOM kill), or, once the pod is gone, terminating or finished, the
 * newest pod of the same workload in the same cluster, once its container runs (a replacement
 * still starting is waited for rather than passed over for an older pod). Undefined means "not
 * yet": wait for the next view.
 */
export function nextPodToFollow(view: ServiceView, ended: FollowedPod): NextPod | undefined {
  const w = view.clusters
    .find((c) => c.cluster === ended.cluster)
    ?.items.find(
      (x) =>
        x.kind === ended.workload.kind && x.name === ended.workload.name && x.namespace === ended.namespace,
    );
  if (!w) return undefined;
  const running = (p: PodView) => followedContainer(p, ended.container)?.state === 'running';
  const same = w.pods.find((p) => p.name === ended.pod);
  if (same && !finished(same)) {
    const c = followedContainer(same, ended.container);
    return c && c.restarts > ended.restarts && c.state === 'running'
      ? { pod: same.name, restarts: c.restarts, replaced: false }
      : undefined;
  }
  const next = w.pods
    .filter((p) => p.name !== ended.pod && !finished(p))
    .sort(
      (a, b) =>
        createdMs(b, view.generatedAt) - createdMs(a, view.generatedAt) || a.name.localeCompare(b.name),
    )[0];
  return next && next.phase === 'Running' && running(next)
    ? { pod: next.name, restarts: followedContainer(next, ended.container)?.restarts ?? 0, replaced: true }
    : undefined;
}
