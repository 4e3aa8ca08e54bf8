import type { Database } from '../../db/database.ts';
import type { CatalogProblemRow } from '../../db/tables.ts';

export async function listProblems({ db }: { db: Database }): Promise<CatalogProblemRow[]> {
  return db
    .selectFrom('catalog_problems')
    .selectAll()
    .orderBy('file')
    .orderBy('line')
    .orderBy('column')
    .execute();
}
