// The first sync alone, for profiling: starts the simulated fleet in its child process, syncs the
// engine, prints one JSON line (wall time, CPU of the engine and of the fleet, pods cached) and every
// cluster state change the engine logs, then stops. Profile both processes with
//   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=prof" node bench/support/prof-sync.ts
// With CHURN_SECONDS, it then watches the fleet change for that long and prints the event-loop
// delay meanwhile; CHURN_PROFILE=file.cpuprofile profiles that window alone.
// Env: CLUSTERS (30), PODS_PER_CLUSTER (3334), CHANGE_RATE (400), VIEWS (0), CHURN_SECONDS (0),
// CHURN_PROFILE.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { dirname } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { locateService } from '@portolan/core/services/index';
import { createKubernetesEngine } from '../../packages/server/src/kubernetes/engine.ts';
import { startSimChild } from './sim-child.ts';

const CLUSTERS = Number(process.env.CLUSTERS ?? 30);
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
// With VIEWS, that many service views (as JSON, round robin over the services, in this process,
// no HTTP) while the fleet changes: their p50/p99 and the CPU they took.
const viewCount = Number(process.env.VIEWS ?? 0);
if (viewCount > 0) {
  const locators = sim.services.map(locateService);
  const times: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < viewCount; i++) {
    const s = performance.now();
    engine.viewJson(locators[i % locators.length]!);
    times.push(performance.now() - s);
    // Let the watches deliver meanwhile, as between requests.
    await new Promise((r) => setImmediate(r));
  }
  const c = process.cpuUsage(c0);
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 100) / 100;
  (globalThis as { gc?: () => void }).gc?.();
  console.log(
    JSON.stringify({
      views: viewCount,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
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
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  const profile = process.env.CHURN_PROFILE;
  if (profile) {
    await post('Profiler.enable');
    await post('Profiler.start');
  }
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, churnSeconds * 1000));
  delay.disable();
  const c = process.cpuUsage(c0);
  if (profile) {
    const { profile: data } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(profile, JSON.stringify(data));
  }
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
