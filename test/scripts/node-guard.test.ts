import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const RUN = join(import.meta.dirname, '../../scripts/run.mjs');

// The README's commands go through scripts/run.mjs; on an old Node it must stop before doing
// anything, with instructions instead of a stack trace. The old version is faked in-process.
function runAs(version: string) {
  return spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `Object.defineProperty(process.versions, 'node', { value: '${version}' }); await import(${JSON.stringify(RUN)});`,
      'help',
    ],
    { encoding: 'utf8' },
  );
}

describe('the Node version guard', () => {
  it('stops on Node 20 with a message that says how to get Node 24', () => {
    const result = runAs('20.11.1');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Portolan needs Node.js 24 or newer; this is Node.js 20.11.1.');
    // Without --force, npm stops with EEXIST where the system's packages installed node.
    expect(result.stderr).toContain('npm install -g --force node@24');
    expect(result.stderr).toMatch(/replaces its node binary/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('lets Node 24 through to the command', () => {
    const result = runAs(process.versions.node);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:');
  });
});
