// The test command: every tier a user needs to trust a change, in order, failing fast.
//   npm test                 typecheck, lint, unit, store, integration, e2e
//   npm test -- unit store   only the named tiers
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binDir } from '../test/cluster/build.ts';
import { ensureHelm } from '../test/helm/build.ts';
import { ensurePostgres } from '../test/support/postgres.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = ['typecheck', 'lint', 'unit', 'store', 'integration', 'e2e'] as const;
type Tier = (typeof ALL)[number];

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  return result.status ?? 1;
}

/**
 * PATH with the test fleet's binaries first, once built: its kubectl is the pinned release the
 * fleet runs, so the kubectl suite drives that one rather than whatever the machine has.
 */
function testPath(): NodeJS.ProcessEnv {
  const bin = binDir();
  return existsSync(join(bin, 'kubectl')) ? { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` } : {};
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const reportDir = mkdtempSync(join(tmpdir(), 'portolan-test-'));

/** Runs one vitest project and adds its counts to the totals printed at the end. */
function vitest(project: string, env: NodeJS.ProcessEnv = {}): number {
  const report = join(reportDir, `${project}.json`);
  const status = sh(
    'npx',
    [
      'vitest',
      'run',
      '--project',
      project,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    { ...testPath(), ...env },
  );
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
  }
  return status;
}

const fleetScript = join(root, 'test/cluster/fleet.ts');
const node = (script: string, ...args: string[]) =>
  sh(process.execPath, ['--disable-warning=ExperimentalWarning', script, ...args]);

async function runTier(tier: Tier): Promise<number> {
  switch (tier) {
    case 'typecheck':
      return sh('npm', ['run', '--silent', 'typecheck']);
    case 'lint':
      return sh('npx', ['biome', 'check', '--error-on-warnings', '.']);
    case 'unit':
      return vitest('unit');
    case 'store':
      return vitest('store', { PORTOLAN_TEST_PG_URL: await ensurePostgres() });
    case 'integration': {
      if (!existsSync(fleetScript)) return vitest('integration');
      // The chart's tests run Helm, built once from the Go module proxy like the fleet.
      const helm = ensureHelm();
      const clusters = process.env.PORTOLAN_FLEET_CLUSTERS ?? '3';
      if (node(fleetScript, 'up', clusters) !== 0) {
        node(fleetScript, 'down');
        return 1;
      }
      try {
        return vitest('integration', {
          PORTOLAN_FLEET_KUBECONFIG: join(root, '.fleet/kubeconfig'),
          PORTOLAN_HELM: helm,
        });
      } finally {
        node(fleetScript, 'down');
      }
    }
    case 'e2e':
      return vitest('e2e');
  }
}

const requested = process.argv.slice(2);
const unknown = requested.filter((t) => !(ALL as readonly string[]).includes(t));
if (unknown.length > 0) {
  console.error(`unknown test tier: ${unknown.join(', ')} (tiers: ${ALL.join(', ')})`);
  process.exit(2);
}
const tiers = requested.length > 0 ? (requested as Tier[]) : [...ALL];
const results: string[] = [];
for (const tier of tiers) {
  const started = Date.now();
  console.log(`\n=== ${tier} ===`);
  const status = await runTier(tier);
  results.push(
    `${tier}: ${status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (status !== 0) break;
}
rmSync(reportDir, { recursive: true, force: true });
const failed = results.some((r) => r.includes('FAILED'));
console.log(`\n${results.join('\n')}`);
// The closing line CI reads: every test of every tier that ran.
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed ? 1 : 0);
