// Child process of bench/watch.ts: runs the simulated fleet apart from the engine under test, so
// the engine's RSS is measured alone. Talks over IPC: requests counters, image changes, stop.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { kubernetesServices, startSimFleet } from '../../packages/sim/src/index.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  clusters: number;
  podsPerCluster: number;
  changeRate: number;
  seed: string;
};
const dir = mkdtempSync(join(tmpdir(), 'portolan-bench-watch-'));
const t0 = performance.now();
const handle = await startSimFleet({
  dir,
  seed: opts.seed,
  clusters: opts.clusters,
  ...(opts.podsPerCluster > 0 ? { podsPerCluster: opts.podsPerCluster } : {}),
  changeRate: opts.changeRate,
  outages: false,
  rolloutEveryMs: 0,
  failingRollout: false,
});
const send = (m: unknown) => process.send?.(m);
send({
  type: 'ready',
  startMs: Math.round(performance.now() - t0),
  kubeconfig: handle.rbacKubeconfigPath,
  clusters: handle.clusters,
  stats: handle.fleet.stats(),
  services: kubernetesServices(handle.fleet.catalog),
});
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
process.on('message', async (m: { cmd: string; id: number; args?: unknown[] }) => {
  switch (m.cmd) {
    case 'lagReset':
      lag.reset();
      send({ type: 'reply', id: m.id, value: true });
      break;
    case 'cpu': {
      const u = process.cpuUsage();
      send({ type: 'reply', id: m.id, value: (u.user + u.system) / 1000 });
      break;
    }
    case 'lag':
      send({
        type: 'reply',
        id: m.id,
        value: { p99Ms: Math.round(lag.percentile(99) / 1e6), maxMs: Math.round(lag.max / 1e6) },
      });
      break;
    case 'changes':
      // Object changes made so far across the fleet (controllers included): the churn achieved.
      send({ type: 'reply', id: m.id, value: handle.fleet.stats().changes });
      break;
    case 'requests':
      send({ type: 'reply', id: m.id, value: handle.fleet.clusters.map((c) => c.server.requests) });
      break;
    case 'setImage': {
      const [cluster, namespace, name, image] = m.args as string[];
      handle.fleet.setImage(cluster!, namespace!, name!, image!);
      send({ type: 'reply', id: m.id, value: Date.now() });
      break;
    }
    case 'stop':
      await handle.stop();
      send({ type: 'reply', id: m.id, value: true });
      process.exit(0);
  }
});
