// The search index's rows: written per entity as the catalog changes, queried ranked with facets.

import { InputError } from '@portolan/core/errors';
import { type SearchDocument, searchWords } from '@portolan/core/search/documents';
import { type FacetCount, SEARCH_CAP, SEARCH_FACETS, type SearchFacet } from '@portolan/core/search/results';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { likeTerm } from '../catalog/store/queryEntities.ts';
import { type Database, isPostgres, PREPARE } from '../db/database.ts';
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
            // Without positions (strip): matching is by word prefix, never by phrase, and a docs
            // page's row is then about half as wide for the scans that read thousands of them.
            ...(pg ? { words: sql<string>`strip(to_tsvector('simple', ${d.words}))` } : {}),
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
  totalIsLowerBound?: true;
  facets: Record<SearchFacet, FacetCount[]>;
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

/** The `n` of the rows holding a term anywhere in their title and names. */
function keyRows(db: Database, term: string) {
  // FTS5's trigrams need 3 characters: shorter terms scan the (narrow) keys column.
  return !isPostgres(db) && [...term].length >= 3
    ? sql`SELECT rowid AS n FROM search_keys WHERE search_keys MATCH ${ftsQuery(term)}`
    : sql`SELECT n FROM search_documents WHERE keys LIKE ${likeTerm(term)} ESCAPE '\\'`;
}

/** The word index's query for text where each of `words` starts a word. */
function wordsQuery(db: Database, words: string[]): string {
  return isPostgres(db) ? words.map((w) => `${w}:*`).join(' & ') : words.map((w) => `"${w}"*`).join(' AND ');
}

/** The `n` of the rows whose text has each of `words` starting a word. */
function wordRows(db: Database, words: string[]) {
  return isPostgres(db)
    ? sql`SELECT n FROM search_documents WHERE words @@ to_tsquery('simple', ${wordsQuery(db, words)})`
    : sql`SELECT rowid AS n FROM search_words WHERE search_words MATCH ${wordsQuery(db, words)}`;
}

/**
 * Whether row `k`'s text has each of `words` starting a word: PostgreSQL reads the row's own
 * vector; SQLite reads the words' set once (an FTS5 lookup per row costs far more).
 */
function rowHasWords(db: Database, words: string[]) {
  return isPostgres(db)
    ? sql`k.words @@ to_tsquery('simple', ${wordsQuery(db, words)})`
    : sql`k.n IN (${wordRows(db, words)})`;
}

/**
 * The `n` of the rows holding every term, each in the row's title and names (as a substring) or
 * its text (where words start). Such a row has every term in its text, which one read of the word
 * index for all the terms together finds, or has one at least in its names: the few rows the
 * trigram index gives, each then checked term by term. So a common word costs one index read,
 * not a set of thousands of rows per term, intersected.
 */
function matchingRows(db: Database, terms: string[]) {
  const words = terms.map(searchWords);
  const perTerm = terms.map((t, i) => {
    const inKeys = sql`k.keys LIKE ${likeTerm(t)} ESCAPE '\\'`;
    return words[i]!.length === 0 ? inKeys : sql`(${inKeys} OR ${rowHasWords(db, words[i]!)})`;
  });
  const keyed = sql`SELECT k.n FROM search_documents k WHERE k.n IN (${sql.join(
    terms.map((t) => keyRows(db, t)),
    sql` UNION `,
  )}) AND ${sql.join(perTerm, sql` AND `)}`;
  if (words.some((w) => w.length === 0)) return keyed;
  return sql`${wordRows(db, words.flat())} UNION ${keyed}`;
}

/** Rows holding every term. */
function matchTerms(db: Database, terms: string[]) {
  return (_eb: S): Expression<SqlBool> =>
    terms.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`s.n IN (${matchingRows(db, terms)})`;
}

/**
 * PostgreSQL: the same rows as `matchTerms`, as conditions on the row itself, for two branches
 * read straight from the table (their union is the match, without duplicates): rows with every
 * term in their text (one GIN read), and the others holding a term in their names (the trigram
 * index), checked term by term. Reading `n` first and the rows again by it cost a second visit
 * of every matched row (measured: 15,000 buffer reads for 5,000 docs pages, against 900).
 */
function pgMatchBranches(terms: string[]): ((eb: S) => Expression<SqlBool>)[] {
  const words = terms.map(searchWords);
  const inKeys = (t: string) => sql`s.keys LIKE ${likeTerm(t)} ESCAPE '\\'`;
  const hasWords = (w: string[]) =>
    sql`s.words @@ to_tsquery('simple', ${w.map((x) => `${x}:*`).join(' & ')})`;
  const perTerm = terms.map((t, i) =>
    words[i]!.length === 0 ? inKeys(t) : sql`(${inKeys(t)} OR ${hasWords(words[i]!)})`,
  );
  const anyKey = sql`(${sql.join(terms.map(inKeys), sql` OR `)})`;
  if (words.some((w) => w.length === 0))
    return [() => sql<SqlBool>`${anyKey} AND ${sql.join(perTerm, sql` AND `)}`];
  const all = hasWords(words.flat());
  return [
    () => sql<SqlBool>`${all}`,
    () => sql<SqlBool>`${anyKey} AND NOT ${all} AND ${sql.join(perTerm, sql` AND `)}`,
  ];
}

function facetFilter(filter: SearchFilter, except?: SearchFacet) {
  return (eb: S): Expression<SqlBool> =>
    eb.and(
      SEARCH_FACETS.filter((f) => f !== except && (filter[f]?.length ?? 0) > 0).map((f) =>
        eb(`s.${f}`, 'in', filter[f]!),
      ),
    );
}

/** Entities before operations before docs pages (1) at equal standing. */
const HIT_WEIGHT: Record<string, number> = { entity: 3, operation: 2 };

/**
 * Ranked: a title equal to the query first, then titles starting with it, then titles holding
 * more of the terms; entities before operations before docs pages at equal standing (then by id,
 * so pages are stable). Over the candidates only, here rather than in SQL: the database's share
 * of a broad search was a second sort and a window over them (measured on PostgreSQL: 1.5 of 9 ms).
 */
function score(title: string, hit: string, terms: string[]): number {
  const joined = terms.join(' ');
  let n = (title === joined ? 20 : 0) + (title.startsWith(joined) ? 6 : 0);
  for (const t of terms) if (title.includes(t)) n += 4;
  return n + (HIT_WEIGHT[hit] ?? 1);
}

/** A row's standing in the cheap choice of candidates: a title holding any term. */
function titled(terms: string[]) {
  if (terms.length === 0) return sql<number>`0`;
  const parts = terms.map((t) => sql`s.title_search like ${likeTerm(t)} escape '\\'`);
  return sql<number>`case when ${sql.join(parts, sql` or `)} then 1 else 0 end`;
}

function passes(
  row: Record<SearchFacet, string | null>,
  filter: SearchFilter,
  except?: SearchFacet,
): boolean {
  return SEARCH_FACETS.every(
    (f) => f === except || !filter[f]?.length || (row[f] !== null && filter[f].includes(row[f])),
  );
}

/**
 * One page of ranked rows and the facet counts. The matches are ranked and counted over at most
 * SEARCH_CAP + 1 candidates, chosen cheaply: rows passing the facet filters first, then titles
 * holding a term, then entities before operations before docs pages, then the index's order.
 * A query with no more matches than that is answered exactly; past it, the total and the facet
 * counts are lower bounds, flagged as such.
 */
export async function querySearch({
  db,
  filter,
  limit,
  cursor,
  cap = SEARCH_CAP,
}: {
  db: Database;
  filter: SearchFilter;
  limit: number;
  cursor?: string | undefined;
  /** Candidates ranked and counted at most (smaller only in tests). */
  cap?: number;
}): Promise<SearchRowPage> {
  const offset = cursor ? decodeOffset(cursor) : 0;
  const filtered = SEARCH_FACETS.some((f) => (filter[f]?.length ?? 0) > 0);
  const weight = sql<number>`case s.hit ${sql.join(
    Object.entries(HIT_WEIGHT).map(([hit, w]) => sql`when ${sql.lit(hit)} then ${sql.lit(w)}`),
    sql` `,
  )} else 1 end`;
  const branch = (where: (eb: S) => Expression<SqlBool>) =>
    db
      .selectFrom('search_documents as s')
      .where(where)
      .select(['s.n', 's.id', 's.hit', 's.kind', 's.owner', 's.type', 's.title_search'])
      .select((eb) => [
        (filtered ? sql<number>`case when ${facetFilter(filter)(eb)} then 1 else 0 end` : sql<number>`1`).as(
          'f',
        ),
        titled(filter.terms).as('t'),
        weight.as('w'),
      ]);
  const [first, ...others] =
    isPostgres(db) && filter.terms.length > 0
      ? pgMatchBranches(filter.terms)
      : [matchTerms(db, filter.terms)];
  const matched = others.reduce((q, where) => q.unionAll(branch(where)), branch(first!));
  // The cheap choice of candidates, in its order: `c` below is each one's place in it.
  const candidates = await db
    .selectFrom(matched.as('s'))
    .modifyFront(PREPARE)
    .select(['s.n', 's.id', 's.hit', 's.kind', 's.owner', 's.type', 's.f', 's.title_search'])
    // (f, t, w) as one key: sorting thousands of matches on four keys was a third of a broad
    // search's time on PostgreSQL. t and f are 0 or 1; w is 1 to 3.
    .orderBy(sql`s.f * 8 + s.t * 4 + s.w`, 'desc')
    .orderBy('s.n')
    .limit(cap + 1)
    .execute();
  const ranked = candidates
    .map((r, i) => ({ ...r, c: i + 1, score: score(r.title_search, r.hit, filter.terms) }))
    .sort(
      (a, b) => Number(b.f) - Number(a.f) || b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  const capped = ranked.length > cap;
  const kept = capped ? ranked.filter((r) => r.c <= cap) : ranked;
  const matching = kept.filter((r) => Number(r.f) === 1);
  // Rows passing the filters come first, so all of them are among the candidates unless they
  // alone fill the cap.
  const totalIsLowerBound = ranked.filter((r) => Number(r.f) === 1).length > cap;
  const slice = matching.slice(offset, offset + limit + 1);
  const page =
    slice.length === 0
      ? []
      : await db
          .selectFrom('search_documents as d')
          .innerJoin('search_text as x', 'x.id', 'd.id')
          .select([
            'd.n',
            'd.id',
            'd.ref',
            'd.hit',
            'd.kind',
            'd.owner',
            'd.type',
            'd.title',
            'd.target',
            'x.text',
          ])
          .where(
            'd.n',
            'in',
            slice.map((r) => r.n),
          )
          .execute();
  const byN = new Map(page.map(({ n, ...row }) => [String(n), row]));
  const rows = slice.flatMap((r) => byN.get(String(r.n)) ?? []);
  // Each facet is counted with every other facet's filter applied.
  const facets = Object.fromEntries(
    SEARCH_FACETS.map((f) => {
      const counts = new Map<string, number>();
      for (const r of kept) {
        const value = r[f];
        if (value === null || !passes(r, filter, f)) continue;
        counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      const values = [...counts]
        .map(([value, count]) => ({ value, count, ...(capped ? { isLowerBound: true as const } : {}) }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
        .slice(0, FACET_VALUES);
      return [f, values];
    }),
  ) as SearchRowPage['facets'];
  const more = rows.length > limit && offset + limit < MAX_OFFSET;
  return {
    rows: rows.slice(0, limit),
    totalItems: totalIsLowerBound ? cap : matching.length,
    ...(totalIsLowerBound ? { totalIsLowerBound } : {}),
    facets,
    ...(more ? { nextCursor: encodeOffset(offset + limit) } : {}),
  };
}
