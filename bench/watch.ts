// The watch engine at scale, against the simulated fleet (run in a child process so the engine's
// memory is measured alone): 20 clusters x 10,000 pods by default, 150 clusters x 3,334 pods
// changing at 2,000 objects/s with `company`. Prints JSON lines:
//   sync       time to first full sync, objects and pods cached
//   memory     RSS and heap of the engine process, bytes of heap per cached pod (target < 2 KiB)
//   view       service view latency through HTTP while the fleet changes, p50/p99 (targets 5 ms /
//              25 ms), and API server requests meanwhile by method (target 0 per view beyond
//              the watches' own lists, watches and version probes)
//   small-view a view of about a dozen pods in eight clusters, serially (targets 1 ms / 5 ms)
//   freshness  change in a cluster -> open SSE stream, p50/p99 (target p99 < 1 s)
//   requests   API requests per minute per apiserver with 0 and with 100 open service pages
//   goals      each figure the issue sets a goal for, its value, its target and whether it is met
// Env: CLUSTERS, PODS_PER_CLUSTER, CHANGE_RATE, VIEW_REQUESTS, FRESHNESS_SAMPLES, REQUEST_WINDOW_S.
// Run with `node --expose-gc bench/watch.ts` for steadier heap figures (npm run bench adds none).
import { dirname } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type CatalogEntity, locateService, type ServiceView } from '@portolan/core/services/index';
import { type ClusterClient, KubeConfigClient } from '../packages/server/src/kubernetes/client.ts';
import { createKubernetesEngine } from '../packages/server/src/kubernetes/engine.ts';
import { liveViews } from '../test/support/sse.ts';
import { startSimChild } from './support/sim-child.ts';
import { serveViews } from './support/views-server.ts';

// `npm run bench -- watch company`: the scale to design for, 150 clusters and 500,000 pods
// changing at 2,000 objects per second. `npm run bench -- watch demo`: the demo's fleet (14
// clusters, the simulated fleet's own pod counts). Without either: 20 clusters x 10,000 pods.
const COMPANY = process.argv.includes('company');
const DEMO = process.argv.includes('demo');
const CLUSTERS = Number(process.env.CLUSTERS ?? (COMPANY ? 150 : DEMO ? 14 : 20));
/** 0: the simulated fleet's own sizes. */
const PODS_PER_CLUSTER = Number(process.env.PODS_PER_CLUSTER ?? (COMPANY ? 3334 : DEMO ? 0 : 10_000));
const CHANGE_RATE = Number(process.env.CHANGE_RATE ?? (COMPANY ? 2000 : 20));
const VIEW_REQUESTS = Number(process.env.VIEW_REQUESTS ?? 2000);
const SMALL_VIEW_REQUESTS = Number(process.env.SMALL_VIEW_REQUESTS ?? 2000);
const FRESHNESS_SAMPLES = Number(process.env.FRESHNESS_SAMPLES ?? 50);
const REQUEST_WINDOW_S = Number(process.env.REQUEST_WINDOW_S ?? 60);
const PAGES = Number(process.env.PAGES ?? 100);
const FRESHNESS_INTERVAL_MS = Number(process.env.FRESHNESS_INTERVAL_MS ?? 1000);
const SEED = process.env.SIM_SEED ?? 'bench-watch';

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const gc = (globalThis as { gc?: () => void }).gc;
const settleHeap = async () => {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage();
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (n: number) => Math.round(n * 100) / 100;
/** Each figure the issue sets a goal for, printed together at the end (figure "goals"). */
const goals: { figure: string; value: number; target: number; met: boolean }[] = [];
const goal = (figure: string, value: number, target: number) =>
  goals.push({ figure, value: round(value), target, met: value < target });

// ---- the simulated fleet, in a child process ----
const here = dirname(fileURLToPath(import.meta.url));
const sim = await startSimChild(
  { clusters: CLUSTERS, podsPerCluster: PODS_PER_CLUSTER, changeRate: CHANGE_RATE, seed: SEED },
  (code) => {
    emit({ bench: 'watch', error: `simulated fleet exited with code ${code}` });
    process.exit(1);
  },
);
const call = sim.call;

emit({
  bench: 'watch',
  figure: 'sim',
  clusters: CLUSTERS,
  podsPerCluster: PODS_PER_CLUSTER,
  changeRate: CHANGE_RATE,
  startMs: sim.startMs,
  stats: sim.stats,
});

// ---- the engine ----
const base = await settleHeap();
let relists = 0;
// Every call the engine makes to an API server, by method: views must make none; lists, watches
// and version probes are the watches' own, whatever the number of views.
const apiCalls: Record<string, number> = {};
const counted = (client: ClusterClient): ClusterClient =>
  new Proxy(client, {
    get(target, prop) {
      // Read on the client itself: its getters and methods use private fields.
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        apiCalls[String(prop)] = (apiCalls[String(prop)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
const engine = createKubernetesEngine({
  config: { kubeconfig: { path: sim.kubeconfig, contexts: sim.clusters.map((c) => `${c.name}-portolan`) } },
  configDir: here,
  clientFactory: (spec) => counted(new KubeConfigClient(spec.kubeConfig)),
  logger: {
    info: (_o, msg) => {
      if (msg?.includes('relisting')) relists++;
    },
    warn: () => {},
    error: () => {},
  },
});
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const simCpu0 = await call<number>('cpu');
await engine.start();
// waitForSync returns once no cluster is still syncing, a stale one included: on a busy machine a
// cluster can be marked unreachable meanwhile and come back later. The first full sync is when
// every cluster holds a complete list.
const synced = await engine.waitForSync(600_000);
const leftSyncingMs = performance.now() - t0;
const deadline = Date.now() + 600_000;
while (engine.clusters().some((c) => c.status !== 'synced') && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
}
const allSynced = engine.clusters().every((c) => c.status === 'synced');
const syncMs = performance.now() - t0;
// CPU time spent meanwhile, by the engine and by the simulated fleet: on a machine shared with
// other work, wall time alone says more about the neighbours than about the engine.
const cpu = process.cpuUsage(cpu0);
const simCpuMs = (await call<number>('cpu')) - simCpu0;
const states = engine.clusters();
const count = (k: 'Pod') => states.reduce((n, c) => n + (c.counts[k] ?? 0), 0);
const objects = states.reduce((n, c) => n + Object.values(c.counts).reduce((a, b) => a + (b ?? 0), 0), 0);
emit({
  bench: 'watch',
  figure: 'sync',
  synced,
  allSynced,
  leftSyncingMs: Math.round(leftSyncingMs),
  firstFullSyncMs: Math.round(syncMs),
  relists,
  targetFirstFullSyncMs: 60_000,
  engineCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  simCpuMs: Math.round(simCpuMs),
  clusters: states.length,
  pods: count('Pod'),
  objects,
  statuses: [...new Set(states.map((s) => s.status))],
});
goal('firstFullSyncS', allSynced ? syncMs / 1000 : Number.POSITIVE_INFINITY, 60);

const mem = await settleHeap();
const heapDelta = mem.heapUsed - base.heapUsed;
emit({
  bench: 'watch',
  figure: 'memory',
  gcExposed: gc !== undefined,
  rssMiB: round(mem.rss / 2 ** 20),
  targetRssMiB: 2048,
  heapUsedMiB: round(mem.heapUsed / 2 ** 20),
  cacheHeapMiB: round(heapDelta / 2 ** 20),
  // Every cached object (ReplicaSets, Deployments, Services, Events... too) charged to the pods.
  bytesPerPodAllObjects: Math.round(heapDelta / Math.max(1, count('Pod'))),
  bytesPerObject: Math.round(heapDelta / Math.max(1, objects)),
  targetBytesPerPod: 2048,
});
goal('rssMiB', mem.rss / 2 ** 20, 2048);

// ---- HTTP ----
const entities = sim.services;
const { app, port } = await serveViews(engine, entities);
const url = (e: CatalogEntity, suffix = '') =>
  `http://127.0.0.1:${port}/api/services/${encodeURIComponent(`component:default/${e.metadata.name}`)}/kubernetes${suffix}`;

// Services that actually run somewhere, with where.
const running = entities
  .map((e) => ({ e, view: engine.view(locateService(e)) }))
  .filter((x) => x.view.summary.workloads > 0);
emit({ bench: 'watch', figure: 'services', catalog: entities.length, running: running.length });

const latencies: number[] = [];
let bytes = 0;
const requestsBeforeViews = await call<number[]>('requests');
const watchRequests = () =>
  states.reduce(
    (n, c) =>
      n + (engine.cluster(c.cluster)?.kindStats() ?? []).reduce((m, k) => m + k.relists + k.watchRestarts, 0),
    0,
  );
const watchRequestsBeforeViews = watchRequests();
const changesBeforeViews = await call<number>('changes');
const callsBeforeViews = { ...apiCalls };
const viewsStartedAt = performance.now();
const viewLoopDelay = monitorEventLoopDelay({ resolution: 10 });
viewLoopDelay.enable();
for (let i = 0; i < VIEW_REQUESTS; i++) {
  const { e } = running[i % running.length]!;
  const s = performance.now();
  const res = await fetch(url(e));
  const body = await res.arrayBuffer();
  latencies.push(performance.now() - s);
  bytes += body.byteLength;
}
// What the API servers were asked meanwhile, beyond the watches already open: a view is a lookup
// in memory, so this is the watches' own reconnects, whatever the number of views.
const viewSeconds = (performance.now() - viewsStartedAt) / 1000;
const callsDuringViews = Object.fromEntries(
  Object.entries(apiCalls).map(([method, n]) => [method, n - (callsBeforeViews[method] ?? 0)]),
);
/** Calls other than the watches' own (list pages, watches, version probes). */
const viewCalls = Object.entries(callsDuringViews)
  .filter(([method]) => !['list', 'watch', 'getVersion', 'close'].includes(method))
  .reduce((n, [, c]) => n + c, 0);
viewLoopDelay.disable();
const churnPerSecond = ((await call<number>('changes')) - changesBeforeViews) / viewSeconds;
const requestsAfterViews = await call<number[]>('requests');
const apiRequestsDuringViews = requestsAfterViews.reduce((n, a, i) => n + a - requestsBeforeViews[i]!, 0);
// The watches' own: each reopened watch is one request, each relist at least one.
const watchRequestsDuringViews = watchRequests() - watchRequestsBeforeViews;
emit({
  bench: 'watch',
  figure: 'view',
  requests: VIEW_REQUESTS,
  changeRate: CHANGE_RATE,
  churnPerSecondAchieved: Math.round(churnPerSecond),
  // This process's event loop meanwhile (engine + HTTP server + the bench's own client).
  loopDelayP99Ms: round(viewLoopDelay.percentile(99) / 1e6),
  loopDelayMaxMs: round(viewLoopDelay.max / 1e6),
  // As the API servers counted them (the client's retries of a closed connection included).
  apiRequestsDuringViews,
  watchRequestsDuringViews,
  // As the engine made them, by method: list pages, watches opened, version probes, anything else.
  engineCallsDuringViews: callsDuringViews,
  apiRequestsPerView: round(viewCalls / VIEW_REQUESTS),
  p50Ms: round(pct(latencies, 50)),
  p99Ms: round(pct(latencies, 99)),
  maxMs: round(pct(latencies, 100)),
  avgBytes: Math.round(bytes / VIEW_REQUESTS),
  targetP50Ms: 5,
  targetP99Ms: 25,
});
goal(`viewP50MsAt${Math.round(churnPerSecond)}ChangesPerS`, pct(latencies, 50), 5);
goal(`viewP99MsAt${Math.round(churnPerSecond)}ChangesPerS`, pct(latencies, 99), 25);
// "0 per view": calls beyond the watches' own lists, watches and version probes.
goal('apiRequestsPerView', viewCalls / VIEW_REQUESTS, 0.01);

// A small view, served serially: the service closest to a dozen pods in eight clusters.
const small = running
  .map((x) => ({
    e: x.e,
    clusters: x.view.clusters.filter((c) => c.items.length > 0).length,
    pods: x.view.summary.pods,
  }))
  .sort(
    (a, b) =>
      Math.abs(a.clusters - 8) * 3 +
      Math.abs(a.pods - 12) -
      (Math.abs(b.clusters - 8) * 3 + Math.abs(b.pods - 12)),
  )[0];
if (small) {
  const serial: number[] = [];
  let smallBytes = 0;
  for (let i = 0; i < SMALL_VIEW_REQUESTS; i++) {
    const s = performance.now();
    const res = await fetch(url(small.e));
    smallBytes = (await res.arrayBuffer()).byteLength;
    serial.push(performance.now() - s);
  }
  emit({
    bench: 'watch',
    figure: 'small-view',
    service: small.e.metadata.name,
    clusters: small.clusters,
    pods: small.pods,
    bytes: smallBytes,
    requests: SMALL_VIEW_REQUESTS,
    p50Ms: round(pct(serial, 50)),
    p99Ms: round(pct(serial, 99)),
    targetP50Ms: 1,
    targetP99Ms: 5,
  });
  goal('smallViewP50Ms', pct(serial, 50), 1);
  goal('smallViewP99Ms', pct(serial, 99), 5);
}

// ---- SSE pages ----
interface Page {
  entity: CatalogEntity;
  waiters: ((v: ServiceView) => void)[];
  controller: AbortController;
}
async function openPage(entity: CatalogEntity): Promise<Page> {
  const controller = new AbortController();
  const page: Page = { entity, waiters: [], controller };
  const res = await fetch(url(entity, '/stream'), { signal: controller.signal });
  void (async () => {
    try {
      // The stream sends the view, then patches: each is applied, as the web app does.
      for await (const { view } of liveViews<ServiceView>(res.body!)) {
        for (const w of page.waiters) w(view);
      }
    } catch {
      // aborted
    }
  })();
  return page;
}

const requestsPerMinute = async (label: string) => {
  const before = await call<number[]>('requests');
  await new Promise((r) => setTimeout(r, REQUEST_WINDOW_S * 1000));
  const after = await call<number[]>('requests');
  const perMin = after.map((a, i) => ((a - before[i]!) * 60) / REQUEST_WINDOW_S);
  emit({
    bench: 'watch',
    figure: 'requests',
    openPages: label,
    windowS: REQUEST_WINDOW_S,
    perApiserverPerMinute: {
      avg: round(perMin.reduce((a, b) => a + b, 0) / perMin.length),
      max: round(Math.max(...perMin)),
    },
  });
};

await requestsPerMinute('0');
const pages: Page[] = [];
for (let i = 0; i < PAGES; i++) pages.push(await openPage(running[i % running.length]!.e));
await new Promise((r) => setTimeout(r, 1000));
await requestsPerMinute(String(PAGES));

// Freshness: change a Deployment's image in one cluster; time until the page shows the version.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
await call('lagReset');
const fresh: number[] = [];
const cached: number[] = [];
let misses = 0;
for (let i = 0; i < FRESHNESS_SAMPLES; i++) {
  const page = pages[i % pages.length]!;
  const view = engine.view(locateService(page.entity));
  const cluster = view.clusters.find((c) => c.items.some((w) => w.kind === 'Deployment'));
  const w = cluster?.items.find((x) => x.kind === 'Deployment');
  if (!cluster || !w) continue;
  const version = `bench-${i}-${Date.now()}`;
  const image = `${(w.images[0]?.image ?? 'x:1').replace(/:[^:/]*$/, '')}:${version}`;
  const seen = new Promise<number>((resolve) => {
    const check = (v: ServiceView) => {
      const c = v.clusters.find((x) => x.cluster === cluster.cluster);
      if (
        c?.items.some(
          (x) => x.name === w.name && x.namespace === w.namespace && x.images[0]?.version === version,
        )
      )
        resolve(Date.now());
    };
    page.waiters.push(check);
  });
  // Also when the engine's cache has it: splits the delay into watch delivery and view/SSE.
  const store = engine.cluster(cluster.cluster)?.store('Deployment');
  const key = `${w.namespace}/${w.name}`;
  const inCache = new Promise<number>((resolve) => {
    const poll = setInterval(() => {
      const d = store?.get(key) as
        | { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }
        | undefined;
      if (d?.spec?.template?.spec?.containers?.[0]?.image === image) {
        clearInterval(poll);
        resolve(Date.now());
      }
    }, 2);
    setTimeout(() => clearInterval(poll), 10_000);
  });
  const changedAt = await call<number>(
    'setImage',
    cluster.cluster.replace(/-portolan$/, ''),
    w.namespace,
    w.name,
    image,
  );
  const at = await Promise.race([seen, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
  page.waiters.length = 0;
  if (at < 0) misses++;
  else fresh.push(at - changedAt);
  const cachedAt = await Promise.race([inCache, new Promise<number>((r) => setTimeout(() => r(-1), 100))]);
  if (cachedAt > 0) cached.push(cachedAt - changedAt);
  // One release at a time, as people ship: every change starts a rollout in the simulated fleet.
  await new Promise((r) => setTimeout(r, FRESHNESS_INTERVAL_MS));
}
emit({
  bench: 'watch',
  figure: 'freshness',
  samples: fresh.length,
  misses,
  p50Ms: round(pct(fresh, 50)),
  p99Ms: round(pct(fresh, 99)),
  maxMs: round(pct(fresh, 100)),
  slowestMs: [...fresh].sort((a, b) => b - a).slice(0, 5),
  // Change -> engine cache only (watch delivery from the simulated apiserver included).
  cacheP50Ms: round(pct(cached, 50)),
  cacheP99Ms: round(pct(cached, 99)),
  // Event-loop delay meanwhile, in this process (engine + HTTP + the bench's SSE clients) and in the sim.
  engineLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6),
  engineLoopDelayMaxMs: round(loopDelay.max / 1e6),
  simLoopDelay: await call('lag'),
  relistsSinceStart: relists,
  targetP99Ms: 1000,
});

for (const p of pages) p.controller.abort();
const end = await settleHeap();
emit({
  bench: 'watch',
  figure: 'end',
  rssMiB: round(end.rss / 2 ** 20),
  heapUsedMiB: round(end.heapUsed / 2 ** 20),
});
await app.close();
// Pods alone: stop the watches, then empty only the Pod caches and see how much heap goes.
const watchers = states.map((c) => engine.cluster(c.cluster)!);
const podCount = watchers.reduce((n, w) => n + (w.store('Pod')?.size ?? 0), 0);
await engine.stop();
const withPods = await settleHeap();
for (const w of watchers) w.store('Pod')?.clear();
const withoutPods = await settleHeap();
emit({
  bench: 'watch',
  figure: 'memory-pods',
  gcExposed: gc !== undefined,
  pods: podCount,
  bytesPerPod: Math.round((withPods.heapUsed - withoutPods.heapUsed) / Math.max(1, podCount)),
  targetBytesPerPod: 2048,
});
emit({ bench: 'watch', figure: 'goals', clusters: CLUSTERS, changeRate: CHANGE_RATE, goals });
await call('stop');
process.exit(0);
