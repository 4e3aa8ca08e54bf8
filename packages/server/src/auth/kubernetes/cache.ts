// Answers of SubjectAccessReviews, kept for a short while so a page view (and its refreshes) does
// not cost a request to the API server each time. Bounded: the least recently used goes first.
// Only answers are kept: a review that failed (unreachable cluster) is asked again next time.

export interface DecisionCacheOptions {
  /** How long an answer is used (a role binding removed is seen at most this late). */
  ttlMs: number;
  maxEntries: number;
  now: () => number;
}

export class DecisionCache<V> {
  readonly #o: DecisionCacheOptions;
  readonly #entries = new Map<string, { at: number; value: V }>();
  /** Questions on their way: asked once, however many requests wait for the answer. */
  readonly #pending = new Map<string, Promise<V>>();

  constructor(options: DecisionCacheOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get ttlMs(): number {
    return this.#o.ttlMs;
  }

  /** The kept answer, unless it is older than the TTL. */
  get(key: string): V | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    this.#entries.delete(key);
    if (this.#o.now() - hit.at >= this.#o.ttlMs) return undefined;
    this.#entries.set(key, hit); // most recently used last
    return hit.value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { at: this.#o.now(), value });
    while (this.#entries.size > this.#o.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /** The kept answer, or `ask()`'s (kept when it resolves; not when it throws). */
  async getOrAsk(key: string, ask: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const p = ask().then(
      (value) => {
        this.#pending.delete(key);
        this.set(key, value);
        return value;
      },
      (error: unknown) => {
        this.#pending.delete(key);
        throw error;
      },
    );
    this.#pending.set(key, p);
    return p;
  }
}
