// A cron-expression evaluator for CronJob schedules, as Kubernetes reads them (robfig/cron's
// standard parser): five fields, names for months and weekdays, ranges, steps, lists, the
// @hourly...@yearly descriptors, and an optional CRON_TZ=/TZ= prefix. Only what the rules need:
// the most recent fire time at or before an instant.

export interface CronSchedule {
  minutes: boolean[];
  hours: boolean[];
  daysOfMonth: boolean[];
  months: boolean[];
  daysOfWeek: boolean[];
  /** Day-of-month or day-of-week given as `*`/`?`: then both must match, otherwise either. */
  dayStar: boolean;
  timeZone?: string;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class CronError extends Error {
  override name = 'CronError';
}

function parseValue(text: string, min: number, max: number, names?: string[]): number {
  const lower = text.toLowerCase();
  const named = names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + min;
  if (!/^\d+$/.test(text)) throw new CronError(`"${text}" is not a number`);
  const n = Number(text);
  if (n < min || n > max) throw new CronError(`${n} is outside ${min}-${max}`);
  return n;
}

function parseField(
  field: string,
  min: number,
  max: number,
  names?: string[],
): { bits: boolean[]; star: boolean } {
  const bits = new Array<boolean>(max + 1).fill(false);
  let star = false;
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    if (range === undefined || range === '') throw new CronError(`empty field part in "${field}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new CronError(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
      // robfig/cron: `*` and `?` count as "any day" for the day-matching rule; `*/2` does not.
      if (step === 1) star = true;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = parseValue(a ?? '', min, max, names);
      hi = parseValue(b ?? '', min, max, names);
      if (hi < lo) throw new CronError(`range ${range} is backwards`);
    } else {
      lo = parseValue(range, min, max, names);
      hi = stepText === undefined ? lo : max;
    }
    for (let i = lo; i <= hi; i += step) bits[i] = true;
  }
  return { bits, star };
}

/** Parses a schedule; throws CronError with a readable message when it is not valid. */
export function parseCron(expression: string, timeZone?: string): CronSchedule {
  let expr = expression.trim();
  let zone = timeZone;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr);
  if (tz) {
    zone = tz[1];
    expr = tz[2] ?? '';
  }
  expr = DESCRIPTORS[expr.toLowerCase()] ?? expr;
  if (expr.startsWith('@')) throw new CronError(`unsupported descriptor ${expr}`);
  const fields = expr.split(/\s+/);
  if (fields.length !== 5) throw new CronError(`expected 5 fields, got ${fields.length}`);
  const [mi, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const minutes = parseField(mi, 0, 59);
  const hours = parseField(h, 0, 23);
  const daysOfMonth = parseField(dom, 1, 31);
  const months = parseField(mon, 1, 12, MONTHS);
  const days = parseField(dow, 0, 7, DAYS);
  if (days.bits[7]) days.bits[0] = true;
  if (zone !== undefined && zone !== '' && zone !== 'UTC' && zone !== 'Etc/UTC') {
    try {
      formatter(zone);
    } catch {
      throw new CronError(`unknown time zone ${zone}`);
    }
  }
  return {
    minutes: minutes.bits,
    hours: hours.bits,
    daysOfMonth: daysOfMonth.bits,
    months: months.bits,
    daysOfWeek: days.bits.slice(0, 7),
    dayStar: daysOfMonth.star || days.star,
    ...(zone ? { timeZone: zone } : {}),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Zone offset in ms at an instant (wall clock minus UTC). */
function offsetAt(zone: string | undefined, instant: number): number {
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

const DAY = 86_400_000;

/** Day matching with cron's rule: if either day field is `*`, both must match, else either. */
function dayMatches(s: CronSchedule, wall: Date): boolean {
  const dom = s.daysOfMonth[wall.getUTCDate()] === true;
  const dow = s.daysOfWeek[wall.getUTCDay()] === true;
  return s.dayStar ? dom && dow : dom || dow;
}

/**
 * The latest fire time at or before `at` (ms), or undefined when none in the previous 8 years
 * (e.g. `0 0 30 2 *`). Wall-clock times skipped or repeated by a DST change are resolved
 * approximately; good enough for "is the last success older than the schedule allows".
 */
export function previousFire(schedule: CronSchedule, at: number): number | undefined {
  const zone = schedule.timeZone;
  const wallNow = at + offsetAt(zone, at);
  const startDay = Math.floor(wallNow / DAY) * DAY;
  const nowMinuteOfDay = Math.floor((wallNow - startDay) / 60_000);
  for (let d = 0; d < 366 * 8; d++) {
    const dayStart = startDay - d * DAY;
    const wall = new Date(dayStart);
    if (!schedule.months[wall.getUTCMonth() + 1] || !dayMatches(schedule, wall)) continue;
    const limit = d === 0 ? nowMinuteOfDay : 24 * 60 - 1;
    for (let h = Math.floor(limit / 60); h >= 0; h--) {
      if (!schedule.hours[h]) continue;
      const maxMinute = h === Math.floor(limit / 60) ? limit % 60 : 59;
      for (let m = maxMinute; m >= 0; m--) {
        if (!schedule.minutes[m]) continue;
        const wallFire = dayStart + h * 3_600_000 + m * 60_000;
        const guess = wallFire - offsetAt(zone, wallFire);
        return wallFire - offsetAt(zone, guess);
      }
    }
  }
  return undefined;
}
