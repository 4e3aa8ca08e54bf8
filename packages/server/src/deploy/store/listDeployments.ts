import type { Database } from '../../db/database.ts';
import { fromRow, type StoredDeployment } from './rows.ts';

/**
 * Deployments, newest first: of some services, only the active ones, or those requested in a
 * period. `services: []` matches none.
 */
export async function listDeployments({
  db,
  services,
  active,
  since,
  until,
  limit = 100,
}: {
  db: Database;
  services?: readonly string[];
  active?: boolean;
  since?: string;
  until?: string;
  limit?: number;
}): Promise<StoredDeployment[]> {
  if (services && services.length === 0) return [];
  let q = db.selectFrom('deployments').selectAll();
  if (services) q = q.where('service', 'in', [...services]);
  if (active) q = q.where('active', '=', 1);
  if (since) q = q.where('requested_at', '>=', since);
  if (until) q = q.where('requested_at', '<', until);
  const rows = await q.orderBy('requested_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map(fromRow);
}
