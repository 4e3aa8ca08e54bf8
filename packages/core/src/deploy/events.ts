// A deployment is its append-only list of events: the audit log, the progress stream and the
// source of the delivery metrics. Its state is a fold over that list, so whatever reads the list
// (the executor after a restart, the API, the metrics) sees the same deployment.
import type { Severity } from '../health/types.ts';
import type { DeployableKind, DeployRequest, Plan } from './plan.ts';

export interface CommitInfo {
  sha: string;
  /** ISO 8601. */
  time: string;
}

/** A workload's pod template as it was before a deployment changed it (read from the cluster). */
export interface RecordedTemplate {
  kind: DeployableKind;
  namespace: string;
  name: string;
  /** The whole `spec.template`, exactly as the API server returned it. */
  template: Record<string, unknown>;
}

/** What a failure is pinned on: the findings on the new pods, short. */
export interface FindingSummary {
  rule: string;
  severity: Severity;
  cluster: string;
  object: string;
  summary: string;
}

export type DeploymentEventBody =
  | {
      type: 'requested';
      service: string;
      request: DeployRequest;
      reason: string;
      commit?: CommitInfo;
      /** An image change Portolan did not make, seen by the watch: recorded for the history only. */
      external?: boolean;
    }
  | { type: 'planned'; plan: Plan }
  | { type: 'wave-started'; wave: number }
  /** Recorded before the patch, with what each workload was: the rollback restores exactly that. */
  | { type: 'cluster-changed'; cluster: string; previous: RecordedTemplate[] }
  /** The rollout in the cluster is complete; the soak starts. */
  | { type: 'cluster-ready'; cluster: string }
  | { type: 'gate-passed'; cluster: string }
  | { type: 'gate-blocked'; cluster: string; reason: string; unreachable?: boolean }
  | { type: 'cluster-failed'; cluster: string; reason: string; findings?: FindingSummary[] }
  | { type: 'cluster-rolled-back'; cluster: string }
  | { type: 'approved'; wave: number; reason?: string }
  | { type: 'paused'; reason?: string }
  | { type: 'resumed'; reason?: string }
  | { type: 'failed'; reason: string; findings?: FindingSummary[] }
  | { type: 'cancelled'; reason?: string }
  /**
   * A newer deployment of the service took over: this one stops where it is, without a rollback
   * (the newer one is planned from the live state and changes every cluster again).
   */
  | { type: 'superseded'; by: string }
  | { type: 'rollback-requested'; reason?: string }
  | { type: 'rolled-back' }
  | { type: 'completed' };

export type DeploymentEventType = DeploymentEventBody['type'];

export type DeploymentEvent = DeploymentEventBody & {
  /** Who: a user, a token's name, `guest`, or `portolan` for the executor's own steps. */
  actor: string;
  /** When, ISO 8601. */
  at: string;
};

/** An event as stored: with its place in the list. */
export type StoredEvent = DeploymentEvent & { seq: number };

export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled', 'rolled-back'] as const;
export type DeploymentStatus =
  | 'requested'
  | 'running'
  | 'paused'
  | 'rolling-back'
  | (typeof TERMINAL_STATUSES)[number];

/** Statuses during which the deployment holds its service (one at a time per service). */
export function isActiveStatus(status: DeploymentStatus): boolean {
  return !(TERMINAL_STATUSES as readonly string[]).includes(status);
}

export type ClusterDeployStatus = 'pending' | 'changing' | 'soaking' | 'passed' | 'failed' | 'rolled-back';

export interface ClusterDeployState {
  cluster: string;
  wave: number;
  status: ClusterDeployStatus;
  /** What it waits for or why it failed, in one sentence. */
  reason?: string;
  changedAt?: string;
  readyAt?: string;
  passedAt?: string;
  failedAt?: string;
  /** Since when the cluster has been unreachable, while it is. */
  unreachableSince?: string;
  previous?: RecordedTemplate[];
  findings?: FindingSummary[];
}

export interface DeploymentState {
  service: string;
  status: DeploymentStatus;
  request?: DeployRequest;
  reason?: string;
  commit?: CommitInfo;
  external: boolean;
  requestedBy?: string;
  requestedAt?: string;
  plan?: Plan;
  /** Index of the wave under way (the last one started), -1 before the first. */
  wave: number;
  approvedWaves: number[];
  clusters: ClusterDeployState[];
  /** Whether any cluster was changed: a deployment that changed nothing did not reach production. */
  changedAny: boolean;
  /** What the rollback phase ends in. */
  outcome?: 'failed' | 'cancelled' | 'rolled-back';
  failure?: { reason: string; findings?: FindingSummary[] };
  completedAt?: string;
  /** When the deployment reached a terminal status. */
  endedAt?: string;
  updatedAt?: string;
}

export function emptyState(service = ''): DeploymentState {
  return {
    service,
    status: 'requested',
    wave: -1,
    approvedWaves: [],
    clusters: [],
    changedAny: false,
    external: false,
  };
}

/** The state after one more event. Events that do not apply to the state are ignored. */
export function applyEvent(state: DeploymentState, event: DeploymentEvent): DeploymentState {
  const s: DeploymentState = { ...state, updatedAt: event.at };
  const cluster = (name: string, patch: Partial<ClusterDeployState>) => {
    s.clusters = s.clusters.map((c) => (c.cluster === name ? { ...c, ...patch } : c));
  };
  const terminal = !isActiveStatus(state.status);
  switch (event.type) {
    case 'requested':
      return {
        ...s,
        service: event.service,
        request: event.request,
        reason: event.reason,
        ...(event.commit ? { commit: event.commit } : {}),
        external: event.external === true,
        requestedBy: event.actor,
        requestedAt: event.at,
      };
    case 'planned':
      if (state.status !== 'requested') return state;
      return {
        ...s,
        status: 'running',
        plan: event.plan,
        clusters: event.plan.waves.flatMap((w) =>
          w.clusters.map((c) => ({ cluster: c, wave: w.index, status: 'pending' as const })),
        ),
      };
    case 'wave-started':
      return terminal ? state : { ...s, wave: Math.max(state.wave, event.wave) };
    case 'cluster-changed':
      cluster(event.cluster, {
        status: 'changing',
        changedAt: event.at,
        previous: event.previous,
        reason: 'rollout starting',
        unreachableSince: undefined,
      });
      return { ...s, changedAny: true };
    case 'cluster-ready':
      cluster(event.cluster, { status: 'soaking', readyAt: event.at, unreachableSince: undefined });
      return s;
    case 'gate-passed':
      cluster(event.cluster, {
        status: 'passed',
        passedAt: event.at,
        reason: undefined,
        unreachableSince: undefined,
      });
      return s;
    case 'gate-blocked':
      cluster(event.cluster, {
        reason: event.reason,
        unreachableSince: event.unreachable
          ? (state.clusters.find((c) => c.cluster === event.cluster)?.unreachableSince ?? event.at)
          : undefined,
      });
      return s;
    case 'cluster-failed':
      cluster(event.cluster, {
        status: 'failed',
        failedAt: event.at,
        reason: event.reason,
        ...(event.findings ? { findings: event.findings } : {}),
      });
      return s;
    case 'cluster-rolled-back':
      cluster(event.cluster, { status: 'rolled-back' });
      return s;
    case 'approved':
      return terminal ? state : { ...s, approvedWaves: [...new Set([...state.approvedWaves, event.wave])] };
    case 'paused':
      return state.status === 'running' ? { ...s, status: 'paused' } : state;
    case 'resumed':
      return state.status === 'paused' ? { ...s, status: 'running' } : state;
    case 'failed':
      if (terminal || state.status === 'rolling-back') return state;
      return {
        ...s,
        status: 'rolling-back',
        outcome: 'failed',
        failure: { reason: event.reason, ...(event.findings ? { findings: event.findings } : {}) },
      };
    case 'cancelled':
      if (terminal || state.status === 'rolling-back') return state;
      return { ...s, status: 'rolling-back', outcome: 'cancelled' };
    case 'superseded':
      if (terminal) return state;
      return {
        ...s,
        status: 'cancelled',
        failure: { reason: `superseded by ${event.by}` },
        endedAt: event.at,
      };
    case 'rollback-requested':
      if (state.status !== 'completed') return state;
      return { ...s, status: 'rolling-back', outcome: 'rolled-back', endedAt: undefined };
    case 'rolled-back':
      if (state.status !== 'rolling-back') return state;
      return { ...s, status: state.outcome ?? 'failed', endedAt: event.at };
    case 'completed':
      if (state.status !== 'running') return state;
      return { ...s, status: 'completed', completedAt: event.at, endedAt: event.at };
  }
}

/** A deployment's state from its events, in order. */
export function foldDeployment(events: Iterable<DeploymentEvent>): DeploymentState {
  let state = emptyState();
  for (const e of events) state = applyEvent(state, e);
  return state;
}

/** What the API's callers may do now; the routes refuse the rest with a ConflictError. */
export function allowedActions(
  state: DeploymentState,
): ('pause' | 'resume' | 'approve' | 'cancel' | 'rollback')[] {
  switch (state.status) {
    case 'requested':
      return ['cancel'];
    case 'running':
      return ['pause', 'approve', 'cancel'];
    case 'paused':
      return ['resume', 'approve', 'cancel'];
    case 'completed':
      return state.changedAny && !state.external ? ['rollback'] : [];
    default:
      return [];
  }
}
