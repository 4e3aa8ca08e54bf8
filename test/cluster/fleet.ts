// The real Kubernetes test fleet: N clusters on this machine, each a real kube-apiserver,
// kube-controller-manager and kube-scheduler, with kwok playing the kubelets of 3 fake nodes.
// One etcd serves every cluster, each under its own key prefix: an etcd costs ~30 MiB RSS idle
// (measured), one per cluster would add that per cluster and buy no isolation the tests need.
//
//   node test/cluster/fleet.ts up 3     build if needed, start 3 clusters, wait until ready,
//                                       write .fleet/kubeconfig, print its path, exit
//   node test/cluster/fleet.ts down     stop everything (idempotent, also after a crashed `up`)
//   node test/cluster/fleet.ts status   print what runs
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, ensureBinaries, moduleDir, pinnedVersions } from './build.ts';
import { installKwokLogsKind, prepareCluster } from './cluster-setup.ts';
import {
  apiserverArgs,
  apiserverGet,
  clusterFiles,
  controllerManagerArgs,
  etcdArgs,
  IDENTITIES,
  type Identity,
  kwokArgs,
  schedulerArgs,
  waitApiserverReady,
  writeComponentKubeconfig,
  writeKwokConfig,
  writeTokenFile,
} from './control-plane.ts';
import { writeFleetKubeconfig } from './kubeconfig.ts';
import { makeCa, makeServiceAccountKeys, makeServingCert, newToken } from './pki.ts';
import { freePort, isRunning, startDetached, stopProcess, waitFor } from './processes.ts';
import {
  type FleetCluster,
  type FleetProcess,
  type FleetState,
  fleetDir,
  readState,
  writeState,
} from './state.ts';

const CLUSTER_NAMES = [
  'eu-west-1',
  'us-east-1',
  'asia-1',
  'eu-central-1',
  'us-west-2',
  'asia-2',
  'eu-north-1',
  'us-central-1',
  'sa-east-1',
  'africa-1',
];

export function clusterNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => CLUSTER_NAMES[i] ?? `cluster-${i + 1}`);
}

export const kubeconfigPath = (dir = fleetDir()): string => join(dir, 'kubeconfig');

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const log = (line: string) => console.error(`[fleet] ${line}`);

export async function up(count: number): Promise<string> {
  const started = Date.now();
  const bin = ensureBinaries({ log });
  const binary = (name: string) => join(bin, name);
  await down({ quiet: true });

  const dir = fleetDir();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ca = makeCa(dir);

  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const state: FleetState = {
    startedAt: new Date().toISOString(),
    binDir: bin,
    etcd: { clientUrl: `http://127.0.0.1:${clientPort}`, dataDir: join(dir, 'etcd') },
    caFile: ca.cert,
    clusters: [],
    processes: [],
  };
  const track = (proc: FleetProcess) => {
    state.processes.push(proc);
    writeState(state);
  };
  track(
    startDetached(
      'etcd',
      binary('etcd'),
      etcdArgs({ dataDir: state.etcd.dataDir, clientPort, peerPort }),
      join(dir, 'etcd.log'),
    ),
  );

  const caPem = readFileSync(ca.cert, 'utf8');
  const filesOf = new Map<string, ReturnType<typeof clusterFiles>>();
  for (const name of clusterNames(count)) {
    const files = clusterFiles(join(dir, name));
    filesOf.set(name, files);
    mkdirSync(files.dir, { recursive: true });
    makeServingCert(files.dir, ca, `${name}-apiserver`);
    makeServingCert(files.dir, ca, `${name}-kwok`, 'kwok');
    makeServiceAccountKeys(files.dir);
    const tokens = Object.fromEntries(Object.keys(IDENTITIES).map((id) => [id, newToken()])) as Record<
      Identity,
      string
    >;
    writeTokenFile(files.tokenFile, tokens);
    const port = await freePort();
    const cluster: FleetCluster = {
      name,
      server: `https://127.0.0.1:${port}`,
      apiserverPort: port,
      kwokPort: await freePort(),
      etcdPrefix: `/fleet/${name}`,
      tokens: {
        admin: tokens.admin,
        portolan: tokens.portolan,
        'portolan-limited': tokens['portolan-limited'],
        bad: newToken(),
      },
    };
    state.clusters.push(cluster);
    for (const component of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) {
      writeComponentKubeconfig(files.kubeconfigFor(component), cluster.server, ca.cert, tokens[component]);
    }
    writeKwokConfig(files, join(moduleDir, 'kwok-stages.yaml'));
  }
  writeFleetKubeconfig(kubeconfigPath(dir), { caFile: ca.cert, clusters: state.clusters });

  await waitFor('etcd healthy', async () => {
    const res = await fetch(`${state.etcd.clientUrl}/health`);
    return res.ok ? true : undefined;
  });
  log(`etcd ready after ${seconds(started)}`);

  for (const cluster of state.clusters) {
    const files = filesOf.get(cluster.name)!;
    track(
      startDetached(
        `${cluster.name}/kube-apiserver`,
        binary('kube-apiserver'),
        apiserverArgs({ cluster, files, etcdUrl: state.etcd.clientUrl, caFile: ca.cert }),
        files.logFor('kube-apiserver'),
      ),
    );
  }
  await Promise.all(
    state.clusters.map((c) =>
      waitApiserverReady(c.server, { ca: caPem, token: c.tokens.admin!, timeoutMs: 180_000 }),
    ),
  );
  log(`${count} apiservers ready after ${seconds(started)}`);
  // Before kwok starts, so that it finds the kind it is told to watch.
  await Promise.all(state.clusters.map((c) => installKwokLogsKind(kubeconfigPath(dir), c.name)));

  for (const [index, cluster] of state.clusters.entries()) {
    const files = filesOf.get(cluster.name)!;
    const start = (component: string, args: string[]) =>
      track(startDetached(`${cluster.name}/${component}`, binary(component), args, files.logFor(component)));
    start('kube-controller-manager', controllerManagerArgs({ cluster, files, caFile: ca.cert }));
    start('kube-scheduler', schedulerArgs({ files }));
    start('kwok', kwokArgs({ cluster, files, index }));
  }

  await Promise.all(state.clusters.map((c) => prepareCluster(kubeconfigPath(dir), c.name)));
  const dead = state.processes.filter((p) => !isRunning(p));
  if (dead.length > 0)
    throw new Error(`exited during start: ${dead.map((p) => `${p.name} (see ${p.log})`).join(', ')}`);
  log(`${count} clusters ready after ${seconds(started)}`);
  return kubeconfigPath(dir);
}

/**
 * Fleet binaries whose arguments point into the fleet folder: found even without a state file
 * (an `up` killed between starting a process and recording it).
 */
function strayFleetProcesses(dir: string): Array<Pick<FleetProcess, 'pid' | 'command'>> {
  const found: Array<Pick<FleetProcess, 'pid' | 'command'>> = [];
  const binaries = `${join(cacheRoot(), 'fleet')}/`;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const ours = args[0]?.startsWith(binaries) && args.slice(1).some((arg) => arg.includes(`${dir}/`));
      if (ours) found.push({ pid, command: args[0]! });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export async function down(options: { quiet?: boolean } = {}): Promise<void> {
  const dir = fleetDir();
  const state = readState(dir);
  // Workers first, then the apiservers, etcd last, so nothing logs a storm of connection errors.
  const order = (p: FleetProcess) => (p.name === 'etcd' ? 2 : p.name.endsWith('/kube-apiserver') ? 1 : 0);
  const recorded = state?.processes ?? [];
  for (const rank of [0, 1, 2]) {
    await Promise.all(recorded.filter((p) => order(p) === rank).map((p) => stopProcess(p)));
  }
  const strays = strayFleetProcesses(dir);
  await Promise.all(strays.map((p) => stopProcess(p)));
  rmSync(join(dir, 'state.json'), { force: true });
  rmSync(kubeconfigPath(dir), { force: true });
  if (!options.quiet) log(`stopped ${recorded.filter((p) => p.pid).length + strays.length} processes`);
}

async function status(): Promise<number> {
  const state = readState();
  if (!state) {
    console.log('no fleet is running');
    return 1;
  }
  let healthy = true;
  for (const p of state.processes) {
    const running = isRunning(p);
    healthy &&= running;
    console.log(`${running ? 'running' : 'STOPPED'}  ${p.name}  pid ${p.pid}`);
  }
  for (const c of state.clusters) {
    const res = await apiserverGet(c.server, '/version', {
      ca: readFileSync(state.caFile, 'utf8'),
      token: c.tokens.admin!,
    }).catch((e: Error) => ({ status: 0, body: e.message }));
    console.log(
      `${c.name}  ${c.server}  /version: ${res.status === 200 ? JSON.parse(res.body).gitVersion : res.body}`,
    );
  }
  return healthy ? 0 : 1;
}

if (import.meta.main) {
  const [command, arg] = process.argv.slice(2);
  try {
    if (command === 'up') {
      const count = Number(arg ?? '3');
      if (!Number.isInteger(count) || count < 1) throw new Error(`up needs a cluster count, got ${arg}`);
      const v = pinnedVersions();
      log(`starting ${count} clusters: Kubernetes ${v.kubernetes}, etcd ${v.etcd}, kwok ${v.kwok}`);
      console.log(await up(count));
    } else if (command === 'down') {
      await down();
    } else if (command === 'status') {
      process.exitCode = await status();
    } else if (command === 'build') {
      console.log(ensureBinaries({ log }));
    } else {
      console.error('usage: fleet.ts up [N] | down | status | build');
      process.exitCode = 2;
    }
  } catch (error) {
    console.error(`[fleet] ${(error as Error).message}`);
    console.error(`[fleet] logs are in ${fleetDir()}; run \`npm run fleet -- down\` to clean up`);
    process.exitCode = 1;
  }
  // Client keep-alive sockets would otherwise hold the process open; the fleet runs detached.
  process.exit();
}
