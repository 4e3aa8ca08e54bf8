import { join } from 'node:path';
import { parseErrorBody } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';

const EXAMPLES = join(import.meta.dirname, '../../../../examples');

describe('catalog HTTP API', () => {
  let app: FastifyInstance;
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
    const config = parseConfig(
      {
        catalog: {
          locations: [
            { type: 'file', target: './catalog/org/*.yaml' },
            { type: 'dir', target: './catalog/services' },
          ],
        },
      },
      'test',
    );
    const logger = pino({ level: 'silent' });
    const catalog = new CatalogService({ db, logger, baseDir: EXAMPLES, catalog: config.catalog });
    await catalog.refresh();
    app = await createApp({ logger, catalog });
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    return {
      status: res.statusCode,
      body: res.json() as Record<string, unknown> & { items?: { metadata: { name: string } }[] },
    };
  };
  const names = (body: { items?: { metadata: { name: string } }[] }) =>
    body.items!.map((i) => i.metadata.name);

  it('lists with filters given as query parameters', async () => {
    expect(names((await get('/api/catalog/entities?kind=component&type=service')).body)).toEqual([
      'checkout',
      'search',
    ]);
    expect(names((await get('/api/catalog/entities?owner=payments-web')).body)).toEqual(['checkout-web']);
    expect(names((await get('/api/catalog/entities?owner=group:default/discovery&kind=api')).body)).toEqual([
      'search-api',
      'search-graph',
    ]);
    expect(names((await get('/api/catalog/entities?lifecycle=experimental')).body)).toEqual([
      'order-events-pipeline',
    ]);
    expect(names((await get('/api/catalog/entities?system=shop&kind=resource')).body)).toEqual(['orders-db']);
    expect(names((await get('/api/catalog/entities?tag=go')).body)).toEqual(['search']);
    expect(names((await get('/api/catalog/entities?kind=component,api&q=as+you+type')).body)).toEqual([
      'search',
    ]);
    expect(
      names((await get('/api/catalog/entities?kind=component&kind=resource&owner=payments')).body),
    ).toEqual(['checkout', 'order-events-pipeline', 'orders-db']);
  });

  it('pages with cursors', async () => {
    const first = await get('/api/catalog/entities?limit=10');
    expect(first.body.totalItems).toBe(18);
    const next = (first.body.pageInfo as { nextCursor: string }).nextCursor;
    const second = await get(`/api/catalog/entities?limit=10&cursor=${encodeURIComponent(next)}`);
    expect(names(second.body)).toHaveLength(8);
    expect(second.body.totalItems).toBe(18);
    expect(second.body.pageInfo).toEqual({});
    const refs = [...first.body.items!, ...second.body.items!].map(
      (i) => `${(i as { kind?: string }).kind}:${i.metadata.name}`,
    );
    expect(new Set(refs).size).toBe(18);
  });

  it('returns one entity with relations, origin and status', async () => {
    const { status, body } = await get('/api/catalog/entities/by-name/component/default/checkout');
    expect(status).toBe(200);
    expect(body.relations).toContainEqual({ type: 'ownedBy', targetRef: 'group:default/payments' });
    expect(body.origin).toMatchObject({ file: 'catalog/services/checkout/catalog-info.yaml' });
    expect((body.metadata as { annotations: Record<string, string> }).annotations).toMatchObject({
      'backstage.io/managed-by-location': 'file:catalog/services/checkout/catalog-info.yaml',
    });
    expect(body.status).toEqual({ orphan: false, items: [] });
    // Case does not matter in refs.
    expect((await get('/api/catalog/entities/by-name/Component/default/Checkout')).status).toBe(200);
  });

  it('shows a team with everything it and its sub-groups own', async () => {
    const { body } = await get('/api/catalog/teams/payments');
    expect(body.groups).toEqual(['group:default/payments', 'group:default/payments-web']);
    expect((body.owned as { metadata: { name: string } }[]).map((e) => e.metadata.name)).toContain(
      'checkout-web',
    );
  });

  it('answers bad input and unknown things with the one error body', async () => {
    const missing = await get('/api/catalog/entities/by-name/component/default/nope');
    expect(missing.status).toBe(404);
    expect(parseErrorBody(404, missing.body)).toMatchObject({ name: 'NotFoundError' });
    const badLimit = await get('/api/catalog/entities?limit=100000');
    expect(badLimit.status).toBe(400);
    expect((badLimit.body.error as { message: string }).message).toMatch(/limit/);
    const badCursor = await get('/api/catalog/entities?cursor=garbage');
    expect(badCursor.status).toBe(400);
    expect((badCursor.body.error as { message: string }).message).toMatch(/cursor is not valid/);
    const badOwner = await get('/api/catalog/entities?owner=bad%20name');
    expect(badOwner.status).toBe(400);
    const noRoute = await get('/api/nothing-here');
    expect(noRoute.status).toBe(404);
    expect(noRoute.body.error).toMatchObject({ name: 'NotFoundError' });
    expect((await get('/api/catalog/teams/nobody')).status).toBe(404);
  });

  it('refreshes on demand and describes itself with OpenAPI', async () => {
    const refreshed = await app.inject({ method: 'POST', url: '/api/catalog/refresh' });
    expect(refreshed.json()).toMatchObject({ entities: 18, added: 0, updated: 0, unchanged: 18 });
    const { body } = await get('/api/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    const paths = body.paths as Record<string, Record<string, { parameters: { name: string }[] }>>;
    expect(Object.keys(paths)).toContain('/api/catalog/entities/by-name/{kind}/{namespace}/{name}');
    expect(paths['/api/catalog/entities']!.get!.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['kind', 'type', 'owner', 'lifecycle', 'system', 'tag', 'q', 'limit', 'cursor']),
    );
  });
});
