// What an operator relies on: liveness and readiness probes that mean what they say, Prometheus
// metrics naming every cluster, request ids in the log and no credentials in it, and a shutdown
// that tells open streams to reconnect and ends in time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseEvents } from '../../../../test/support/sse.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { type Portal, startPortal } from '../../src/portal.ts';

function capture() {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)) };
}

async function until<T>(what: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('operating the portal', () => {
  let dir: string;
  let sim: SimFleetHandle;
  let portal: Portal;
  const log = capture();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portolan-ops-'));
    process.env.PORTOLAN_TEST_GONE_TOKEN = 'not-a-token';
    sim = await startSimFleet({ dir, seed: 3, scale: 0.01, clusters: 4, changeRate: 0 });
    const config = parseConfig(
      {
        server: { port: 0, log: { requests: 'info' }, shutdownTimeoutSeconds: 3 },
        database: { connection: ':memory:' },
        catalog: { root: '.', locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
        kubernetes: {
          kubeconfig: { path: './kubeconfig.yaml' },
          // One cluster nobody answers for: readiness must not wait for it forever.
          clusters: [
            {
              name: 'gone-1',
              url: 'https://127.0.0.1:1',
              auth: { type: 'token', tokenEnv: 'PORTOLAN_TEST_GONE_TOKEN' },
              region: 'eu',
            },
          ],
        },
      },
      'test',
    );
    portal = await startPortal({
      config,
      baseDir: dir,
      apiOnly: true,
      logger: createLogger({ destination: log }),
    });
  }, 60_000);

  afterAll(async () => {
    await portal?.close();
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is live at once, and ready when the catalog is loaded and every cluster synced or was given up on', async () => {
    expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
    const ready = await until(async () => {
      const res = await fetch(`${portal.url}/readyz`);
      return res.status === 200
        ? ((await res.json()) as { checks: { name: string; message: string }[] })
        : undefined;
    });
    const clusters = ready.checks.find((c) => c.name === 'clusters');
    expect(clusters?.message).toMatch(/^4 synced; given up on: gone-1 \((unreachable|unauthorized)\)$/);
    expect(ready.checks.map((c) => c.name)).toEqual(['database', 'catalog', 'clusters']);
  });

  it('serves Prometheus metrics naming every cluster, per-kind state, caches, requests and streams', async () => {
    const service = (await (
      await fetch(`${portal.url}/api/catalog/entities?kind=component&limit=1`)
    ).json()) as {
      items: { metadata: { name: string } }[];
    };
    const ref = `component:default/${service.items[0]!.metadata.name}`;
    expect((await fetch(`${portal.url}/api/services/${encodeURIComponent(ref)}/kubernetes`)).status).toBe(
      200,
    );
    const controller = new AbortController();
    const stream = await fetch(`${portal.url}/api/services/${encodeURIComponent(ref)}/kubernetes/stream`, {
      signal: controller.signal,
    });
    const events = sseEvents(stream.body!);
    await events.next('view');
    const res = await fetch(`${portal.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    controller.abort();
    for (const c of [...sim.clusters.map((x) => x.name)]) {
      expect(text).toContain(`portolan_cluster_state{cluster="${c}",state="synced",reason=""} 1`);
      expect(text).toMatch(new RegExp(`portolan_objects_cached\\{cluster="${c}",kind="Pod"\\} [1-9]`));
      expect(text).toContain(`portolan_kind_state{cluster="${c}",kind="Deployment",state="synced"} 1`);
      expect(text).toContain(`portolan_watch_restarts_total{cluster="${c}",kind="Pod"}`);
      expect(text).toContain(`portolan_watch_relists_total{cluster="${c}",kind="Pod"} 0`);
      expect(text).toMatch(new RegExp(`portolan_watch_last_event_age_seconds\\{cluster="${c}"\\} \\d`));
    }
    expect(text).toMatch(
      /portolan_cluster_state\{cluster="gone-1",state="stale",reason="(unreachable|unauthorized)"\} 1/,
    );
    expect(text).toMatch(
      /portolan_http_request_duration_seconds_count\{method="GET",route="\/api\/services\/:ref\/kubernetes",status="200"\} 1\n/,
    );
    expect(text).toContain('portolan_sse_clients 1');
    expect(text).toMatch(/portolan_sse_bytes_total [1-9]/);
    expect(text).toMatch(/portolan_catalog_refresh_duration_seconds_count\{outcome="ok"\} [1-9]/);
    expect(text).toMatch(/portolan_catalog_problems 0/);
    expect(text).toContain('portolan_leader{lease="leader"} 1');
    expect(text).toContain('portolan_process_resident_memory_bytes');
  });

  it('gives each request an id, in its log line and its response, and logs no token or cookie', async () => {
    const res = await fetch(
      `${portal.url}/api/catalog/entities/by-name/component/default/nope?access_token=sekret-q1&x=1`,
      {
        headers: {
          authorization: 'Bearer sekret-h1',
          cookie: 'session=sekret-c1',
          'x-request-id': 'edge-42',
        },
      },
    );
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('edge-42');
    // An id a client sends that could smuggle anything into the log is replaced by a fresh one.
    const evil = await fetch(`${portal.url}/healthz`, { headers: { 'x-request-id': 'a\tb'.repeat(40) } });
    expect(evil.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = log.lines
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'request' && l.reqId === 'edge-42');
    expect(line).toMatchObject({
      status: 404,
      url: '/api/catalog/entities/by-name/component/default/nope?access_token=%5Bredacted%5D&x=1',
    });
    expect(log.lines.join('\n')).not.toMatch(/sekret/);
  });
});

describe('shutting down', () => {
  it('stops accepting, tells open streams to reconnect, and ends within its time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portolan-stop-'));
    const config = parseConfig(
      { server: { port: 0, shutdownTimeoutSeconds: 2 }, database: { connection: ':memory:' } },
      'test',
    );
    const portal = await startPortal({
      config,
      baseDir: dir,
      apiOnly: true,
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const stream = await fetch(`${portal.url}/api/catalog/stream`);
      const reader = stream.body!.getReader();
      let text = '';
      const read = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      })();
      await until(async () => (text.includes('event: refreshed') ? true : undefined));
      const started = Date.now();
      await portal.close();
      await read;
      expect(Date.now() - started).toBeLessThan(2000);
      expect(text).toMatch(/retry: 1000\nevent: close\ndata: \{"reason":"server shutting down"\}\n\n$/);
      await expect(fetch(`${portal.url}/healthz`)).rejects.toThrow();
    } finally {
      await portal.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
