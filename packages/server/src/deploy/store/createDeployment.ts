import { type DeploymentEvent, foldDeployment, isActiveStatus } from '@portolan/core/deploy/index';
import { ConflictError } from '@portolan/core/errors';
import { type Database, isPostgres } from '../../db/database.ts';
import { appendIn } from './appendEvents.ts';
import { eventRow, fromRow, isUniqueViolation, type StoredDeployment, stateColumns } from './rows.ts';

export interface CreateResult {
  deployment: StoredDeployment;
  /** False when the idempotency key named an existing deployment, which is returned instead. */
  created: boolean;
  /** The deployment this one superseded. */
  superseded?: string;
}

/**
 * Inserts a deployment with its first events. The database keeps one active deployment per
 * service: a second one is a ConflictError naming the first, unless `supersede`, which ends the
 * running one (event `superseded`) in the same transaction. A known idempotency key returns the
 * deployment it created, whatever its state.
 */
export async function createDeployment({
  db,
  id,
  service,
  events,
  idempotencyKey,
  supersede = false,
  external = false,
}: {
  db: Database;
  id: string;
  service: string;
  events: DeploymentEvent[];
  idempotencyKey?: string;
  supersede?: boolean;
  external?: boolean;
}): Promise<CreateResult> {
  const byKey = async (q: Pick<Database, 'selectFrom'> = db) =>
    idempotencyKey === undefined
      ? undefined
      : await q
          .selectFrom('deployments')
          .selectAll()
          .where('service', '=', service)
          .where('idempotency_key', '=', idempotencyKey)
          .executeTakeFirst();
  const known = await byKey();
  if (known) return { deployment: fromRow(known), created: false };

  const state = foldDeployment(events);
  const first = events[0];
  try {
    return await db.transaction().execute(async (tx): Promise<CreateResult> => {
      // A retry that raced the first request in: the key decides before the active check does.
      const raced = await byKey(tx);
      if (raced) return { deployment: fromRow(raced), created: false };
      let superseded: string | undefined;
      const running = await tx
        .selectFrom('deployments')
        .select(['id', 'status'])
        .where('service', '=', service)
        .where('active', '=', 1)
        .executeTakeFirst();
      if (running && idempotencyKey !== undefined) {
        // On PostgreSQL each statement sees what committed before it began: the running one may
        // be this very request's first try, committed since the check above.
        const committed = await byKey(tx);
        if (committed) return { deployment: fromRow(committed), created: false };
      }
      if (running && supersede && !external) {
        await appendIn(tx, isPostgres(db), running.id, [
          {
            type: 'superseded',
            by: id,
            actor: first?.actor ?? 'portolan',
            at: first?.at ?? state.updatedAt ?? '',
          },
        ]);
        superseded = running.id;
      } else if (running && !external && isActiveStatus(state.status)) throw conflict(service, running);
      await tx
        .insertInto('deployments')
        .values({
          id,
          service,
          idempotency_key: idempotencyKey ?? null,
          external: external ? 1 : 0,
          requested_by: state.requestedBy ?? first?.actor ?? '',
          requested_at: state.requestedAt ?? first?.at ?? '',
          last_seq: events.length,
          ...stateColumns(state, !external && isActiveStatus(state.status)),
        })
        .execute();
      await tx
        .insertInto('deployment_events')
        .values(events.map((e, i) => eventRow(id, i + 1, e)))
        .execute();
      return {
        deployment: {
          id,
          service,
          ...(idempotencyKey ? { idempotencyKey } : {}),
          lastSeq: events.length,
          state,
        },
        created: true,
        ...(superseded ? { superseded } : {}),
      };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Lost a race: to a retry with the same key, or to another request for the same service.
    const again = await byKey();
    if (again) return { deployment: fromRow(again), created: false };
    const running = await db
      .selectFrom('deployments')
      .select(['id', 'status'])
      .where('service', '=', service)
      .where('active', '=', 1)
      .executeTakeFirst();
    if (running) throw conflict(service, running);
    throw error;
  }
}

function conflict(service: string, running: { id: string; status: string }): ConflictError {
  return new ConflictError(
    `${service} already has an active deployment, ${running.id} (${running.status}): wait for it, cancel it, or ask to supersede it`,
    { name: running.id, status: running.status },
  );
}
