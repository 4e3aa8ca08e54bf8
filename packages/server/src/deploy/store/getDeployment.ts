import { NotFoundError } from '@portolan/core/errors';
import type { Database } from '../../db/database.ts';
import { fromRow, type StoredDeployment } from './rows.ts';

export async function getDeployment({ db, id }: { db: Database; id: string }): Promise<StoredDeployment> {
  const row = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`no deployment ${id}`, { name: id });
  return fromRow(row);
}
