import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Every module file a fresh Node process loads for `script`, as URLs. */
function loadedModules(script: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-modules-'));
  const out = join(dir, 'modules.json');
  const result = spawnSync(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      '--input-type=module',
      '-e',
      `
      import { registerHooks } from 'node:module';
      import { writeFileSync } from 'node:fs';
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
      process.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify(seen)));
      ${script}
      `,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 80_000 },
  );
  try {
    return JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    throw new Error(`no module list: ${result.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The simulated fleet is for `portolan demo` and the benchmarks; a real portal never loads it.
// Each case starts a Node process that loads the whole server: slow on a busy machine.
describe('the simulated fleet is loaded only by the demo', { timeout: 90_000 }, () => {
  it('is not in the module graph of the portal or of `portolan serve`', () => {
    const urls = loadedModules(
      `await import('./packages/server/src/portal.ts'); process.argv = [process.argv[0], 'x', 'help']; await import('./packages/server/src/cli/main.ts');`,
    );
    expect(urls.some((u) => u.includes('/packages/server/src/portal.ts'))).toBe(true);
    expect(urls.filter((u) => u.includes('/packages/sim/'))).toEqual([]);
  });

  it('is loaded by the demo command', () => {
    const urls = loadedModules(`await import('./packages/server/src/cli/demo.ts');`);
    expect(urls.some((u) => u.includes('/packages/sim/'))).toBe(true);
  });
});
