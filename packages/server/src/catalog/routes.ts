import { NotFoundError } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { OpenApiRegistry } from '../http/openapi.ts';
import { listParam, parseQuery, refsParam } from '../http/query.ts';
import type { CatalogService } from './service.ts';
import { MAX_PAGE } from './store/queryEntities.ts';
import type { StoredEntity } from './store/rows.ts';

/** The entity as the API returns it: descriptor, relations, where it came from, its problems. */
export function toApiEntity(stored: StoredEntity) {
  const { entity, origin, status, problems } = stored;
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...entity.metadata.annotations,
        'backstage.io/managed-by-location': `file:${origin.file}`,
        'backstage.io/managed-by-origin-location': origin.location,
      },
    },
    origin,
    status: {
      orphan: status === 'orphan',
      items: problems.map((p) => ({ level: p.severity, ...p })),
    },
  };
}

const entityQuery = z.object({
  kind: listParam('entity kind, e.g. component (repeat or comma-separate for several)'),
  type: listParam('spec.type, e.g. service'),
  owner: listParam('owner ref, e.g. group:default/payments or just payments'),
  lifecycle: listParam('spec.lifecycle, e.g. production'),
  system: listParam('system ref or name'),
  tag: listParam('metadata.tags value'),
  q: z.string().max(200).optional().describe('words that must all occur in name, title, description or tags'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).describe(`page size, at most ${MAX_PAGE}`),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
});

export function catalogRoutes(
  app: FastifyInstance,
  { catalog, openapi }: { catalog: CatalogService; openapi: OpenApiRegistry },
) {
  openapi.add({
    method: 'get',
    path: '/api/catalog/entities',
    tag: 'catalog',
    summary: 'List entities, filtered and searched, one page at a time',
    query: entityQuery,
  });
  app.get('/api/catalog/entities', async (request) => {
    const q = parseQuery(entityQuery, request.query);
    const page = await catalog.query(
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
    return {
      items: page.items.map(toApiEntity),
      totalItems: page.totalItems,
      pageInfo: page.nextCursor ? { nextCursor: page.nextCursor } : {},
    };
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
  app.get<{ Params: { ref: string } }>('/api/catalog/teams/:ref', async (request) => {
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
      'Problems found while reading locations that belong to no entity (bad YAML, loops, missing files)',
  });
  app.get('/api/catalog/problems', async () => ({ items: await catalog.problems() }));

  openapi.add({
    method: 'post',
    path: '/api/catalog/refresh',
    tag: 'catalog',
    summary: 'Re-read every location now; answers when the refresh is done',
  });
  app.post('/api/catalog/refresh', async () => catalog.refresh());
}
