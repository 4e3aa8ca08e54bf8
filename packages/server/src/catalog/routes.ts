import { NotFoundError } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import { listParam, parseQuery, refsParam } from '../http/query.ts';
import { openSse } from '../http/sse.ts';
import { backstageCatalogRoutes, backstageList, wantsBackstageList } from './backstage/routes.ts';
import { definitionRoutes } from './definitions/routes.ts';
import { docsRoutes } from './docs/routes.ts';
import type { CatalogService } from './service.ts';
import { MAX_PAGE } from './store/queryEntities.ts';
import { toApiEntity } from './store/rows.ts';

const entityQuery = z.object({
  kind: listParam('entity kind, e.g. component (repeat or comma-separate for several)'),
  type: listParam('spec.type, e.g. service'),
  owner: listParam('owner ref, e.g. group:default/payments or just payments'),
  lifecycle: listParam('spec.lifecycle, e.g. production'),
  system: listParam('system ref or name'),
  tag: listParam('metadata.tags value'),
  q: z
    .string()
    .max(200)
    // A NUL ends the pattern early in SQLite's LIKE (so it matched everything) and is an error
    // in PostgreSQL text; no name or description holds control characters anyway.
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .optional()
    .describe('words that must all occur in name, title, description or tags'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).describe(`page size, at most ${MAX_PAGE}`),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
});

const problemQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`page size, at most ${MAX_PAGE}`),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
});

export function catalogRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  { catalog }: { catalog: CatalogService },
): void {
  openapi.add({
    method: 'get',
    path: '/api/catalog/entities',
    tag: 'catalog',
    summary:
      "List entities, filtered and searched, one page at a time. With Backstage's parameters (filter, fields, order, offset, after), or with Content-Type: application/json as Backstage's client sends, it answers as Backstage's catalog does: a JSON array",
    query: entityQuery,
  });
  app.get('/api/catalog/entities', needs('catalog.read'), async (request, reply) => {
    if (wantsBackstageList(request)) return backstageList(catalog, request, reply);
    const q = parseQuery(entityQuery, request.query);
    const page = await catalog.queryJson(
      {
        kind: q.kind?.map((k) => k.toLowerCase()),
        type: q.type?.map((t) => t.toLowerCase()),
        lifecycle: q.lifecycle?.map((l) => l.toLowerCase()),
        owner: refsParam(q.owner, 'group', 'owner'),
        system: refsParam(q.system, 'system', 'system'),
        tag: q.tag?.map((t) => t.toLowerCase()),
        ...(q.q ? { q: q.q } : {}),
      },
      q.limit,
      q.cursor,
    );
    // Each entity's API form is stored as JSON when it is written, so a page is assembled from
    // text: no parsing or serialising of entities on the request path.
    const pageInfo = JSON.stringify(page.nextCursor ? { nextCursor: page.nextCursor } : {});
    return reply
      .type('application/json; charset=utf-8')
      .send(`{"items":[${page.json.join(',')}],"totalItems":${page.totalItems},"pageInfo":${pageInfo}}`);
  });

  openapi.add({
    method: 'get',
    path: '/api/catalog/entities/by-name/:kind/:namespace/:name',
    tag: 'catalog',
    summary: 'One entity with its relations, origin, warnings and errors',
    responses: { '200': 'the entity', '404': 'no such entity' },
  });
  app.get<{ Params: { kind: string; namespace: string; name: string } }>(
    '/api/catalog/entities/by-name/:kind/:namespace/:name',
    needs('catalog.read'),
    async (request) => {
      const { kind, namespace, name } = request.params;
      const ref = `${kind}:${namespace}/${name}`.toLowerCase();
      const stored = await catalog.get(ref);
      if (!stored) throw new NotFoundError(`no entity ${ref} in the catalog`, { kind, namespace, name });
      return toApiEntity(stored);
    },
  );

  openapi.add({
    method: 'get',
    path: '/api/catalog/teams/:ref',
    tag: 'catalog',
    summary: 'A team (Group) and everything it owns, directly and through its sub-groups',
    responses: { '200': 'the team', '404': 'no such group' },
  });
  app.get<{ Params: { ref: string } }>('/api/catalog/teams/:ref', needs('catalog.read'), async (request) => {
    const ref = refsParam([request.params.ref], 'group', 'team')![0]!;
    const team = await catalog.team(ref);
    if (!team) throw new NotFoundError(`no group ${ref} in the catalog`);
    return {
      group: toApiEntity(team.group),
      groups: team.groups,
      owned: team.owned.map(toApiEntity),
    };
  });

  openapi.add({
    method: 'get',
    path: '/api/catalog/problems',
    tag: 'catalog',
    summary:
      'Problems found while reading locations that belong to no entity (bad YAML, loops, missing files), one page at a time',
    query: problemQuery,
  });
  app.get('/api/catalog/problems', needs('catalog.read'), async (request) => {
    const q = parseQuery(problemQuery, request.query);
    const page = await catalog.problems(q.limit, q.cursor);
    return {
      items: page.items,
      totalItems: page.totalItems,
      pageInfo: page.nextCursor ? { nextCursor: page.nextCursor } : {},
    };
  });

  openapi.add({
    method: 'post',
    path: '/api/catalog/refresh',
    tag: 'catalog',
    summary:
      'Re-read every location now; answers when the refresh is done. With {"entityRef"} (as Backstage\'s client sends), 404 unless that entity exists; every location is re-read all the same',
  });
  app.post('/api/catalog/refresh', needs('catalog.refresh'), async (request) => {
    const entityRef = (request.body as { entityRef?: unknown } | undefined)?.entityRef;
    if (entityRef !== undefined) {
      const ref = refsParam([String(entityRef)], 'component', 'entityRef')![0]!;
      if (!(await catalog.get(ref))) throw new NotFoundError(`no entity ${ref} in the catalog`);
    }
    return catalog.refresh();
  });

  definitionRoutes(app, openapi, { catalog });
  docsRoutes(app, openapi, { catalog });
  openapi.add({
    method: 'get',
    path: '/api/catalog/stream',
    tag: 'catalog',
    summary:
      'Each catalog refresh, on whichever replica it ran, as a "refreshed" event with its summary (Server-Sent Events); the last one first',
  });
  app.get('/api/catalog/stream', needs('catalog.read'), async (request, reply) => {
    const sse = openSse(request, reply, 25_000);
    if (catalog.lastRefresh) sse.send('refreshed', catalog.lastRefresh);
    sse.onClose(catalog.onRefresh((summary) => sse.send('refreshed', summary)));
  });

  backstageCatalogRoutes(app, openapi, { catalog });
}
