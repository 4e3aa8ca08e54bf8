// Config files through the loader: a typo at any level is an error naming its path, its line and
// the key that was probably meant, never a setting silently left at its default.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@portolan/core/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { editDistance, nearest } from '../../src/config/nearest.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portolan-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The loader's error message for a file, or a failure when it loads. */
async function problemsOf(name: string, text: string): Promise<string> {
  const file = await configFile(name, text);
  try {
    loadConfig(file, {});
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error(`${name} loaded without error`);
}

describe('config typos', () => {
  it('names a mistyped database key by path and line, with the key meant', async () => {
    const file = await configFile('db.yaml', 'database:\n  client: sqlite\n  conection: ./x.sqlite\n');
    expect(() => loadConfig(file, {})).toThrow(
      `${file}:3:3: database.conection: unknown key; did you mean connection?`,
    );
  });

  it("names a cluster's mistyped region, through the list index", async () => {
    const message = await problemsOf(
      'cluster.yaml',
      [
        'kubernetes:',
        '  clusters:',
        '    - name: prod-eu-1',
        '      url: https://10.0.0.1:6443',
        '      auth: { type: serviceAccount }',
        '      regoin: europe-west1',
      ].join('\n'),
    );
    expect(message).toContain(':6:7: kubernetes.clusters[0].regoin: unknown key; did you mean region?');
  });

  it('is strict in every nested object: auth, kubeconfig, locations, placeholders, app, server', async () => {
    const message = await problemsOf(
      'nested.yaml',
      [
        'app: { titel: Mine }',
        'server: { prot: 7007 }',
        'catalog:',
        '  refreshIntervalSecond: 30',
        '  placeholders: { allowedHost: [example.com] }',
        '  locations:',
        '    - { type: file, target: ./x.yaml, orphan: keep }',
        'kubernetes:',
        '  kubeconfig: { context: [a] }',
        '  clusters:',
        '    - name: a',
        '      url: https://10.0.0.1:6443',
        '      auth: { type: token, tokenEnv: A_TOKEN, token: abc }',
      ].join('\n'),
    );
    for (const line of [
      'app.titel: unknown key; did you mean title?',
      'server.prot: unknown key; did you mean port?',
      'catalog.refreshIntervalSecond: unknown key; did you mean refreshIntervalSeconds?',
      'catalog.placeholders.allowedHost: unknown key; did you mean allowedHosts?',
      'catalog.locations[0].orphan: unknown key; did you mean orphans?',
      'kubernetes.kubeconfig.context: unknown key; did you mean contexts?',
      'kubernetes.clusters[0].auth.token: unknown key (known here: type, tokenEnv)',
    ])
      expect(message).toContain(line);
    // Never echo a value: an unknown key may well hold a secret.
    expect(message).not.toContain('abc');
  });

  it('suggests the nearest allowed value of a fixed set', async () => {
    const message = await problemsOf(
      'values.yaml',
      [
        'database: { client: sqlte }',
        'kubernetes:',
        '  clusters: [{ name: a, url: "https://10.0.0.1", auth: { type: tokn } }]',
      ].join('\n'),
    );
    expect(message).toContain('database.client: "sqlte" is not one of sqlite, pg; did you mean sqlite?');
    expect(message).toContain(
      'kubernetes.clusters[0].auth.type: "tokn" is not one of token, kubeconfig, serviceAccount; did you mean token?',
    );
  });

  it('lists the keys a level accepts when nothing is near', async () => {
    const message = await problemsOf('far.yaml', 'database:\n  replicas: 3\n');
    expect(message).toContain('database.replicas: unknown key (known here: client, connection)');
  });

  it('loads the bundled example config, which uses every top-level section but kubernetes', () => {
    const { config } = loadConfig(join(import.meta.dirname, '../../../../examples/portolan.yaml'), {});
    expect(config.catalog.locations).toHaveLength(2);
    expect(config.database.client).toBe('sqlite');
  });
});

describe('nearest known word', () => {
  it('counts edits, a swap of neighbours as one', () => {
    // Classic vectors: kitten/sitting (3), and the transposition case OSA scores 1 where
    // plain Levenshtein scores 2.
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('regoin', 'region')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests only what is close, ignoring case, earliest on a tie', () => {
    expect(nearest('conection', ['client', 'connection'])).toBe('connection');
    expect(nearest('CAFILE', ['caData', 'caFile'])).toBe('caFile');
    expect(nearest('replicas', ['client', 'connection'])).toBeUndefined();
    expect(nearest('ab', ['ac', 'ad'])).toBe('ac');
    expect(nearest('x', [])).toBeUndefined();
  });
});

describe("a cluster's watch scope (namespaces)", () => {
  const cluster = (namespaces: string) =>
    [
      'kubernetes:',
      '  clusters:',
      '    - name: prod-eu-1',
      '      url: https://10.0.0.1:6443',
      '      auth: { type: serviceAccount }',
      `      namespaces: ${namespaces}`,
    ].join('\n');

  it('is cluster-wide by default, and takes catalog or a list of namespaces', async () => {
    const scopeOf = async (name: string, text: string) =>
      loadConfig(await configFile(name, text), {}).config.kubernetes?.clusters[0]?.namespaces;
    expect(await scopeOf('default.yaml', cluster('all').replace(/\n {6}namespaces: all$/, ''))).toBe('all');
    expect(await scopeOf('catalog.yaml', cluster('catalog'))).toBe('catalog');
    expect(await scopeOf('list.yaml', cluster('[payments, search]'))).toEqual(['payments', 'search']);
  });

  it('refuses an unknown word, an empty list, a bad name and a repeated name, by path and line', async () => {
    expect(await problemsOf('word.yaml', cluster('namespaced'))).toContain(
      ':6:7: kubernetes.clusters[0].namespaces: "namespaced" is not a scope: use "all" (cluster-wide), "catalog" (the catalog services\' namespaces) or a list of namespaces',
    );
    expect(await problemsOf('empty.yaml', cluster('[]'))).toContain(
      'kubernetes.clusters[0].namespaces: an empty list watches nothing',
    );
    expect(await problemsOf('bad.yaml', cluster('[payments, Team_A]'))).toContain(
      'kubernetes.clusters[0].namespaces: "Team_A" is not a namespace name',
    );
    expect(await problemsOf('twice.yaml', cluster('[a, a]'))).toContain(
      'kubernetes.clusters[0].namespaces: "a" is listed twice',
    );
    expect(await problemsOf('number.yaml', cluster('7'))).toContain(
      'kubernetes.clusters[0].namespaces: use "all" (cluster-wide)',
    );
  });
});
