// Replicas over time, per HPA: a small bounded ring of change points fed by the watch. Only a
// change of current or desired replicas is a new point (a step chart needs nothing else), so an
// HPA that holds steady costs one point however long it runs. Time is passed in, never read.

export interface ReplicaPoint {
  /** ms since epoch. */
  at: number;
  current: number;
  desired: number;
}

export interface ReplicaSeries {
  cluster: string;
  namespace: string;
  name: string;
  /** Oldest first; the first point may be clamped to the window's start (the value then). */
  points: ReplicaPoint[];
}

export interface ReplicaHistoryOptions {
  /** Points older than this are dropped (default 6 h). */
  windowMs?: number;
  /** Change points kept per HPA (default 720: one change a 30 s for 6 h). */
  maxPoints?: number;
  /** HPAs kept; beyond it, the one updated longest ago is forgotten (default 20,000). */
  maxSeries?: number;
}

/** A fixed-size ring: push overwrites the oldest when full. */
class Ring {
  readonly #items: (ReplicaPoint | undefined)[];
  #start = 0;
  #size = 0;
  constructor(capacity: number) {
    this.#items = new Array(capacity);
  }
  push(p: ReplicaPoint) {
    const cap = this.#items.length;
    this.#items[(this.#start + this.#size) % cap] = p;
    if (this.#size < cap) this.#size++;
    else this.#start = (this.#start + 1) % cap;
  }
  last(): ReplicaPoint | undefined {
    return this.#size === 0 ? undefined : this.#items[(this.#start + this.#size - 1) % this.#items.length];
  }
  /** Drop points before `from`, keeping the latest of them (the value in force at `from`). */
  trim(from: number) {
    const cap = this.#items.length;
    while (this.#size > 1 && this.#items[(this.#start + 1) % cap]!.at <= from) {
      this.#items[this.#start] = undefined;
      this.#start = (this.#start + 1) % cap;
      this.#size--;
    }
  }
  toArray(): ReplicaPoint[] {
    const out: ReplicaPoint[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(this.#start + i) % this.#items.length]!);
    return out;
  }
}

function key(cluster: string, namespace: string, name: string) {
  return `${cluster}\u0000${namespace}\u0000${name}`;
}

export class ReplicaHistory {
  readonly windowMs: number;
  readonly #maxPoints: number;
  readonly #maxSeries: number;
  /** Map order is least recently updated first: the eviction order. */
  readonly #series = new Map<string, { cluster: string; namespace: string; name: string; ring: Ring }>();

  constructor(options: ReplicaHistoryOptions = {}) {
    this.windowMs = options.windowMs ?? 6 * 3600_000;
    this.#maxPoints = Math.max(2, options.maxPoints ?? 720);
    this.#maxSeries = Math.max(1, options.maxSeries ?? 20_000);
  }

  get size(): number {
    return this.#series.size;
  }

  /** Record what an HPA reports now; a point is kept only when current or desired changed. */
  record(cluster: string, namespace: string, name: string, point: ReplicaPoint): void {
    if (!Number.isFinite(point.current) || !Number.isFinite(point.desired)) return;
    const k = key(cluster, namespace, name);
    let entry = this.#series.get(k);
    if (entry) {
      const last = entry.ring.last();
      if (last && last.current === point.current && last.desired === point.desired) return;
      // Out of order (a relist replaying an older state): never rewrite the past.
      if (last && point.at < last.at) return;
      this.#series.delete(k);
    } else {
      entry = { cluster, namespace, name, ring: new Ring(this.#maxPoints) };
      while (this.#series.size >= this.#maxSeries) {
        const oldest = this.#series.keys().next().value;
        if (oldest === undefined) break;
        this.#series.delete(oldest);
      }
    }
    entry.ring.push({ at: point.at, current: point.current, desired: point.desired });
    this.#series.set(k, entry);
  }

  /** One HPA's points within the window ending at `now`, the first clamped to the window's start. */
  series(cluster: string, namespace: string, name: string, now: number): ReplicaSeries | undefined {
    const entry = this.#series.get(key(cluster, namespace, name));
    if (!entry) return undefined;
    const from = now - this.windowMs;
    entry.ring.trim(from);
    const points = entry.ring.toArray().map((p) => (p.at < from ? { ...p, at: from } : p));
    return { cluster, namespace, name, points };
  }
}

/**
 * Several step series on one time axis (what a chart library wants): every change time of any
 * series, plus `now`, with each series' value in force then (null before its first point).
 */
export function alignSeries(
  series: readonly { points: readonly ReplicaPoint[] }[],
  now: number,
  value: (p: ReplicaPoint) => number = (p) => p.current,
): { at: number[]; values: (number | null)[][] } {
  const times = new Set<number>();
  for (const s of series) for (const p of s.points) if (p.at <= now) times.add(p.at);
  times.add(now);
  const at = [...times].sort((a, b) => a - b);
  const values = series.map((s) => {
    const out: (number | null)[] = [];
    let i = 0;
    let current: number | null = null;
    for (const t of at) {
      while (i < s.points.length && s.points[i]!.at <= t) current = value(s.points[i++]!);
      out.push(current);
    }
    return out;
  });
  return { at, values };
}
