import type { StoredEvent } from '@portolan/core/deploy/index';
import type { Database } from '../../db/database.ts';
import { eventFromRow } from './rows.ts';

/** A deployment's events after `afterSeq` (0: all), in order. */
export async function listEvents({
  db,
  id,
  afterSeq = 0,
}: {
  db: Database;
  id: string;
  afterSeq?: number;
}): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('deployment_events')
    .selectAll()
    .where('deployment_id', '=', id)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute();
  return rows.map(eventFromRow);
}
