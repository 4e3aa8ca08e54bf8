import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createApp } from '../../src/http/app.ts';

const logger = pino({ level: 'silent' });
const DESCRIPTORS = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop }
spec: { type: service, lifecycle: production, owner: team-a, providesApis: [orders], consumesApis: [events, missing] }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: orders, title: Orders API }
spec: { type: openapi, lifecycle: production, owner: team-a, definition: { $text: ./openapi.yaml } }
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: events }
spec:
  type: graphql
  lifecycle: production
  owner: team-b
  definition: |
    type Query { order(id: ID!): String }
`;
const openapi = (paths: string) => `openapi: 3.0.0\ninfo: { title: Orders, version: '1' }\npaths:\n${paths}`;
const ONE = "  /orders: { get: { summary: List orders, responses: { '200': { description: ok } } } }\n";
const TWO = `${ONE}  /orders/{id}: { delete: { parameters: [{ name: id, in: path, required: true, schema: { type: string } }], responses: { '204': { description: gone } } } }\n`;

describe.each(TEST_DATABASES)('API definitions on $id', (engine) => {
  let root: string;
  let app: FastifyInstance;
  let catalog: CatalogService;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const created = await engine.create();
    drop = created.drop;
    root = mkdtempSync(join(tmpdir(), 'portolan-defs-'));
    mkdirSync(join(root, 'shop'));
    writeFileSync(join(root, 'shop/catalog-info.yaml'), DESCRIPTORS);
    writeFileSync(join(root, 'shop/openapi.yaml'), openapi(ONE));
    const config = parseConfig({ catalog: { locations: [{ type: 'dir', target: '.' }] } }, 'test');
    catalog = new CatalogService({ db: created.db, logger, baseDir: root, catalog: config.catalog });
    await catalog.refresh();
    app = await createApp({ logger, catalog });
  });
  afterEach(async () => {
    await app.close();
    await drop();
    rmSync(root, { recursive: true, force: true });
  });
  const get = (url: string) => app.inject({ method: 'GET', url: `/api/catalog/entities/by-name/${url}` });

  it('serves a definition read through a placeholder as operations, and its source as plain text', async () => {
    const res = await get('api/default/orders/definition');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      format: 'openapi',
      title: 'Orders',
      operations: [{ method: 'GET', path: '/orders', summary: 'List orders' }],
    });
    const raw = await get('api/default/orders/definition/raw');
    expect(raw.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(raw.headers['x-content-type-options']).toBe('nosniff');
    expect(raw.body).toBe(openapi(ONE));
    expect((await get('component/default/shop/definition')).statusCode).toBe(404);
  });

  it("lists a component's APIs with their operation counts, and an API's providers and consumers", async () => {
    const shop = (await get('component/default/shop/api-relations')).json();
    expect(shop.providesApi).toEqual([
      {
        ref: 'api:default/orders',
        found: true,
        title: 'Orders API',
        type: 'openapi',
        lifecycle: 'production',
        owner: 'team-a',
        definition: { format: 'openapi', operations: 1, channels: 0, errors: 0 },
      },
    ]);
    expect(
      shop.consumesApi.map((a: { ref: string; found: boolean; definition?: { operations: number } }) => [
        a.ref,
        a.found,
        a.definition?.operations,
      ]),
    ).toEqual([
      ['api:default/events', true, 1],
      ['api:default/missing', false, undefined],
    ]);
    const events = (await get('api/default/events/api-relations')).json();
    expect(events.apiConsumedBy.map((e: { ref: string }) => e.ref)).toEqual(['component:default/shop']);
    expect(events.apiProvidedBy).toEqual([]);
  });

  it('follows the catalog: a changed definition file is parsed again, a removed API loses its definition', async () => {
    writeFileSync(join(root, 'shop/openapi.yaml'), openapi(TWO));
    await catalog.refresh();
    const ops = (await get('api/default/orders/definition')).json().operations;
    expect(ops.map((o: { method: string; path: string }) => `${o.method} ${o.path}`)).toEqual([
      'GET /orders',
      'DELETE /orders/{id}',
    ]);
    expect(
      (await get('component/default/shop/api-relations')).json().providesApi[0].definition.operations,
    ).toBe(2);
    writeFileSync(join(root, 'shop/catalog-info.yaml'), DESCRIPTORS.split('---')[0]!);
    await catalog.refresh();
    expect((await get('api/default/orders/definition')).statusCode).toBe(404);
  });
});
