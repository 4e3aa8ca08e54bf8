// Builds the test fleet's control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
// etcd, kwok) and kubectl from the Go module proxy at the versions pinned in go.mod, into a cache
// folder outside the checkout. The folder is keyed by a hash of go.mod + go.sum, so a rebuild happens
// only when the pinned versions change, and CI can keep the cache between runs.
//
//   node test/cluster/build.ts          build when missing, print the bin folder
//   node test/cluster/build.ts --force  rebuild even when present
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const moduleDir = dirname(fileURLToPath(import.meta.url));

/** The commands the fleet runs, by binary name, and the Go package each is built from. */
const COMMANDS: Record<string, string> = {
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
  'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
  // etcd's module root is its `main` package (a thin wrapper around etcdmain).
  etcd: 'go.etcd.io/etcd/server/v3',
  kwok: 'sigs.k8s.io/kwok/cmd/kwok',
  // Not run by the fleet: the client its tests (and the simulated fleet's kubectl suite) drive,
  // at the same release as the API servers, so no version skew is ever tested by accident.
  kubectl: 'k8s.io/kubernetes/cmd/kubectl',
};

export interface FleetVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
}

export function pinnedVersions(): FleetVersions {
  const goMod = readFileSync(join(moduleDir, 'go.mod'), 'utf8');
  const pinned = (path: string): string => {
    const match = new RegExp(`^\\s*${path.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(goMod);
    if (!match?.[1]) throw new Error(`test/cluster/go.mod does not pin ${path}`);
    return match[1];
  };
  return {
    kubernetes: pinned('k8s.io/kubernetes'),
    etcd: pinned('go.etcd.io/etcd/server/v3'),
    kwok: pinned('sigs.k8s.io/kwok'),
  };
}

/** The Go release go.mod asks for (its `go` line). */
function goVersionWanted(): string {
  return /^go (\S+)/m.exec(readFileSync(join(moduleDir, 'go.mod'), 'utf8'))?.[1] ?? '(see go.mod)';
}

export function cacheRoot(): string {
  return process.env.PORTOLAN_CACHE ?? join(homedir(), '.cache', 'portolan');
}

export function binDir(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
  return join(cacheRoot(), 'fleet', hash.digest('hex').slice(0, 16), 'bin');
}

export function binariesPresent(dir = binDir()): boolean {
  return Object.keys(COMMANDS).every((name) => existsSync(join(dir, name)));
}

/** The upstream commit of the pinned Kubernetes release, when the module proxy records it. */
function kubernetesCommit(version: string): string {
  try {
    const info = JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
        cwd: moduleDir,
        encoding: 'utf8',
      }),
    ) as { Origin?: { Hash?: string } };
    return info.Origin?.Hash ?? '';
  } catch {
    return '';
  }
}

/** Same variables Kubernetes' own release build stamps, so /version reports the real release. */
function versionLdflags(version: string): string {
  const match = /^v(\d+)\.(\d+)\./.exec(version);
  if (!match) throw new Error(`unexpected Kubernetes version ${version}`);
  const values: Record<string, string> = {
    gitVersion: version,
    gitMajor: match[1]!,
    gitMinor: match[2]!,
    gitCommit: kubernetesCommit(version),
    gitTreeState: 'clean',
    buildDate: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  const flags: string[] = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    for (const [name, value] of Object.entries(values)) flags.push(`-X ${pkg}.${name}=${value}`);
  }
  return flags.join(' ');
}

/** Builds the binaries unless already cached; returns the folder that holds them. */
export function ensureBinaries(options: { force?: boolean; log?: (line: string) => void } = {}): string {
  const log = options.log ?? ((line: string) => console.error(line));
  const dir = binDir();
  if (!options.force && binariesPresent(dir)) return dir;

  const versions = pinnedVersions();
  log(
    `building Kubernetes ${versions.kubernetes}, etcd ${versions.etcd}, kwok ${versions.kwok} into ${dir} ` +
      '(a cold build takes a while; later runs reuse it)',
  );
  const started = Date.now();
  // Build into a private folder and rename, so an interrupted build never looks complete.
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const ldflags = `-s -w ${versionLdflags(versions.kubernetes)}`;
  for (const [name, pkg] of Object.entries(COMMANDS)) {
    const stepStarted = Date.now();
    const result = spawnSync(
      'go',
      ['build', '-trimpath', '-ldflags', ldflags, '-o', join(staging, name), pkg],
      { cwd: moduleDir, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CGO_ENABLED: '0' } },
    );
    if (result.error) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`cannot run go (${result.error.message}): install Go ${goVersionWanted()} or newer`);
    }
    if (result.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`go build ${pkg} failed (exit ${result.status ?? result.signal})`);
    }
    log(`  built ${name} in ${((Date.now() - stepStarted) / 1000).toFixed(0)} s`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(staging, dir);
  log(`built the fleet binaries in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}

if (import.meta.main) {
  const dir = ensureBinaries({ force: process.argv.includes('--force') });
  console.log(dir);
}
