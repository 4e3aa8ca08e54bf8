// The search index's rows: written per entity as the catalog changes, queried ranked with facets.

import { InputError } from '@portolan/core/errors';
import { type SearchDocument, searchWords } from '@portolan/core/search/documents';
import { SEARCH_FACETS, type SearchFacet } from '@portolan/core/search/results';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { likeTerm } from '../catalog/store/queryEntities.ts';
import { type Database, isPostgres } from '../db/database.ts';
import type { SearchDocumentRow, Tables } from '../db/tables.ts';

const BATCH = 200;

/** Replaces every row of the given entities with `documents` (which belong to some of them). */
export async function writeSearchDocuments({
  db,
  refs,
  documents,
  all = false,
}: {
  db: Database;
  refs: string[];
  documents: SearchDocument[];
  /** Clear the whole index first (a rebuild), instead of the given refs' rows. */
  all?: boolean;
}): Promise<void> {
  if (!all && refs.length === 0) return;
  const pg = isPostgres(db);
  await db.transaction().execute(async (tx) => {
    if (all) {
      if (!pg) {
        await sql`DELETE FROM search_keys`.execute(tx);
        await sql`DELETE FROM search_words`.execute(tx);
      }
      await tx.deleteFrom('search_text').execute();
      await tx.deleteFrom('search_documents').execute();
    } else {
      for (let i = 0; i < refs.length; i += 400) {
        const batch = refs.slice(i, i + 400);
        if (!pg) {
          const ns = tx.selectFrom('search_documents').select('n').where('ref', 'in', batch);
          await sql`DELETE FROM search_keys WHERE rowid IN (${ns})`.execute(tx);
          await sql`DELETE FROM search_words WHERE rowid IN (${ns})`.execute(tx);
        }
        await tx
          .deleteFrom('search_text')
          .where('id', 'in', (eb) => eb.selectFrom('search_documents').select('id').where('ref', 'in', batch))
          .execute();
        await tx.deleteFrom('search_documents').where('ref', 'in', batch).execute();
      }
    }
    for (let i = 0; i < documents.length; i += BATCH) {
      const batch = documents.slice(i, i + BATCH);
      const inserted = await tx
        .insertInto('search_documents')
        .values(
          batch.map((d) => ({
            id: d.id,
            ref: d.ref,
            hit: d.hit,
            kind: d.kind,
            owner: d.owner,
            type: d.type,
            title: d.title,
            title_search: d.title.toLowerCase(),
            target: d.target,
            keys: d.keys,
            ...(pg ? { words: sql<string>`to_tsvector('simple', ${d.words})` } : {}),
          })),
        )
        .returning(['id', 'n'])
        .execute();
      await tx
        .insertInto('search_text')
        .values(batch.map((d) => ({ id: d.id, text: d.text })))
        .execute();
      if (pg) continue;
      const byId = new Map(batch.map((d) => [d.id, d]));
      const rows = inserted.map((r) => ({ n: Number(r.n), d: byId.get(r.id)! }));
      await sql`INSERT INTO search_keys (rowid, keys) VALUES ${sql.join(rows.map((r) => sql`(${r.n}, ${r.d.keys})`))}`.execute(
        tx,
      );
      await sql`INSERT INTO search_words (rowid, words) VALUES ${sql.join(rows.map((r) => sql`(${r.n}, ${r.d.words})`))}`.execute(
        tx,
      );
    }
  });
}

export interface SearchFilter {
  /** Lower-cased terms; every one must occur in a row's title or text. */
  terms: string[];
  hit?: string[] | undefined;
  kind?: string[] | undefined;
  owner?: string[] | undefined;
  type?: string[] | undefined;
}

export interface SearchRowPage {
  rows: (Pick<SearchDocumentRow, 'id' | 'ref' | 'hit' | 'kind' | 'owner' | 'type' | 'title' | 'target'> & {
    text: string;
  })[];
  totalItems: number;
  facets: Record<SearchFacet, { value: string; count: number }[]>;
  nextCursor?: string;
}

/** Values shown per facet; owners and types can number in the hundreds. */
export const FACET_VALUES = 25;
/** Results past this offset are not paged to: a search is refined, not read to the end. */
export const MAX_OFFSET = 1000;

export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeOffset(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.o <= MAX_OFFSET)
      return parsed.o;
  } catch {
    // fall through to the error below
  }
  throw new InputError('cursor is not valid; use the nextCursor value of a previous page');
}

type S = ExpressionBuilder<Tables & { s: SearchDocumentRow }, 's'>;

/** An FTS5 query for a term as a phrase: with the trigram tokenizer, a substring match. */
export function ftsQuery(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/**
 * The `n` of the rows holding one term: as a substring of their title and names, or as the
 * start of words of their text (each word of the term starting a word of the text).
 */
function termRows(db: Database, term: string) {
  const pg = isPostgres(db);
  const words = searchWords(term);
  // FTS5's trigrams need 3 characters: shorter terms scan the (narrow) keys column.
  const keys =
    !pg && [...term].length >= 3
      ? sql`SELECT rowid AS n FROM search_keys WHERE search_keys MATCH ${ftsQuery(term)}`
      : sql`SELECT n FROM search_documents WHERE keys LIKE ${likeTerm(term)} ESCAPE '\\'`;
  if (words.length === 0) return keys;
  const text = pg
    ? sql`SELECT n FROM search_documents WHERE words @@ to_tsquery('simple', ${words.map((w) => `${w}:*`).join(' & ')})`
    : sql`SELECT rowid AS n FROM search_words WHERE search_words MATCH ${words.map((w) => `"${w}"*`).join(' AND ')}`;
  return sql`${keys} UNION ${text}`;
}

/** Rows holding every term: one set of `n` per term, intersected. */
function matchTerms(db: Database, terms: string[]) {
  return (_eb: S): Expression<SqlBool> => {
    if (terms.length === 0) return sql<SqlBool>`1 = 1`;
    const sets = terms.map((t) => sql`SELECT n FROM (${termRows(db, t)}) t`);
    return sql<SqlBool>`s.n IN (${sql.join(sets, sql` INTERSECT `)})`;
  };
}

function facetFilter(filter: SearchFilter, except?: SearchFacet) {
  return (eb: S): Expression<SqlBool> =>
    eb.and(
      SEARCH_FACETS.filter((f) => f !== except && (filter[f]?.length ?? 0) > 0).map((f) =>
        eb(`s.${f}`, 'in', filter[f]!),
      ),
    );
}

/**
 * Ranked: a title equal to the query first, then titles starting with it, then titles holding
 * more of the terms; entities before operations before docs pages at equal standing; then by id
 * so pages are stable.
 */
function score(terms: string[]) {
  const joined = terms.join(' ');
  const escaped = joined.replace(/[\\%_]/g, (c) => `\\${c}`);
  const parts = [
    sql`case when s.title_search = ${joined} then 20 else 0 end`,
    sql`case when s.title_search like ${`${escaped}%`} escape '\\' then 6 else 0 end`,
    ...terms.map((t) => sql`case when s.title_search like ${likeTerm(t)} escape '\\' then 4 else 0 end`),
    sql`case s.hit when 'entity' then 3 when 'operation' then 2 else 1 end`,
  ];
  return sql<number>`(${sql.join(parts, sql` + `)})`;
}

export async function querySearch({
  db,
  filter,
  limit,
  cursor,
}: {
  db: Database;
  filter: SearchFilter;
  limit: number;
  cursor?: string | undefined;
}): Promise<SearchRowPage> {
  const offset = cursor ? decodeOffset(cursor) : 0;
  const match = matchTerms(db, filter.terms);
  const base = db.selectFrom('search_documents as s').where(match);
  // Ranked on narrow rows first; only the page's rows are read whole (a docs page's text is long).
  const ranked = base
    .where(facetFilter(filter))
    .select(['s.id as rid'])
    .select(score(filter.terms).as('score'))
    .orderBy('score', 'desc')
    .orderBy('s.id')
    .limit(limit + 1)
    .offset(offset)
    .as('r');
  const pageQuery = db
    .selectFrom(ranked)
    .innerJoin('search_documents as d', 'd.id', 'r.rid')
    .innerJoin('search_text as x', 'x.id', 'd.id')
    .select(['d.id', 'd.ref', 'd.hit', 'd.kind', 'd.owner', 'd.type', 'd.title', 'd.target', 'x.text'])
    .orderBy('r.score', 'desc')
    .orderBy('d.id');
  // Each facet is counted with every other facet's filter applied, all in one statement over the
  // matched rows.
  const facetQuery = db
    .with('m', (qb) =>
      qb.selectFrom('search_documents as s').where(match).select(['s.hit', 's.kind', 's.owner', 's.type']),
    )
    .selectFrom('m as s')
    .where(facetFilter(filter, 'hit'))
    .select([
      sql<string>`'hit'`.as('facet'),
      sql<string | null>`s.hit`.as('value'),
      (eb) => eb.fn.countAll<number | string>().as('n'),
    ])
    .groupBy('s.hit')
    .unionAll((qb) =>
      qb
        .selectFrom('m as s')
        .where(facetFilter(filter, 'kind'))
        .select([
          sql<string>`'kind'`.as('facet'),
          sql<string | null>`s.kind`.as('value'),
          (eb) => eb.fn.countAll<number | string>().as('n'),
        ])
        .groupBy('s.kind'),
    )
    .unionAll((qb) =>
      qb
        .selectFrom('m as s')
        .where(facetFilter(filter, 'owner'))
        .where('s.owner', 'is not', null)
        .select([
          sql<string>`'owner'`.as('facet'),
          sql<string | null>`s.owner`.as('value'),
          (eb) => eb.fn.countAll<number | string>().as('n'),
        ])
        .groupBy('s.owner'),
    )
    .unionAll((qb) =>
      qb
        .selectFrom('m as s')
        .where(facetFilter(filter, 'type'))
        .where('s.type', 'is not', null)
        .select([
          sql<string>`'type'`.as('facet'),
          sql<string | null>`s.type`.as('value'),
          (eb) => eb.fn.countAll<number | string>().as('n'),
        ])
        .groupBy('s.type'),
    );
  const [rows, counts] = await Promise.all([pageQuery.execute(), facetQuery.execute()]);
  const facets = Object.fromEntries(
    SEARCH_FACETS.map((f) => [f, [] as { value: string; count: number }[]]),
  ) as SearchRowPage['facets'];
  for (const c of counts)
    facets[c.facet as SearchFacet]?.push({ value: c.value as string, count: Number(c.n) });
  for (const f of SEARCH_FACETS) {
    facets[f].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    facets[f] = facets[f].slice(0, FACET_VALUES);
  }
  // The hit facet is counted with every filter but its own: the total is its chosen values' sum.
  const totalItems = facets.hit
    .filter((h) => !filter.hit?.length || filter.hit.includes(h.value))
    .reduce((sum, h) => sum + h.count, 0);
  const more = rows.length > limit && offset + limit < MAX_OFFSET;
  return {
    rows: rows.slice(0, limit),
    totalItems,
    facets,
    ...(more ? { nextCursor: encodeOffset(offset + limit) } : {}),
  };
}
