import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

  it('escapes control and bidi characters that a descriptor puts into its messages', async () => {
    const hostile = join(dir, 'hostile.yaml');
    writeFileSync(
      hostile,
      'apiVersion: backstage.io/v1alpha1\nkind: "Gadget\\e]0;pwned\\a\\u202E\\u2028"\nmetadata:\n  name: x\n',
    );
    const { code, out } = await run([hostile]);
    expect(code).toBe(1);
    expect(out).not.toMatch(/[\u0007\u001b\u202e\u2028]/);
    expect(out).toContain('unknown kind "Gadget\\u001b]0;pwned\\u0007\\u202e\\u2028"');
  });

  it('explains its usage without arguments', async () => {
    expect((await run([])).code).toBe(2);
  });
});

describe('portolan catalog validate on folders, globs, and for CI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-validate-tree-'));
  const doc = (kind: string, name: string, spec: string) =>
    `apiVersion: backstage.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec: ${spec}\n`;
  mkdirSync(join(dir, 'a/deep'), { recursive: true });
  mkdirSync(join(dir, 'b'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/x'), { recursive: true });
  writeFileSync(join(dir, 'a/catalog-info.yaml'), doc('Group', 'team', '{ type: team, children: [] }'));
  writeFileSync(
    join(dir, 'a/deep/catalog-info.yaml'),
    `${doc('Component', 'svc', '{ type: service, lifecycle: production, owner: team }')}---\n${doc(
      'API',
      'svc-api',
      '{ type: openapi, lifecycle: production, owner: ghost, definition: { $text: https://specs.example.com/x.yaml } }',
    )}`,
  );
  // Defined again under b/, which sorts later: this definition loses, and is reported once.
  writeFileSync(
    join(dir, 'b/other.yaml'),
    doc('Component', 'svc', '{ type: website, lifecycle: production, owner: team }'),
  );
  // Not a descriptor (no apiVersion): a folder walk skips it instead of reporting it.
  writeFileSync(join(dir, 'b/openapi.yaml'), 'openapi: 3.0.0\npaths: {}\n');
  writeFileSync(join(dir, 'node_modules/x/catalog-info.yaml'), 'not: [valid');

  it('reads every descriptor below a folder together, reporting a conflict once on the losing definition', async () => {
    const { code, out, err } = await run(['--root', dir, dir]);
    expect(code).toBe(1);
    expect(out.trim().split('\n')).toEqual([
      `${join(dir, 'a/deep/catalog-info.yaml')}:11:73: warning: $text https://specs.example.com/x.yaml: not fetched, specs.example.com is not in catalog.placeholders.allowedHosts; kept as a reference`,
      `${join(dir, 'b/other.yaml')}:1:1: component:default/svc is already defined in ${join(dir, 'a/deep/catalog-info.yaml')}:1 (location validate); this definition is ignored`,
    ]);
    expect(err).toMatch(/^3 file\(s\), 3 valid entities, 1 problem\(s\)/);
  });

  it('reports dangling references with --refs, and expands globs', async () => {
    const { code, out } = await run(['--refs', '--root', dir, join(dir, 'a/**/*.yaml')]);
    expect(code).toBe(0);
    expect(out).toContain(
      `${join(dir, 'a/deep/catalog-info.yaml')}:7:1: warning: spec.owner: group:default/ghost does not exist in the catalog`,
    );
    expect((await run([join(dir, 'nothing/*.yaml')])).out).toBe(
      `${join(dir, 'nothing/*.yaml')}:1:1: no such file\n`.replace('no such file', 'no file matches'),
    );
  });

  it('prints JSON, and GitHub annotations with escaped properties', async () => {
    const json = JSON.parse((await run(['--format', 'json', '--root', dir, dir])).out) as {
      entities: number;
      errors: number;
      problems: { file: string; line: number; severity: string }[];
    };
    expect(json).toMatchObject({ entities: 3, errors: 1 });
    expect(json.problems.map((p) => [p.severity, p.line])).toEqual([
      ['warning', 11],
      ['error', 1],
    ]);
    const github = (await run(['--format', 'github', '--root', dir, join(dir, 'b')])).out;
    expect(github).toBe('');
    const bad = join(dir, 'b/bad,name.yaml');
    writeFileSync(bad, doc('Component', 'x', '{ type: service, owner: team }'));
    const annotated = await run(['--format', 'github', bad]);
    expect(annotated.code).toBe(1);
    expect(annotated.out).toMatch(
      /^::error file=[^,]*bad%2Cname\.yaml,line=5,col=7::spec\.lifecycle: is required\n$/,
    );
  });
});
