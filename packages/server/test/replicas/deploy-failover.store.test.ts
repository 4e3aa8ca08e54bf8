// A deployment across a leader's death, with real processes: two `portolan serve` replicas on the
// store suite's PostgreSQL and a simulated fleet in this process that records every patch it
// accepts. The deployment is asked of the replica that does not lead and streams its progress
// there; the leader is killed with SIGKILL after the first wave was patched; the other replica
// takes the lease within the lease time and finishes the deployment, and each planned workload
// was patched exactly once.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { sseEvents } from '../../../../test/support/sse.ts';
import { leads, type PortalProcess, startPortalProcess } from '../ops/processes.ts';

// Short, for the test; the successor must lead within it (plus one renewal period) of the kill.
const LEASE_SECONDS = 3;
const CLUSTERS = 4;
const postgres = TEST_DATABASES.find((d) => d.id === 'pg')!;

async function until<T>(
  what: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  label: string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Planned {
  cluster: string;
  workloads: { kind: string; namespace: string; name: string }[];
}

describe('a deployment when its leader is killed', () => {
  let dir: string;
  let sim: SimFleetHandle;
  let drop: (() => Promise<void>) | undefined;
  const replicas: PortalProcess[] = [];
  const start = (connection: string) => {
    const p = startPortalProcess(join(dir, 'portolan.yaml'), { PORTOLAN_DB: connection });
    replicas.push(p);
    return p;
  };

  beforeAll(async () => {
    const created = await postgres.create();
    drop = created.drop;
    dir = await mkdtemp(join(tmpdir(), 'portolan-failover-'));
    sim = await startSimFleet({
      dir,
      seed: 5,
      clusters: CLUSTERS,
      regions: 2,
      scale: 0.01,
      changeRate: 0,
      outages: false,
      rolloutEveryMs: 0,
      failingRollout: false,
      podStartMs: 100,
      // The first planned service runs in every cluster: the one deployed here.
      largestServiceReplicas: 2,
    });
    await writeFile(
      join(dir, 'portolan.yaml'),
      JSON.stringify({
        server: { leaderLeaseSeconds: LEASE_SECONDS, shutdownTimeoutSeconds: 2 },
        // The portal reads ${NAME} from the environment (a password stays out of the file).
        database: { client: 'pg', connection: `\${PORTOLAN_DB}` },
        catalog: { root: '.', locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
        kubernetes: {
          kubeconfig: {
            path: './kubeconfig.yaml',
            deployContexts: Object.fromEntries(sim.clusters.map((c) => [c.name, c.name])),
          },
        },
        deploy: {
          guest: true,
          pollIntervalMs: 200,
          recordExternal: false,
          // The canary soaks long enough for the kill to land between the two waves.
          strategy: {
            waves: [
              { name: 'canary', select: { count: 1 }, soakSeconds: 4, progressDeadlineSeconds: 60 },
              {
                select: { rest: true },
                maxConcurrency: CLUSTERS,
                soakSeconds: 0,
                progressDeadlineSeconds: 60,
              },
            ],
          },
        },
      }),
    );
    // A first, so that it leads; then B.
    const a = start(created.options.connection);
    await a.url;
    await until(async () => ((await leads(a)) ? true : undefined), 10_000, 'the first replica to lead');
    const b = start(created.options.connection);
    await b.url;
    for (const r of replicas)
      await until(
        async () => ((await fetch(`${await r.url}/readyz`)).status === 200 ? true : undefined),
        30_000,
        'the replicas to be ready',
      );
  }, 90_000);

  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await sim?.stop();
    await drop?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('streams on the other replica, is taken over within the lease time, and patches each workload once', async () => {
    const [a, b] = replicas as [PortalProcess, PortalProcess];
    expect(await leads(a)).toBe(true);
    expect(await leads(b)).toBe(false);
    const patchesBefore = new Map(sim.fleet.clusters.map((c) => [c.name, c.server.writes.length]));
    const patchesOf = (cluster: string, w: { namespace: string; name: string; kind: string }) => {
      const server = sim.fleet.clusters.find((c) => c.name === cluster)!.server;
      return server.writes
        .slice(patchesBefore.get(cluster))
        .filter(
          (x) =>
            x.verb === 'patch' &&
            x.resource === `${w.kind.toLowerCase()}s` &&
            x.namespace === w.namespace &&
            x.name === w.name,
        );
    };

    const service = sim.fleet.plan.placements[0]!.service;
    const asked = await fetch(`${await b.url}/api/services/${encodeURIComponent(service)}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '9.9.9', reason: 'failover test' }),
    });
    expect(asked.status).toBe(202);
    const created = (await asked.json()) as { id: string; state: { plan: { clusters: Planned[] } } };
    const planned = created.state.plan.clusters;
    expect(planned).toHaveLength(CLUSTERS);

    // B streams the progress A's executor writes.
    const controller = new AbortController();
    const stream = await fetch(`${await b.url}/api/deployments/${created.id}/stream`, {
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const events = sseEvents(stream.body!);
    const seen: { type: string; cluster?: string; actor?: string }[] = [];
    const nextEvent = async (type: string, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = (await events.next('event', Math.max(1, deadline - Date.now()))) as (typeof seen)[number];
        seen.push(e);
        if (e.type === type) return e;
      }
    };
    const changed = await nextEvent('cluster-changed', 20_000);
    const canary = planned.find((c) => c.cluster === changed.cluster)!;

    // Kill the leader once the canary's patches reached the fleet, during its soak.
    await until(
      () => (canary.workloads.every((w) => patchesOf(canary.cluster, w).length === 1) ? true : undefined),
      10_000,
      "the canary's patch",
    );
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    await until(async () => ((await leads(b)) ? true : undefined), LEASE_SECONDS * 2000, 'B to lead');
    const tookOverIn = Date.now() - killedAt;
    // The lease ends at most LEASE_SECONDS after A's last renewal; B tries every third of it.
    expect(tookOverIn).toBeLessThan(LEASE_SECONDS * 1000 + (LEASE_SECONDS * 1000) / 3 + 500);

    // B streamed every step, its own and A's, to the end.
    await nextEvent('completed', 45_000);
    controller.abort();
    expect(new Set(seen.filter((e) => e.type === 'cluster-changed').map((e) => e.cluster))).toEqual(
      new Set(planned.map((c) => c.cluster)),
    );

    for (const c of planned)
      for (const w of c.workloads) {
        expect(patchesOf(c.cluster, w), `${c.cluster} ${w.kind} ${w.namespace}/${w.name}`).toHaveLength(1);
      }
    // And the fleet runs the new version everywhere it was planned.
    const done = (await (await fetch(`${await b.url}/api/deployments/${created.id}`)).json()) as {
      state: { status: string; clusters: { cluster: string; status: string; changedAt: string }[] };
    };
    expect(done.state.status).toBe('completed');
    expect(done.state.clusters.map((c) => c.status)).toEqual(planned.map(() => 'passed'));
    // The second wave was changed by B, after A was gone.
    for (const c of done.state.clusters.filter((x) => x.cluster !== canary.cluster))
      expect(Date.parse(c.changedAt)).toBeGreaterThan(killedAt);
  }, 90_000);
});
