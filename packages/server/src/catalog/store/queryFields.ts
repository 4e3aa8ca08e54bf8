// Queries over catalog_fields, the flattened (key, value) rows of every entity: what Backstage's
// catalog API filters, orders, facets and full-text searches on.
import {
  bothPredicates,
  type FilterQuery,
  filterToPredicate,
  type OrderField,
  type Predicate,
} from '@portolan/core/catalog/backstage/index';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { Tables } from '../../db/tables.ts';
import { escapeLike, likeTerm } from './queryEntities.ts';

export interface FieldQuery {
  /** Any of the outer entries, all of the inner conditions. */
  filter?: FilterQuery | undefined;
  /** Case-insensitive substring of a field value; in `fields` only, when given. */
  fullText?: { term: string; fields?: string[] | undefined } | undefined;
  /** Only these refs (by-refs). */
  refs?: string[] | undefined;
  /** A filter predicate (the POST routes' `query`), as well as `filter` when both are given. */
  predicate?: Predicate | undefined;
}

type Eb = ExpressionBuilder<Tables & { e: Tables['catalog_entities'] }, 'e'>;

/** A predicate as SQL over catalog_fields: each leaf is "the entity has a row with this key and…". */
function compile(eb: Eb, p: Predicate): Expression<SqlBool> {
  if ('all' in p) return p.all.length > 0 ? eb.and(p.all.map((q) => compile(eb, q))) : sql<SqlBool>`1 = 1`;
  if ('any' in p) return p.any.length > 0 ? eb.or(p.any.map((q) => compile(eb, q))) : sql<SqlBool>`1 = 0`;
  if ('not' in p) return eb.not(compile(eb, p.not));
  if ('values' in p && p.values.length === 0) return sql<SqlBool>`1 = 0`;
  let rows = eb.selectFrom('catalog_fields as f').select('f.ref').where('f.key', '=', p.key);
  if ('exists' in p) rows = rows.where('f.value', 'is not', null);
  else if ('prefix' in p)
    rows = rows.where(sql<SqlBool>`f.value like ${`${escapeLike(p.prefix)}%`} escape '\\'`);
  else rows = rows.where('f.value', 'in', p.values);
  return eb('e.ref', 'in', rows);
}

/** The entities a query matches, as `catalog_entities as e`, ready for more clauses. */
export function matchingEntities(db: Database, q: FieldQuery) {
  let query = db.selectFrom('catalog_entities as e');
  if (q.refs) {
    const refs = q.refs;
    query = query.where('e.ref', 'in', refs.length > 0 ? refs : ['']);
  }
  const predicate = bothPredicates(q.filter && filterToPredicate(q.filter), q.predicate);
  if (predicate) query = query.where((eb) => compile(eb, predicate));
  const term = q.fullText?.term.trim().toLowerCase();
  if (term) {
    const fields = q.fullText?.fields?.map((f) => f.toLowerCase());
    query = query.where((eb) => {
      let rows = eb
        .selectFrom('catalog_fields as t')
        .select('t.ref')
        .where(sql<boolean>`t.value like ${likeTerm(term)} escape '\\'`);
      if (fields && fields.length > 0) rows = rows.where('t.key', 'in', fields);
      return eb('e.ref', 'in', rows);
    });
  }
  return query;
}

export async function countFields({ db, query }: { db: Database; query: FieldQuery }): Promise<number> {
  const row = await matchingEntities(db, query)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * A page of matching entities as the API's JSON text, ordered by the given fields (entities
 * without a value for a field come after those with one, in either direction), then by ref.
 */
export async function queryFields({
  db,
  query,
  order = [],
  offset = 0,
  limit,
}: {
  db: Database;
  query: FieldQuery;
  order?: OrderField[];
  offset?: number;
  limit?: number | undefined;
}): Promise<{ ref: string; api: string }[]> {
  let page = matchingEntities(db, query)
    .innerJoin('catalog_documents as d', 'd.ref', 'e.ref')
    .select(['e.ref', 'd.api']);
  for (const { field, order: direction } of order) {
    page = page.orderBy(
      (eb) =>
        eb
          .selectFrom('catalog_fields as o')
          .select((o) => (direction === 'asc' ? o.fn.min('o.value') : o.fn.max('o.value')).as('v'))
          .whereRef('o.ref', '=', 'e.ref')
          .where('o.key', '=', field),
      (ob) => (direction === 'asc' ? ob.asc() : ob.desc()).nullsLast(),
    );
  }
  page = page.orderBy('e.ref');
  if (limit !== undefined) page = page.limit(limit);
  if (offset > 0)
    page = limit === undefined ? page.limit(Number.MAX_SAFE_INTEGER).offset(offset) : page.offset(offset);
  return page.execute();
}

/** How many matching entities have each value of each facet key, most frequent first. */
export async function queryFacets({
  db,
  query,
  facets,
}: {
  db: Database;
  query: FieldQuery;
  facets: string[];
}): Promise<Record<string, { value: string; count: number }[]>> {
  const keys = [...new Set(facets.map((f) => f.toLowerCase()))];
  const result: Record<string, { value: string; count: number }[]> = {};
  for (const facet of facets) result[facet] = [];
  if (keys.length === 0) return result;
  let rows = db
    .selectFrom('catalog_fields as f')
    .select(['f.key', 'f.original_value'])
    .select((eb) => eb.fn.count<number | string>('f.ref').distinct().as('n'))
    .where('f.key', 'in', keys)
    .where('f.original_value', 'is not', null)
    .groupBy(['f.key', 'f.original_value']);
  if (query.filter || query.predicate || query.fullText || query.refs) {
    rows = rows.where('f.ref', 'in', matchingEntities(db, query).select('e.ref'));
  }
  const counted = await rows.execute();
  for (const facet of facets) {
    result[facet] = counted
      .filter((r) => r.key === facet.toLowerCase())
      .map((r) => ({ value: r.original_value!, count: Number(r.n) }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  }
  return result;
}
