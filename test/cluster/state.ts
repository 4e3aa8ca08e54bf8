// Where a running fleet keeps its files, and the record of what it started (.fleet/state.json),
// which `fleet down` and the test helpers read. Everything lives in the git-ignored .fleet folder
// at the repository root, or in $PORTOLAN_FLEET_DIR when set.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function fleetDir(): string {
  return process.env.PORTOLAN_FLEET_DIR ?? join(repoRoot, '.fleet');
}

/** One process the fleet started, with everything needed to stop it or start it again. */
export interface FleetProcess {
  /** e.g. `etcd`, `eu-west-1/kube-apiserver` */
  name: string;
  pid: number;
  command: string;
  args: string[];
  log: string;
}

export interface FleetCluster {
  name: string;
  /** https://127.0.0.1:<port> */
  server: string;
  apiserverPort: number;
  /** kwok's kubelet API, which serves the container logs of every node of the cluster */
  kwokPort: number;
  etcdPrefix: string;
  /** Bearer tokens by identity: admin, portolan, portolan-limited */
  tokens: Record<string, string>;
}

export interface FleetState {
  startedAt: string;
  binDir: string;
  etcd: { clientUrl: string; dataDir: string };
  caFile: string;
  clusters: FleetCluster[];
  processes: FleetProcess[];
}

export const statePath = (dir = fleetDir()): string => join(dir, 'state.json');

export function readState(dir = fleetDir()): FleetState | undefined {
  const path = statePath(dir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as FleetState;
}

/** Written after every process start, so that `down` can clean up after a crashed `up`. */
export function writeState(state: FleetState, dir = fleetDir()): void {
  mkdirSync(dir, { recursive: true });
  const path = statePath(dir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
