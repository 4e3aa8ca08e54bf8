import { describe, expect, it } from 'vitest';
import type { CronJob, Job } from '../../src/k8s/types.ts';
import { ago, rulesOf, run, tag } from './fixtures.ts';

function job(o: { name?: string; owner?: string; status?: Job['status'] } = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: o.name ?? 'report-29401234',
      namespace: 'analytics',
      ...(o.owner
        ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: o.owner, controller: true }] }
        : {}),
    },
    spec: { backoffLimit: 6, completions: 1, parallelism: 1 },
    status: o.status ?? {
      startTime: ago(3600),
      completionTime: ago(3500),
      succeeded: 1,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: ago(3500) }],
    },
  };
}

const backoffFailed: Job['status'] = {
  startTime: ago(3600),
  failed: 7,
  conditions: [
    {
      type: 'Failed',
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
      lastTransitionTime: ago(1800),
    },
  ],
};

function cronJob(o: {
  schedule?: string;
  suspend?: boolean;
  created?: string;
  lastSuccessfulTime?: string;
  lastScheduleTime?: string;
  active?: number;
  timeZone?: string;
}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'report', namespace: 'analytics', creationTimestamp: o.created ?? ago(90 * 86_400) },
    spec: {
      schedule: o.schedule ?? '0 * * * *',
      ...(o.timeZone ? { timeZone: o.timeZone } : {}),
      concurrencyPolicy: 'Forbid',
      suspend: o.suspend ?? false,
      jobTemplate: { spec: { backoffLimit: 2 } },
    },
    status: {
      ...(o.lastSuccessfulTime ? { lastSuccessfulTime: o.lastSuccessfulTime } : {}),
      ...(o.lastScheduleTime ? { lastScheduleTime: o.lastScheduleTime } : {}),
      ...(o.active
        ? {
            active: Array.from({ length: o.active }, (_, i) => ({
              kind: 'Job',
              name: `report-${i}`,
              namespace: 'analytics',
            })),
          }
        : {}),
    },
  };
}

// NOW is 2026-11-26T12:00:00Z: an hourly job last fired at 12:00, the one before at 11:00.
const cases: { name: string; objects: (Job | CronJob)[]; expect: string[]; mentions?: string[] }[] = [
  { name: 'completed Job', objects: [job()], expect: [] },
  {
    name: 'Job failed: backoff limit',
    objects: [job({ status: backoffFailed })],
    expect: ['job-failed:critical'],
    mentions: ['backoffLimit 6'],
  },
  {
    name: 'Job failed: deadline exceeded',
    objects: [
      job({
        status: {
          startTime: ago(7200),
          failed: 1,
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'DeadlineExceeded',
              message: 'Job was active longer than specified deadline',
            },
          ],
        },
      }),
    ],
    expect: ['job-failed:critical'],
    mentions: ['activeDeadlineSeconds'],
  },
  {
    name: 'a failed CronJob run is a warning',
    objects: [
      job({ owner: 'report', status: backoffFailed }),
      cronJob({ lastSuccessfulTime: ago(3000), lastScheduleTime: ago(0) }),
    ],
    expect: ['job-failed:warning'],
  },
  {
    name: 'a failed CronJob run superseded by a later success is history',
    objects: [
      job({ owner: 'report', status: backoffFailed }),
      cronJob({ lastSuccessfulTime: ago(60), lastScheduleTime: ago(60) }),
    ],
    expect: [],
  },
  {
    name: 'hourly CronJob that succeeded 50 minutes ago',
    objects: [cronJob({ lastSuccessfulTime: ago(3000), lastScheduleTime: ago(0) })],
    expect: [],
  },
  {
    name: 'hourly CronJob whose last success is 3 hours old',
    objects: [cronJob({ lastSuccessfulTime: ago(3 * 3600), lastScheduleTime: ago(0) })],
    expect: ['cronjob-missed-schedule:warning'],
    mentions: ['last success 3h ago', 'do not succeed'],
  },
  {
    name: 'hourly CronJob that never succeeded and stopped being scheduled',
    objects: [cronJob({ lastScheduleTime: ago(5 * 3600) })],
    expect: ['cronjob-missed-schedule:warning'],
    mentions: ['no successful run recorded', 'did not start'],
  },
  {
    name: 'a CronJob created 10 minutes ago has not missed anything',
    objects: [cronJob({ created: ago(600) })],
    expect: [],
  },
  {
    name: 'daily CronJob in a time zone, ran at 09:00 Berlin today',
    objects: [
      cronJob({ schedule: '0 9 * * *', timeZone: 'Europe/Berlin', lastSuccessfulTime: ago(4 * 3600 - 120) }),
    ],
    expect: [],
  },
  {
    name: 'daily CronJob whose last success is 2 days old',
    objects: [cronJob({ schedule: '30 2 * * *', lastSuccessfulTime: ago(2 * 86_400 + 3600) })],
    expect: ['cronjob-missed-schedule:warning'],
  },
  {
    name: 'long-running run still active past the next schedule',
    objects: [
      cronJob({
        schedule: '*/10 * * * *',
        lastSuccessfulTime: ago(3600),
        lastScheduleTime: ago(1800),
        active: 1,
      }),
    ],
    expect: ['cronjob-missed-schedule:warning'],
    mentions: ['still active'],
  },
  { name: 'suspended CronJob', objects: [cronJob({ suspend: true })], expect: ['cronjob-suspended:info'] },
  {
    name: 'invalid schedule',
    objects: [cronJob({ schedule: '0 0 * *' })],
    expect: ['cronjob-invalid-schedule:warning'],
    mentions: ['5 fields'],
  },
];

describe('Job and CronJob rules', () => {
  it.each(cases)('$name', (c) => {
    const findings = run(tag('batch-1', c.objects));
    expect(rulesOf(findings)).toEqual([...c.expect].sort());
    const text = JSON.stringify(findings);
    for (const m of c.mentions ?? []) expect(text.toLowerCase()).toContain(m.toLowerCase());
  });
});
