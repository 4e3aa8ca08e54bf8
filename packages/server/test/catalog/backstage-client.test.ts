// Backstage's own published client (@backstage/catalog-client), pointed at a Portolan server on
// 127.0.0.1 that reads the example catalog; every answer is compared with what Portolan's own
// catalog API says about the same entities.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG_FILTER_EXISTS, CatalogClient } from '@backstage/catalog-client';
import { evaluateFilterPredicate, type FilterPredicate } from '@backstage/filter-predicates';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';
import { signedInGuard, tokenFor } from '../auth/support.ts';

const EXAMPLES = join(import.meta.dirname, '../../../../examples');
const LOCATIONS = [
  { type: 'file', target: './catalog/org/*.yaml' },
  { type: 'dir', target: './catalog/services' },
];

interface ApiEntity {
  kind: string;
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}
const refOf = (e: { kind: string; metadata: { namespace?: string; name: string } }) =>
  `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`.toLowerCase();

async function startServer(baseDir: string, extra: Record<string, unknown> = {}, signedIn = false) {
  const db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
  const config = parseConfig({ catalog: { locations: LOCATIONS, ...extra } }, 'test');
  const logger = pino({ level: 'silent' });
  const catalog = new CatalogService({ db, logger, baseDir, catalog: config.catalog });
  await catalog.refresh();
  // Location writes are an admin's: that server signs requests in, and accepts its loopback Host.
  const guard = signedIn
    ? signedInGuard({ db, catalog, logger, admins: ['payments'], allowedHosts: ['127.0.0.1'] })
    : undefined;
  const app = await createApp({ logger, catalog, ...(guard ? { guard } : {}) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new CatalogClient({ discoveryApi: { getBaseUrl: async () => `${url}/api/catalog` } });
  return { db, app, url, client };
}

describe('@backstage/catalog-client against Portolan', () => {
  let app: FastifyInstance;
  let db: Database;
  let url: string;
  let client: CatalogClient;
  /** Every entity, from Portolan's own list. */
  let all: ApiEntity[];
  const own = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const ownList = async (query: string) =>
    (await own<{ items: ApiEntity[] }>(`/api/catalog/entities?limit=500&${query}`)).items;

  beforeAll(async () => {
    ({ db, app, url, client } = await startServer(EXAMPLES));
    all = await ownList('');
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it('getEntities with no arguments returns every entity, as Portolan lists them', async () => {
    const { items } = await client.getEntities();
    expect(all).toHaveLength(18);
    expect(items).toEqual(all);
    for (const e of items as ApiEntity[]) expect(e.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    // Portolan's own list without parameters still answers in its own shape.
    const plain = await own<{ items: unknown[]; totalItems: number }>('/api/catalog/entities');
    expect(plain.totalItems).toBe(18);
  });

  it('getEntities ORs filters, ANDs the keys inside one, and matches key existence', async () => {
    const { items } = await client.getEntities({
      filter: [{ kind: 'component', 'spec.type': 'service' }, { kind: 'API' }],
    });
    const expected = [...(await ownList('kind=component&type=service')), ...(await ownList('kind=api'))];
    expect(items.map(refOf).sort()).toEqual(expected.map(refOf).sort());

    const annotated = await client.getEntities({
      filter: { 'metadata.annotations.backstage.io/kubernetes-id': CATALOG_FILTER_EXISTS },
    });
    expect(annotated.items.map(refOf)).toEqual(
      all.filter((e) => e.metadata.annotations?.['backstage.io/kubernetes-id']).map(refOf),
    );
    expect(annotated.items.length).toBeGreaterThan(0);

    const owned = await client.getEntities({ filter: { 'relations.ownedBy': 'group:default/payments' } });
    expect(owned.items.map(refOf)).toEqual((await ownList('owner=payments')).map(refOf));

    const tagged = await client.getEntities({ filter: { 'metadata.tags': ['go', 'scala'] } });
    expect(tagged.items.map((e) => e.metadata.name)).toEqual(['order-events-pipeline', 'search']);
  });

  it('getEntities returns only the asked fields, ordered, paged by offset/limit and after', async () => {
    const { items } = await client.getEntities({
      filter: { kind: 'component' },
      fields: ['kind', 'metadata.name'],
      order: { field: 'metadata.name', order: 'desc' },
    });
    const names = (await ownList('kind=component'))
      .map((e) => e.metadata.name)
      .sort()
      .reverse();
    expect(items).toEqual(names.map((name) => ({ kind: 'Component', metadata: { name } })));

    const second = await client.getEntities({
      order: { field: 'metadata.name', order: 'asc' },
      offset: 3,
      limit: 2,
    });
    const byName = [...all].sort(
      (a, b) => a.metadata.name.localeCompare(b.metadata.name) || refOf(a).localeCompare(refOf(b)),
    );
    expect(second.items.map(refOf)).toEqual(byName.slice(3, 5).map(refOf));

    // The Link header of a limited page carries `after`, which the client takes back.
    const res = await fetch(`${url}/api/catalog/entities?limit=10&fields=metadata.name`, {
      headers: { 'content-type': 'application/json' },
    });
    const after = new URL(/<([^>]+)>/.exec(res.headers.get('link') ?? '')![1]!, url).searchParams.get(
      'after',
    )!;
    const rest = await client.getEntities({ after, limit: 10 });
    expect([...((await res.json()) as ApiEntity[]), ...rest.items].map((e) => e.metadata.name)).toEqual(
      all.map((e) => e.metadata.name),
    );
  });

  it('queryEntities pages with cursors both ways, counts, orders and full-text filters', async () => {
    const first = await client.queryEntities({
      limit: 5,
      orderFields: { field: 'metadata.name', order: 'asc' },
    });
    expect(first.totalItems).toBe(18);
    const seen = [...first.items];
    let page = first;
    while (page.pageInfo.nextCursor) {
      page = await client.queryEntities({ cursor: page.pageInfo.nextCursor });
      expect(page.totalItems).toBe(18);
      seen.push(...page.items);
    }
    expect(seen.map((e) => e.metadata.name)).toEqual(
      [...all].map((e) => e.metadata.name).sort((a, b) => a.localeCompare(b)),
    );
    const back = await client.queryEntities({ cursor: page.pageInfo.prevCursor! });
    expect(back.items.map(refOf)).toEqual(seen.slice(10, 15).map(refOf));

    const text = await client.queryEntities({
      filter: { kind: 'component' },
      fullTextFilter: { term: 'CHECK', fields: ['metadata.name'] },
      totalItems: 'exclude',
    });
    expect(text.items.map((e) => e.metadata.name)).toEqual(
      (await ownList('kind=component')).map((e) => e.metadata.name).filter((n) => n.includes('check')),
    );
    expect(text.totalItems).toBe(0);

    const streamed = [];
    for await (const batch of client.streamEntities({ pageSize: 4, filter: { kind: 'group' } }))
      streamed.push(...batch);
    expect(streamed.map(refOf)).toEqual((await ownList('kind=group')).map(refOf));
  });

  // Predicates, answered as a Backstage catalog would: the expected entities come from Backstage's
  // own evaluator (@backstage/filter-predicates) run over Portolan's list of every entity.
  const PREDICATES: FilterPredicate[] = [
    { kind: 'component', 'spec.type': 'service' },
    { kind: 'Component', 'spec.lifecycle': { $in: ['production', 'EXPERIMENTAL'] } },
    { 'metadata.name': { $hasPrefix: 'CHECK' } },
    { 'metadata.annotations.backstage.io/techdocs-ref': { $exists: true } },
    { kind: 'component', 'spec.system': { $exists: false } },
    { $not: { kind: { $in: ['component', 'api'] } } },
    { $any: [{ kind: 'group' }, { $all: [{ kind: 'api' }, { 'spec.type': 'openapi' }] }] },
    { 'metadata.tags': { $contains: 'java' } },
    { 'metadata.tags': { $contains: { $any: ['java', 'go'] } } },
    { relations: { $contains: { type: 'ownedBy', targetRef: 'group:default/payments' } } },
    { $all: [] },
    { $any: [] },
  ];

  it('queryEntities with a predicate matches what Backstage matches, a page at a time', async () => {
    for (const query of PREDICATES) {
      const expected = all
        .filter((e) => evaluateFilterPredicate(query, e))
        .map(refOf)
        .sort();
      const first = await client.queryEntities({
        query,
        limit: 3,
        orderFields: { field: 'metadata.name', order: 'asc' },
      });
      expect(first.totalItems, JSON.stringify(query)).toBe(expected.length);
      const seen = [...first.items];
      let page = first;
      while (page.pageInfo.nextCursor) {
        page = await client.queryEntities({ cursor: page.pageInfo.nextCursor });
        seen.push(...page.items);
      }
      expect(seen.map(refOf).sort(), JSON.stringify(query)).toEqual(expected);
      const names = seen.map((e) => e.metadata.name);
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    }
    // A filter and a query together: both must match (the client sends them as $all).
    const both = await client.queryEntities({
      filter: { kind: 'component' },
      query: { 'spec.type': 'website' },
    });
    expect(both.items.map(refOf).sort()).toEqual(
      all
        .filter((e) => e.kind === 'Component' && e.spec?.type === 'website')
        .map(refOf)
        .sort(),
    );
    expect(both.items.length).toBeGreaterThan(0);
  });

  it('getEntityFacets and getEntitiesByRefs take a predicate too', async () => {
    const query = { kind: 'component', 'metadata.tags': { $contains: 'java' } };
    const { facets } = await client.getEntityFacets({ facets: ['spec.type'], query });
    const counts = new Map<string, number>();
    for (const e of all.filter((e) => evaluateFilterPredicate(query, e)))
      counts.set(String(e.spec?.type), (counts.get(String(e.spec?.type)) ?? 0) + 1);
    expect(Object.fromEntries(facets['spec.type']!.map((f) => [f.value, f.count]))).toEqual(
      Object.fromEntries(counts),
    );
    const refs = all.map(refOf);
    const { items } = await client.getEntitiesByRefs({ entityRefs: refs, query: { kind: 'api' } });
    expect(items.map((e) => e && refOf(e))).toEqual(
      all.map((e) => (e.kind === 'API' ? refOf(e) : undefined)),
    );
  });

  it('refuses a malformed predicate with a 400 that says where', async () => {
    for (const [query, message] of [
      [{ $all: [{ kind: 'a' }], kind: 'b' }, /\$all must be the only key/],
      [{ kind: { $regex: '.*' } }, /unknown matcher \$regex/],
      [{ $nor: [] }, /unknown operator \$nor/],
      [{ kind: { $in: 'component' } }, /\$in must be an array/],
      [{ kind: null }, /must be a string, number, boolean or one matcher/],
    ] as const) {
      const res = await fetch(`${url}/api/catalog/entities/by-query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    // A deeply nested one is refused, not walked.
    let deep: object = { kind: 'component' };
    for (let i = 0; i < 100; i++) deep = { $not: deep };
    const res = await fetch(`${url}/api/catalog/entities/by-query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: deep }),
    });
    expect(res.status).toBe(400);
  });

  it('getEntitiesByRefs answers in the order asked, undefined where there is no match', async () => {
    const refs = ['component:default/search', 'component:default/nope', 'API:default/checkout-api'];
    const { items } = await client.getEntitiesByRefs({ entityRefs: refs });
    expect(items[0]).toEqual(await own('/api/catalog/entities/by-name/component/default/search'));
    expect(items[1]).toBeUndefined();
    expect(items[2]).toEqual(await own('/api/catalog/entities/by-name/api/default/checkout-api'));

    const filtered = await client.getEntitiesByRefs({
      entityRefs: refs,
      filter: { kind: 'api' },
      fields: ['metadata.name'],
    });
    expect(filtered.items).toEqual([undefined, undefined, { metadata: { name: 'checkout-api' } }]);
  });

  it('getEntityByRef and by-uid return what Portolan returns by name', async () => {
    const mine = await own<ApiEntity>('/api/catalog/entities/by-name/component/default/checkout');
    expect(await client.getEntityByRef('component:checkout')).toEqual(mine);
    expect(
      await client.getEntityByRef({ kind: 'Component', namespace: 'default', name: 'checkout' }),
    ).toEqual(mine);
    expect(await client.getEntityByRef('component:default/nope')).toBeUndefined();
    expect(await own(`/api/catalog/entities/by-uid/${mine.metadata.uid}`)).toEqual(mine);
    expect(
      (await fetch(`${url}/api/catalog/entities/by-uid/00000000-0000-0000-0000-000000000000`)).status,
    ).toBe(404);
  });

  it('getEntityFacets counts values as Portolan lists them', async () => {
    const { facets } = await client.getEntityFacets({
      facets: ['kind', 'spec.type'],
      filter: { kind: 'component' },
    });
    const components = await ownList('kind=component');
    expect(facets.kind).toEqual([{ value: 'Component', count: components.length }]);
    const types = new Map<string, number>();
    for (const c of components) types.set(String(c.spec?.type), (types.get(String(c.spec?.type)) ?? 0) + 1);
    expect(Object.fromEntries(facets['spec.type']!.map((f) => [f.value, f.count]))).toEqual(
      Object.fromEntries(types),
    );

    const tags = await client.getEntityFacets({ facets: ['metadata.tags'] });
    const java = all.filter((e) => (e.metadata as { tags?: string[] }).tags?.includes('java')).length;
    expect(tags.facets['metadata.tags']).toContainEqual({ value: 'java', count: java });
  });

  it('getEntityAncestors walks up to the Location entity that brought the file in', async () => {
    const ancestry = await client.getEntityAncestors({
      entityRef: 'component:default/order-events-pipeline',
    });
    expect(ancestry.rootEntityRef).toBe('component:default/order-events-pipeline');
    expect(ancestry.items.map((i) => [refOf(i.entity), i.parentEntityRefs])).toEqual([
      ['component:default/order-events-pipeline', ['location:default/checkout-extra']],
      ['location:default/checkout-extra', []],
    ]);
    expect(ancestry.items[1]!.entity).toEqual(
      await own('/api/catalog/entities/by-name/location/default/checkout-extra'),
    );
    await expect(client.getEntityAncestors({ entityRef: 'component:default/nope' })).rejects.toMatchObject({
      response: { status: 404 },
    });
  });

  it('refreshEntity re-reads the catalog, and says so for an unknown entity', async () => {
    await expect(client.refreshEntity('component:default/checkout')).resolves.toBeUndefined();
    await expect(client.refreshEntity('component:default/nope')).rejects.toMatchObject({
      response: { status: 404 },
      cause: { name: 'NotFoundError' },
    });
  });

  it('lists locations and finds the one an entity came from; writes are refused by default', async () => {
    const { items } = await client.getLocations();
    expect(items.map((l) => [l.type, l.target])).toEqual(LOCATIONS.map((l) => [l.type, l.target]));
    expect(await client.getLocationById(items[1]!.id)).toEqual(items[1]);
    expect(await client.getLocationById('nope')).toBeUndefined();
    const checkout = await own<{ origin: { location: string } }>(
      '/api/catalog/entities/by-name/component/default/checkout',
    );
    expect(checkout.origin.location).toBe('dir:./catalog/services');
    expect(await client.getLocationByEntity('component:default/checkout')).toEqual(items[1]);
    expect(await client.getLocationByRef(`dir:${LOCATIONS[1]!.target}`)).toEqual(items[1]);
    const dirs = await client.queryLocations({ query: { type: 'dir' } });
    expect(dirs).toEqual({ items: [items[1]], totalItems: 1, pageInfo: {} });
    const streamed = [];
    for await (const batch of client.streamLocations({ limit: 1 })) streamed.push(...batch);
    expect(streamed).toEqual(items);

    await expect(
      client.addLocation({ type: 'file', target: './catalog/org/teams.yaml' }),
    ).rejects.toMatchObject({
      response: { status: 403 },
      cause: { name: 'ForbiddenError' },
    });
    await expect(client.removeLocationById(items[0]!.id)).rejects.toMatchObject({
      response: { status: 403 },
    });
    const uid = (await client.getEntityByRef('component:default/checkout'))!.metadata.uid!;
    await expect(client.removeEntityByUid(uid)).rejects.toMatchObject({ response: { status: 403 } });
    expect(await client.getEntityByRef('component:default/checkout')).toBeDefined();
  });

  it('validateEntity accepts a valid entity and lists what is wrong with an invalid one', async () => {
    const entity = (await client.getEntityByRef('component:default/search'))!;
    expect(await client.validateEntity(entity, 'url:https://example.com/catalog-info.yaml')).toEqual({
      valid: true,
    });
    const result = await client.validateEntity(
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'x' },
        spec: { type: 'service' },
      },
      'url:https://example.com/catalog-info.yaml',
    );
    expect(result.valid).toBe(false);
    expect(result.valid === false && result.errors.map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('spec.owner')]),
    );
  });
});

describe('@backstage/catalog-client location writes, when the config allows them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-locations-'));
  let server: Awaited<ReturnType<typeof startServer>>;
  let admin: { token: string };
  let reader: { token: string };
  beforeAll(async () => {
    cpSync(join(EXAMPLES, 'catalog'), join(dir, 'catalog'), { recursive: true });
    cpSync(join(dir, 'catalog/services/checkout/more'), join(dir, 'extra'), { recursive: true });
    rmSync(join(dir, 'catalog/services/checkout/more'), { recursive: true });
    server = await startServer(dir, { allowLocationWrites: true }, true);
    admin = { token: await tokenFor(server.db, 'user:default/ada') };
    reader = { token: await tokenFor(server.db, 'user:default/someone-else') };
  });
  afterAll(async () => {
    await server.app.close();
    await server.db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a file location, reads it at once, and removes it again', async () => {
    const { client } = server;
    expect(await client.getEntityByRef('component:default/order-events-pipeline', admin)).toBeUndefined();
    // a signed-in user who is not an admin may read, but not register a location
    await expect(
      client.addLocation({ type: 'file', target: './extra/pipelines.yaml', dryRun: true }, reader),
    ).rejects.toMatchObject({ response: { status: 403 } });
    await expect(client.getLocations()).rejects.toMatchObject({ response: { status: 403 } });
    const dry = await client.addLocation(
      { type: 'file', target: './extra/pipelines.yaml', dryRun: true },
      admin,
    );
    expect(dry.entities.map(refOf)).toEqual(['component:default/order-events-pipeline']);
    expect(await client.getEntityByRef('component:default/order-events-pipeline', admin)).toBeUndefined();
    // analyzeLocation says what a location holds and what of it the catalog has, changing nothing.
    const analyzed = await client.analyzeLocation(
      { location: { type: 'file', target: './extra/pipelines.yaml' } },
      reader,
    );
    expect(analyzed.generateEntities).toEqual([]);
    expect(analyzed.existingEntityFiles.map((f) => [refOf(f.entity), f.isRegistered])).toEqual([
      ['component:default/order-events-pipeline', false],
    ]);
    const known = await client.analyzeLocation(
      { location: { type: 'dir', target: './catalog/services' } },
      reader,
    );
    expect(known.existingEntityFiles.length).toBeGreaterThan(0);
    expect(known.existingEntityFiles.every((f) => f.isRegistered)).toBe(true);
    await expect(
      client.analyzeLocation({ location: { type: 'file', target: '../../etc/passwd' } }, reader),
    ).rejects.toMatchObject({ response: { status: 403 } });
    await expect(
      client.analyzeLocation({ location: { type: 'url', target: 'https://example.com/x.yaml' } }, reader),
    ).rejects.toMatchObject({ response: { status: 400 } });

    const added = await client.addLocation({ type: 'file', target: './extra/pipelines.yaml' }, admin);
    expect(added.entities.map(refOf)).toEqual(['component:default/order-events-pipeline']);
    expect(await client.getEntityByRef('component:default/order-events-pipeline', admin)).toBeDefined();
    expect((await client.getLocations({}, admin)).items).toHaveLength(3);
    await expect(
      client.addLocation({ type: 'file', target: './extra/pipelines.yaml' }, admin),
    ).rejects.toMatchObject({
      response: { status: 409 },
    });
    await expect(
      client.addLocation({ type: 'file', target: '../../etc/passwd' }, admin),
    ).rejects.toMatchObject({
      response: { status: 403 },
    });
    await expect(
      client.addLocation({ target: 'https://example.com/catalog-info.yaml' }, admin),
    ).rejects.toMatchObject({
      response: { status: 400 },
    });
    const configured = (await client.getLocations({}, admin)).items[0]!;
    await expect(client.removeLocationById(configured.id, admin)).rejects.toMatchObject({
      response: { status: 403 },
    });

    await expect(client.removeLocationById(added.location.id, reader)).rejects.toMatchObject({
      response: { status: 403 },
    });
    await client.removeLocationById(added.location.id, admin);
    expect((await client.getLocations({}, admin)).items).toHaveLength(2);
    expect(await client.getEntityByRef('component:default/order-events-pipeline', admin)).toBeUndefined();
  });
});
