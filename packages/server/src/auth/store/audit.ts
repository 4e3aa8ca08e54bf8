import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/database.ts';
import type { AuditRow } from '../../db/tables.ts';

export type AuditEntry = Omit<AuditRow, 'id'>;

export async function appendAudit({ db, entry }: { db: Database; entry: AuditEntry }): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: `${entry.at}-${randomBytes(4).toString('hex')}`, ...entry })
    .execute();
}

/** Newest first, one page at a time: `before` is the last id of the previous page. */
export async function listAudit({
  db,
  limit,
  before,
}: {
  db: Database;
  limit: number;
  before?: string | undefined;
}): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (before !== undefined) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}
