// A small seeded PRNG so that a fleet and its catalog are the same on every run for one seed.
// mulberry32: fast, 32-bit state, good enough for picking names and numbers (not for crypto).

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** k distinct items (k clamped to items.length), in random order. */
  sample<T>(items: readonly T[], k: number): T[];
  /** Index drawn with probability proportional to weights[i]. */
  weighted(weights: readonly number[]): number;
  /** A child generator whose sequence does not depend on how much the parent is used later. */
  fork(label: string): Random;
  hex(length: number): string;
}

export function hashString(s: string): number {
  let h = 2166136261 >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}

export function createRandom(seed: number | string): Random {
  let state = (typeof seed === 'number' ? seed >>> 0 : hashString(seed)) || 0x9e3779b9;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rnd: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (p) => next() < p,
    sample: (items, k) => {
      if (k * 4 < items.length) {
        // Few out of many: rejection sampling avoids copying the whole list.
        const seen = new Set<number>();
        const picked: (typeof items)[number][] = [];
        while (picked.length < k) {
          const i = Math.floor(next() * items.length);
          if (seen.has(i)) continue;
          seen.add(i);
          picked.push(items[i] as (typeof items)[number]);
        }
        return picked;
      }
      const copy = items.slice();
      const n = Math.min(k, copy.length);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(next() * (copy.length - i));
        const tmp = copy[i] as (typeof copy)[number];
        copy[i] = copy[j] as (typeof copy)[number];
        copy[j] = tmp;
      }
      return copy.slice(0, n);
    },
    weighted: (weights) => {
      let total = 0;
      for (const w of weights) total += w;
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i] as number;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    fork: (label) => createRandom((hashString(label) ^ Math.floor(next() * 4294967296)) >>> 0),
    hex: (length) => {
      let s = '';
      while (s.length < length)
        s += Math.floor(next() * 4294967296)
          .toString(16)
          .padStart(8, '0');
      return s.slice(0, length);
    },
  };
  return rnd;
}

/** Kubernetes' "safe" alphabet for generated name suffixes (no vowels, no confusable characters). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
export function safeSuffix(rnd: Random, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += SAFE[Math.floor(rnd.next() * SAFE.length)];
  return s;
}
