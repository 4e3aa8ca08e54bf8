// The leader lease on every engine: one holder at a time, a fencing token that grows with every
// change of holder, takeover only after expiry, and a former leader's writes refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import type { Database } from '../../src/db/database.ts';
import { fence, LeaderLease, release, renew, tryAcquire } from '../../src/replicas/lease.ts';

describe.each(TEST_DATABASES)('leader lease on $id', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    ({ db, drop } = await engine.create());
  });
  afterEach(async () => {
    await drop();
  });

  it('is held by one holder until it expires, and each new holder gets a larger token', async () => {
    const a = await tryAcquire(db, 'work', 'a', 300);
    expect(a).toBe(1);
    expect(await tryAcquire(db, 'work', 'b', 300)).toBeUndefined();
    expect(await renew(db, 'work', 'a', 1, 300)).toBe(true);
    // Another lease name is independent.
    expect(await tryAcquire(db, 'other', 'b', 300)).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(await tryAcquire(db, 'work', 'b', 300)).toBe(2);
    // The former holder can neither renew nor write under its old token.
    expect(await renew(db, 'work', 'a', 1, 300)).toBe(false);
    await expect(db.transaction().execute((trx) => fence(trx, 'work', 1))).rejects.toThrow(
      'the work lease is no longer held with token 1: another replica leads',
    );
    await db.transaction().execute((trx) => fence(trx, 'work', 2));
    // Released: the next holder need not wait for expiry.
    await release(db, 'work', 'b', 2);
    expect(await tryAcquire(db, 'work', 'c', 60_000)).toBe(3);
  });

  it('runs leader work on one of two competitors, and on the other when the first stops', async () => {
    const running: string[] = [];
    const make = (holder: string) => {
      const lease = new LeaderLease({ db, name: 'leader', holder, ttlMs: 600 });
      lease.whileLeader(({ token, signal }) => {
        running.push(`${holder}:${token}`);
        signal.addEventListener('abort', () => running.push(`${holder}:stopped`));
      });
      return lease;
    };
    const a = make('a');
    const b = make('b');
    await a.start();
    await b.start();
    expect(running).toEqual(['a:1']);
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    // a keeps it across several lease periods by renewing.
    await new Promise((r) => setTimeout(r, 1500));
    expect(running).toEqual(['a:1']);
    await a.stop();
    await expect.poll(() => b.isLeader, { timeout: 2000 }).toBe(true);
    expect(running).toEqual(['a:1', 'a:stopped', 'b:2']);
    await b.stop();
  });
});
