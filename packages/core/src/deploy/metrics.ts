// Delivery metrics over the deployments' own records, following the definitions at dora.dev:
//
// - deployment frequency: deployments that completed (reached every planned cluster), counted in
//   the week they completed;
// - change lead time: from the commit's time (when the request carried it) to completion;
// - change fail rate: of the deployments that reached production (changed at least one cluster)
//   and ended in the period, those that failed, were cancelled or were rolled back. Each
//   deployment is counted once, in the week it ended, by its final status;
// - failed deployment recovery time: from the end of a failed deployment to the completion of the
//   next deployment of the same service.
//
// Weeks start on Monday 00:00 UTC. External deployments (rollouts Portolan saw but did not make)
// count as completed deployments: the history is the service's, not Portolan's.
import type { DeploymentState, DeploymentStatus } from './events.ts';

export interface DeliveryRecord {
  id: string;
  service: string;
  status: DeploymentStatus;
  external: boolean;
  /** Whether the deployment changed any cluster. */
  changedAny: boolean;
  requestedAt: string;
  completedAt?: string;
  endedAt?: string;
  commitTime?: string;
}

export function deliveryRecord(id: string, state: DeploymentState): DeliveryRecord {
  return {
    id,
    service: state.service,
    status: state.status,
    external: state.external,
    changedAny: state.changedAny || state.external,
    requestedAt: state.requestedAt ?? state.updatedAt ?? '',
    ...(state.completedAt ? { completedAt: state.completedAt } : {}),
    ...(state.endedAt ? { endedAt: state.endedAt } : {}),
    ...(state.commit ? { commitTime: state.commit.time } : {}),
  };
}

export interface Durations {
  count: number;
  /** Seconds; null without samples. */
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface DeliveryFigures {
  /** Completed deployments. */
  deployments: number;
  /** Deployments that reached production and ended (the change fail rate's denominator). */
  changes: number;
  /** Of those, the ones that failed, were cancelled or rolled back. */
  failedChanges: number;
  /** failedChanges / changes; null when there were no changes. */
  changeFailRate: number | null;
  leadTime: Durations;
  recoveryTime: Durations;
  /** Failed deployments not (yet) followed by a completed one. */
  unrecovered: number;
}

export interface WeekFigures extends DeliveryFigures {
  /** Monday 00:00 UTC, ISO 8601. */
  week: string;
}

export interface DeliveryMetrics extends DeliveryFigures {
  since: string;
  until: string;
  weeks: WeekFigures[];
  /** Completed deployments per week over the period. */
  deploymentsPerWeek: number;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Monday 00:00 UTC of the week holding `t` (ms). */
export function weekStart(t: number): number {
  const d = new Date(t);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return midnight - ((d.getUTCDay() + 6) % 7) * DAY;
}

const FAILED: ReadonlySet<DeploymentStatus> = new Set(['failed', 'cancelled', 'rolled-back']);

function durations(seconds: number[]): Durations {
  if (seconds.length === 0) return { count: 0, medianSeconds: null, p90Seconds: null };
  const s = [...seconds].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  // Nearest-rank percentile.
  const p90 = s[Math.max(0, Math.ceil(0.9 * s.length) - 1)] as number;
  return { count: s.length, medianSeconds: median, p90Seconds: p90 };
}

/** One per deployment: what it contributes, and when. */
interface Contribution {
  completedAt?: number;
  leadSeconds?: number;
  endedAt?: number;
  change: boolean;
  failed: boolean;
  recoverySeconds?: number;
}

function contributions(records: readonly DeliveryRecord[]): Contribution[] {
  // Completion times per service, sorted, for "the next completed deployment".
  const completions = new Map<string, number[]>();
  for (const r of records) {
    if (!r.completedAt) continue;
    const list = completions.get(r.service) ?? [];
    list.push(Date.parse(r.completedAt));
    completions.set(r.service, list);
  }
  for (const list of completions.values()) list.sort((a, b) => a - b);

  return records.map((r) => {
    const c: Contribution = { change: false, failed: false };
    if (r.completedAt) {
      c.completedAt = Date.parse(r.completedAt);
      if (r.commitTime) {
        const lead = (c.completedAt - Date.parse(r.commitTime)) / 1000;
        if (Number.isFinite(lead) && lead >= 0) c.leadSeconds = lead;
      }
    }
    if (r.endedAt && r.changedAny) {
      c.endedAt = Date.parse(r.endedAt);
      c.change = true;
      c.failed = FAILED.has(r.status);
      if (c.failed) {
        const next = completions.get(r.service)?.find((t) => t > (c.endedAt as number));
        if (next !== undefined) c.recoverySeconds = (next - (c.endedAt as number)) / 1000;
      }
    }
    return c;
  });
}

function figures(cs: readonly Contribution[], from: number, to: number): DeliveryFigures {
  const inRange = (t: number | undefined): t is number => t !== undefined && t >= from && t < to;
  const completed = cs.filter((c) => inRange(c.completedAt));
  const ended = cs.filter((c) => c.change && inRange(c.endedAt));
  const failed = ended.filter((c) => c.failed);
  return {
    deployments: completed.length,
    changes: ended.length,
    failedChanges: failed.length,
    changeFailRate: ended.length ? failed.length / ended.length : null,
    leadTime: durations(completed.flatMap((c) => (c.leadSeconds === undefined ? [] : [c.leadSeconds]))),
    recoveryTime: durations(
      failed.flatMap((c) => (c.recoverySeconds === undefined ? [] : [c.recoverySeconds])),
    ),
    unrecovered: failed.filter((c) => c.recoverySeconds === undefined).length,
  };
}

/**
 * The delivery metrics of some deployments over [since, until), in total and per week. Pass the
 * deployments of one service or one team; recovery looks for the next completed deployment among
 * the records given, so give them all, not only those in the period.
 */
export function deliveryMetrics(
  records: readonly DeliveryRecord[],
  range: { since: number; until: number },
): DeliveryMetrics {
  const cs = contributions(records);
  const weeks: WeekFigures[] = [];
  if (range.until > range.since) {
    for (let w = weekStart(range.since); w < range.until; w += WEEK) {
      const from = Math.max(w, range.since);
      const to = Math.min(w + WEEK, range.until);
      weeks.push({ week: new Date(w).toISOString(), ...figures(cs, from, to) });
    }
  }
  const total = figures(cs, range.since, range.until);
  const spanWeeks = Math.max(range.until - range.since, 0) / WEEK;
  return {
    since: new Date(range.since).toISOString(),
    until: new Date(range.until).toISOString(),
    ...total,
    weeks,
    deploymentsPerWeek: spanWeeks > 0 ? total.deployments / spanWeeks : 0,
  };
}
