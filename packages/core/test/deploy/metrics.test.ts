import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DeliveryRecord, deliveryMetrics, weekStart } from '../../src/deploy/index.ts';

const at = (s: string) => `2025-03-${s}Z`;
const range = { since: Date.parse('2025-03-03T00:00:00Z'), until: Date.parse('2025-03-17T00:00:00Z') };

// Two weeks of one service (weeks of Monday 3 and Monday 10 March 2025).
const HISTORY: DeliveryRecord[] = [
  // week 1: two completed (lead times 1 h and 3 h), one failed after changing a cluster,
  // recovered by the completion on the 6th, 4 h after it ended.
  {
    id: 'a',
    service: 's',
    status: 'completed',
    external: false,
    changedAny: true,
    requestedAt: at('03T09:00:00'),
    completedAt: at('03T10:00:00'),
    endedAt: at('03T10:00:00'),
    commitTime: at('03T09:00:00'),
  },
  {
    id: 'b',
    service: 's',
    status: 'failed',
    external: false,
    changedAny: true,
    requestedAt: at('05T09:00:00'),
    endedAt: at('05T10:00:00'),
  },
  {
    id: 'c',
    service: 's',
    status: 'completed',
    external: false,
    changedAny: true,
    requestedAt: at('05T13:00:00'),
    completedAt: at('05T14:00:00'),
    endedAt: at('05T14:00:00'),
    commitTime: at('05T11:00:00'),
  },
  // cancelled before changing anything: never reached production, counted nowhere.
  {
    id: 'd',
    service: 's',
    status: 'cancelled',
    external: false,
    changedAny: false,
    requestedAt: at('06T09:00:00'),
    endedAt: at('06T09:01:00'),
  },
  // week 2: an external rollout, and a deployment completed on the 11th then rolled back on the 12th
  // (counted once, as a failed change in the week it ended), never recovered.
  {
    id: 'e',
    service: 's',
    status: 'completed',
    external: true,
    changedAny: true,
    requestedAt: at('10T08:00:00'),
    completedAt: at('10T08:00:00'),
    endedAt: at('10T08:00:00'),
  },
  {
    id: 'f',
    service: 's',
    status: 'rolled-back',
    external: false,
    changedAny: true,
    requestedAt: at('11T08:00:00'),
    completedAt: at('11T09:00:00'),
    endedAt: at('12T09:00:00'),
  },
  // still running: counted nowhere yet.
  {
    id: 'g',
    service: 's',
    status: 'running',
    external: false,
    changedAny: true,
    requestedAt: at('14T08:00:00'),
  },
];

describe('delivery metrics on a fixed history', () => {
  it('counts frequency, lead time, change fail rate and recovery as written in the docs', () => {
    const m = deliveryMetrics(HISTORY, range);
    expect(m.weeks.map((w) => w.week)).toEqual(['2025-03-03T00:00:00.000Z', '2025-03-10T00:00:00.000Z']);
    const [w1, w2] = m.weeks;
    expect(w1).toMatchObject({ deployments: 2, changes: 3, failedChanges: 1, unrecovered: 0 });
    expect(w1?.changeFailRate).toBeCloseTo(1 / 3);
    expect(w1?.leadTime).toEqual({ count: 2, medianSeconds: 2 * 3600, p90Seconds: 3 * 3600 });
    expect(w1?.recoveryTime).toEqual({ count: 1, medianSeconds: 4 * 3600, p90Seconds: 4 * 3600 });
    expect(w2).toMatchObject({
      deployments: 2,
      changes: 2,
      failedChanges: 1,
      changeFailRate: 0.5,
      unrecovered: 1,
    });
    expect(w2?.leadTime.count).toBe(0);
    expect(m).toMatchObject({
      deployments: 4,
      changes: 5,
      failedChanges: 2,
      changeFailRate: 0.4,
      deploymentsPerWeek: 2,
    });
  });

  it('weeks start on Monday, UTC', () => {
    expect(new Date(weekStart(Date.parse('2025-03-09T23:59:59Z'))).toISOString()).toBe(
      '2025-03-03T00:00:00.000Z',
    );
    expect(new Date(weekStart(Date.parse('2025-03-10T00:00:00Z'))).toISOString()).toBe(
      '2025-03-10T00:00:00.000Z',
    );
  });
});

describe('delivery metrics over generated histories', () => {
  const DAY = 86_400_000;
  const recordArb = fc
    .record({
      service: fc.constantFrom('a', 'b', 'c'),
      start: fc.integer({ min: range.since - 7 * DAY, max: range.until + 7 * DAY }),
      minutes: fc.integer({ min: 1, max: 3 * 24 * 60 }),
      status: fc.constantFrom('completed', 'failed', 'cancelled', 'rolled-back', 'running' as const),
      changedAny: fc.boolean(),
      external: fc.boolean(),
      leadMinutes: fc.option(fc.integer({ min: 0, max: 10_000 })),
    })
    .map((r): DeliveryRecord => {
      const end = r.start + r.minutes * 60_000;
      const iso = (t: number) => new Date(t).toISOString();
      const done = r.status === 'completed' || r.status === 'rolled-back';
      return {
        id: `${r.service}-${r.start}`,
        service: r.service,
        status: r.status,
        external: r.external,
        changedAny: r.changedAny || r.status === 'completed' || r.status === 'rolled-back',
        requestedAt: iso(r.start),
        ...(done ? { completedAt: iso(end) } : {}),
        ...(r.status !== 'running' ? { endedAt: iso(r.status === 'rolled-back' ? end + DAY : end) } : {}),
        ...(r.leadMinutes !== null ? { commitTime: iso(end - r.leadMinutes * 60_000) } : {}),
      };
    });
  const historyArb = fc.array(recordArb, { maxLength: 60 });

  it('weeks add up to the total, each deployment counted once', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const m = deliveryMetrics(history, range);
        const sum = (f: (w: (typeof m.weeks)[number]) => number) => m.weeks.reduce((s, w) => s + f(w), 0);
        expect(sum((w) => w.deployments)).toBe(m.deployments);
        expect(sum((w) => w.changes)).toBe(m.changes);
        expect(sum((w) => w.failedChanges)).toBe(m.failedChanges);
        const inRange = (t?: string) =>
          t !== undefined && Date.parse(t) >= range.since && Date.parse(t) < range.until;
        expect(m.changes).toBe(history.filter((r) => r.changedAny && inRange(r.endedAt)).length);
        expect(m.deployments).toBe(history.filter((r) => inRange(r.completedAt)).length);
      }),
    );
  });

  it('rates and durations stay in their bounds', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const m = deliveryMetrics(history, range);
        for (const f of [m, ...m.weeks]) {
          expect(f.failedChanges).toBeLessThanOrEqual(f.changes);
          if (f.changes === 0) expect(f.changeFailRate).toBeNull();
          else expect(f.changeFailRate).toBeGreaterThanOrEqual(0);
          expect(f.changeFailRate ?? 0).toBeLessThanOrEqual(1);
          for (const d of [f.leadTime, f.recoveryTime]) {
            if (d.count === 0) expect(d.medianSeconds).toBeNull();
            else expect(d.medianSeconds).toBeLessThanOrEqual(d.p90Seconds as number);
            expect(d.medianSeconds ?? 0).toBeGreaterThanOrEqual(0);
          }
          expect(f.recoveryTime.count + f.unrecovered).toBe(f.failedChanges);
        }
      }),
    );
  });

  it('does not depend on the order of the records', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        expect(deliveryMetrics([...history].reverse(), range)).toEqual(deliveryMetrics(history, range));
      }),
    );
  });
});
