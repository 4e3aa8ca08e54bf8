// The first sync alone, for profiling: starts the simulated fleet in its child process, syncs the
// engine, prints one JSON line (wall time, CPU of the engine and of the fleet, pods cached) and every
// cluster state change the engine logs, then stops. Profile both processes with
//   NODE_OPTIONS="--cpu-prof --cpu-prof-dir=prof" node bench/support/prof-sync.ts
// Env: CLUSTERS (30), PODS_PER_CLUSTER (3334), CHANGE_RATE (400).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
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
await engine.stop();
await sim.call('stop');
process.exit(0);
