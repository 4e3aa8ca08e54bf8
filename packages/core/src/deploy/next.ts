// The executor's next step, decided purely from the deployment's state and what each cluster
// looks like now. The executor records each decided event before it acts, then asks again; after
// a restart it asks the same question of the same state and the same clusters, so nothing that is
// already done is done twice.
import type { ClusterDeployState, DeploymentEventBody, DeploymentState, FindingSummary } from './events.ts';
import { type ClusterObservation, hasImagesOf, judgeRollout, judgeSoak, workloadKey } from './gate.ts';
import type { PlannedCluster, PlannedWave } from './plan.ts';

export interface BlockedCluster {
  cluster: string;
  /** What it waits for, in one sentence. */
  reason: string;
}

export type DeployStep =
  | { type: 'record'; event: DeploymentEventBody }
  /**
   * Change a cluster: read its workloads and record `cluster-changed` with their templates (when
   * not yet recorded), then patch each workload that does not yet run the new images.
   */
  | { type: 'change'; cluster: string }
  /** Patch each changed workload back to its recorded template, then record `cluster-rolled-back`. */
  | { type: 'restore'; cluster: string }
  | { type: 'wait'; blocked: BlockedCluster[] }
  | { type: 'done' };

export type Observations = ReadonlyMap<string, ClusterObservation>;

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/** The steps to take now, in order. `now` in ms. */
export function decideNext(state: DeploymentState, observed: Observations, now: number): DeployStep[] {
  switch (state.status) {
    case 'completed':
    case 'failed':
    case 'cancelled':
    case 'rolled-back':
      return [{ type: 'done' }];
    case 'requested':
      // Planning reads the live service: the executor does it and records `planned` or `failed`.
      return [];
    case 'paused':
      return [
        { type: 'wait', blocked: [{ cluster: '*', reason: 'the deployment is paused: resume it to go on' }] },
      ];
    case 'rolling-back':
      return decideRollback(state, observed);
    case 'running':
      return decideRunning(state, observed, now);
  }
}

function targetOf(state: DeploymentState, cluster: string): PlannedCluster | undefined {
  return state.plan?.clusters.find((c) => c.cluster === cluster);
}

/** Whether every workload in the cluster already runs what it ran before the deployment. */
function isRestored(c: ClusterDeployState, obs: ClusterObservation): boolean {
  const live = new Map(obs.workloads.map((w) => [workloadKey(w), w.object]));
  return (c.previous ?? []).every((p) => {
    const obj = live.get(workloadKey(p));
    return obj === undefined || hasImagesOf(p.template, obj, p.kind);
  });
}

function restoreSteps(c: ClusterDeployState, obs: ClusterObservation | undefined): DeployStep[] {
  if (!obs || obs.error)
    return [
      {
        type: 'wait',
        blocked: [
          {
            cluster: c.cluster,
            reason: `waits to be restored: the cluster is unreachable (${obs?.error ?? 'not read'})`,
          },
        ],
      },
    ];
  if (isRestored(c, obs))
    return [{ type: 'record', event: { type: 'cluster-rolled-back', cluster: c.cluster } }];
  return [{ type: 'restore', cluster: c.cluster }];
}

function decideRollback(state: DeploymentState, observed: Observations): DeployStep[] {
  const pending = state.clusters.filter((c) => c.changedAt !== undefined && c.status !== 'rolled-back');
  if (pending.length === 0) return [{ type: 'record', event: { type: 'rolled-back' } }];
  return pending.flatMap((c) => restoreSteps(c, observed.get(c.cluster)));
}

function blocked(c: ClusterDeployState, reason: string, unreachable = false): DeployStep[] {
  const steps: DeployStep[] = [];
  // Record a reason when it changes, not on every look: the list stays an audit log.
  if (c.reason !== reason || (unreachable && c.unreachableSince === undefined))
    steps.push({
      type: 'record',
      event: { type: 'gate-blocked', cluster: c.cluster, reason, ...(unreachable ? { unreachable } : {}) },
    });
  steps.push({ type: 'wait', blocked: [{ cluster: c.cluster, reason }] });
  return steps;
}

function unreachable(
  state: DeploymentState,
  c: ClusterDeployState,
  obs: ClusterObservation | undefined,
  now: number,
): DeployStep[] {
  const error = obs?.error ?? 'not read yet';
  const limit = state.plan?.unreachableLimitSeconds ?? 0;
  const since = ms(c.unreachableSince);
  if (!Number.isNaN(since) && now - since > limit * 1000)
    return [
      {
        type: 'record',
        event: {
          type: 'failed',
          reason: `cluster ${c.cluster} unreachable for more than ${limit} s: ${error}`,
        },
      },
    ];
  return blocked(c, `waits for the cluster to answer: ${error}`, true);
}

const approvalReason = (wave: PlannedWave) => `waits for approval of wave ${wave.index + 1} (${wave.name})`;

function startWave(state: DeploymentState, wave: PlannedWave): DeployStep[] {
  if (wave.requiresApproval && !state.approvedWaves.includes(wave.index))
    return [
      { type: 'wait', blocked: wave.clusters.map((cluster) => ({ cluster, reason: approvalReason(wave) })) },
    ];
  return [{ type: 'record', event: { type: 'wave-started', wave: wave.index } }];
}

function decideRunning(state: DeploymentState, observed: Observations, now: number): DeployStep[] {
  const plan = state.plan;
  if (!plan) return [];
  if (state.wave < 0) {
    const first = plan.waves[0];
    return first ? startWave(state, first) : [{ type: 'record', event: { type: 'completed' } }];
  }
  const wave = plan.waves[state.wave];
  if (!wave) return [{ type: 'record', event: { type: 'completed' } }];
  const clusters = state.clusters.filter((c) => c.wave === wave.index);

  const failed = clusters.filter((c) => c.failedAt !== undefined);
  if (failed.length > wave.maxFailures) {
    const first = failed[0] as ClusterDeployState;
    const findings: FindingSummary[] = failed.flatMap((c) => c.findings ?? []);
    return [
      {
        type: 'record',
        event: {
          type: 'failed',
          reason:
            `${failed.length} of ${clusters.length} clusters of wave ${wave.index + 1} failed (at most ${wave.maxFailures} may): ${first.cluster} ${first.reason ?? ''}`.trim(),
          ...(findings.length ? { findings } : {}),
        },
      },
    ];
  }

  const steps: DeployStep[] = [];
  // A failure the wave tolerates is still rolled back at once: that cluster keeps the old version.
  for (const c of failed)
    if (c.changedAt && c.status !== 'rolled-back') steps.push(...restoreSteps(c, observed.get(c.cluster)));

  let active = clusters.filter((c) => c.status === 'changing' || c.status === 'soaking').length;
  for (const c of clusters) {
    const obs = observed.get(c.cluster);
    const target = targetOf(state, c.cluster);
    if (!target) continue;
    if (c.status === 'pending') {
      if (active >= wave.maxConcurrency) {
        steps.push({
          type: 'wait',
          blocked: [
            {
              cluster: c.cluster,
              reason: `waits its turn: ${active} of the wave's clusters are changing (at most ${wave.maxConcurrency} at once)`,
            },
          ],
        });
        continue;
      }
      active++;
      if (!obs || obs.error) steps.push(...unreachable(state, c, obs, now));
      else steps.push({ type: 'change', cluster: c.cluster });
      continue;
    }
    if (c.status !== 'changing' && c.status !== 'soaking') continue;
    if (!obs || obs.error) {
      steps.push(...unreachable(state, c, obs, now));
      continue;
    }
    if (c.status === 'changing') {
      const j = judgeRollout(target, obs, ms(c.changedAt), wave.progressDeadlineSeconds, now);
      if (j.state === 'not-applied') steps.push({ type: 'change', cluster: c.cluster });
      else if (j.state === 'ready')
        steps.push({ type: 'record', event: { type: 'cluster-ready', cluster: c.cluster } });
      else if (j.state === 'failed')
        steps.push({
          type: 'record',
          event: {
            type: 'cluster-failed',
            cluster: c.cluster,
            reason: j.reason,
            ...(j.findings ? { findings: j.findings } : {}),
          },
        });
      else steps.push(...blocked(c, j.reason));
    } else {
      const j = judgeSoak(target, obs, ms(c.readyAt), wave.soakSeconds, now);
      if (j.state === 'passed')
        steps.push({ type: 'record', event: { type: 'gate-passed', cluster: c.cluster } });
      else if (j.state === 'failed')
        steps.push({
          type: 'record',
          event: { type: 'cluster-failed', cluster: c.cluster, reason: j.reason, findings: j.findings },
        });
      else steps.push(...blocked(c, j.reason));
    }
  }
  if (steps.length > 0) return steps;

  // Nothing to do in this wave: every cluster passed, or failed within what the wave tolerates.
  const next = plan.waves[wave.index + 1];
  return next ? startWave(state, next) : [{ type: 'record', event: { type: 'completed' } }];
}

/**
 * The next wave, when it waits for an approval and the wave before it has nothing left to do
 * (every cluster passed or failed): nothing is recorded while it waits, so the state says it here.
 */
function awaitingApproval(state: DeploymentState): PlannedWave | undefined {
  const plan = state.plan;
  if (state.status !== 'running' || !plan) return undefined;
  const busy = state.clusters.some(
    (c) => c.wave === state.wave && c.status !== 'passed' && c.failedAt === undefined,
  );
  const next = plan.waves[state.wave + 1];
  return !busy && next?.requiresApproval && !state.approvedWaves.includes(next.index) ? next : undefined;
}

/** One sentence per cluster that is not done, from the state alone (for the API and the CLI). */
export function blockedReasons(state: DeploymentState): BlockedCluster[] {
  const reasons = state.clusters
    .filter((c) => c.status !== 'passed' && c.status !== 'rolled-back' && c.reason)
    .map((c) => ({ cluster: c.cluster, reason: c.reason as string }));
  const waiting = awaitingApproval(state);
  if (waiting)
    for (const cluster of waiting.clusters) reasons.push({ cluster, reason: approvalReason(waiting) });
  return reasons;
}
