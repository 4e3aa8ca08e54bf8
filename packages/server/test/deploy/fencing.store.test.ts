// The deploy executor's writes under the leader lease, on every engine: a write made with a token
// the lease has moved past is refused in its own transaction and leaves nothing behind, and an
// executor whose write was refused stops touching the deployment (no event, no patch).
import { KIND_INFO, type KubeObject } from '@portolan/core';
import { type DeploymentEvent, externalDeployment, type Plan } from '@portolan/core/deploy/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import type { Database } from '../../src/db/database.ts';
import { DeployExecutor } from '../../src/deploy/executor.ts';
import { appendEvents } from '../../src/deploy/store/appendEvents.ts';
import {
  getClusterWrite,
  intendClusterWrite,
  markClusterWriteApplied,
} from '../../src/deploy/store/clusterWrites.ts';
import { createDeployment } from '../../src/deploy/store/createDeployment.ts';
import { getDeployment } from '../../src/deploy/store/getDeployment.ts';
import { importDeployments } from '../../src/deploy/store/importDeployments.ts';
import { listDeployments } from '../../src/deploy/store/listDeployments.ts';
import { listEvents } from '../../src/deploy/store/listEvents.ts';
import { LeaseLostError, tryAcquire } from '../../src/replicas/lease.ts';
import { deployment, FakeCluster } from '../kubernetes/fake-client.ts';

const SERVICE = 'component:default/checkout';
const LEASE = 'leader';
const TTL = 200;
const OLD = 'reg/pay/checkout:1.0.0';
const NEW = 'reg/pay/checkout:1.1.0';
const plan: Plan = {
  service: SERVICE,
  clusters: [
    {
      cluster: 'eu-1',
      workloads: [
        {
          kind: 'Deployment',
          namespace: 'pay',
          name: 'checkout',
          containers: [{ name: 'main', from: OLD, to: NEW }],
        },
      ],
    },
  ],
  waves: [
    {
      index: 0,
      name: 'all',
      clusters: ['eu-1'],
      maxConcurrency: 1,
      soakSeconds: 0,
      progressDeadlineSeconds: 30,
      maxFailures: 0,
      requiresApproval: false,
    },
  ],
  skipped: [],
  unreachableLimitSeconds: 60,
};
const events = (): DeploymentEvent[] => {
  const at = new Date().toISOString();
  return [
    { type: 'requested', service: SERVICE, request: { version: '1.1.0' }, reason: 'test', actor: 'a', at },
    { type: 'planned', plan, actor: 'portolan', at },
  ];
};

/** Token 1 held by replica a, then (after it expired) token 2 by replica b. */
async function leaseMovedOn(db: Database): Promise<void> {
  expect(await tryAcquire(db, LEASE, 'a', TTL)).toBe(1);
  await new Promise((r) => setTimeout(r, TTL + 50));
  expect(await tryAcquire(db, LEASE, 'b', 60_000)).toBe(2);
}

describe.each(TEST_DATABASES)('deploy writes under the lease on $id', (engine) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    ({ db, drop } = await engine.create());
    await createDeployment({ db, id: 'd1', service: SERVICE, events: events() });
  });
  afterEach(async () => {
    await drop?.();
    drop = undefined;
  });

  it("refuses a former leader's event and keeps the list as it was; the current leader's lands", async () => {
    await leaseMovedOn(db);
    const before = await getDeployment({ db, id: 'd1' });
    const started: DeploymentEvent = {
      type: 'wave-started',
      wave: 0,
      actor: 'portolan',
      at: '2025-01-01T00:00:00Z',
    };
    await expect(
      appendEvents({ db, id: 'd1', events: [started], fence: { lease: LEASE, token: 1 } }),
    ).rejects.toThrow(LeaseLostError);
    expect((await getDeployment({ db, id: 'd1' })).lastSeq).toBe(before.lastSeq);
    expect(await listEvents({ db, id: 'd1' })).toHaveLength(2);
    const after = await appendEvents({ db, id: 'd1', events: [started], fence: { lease: LEASE, token: 2 } });
    expect(after.lastSeq).toBe(before.lastSeq + 1);
  });

  it("records a former leader's external deployment nowhere; the current leader's is kept", async () => {
    await leaseMovedOn(db);
    const change = {
      cluster: 'eu-1',
      kind: 'Deployment' as const,
      namespace: 'pay',
      name: 'checkout',
      container: 'main',
      from: OLD,
      to: 'reg/pay/checkout:hotfix',
    };
    const external = (id: string) => ({
      id,
      service: SERVICE,
      events: externalDeployment(SERVICE, [change], new Date().toISOString()),
    });
    await expect(
      importDeployments({ db, deployments: [external('x1')], fence: { lease: LEASE, token: 1 } }),
    ).rejects.toThrow(LeaseLostError);
    expect((await listDeployments({ db, services: [SERVICE] })).map((d) => d.id)).toEqual(['d1']);
    await importDeployments({ db, deployments: [external('x2')], fence: { lease: LEASE, token: 2 } });
    expect((await listDeployments({ db, services: [SERVICE] })).map((d) => d.id).sort()).toEqual([
      'd1',
      'x2',
    ]);
  });

  it('lets one leader claim a cluster and record it applied; a former leader can do neither', async () => {
    const key = { db, id: 'd1', cluster: 'eu-1', action: 'change' as const };
    expect(await tryAcquire(db, LEASE, 'a', TTL)).toBe(1);
    const claimed = await intendClusterWrite({ ...key, fence: { lease: LEASE, token: 1 }, at: 't1' });
    expect(claimed).toMatchObject({ token: 1, intendedAt: 't1' });
    expect(claimed?.appliedAt).toBeUndefined();
    await new Promise((r) => setTimeout(r, TTL + 50));
    expect(await tryAcquire(db, LEASE, 'b', 60_000)).toBe(2);
    // a patched, was paused, and comes back: it cannot say so, nor claim the cluster again.
    await expect(
      markClusterWriteApplied({ ...key, fence: { lease: LEASE, token: 1 }, at: 't2' }),
    ).rejects.toThrow(LeaseLostError);
    await expect(intendClusterWrite({ ...key, fence: { lease: LEASE, token: 1 }, at: 't2' })).rejects.toThrow(
      LeaseLostError,
    );
    expect(await getClusterWrite(key)).toEqual({
      cluster: 'eu-1',
      action: 'change',
      token: 1,
      intendedAt: 't1',
    });
    // b sees a's claim unapplied, claims it itself, and records it applied.
    expect(await intendClusterWrite({ ...key, fence: { lease: LEASE, token: 2 }, at: 't3' })).toMatchObject({
      token: 2,
    });
    await markClusterWriteApplied({ ...key, fence: { lease: LEASE, token: 2 }, at: 't4' });
    // Applied is final: a later claim (even by the current leader) changes nothing.
    expect(await intendClusterWrite({ ...key, fence: { lease: LEASE, token: 2 }, at: 't5' })).toEqual({
      cluster: 'eu-1',
      action: 'change',
      token: 2,
      intendedAt: 't3',
      appliedAt: 't4',
    });
  });

  it('stops an executor whose lease moved on before it patches anything; the leader patches once', async () => {
    const cluster = new FakeCluster();
    const read = cluster.put(
      'Deployment',
      deployment('checkout', 'pay', { app: 'checkout' }, OLD) as KubeObject,
    );
    const executor = () =>
      new DeployExecutor({
        db,
        live: { objectsFor: () => [] },
        locate: async () => ({ name: 'checkout', selectors: [] }) as never,
        writers: () => cluster,
        pollIntervalMs: 20,
      });
    await leaseMovedOn(db);
    const stale = executor();
    await stale.start({ lease: LEASE, token: 1 });
    await stale.settled('d1');
    expect(cluster.patches).toHaveLength(0);
    expect(await listEvents({ db, id: 'd1' })).toHaveLength(2);
    expect(await getClusterWrite({ db, id: 'd1', cluster: 'eu-1', action: 'change' })).toBeUndefined();

    const leader = executor();
    await leader.start({ lease: LEASE, token: 2 });
    const deadline = Date.now() + 10_000;
    while (!(await getClusterWrite({ db, id: 'd1', cluster: 'eu-1', action: 'change' }))?.appliedAt) {
      if (Date.now() > deadline) throw new Error('the leader did not patch');
      await new Promise((r) => setTimeout(r, 20));
    }
    await leader.stop();
    expect(cluster.patches).toHaveLength(1);
    // The patch names the version it was decided on: a cluster refuses it if anyone wrote since.
    expect(cluster.patches[0]?.body).toMatchObject({
      metadata: { resourceVersion: read.metadata?.resourceVersion },
    });
    expect(
      (await cluster.get({ kind: KIND_INFO.Deployment, namespace: 'pay', name: 'checkout' })) as unknown,
    ).toMatchObject({ spec: { template: { spec: { containers: [{ name: 'main', image: NEW }] } } } });
    expect(await getClusterWrite({ db, id: 'd1', cluster: 'eu-1', action: 'change' })).toMatchObject({
      token: 2,
    });
  });
});
