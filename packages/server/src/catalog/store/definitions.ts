import type { DefinitionSummary, DefinitionView } from '@portolan/core/apis/definition';
import type { Database } from '../../db/database.ts';
import type { CatalogDefinitionRow } from '../../db/tables.ts';

export async function readDefinitionHashes({ db }: { db: Database }): Promise<Map<string, string>> {
  const rows = await db.selectFrom('catalog_definitions').select(['ref', 'hash']).execute();
  return new Map(rows.map((r) => [r.ref, r.hash]));
}

export async function writeDefinitions({
  db,
  writes,
  deletes,
}: {
  db: Database;
  writes: CatalogDefinitionRow[];
  deletes: string[];
}): Promise<void> {
  if (writes.length === 0 && deletes.length === 0) return;
  await db.transaction().execute(async (tx) => {
    const gone = [...deletes, ...writes.map((w) => w.ref)];
    for (let i = 0; i < gone.length; i += 400)
      await tx
        .deleteFrom('catalog_definitions')
        .where('ref', 'in', gone.slice(i, i + 400))
        .execute();
    // Views can be large (dereferenced schemas): a few rows per statement.
    for (let i = 0; i < writes.length; i += 50)
      await tx
        .insertInto('catalog_definitions')
        .values(writes.slice(i, i + 50))
        .execute();
  });
}

export async function getDefinition({
  db,
  ref,
}: {
  db: Database;
  ref: string;
}): Promise<DefinitionView | undefined> {
  const row = await db
    .selectFrom('catalog_definitions')
    .select('view')
    .where('ref', '=', ref)
    .executeTakeFirst();
  return row ? (JSON.parse(row.view) as DefinitionView) : undefined;
}

export async function getDefinitionSummaries({
  db,
  refs,
}: {
  db: Database;
  refs: string[];
}): Promise<Map<string, DefinitionSummary>> {
  if (refs.length === 0) return new Map();
  const rows = await db
    .selectFrom('catalog_definitions')
    .select(['ref', 'summary'])
    .where('ref', 'in', refs)
    .execute();
  return new Map(rows.map((r) => [r.ref, JSON.parse(r.summary) as DefinitionSummary]));
}
