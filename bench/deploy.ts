// 200 concurrent deployments of 200 services on the simulated fleet, through the HTTP API, with
// the portal's executor patching the simulated API servers. Prints JSON lines: how long until all
// ended, how many completed, whether every planned workload runs its new image afterwards, the
// executor's time per changed cluster, and the API's latency (p50/p99) while they ran.
// Then the wave-by-wave time of a 3-cluster deploy on the real test fleet: the integration test's
// own deploy (test/integration/deploy.int.test.ts, `figure: deploy-3-clusters`) run on a fleet
// started here, so the bench and the test measure one thing one way. SKIP_REAL=1 leaves it out.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../packages/server/src/config/load.ts';
import { createLogger } from '../packages/server/src/log.ts';
import { startPortal } from '../packages/server/src/portal.ts';
import { startSimFleet } from '../packages/sim/src/index.ts';

const SERVICES = Number(process.env.SERVICES ?? 200);
const dir = await mkdtemp(join(tmpdir(), 'portolan-bench-deploy-'));
const sim = await startSimFleet({
  dir,
  seed: 3,
  clusters: 14,
  scale: 0.15,
  changeRate: 0,
  outages: false,
  podStartMs: 200,
});
const config = parseConfig(
  {
    server: { port: 0 },
    database: { client: 'sqlite', connection: './portolan.sqlite' },
    catalog: { root: '.', locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
    kubernetes: {
      kubeconfig: {
        path: './kubeconfig.yaml',
        deployContexts: Object.fromEntries(sim.clusters.map((c) => [c.name, c.name])),
      },
    },
    deploy: {
      guest: true,
      pollIntervalMs: 500,
      recordExternal: false,
      strategy: {
        waves: [
          { name: 'canary', select: { count: 1 }, soakSeconds: 0, progressDeadlineSeconds: 300 },
          { select: { rest: true }, maxConcurrency: 14, soakSeconds: 0, progressDeadlineSeconds: 300 },
        ],
      },
    },
  },
  'the benchmark',
);
const portal = await startPortal({
  config,
  baseDir: dir,
  apiOnly: true,
  logger: createLogger({ level: 'error' }),
});
await portal.kubernetes?.waitForSync(120_000);

const latencies: number[] = [];
const posts: number[] = [];
async function api(method: 'GET' | 'POST', path: string, body?: unknown) {
  const t = performance.now();
  const res = await fetch(`${portal.url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  (method === 'POST' ? posts : latencies).push(performance.now() - t);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const services = sim.fleet.plan.placements
  .filter((p) => !p.statefulSet && p.replicas.size > 0)
  .slice(0, SERVICES);
const started = performance.now();
const ids = (await Promise.all(
  services.map(async (p) => {
    const d = await api('POST', `/api/services/${p.service}/deployments`, {
      version: '9.0.0',
      reason: 'bench',
    });
    return d.id as string;
  }),
)) as string[];
const requestMs = performance.now() - started;

// Readers while the deployments run: the API's latency under that load.
let running = true;
const readers = Array.from({ length: 4 }, async (_, r) => {
  let i = r;
  while (running) {
    await api('GET', `/api/deployments/${ids[i % ids.length]}`);
    i += 4;
  }
});
const ended = new Map<string, Record<string, unknown>>();
while (ended.size < ids.length) {
  await new Promise((r) => setTimeout(r, 1000));
  for (const id of ids) {
    if (ended.has(id)) continue;
    const d = await api('GET', `/api/deployments/${id}`);
    const status = (d.state as { status: string }).status;
    if (['completed', 'failed', 'cancelled', 'rolled-back'].includes(status)) ended.set(id, d);
  }
  if (performance.now() - started > 600_000) break;
}
const allMs = performance.now() - started;
running = false;
await Promise.all(readers);

// Every planned workload runs its new image (read from the portal's watch caches).
type Events = { type: string; at: string; cluster?: string }[];
let correct = 0;
let changedClusters = 0;
const perCluster: number[] = [];
for (const d of ended.values()) {
  const state = d.state as { status: string; plan: { clusters: { cluster: string }[] } };
  const events = d.events as Events;
  if (state.status !== 'completed') continue;
  const view = (await api(
    'GET',
    `/api/services/${encodeURIComponent((d as { service: string }).service)}/kubernetes`,
  )) as {
    clusters?: { cluster: string; items: { kind: string; images: { image: string }[] }[] }[];
  };
  const planned = new Set(state.plan.clusters.map((c) => c.cluster));
  const ok = (view.clusters ?? [])
    .filter((c) => planned.has(c.cluster))
    .every((c) =>
      c.items
        .filter((w) => w.kind === 'Deployment' || w.kind === 'DaemonSet')
        .every((w) => w.images.some((i) => i.image.endsWith(':9.0.0'))),
    );
  if (ok) correct++;
  // Executor overhead: from a cluster's change being recorded to its rollout judged complete,
  // minus nothing: on the simulated fleet pods start in 200 ms, so this is mostly the executor.
  for (const e of events.filter((x) => x.type === 'cluster-changed')) {
    const ready = events.find((x) => x.type === 'cluster-ready' && x.cluster === e.cluster);
    if (ready) perCluster.push(Date.parse(ready.at) - Date.parse(e.at));
    changedClusters++;
  }
}
// One request at a time, the 200 ended: what a single POST costs without a queue in front of it.
const idle: number[] = [];
for (const p of services.slice(0, 20)) {
  const t = performance.now();
  await api('POST', `/api/services/${p.service}/deployments`, {
    version: '9.0.1',
    reason: 'bench',
    supersede: true,
  });
  idle.push(performance.now() - t);
}
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? 0);
};
const statuses: Record<string, number> = {};
for (const d of ended.values()) {
  const s = (d.state as { status: string }).status;
  statuses[s] = (statuses[s] ?? 0) + 1;
}
console.log(
  JSON.stringify({
    bench: 'deploy-sim',
    services: ids.length,
    clusters: sim.clusters.length,
    requestAllMs: Math.round(requestMs),
    allEndedMs: Math.round(allMs),
    statuses,
    correct,
    changedClusters,
    changeToReadyMs: { p50: q(perCluster, 0.5), p99: q(perCluster, 0.99) },
    postMs: {
      requests: ids.length,
      p50: q(posts.slice(0, ids.length), 0.5),
      p99: q(posts.slice(0, ids.length), 0.99),
    },
    postIdleMs: { requests: idle.length, p50: q(idle, 0.5), p99: q(idle, 0.99) },
    getMsWhileRunning: { requests: latencies.length, p50: q(latencies, 0.5), p99: q(latencies, 0.99) },
  }),
);
await portal.close();
await sim.stop();
await rm(dir, { recursive: true, force: true });

if (process.env.SKIP_REAL !== '1') realFleetWaves();

function realFleetWaves(): void {
  const root = join(import.meta.dirname, '..');
  const node = (...args: string[]) =>
    spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PORTOLAN_FLEET_KUBECONFIG: join(root, '.fleet/kubeconfig') },
    });
  const fleet = join(root, 'test/cluster/fleet.ts');
  const up = node(fleet, 'up', '3');
  if (up.status !== 0) {
    console.log(
      JSON.stringify({
        bench: 'deploy-real',
        skipped: 'the real test fleet did not start (it needs Go to build; see test/cluster/README.md)',
      }),
    );
    node(fleet, 'down');
    return;
  }
  try {
    const vitest = join(root, 'node_modules/vitest/vitest.mjs');
    const run = node(
      vitest,
      'run',
      '--project',
      'integration',
      'test/integration/deploy.int.test.ts',
      '-t',
      'rolls a version out to 3 clusters',
    );
    const figure = `${run.stdout}`.split('\n').find((l) => l.includes('"figure":"deploy-3-clusters"'));
    console.log(
      figure
        ? JSON.stringify({ bench: 'deploy-real', ...JSON.parse(figure.slice(figure.indexOf('{'))) })
        : JSON.stringify({ bench: 'deploy-real', failed: run.stdout.slice(-2000) }),
    );
  } finally {
    node(fleet, 'down');
  }
}
