import type { DeploymentEvent } from '@portolan/core/deploy/index';
import { ConflictError } from '@portolan/core/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import type { Database } from '../../src/db/database.ts';
import { appendEvents } from '../../src/deploy/store/appendEvents.ts';
import { createDeployment } from '../../src/deploy/store/createDeployment.ts';
import { getDeployment } from '../../src/deploy/store/getDeployment.ts';
import { listDeployments } from '../../src/deploy/store/listDeployments.ts';
import { listEvents } from '../../src/deploy/store/listEvents.ts';

const SERVICE = 'component:default/checkout';
const at = (s: number) => new Date(Date.UTC(2025, 2, 3, 10, 0, s)).toISOString();
const requested = (s = 0): DeploymentEvent[] => [
  {
    type: 'requested',
    service: SERVICE,
    request: { version: '1.1.0' },
    reason: 'test',
    actor: 'alice',
    at: at(s),
  },
  {
    type: 'planned',
    actor: 'portolan',
    at: at(s),
    plan: { service: SERVICE, clusters: [], skipped: [], unreachableLimitSeconds: 60, waves: [] },
  },
];

describe.each(TEST_DATABASES)('deployment store on $id', (engine) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    ({ db, drop } = await engine.create());
  });
  afterEach(async () => {
    await drop?.();
    drop = undefined;
  });

  it('keeps one active deployment per service: a second is a 409 naming the first', async () => {
    const first = await createDeployment({ db, id: 'd1', service: SERVICE, events: requested() });
    expect(first.created).toBe(true);
    const second = createDeployment({ db, id: 'd2', service: SERVICE, events: requested(1) });
    await expect(second).rejects.toThrow(ConflictError);
    await expect(createDeployment({ db, id: 'd2', service: SERVICE, events: requested(1) })).rejects.toThrow(
      /d1 \(running\)/,
    );
    // Another service is not held.
    await expect(
      createDeployment({ db, id: 'd3', service: 'component:default/other', events: requested() }),
    ).resolves.toMatchObject({ created: true });
  });

  it('the database, not a check, decides between concurrent requests: exactly one wins', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        createDeployment({ db, id: `c${i}`, service: SERVICE, events: requested(i) }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(await listDeployments({ db, services: [SERVICE], active: true })).toHaveLength(1);
  });

  it('the same idempotency key returns the same deployment, even when retried at once', async () => {
    const tries = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        createDeployment({ db, id: `k${i}`, service: SERVICE, events: requested(), idempotencyKey: 'key-1' }),
      ),
    );
    const ids = new Set(tries.map((t) => t.deployment.id));
    expect(ids.size).toBe(1);
    expect(tries.filter((t) => t.created)).toHaveLength(1);
    expect(await listDeployments({ db, services: [SERVICE] })).toHaveLength(1);
  });

  it('supersede ends the running one in the same transaction and takes its place', async () => {
    await createDeployment({ db, id: 'd1', service: SERVICE, events: requested() });
    const r = await createDeployment({
      db,
      id: 'd2',
      service: SERVICE,
      events: requested(5),
      supersede: true,
    });
    expect(r).toMatchObject({ created: true, superseded: 'd1' });
    const old = await getDeployment({ db, id: 'd1' });
    expect(old.state.status).toBe('cancelled');
    expect(old.state.failure?.reason).toBe('superseded by d2');
    expect((await listDeployments({ db, services: [SERVICE], active: true })).map((d) => d.id)).toEqual([
      'd2',
    ]);
  });

  it('appends events in order, folds them, frees the service when it ends, and refuses a stale append', async () => {
    await createDeployment({ db, id: 'd1', service: SERVICE, events: requested() });
    const after = await appendEvents({
      db,
      id: 'd1',
      expectSeq: 2,
      events: [{ type: 'paused', actor: 'bob', at: at(3) }],
    });
    expect(after).toMatchObject({ lastSeq: 3, state: { status: 'paused' } });
    await expect(
      appendEvents({ db, id: 'd1', expectSeq: 2, events: [{ type: 'resumed', actor: 'x', at: at(4) }] }),
    ).rejects.toThrow(ConflictError);
    await appendEvents({
      db,
      id: 'd1',
      events: [
        { type: 'cancelled', actor: 'bob', at: at(5) },
        { type: 'rolled-back', actor: 'portolan', at: at(6) },
      ],
    });
    const events = await listEvents({ db, id: 'd1' });
    expect(events.map((e) => [e.seq, e.type, e.actor])).toEqual([
      [1, 'requested', 'alice'],
      [2, 'planned', 'portolan'],
      [3, 'paused', 'bob'],
      [4, 'cancelled', 'bob'],
      [5, 'rolled-back', 'portolan'],
    ]);
    expect((await listEvents({ db, id: 'd1', afterSeq: 3 })).map((e) => e.seq)).toEqual([4, 5]);
    expect((await getDeployment({ db, id: 'd1' })).state).toMatchObject({
      status: 'cancelled',
      endedAt: at(6),
    });
    await expect(
      createDeployment({ db, id: 'd2', service: SERVICE, events: requested(7) }),
    ).resolves.toMatchObject({ created: true });
  });

  it('lists newest first, by service and period', async () => {
    await createDeployment({ db, id: 'e1', service: SERVICE, events: requested(0), external: true });
    await createDeployment({ db, id: 'e2', service: SERVICE, events: requested(10), external: true });
    await createDeployment({ db, id: 'o1', service: 'component:default/other', events: requested(20) });
    expect((await listDeployments({ db, services: [SERVICE] })).map((d) => d.id)).toEqual(['e2', 'e1']);
    expect((await listDeployments({ db, since: at(5) })).map((d) => d.id)).toEqual(['o1', 'e2']);
    expect(await listDeployments({ db, services: [] })).toEqual([]);
  });
});
