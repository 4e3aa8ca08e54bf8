import { describe, expect, it } from 'vitest';
import { CronError, parseCron, previousFire } from '../../src/health/cron.ts';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('previousFire', () => {
  it.each([
    ['*/15 * * * *', '2026-11-26T12:07:30Z', '2026-11-26T12:00:00.000Z'],
    ['*/15 * * * *', '2026-11-26T12:15:00Z', '2026-11-26T12:15:00.000Z'],
    ['0 * * * *', '2026-11-26T12:59:59Z', '2026-11-26T12:00:00.000Z'],
    ['@hourly', '2026-11-26T00:30:00Z', '2026-11-26T00:00:00.000Z'],
    ['30 2 * * *', '2026-11-26T01:00:00Z', '2026-11-25T02:30:00.000Z'],
    ['@daily', '2026-11-26T12:00:00Z', '2026-11-26T00:00:00.000Z'],
    ['0 9 * * MON-FRI', '2026-11-29T12:00:00Z', '2026-11-27T09:00:00.000Z'], // Sunday -> Friday
    ['0 9 * * 1-5', '2026-11-30T08:00:00Z', '2026-11-27T09:00:00.000Z'], // Monday before 9 -> Friday
    ['0 0 1 * *', '2026-11-26T12:00:00Z', '2026-11-01T00:00:00.000Z'],
    ['0 0 1 JAN *', '2026-11-26T12:00:00Z', '2026-01-01T00:00:00.000Z'],
    // Day-of-week step: 1/2 is Mon, Wed, Fri (robfig/cron's day-of-week is 0-6), never Sunday.
    ['0 0 * * 1/2', '2026-11-30T12:00:00Z', '2026-11-30T00:00:00.000Z'], // Monday
    ['0 0 * * 1/2', '2026-11-29T12:00:00Z', '2026-11-27T00:00:00.000Z'], // Sunday -> Friday
    ['5,35 10-12 * * *', '2026-11-26T11:20:00Z', '2026-11-26T11:05:00.000Z'],
    ['0 12 13 * 5', '2026-11-26T13:00:00Z', '2026-11-20T12:00:00.000Z'], // day-of-month OR Friday
    ['0 0 29 2 *', '2026-11-26T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0 3 * * *', '2026-07-01T02:30:00Z', '2026-06-30T03:00:00.000Z'],
  ])('%s at %s -> %s', (expr, now, expected) => {
    expect(iso(previousFire(parseCron(expr), at(now)))).toBe(expected);
  });

  it('honours time zones (spec.timeZone and CRON_TZ=)', () => {
    // 09:00 in Berlin is 08:00 UTC in winter (CET, +01:00).
    expect(iso(previousFire(parseCron('0 9 * * *', 'Europe/Berlin'), at('2026-11-26T12:00:00Z')))).toBe(
      '2026-11-26T08:00:00.000Z',
    );
    // ...and 07:00 UTC in summer (CEST, +02:00).
    expect(iso(previousFire(parseCron('CRON_TZ=Europe/Berlin 0 9 * * *'), at('2026-07-01T12:00:00Z')))).toBe(
      '2026-07-01T07:00:00.000Z',
    );
    expect(iso(previousFire(parseCron('0 9 * * *', 'America/New_York'), at('2026-11-26T12:00:00Z')))).toBe(
      '2026-11-25T14:00:00.000Z',
    );
  });

  it('returns undefined for a date that never comes', () => {
    expect(previousFire(parseCron('0 0 31 2 *'), at('2026-11-26T00:00:00Z'))).toBeUndefined();
  });
});

describe('parseCron errors', () => {
  it.each([
    ['* * * *', /5 fields/],
    ['61 * * * *', /above the maximum 59/],
    ['* 24 * * *', /above the maximum 23/],
    ['*/0 * * * *', /step must be positive/],
    ['5-1 * * * *', /ends before it starts/],
    ['0 0 * * 7', /above the maximum 6/], // Kubernetes refuses 7 for Sunday
    ['@every', /unrecognized descriptor/],
    ['0 0 * * FUNDAY', /not a number/],
  ])('%s', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(CronError);
    expect(() => parseCron(expr)).toThrow(message);
  });

  it("accepts @every, counting from an anchor (the CronJob's creation)", () => {
    const every = parseCron('@every 5m');
    expect(previousFire(every, at('2026-11-26T12:07:30Z'))).toBeUndefined();
    expect(iso(previousFire(every, at('2026-11-26T12:07:30Z'), at('2026-11-26T11:58:00Z')))).toBe(
      '2026-11-26T12:03:00.000Z',
    );
  });

  it('skips a run in an hour that daylight saving skips, as the CronJob controller does', () => {
    // 02:30 does not exist in New York on 2026-03-08: the last run before 04:00 that day is the
    // day before, not 01:30.
    expect(iso(previousFire(parseCron('30 2 * * *', 'America/New_York'), at('2026-03-08T08:00:00Z')))).toBe(
      '2026-03-07T07:30:00.000Z',
    );
  });

  it('rejects an unknown time zone', () => {
    expect(() => parseCron('0 0 * * *', 'Mars/Olympus')).toThrow(/time zone/);
  });
});
