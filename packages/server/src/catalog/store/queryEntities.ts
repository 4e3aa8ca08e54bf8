import { InputError } from '@portolan/core/errors';
import { sql } from 'kysely';
import { type Database, isPostgres } from '../../db/database.ts';
import { rowToStored, STORED_COLUMNS, type StoredEntity } from './rows.ts';

export interface EntityFilter {
  kind?: string[];
  type?: string[];
  owner?: string[];
  lifecycle?: string[];
  system?: string[];
  tag?: string[];
  /** Free text; every word must occur in name, title, description or tags. */
  q?: string;
}

export interface EntityPage {
  items: StoredEntity[];
  totalItems: number;
  nextCursor?: string;
}

export const MAX_PAGE = 500;

export function encodeCursor(afterRef: string): string {
  return Buffer.from(JSON.stringify({ a: afterRef })).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof parsed.a === 'string') return parsed.a;
  } catch {
    // fall through to the error below
  }
  throw new InputError('cursor is not valid; use the nextCursor value of a previous page');
}

/** Escapes LIKE wildcards (with `escape '\\'`) so user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A LIKE pattern for text anywhere in a value. */
export function likeTerm(term: string): string {
  return `%${escapeLike(term)}%`;
}

interface PageQuery {
  db: Database;
  filter: EntityFilter;
  limit: number;
  cursor?: string | undefined;
}

/** A page of entities, parsed. */
export async function queryEntities(q: PageQuery): Promise<EntityPage> {
  const { rows, totalItems, nextCursor } = await queryPage(q);
  return { items: rows.map(rowToStored), totalItems, ...(nextCursor ? { nextCursor } : {}) };
}

/** A page of entities as the API's JSON text, one string each. */
export async function queryEntityJson(
  q: PageQuery,
): Promise<{ json: string[]; totalItems: number; nextCursor?: string }> {
  const { rows, totalItems, nextCursor } = await queryPage(q);
  return { json: rows.map((r) => r.api), totalItems, ...(nextCursor ? { nextCursor } : {}) };
}

async function queryPage({ db, filter, limit, cursor }: PageQuery) {
  let query = db.selectFrom('catalog_entities');
  const inList = (column: 'kind' | 'type' | 'owner' | 'lifecycle' | 'system', values?: string[]) => {
    if (values && values.length > 0) query = query.where(column, 'in', values);
  };
  inList('kind', filter.kind);
  inList('type', filter.type);
  inList('owner', filter.owner);
  inList('lifecycle', filter.lifecycle);
  inList('system', filter.system);
  if (filter.tag && filter.tag.length > 0) {
    const tags = filter.tag;
    query = query.where('ref', 'in', (eb) =>
      eb.selectFrom('catalog_tags').select('ref').where('tag', 'in', tags),
    );
  }
  const trigramTable = !isPostgres(db);
  for (const term of (filter.q ?? '').toLowerCase().split(/\s+/).filter(Boolean)) {
    // SQLite's trigram table answers terms of 3+ characters from its index; shorter terms, and
    // terms with LIKE wildcards (which need ESCAPE, which FTS5 does not take), scan the column.
    if (trigramTable && term.length >= 3 && !/[\\%_]/.test(term)) {
      query = query.where('catalog_entities.ref', 'in', (eb) =>
        eb
          .selectFrom('catalog_search')
          .select('catalog_search.ref')
          .where('catalog_search.search', 'like', `%${term}%`),
      );
    } else {
      query = query.where(sql<boolean>`search like ${likeTerm(term)} escape '\\'`);
    }
  }
  // One scan of narrow rows: the total comes from a window over the filtered refs, computed
  // before the cursor and the limit narrow them to the page; then only the page's rows are
  // joined with their (wide) documents.
  const filtered = query
    .select('catalog_entities.ref as fref')
    .select(sql<number | string>`count(*) over ()`.as('total'))
    .as('filtered');
  let pageRefs = db
    .selectFrom(filtered)
    .select(['filtered.fref', 'filtered.total'])
    .orderBy('filtered.fref')
    .limit(limit + 1);
  if (cursor) pageRefs = pageRefs.where('filtered.fref', '>', decodeCursor(cursor));
  const page = db
    .selectFrom(pageRefs.as('p'))
    .innerJoin('catalog_entities as e', 'e.ref', 'p.fref')
    .innerJoin('catalog_documents as d', 'd.ref', 'p.fref')
    .select(STORED_COLUMNS)
    .select(['d.api', 'p.total'])
    .orderBy('p.fref');
  const rows = await page.execute();
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  // Past the last page no row carries the total; count separately then.
  const total =
    rows.length > 0
      ? Number(rows[0]!.total)
      : Number(
          (await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst())?.n ?? 0,
        );
  return { rows: items, totalItems: total, nextCursor: more ? encodeCursor(items.at(-1)!.ref) : undefined };
}
