// A leader lease: of all replicas sharing a database, one at a time holds the lease of a name and
// does the work that must happen once (catalog refresh; the deploy executor). A lease row carries
// a fencing token that grows at every change of holder; a holder renews it well before it expires
// and steps down by itself when it cannot renew in time, so when a leader is killed another takes
// over within the lease time, and the killed one's late writes can be refused (`fence`).
import { ConflictError } from '@portolan/core/errors';
import { type RawBuilder, sql } from 'kysely';
import { type Database, isPostgres } from '../db/database.ts';
import type { Logger } from '../log.ts';

export interface LeaseHeld {
  /** The fencing token: larger than every earlier holder's. */
  token: number;
  /** Aborted when this replica loses or gives up the lease. */
  signal: AbortSignal;
}

/**
 * Work run while the lease is held. It starts when the lease is won and must stop when `signal`
 * aborts; what it returns (a stop function or its promise) is awaited before the lease is released
 * on shutdown.
 */
export type LeaderWork = (held: LeaseHeld) => void | (() => void | Promise<void>);

export interface LeaderLeaseOptions {
  db: Database;
  /** What the lease is for, e.g. 'catalog-refresh' or 'deploy-executor'. */
  name: string;
  /** This replica's id (unique per process). */
  holder: string;
  /** How long a lease lasts without renewal; a killed leader's successor waits at most this long. */
  ttlMs: number;
  logger?: Logger;
  /** Told whenever leadership changes (metrics). */
  onChange?: (leader: boolean) => void;
}

/** The database's clock in ms since the epoch: replicas' own clocks never have to agree. */
function dbNow(db: Database): RawBuilder<number> {
  return isPostgres(db)
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
}

/** Take the lease if it is free or expired; returns the new token, or undefined if another holds it. */
export async function tryAcquire(
  db: Database,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<number | undefined> {
  const now = dbNow(db);
  const row = await sql<{ token: number | string }>`
    insert into leases (name, holder, token, expires_at) values (${name}, ${holder}, 1, ${now} + ${ttlMs})
    on conflict (name) do update set holder = excluded.holder, token = leases.token + 1, expires_at = excluded.expires_at
    where leases.expires_at < ${now}
    returning token`.execute(db);
  const token = row.rows[0]?.token;
  return token === undefined ? undefined : Number(token);
}

/** Extend a held lease; false if it was lost (expired and taken by another). */
export async function renew(
  db: Database,
  name: string,
  holder: string,
  token: number,
  ttlMs: number,
): Promise<boolean> {
  const now = dbNow(db);
  const result = await sql`
    update leases set expires_at = ${now} + ${ttlMs}
    where name = ${name} and holder = ${holder} and token = ${token} and expires_at >= ${now}`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/** Give a held lease up at once, so the next replica need not wait for it to expire. */
export async function release(db: Database, name: string, holder: string, token: number): Promise<void> {
  await sql`update leases set expires_at = 0 where name = ${name} and holder = ${holder} and token = ${token}`.execute(
    db,
  );
}

/** Which lease a write is made under, and with which token: the write is refused once a newer token exists. */
export interface Fence {
  lease: string;
  token: number;
}

/**
 * A write refused because its lease passed to another replica (or ran out): the writer must stop
 * the work it was doing as leader; the new leader carries it on. Still a ConflictError to HTTP.
 */
export class LeaseLostError extends ConflictError {}

/**
 * Inside a transaction that writes on behalf of a leader: fail (LeaseLostError) unless `token` still holds the
 * lease. On PostgreSQL the row is locked until the transaction ends, so the lease cannot change
 * hands between this check and the writes.
 */
export async function fence(trx: Database, name: string, token: number): Promise<void> {
  const now = dbNow(trx);
  const lock = isPostgres(trx) ? sql` for update` : sql``;
  const rows = await sql`
    select token from leases where name = ${name} and token = ${token} and expires_at >= ${now}${lock}`.execute(
    trx,
  );
  if (rows.rows.length !== 1) {
    throw new LeaseLostError(
      `the ${name} lease is no longer held with token ${token}: another replica leads`,
      {
        lease: name,
      },
    );
  }
}

interface Held {
  token: number;
  /** Local time until which the lease surely lasts (renewal sent time + ttl). */
  until: number;
  abort: AbortController;
  stops: ReturnType<LeaderWork>[];
}

export class LeaderLease {
  readonly #o: LeaderLeaseOptions;
  readonly #work: LeaderWork[] = [];
  #timer: NodeJS.Timeout | undefined;
  #held: Held | undefined;
  #stopped = true;
  #tick: Promise<void> = Promise.resolve();

  constructor(options: LeaderLeaseOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.name;
  }
  get isLeader(): boolean {
    return this.#held !== undefined && Date.now() < this.#held.until;
  }
  get token(): number | undefined {
    return this.#held?.token;
  }

  /** Run `work` every time this replica wins the lease, and now if it holds it. */
  whileLeader(work: LeaderWork): void {
    this.#work.push(work);
    const held = this.#held;
    if (held) this.#runWork(held, work);
  }

  /** Start competing for the lease; resolves after the first attempt (won or not). */
  start(): Promise<void> {
    if (!this.#stopped) return this.#tick;
    this.#stopped = false;
    this.#tick = this.#round().finally(() => this.#schedule(this.#period));
    return this.#tick;
  }

  get #period(): number {
    return Math.max(50, Math.floor(this.#o.ttlMs / 3));
  }

  #schedule(ms: number) {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#round().finally(() => this.#schedule(this.#period));
    }, ms);
    this.#timer.unref?.();
  }

  async #round(): Promise<void> {
    const { db, name, holder, ttlMs } = this.#o;
    const sentAt = Date.now();
    try {
      if (this.#held) {
        const ok = await renew(db, name, holder, this.#held.token, ttlMs);
        if (this.#stopped) return;
        if (ok) this.#held.until = sentAt + ttlMs;
        else await this.#stepDown('lost: another replica holds it');
      } else {
        const token = await tryAcquire(db, name, holder, ttlMs);
        if (this.#stopped) {
          if (token !== undefined) await release(db, name, holder, token);
          return;
        }
        if (token !== undefined) this.#lead(token, sentAt + ttlMs);
      }
    } catch (error) {
      // The database did not answer: a leader keeps leading only while its lease surely lasts.
      if (this.#held && Date.now() >= this.#held.until - ttlMs / 3) {
        await this.#stepDown(`could not renew: ${(error as Error).message}`);
      } else {
        this.#o.logger?.warn({ lease: name, err: error }, 'lease round failed');
      }
    }
  }

  #lead(token: number, until: number) {
    const abort = new AbortController();
    this.#held = { token, until, abort, stops: [] };
    this.#o.logger?.info({ lease: this.#o.name, token }, 'leading');
    this.#o.onChange?.(true);
    for (const work of this.#work) this.#runWork(this.#held, work);
  }

  #runWork(held: Held, work: LeaderWork) {
    try {
      held.stops.push(work({ token: held.token, signal: held.abort.signal }));
    } catch (error) {
      this.#o.logger?.error({ lease: this.#o.name, err: error }, 'leader work failed to start');
    }
  }

  async #stepDown(why: string): Promise<void> {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    held.abort.abort(new Error(`lease ${why}`));
    await Promise.allSettled(held.stops.map((s) => (typeof s === 'function' ? s() : undefined)));
    this.#o.logger?.warn({ lease: this.#o.name, token: held.token, why }, 'no longer leading');
    this.#o.onChange?.(false);
  }

  /** Stop the work, give the lease up at once (the next replica need not wait), stop trying. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    held.abort.abort(new Error('shutting down'));
    await Promise.allSettled(held.stops.map((s) => (typeof s === 'function' ? s() : undefined)));
    this.#o.onChange?.(false);
    try {
      await release(this.#o.db, this.#o.name, this.#o.holder, held.token);
      this.#o.logger?.info({ lease: this.#o.name, token: held.token }, 'lease released');
    } catch (error) {
      this.#o.logger?.warn({ lease: this.#o.name, err: error }, 'lease not released; it will expire');
    }
  }
}
