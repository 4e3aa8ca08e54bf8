// Builds Helm from the Go module proxy at the version pinned in go.mod, into the same cache root
// as the test fleet's binaries (~/.cache/portolan, or PORTOLAN_CACHE), in a folder keyed by a hash
// of go.mod + go.sum: a rebuild happens only when the pinned version changes.
//
//   node test/helm/build.ts          build when missing, print the path of helm
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../cluster/build.ts';

const moduleDir = dirname(fileURLToPath(import.meta.url));

export function pinnedHelm(): string {
  const match = /^require helm\.sh\/helm\/v\d+ (v\S+)/m.exec(readFileSync(join(moduleDir, 'go.mod'), 'utf8'));
  if (!match?.[1]) throw new Error('test/helm/go.mod does not pin helm.sh/helm');
  return match[1];
}

export function helmPath(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
  return join(cacheRoot(), 'helm', hash.digest('hex').slice(0, 16), 'bin', 'helm');
}

/** Builds helm unless already cached; returns its path. */
export function ensureHelm(log: (line: string) => void = (l) => console.error(l)): string {
  const target = helmPath();
  if (existsSync(target)) return target;
  const version = pinnedHelm();
  log(`building Helm ${version} into ${dirname(target)} (once; later runs reuse it)`);
  const started = Date.now();
  // Build beside the target and rename, so an interrupted build never looks complete.
  const staging = `${target}.partial-${process.pid}`;
  mkdirSync(dirname(target), { recursive: true });
  const result = spawnSync(
    'go',
    [
      'build',
      '-trimpath',
      '-ldflags',
      `-s -w -X helm.sh/helm/v4/internal/version.version=${version}`,
      '-o',
      staging,
      'helm.sh/helm/v4/cmd/helm',
    ],
    { cwd: moduleDir, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CGO_ENABLED: '0' } },
  );
  if (result.error) throw new Error(`cannot run go (${result.error.message}): install Go to build Helm`);
  if (result.status !== 0) {
    rmSync(staging, { force: true });
    throw new Error(`go build helm failed (exit ${result.status ?? result.signal})`);
  }
  renameSync(staging, target);
  log(`built Helm in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return target;
}

if (import.meta.main) console.log(ensureHelm());
