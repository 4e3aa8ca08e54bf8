import type { Database } from '../../db/database.ts';
import { rowToStored, type StoredEntity, selectStored } from './rows.ts';

export async function getEntities({
  db,
  refs,
}: {
  db: Database;
  refs: string[];
}): Promise<Map<string, StoredEntity>> {
  const result = new Map<string, StoredEntity>();
  for (let i = 0; i < refs.length; i += 500) {
    const rows = await selectStored(db)
      .where('e.ref', 'in', refs.slice(i, i + 500))
      .execute();
    for (const row of rows) result.set(row.ref, rowToStored(row));
  }
  return result;
}
