// Backstage-style queries (filters over any field, ordering, facets, uids, ancestry) on every
// supported engine, over the example catalog.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFilterParams, parsePredicate } from '@portolan/core/catalog/backstage/index';
import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { uidOf } from '../../src/catalog/store/rows.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Database } from '../../src/db/database.ts';

const EXAMPLES = join(import.meta.dirname, '../../../../examples/catalog');
const names = (rows: { api: string }[]) =>
  rows.map((r) => (JSON.parse(r.api) as { metadata: { name: string } }).metadata.name);

describe.each(TEST_DATABASES)('Backstage-style catalog queries on $id', (engine) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  let catalog: CatalogService;
  const root = mkdtempSync(join(tmpdir(), 'portolan-bs-store-'));
  cpSync(EXAMPLES, join(root, 'catalog'), { recursive: true });

  beforeEach(async () => {
    ({ db, drop } = await engine.create());
    catalog = new CatalogService({
      db,
      logger: pino({ level: 'silent' }),
      baseDir: root,
      catalog: parseConfig(
        {
          catalog: {
            locations: [
              { type: 'file', target: './catalog/org/*.yaml' },
              { type: 'dir', target: './catalog/services' },
            ],
          },
        },
        'test',
      ).catalog,
    });
    await catalog.refresh();
  });
  afterEach(async () => {
    await drop?.();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('filters on any field, ORs filters, and orders with missing values last', async () => {
    const filter = parseFilterParams(['kind=component,spec.lifecycle=production', 'kind=api,spec.type=grpc']);
    const rows = await catalog.queryByFields({ query: { filter } });
    expect(names(rows)).toEqual(['search-api', 'checkout', 'checkout-web', 'search']);
    const ordered = await catalog.queryByFields({
      query: { filter: parseFilterParams(['kind=component']) },
      order: [{ field: 'metadata.title', order: 'desc' }],
    });
    // Search and Checkout have titles; the others follow, by ref.
    expect(names(ordered)).toEqual(['search', 'checkout', 'checkout-web', 'order-events-pipeline']);
    expect(await catalog.countByFields({ filter: parseFilterParams(['metadata.tags.java']) })).toBe(1);
    expect(
      names(
        await catalog.queryByFields({ query: { fullText: { term: 'ORDERS', fields: ['metadata.name'] } } }),
      ),
    ).toEqual(['orders-db']);
  });

  it('answers filter predicates: logic, $in, $exists, $hasPrefix (wildcards literal), $contains', async () => {
    const match = async (query: unknown) =>
      names(await catalog.queryByFields({ query: { predicate: parsePredicate(query) } })).sort();
    expect(await match({ kind: 'component', 'spec.lifecycle': { $in: ['PRODUCTION'] } })).toEqual([
      'checkout',
      'checkout-web',
      'search',
    ]);
    expect(
      await match({ $all: [{ kind: 'component' }, { $not: { 'spec.lifecycle': 'production' } }] }),
    ).toEqual(['order-events-pipeline']);
    expect(await match({ kind: 'api', 'metadata.name': { $hasPrefix: 'SEARCH' } })).toEqual([
      'search-api',
      'search-graph',
    ]);
    // A prefix is text, not a pattern: % and _ match only themselves.
    expect(await match({ 'metadata.name': { $hasPrefix: '%' } })).toEqual([]);
    expect(await match({ 'metadata.name': { $hasPrefix: 'checkout_' } })).toEqual([]);
    expect(await match({ $any: [] })).toEqual([]);
    expect(await match({ kind: 'component', 'spec.system': { $exists: false } })).toEqual(
      await match({ $all: [{ kind: 'component' }, { $not: { 'spec.system': { $exists: true } } }] }),
    );
    expect(
      await match({ relations: { $contains: { type: 'ownedBy', targetRef: 'group:default/search' } } }),
    ).toEqual(
      names(
        await catalog.queryByFields({
          query: { filter: parseFilterParams(['relations.ownedby=group:default/search']) },
        }),
      ).sort(),
    );
  });

  it('counts facets and finds entities by uid and their parent Location', async () => {
    const facets = await catalog.facets({ filter: parseFilterParams(['kind=component']) }, [
      'spec.lifecycle',
    ]);
    expect(facets['spec.lifecycle']).toEqual([
      { value: 'production', count: 3 },
      { value: 'experimental', count: 1 },
    ]);
    const byUid = await catalog.getByUid(uidOf('component:default/checkout'));
    expect(byUid?.entity.metadata.name).toBe('checkout');
    const chain = await catalog.ancestry('component:default/order-events-pipeline');
    expect(chain?.map((s) => s.entity.metadata.name)).toEqual(['order-events-pipeline', 'checkout-extra']);
  });

  it('keeps the field rows in step when a descriptor changes', async () => {
    const file = join(root, 'catalog/services/search/catalog-info.yaml');
    const before = (await catalog.get('component:default/search'))!;
    const query = { filter: parseFilterParams(['spec.lifecycle=deprecated']) };
    expect(await catalog.countByFields(query)).toBe(0);
    const { readFileSync } = await import('node:fs');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, original.replace(/lifecycle: production/, 'lifecycle: deprecated'));
      await catalog.refresh();
      expect(names(await catalog.queryByFields({ query }))).toEqual(['search']);
      const after = (await catalog.get('component:default/search'))!;
      expect(after.etag).not.toBe(before.etag);
    } finally {
      writeFileSync(file, original);
    }
  });
});
