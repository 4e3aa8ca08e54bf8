// The first sync alone, for profiling: starts the simulated fleet in its child process, syncs the
// engine, prints one JSON line (wall time, CPU of the engine and of the fleet, pods cached) and every
// cluster state change the engine logs, then stops. Profile both processes with
//   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=prof" node bench/support/prof-sync.ts
// With CHURN_SECONDS, it then watches the fleet change for that long and prints the event-loop
// delay meanwhile; CHURN_PROFILE=file.cpuprofile profiles that window alone, VIEWS_PROFILE the views'.
// Env: CLUSTERS (30), PODS_PER_CLUSTER (3334), CHANGE_RATE (400), VIEWS (0), SLOWEST (0),
// CHURN_SECONDS (0), CHURN_PROFILE, VIEWS_PROFILE.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { dirname } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { locateService } from '@portolan/core/services/index';
import { createKubernetesEngine } from '../../packages/server/src/kubernetes/engine.ts';
import { startSimChild } from './sim-child.ts';
import { serveViews } from './views-server.ts';

const CLUSTERS = Number(process.env.CLUSTERS ?? 30);

/** Starts the CPU profiler when given a file; the function returned stops it and writes the file. */
async function profiler(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
const sim = await startSimChild(
  {
    clusters: CLUSTERS,
    podsPerCluster: Number(process.env.PODS_PER_CLUSTER ?? 3334),
    changeRate: Number(process.env.CHANGE_RATE ?? 400),
    seed: 'bench-watch',
  },
  (code) => {
    console.error(`simulated fleet exited with code ${code}`);
    process.exit(1);
  },
);
const engine = createKubernetesEngine({
  config: { kubeconfig: { path: sim.kubeconfig, contexts: sim.clusters.map((c) => `${c.name}-portolan`) } },
  configDir: dirname(fileURLToPath(import.meta.url)),
  logger: {
    info: (o: unknown, m?: string) => {
      if (m && !m.includes('watching') && !m.includes('synced'))
        console.log('INFO', m, JSON.stringify(o).slice(0, 300));
    },
    warn: (o: unknown, m?: string) => console.log('WARN', m, JSON.stringify(o).slice(0, 400)),
    error: (o: unknown, m?: string) => console.log('ERR', m, JSON.stringify(o).slice(0, 300)),
  } as never,
});
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const simCpu0 = await sim.call<number>('cpu');
await engine.start();
await engine.waitForSync(600_000);
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    syncMs: Math.round(performance.now() - t0),
    engineCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    simCpuMs: Math.round((await sim.call<number>('cpu')) - simCpu0),
    pods: engine.clusters().reduce((n, c) => n + (c.counts.Pod ?? 0), 0),
  }),
);
// With VIEWS, that many service views (as JSON, round robin over the services that run somewhere,
// in this process; with HTTP=1 through the route) while the fleet changes: their p50/p99, the
// event-loop delay and the CPU they took.
const viewCount = Number(process.env.VIEWS ?? 0);
if (viewCount > 0) {
  // As the watch bench asks them: the services that run somewhere, each asked once first.
  const locators = sim.services.map(locateService).filter((l) => engine.view(l).summary.workloads > 0);
  // With HTTP, through the service view route, as the watch bench asks them.
  let http: string | undefined;
  if (process.env.HTTP) {
    const { port } = await serveViews(engine, sim.services);
    http = `http://127.0.0.1:${port}`;
  }
  const times: number[] = [];
  /** Each view's time, service, pods and bytes, for SLOWEST. */
  const each: { ms: number; service: string; pods: number; bytes: number }[] = [];
  const stopProfile = await profiler(process.env.VIEWS_PROFILE);
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  for (let i = 0; i < viewCount; i++) {
    const locator = locators[i % locators.length]!;
    const s = performance.now();
    const json = http
      ? await (await fetch(`${http}/api/services/${encodeURIComponent(locator.ref)}/kubernetes`)).text()
      : engine.viewJson(locator);
    const ms = performance.now() - s;
    times.push(ms);
    each.push({ ms: Math.round(ms * 10) / 10, service: locator.name, pods: 0, bytes: json.length });
    // Let the watches deliver meanwhile, as between requests.
    await new Promise((r) => setImmediate(r));
  }
  const c = process.cpuUsage(c0);
  delay.disable();
  await stopProfile();
  // With SLOWEST=n, the n slowest views, with their service's pods and the view's bytes.
  for (const x of each.sort((a, b) => b.ms - a.ms).slice(0, Number(process.env.SLOWEST ?? 0))) {
    const locator = locators.find((l) => l.name === x.service)!;
    console.log(JSON.stringify({ ...x, pods: engine.view(locator).summary.pods }));
  }
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 100) / 100;
  (globalThis as { gc?: () => void }).gc?.();
  console.log(
    JSON.stringify({
      views: viewCount,
      services: locators.length,
      wallMs: Math.round(performance.now() - w0),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      http: http !== undefined,
      loopDelayP99Ms: Math.round(delay.percentile(99) / 1e6),
      loopDelayMaxMs: Math.round(delay.max / 1e6),
      cpuMs: Math.round((c.user + c.system) / 1000),
      // With --expose-gc: after a collection, the caches and every kept view.
      heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    }),
  );
}
const churnSeconds = Number(process.env.CHURN_SECONDS ?? 0);
if (churnSeconds > 0) {
  // Every service's view asked once, so the kept views are routed every change.
  for (const e of sim.services) engine.viewJson(locateService(e));
  const stopProfile = await profiler(process.env.CHURN_PROFILE);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, churnSeconds * 1000));
  delay.disable();
  const c = process.cpuUsage(c0);
  await stopProfile();
  console.log(
    JSON.stringify({
      churnSeconds,
      engineCpuMs: Math.round((c.user + c.system) / 1000),
      loopDelayP50Ms: Math.round(delay.percentile(50) / 1e6),
      loopDelayP99Ms: Math.round(delay.percentile(99) / 1e6),
      loopDelayMaxMs: Math.round(delay.max / 1e6),
    }),
  );
}
await engine.stop();
await sim.call('stop');
process.exit(0);
