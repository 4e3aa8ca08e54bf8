import type { CronJob, Job } from '../../k8s/types.ts';
import { CronError, parseCron, previousFire } from '../cron.ts';
import type { Collector, Snapshot } from '../snapshot.ts';
import type { Evidence, ObjectRef, Tagged } from '../types.ts';
import { condition, conditionEvidence, controllerOf, formatDuration, num, refOf, time } from '../util.ts';
import { explainExit, failedContainer } from './pods.ts';

/**
 * Whether a Job has failed for good. Since Kubernetes 1.31 the controller adds FailureTarget as
 * soon as it decides the Job fails and Failed only once its pods have terminated, which can take
 * a grace period or longer: either one is the verdict.
 */
function failedCondition(job: Job) {
  const failed = condition(job.status?.conditions, 'Failed');
  if (failed?.status === 'True') return failed;
  const target = condition(job.status?.conditions, 'FailureTarget');
  return target?.status === 'True' ? target : undefined;
}

export function checkJob(snap: Snapshot, item: Tagged<Job>, out: Collector): void {
  const job = item.object;
  const failed = failedCondition(job);
  if (!failed) return;
  const ref: ObjectRef = {
    cluster: item.cluster,
    namespace: job.metadata?.namespace ?? '',
    kind: 'Job',
    name: job.metadata?.name ?? '',
  };
  const owner = controllerOf(job.metadata);
  const cron =
    owner?.kind === 'CronJob' && owner.name
      ? snap.get(item.cluster, 'CronJob', ref.namespace, owner.name)
      : undefined;
  // A failed run followed by a successful one is history, not a problem.
  const failedAt = time(failed.lastTransitionTime) ?? time(job.status?.startTime);
  const lastSuccess = time(cron?.status?.lastSuccessfulTime);
  if (failedAt !== undefined && lastSuccess !== undefined && lastSuccess > failedAt) return;
  const reason = failed.reason ?? '';
  const backoffLimit = num(job.spec?.backoffLimit, 6);
  // The last pod that failed is the one that made the Job give up: its exit code is the cause.
  let last: ReturnType<typeof failedContainer>;
  for (const pod of snap.podsControlledBy(item.cluster, 'Job', ref.namespace, ref.name)) {
    if (pod.status?.phase !== 'Failed') continue;
    const c = failedContainer(pod);
    if (c && (!last || (time(c.t.finishedAt) ?? 0) > (time(last.t.finishedAt) ?? 0))) last = c;
  }
  const exit = last
    ? `; last pod: ${last.init ? 'init container' : 'container'} ${last.cs.name ?? ''} exit code ${last.t.exitCode ?? '?'}${last.t.reason ? ` (${last.t.reason})` : ''}`
    : '';
  const summary =
    reason === 'DeadlineExceeded'
      ? `failed: ran longer than activeDeadlineSeconds (${num(job.spec?.activeDeadlineSeconds)}s)`
      : reason === 'PodFailurePolicy'
        ? `failed by its pod failure policy: ${failed.message ?? 'a pod matched a FailJob rule'}`
        : reason === 'FailedIndexes' || reason === 'MaxFailedIndexesExceeded'
          ? `failed: indexes failed past their per-index backoff limit (${failed.message ?? reason})`
          : reason === 'BackoffLimitExceeded' || reason === ''
            ? `failed after ${num(job.status?.failed)} failed pods (backoffLimit ${backoffLimit})${exit}`
            : `failed (${reason})${failed.message ? `: ${failed.message}` : ''}${exit}`;
  const explanation =
    reason === 'DeadlineExceeded'
      ? 'The Job exceeded its activeDeadlineSeconds and Kubernetes stopped its pods.'
      : reason === 'PodFailurePolicy'
        ? 'A pod failed in a way the Job’s podFailurePolicy marks as not worth retrying (a FailJob rule), so the Job failed at once, without using its backoffLimit.'
        : reason === 'FailedIndexes' || reason === 'MaxFailedIndexesExceeded'
          ? 'An indexed Job with a per-index backoff limit has indexes that failed too often.'
          : 'Every retry of the Job’s pod failed until the backoff limit was reached.';
  const evidence: Evidence = {
    reason: failed.reason,
    message: failed.message,
    conditions: conditionEvidence(failed),
    events: snap.eventsFor(item.cluster, 'Job', ref.namespace, ref.name),
    details: {
      failed: num(job.status?.failed),
      succeeded: num(job.status?.succeeded),
      backoffLimit,
    },
  };
  if (last) {
    evidence.container = last.cs.name;
    if (last.t.exitCode !== undefined) evidence.exitCode = last.t.exitCode;
    if (last.t.signal !== undefined) evidence.signal = last.t.signal;
    // The pod's own reason and message (Error, "S3 bucket not found") say more than the Job's.
    if (last.t.reason !== undefined) evidence.reason = last.t.reason;
    if (last.t.message !== undefined) evidence.message = last.t.message;
  }
  out.add(ref, {
    rule: 'job-failed',
    severity: owner?.kind === 'CronJob' ? 'warning' : 'critical',
    summary,
    explanation: last ? `${explanation} ${explainExit(last.t.exitCode, last.t.reason)}` : explanation,
    nextSteps: [
      `Read the logs of the failed pods: kubectl logs -n ${ref.namespace} -l job-name=${ref.name} --previous`,
      'Fix the cause and re-run the Job (Jobs are not retried after they fail).',
    ],
    evidence,
  });
}

export function checkCronJob(snap: Snapshot, item: Tagged<CronJob>, out: Collector): void {
  const cj = item.object;
  const ref = refOf(item.cluster, 'CronJob', cj);
  const schedule = cj.spec?.schedule;
  if (cj.spec?.suspend) {
    out.add(ref, {
      rule: 'cronjob-suspended',
      severity: 'info',
      summary: `suspended (schedule ${schedule ?? '?'})`,
      explanation: 'The CronJob is suspended: no new runs start until it is resumed.',
      nextSteps: ['Resume it when intended: set spec.suspend to false.'],
      evidence: { details: { schedule: schedule ?? null } },
    });
    return;
  }
  if (typeof schedule !== 'string') return;
  let parsed: ReturnType<typeof parseCron>;
  try {
    parsed = parseCron(schedule, cj.spec?.timeZone);
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    out.add(ref, {
      rule: 'cronjob-invalid-schedule',
      severity: 'warning',
      summary: `schedule "${schedule}" cannot be evaluated: ${e.message}`,
      explanation:
        'Portolan cannot compute when this CronJob should have run, so it cannot check that it does.',
      nextSteps: [
        'Check the schedule syntax (five fields: minute hour day-of-month month day-of-week 0-6, or a descriptor such as @hourly or @every 5m).',
      ],
      evidence: { details: { schedule, timeZone: cj.spec?.timeZone ?? null } },
    });
    return;
  }
  // Allow one whole period: the run due at the last fire time may still be running. A success
  // older than the fire time before that means at least one scheduled run did not succeed.
  // `@every` schedules count from the CronJob's creation, as the controller does.
  const created = time(cj.metadata?.creationTimestamp);
  const last = previousFire(parsed, snap.now, created);
  if (last === undefined) return;
  const before = previousFire(parsed, last - 1000, created);
  if (before === undefined) return;
  if (created === undefined || created > before) return;
  const lastSuccess = time(cj.status?.lastSuccessfulTime);
  if (lastSuccess !== undefined && lastSuccess >= before) return;
  const lastSchedule = time(cj.status?.lastScheduleTime);
  const active = Array.isArray(cj.status?.active) ? cj.status.active.length : 0;
  const since =
    lastSuccess !== undefined
      ? `last success ${formatDuration((snap.now - lastSuccess) / 1000)} ago`
      : 'no successful run recorded';
  const notStarted = lastSchedule === undefined || lastSchedule < before;
  out.add(ref, {
    rule: 'cronjob-missed-schedule',
    severity: 'warning',
    summary: `${since}; schedule "${schedule}" expected one by ${new Date(before).toISOString()}`,
    explanation: notStarted
      ? 'Scheduled runs did not start: the CronJob controller skipped them (startingDeadlineSeconds, concurrencyPolicy Forbid with a run still active) or the jobs could not be created.'
      : active > 0
        ? 'Runs start but do not finish successfully in time: a run is still active past the next scheduled time.'
        : 'Runs start but fail: the Jobs created by this CronJob do not succeed.',
    nextSteps: [
      'Look at the latest Jobs of this CronJob and their pods’ logs.',
      'Check concurrencyPolicy and startingDeadlineSeconds, and the CronJob’s events.',
    ],
    evidence: {
      events: snap.eventsFor(item.cluster, 'CronJob', ref.namespace, ref.name),
      details: {
        schedule,
        timeZone: cj.spec?.timeZone ?? null,
        expectedBy: new Date(before).toISOString(),
        lastSuccessfulTime: cj.status?.lastSuccessfulTime ?? null,
        lastScheduleTime: cj.status?.lastScheduleTime ?? null,
        active,
      },
    },
  });
}
