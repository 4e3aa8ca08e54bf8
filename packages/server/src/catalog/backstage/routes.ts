// Backstage's catalog REST API, under the paths and in the shapes `@backstage/catalog-client`
// uses (its base URL is `<portal>/api/catalog`), next to Portolan's own catalog routes. Read-only
// except for location writes, which the config must allow (and only admins may do).
import { createHash } from 'node:crypto';
import {
  matchesPredicate,
  type OrderField,
  parseFieldsParams,
  parseFilterParams,
  parseOrderFieldParams,
  parseOrderParams,
  parsePredicate,
  pickFields,
  stringsParam,
} from '@portolan/core/catalog/backstage/index';
import { entityRef, parseEntityRef, stringifyEntityRef, validateEntity } from '@portolan/core/catalog/index';
import {
  ConflictError,
  type ErrorBody,
  ForbiddenError,
  InputError,
  NotFoundError,
} from '@portolan/core/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { needs } from '../../auth/permission.ts';
import type { LocationConfig } from '../../config/schema.ts';
import type { OpenApiRegistry } from '../../http/openapi.ts';
import { parseQuery } from '../../http/query.ts';
import { locationId, locationKey } from '../collect.ts';
import type { CatalogService } from '../service.ts';
import { MAX_PAGE } from '../store/queryEntities.ts';
import type { FieldQuery } from '../store/queryFields.ts';
import { type StoredEntity, toApiEntity } from '../store/rows.ts';

/** Parameters only Backstage's GET /entities takes; Portolan's own list takes none of them. */
const BACKSTAGE_LIST_PARAMS = ['filter', 'fields', 'order', 'offset', 'after'];
/** Parameters only Portolan's own list takes. */
const PORTOLAN_LIST_PARAMS = ['kind', 'type', 'owner', 'lifecycle', 'system', 'tag', 'q', 'cursor'];

/**
 * GET /api/catalog/entities serves two APIs. It answers as Backstage's does (a JSON array) when
 * the request uses one of Backstage's parameters, or when it carries `Content-Type:
 * application/json` and none of Portolan's own parameters (Backstage's client sends that header
 * on every request, a browser or curl does not); otherwise as Portolan's own list
 * (`{items, totalItems, pageInfo}`).
 */
export function wantsBackstageList(request: FastifyRequest): boolean {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const backstage = BACKSTAGE_LIST_PARAMS.some((p) => query[p] !== undefined);
  const portolan = PORTOLAN_LIST_PARAMS.filter((p) => query[p] !== undefined);
  if (backstage && portolan.length > 0) {
    throw new InputError(
      `${portolan.join(', ')} cannot be combined with ${BACKSTAGE_LIST_PARAMS.join('/')}: use filter=key=value for Backstage-style lists`,
    );
  }
  if (backstage) return true;
  const json = String(request.headers['content-type'] ?? '').startsWith('application/json');
  return json && portolan.length === 0;
}

const count = (name: string, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(0).max(max).optional().describe(name);

const listQuery = z.object({
  limit: count('at most this many entities'),
  offset: count('skip this many entities first'),
  after: z.string().optional().describe('continue after a previous page (its Link rel="next")'),
});

/** The GET /entities handler in Backstage's shape (called from Portolan's own route). */
export async function backstageList(
  catalog: CatalogService,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const raw = request.query as Record<string, unknown>;
  const q = parseQuery(listQuery, raw);
  const filter = parseFilterParams(stringsParam(raw.filter, 'filter'));
  const fields = parseFieldsParams(stringsParam(raw.fields, 'fields'));
  const order = parseOrderParams(stringsParam(raw.order, 'order'));
  const offset = q.after !== undefined ? decodeAfter(q.after) : (q.offset ?? 0);
  const rows = await catalog.queryByFields({
    query: { filter },
    order,
    offset,
    limit: q.limit === undefined ? undefined : q.limit + 1,
  });
  const more = q.limit !== undefined && rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  if (more) {
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'after' || key === 'offset') continue;
      for (const v of [value].flat()) next.append(key, String(v));
    }
    next.set('after', encodeAfter(offset + page.length));
    reply.header('link', `<${request.url.split('?')[0]}?${next}>; rel="next"`);
  }
  return sendItems(reply, page, fields, (items) => `[${items.join(',')}]`);
}

const encodeAfter = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
function decodeAfter(after: string): number {
  try {
    const o = (JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // reported below
  }
  throw new InputError('after is not valid; use the value from the Link header of a previous page');
}

/** Serialises entities: the stored JSON text as is, or only the requested fields. */
function sendItems(
  reply: FastifyReply,
  rows: { api: string }[],
  fields: string[] | undefined,
  wrap: (items: string[]) => string,
): FastifyReply {
  const items = fields
    ? rows.map((r) => JSON.stringify(pickFields(JSON.parse(r.api) as object, fields)))
    : rows.map((r) => r.api);
  return reply.type('application/json; charset=utf-8').send(wrap(items));
}

/** What every by-query cursor carries: the whole query, so later pages need only the cursor. */
interface PageCursor {
  o?: OrderField[];
  t?: { term: string; fields?: string[] | undefined };
  x?: true;
  /** Page size of the first request, kept unless a later one gives its own. */
  l: number;
  s: number;
}

/** GET by-query: the filter parameters. */
interface QueryCursor extends PageCursor {
  f?: string[];
}

/**
 * POST by-query: the predicate as given (null for none). Its key is "query" and it is plain
 * base64: the client reads a cursor with `atob` and sends those holding "query" to this route.
 */
interface PredicateCursor extends PageCursor {
  query: unknown;
}

const encodePredicateCursor = (c: PredicateCursor) => Buffer.from(JSON.stringify(c)).toString('base64');
function decodePredicateCursor(cursor: string): PredicateCursor {
  const c = decodeCursor(cursor) as Partial<PredicateCursor>;
  if (!('query' in c))
    throw new InputError('cursor is not valid; use nextCursor or prevCursor of a previous page');
  return c as PredicateCursor;
}

const predicateQueryBody = z.object({
  query: z.unknown().optional(),
  cursor: z.string().optional(),
  limit: z.number().int().min(0).max(MAX_PAGE).optional(),
  offset: z.number().int().min(0).optional(),
  orderBy: z.array(z.object({ field: z.string().min(1), order: z.enum(['asc', 'desc']) })).optional(),
  fullTextFilter: z
    .object({ term: z.string().max(200).optional(), fields: z.array(z.string()).optional() })
    .optional(),
  fields: z.array(z.string()).optional(),
  totalItems: z.enum(['include', 'exclude']).optional(),
});

// Field names are short on purpose, and none is "query": the client decides from that key
// whether a cursor belongs to its predicate endpoint (POST /entities/by-query).
const encodeCursor = (c: QueryCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(cursor: string): QueryCursor {
  try {
    // Buffer's base64url decoding reads plain base64 too.
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as QueryCursor;
    const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
    if (count(c.s) && count(c.l)) return c;
  } catch {
    // reported below
  }
  throw new InputError('cursor is not valid; use nextCursor or prevCursor of a previous page');
}

const byQuery = z.object({
  limit: count(`page size (default 20, at most ${MAX_PAGE})`, MAX_PAGE),
  offset: count('skip this many entities first'),
  cursor: z.string().optional().describe('nextCursor or prevCursor of a previous page'),
  totalItems: z.enum(['include', 'exclude']).optional().describe('exclude skips counting'),
  fullTextFilterTerm: z.string().max(200).optional().describe('case-insensitive substring of a field value'),
});

const entityParams = z.object({ kind: z.string(), namespace: z.string(), name: z.string() });
const refOf = (p: z.infer<typeof entityParams>) => `${p.kind}:${p.namespace}/${p.name}`.toLowerCase();

/** The refs Backstage's client sends, normalised; null for one that is not a ref at all. */
function normaliseRef(ref: unknown): string | null {
  if (typeof ref !== 'string') return null;
  try {
    return stringifyEntityRef(parseEntityRef(ref));
  } catch {
    return null;
  }
}

export interface BackstageRoutesOptions {
  catalog: CatalogService;
}

export function backstageCatalogRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  options: BackstageRoutesOptions,
): void {
  const { catalog } = options;
  const doc = (method: 'get' | 'post' | 'delete', path: string, summary: string) =>
    openapi.add({ method, path: `/api/catalog${path}`, tag: 'catalog (Backstage API)', summary });
  /** One page of a by-query answer, with the cursors to the pages around it. */
  const sendPage = async <C extends PageCursor>(
    reply: FastifyReply,
    cursor: C,
    query: FieldQuery,
    fields: string[] | undefined,
    encode: (c: C) => string,
  ) => {
    const limit = Math.min(Math.max(cursor.l, 1), MAX_PAGE);
    const [rows, total] = await Promise.all([
      catalog.queryByFields({ query, order: cursor.o ?? [], offset: cursor.s, limit: limit + 1 }),
      cursor.x ? Promise.resolve(0) : catalog.countByFields(query),
    ]);
    const pageInfo: { nextCursor?: string; prevCursor?: string } = {};
    if (rows.length > limit) pageInfo.nextCursor = encode({ ...cursor, s: cursor.s + limit });
    if (cursor.s > 0) pageInfo.prevCursor = encode({ ...cursor, s: Math.max(0, cursor.s - limit) });
    return sendItems(
      reply,
      rows.slice(0, limit),
      fields,
      (items) =>
        `{"items":[${items.join(',')}],"totalItems":${total},"pageInfo":${JSON.stringify(pageInfo)}}`,
    );
  };
  const entityOr404 = async (ref: string) => {
    const stored = await catalog.get(ref);
    if (!stored) throw new NotFoundError(`no entity ${ref} in the catalog`);
    return stored;
  };

  doc('get', '/entities/by-query', 'Entities, filtered and ordered, a page at a time with cursors');
  app.get('/api/catalog/entities/by-query', needs('catalog.read'), async (request, reply) => {
    const raw = request.query as Record<string, unknown>;
    const q = parseQuery(byQuery, raw);
    const fields = parseFieldsParams(stringsParam(raw.fields, 'fields'));
    let cursor: QueryCursor;
    if (q.cursor !== undefined) {
      cursor = decodeCursor(q.cursor);
      if ('query' in cursor) throw new InputError('this cursor is for POST /entities/by-query, not GET');
      if (q.limit !== undefined) cursor.l = q.limit;
    } else {
      const filters = stringsParam(raw.filter, 'filter');
      const ftFields = parseFieldsParams(stringsParam(raw.fullTextFilterFields, 'fullTextFilterFields'));
      cursor = {
        ...(filters ? { f: filters } : {}),
        o: parseOrderFieldParams(stringsParam(raw.orderField, 'orderField')),
        ...(q.fullTextFilterTerm?.trim()
          ? { t: { term: q.fullTextFilterTerm.trim(), fields: ftFields } }
          : {}),
        ...(q.totalItems === 'exclude' ? { x: true as const } : {}),
        l: q.limit ?? 20,
        s: q.offset ?? 0,
      };
    }
    const query: FieldQuery = { filter: parseFilterParams(cursor.f), fullText: cursor.t };
    return sendPage(reply, cursor, query, fields, encodeCursor);
  });

  doc('post', '/entities/by-query', 'Entities matching a filter predicate (`query`), a page at a time');
  app.post('/api/catalog/entities/by-query', needs('catalog.read'), async (request, reply) => {
    const body = parseQuery(predicateQueryBody, request.body ?? {});
    let cursor: PredicateCursor;
    if (body.cursor !== undefined) {
      cursor = decodePredicateCursor(body.cursor);
      if (body.limit !== undefined) cursor.l = body.limit;
    } else {
      const orderBy = body.orderBy ?? [];
      if (orderBy.length > 1) throw new InputError('orderBy takes one field; later ones would be ignored');
      const term = body.fullTextFilter?.term?.trim();
      cursor = {
        query: body.query === undefined ? null : body.query,
        o: orderBy.map(({ field, order }) => ({ field: field.toLowerCase(), order })),
        ...(term ? { t: { term, fields: body.fullTextFilter?.fields } } : {}),
        ...(body.totalItems === 'exclude' ? { x: true as const } : {}),
        l: body.limit ?? 20,
        s: body.offset ?? 0,
      };
    }
    const query: FieldQuery = {
      predicate: cursor.query === null ? undefined : parsePredicate(cursor.query),
      fullText: cursor.t,
    };
    return sendPage(
      reply,
      cursor,
      query,
      body.fields && parseFieldsParams(body.fields),
      encodePredicateCursor,
    );
  });

  doc('post', '/entities/by-refs', 'Entities by ref, in the order asked, null where there is none');
  app.post('/api/catalog/entities/by-refs', needs('catalog.read'), async (request, reply) => {
    const body = parseQuery(
      z.object({
        entityRefs: z.array(z.string()).max(10_000),
        fields: z.array(z.string()).optional(),
        query: z.unknown().optional(),
      }),
      request.body ?? {},
    );
    const refs = body.entityRefs.map(normaliseRef);
    const filter = parseFilterParams(
      stringsParam((request.query as Record<string, unknown>).filter, 'filter'),
    );
    const predicate = body.query === undefined ? undefined : parsePredicate(body.query);
    const found = new Map<string, string>();
    const wanted = [...new Set(refs.filter((r): r is string => r !== null))];
    for (let i = 0; i < wanted.length; i += 500) {
      const rows = await catalog.queryByFields({
        query: { filter, predicate, refs: wanted.slice(i, i + 500) },
      });
      for (const row of rows) found.set(row.ref, row.api);
    }
    const fields = parseFieldsParams(body.fields);
    const rows = refs.map((r) => (r === null ? undefined : found.get(r)));
    const items = rows.map((api) =>
      api === undefined
        ? 'null'
        : fields
          ? JSON.stringify(pickFields(JSON.parse(api) as object, fields))
          : api,
    );
    return reply.type('application/json; charset=utf-8').send(`{"items":[${items.join(',')}]}`);
  });

  doc('get', '/entities/by-uid/{uid}', 'One entity by its metadata.uid');
  app.get<{ Params: { uid: string } }>(
    '/api/catalog/entities/by-uid/:uid',
    needs('catalog.read'),
    async (request) => {
      const stored = await catalog.getByUid(request.params.uid);
      if (!stored) throw new NotFoundError(`no entity with uid ${request.params.uid}`);
      return toApiEntity(stored);
    },
  );

  doc('delete', '/entities/by-uid/{uid}', 'Refused: entities come from descriptor files; remove them there');
  app.delete('/api/catalog/entities/by-uid/:uid', needs('catalog.write'), async () => {
    throw new ForbiddenError('entities come from descriptor files; remove the entity from its file instead');
  });

  doc(
    'get',
    '/entities/by-name/{kind}/{namespace}/{name}/ancestry',
    'The entity and the Location entities above it',
  );
  app.get(
    '/api/catalog/entities/by-name/:kind/:namespace/:name/ancestry',
    needs('catalog.read'),
    async (request) => {
      const ref = refOf(parseQuery(entityParams, request.params));
      const chain = await catalog.ancestry(ref);
      if (!chain) throw new NotFoundError(`no entity ${ref} in the catalog`);
      return {
        rootEntityRef: ref,
        items: chain.map((stored) => ({
          entity: toApiEntity(stored),
          parentEntityRefs:
            stored.origin.parent && chain.some((c) => refOfStored(c) === stored.origin.parent)
              ? [stored.origin.parent]
              : [],
        })),
      };
    },
  );

  doc('get', '/entity-facets', 'How many entities have each value of the given fields');
  app.get('/api/catalog/entity-facets', needs('catalog.read'), async (request) => {
    const raw = request.query as Record<string, unknown>;
    const facets = stringsParam(raw.facet, 'facet') ?? [];
    if (facets.length === 0) throw new InputError('give at least one facet, e.g. facet=kind');
    return {
      facets: await catalog.facets({ filter: parseFilterParams(stringsParam(raw.filter, 'filter')) }, facets),
    };
  });

  doc('post', '/entity-facets', 'Facets of the entities matching a filter predicate (`query`)');
  app.post('/api/catalog/entity-facets', needs('catalog.read'), async (request) => {
    const body = parseQuery(
      z.object({ facets: z.array(z.string()).min(1).max(50), query: z.unknown().optional() }),
      request.body ?? {},
    );
    const predicate = body.query === undefined ? undefined : parsePredicate(body.query);
    return { facets: await catalog.facets({ predicate }, body.facets) };
  });

  doc('post', '/validate-entity', 'Whether an entity would be accepted; 400 with its errors if not');
  app.post('/api/catalog/validate-entity', needs('catalog.read'), async (request, reply) => {
    const body = (request.body ?? {}) as { entity?: unknown; location?: unknown };
    const messages: string[] = [];
    if (typeof body.location !== 'string' || !body.location.includes(':')) {
      messages.push('location: is required, as type:target (e.g. url:https://...)');
    }
    const result = validateEntity(body.entity);
    if (!result.ok) messages.push(...result.issues.map((i) => i.message));
    if (messages.length === 0) return reply.status(200).send({});
    // The one error body, plus `errors`, the list Backstage's client reads.
    const response: ErrorBody & { errors: { name: string; message: string }[] } = {
      error: { name: 'InputError', message: `the entity is not valid: ${messages.join('; ')}` },
      request: { method: request.method, url: request.url },
      response: { statusCode: 400 },
      errors: messages.map((message) => ({ name: 'InputError', message })),
    };
    return reply.status(400).send(response);
  });

  registerLocationRoutes(app, options, doc, entityOr404);
}

const refOfStored = (s: StoredEntity) =>
  stringifyEntityRef({
    kind: s.entity.kind,
    namespace: s.entity.metadata.namespace ?? 'default',
    name: s.entity.metadata.name,
  });

/** A location as Backstage's API shows it. */
function apiLocation(l: LocationConfig) {
  const key = locationKey(l);
  return {
    id: locationId(l),
    type: l.type,
    target: l.target,
    // Backstage names the Location entity it generates for a registered location this way;
    // Portolan generates no such entity, so this ref names the location but resolves to nothing.
    entityRef: `location:default/generated-${createHash('sha1').update(key).digest('hex')}`,
  };
}

function registerLocationRoutes(
  app: FastifyInstance,
  { catalog }: BackstageRoutesOptions,
  doc: (method: 'get' | 'post' | 'delete', path: string, summary: string) => void,
  entityOr404: (ref: string) => Promise<StoredEntity>,
): void {
  const all = async () => {
    const { configured, added } = await catalog.locations();
    return { configured, added, every: [...configured, ...added] };
  };
  const writesAllowed = () => {
    if (!catalog.allowLocationWrites) {
      throw new ForbiddenError(
        'adding and removing locations is off; set catalog.allowLocationWrites in the config to allow it',
      );
    }
  };

  doc('get', '/locations', 'Every location the catalog reads: configured, then added');
  app.get('/api/catalog/locations', needs('catalog.read'), async () =>
    (await all()).every.map((l) => ({ data: apiLocation(l) })),
  );

  doc(
    'post',
    '/locations/by-query',
    'Locations matching a filter predicate (`query`) on id, type and target',
  );
  app.post('/api/catalog/locations/by-query', needs('catalog.read'), async (request) => {
    const body = parseQuery(
      z.object({
        query: z.unknown().optional(),
        cursor: z.string().optional(),
        limit: z.number().int().min(1).max(MAX_PAGE).optional(),
      }),
      request.body ?? {},
    );
    const cursor: PredicateCursor = body.cursor
      ? decodePredicateCursor(body.cursor)
      : { query: body.query ?? null, l: body.limit ?? 20, s: 0 };
    if (body.cursor && body.limit !== undefined) cursor.l = body.limit;
    const predicate = cursor.query === null ? undefined : parsePredicate(cursor.query);
    const matching = (await all()).every.map(apiLocation).filter((l) => {
      if (!predicate) return true;
      const rows = new Map(
        Object.entries(l).map(([k, v]) => [k.toLowerCase(), new Set([String(v).toLowerCase()])]),
      );
      return matchesPredicate(predicate, rows);
    });
    const page = matching.slice(cursor.s, cursor.s + cursor.l);
    const more = cursor.s + cursor.l < matching.length;
    return {
      items: page,
      totalItems: matching.length,
      pageInfo: more ? { nextCursor: encodePredicateCursor({ ...cursor, s: cursor.s + cursor.l }) } : {},
    };
  });

  doc('get', '/locations/{id}', 'One location');
  app.get<{ Params: { id: string } }>(
    '/api/catalog/locations/:id',
    needs('catalog.read'),
    async (request) => {
      const found = (await all()).every.find((l) => locationId(l) === request.params.id);
      if (!found) throw new NotFoundError(`no location ${request.params.id}`);
      return apiLocation(found);
    },
  );

  doc('get', '/locations/by-entity/{kind}/{namespace}/{name}', 'The location an entity came from');
  app.get(
    '/api/catalog/locations/by-entity/:kind/:namespace/:name',
    needs('catalog.read'),
    async (request) => {
      const stored = await entityOr404(refOf(parseQuery(entityParams, request.params)));
      const found = (await all()).every.find((l) => locationKey(l) === stored.origin.location);
      if (!found) throw new NotFoundError(`the location of ${refOfStored(stored)} is no longer configured`);
      return apiLocation(found);
    },
  );

  doc('post', '/locations', 'Add a file or dir location (only when the config allows it)');
  app.post('/api/catalog/locations', needs('catalog.write'), async (request, reply) => {
    writesAllowed();
    const body = parseQuery(z.object({ type: z.string(), target: z.string().min(1) }), request.body ?? {});
    const dryRun = (request.query as { dryRun?: string }).dryRun === 'true';
    if (body.type !== 'file' && body.type !== 'dir') {
      throw new InputError(`only file and dir locations can be added, not ${body.type}`);
    }
    if (!(await catalog.insideRoot(body.target))) {
      throw new ForbiddenError(`${body.target} is outside the catalog root`);
    }
    const location: LocationConfig = { type: body.type, target: body.target, orphans: 'delete' };
    const exists = (await all()).every.some((l) => locationKey(l) === locationKey(location));
    if (dryRun) {
      const preview = await catalog.previewLocation(location);
      return reply.status(201).send({ location: apiLocation(location), entities: preview.entities, exists });
    }
    if (exists) throw new ConflictError(`location ${locationKey(location)} is already registered`);
    await catalog.addLocation(location);
    const entities = (await catalog.fromLocation(location)).map(toApiEntity);
    return reply.status(201).send({ location: apiLocation(location), entities });
  });

  doc(
    'post',
    '/analyze-location',
    'The descriptors a file or dir location would bring in, and which are in the catalog',
  );
  app.post('/api/catalog/analyze-location', needs('catalog.read'), async (request) => {
    const body = parseQuery(
      z.object({
        location: z.object({ type: z.string(), target: z.string().min(1) }),
        catalogFilename: z.string().optional(),
      }),
      request.body ?? {},
    );
    const { type, target } = body.location;
    if (type !== 'file' && type !== 'dir') {
      throw new InputError(`only file and dir locations can be analyzed, not ${type}`);
    }
    if (!(await catalog.insideRoot(target)))
      throw new ForbiddenError(`${target} is outside the catalog root`);
    const preview = await catalog.previewLocation({ type, target, orphans: 'delete' });
    const existingEntityFiles = [];
    for (const { file, entities } of preview.files) {
      for (const entity of entities) {
        const ref = entityRef(entity);
        existingEntityFiles.push({
          location: { type: 'file', target: file },
          isRegistered: (await catalog.get(ref)) !== undefined,
          entity,
        });
      }
    }
    // Portolan reads descriptors; it does not draft new ones.
    return { existingEntityFiles, generateEntities: [] };
  });

  doc('delete', '/locations/{id}', 'Remove an added location (only when the config allows it)');
  app.delete<{ Params: { id: string } }>(
    '/api/catalog/locations/:id',
    needs('catalog.write'),
    async (request, reply) => {
      writesAllowed();
      const { configured, added } = await all();
      if (configured.some((l) => locationId(l) === request.params.id)) {
        throw new ForbiddenError('this location is set in the config file; remove it there');
      }
      const found = added.find((l) => locationId(l) === request.params.id);
      if (!found) throw new NotFoundError(`no location ${request.params.id}`);
      await catalog.removeLocation(found);
      return reply.status(204).send();
    },
  );
}
