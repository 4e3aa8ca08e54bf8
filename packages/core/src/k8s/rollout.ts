// Whether a workload is rolling out, and how far: the one judgement the service view's pill, the
// health rules and the deploy gate all read, so a page never says "complete" beside a finding
// that says "rolling out". It follows `kubectl rollout status` (k8s.io/kubectl
// pkg/polymorphichelpers/rollout_status.go): the controller has observed the new spec, every
// replica runs the new template, no old replica is left, and the new ones are available.
import type { Condition, CronJob, DaemonSet, Deployment, Job, KubeObject, StatefulSet } from './types.ts';
import type { WorkloadKind } from './workloads.ts';

export type RolloutState =
  | 'complete'
  | 'progressing'
  | 'paused'
  | 'failed'
  | 'suspended'
  | 'active'
  | 'idle'
  | 'unknown';

export interface Rollout {
  state: RolloutState;
  /** What it waits for, in a sentence fragment (`2 of 3 replicas updated`). */
  message?: string;
  /**
   * A new template is not yet on every replica (the spec is unobserved, replicas are not all
   * updated, or old ones remain): health rules allow the rollout's planned unavailability then.
   */
  updating: boolean;
}

const n = (v: unknown, fallback = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const cond = (conditions: readonly Condition[] | undefined, type: string) =>
  Array.isArray(conditions) ? conditions.find((c) => c?.type === type) : undefined;
const unobserved = (obj: KubeObject, observed: number | undefined) =>
  obj.metadata?.generation !== undefined && n(observed) < obj.metadata.generation;

const SPEC_UNOBSERVED = 'waiting for the controller to observe the new spec';

export function rolloutOf(kind: WorkloadKind, obj: KubeObject): Rollout {
  switch (kind) {
    case 'Deployment':
      return deploymentRollout(obj as Deployment);
    case 'StatefulSet':
      return statefulSetRollout(obj as StatefulSet);
    case 'DaemonSet':
      return daemonSetRollout(obj as DaemonSet);
    case 'CronJob': {
      const c = obj as CronJob;
      if (c.spec?.suspend) return { state: 'suspended', updating: false };
      return { state: (c.status?.active?.length ?? 0) > 0 ? 'active' : 'idle', updating: false };
    }
    case 'Job': {
      const j = obj as Job;
      const failed = cond(j.status?.conditions, 'Failed');
      if (failed?.status === 'True')
        return { state: 'failed', ...(failed.message ? { message: failed.message } : {}), updating: false };
      if (cond(j.status?.conditions, 'Complete')?.status === 'True')
        return { state: 'complete', updating: false };
      if (j.spec?.suspend) return { state: 'suspended', updating: false };
      return { state: 'active', updating: false };
    }
  }
}

/** Reasons of the Progressing condition while the controller moves replicas to a new ReplicaSet. */
const NEW_REPLICA_SET = new Set(['ReplicaSetUpdated', 'NewReplicaSetCreated', 'FoundNewReplicaSet']);

function deploymentRollout(d: Deployment): Rollout {
  const s = d.status ?? {};
  const desired = n(d.spec?.replicas, 1);
  const updated = n(s.updatedReplicas);
  const progressing = cond(s.conditions, 'Progressing');
  // Between templates: old replicas remain, or the controller says it is moving to a new
  // ReplicaSet (a Recreate rollout has no old replicas left while the new ones start). A scale-up
  // that quota blocks is not a new template: its Progressing reason stays NewReplicaSetAvailable.
  const updating =
    unobserved(d, s.observedGeneration) ||
    n(s.replicas) > updated ||
    (progressing
      ? progressing.status === 'True' && NEW_REPLICA_SET.has(progressing.reason ?? '')
      : updated < desired);
  if (d.spec?.paused) return { state: 'paused', updating };
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', ...(progressing.message ? { message: progressing.message } : {}), updating };
  }
  if (unobserved(d, s.observedGeneration))
    return { state: 'progressing', message: SPEC_UNOBSERVED, updating };
  if (updated < desired)
    return { state: 'progressing', message: `${updated} of ${desired} replicas updated`, updating };
  if (n(s.replicas) > updated) {
    return {
      state: 'progressing',
      message: `${n(s.replicas) - updated} old replicas pending termination`,
      updating,
    };
  }
  if (n(s.availableReplicas) < updated) {
    return {
      state: 'progressing',
      message: `${n(s.availableReplicas)} of ${updated} updated replicas available`,
      updating,
    };
  }
  return { state: 'complete', updating };
}

function statefulSetRollout(st: StatefulSet): Rollout {
  const s = st.status ?? {};
  const desired = n(st.spec?.replicas, 1);
  const partition = n(st.spec?.updateStrategy?.rollingUpdate?.partition);
  const revisions = !!s.updateRevision && !!s.currentRevision && s.updateRevision !== s.currentRevision;
  const updated = n(s.updatedReplicas);
  // With a partition, only the ordinals at or above it take the new revision.
  const updating = unobserved(st, s.observedGeneration) || (revisions && updated < desired - partition);
  if (unobserved(st, s.observedGeneration))
    return { state: 'progressing', message: SPEC_UNOBSERVED, updating };
  if (n(s.readyReplicas) < desired) {
    return { state: 'progressing', message: `${n(s.readyReplicas)} of ${desired} replicas ready`, updating };
  }
  if (updating) {
    return {
      state: 'progressing',
      message: `${updated} of ${desired - partition} replicas updated`,
      updating,
    };
  }
  return { state: 'complete', updating };
}

function daemonSetRollout(d: DaemonSet): Rollout {
  const s = d.status ?? {};
  const desired = n(s.desiredNumberScheduled);
  const updating = unobserved(d, s.observedGeneration) || n(s.updatedNumberScheduled) < desired;
  if (unobserved(d, s.observedGeneration))
    return { state: 'progressing', message: SPEC_UNOBSERVED, updating };
  if (n(s.updatedNumberScheduled) < desired) {
    return {
      state: 'progressing',
      message: `${n(s.updatedNumberScheduled)} of ${desired} pods updated`,
      updating,
    };
  }
  if (n(s.numberAvailable) < desired) {
    return {
      state: 'progressing',
      message: `${n(s.numberAvailable)} of ${desired} pods available`,
      updating,
    };
  }
  return { state: 'complete', updating };
}
