// The gate: does the new revision of a service in one cluster work? It judges the new revision,
// not "healthy right now": the controller observed the new spec, the updated replicas are ready
// and available, no pod of the old revision remains, within the progress deadline; then, during
// the soak, no new warning or critical finding on the new pods.
import { evaluateHealth } from '../health/engine.ts';
import type { Finding } from '../health/types.ts';
import { rolloutOf } from '../k8s/rollout.ts';
import type { ClusterObject, KubeObject, Pod } from '../k8s/types.ts';
import { podTemplateOf } from '../k8s/workloads.ts';
import type { FindingSummary } from './events.ts';
import type { PlannedCluster, PlannedWorkload } from './plan.ts';

/** One cluster as the executor read it just now. */
export interface ClusterObservation {
  /** Set when the cluster could not be read: why, in words. */
  error?: string;
  /** The plan's workloads as the cluster returns them now; an absent entry was not found. */
  workloads: { kind: string; namespace: string; name: string; object?: KubeObject }[];
  /** The service's objects in the cluster (pods, events) for the findings on new pods. */
  objects: ClusterObject[];
}

export type RolloutJudgement =
  | { state: 'ready' }
  | { state: 'waiting'; reason: string }
  | { state: 'failed'; reason: string; findings?: FindingSummary[] }
  /** The cluster-changed step was recorded but these workloads do not have the new images yet. */
  | { state: 'not-applied'; workloads: string[] };

export const workloadKey = (w: { kind: string; namespace: string; name: string }) =>
  `${w.namespace}/${w.kind}/${w.name}`;

/** Whether a live workload's template runs every planned container at its new image. */
export function hasNewImages(planned: PlannedWorkload, live: KubeObject): boolean {
  const containers = podTemplateOf(planned.kind, live)?.spec?.containers ?? [];
  return planned.containers.every((p) => containers.some((c) => c.name === p.name && c.image === p.to));
}

/** Whether a live template's containers run the images a recorded template had. */
export function hasImagesOf(
  recorded: Record<string, unknown>,
  live: KubeObject,
  kind: PlannedWorkload['kind'],
) {
  const want = ((recorded.spec as { containers?: { name?: string; image?: string }[] } | undefined)
    ?.containers ?? []) as { name?: string; image?: string }[];
  const have = podTemplateOf(kind, live)?.spec?.containers ?? [];
  return (
    want.length === have.length &&
    want.every((w) => have.some((h) => h.name === w.name && h.image === w.image))
  );
}

/** Pods of the new revision: running every planned container of a planned workload at its new image. */
export function newPods(target: PlannedCluster, objects: Iterable<ClusterObject>): Pod[] {
  const out: Pod[] = [];
  for (const o of objects) {
    if (o.kind !== 'Pod') continue;
    const pod = o.object;
    const ns = pod.metadata?.namespace ?? '';
    const images = new Map((pod.spec?.containers ?? []).map((c) => [c.name, c.image]));
    const isNew = target.workloads.some(
      (w) => w.namespace === ns && w.containers.every((c) => images.get(c.name) === c.to),
    );
    if (isNew && !pod.metadata?.deletionTimestamp) out.push(pod);
  }
  return out;
}

/** Findings of at least `min` severity on the new pods, worst first. */
export function newPodFindings(
  target: PlannedCluster,
  objects: readonly ClusterObject[],
  now: number,
  min: 'warning' | 'critical',
): FindingSummary[] {
  const pods = newPods(target, objects);
  if (pods.length === 0) return [];
  const input: ClusterObject[] = [
    ...pods.map((p) => ({ cluster: target.cluster, kind: 'Pod' as const, object: p })),
    ...objects.filter((o) => o.kind === 'Event'),
  ];
  return evaluateHealth(input, now)
    .filter((f) => f.severity === 'critical' || (min === 'warning' && f.severity === 'warning'))
    .map(summarize);
}

function summarize(f: Finding): FindingSummary {
  const o = f.object;
  return {
    rule: f.rule,
    severity: f.severity,
    cluster: o.cluster,
    object: `${o.namespace}/${o.kind}/${o.name}`,
    summary: f.summary,
  };
}

const describe = (f: FindingSummary) => `${f.object}: ${f.summary}`;

/**
 * Where a changed cluster's rollout stands. `changedAt` and `now` in ms. Critical findings on new
 * pods (crash loop, image pull, OOM kill...) fail it before the deadline.
 */
export function judgeRollout(
  target: PlannedCluster,
  obs: ClusterObservation,
  changedAt: number,
  progressDeadlineSeconds: number,
  now: number,
): RolloutJudgement {
  const live = new Map(obs.workloads.map((w) => [workloadKey(w), w.object]));
  const notApplied: string[] = [];
  const waiting: string[] = [];
  for (const w of target.workloads) {
    const obj = live.get(workloadKey(w));
    if (!obj) return { state: 'failed', reason: `${w.kind} ${w.namespace}/${w.name} no longer exists` };
    if (!hasNewImages(w, obj)) {
      notApplied.push(workloadKey(w));
      continue;
    }
    const rollout = rolloutOf(w.kind, obj);
    if (rollout.state === 'failed')
      return {
        state: 'failed',
        reason: `${w.kind} ${w.namespace}/${w.name} exceeded its progress deadline${rollout.message ? `: ${rollout.message}` : ''}`,
      };
    if (rollout.state === 'paused') waiting.push(`${w.kind} ${w.name} is paused in the cluster`);
    else if (rollout.state !== 'complete')
      waiting.push(`${w.kind} ${w.name}: ${rollout.message ?? 'rollout in progress'}`);
  }
  if (notApplied.length > 0) return { state: 'not-applied', workloads: notApplied };
  const critical = newPodFindings(target, obs.objects, now, 'critical');
  if (critical.length > 0)
    return {
      state: 'failed',
      reason: `new pods fail: ${describe(critical[0] as FindingSummary)}`,
      findings: critical,
    };
  if (waiting.length === 0) return { state: 'ready' };
  const elapsed = (now - changedAt) / 1000;
  if (elapsed > progressDeadlineSeconds)
    return {
      state: 'failed',
      reason: `rollout not complete within ${progressDeadlineSeconds} s: ${waiting.join('; ')}`,
    };
  return { state: 'waiting', reason: `waits for the rollout: ${waiting.join('; ')}` };
}

export type SoakJudgement =
  | { state: 'passed' }
  | { state: 'soaking'; reason: string }
  | { state: 'failed'; reason: string; findings: FindingSummary[] };

/** The soak after a complete rollout: the new pods must run `soakSeconds` without a finding. */
export function judgeSoak(
  target: PlannedCluster,
  obs: ClusterObservation,
  readyAt: number,
  soakSeconds: number,
  now: number,
): SoakJudgement {
  const live = new Map(obs.workloads.map((w) => [workloadKey(w), w.object]));
  for (const w of target.workloads) {
    const obj = live.get(workloadKey(w));
    if (!obj)
      return { state: 'failed', reason: `${w.kind} ${w.namespace}/${w.name} no longer exists`, findings: [] };
    if (!hasNewImages(w, obj))
      return {
        state: 'failed',
        reason: `${w.kind} ${w.namespace}/${w.name} was changed outside this deployment during its soak`,
        findings: [],
      };
  }
  const findings = newPodFindings(target, obs.objects, now, 'warning');
  if (findings.length > 0)
    return {
      state: 'failed',
      reason: `during the soak, ${describe(findings[0] as FindingSummary)}`,
      findings,
    };
  const until = readyAt + soakSeconds * 1000;
  if (now >= until) return { state: 'passed' };
  return {
    state: 'soaking',
    reason: `soaks until ${new Date(until).toISOString()} with no warning or critical finding on its new pods`,
  };
}
