import { InputError } from '@portolan/core/errors';
import { SEARCH_HITS } from '@portolan/core/search/documents';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { needs } from '../auth/permission.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import { listParam, parseQuery, refsParam } from '../http/query.ts';

export const MAX_SEARCH_PAGE = 100;

const searchQuery = z.object({
  q: z
    .string()
    .max(200)
    // A NUL ends a LIKE pattern early in SQLite and is an error in PostgreSQL text.
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .default('')
    .describe('words that must all occur in the title or text of a result (at most 8 are used)'),
  hit: listParam(`what to find: ${SEARCH_HITS.join(', ')} (default: all)`),
  kind: listParam("the entity's kind, e.g. component, api"),
  owner: listParam('owner ref, e.g. group:default/payments or just payments'),
  type: listParam('spec.type, e.g. service, openapi'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_SEARCH_PAGE)
    .default(20)
    .describe(`page size, at most ${MAX_SEARCH_PAGE}`),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
});

export function searchRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  { catalog }: { catalog: CatalogService },
) {
  openapi.add({
    method: 'get',
    path: '/api/search',
    tag: 'search',
    summary:
      'Search entities, docs pages (title and text) and API operations (path and summary): ranked results with highlights as text ranges, and counts per result kind, entity kind, owner and type',
    query: searchQuery,
  });
  app.get('/api/search', needs('catalog.read'), async (request) => {
    const q = parseQuery(searchQuery, request.query);
    const hits = q.hit?.map((h) => h.toLowerCase());
    const unknown = hits?.find((h) => !(SEARCH_HITS as readonly string[]).includes(h));
    if (unknown !== undefined)
      throw new InputError(`hit: ${JSON.stringify(unknown)} is not one of ${SEARCH_HITS.join(', ')}`);
    return catalog.search(
      {
        q: q.q,
        hit: hits,
        kind: q.kind?.map((k) => k.toLowerCase()),
        owner: refsParam(q.owner, 'group', 'owner'),
        type: q.type?.map((t) => t.toLowerCase()),
      },
      q.limit,
      q.cursor,
    );
  });
}
