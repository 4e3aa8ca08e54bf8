import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { aliasBomb } from '../../../../test/support/hostile.ts';
import { MAX_GLOB_MATCHES } from '../../src/catalog/collect.ts';
import { CatalogService, MAX_STORED_PROBLEMS } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { LocationConfig } from '../../src/config/schema.ts';
import type { Database } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';

const EXAMPLES = join(import.meta.dirname, '../../../../examples/catalog');
const logger = pino({ level: 'silent' });
const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec: ${spec}\n`;
const service = (name: string, owner = 'payments') =>
  doc('Component', name, `{ type: service, lifecycle: production, owner: ${owner} }`);

describe.each(TEST_DATABASES)('catalog store on $id', (engine) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  let root: string;
  const temps: string[] = [];

  beforeEach(async () => {
    ({ db, drop } = await engine.create());
    root = mkdtempSync(join(tmpdir(), 'portolan-catalog-'));
    temps.push(root);
  });
  afterEach(async () => {
    await drop?.();
    drop = undefined;
  });
  afterAll(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  const catalogFor = (locations: Partial<LocationConfig>[], rootDir = root) =>
    new CatalogService({
      db,
      logger,
      baseDir: rootDir,
      catalog: parseConfig({ catalog: { root: '.', locations } }, 'test').catalog,
    });
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('ingests the example descriptor tree with relations in both directions', async () => {
    cpSync(EXAMPLES, join(root, 'catalog'), { recursive: true });
    const catalog = catalogFor([
      { type: 'file', target: './catalog/org/*.yaml' },
      { type: 'dir', target: './catalog/services' },
    ]);
    const summary = await catalog.refresh();
    expect(summary).toMatchObject({ entities: 18, added: 18, removed: 0, problems: 0 });

    const checkout = await catalog.get('component:default/checkout');
    expect(checkout?.origin).toEqual({
      location: 'dir:./catalog/services',
      file: 'catalog/services/checkout/catalog-info.yaml',
      line: 10,
    });
    expect(checkout?.entity.relations).toEqual([
      { type: 'consumesApi', targetRef: 'api:default/search-api' },
      { type: 'dependsOn', targetRef: 'resource:default/orders-db' },
      { type: 'ownedBy', targetRef: 'group:default/payments' },
      { type: 'partOf', targetRef: 'system:default/shop' },
      { type: 'providesApi', targetRef: 'api:default/checkout-api' },
      { type: 'providesApi', targetRef: 'api:default/order-events' },
    ]);
    expect(checkout?.problems).toEqual([]);
    const api = await catalog.get('api:default/search-api');
    expect(api?.entity.relations).toContainEqual({
      type: 'apiConsumedBy',
      targetRef: 'component:default/checkout',
    });
    // A Location entity pulled in a file next to it.
    expect(await catalog.get('component:default/order-events-pipeline')).toBeDefined();

    const team = await catalog.team('group:default/payments');
    expect(team?.groups).toEqual(['group:default/payments', 'group:default/payments-web']);
    expect(team?.owned.map((e) => e.entity.metadata.name).sort()).toEqual([
      'checkout',
      'checkout-api',
      'checkout-web',
      'order-events',
      'order-events-pipeline',
      'orders-db',
      'shop',
    ]);
  });

  it('filters, searches and pages with cursors', async () => {
    write(
      'a.yaml',
      Array.from({ length: 25 }, (_, i) => service(`svc-${String(i).padStart(2, '0')}`)).join('---\n'),
    );
    write(
      'b.yaml',
      doc(
        'Component',
        'Web-Player',
        '{ type: website, lifecycle: experimental, owner: group:default/web, system: player }',
      ).replace(
        'name: Web-Player',
        'name: Web-Player\n  title: The Player\n  description: Plays 100% of tracks_fast\n  tags: [react, ui]',
      ),
    );
    const catalog = catalogFor([{ type: 'file', target: './*.yaml' }]);
    await catalog.refresh();

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await catalog.query({ kind: ['component'], type: ['service'] }, 10, cursor);
      expect(page.totalItems).toBe(25);
      pages.push(page.items.map((i) => i.entity.metadata.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(new Set(pages.flat()).size).toBe(25);

    const names = async (filter: Parameters<CatalogService['query']>[0]) =>
      (await catalog.query(filter, 100)).items.map((i) => i.entity.metadata.name);
    expect(await names({ owner: ['group:default/web'] })).toEqual(['Web-Player']);
    expect(await names({ lifecycle: ['experimental'] })).toEqual(['Web-Player']);
    expect(await names({ system: ['system:default/player'] })).toEqual(['Web-Player']);
    expect(await names({ tag: ['react'] })).toEqual(['Web-Player']);
    expect(await names({ q: 'PLAYER plays' })).toEqual(['Web-Player']);
    // LIKE wildcards in user text match literally.
    expect(await names({ q: '100%' })).toEqual(['Web-Player']);
    expect(await names({ q: 's_fast' })).toEqual(['Web-Player']);
    expect(await names({ q: '%' })).toEqual(['Web-Player']);
    expect(await names({ q: 'nothing-like-this' })).toEqual([]);
  });

  it('re-reads its locations on an interval', async () => {
    write('a.yaml', service('one'));
    const catalog = new CatalogService({
      db,
      logger,
      baseDir: root,
      catalog: parseConfig(
        { catalog: { refreshIntervalSeconds: 1, locations: [{ type: 'file', target: './a.yaml' }] } },
        'test',
      ).catalog,
    });
    catalog.start();
    try {
      await expect.poll(() => catalog.get('component:default/one'), { timeout: 5000 }).toBeDefined();
      write('a.yaml', service('two'));
      await expect
        .poll(() => catalog.get('component:default/two'), { timeout: 5000, interval: 200 })
        .toBeDefined();
      expect(await catalog.get('component:default/one')).toBeUndefined();
    } finally {
      catalog.stop();
    }
  });

  it('keeps search in step with changed and removed entities', async () => {
    const described = (name: string, words: string) =>
      service(name).replace(`name: ${name}`, `name: ${name}\n  description: ${words}`);
    write('a.yaml', [described('one', 'streams lyrics'), described('two', 'ranks podcasts')].join('---\n'));
    const catalog = catalogFor([{ type: 'file', target: './a.yaml' }]);
    await catalog.refresh();
    const found = async (q: string) =>
      (await catalog.query({ q }, 10)).items.map((i) => i.entity.metadata.name);
    expect(await found('lyrics')).toEqual(['one']);
    write('a.yaml', described('one', 'transcodes audio'));
    await catalog.refresh();
    expect(await found('lyrics')).toEqual([]);
    expect(await found('transcodes')).toEqual(['one']);
    expect(await found('podcasts')).toEqual([]);
  });

  // PostgreSQL only: SQLite has no GIN indexes.
  if (engine.id === 'pg')
    it('leaves no index entries pending after a refresh, for searches to read past', async () => {
      write('a.yaml', Array.from({ length: 300 }, (_, i) => service(`svc-${i}`)).join('---\n'));
      await catalogFor([{ type: 'file', target: './a.yaml' }]).refresh();
      // What each GIN index still had pending: merging again finds nothing to merge.
      const pending = await sql<{ index: string; pages: number }>`
      SELECT c.relname AS index, gin_clean_pending_list(c.oid)::int AS pages
      FROM pg_class c JOIN pg_am a ON a.oid = c.relam
      WHERE a.amname = 'gin' AND c.relkind = 'i' AND c.relnamespace = current_schema()::regnamespace`.execute(
        db,
      );
      expect(pending.rows.map((r) => r.index).sort()).toEqual(
        expect.arrayContaining([
          'catalog_entities_search_trgm',
          'search_documents_keys',
          'search_documents_words',
        ]),
      );
      expect(pending.rows.filter((r) => r.pages > 0)).toEqual([]);
    });

  it('writes nothing on a refresh where nothing changed', async () => {
    write('a.yaml', [service('one'), service('two')].join('---\n'));
    const catalog = catalogFor([{ type: 'file', target: './a.yaml' }]);
    await catalog.refresh();
    const again = await catalog.refresh();
    expect(again).toMatchObject({ entities: 2, added: 0, updated: 0, removed: 0, unchanged: 2 });
  });

  it('keeps the last good version when a file stops parsing, and shows the error', async () => {
    write('a.yaml', [service('one'), service('two')].join('---\n'));
    const catalog = catalogFor([{ type: 'file', target: './a.yaml' }]);
    await catalog.refresh();
    write('a.yaml', `${service('one')}---\nkind: [unclosed\n`);
    await catalog.refresh();
    const one = await catalog.get('component:default/one');
    expect(one?.problems[0]?.message).toMatch(/a\.yaml cannot be read right now .*last good version/);
    expect(await catalog.get('component:default/two')).toBeDefined();
    const problems = (await catalog.problems()).items;
    expect(problems).toEqual([expect.objectContaining({ file: 'a.yaml', line: 8, severity: 'error' })]);
    expect(problems[0]!.message).toMatch(/^YAML: /);
    // Fixed again: the error goes away.
    write('a.yaml', [service('one'), service('two')].join('---\n'));
    await catalog.refresh();
    const after = (await catalog.get('component:default/one'))?.problems ?? [];
    expect(after.filter((p) => p.severity === 'error')).toEqual([]);
    expect((await catalog.problems()).items).toEqual([]);
  });

  it('removes entities no longer emitted, or marks them orphan when the location keeps orphans', async () => {
    write('a/catalog-info.yaml', [service('one'), service('two')].join('---\n'));
    write('b/catalog-info.yaml', [service('three'), service('four')].join('---\n'));
    const catalog = catalogFor([
      { type: 'dir', target: './a' },
      { type: 'dir', target: './b', orphans: 'keep' },
    ]);
    await catalog.refresh();
    write('a/catalog-info.yaml', service('one'));
    write('b/catalog-info.yaml', service('three'));
    const summary = await catalog.refresh();
    expect(summary.removed).toBe(1);
    expect(await catalog.get('component:default/two')).toBeUndefined();
    const four = await catalog.get('component:default/four');
    expect(four?.status).toBe('orphan');
    expect(four?.problems[0]?.message).toMatch(/^orphan: no longer emitted by b\/catalog-info.yaml/);
  });

  it('keeps the first of two definitions from two locations and reports the conflict on both', async () => {
    write('first.yaml', service('dup', 'payments'));
    write('second.yaml', service('dup', 'search'));
    const catalog = catalogFor([
      { type: 'file', target: './first.yaml' },
      { type: 'file', target: './second.yaml' },
    ]);
    await catalog.refresh();
    const dup = await catalog.get('component:default/dup');
    expect(dup?.entity.spec?.owner).toBe('payments');
    expect(dup?.problems.map((p) => p.message)).toContainEqual(
      expect.stringContaining('also defined in second.yaml:1'),
    );
    expect((await catalog.problems()).items).toContainEqual(
      expect.objectContaining({
        file: 'second.yaml',
        message: expect.stringContaining('already defined in first.yaml:1'),
      }),
    );
  });

  it('reports bad input without stopping the rest of the catalog', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'portolan-outside-'));
    temps.push(outside);
    writeFileSync(join(outside, 'secret.yaml'), service('stolen'));
    write('good.yaml', service('good'));
    write('loop-a.yaml', doc('Location', 'loop-a', '{ target: ./loop-b.yaml }'));
    write('loop-b.yaml', doc('Location', 'loop-b', '{ target: ./loop-a.yaml }'));
    write(
      'escape.yaml',
      doc('Location', 'escape', `{ target: ../${outside.split('/').at(-1)}/secret.yaml }`),
    );
    symlinkSync(join(outside, 'secret.yaml'), join(root, 'link.yaml'));
    write('link-location.yaml', doc('Location', 'via-link', '{ target: ./link.yaml }'));
    write('big.yaml', `# ${'x'.repeat(1024 * 1024)}\n`);
    write('many.yaml', `${service('m')}${'---\n{}\n'.repeat(1000)}`);
    write(
      'invalid.yaml',
      `${doc('Component', 'no-owner', '{ type: service, lifecycle: production }')}---\nkind: Gadget\n`,
    );
    const catalog = catalogFor([
      { type: 'file', target: './good.yaml' },
      { type: 'file', target: './loop-a.yaml' },
      { type: 'file', target: './escape.yaml' },
      { type: 'file', target: './link-location.yaml' },
      { type: 'file', target: './big.yaml' },
      { type: 'file', target: './many.yaml' },
      { type: 'file', target: './invalid.yaml' },
      { type: 'file', target: '../elsewhere.yaml' },
      { type: 'dir', target: './missing-dir' },
    ]);
    const summary = await catalog.refresh();
    expect(await catalog.get('component:default/good')).toBeDefined();
    expect(await catalog.get('component:default/stolen')).toBeUndefined();
    expect(summary.entities).toBe(5); // good + 4 Location entities
    const messages = (await catalog.problems()).items.map((p) => `${p.file}:${p.line}: ${p.message}`);
    const expectMessage = (re: RegExp) =>
      expect(
        messages.some((m) => re.test(m)),
        `${re} in\n${messages.join('\n')}`,
      ).toBe(true);
    expectMessage(
      /^loop-b\.yaml:1: Location loops back to loop-a\.yaml \(loop-a\.yaml -> loop-b\.yaml -> loop-a\.yaml\)/,
    );
    expectMessage(/^escape\.yaml:1: target .*secret\.yaml is outside the catalog root/);
    expectMessage(
      /^link-location\.yaml:1: target .*link\.yaml is outside the catalog root \(through a symlink\)/,
    );
    expectMessage(/^big\.yaml:1: file is \d+ bytes; descriptor files may be at most 1048576 bytes/);
    expectMessage(/^many\.yaml:1: file has 1001 documents; at most 1000 are allowed/);
    expectMessage(/^invalid\.yaml:5: spec\.owner: is required/);
    expectMessage(/^invalid\.yaml:7: kind: unknown kind "Gadget"/);
    expectMessage(
      /^\.\.\/elsewhere\.yaml:1: location file:\.\.\/elsewhere\.yaml: .*outside the catalog root|does not exist/,
    );
    expectMessage(/^\.\/missing-dir:1: location dir:\.\/missing-dir: does not exist/);
  });

  it('reads catalog-info.yaml files from a local git repository at a revision', async () => {
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'svc'), { recursive: true });
    writeFileSync(join(repo, 'svc', 'catalog-info.yaml'), service('from-git'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        stdio: 'ignore',
      });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'one');
    // Uncommitted changes are not what the repository says.
    writeFileSync(join(repo, 'svc', 'catalog-info.yaml'), service('uncommitted'));
    const catalog = catalogFor([{ type: 'git', target: './repo#main' }]);
    await catalog.refresh();
    const entity = await catalog.get('component:default/from-git');
    expect(entity?.origin.file).toBe('repo#main:svc/catalog-info.yaml');
    expect(await catalog.get('component:default/uncommitted')).toBeUndefined();
  });
  it('stores an alias bomb as a problem of its file, next to the entities of the others', async () => {
    write('good.yaml', service('good'));
    write('bomb.yaml', aliasBomb(10));
    const catalog = catalogFor([{ type: 'file', target: './*.yaml' }]);
    const started = performance.now();
    const summary = await catalog.refresh();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(summary.entities).toBe(1);
    expect(await catalog.get('component:default/good')).toBeDefined();
    expect(await catalog.get('component:default/bomb')).toBeUndefined();
    expect((await catalog.problems()).items).toEqual([
      expect.objectContaining({
        file: 'bomb.yaml',
        line: 1,
        message: expect.stringMatching(/^YAML: expands to more than 1048576 bytes/),
      }),
    ]);
  });

  it('checks the root before expanding a glob, and names nothing found outside it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'portolan-outside-'));
    temps.push(outside);
    for (const name of ['secret-one.yaml', 'secret-two.yaml']) writeFileSync(join(outside, name), 'x: [');
    const away = `../${outside.split('/').at(-1)}`;
    symlinkSync(outside, join(root, 'linked'));
    const targets = [
      `${away}/*.yaml`,
      `${outside}/*.yaml`,
      '../**/*.yaml',
      '{..,x}/*.yaml',
      `*/../${away}/*`,
      './linked/*.yaml',
    ];
    write('probe.yaml', doc('Location', 'probe', JSON.stringify({ targets })));
    const catalog = catalogFor([{ type: 'file', target: './probe.yaml' }]);
    await catalog.refresh();
    const problems = (await catalog.problems()).items;
    const text = JSON.stringify(problems);
    expect(text).not.toContain('secret-');
    expect(text).not.toContain(root);
    // Each target that leads out is refused as written, before anything is listed.
    expect(problems.map((p) => p.message).sort()).toEqual(
      targets.map((t) => `target ${t} is outside the catalog root`).sort(),
    );
  });

  it('refuses a glob that matches too many files, and keeps a bounded number of problems', async () => {
    mkdirSync(join(root, 'many'));
    for (let i = 0; i <= MAX_GLOB_MATCHES; i++) writeFileSync(join(root, 'many', `f${i}.txt`), '');
    mkdirSync(join(root, 'bad'));
    for (let i = 0; i < MAX_STORED_PROBLEMS + 5; i++)
      writeFileSync(join(root, 'bad', `b${String(i).padStart(4, '0')}.yaml`), 'x: [');
    const catalog = catalogFor([
      { type: 'file', target: './many/*' },
      { type: 'file', target: './bad/*.yaml' },
    ]);
    const summary = await catalog.refresh();
    expect(summary.problems).toBe(MAX_STORED_PROBLEMS + 6);
    const first = await catalog.problems(10);
    expect(first.totalItems).toBe(MAX_STORED_PROBLEMS + 1);
    const all = [...first.items];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await catalog.problems(300, cursor);
      all.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(all).toHaveLength(MAX_STORED_PROBLEMS + 1);
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    expect(all.map((p) => p.message)).toContain(
      `6 more problems were found and not kept (at most ${MAX_STORED_PROBLEMS} are); fix these first`,
    );
    expect(all.map((p) => p.message)).toContain(
      `location file:./many/*: ./many/* matches more than ${MAX_GLOB_MATCHES} files; narrow the glob`,
    );
    // The same pages over HTTP, with the one error body for a bad cursor.
    const app = await createApp({ logger, catalog });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/catalog/problems?limit=2' });
      const body = res.json() as { items: unknown[]; totalItems: number; pageInfo: { nextCursor: string } };
      expect(body.items).toHaveLength(2);
      expect(body.totalItems).toBe(MAX_STORED_PROBLEMS + 1);
      const next = await app.inject({
        method: 'GET',
        url: `/api/catalog/problems?limit=2&cursor=${body.pageInfo.nextCursor}`,
      });
      expect(next.json().items).toEqual(all.slice(2, 4));
      const bad = await app.inject({ method: 'GET', url: '/api/catalog/problems?cursor=nope' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.name).toBe('InputError');
    } finally {
      await app.close();
    }
  });

  it('never passes a revision to git as an option, and shows git errors without host paths', async () => {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'catalog-info.yaml'), service('from-git'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        stdio: 'ignore',
      });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'one');
    const written = join(root, 'written-by-git');
    const catalog = catalogFor([
      { type: 'git', target: `./repo#--output=${written}` },
      { type: 'git', target: './repo#no-such-branch' },
    ]);
    await catalog.refresh();
    expect(existsSync(written)).toBe(false);
    const messages = (await catalog.problems()).items.map((p) => p.message);
    expect(messages).toContain(
      // Paths under the root are shown relative to it, wherever they occur.
      `location git:./repo#--output=${written}: "--output=written-by-git" is not a revision Portolan reads (a branch, tag or commit)`,
    );
    const unknown = messages.find((m) => m.startsWith('location git:./repo#no-such-branch: git: '));
    expect(unknown, messages.join('\n')).toBeDefined();
    expect(unknown).not.toContain(root);
    expect(unknown).not.toContain('Command failed');
    expect(unknown).not.toContain('ls-tree');
  });
});
