import { InputError } from '@portolan/core/errors';
import type { Database } from '../../db/database.ts';
import type { CatalogProblemRow } from '../../db/tables.ts';

export interface ProblemPage {
  items: CatalogProblemRow[];
  totalItems: number;
  nextCursor?: string;
}

type Key = [file: string, line: number, column: number, id: string];

const encode = (row: CatalogProblemRow) =>
  Buffer.from(JSON.stringify([row.file, row.line, row.column, row.id] satisfies Key)).toString('base64url');

function decode(cursor: string): Key {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === 4 &&
      typeof key[0] === 'string' &&
      Number.isInteger(key[1]) &&
      Number.isInteger(key[2]) &&
      typeof key[3] === 'string'
    )
      return key as Key;
  } catch {
    // fall through to the error below
  }
  throw new InputError('cursor is not valid; use the nextCursor value of a previous page');
}

/** One page of problems, by file and position; the cursor is the last row's sort key. */
export async function listProblems({
  db,
  limit,
  cursor,
}: {
  db: Database;
  limit: number;
  cursor?: string | undefined;
}): Promise<ProblemPage> {
  let query = db.selectFrom('catalog_problems').selectAll();
  if (cursor) {
    const [file, line, column, id] = decode(cursor);
    query = query.where((eb) =>
      eb(eb.refTuple('file', 'line', 'column', 'id'), '>', eb.tuple(file, line, column, id)),
    );
  }
  // One query after the other: a page needs no second pooled connection.
  const rows = await query
    .orderBy('file')
    .orderBy('line')
    .orderBy('column')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const total = await db
    .selectFrom('catalog_problems')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  const items = rows.slice(0, limit);
  return {
    items,
    totalItems: Number(total?.n ?? 0),
    ...(rows.length > limit ? { nextCursor: encode(items.at(-1)!) } : {}),
  };
}
