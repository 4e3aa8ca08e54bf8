// Many live pages at once: 1,000 event streams on 200 services while the simulated fleet changes,
// and clients that stop reading. Prints JSON lines:
//   streams    clients opened, and how long opening them took
//   freshness  a Deployment's image changed -> every client of that service shows it, p50/p99/max
//              (target: all within 2 s), clients that missed it, streams dropped (target 0)
//   slow       clients that stop reading: the most bytes the server held for one of them (target:
//              at most twice its buffer bound), the process's RSS growth meanwhile (churn included),
//              snapshots skipped for them, and streams closed with a reason
//   goals      each figure the issue sets a goal for, its value, its target and whether it is met
// The clients run in a child process (support/sse-clients.ts), so that their own reading and
// parsing does not count as the server's lag; the clients that stop reading are raw sockets here.
// Env: CLUSTERS, PODS_PER_CLUSTER, CHANGE_RATE, CLIENTS, SERVICES, ROUNDS, SLOW_CLIENTS, SLOW_SECONDS.
// Loopback only; every part is bounded in count and time and the run stops by itself.
import { fork } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CatalogEntity, locateService } from '@portolan/core/services/index';
import { sseHub } from '../packages/server/src/http/sse.ts';
import { createKubernetesEngine } from '../packages/server/src/kubernetes/engine.ts';
import { startSimChild } from './support/sim-child.ts';
import { serveViews } from './support/views-server.ts';

const CLUSTERS = Number(process.env.CLUSTERS ?? 20);
const PODS_PER_CLUSTER = Number(process.env.PODS_PER_CLUSTER ?? 2500);
const CHANGE_RATE = Number(process.env.CHANGE_RATE ?? 200);
const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const SERVICES = Number(process.env.SERVICES ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const SLOW_CLIENTS = Number(process.env.SLOW_CLIENTS ?? 50);
const SLOW_SECONDS = Number(process.env.SLOW_SECONDS ?? 20);
const TIMEOUT_MS = 10_000;

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A hard stop, whatever happens.
setTimeout(() => {
  emit({ bench: 'sse', error: 'did not finish within 15 minutes' });
  process.exit(1);
}, 15 * 60_000).unref();

const sim = await startSimChild(
  { clusters: CLUSTERS, podsPerCluster: PODS_PER_CLUSTER, changeRate: CHANGE_RATE, seed: 'bench-sse' },
  (code) => {
    emit({ bench: 'sse', error: `simulated fleet exited with code ${code}` });
    process.exit(1);
  },
);
const engine = createKubernetesEngine({
  config: {
    kubeconfig: { path: sim.kubeconfig, contexts: sim.clusters.map((c) => `${c.name}-portolan`) },
  },
  configDir: dirname(fileURLToPath(import.meta.url)),
});
await engine.start();
await engine.waitForSync(600_000);
const entities = sim.services;
const { app, port } = await serveViews(engine, entities);
const hub = sseHub(app);
const path = (e: CatalogEntity) =>
  `/api/services/${encodeURIComponent(`component:default/${e.metadata.name}`)}/kubernetes/stream`;

// Services with a Deployment somewhere (a change to make), the largest first for the slow clients.
const services = entities
  .map((e) => {
    const view = engine.view(locateService(e));
    const cluster = view.clusters.find((c) => c.items.some((w) => w.kind === 'Deployment'));
    const w = cluster?.items.find((x) => x.kind === 'Deployment');
    return cluster && w ? { e, cluster: cluster.cluster, w, pods: view.summary.pods } : undefined;
  })
  .filter((x) => x !== undefined)
  .slice(0, SERVICES);

// ---- 1,000 clients, in a child process (support/sse-clients.ts) ----
const here = dirname(fileURLToPath(import.meta.url));
const child = fork(join(here, 'support', 'sse-clients.ts'), [], {
  execArgv: ['--disable-warning=ExperimentalWarning'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
let nextId = 0;
const replies = new Map<number, (v: unknown) => void>();
const seen = new Map<string, (times: number[]) => void>();
await new Promise<void>((resolve) => {
  child.on(
    'message',
    (m: { type: string; id?: number; value?: unknown; version?: string; times?: number[] }) => {
      if (m.type === 'ready') resolve();
      if (m.type === 'reply') replies.get(m.id!)?.(m.value);
      if (m.type === 'seen') seen.get(m.version!)?.(m.times!);
    },
  );
});
const ask = <T>(cmd: string, args: Record<string, unknown> = {}) =>
  new Promise<T>((resolve) => {
    const id = nextId++;
    replies.set(id, resolve as (v: unknown) => void);
    child.send({ cmd, id, args });
  });
const streamUrl = (i: number) => `http://127.0.0.1:${port}${path(services[i]!.e)}`;
const clientUrls = Array.from({ length: CLIENTS }, (_, i) => streamUrl(i % services.length));
const t0 = performance.now();
await ask('open', { urls: clientUrls });
emit({
  bench: 'sse',
  figure: 'streams',
  clusters: CLUSTERS,
  pods: engine.clusters().reduce((n, c) => n + (c.counts.Pod ?? 0), 0),
  changeRate: CHANGE_RATE,
  clients: CLIENTS,
  services: services.length,
  clientsInOwnProcess: true,
  openedInMs: Math.round(performance.now() - t0),
});

// ---- freshness: change every service's Deployment, one round at a time ----
const lags: number[] = [];
let missed = 0;
for (let round = 0; round < ROUNDS; round++) {
  const waits: Promise<void>[] = [];
  const perService = Math.ceil(services.length / ROUNDS);
  for (let index = round * perService; index < Math.min(services.length, (round + 1) * perService); index++) {
    const s = services[index]!;
    const version = `sse-${round}-${index}-${Date.now()}`;
    const image = `${(s.w.images[0]?.image ?? 'x:1').replace(/:[^:/]*$/, '')}:${version}`;
    const times = new Promise<number[]>((resolve) => seen.set(version, resolve));
    await ask('expect', { urls: [streamUrl(index)], version, ms: TIMEOUT_MS });
    const changedAt = await sim.call<number>(
      'setImage',
      s.cluster.replace(/-portolan$/, ''),
      s.w.namespace,
      s.w.name,
      image,
    );
    waits.push(
      times.then((ts) => {
        seen.delete(version);
        for (const t of ts) {
          if (t < 0) missed++;
          else lags.push(t - changedAt);
        }
      }),
    );
  }
  await Promise.all(waits);
  await sleep(500);
}
const dropped = await ask<number>('ended');
emit({
  bench: 'sse',
  figure: 'freshness',
  samples: lags.length,
  p50Ms: round(pct(lags, 50)),
  p99Ms: round(pct(lags, 99)),
  maxMs: round(pct(lags, 100)),
  missed,
  dropped,
  closedByServer: hub.stats.closed,
  targetMaxMs: 2000,
  targetDropped: 0,
});

// ---- clients that stop reading ----
const rssBefore = process.memoryUsage().rss;
const skippedBefore = hub.stats.skipped;
const bySize = [...services].sort((a, b) => b.pods - a.pods);
const slow: Socket[] = [];
for (let i = 0; i < SLOW_CLIENTS; i++) {
  const s = bySize[i % bySize.length]!;
  slow.push(
    await new Promise<Socket>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.write(`GET ${path(s.e)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
        socket.pause();
        resolve(socket);
      });
    }),
  );
}
// Keep their services changing: every 200 ms a new image on one of them.
const started = Date.now();
let maxRss = rssBefore;
let maxQueued = 0;
for (let i = 0; Date.now() - started < SLOW_SECONDS * 1000; i++) {
  const s = bySize[i % Math.min(SLOW_CLIENTS, bySize.length)]!;
  await sim.call('setImage', s.cluster.replace(/-portolan$/, ''), s.w.namespace, s.w.name, `slow:${i}`);
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
  maxQueued = Math.max(maxQueued, hub.queued().max);
  await sleep(200);
}
emit({
  bench: 'sse',
  figure: 'slow',
  slowClients: SLOW_CLIENTS,
  seconds: SLOW_SECONDS,
  maxBufferedBytesPerClient: hub.maxBufferedBytes,
  rssGrowthMiB: round((maxRss - rssBefore) / 2 ** 20),
  // The process's growth meanwhile, fleet churn and garbage included: context, not the bound.
  rssGrowthPerSlowClientKiB: Math.round((maxRss - rssBefore) / 1024 / SLOW_CLIENTS),
  // What the server holds for a client that reads nothing: bytes its socket has not taken.
  maxQueuedPerClientKiB: Math.round(maxQueued / 1024),
  snapshotsSkipped: hub.stats.skipped - skippedBefore,
  closedByServer: hub.stats.closed,
  fastClientsStillOpen: CLIENTS - (await ask<number>('ended')),
});

const queuedKiB = maxQueued / 1024;
emit({
  bench: 'sse',
  figure: 'goals',
  clients: CLIENTS,
  services: services.length,
  goals: [
    { figure: 'lagP50Ms', value: round(pct(lags, 50)), target: 2000, met: pct(lags, 50) < 2000 },
    { figure: 'lagP99Ms', value: round(pct(lags, 99)), target: 2000, met: pct(lags, 99) < 2000 },
    { figure: 'lagMaxMs', value: round(pct(lags, 100)), target: 2000, met: pct(lags, 100) < 2000 },
    { figure: 'missed', value: missed, target: 0, met: missed === 0 },
    { figure: 'dropped', value: dropped, target: 0, met: dropped === 0 },
    // Bounded: the server holds for a client that reads nothing at most its buffer
    // (maxBufferedBytesPerClient) and the one event written when it crossed it; past that it keeps
    // one newest snapshot per event name (shared objects) and closes the stream after a minute.
    {
      figure: 'slowClientQueuedMaxKiB',
      value: Math.round(queuedKiB),
      target: (2 * hub.maxBufferedBytes) / 1024,
      met: queuedKiB <= (2 * hub.maxBufferedBytes) / 1024,
    },
  ],
});

for (const s of slow) s.destroy();
await ask('close');
await app.close();
await engine.stop();
await sim.call('stop');
process.exit(0);
