import type { Database } from '../../db/database.ts';
import { rowToStored, type StoredEntity } from './rows.ts';

export async function getEntities({
  db,
  refs,
}: {
  db: Database;
  refs: string[];
}): Promise<Map<string, StoredEntity>> {
  const result = new Map<string, StoredEntity>();
  for (let i = 0; i < refs.length; i += 500) {
    const rows = await db
      .selectFrom('catalog_entities')
      .select(['ref', 'body', 'relations', 'problems', 'status', 'location', 'origin_file', 'origin_line'])
      .where('ref', 'in', refs.slice(i, i + 500))
      .execute();
    for (const row of rows) result.set(row.ref, rowToStored(row));
  }
  return result;
}
