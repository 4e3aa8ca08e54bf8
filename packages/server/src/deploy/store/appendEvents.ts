import { applyEvent, type DeploymentEvent, isActiveStatus } from '@portolan/core/deploy/index';
import { ConflictError, NotFoundError } from '@portolan/core/errors';
import { type Database, isPostgres } from '../../db/database.ts';
import { fence as checkFence, type Fence } from '../../replicas/lease.ts';
import { eventRow, fromRow, isUniqueViolation, type StoredDeployment, stateColumns } from './rows.ts';

type Executor = Pick<Database, 'selectFrom' | 'insertInto' | 'updateTable'>;

/**
 * Appends events to a deployment's list and updates its folded state, in one transaction. With
 * `expectSeq`, refuses (ConflictError) when someone appended since the caller read the list: the
 * executor then reads again instead of acting on a stale state. With `fence` (the executor's
 * writes), refuses (LeaseLostError) in the same transaction when the lease has a newer token.
 */
export async function appendEvents({
  db,
  id,
  events,
  expectSeq,
  fence,
}: {
  db: Database;
  id: string;
  events: DeploymentEvent[];
  expectSeq?: number;
  fence?: Fence;
}): Promise<StoredDeployment> {
  try {
    return await db.transaction().execute(async (tx) => {
      if (fence) await checkFence(tx, fence.lease, fence.token);
      return appendIn(tx, isPostgres(db), id, events, expectSeq);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`deployment ${id} changed meanwhile`, { name: id });
    throw error;
  }
}

/** The same, inside a caller's transaction. */
export async function appendIn(
  tx: Executor,
  postgres: boolean,
  id: string,
  events: DeploymentEvent[],
  expectSeq?: number,
): Promise<StoredDeployment> {
  let query = tx.selectFrom('deployments').selectAll().where('id', '=', id);
  if (postgres) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFoundError(`no deployment ${id}`, { name: id });
  if (expectSeq !== undefined && row.last_seq !== expectSeq)
    throw new ConflictError(`deployment ${id} changed meanwhile`, { name: id });
  const current = fromRow(row);
  let state = current.state;
  let seq = current.lastSeq;
  const rows = [];
  for (const e of events) {
    state = applyEvent(state, e);
    rows.push(eventRow(id, ++seq, e));
  }
  if (rows.length === 0) return current;
  await tx.insertInto('deployment_events').values(rows).execute();
  await tx
    .updateTable('deployments')
    .set({ ...stateColumns(state, isActiveStatus(state.status)), last_seq: seq })
    .where('id', '=', id)
    .execute();
  return { ...current, lastSeq: seq, state };
}
