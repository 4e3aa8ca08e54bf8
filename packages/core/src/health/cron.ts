// CronJob schedules, read as Kubernetes reads them: its CronJob controller and validation call
// robfig/cron v3's standard parser (five fields, or a descriptor, with an optional TZ=/CRON_TZ=
// prefix), and place runs with that library's Next. This module answers the same: the same
// schedules are valid (day-of-week is 0-6, `N/step` runs from N to the field's end, `@every`),
// and the same fire times, including around daylight-saving changes (a run in an hour that is
// skipped does not happen that day; a run in an hour that repeats happens twice). Proven by
// robfig/cron's and Kubernetes' own vectors in test/health/vectors/cron.ts.

export type CronSchedule = SpecSchedule | EverySchedule;

export interface SpecSchedule {
  kind: 'spec';
  minutes: boolean[];
  hours: boolean[];
  daysOfMonth: boolean[];
  months: boolean[];
  daysOfWeek: boolean[];
  /** Day-of-month or day-of-week given as `*`/`?`: then both must match, otherwise either. */
  dayStar: boolean;
  /** IANA zone the schedule is read in; absent means UTC. */
  timeZone?: string;
}

/** `@every <duration>`: a constant delay from the previous run, on whole seconds. */
export interface EverySchedule {
  kind: 'every';
  delayMs: number;
}

export class CronError extends Error {
  override name = 'CronError';
}

const MONTH_NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}
const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: MONTH_NAMES };
const DOW: Bounds = { min: 0, max: 6, names: DAY_NAMES };

/** A non-negative integer as Go's strconv.Atoi reads one (an optional sign, then digits). */
function integer(text: string, names?: Record<string, number>): number {
  const named = names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[+-]?\d+$/.test(text)) throw new CronError(`"${text}" is not a number`);
  const n = Number(text);
  if (n < 0) throw new CronError(`negative number ${n} is not allowed`);
  return n;
}

/** One field: a comma-separated list of `*`, `?`, `N`, `N-M`, each with an optional `/step`. */
function field(text: string, b: Bounds): { bits: boolean[]; star: boolean } {
  const bits = new Array<boolean>(b.max + 1).fill(false);
  let star = false;
  for (const part of text.split(',')) {
    const rangeAndStep = part.split('/');
    if (rangeAndStep.length > 2) throw new CronError(`too many slashes in "${part}"`);
    const [range = '', stepText] = rangeAndStep;
    const lowHigh = range.split('-');
    let lo: number;
    let hi: number;
    let partStar = false;
    if (lowHigh[0] === '*' || lowHigh[0] === '?') {
      lo = b.min;
      hi = b.max;
      partStar = true;
    } else {
      if (lowHigh.length > 2) throw new CronError(`too many hyphens in "${part}"`);
      lo = integer(lowHigh[0] ?? '', b.names);
      hi = lowHigh.length === 2 ? integer(lowHigh[1] ?? '', b.names) : lo;
    }
    let step = 1;
    if (stepText !== undefined) {
      step = integer(stepText);
      // `N/step` means from N to the end of the field.
      if (lowHigh.length === 1) hi = b.max;
      if (step > 1) partStar = false;
    }
    if (lo < b.min) throw new CronError(`${lo} is below the minimum ${b.min} in "${part}"`);
    if (hi > b.max) throw new CronError(`${hi} is above the maximum ${b.max} in "${part}"`);
    if (lo > hi) throw new CronError(`range "${part}" ends before it starts`);
    if (step === 0) throw new CronError(`step must be positive in "${part}"`);
    for (let i = lo; i <= hi; i += step) bits[i] = true;
    if (partStar) star = true;
  }
  return { bits, star };
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

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`1h30m`, `90s`, `1.5h`) in ms, or undefined. */
function goDuration(text: string): number | undefined {
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return text === '0' ? 0 : undefined;
  let total = 0;
  for (const [, n, unit] of (m[2] as string).matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(n) * (DURATION_UNITS[unit as string] as number);
  }
  return m[1] === '-' ? -total : total;
}

function checkZone(zone: string): void {
  if (zone === 'UTC') return;
  try {
    formatter(zone);
  } catch {
    throw new CronError(`unknown time zone ${zone}`);
  }
}

/**
 * Parses a schedule as Kubernetes does (`spec.schedule`, with `spec.timeZone` as `timeZone`);
 * throws CronError with a readable message when Kubernetes would refuse it.
 */
export function parseCron(expression: string, timeZone?: string): CronSchedule {
  let spec = expression;
  if (spec === '') throw new CronError('empty schedule');
  let zone = timeZone;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    if (space < 0) throw new CronError(`a time zone prefix needs a schedule after it: "${spec}"`);
    zone = spec.slice(spec.indexOf('=') + 1, space);
    spec = spec.slice(space).trim();
  }
  if (zone === '' || zone === 'Etc/UTC') zone = 'UTC';
  if (zone !== undefined) checkZone(zone);
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) {
      const ms = goDuration(spec.slice('@every '.length));
      if (ms === undefined) throw new CronError(`cannot read the duration in "${spec}"`);
      // As robfig/cron: at least a second, and whole seconds.
      return { kind: 'every', delayMs: Math.max(1000, ms - (ms % 1000)) };
    }
    const expanded = DESCRIPTORS[spec];
    if (!expanded) throw new CronError(`unrecognized descriptor ${spec}`);
    spec = expanded;
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5)
    throw new CronError(`expected exactly 5 fields, found ${fields.length}: "${spec}"`);
  const [mi, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const minutes = field(mi, MINUTE);
  const hours = field(h, HOUR);
  const daysOfMonth = field(dom, DOM);
  const months = field(mon, MONTH);
  const days = field(dow, DOW);
  return {
    kind: 'spec',
    minutes: minutes.bits,
    hours: hours.bits,
    daysOfMonth: daysOfMonth.bits,
    months: months.bits,
    daysOfWeek: days.bits,
    dayStar: daysOfMonth.star || days.star,
    ...(zone && zone !== 'UTC' ? { timeZone: zone } : {}),
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
  if (!zone) return 0;
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

/** Wall-clock fields of an instant in a zone. */
class Wall {
  readonly d: Date;
  constructor(zone: string | undefined, t: number) {
    this.d = new Date(t + offsetAt(zone, t));
  }
  get year() {
    return this.d.getUTCFullYear();
  }
  get month() {
    return this.d.getUTCMonth() + 1;
  }
  get day() {
    return this.d.getUTCDate();
  }
  get hour() {
    return this.d.getUTCHours();
  }
  get minute() {
    return this.d.getUTCMinutes();
  }
  get second() {
    return this.d.getUTCSeconds();
  }
  get weekday() {
    return this.d.getUTCDay();
  }
}

/**
 * The instant of a wall-clock time (fields may overflow, as Go's time.Date allows). A time that a
 * daylight-saving change skips or repeats resolves as Go resolves it: the offset in force at the
 * instant the wall time would be if read with the offset of the same wall time taken as UTC.
 */
function instantOf(
  zone: string | undefined,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
): number {
  const local = Date.UTC(y, mo - 1, d, h, mi, s);
  if (!zone) return local;
  return local - offsetAt(zone, local - offsetAt(zone, local));
}

const HOUR_MS = 3_600_000;

function dayMatches(s: SpecSchedule, w: Wall): boolean {
  const dom = s.daysOfMonth[w.day] === true;
  const dow = s.daysOfWeek[w.weekday] === true;
  return s.dayStar ? dom && dow : dom || dow;
}

/** robfig/cron's SpecSchedule.Next: the first fire time strictly after `after` (ms). */
function nextSpec(s: SpecSchedule, after: number): number | undefined {
  const zone = s.timeZone;
  let t = Math.floor(after / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = new Wall(zone, t).year + 5;
  wrap: for (;;) {
    let w = new Wall(zone, t);
    if (w.year > yearLimit) return undefined;
    while (!s.months[w.month]) {
      if (!added) {
        added = true;
        t = instantOf(zone, w.year, w.month, 1, 0, 0, 0);
        w = new Wall(zone, t);
      }
      t = instantOf(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
      w = new Wall(zone, t);
      if (w.month === 1) continue wrap;
    }
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true;
        t = instantOf(zone, w.year, w.month, w.day, 0, 0, 0);
        w = new Wall(zone, t);
      }
      t = instantOf(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
      w = new Wall(zone, t);
      // Midnight may not exist (a daylight-saving change at 00:00): step back onto the day.
      if (w.hour !== 0) {
        t += w.hour > 12 ? (24 - w.hour) * HOUR_MS : -w.hour * HOUR_MS;
        w = new Wall(zone, t);
      }
      if (w.day === 1) continue wrap;
    }
    while (!s.hours[w.hour]) {
      if (!added) {
        added = true;
        t = instantOf(zone, w.year, w.month, w.day, w.hour, 0, 0);
      }
      t += HOUR_MS;
      w = new Wall(zone, t);
      if (w.hour === 0) continue wrap;
    }
    while (!s.minutes[w.minute]) {
      if (!added) {
        added = true;
        t = Math.floor(t / 60_000) * 60_000;
      }
      t += 60_000;
      w = new Wall(zone, t);
      if (w.minute === 0) continue wrap;
    }
    // The standard parser fixes the seconds field at 0.
    if (w.second !== 0) {
      if (!added) added = true;
      t = Math.floor(t / 60_000) * 60_000 + 60_000;
      continue;
    }
    return t;
  }
}

/**
 * The first fire time strictly after `after` (ms), as the CronJob controller computes it, or
 * undefined when none comes within five years (e.g. `0 0 30 2 *`). For `@every`, the run one
 * delay after `after` (the previous run).
 */
export function nextFire(schedule: CronSchedule, after: number): number | undefined {
  if (schedule.kind === 'every') return Math.floor(after / 1000) * 1000 + schedule.delayMs;
  return nextSpec(schedule, after);
}

const SIX_YEARS = 6 * 366 * 86_400_000;

/**
 * The latest fire time at or before `at` (ms), or undefined when none in the previous six years.
 * `@every` schedules have no fixed times: they count from `anchor` (the CronJob's creation), as
 * the controller does, and give undefined without one.
 */
export function previousFire(schedule: CronSchedule, at: number, anchor?: number): number | undefined {
  if (schedule.kind === 'every')
    return anchor === undefined ? undefined : mostRecentFire(schedule, anchor, at);
  // Widen a window back from `at` until a fire time falls in it, then narrow to the last one:
  // Next is monotonic, so the latest x with next(x) <= at gives the answer next(x).
  let width = 60_000;
  let lo = at - width;
  for (;;) {
    const n = nextSpec(schedule, lo);
    if (n !== undefined && n <= at) break;
    if (width > SIX_YEARS) return undefined;
    width *= 2;
    lo = at - width;
  }
  let hi = Math.floor(at / 1000) * 1000;
  lo = Math.floor(lo / 1000) * 1000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    const n = nextSpec(schedule, mid);
    if (n !== undefined && n <= at) lo = mid;
    else hi = mid;
  }
  return nextSpec(schedule, lo);
}

/**
 * The most recent scheduled time after `earliest` (the CronJob's lastScheduleTime, else its
 * creationTimestamp) and at or before `now`, or undefined when no run is due. This is the exact
 * answer; the controller estimates it and can miss (see the vectors).
 */
export function mostRecentFire(schedule: CronSchedule, earliest: number, now: number): number | undefined {
  if (schedule.kind === 'every') {
    const first = Math.floor(earliest / 1000) * 1000 + schedule.delayMs;
    if (first > now) return undefined;
    return first + Math.floor((now - first) / schedule.delayMs) * schedule.delayMs;
  }
  const last = previousFire(schedule, now);
  return last !== undefined && last > earliest ? last : undefined;
}
