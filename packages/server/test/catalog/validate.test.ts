import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/validate.ts';

async function run(paths: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const code = await validateCommand(paths, { stdin: new PassThrough(), stdout, stderr });
  return { code, out: out.join(''), err: err.join('') };
}

describe('portolan catalog validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-validate-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    good,
    'apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: shop\nspec:\n  owner: payments\n',
  );
  writeFileSync(
    bad,
    'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Bad Name\nspec:\n  type: service\n  owner: x\n',
  );

  it('exits 0 and prints nothing for valid files', async () => {
    const { code, out, err } = await run([good]);
    expect(code).toBe(0);
    expect(out).toBe('');
    expect(err).toMatch(/1 valid entity, 0 problem/);
  });

  it('prints file:line:column: message for each problem and exits 1', async () => {
    const { code, out } = await run([good, bad, join(dir, 'missing.yaml')]);
    expect(code).toBe(1);
    expect(out.trim().split('\n')).toEqual([
      `${bad}:4:9: metadata.name: must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
      `${bad}:6:3: spec.lifecycle: is required`,
      `${join(dir, 'missing.yaml')}:1:1: no such file`,
    ]);
  });

  it('explains its usage without arguments', async () => {
    expect((await run([])).code).toBe(2);
  });
});
