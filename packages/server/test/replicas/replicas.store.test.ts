// Several portal processes on one PostgreSQL: one leads (it alone refreshes the catalog), a leader
// killed with SIGKILL is replaced within the lease time, and a refresh done by the leader reaches
// the live streams of the other replicas within a second.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { sseEvents } from '../../../../test/support/sse.ts';
import { leads, type PortalProcess, startPortalProcess } from '../ops/processes.ts';

// Short, for the test; a busy machine that stalls a replica longer than this moves the lease.
const LEASE_SECONDS = 3;
const postgres = TEST_DATABASES.find((d) => d.id === 'pg')!;

const component = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`;

describe('replicas on PostgreSQL', () => {
  let dir: string;
  let drop: () => Promise<void>;
  const replicas: PortalProcess[] = [];

  beforeAll(async () => {
    const created = await postgres.create();
    drop = created.drop;
    // The processes open their own connections; this one only made (and will drop) the database.
    dir = await mkdtemp(join(tmpdir(), 'portolan-replicas-'));
    await mkdir(join(dir, 'catalog'));
    await writeFile(join(dir, 'catalog', 'a.yaml'), component('alpha'));
    await writeFile(
      join(dir, 'portolan.yaml'),
      [
        'server:',
        `  leaderLeaseSeconds: ${LEASE_SECONDS}`,
        '  shutdownTimeoutSeconds: 2',
        'database:',
        '  client: pg',
        // The portal reads ${NAME} from the environment (a password stays out of the file).
        `  connection: \${PORTOLAN_DB}`,
        'catalog:',
        '  root: .',
        '  refreshIntervalSeconds: 3600',
        '  locations:',
        '    - type: file',
        '      target: ./catalog/*.yaml',
        '',
      ].join('\n'),
    );
    for (let i = 0; i < 3; i++) {
      replicas.push(
        startPortalProcess(join(dir, 'portolan.yaml'), { PORTOLAN_DB: created.options.connection }),
      );
    }
    await Promise.all(replicas.map((r) => r.url));
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('has exactly one leader, and every replica serves the catalog it wrote', async () => {
    await expect
      .poll(async () => (await Promise.all(replicas.map(leads))).filter(Boolean).length, { timeout: 10_000 })
      .toBe(1);
    for (const r of replicas) {
      const ready = await fetch(`${await r.url}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await (await fetch(`${await r.url}/api/catalog/entities?kind=component`)).json()) as {
        items: { metadata: { name: string } }[];
      };
      expect(body.items.map((e) => e.metadata.name)).toEqual(['alpha']);
    }
  });

  it("streams the leader's refresh to the other replicas within a second, asked for on any of them", async () => {
    const states = await Promise.all(replicas.map(leads));
    const followers = replicas.filter((_, i) => !states[i]);
    const [asker, watcher] = [followers[0]!, followers[1]!];
    const controller = new AbortController();
    const stream = await fetch(`${await watcher.url}/api/catalog/stream`, { signal: controller.signal });
    const events = sseEvents(stream.body!);
    // A follower knows the leader's last refresh (it asked for it when it started).
    expect(await events.next('refreshed')).toMatchObject({ entities: 1 });
    await writeFile(join(dir, 'catalog', 'b.yaml'), component('beta'));
    const asked = await fetch(`${await asker.url}/api/catalog/refresh`, { method: 'POST' });
    expect(asked.status).toBe(200);
    const summary = (await asked.json()) as { startedAt: string; durationMs: number; added: number };
    expect(summary.added).toBe(1);
    const seen = (await events.next('refreshed')) as { startedAt: string };
    const arrivedAt = Date.now();
    controller.abort();
    expect(seen.startedAt).toBe(summary.startedAt);
    expect(arrivedAt - (Date.parse(summary.startedAt) + summary.durationMs)).toBeLessThan(1000);
    const names = (await (
      await fetch(`${await watcher.url}/api/catalog/entities?kind=component`)
    ).json()) as {
      items: { metadata: { name: string } }[];
    };
    expect(names.items.map((e) => e.metadata.name).sort()).toEqual(['alpha', 'beta']);
  });

  it('replaces a leader killed with SIGKILL within the lease time', async () => {
    const states = await Promise.all(replicas.map(leads));
    const leader = replicas[states.indexOf(true)]!;
    const others = replicas.filter((r) => r !== leader);
    leader.child.kill('SIGKILL');
    await leader.exited;
    const killedAt = Date.now();
    await expect
      .poll(async () => (await Promise.all(others.map(leads))).filter(Boolean).length, {
        timeout: LEASE_SECONDS * 1000 * 2,
        interval: 100,
      })
      .toBe(1);
    const tookOverIn = Date.now() - killedAt;
    // The lease runs out at most LEASE_SECONDS after the last renewal; a follower tries every third of it.
    expect(tookOverIn).toBeLessThan(LEASE_SECONDS * 1000 + (LEASE_SECONDS * 1000) / 3 + 500);
    // The new leader does the leader's work: a refresh asked of the remaining follower is answered.
    const follower = others[(await Promise.all(others.map(leads))).indexOf(false)]!;
    await writeFile(join(dir, 'catalog', 'c.yaml'), component('gamma'));
    const asked = await fetch(`${await follower.url}/api/catalog/refresh`, { method: 'POST' });
    expect(asked.status).toBe(200);
    // (The new leader's own refresh on taking over may already have read it: either way it is in.)
    const names = (await (
      await fetch(`${await follower.url}/api/catalog/entities?kind=component`)
    ).json()) as {
      items: { metadata: { name: string } }[];
    };
    expect(names.items.map((e) => e.metadata.name).sort()).toEqual(['alpha', 'beta', 'gamma']);
  });
});
