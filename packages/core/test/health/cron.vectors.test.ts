// robfig/cron v3 and Kubernetes' own schedule vectors (see vectors/cron.ts for sources and versions).
import { describe, expect, it } from 'vitest';
import { mostRecentFire, nextFire, parseCron, previousFire } from '../../src/health/cron.ts';
import { ACTIVATION, MOST_RECENT, NEXT, PARSE } from './vectors/cron.ts';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

describe('schedule syntax (robfig/cron v3 ParseStandard; Kubernetes CronJob validation)', () => {
  it.each(PARSE)('"$spec" -> valid $valid ($source)', ({ spec, valid }) => {
    if (valid) expect(() => parseCron(spec)).not.toThrow();
    else expect(() => parseCron(spec)).toThrow();
  });
});

describe('fire times (robfig/cron v3 TestActivation)', () => {
  it.each(ACTIVATION)('$spec at $time -> $fires', ({ time, spec, fires }) => {
    const t = ms(time);
    expect(nextFire(parseCron(spec), t - 1000) === t).toBe(fires);
  });
});

describe('next fire time (robfig/cron v3 TestNext, TestNextWithTz)', () => {
  it.each(NEXT)('$spec ($zone) after $from -> $expected', ({ from, spec, zone, expected }) => {
    const schedule = parseCron(spec, zone);
    const next = nextFire(schedule, ms(from));
    expect(iso(next)).toBe(expected === null ? null : iso(ms(expected)));
    // previousFire agrees: the fire time is the latest at or before itself, and nothing fires
    // between `from` and it.
    if (next !== undefined && !spec.startsWith('@every')) {
      expect(previousFire(schedule, next)).toBe(next);
      const before = previousFire(schedule, next - 1000);
      expect(before === undefined || before <= ms(from)).toBe(true);
    }
  });
});

describe('most recent scheduled time (Kubernetes cronjob controller TestMostRecentScheduleTime)', () => {
  it.each(MOST_RECENT)('$name', ({ spec, earliest, now, expected }) => {
    expect(iso(mostRecentFire(parseCron(spec), ms(earliest), ms(now)))).toBe(
      expected === null ? null : iso(ms(expected)),
    );
  });
});
