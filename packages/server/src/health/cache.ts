// A value that is expensive to compute (the fleet's findings: ~0.5 s at 200,000 pods) and fine
// to serve a few seconds old. One computation at a time, shared by every caller that waits.

export interface RefreshingValueOptions<T> {
  compute: () => Promise<T>;
  /** Younger than this (from the start of its computation), a value is served as is. */
  freshMs: number;
  /**
   * Younger than this but no longer fresh, a value is still served while a new one is computed
   * in the background; an older one makes the caller wait for the new one.
   */
  staleMs: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

export class RefreshingValue<T> {
  readonly #options: RefreshingValueOptions<T>;
  readonly #now: () => number;
  #value: { at: number; value: T } | undefined;
  #running: Promise<T> | undefined;
  #computations = 0;

  constructor(options: RefreshingValueOptions<T>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** How many times the value was computed (for tests and metrics). */
  get computations(): number {
    return this.#computations;
  }

  async get(): Promise<T> {
    const current = this.#value;
    if (current) {
      const age = this.#now() - current.at;
      if (age < this.#options.freshMs) return current.value;
      if (age < this.#options.staleMs) {
        this.refresh().catch((error) => this.#options.onError?.(error));
        return current.value;
      }
    }
    return this.refresh();
  }

  /** Start a computation now (or join the running one). */
  refresh(): Promise<T> {
    if (this.#running) return this.#running;
    const startedAt = this.#now();
    this.#computations++;
    const run = (async () => {
      try {
        const value = await this.#options.compute();
        // A value computed from state as of startedAt is that old, however long it took.
        if (!this.#value || this.#value.at <= startedAt) this.#value = { at: startedAt, value };
        return value;
      } finally {
        this.#running = undefined;
      }
    })();
    this.#running = run;
    return run;
  }

  /** The next get() serves the current value (if still within staleMs) and recomputes. */
  invalidate(): void {
    if (this.#value)
      this.#value = { ...this.#value, at: Math.min(this.#value.at, this.#now() - this.#options.freshMs) };
  }
}
