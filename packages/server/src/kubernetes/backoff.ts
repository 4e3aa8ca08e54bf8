// Reconnect delays: exponential with "equal jitter" (half fixed, half random), so a fleet of
// watches that dropped together does not come back together. Pure: randomness is injected.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  random?: () => number;
}

export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions) {
    this.#initial = options.initialMs;
    this.#max = options.maxMs;
    this.#factor = options.factor ?? 2;
    this.#random = options.random ?? Math.random;
  }

  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; grows with each call until reset(). */
  next(): number {
    const base = Math.min(this.#max, this.#initial * this.#factor ** this.#attempt);
    this.#attempt++;
    return Math.round(base / 2 + (base / 2) * this.#random());
  }

  reset(): void {
    this.#attempt = 0;
  }
}
