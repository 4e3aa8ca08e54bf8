import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SearchPage, SearchResult } from '@portolan/core/search/results';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Database } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';
import { querySearch } from '../../src/search/store.ts';

const logger = pino({ level: 'silent' });

const OPENAPI = `openapi: 3.0.3
info: { title: Payments, version: '1' }
paths:
  /refunds/{id}:
    get:
      summary: Look up a refund
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /payments:
    post:
      summary: Charge a card
      responses: { '201': { description: created } }
`;
const ASYNCAPI = `asyncapi: 2.6.0
info: { title: Orders, version: '1' }
channels:
  orders.refunded:
    subscribe:
      message: { name: OrderRefunded, summary: A refund was issued, payload: { type: object } }
`;

function descriptors(opts: { workerDescription?: string; apiOwner?: string } = {}) {
  const indent = (text: string) => text.replace(/^/gm, '      ');
  return `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: refund-worker
  title: Refund worker
  description: ${opts.workerDescription ?? 'Pays money back in batches'}
  tags: [batch]
spec: { type: worker, lifecycle: production, owner: team-b }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: payments-api, description: The payments HTTP API }
spec:
  type: openapi
  lifecycle: production
  owner: ${opts.apiOwner ?? 'team-a'}
  definition: |
${indent(OPENAPI)}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: orders-events }
spec:
  type: asyncapi
  lifecycle: production
  owner: team-b
  definition: |
${indent(ASYNCAPI)}
`;
}

// In a folder of its own: a mkdocs.yml beside a descriptor gives its entities docs.
const PAYMENTS = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  description: Takes card payments
  annotations: { backstage.io/techdocs-ref: 'dir:.' }
spec: { type: service, lifecycle: production, owner: team-a, providesApis: [payments-api] }
`;

describe.each(TEST_DATABASES)('search on $id', (engine) => {
  let root: string;
  let db: Database;
  let drop: () => Promise<void>;
  let catalog: CatalogService;
  let app: FastifyInstance;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const search = async (query: string): Promise<SearchPage> => {
    const res = await app.inject({ method: 'GET', url: `/api/search?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as SearchPage;
  };
  const marked = (h: { text: string; ranges: [number, number][] }) =>
    h.ranges.map(([s, e]) => h.text.slice(s, e));

  beforeEach(async () => {
    const created = await engine.create();
    db = created.db;
    drop = created.drop;
    root = mkdtempSync(join(tmpdir(), 'portolan-search-'));
    write('catalog-info.yaml', descriptors());
    write('payments/catalog-info.yaml', PAYMENTS);
    write(
      'payments/mkdocs.yml',
      'site_name: Payments\nnav:\n  - Home: index.md\n  - Refunds: guide/refunds.md\n',
    );
    write('payments/docs/index.md', '# Payments\n\nCharges cards for every shop.\n');
    write(
      'payments/docs/guide/refunds.md',
      '# Refunds\n\nA refund is paid back within five days. <b onclick="x()">Bold</b> text stays text.\n',
    );
    const config = parseConfig({ catalog: { locations: [{ type: 'dir', target: '.' }] } }, 'test');
    catalog = new CatalogService({ db, logger, baseDir: root, catalog: config.catalog });
    await catalog.refresh();
    app = await createApp({ logger, catalog });
  });

  afterEach(async () => {
    await app.close();
    await drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('finds entities, docs pages and API operations and channels, with a count per facet', async () => {
    const page = await search('q=refund');
    const found = page.items.map((r) => [r.hit, r.ref, r.target]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['entity', 'component:default/refund-worker', null],
        ['docs', 'component:default/payments', 'guide/refunds'],
        ['operation', 'api:default/payments-api', 'GET /refunds/{id}'],
        ['operation', 'api:default/orders-events', 'SUBSCRIBE orders.refunded'],
      ]),
    );
    expect(page.totalItems).toBe(page.items.length);
    expect(page.facets.hit).toEqual(
      expect.arrayContaining([
        { value: 'entity', count: 1 },
        { value: 'docs', count: 1 },
        { value: 'operation', count: 2 },
      ]),
    );
    expect(page.facets.kind).toEqual([
      { value: 'api', count: 2 },
      { value: 'component', count: 2 },
    ]);
    expect(page.facets.owner).toEqual(
      [
        { value: 'group:default/team-b', count: 2 },
        { value: 'group:default/team-a', count: 2 },
      ].sort((a, b) => a.value.localeCompare(b.value)),
    );
    expect(page.facets.type.map((t) => t.value).sort()).toEqual(['asyncapi', 'openapi', 'service', 'worker']);
  });

  it('ranks a title equal to the query first, then titles starting with it, then titles holding it', async () => {
    expect((await search('q=refund+worker')).items[0]).toMatchObject({
      hit: 'entity',
      ref: 'component:default/refund-worker',
    });
    const page = await search('q=payments');
    expect(page.items.slice(0, 3).map((r) => [r.hit, r.title.text])).toEqual([
      ['entity', 'payments'], // equal
      ['entity', 'payments-api'], // starts with it
      ['operation', 'POST /payments'], // holds it
    ]);
    // What only mentions the term in its text comes last: the docs page titled Home.
    expect(page.items.slice(3).map((r) => [r.hit, r.title.text, r.title.ranges])).toEqual([
      ['docs', 'Home', []],
    ]);
  });

  it('highlights the terms as ranges over plain text, whatever their case', async () => {
    const page = await search('q=REFUND+back');
    const docs = page.items.find((r) => r.hit === 'docs')!;
    expect(marked(docs.title)).toEqual(['Refund']);
    expect(marked(docs.snippet).map((m) => m.toLowerCase())).toEqual(['refund', 'refund', 'back']);
    // The page's markup is gone: its text is what was indexed, tags and handlers are not.
    expect(docs.snippet.text).not.toMatch(/<b|onclick/);
    expect(docs.snippet.text).toContain('Bold text stays text');
  });

  it('narrows by kind, owner, type and result kind; each facet still counts the others', async () => {
    const byOwner = await search('q=refund&owner=team-b');
    expect(byOwner.items.every((r) => r.owner === 'group:default/team-b')).toBe(true);
    expect(byOwner.items.map((r) => r.ref).sort()).toEqual([
      'api:default/orders-events',
      'component:default/refund-worker',
    ]);
    expect(byOwner.facets.owner.map((o) => o.value)).toContain('group:default/team-a');
    const ops = await search('q=refund&hit=operation&kind=api');
    expect(ops.items.map((r) => r.target).sort()).toEqual(['GET /refunds/{id}', 'SUBSCRIBE orders.refunded']);
    expect(ops.totalItems).toBe(2);
    const docs = await search('q=refund&hit=docs');
    expect(docs.items.map((r) => r.target)).toEqual(['guide/refunds']);
    expect(docs.facets.hit).toEqual(
      expect.arrayContaining([
        { value: 'entity', count: 1 },
        { value: 'operation', count: 2 },
      ]),
    );
    const typed = await search('q=refund&type=openapi');
    expect(typed.items.map((r) => r.target)).toEqual(['GET /refunds/{id}']);
  });

  it('pages through every result once with the cursor', async () => {
    const all = await search('q=pay&limit=100');
    expect(all.totalItems).toBeGreaterThan(3);
    const seen: SearchResult[] = [];
    let cursor: string | undefined;
    do {
      const page = await search(`q=pay&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((r) => r.id)).toEqual(all.items.map((r) => r.id));
  });

  it('follows the catalog: changed descriptions, owners and docs, and removed entities', async () => {
    expect((await search('q=nightly')).totalItems).toBe(0);
    write('catalog-info.yaml', descriptors({ workerDescription: 'Runs nightly', apiOwner: 'team-b' }));
    write('payments/docs/guide/refunds.md', '# Refunds\n\nRefunds are settled nightly.\n');
    await catalog.refresh();
    const nightly = await search('q=nightly');
    expect(nightly.items.map((r) => [r.hit, r.ref]).sort()).toEqual([
      ['docs', 'component:default/payments'],
      ['entity', 'component:default/refund-worker'],
    ]);
    expect((await search('q=batches')).totalItems).toBe(0);
    // The API's operations carry its new owner.
    const ops = await search('q=refund&hit=operation&owner=team-b');
    expect(ops.items.map((r) => r.target).sort()).toEqual(['GET /refunds/{id}', 'SUBSCRIBE orders.refunded']);
    write('catalog-info.yaml', descriptors().split('---\n').slice(0, 3).join('---\n'));
    await catalog.refresh();
    expect((await search('q=refund&hit=operation')).totalItems).toBe(0);
    expect((await search('q=refund')).items.map((r) => r.ref)).not.toContain('api:default/payments-api');
  });

  it('builds the index of a catalog stored before search existed, once', async () => {
    await db.deleteFrom('portolan_state').where('key', '=', 'search_index_version').execute();
    await db.deleteFrom('search_documents').execute();
    expect((await search('q=refund')).totalItems).toBe(0);
    await catalog.refresh(); // nothing changed in the files
    expect((await search('q=refund')).totalItems).toBe(4);
  });

  it('matches titles and names by substring, and text by the start of its words', async () => {
    // "within" is in the refunds page's text: a word's start finds it, its middle does not.
    expect((await search('q=with&hit=docs')).items.map((r) => r.target)).toEqual(['guide/refunds']);
    expect((await search('q=ithin')).totalItems).toBe(0);
    // "efund" is inside the page's title "Refunds", and a title is matched anywhere.
    expect((await search('q=efund&hit=docs')).items.map((r) => r.target)).toEqual(['guide/refunds']);
    // A term of several words matches when each starts a word of the text: "five-day" here.
    expect((await search('q=five-day&hit=docs')).items.map((r) => r.target)).toEqual(['guide/refunds']);
    // The marks in a snippet are where words start, as matched.
    const page = await search('q=back&hit=docs');
    expect(marked(page.items[0]!.snippet)).toEqual(['back']);
  });

  it('finds a row once, whether its terms are in its names, its text or both', async () => {
    // refund-worker has "refund" in its name only and "back" in its text only; the refunds page
    // has both terms in its text and "refund" in its title as well.
    const page = await search('q=refund+back');
    expect(page.items.map((r) => [r.hit, r.title.text])).toEqual([
      ['entity', 'Refund worker'],
      ['docs', 'Refunds'],
    ]);
    expect(page.totalItems).toBe(2);
    expect(page.facets.hit).toEqual([
      { value: 'docs', count: 1 },
      { value: 'entity', count: 1 },
    ]);
  });

  it('matches short and wildcard terms literally', async () => {
    expect((await search('q=%25')).totalItems).toBe(0);
    expect((await search('q=_')).totalItems).toBe(0);
    const two = await search('q=ca');
    expect(two.items.map((r) => r.title.text)).toContain('POST /payments'); // "Charge a card"
  });

  it('past the cap, ranks the best candidates, titles first, and flags totals and counts as lower bounds', async () => {
    // "pay" is in three titles (payments, payments-api, POST /payments) and only in the text of
    // two rows, one an entity (refund-worker: "Pays money back") that outweighs an operation.
    const filter = { terms: ['pay'] };
    const full = await querySearch({ db, filter, limit: 10 });
    expect(full.totalItems).toBe(5);
    expect(full.totalIsLowerBound).toBeUndefined();
    expect(full.facets.hit.some((c) => c.isLowerBound)).toBe(false);
    const titledIds = full.rows.slice(0, 3).map((r) => r.id);
    expect(
      full.rows
        .slice(0, 3)
        .map((r) => r.title)
        .sort(),
    ).toEqual(['POST /payments', 'payments', 'payments-api']);

    // A cap the matches exactly fill changes nothing.
    expect(await querySearch({ db, filter, limit: 10, cap: 5 })).toEqual(full);

    // Capped at three: the three title matches are kept, in the same order; the text-only
    // entity is the one dropped, though it outranks an operation by kind.
    const capped = await querySearch({ db, filter, limit: 10, cap: 3 });
    expect(capped.rows.map((r) => r.id)).toEqual(titledIds);
    expect(capped.totalItems).toBe(3);
    expect(capped.totalIsLowerBound).toBe(true);
    for (const counts of Object.values(capped.facets))
      for (const c of counts) expect(c.isLowerBound, c.value).toBe(true);
    const sum = capped.facets.hit.reduce((n, c) => n + c.count, 0);
    expect(sum).toBe(3);

    // A filter is applied before the cap: the one docs page is found, and its total is exact.
    const docs = await querySearch({ db, filter: { ...filter, hit: ['docs'] }, limit: 10, cap: 3 });
    expect(docs.rows.map((r) => [r.hit, r.title])).toEqual([['docs', 'Home']]);
    expect(docs.totalItems).toBe(1);
    expect(docs.totalIsLowerBound).toBeUndefined();

    // The API says so, and says nothing of bounds for a narrow query.
    const narrow = await search('q=refund');
    expect(narrow.totalIsLowerBound).toBeUndefined();
    expect(narrow.facets.hit.every((c) => c.isLowerBound === undefined)).toBe(true);
  });

  // PostgreSQL only: statements are prepared there.
  if (engine.id === 'pg')
    it('plans the ranking once per connection, and answers the same every time', async () => {
      const filter = { terms: ['pay'] };
      const first = await querySearch({ db, filter, limit: 10 });
      await db.connection().execute(async (conn) => {
        const prepared = async () =>
          (
            await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(conn)
          ).rows.filter((r) => r.statement.includes('/* prepare */'));
        for (let i = 0; i < 7; i++) expect(await querySearch({ db: conn, filter, limit: 10 })).toEqual(first);
        // Another query with as many terms is the same statement; more terms, another one.
        expect(
          (await querySearch({ db: conn, filter: { terms: ['refund'] }, limit: 10 })).totalItems,
        ).toBeGreaterThan(0);
        expect(await prepared()).toHaveLength(1);
        await querySearch({ db: conn, filter: { terms: ['pay', 'back'] }, limit: 10 });
        expect(await prepared()).toHaveLength(2);
      });
    });

  it('refuses bad parameters with the one error body', async () => {
    for (const query of ['hit=pages', 'q=a%00b', 'limit=0', 'cursor=nope']) {
      const res = await app.inject({ method: 'GET', url: `/api/search?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.name).toBe('InputError');
    }
  });
});
