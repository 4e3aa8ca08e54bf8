import { type DeploymentEvent, foldDeployment, isActiveStatus } from '@portolan/core/deploy/index';
import { InputError } from '@portolan/core/errors';
import type { Database } from '../../db/database.ts';
import { fence as checkFence, type Fence } from '../../replicas/lease.ts';
import { eventRow, stateColumns } from './rows.ts';

/**
 * Stores deployments that have already ended (a history generated for the demo, or imported
 * from another tool), in one transaction. Refuses any that has not ended: an active deployment
 * goes through createDeployment, which holds the service.
 */
export async function importDeployments({
  db,
  deployments,
  fence,
}: {
  db: Database;
  deployments: { id: string; service: string; events: DeploymentEvent[] }[];
  /** The leader's lease and token: nothing is stored once another replica took the lease. */
  fence?: Fence;
}): Promise<number> {
  const rows = deployments.map((d) => {
    const state = foldDeployment(d.events);
    if (isActiveStatus(state.status))
      throw new InputError(`deployment ${d.id} has not ended (${state.status})`);
    return { d, state };
  });
  await db.transaction().execute(async (tx) => {
    if (fence) await checkFence(tx, fence.lease, fence.token);
    for (let i = 0; i < rows.length; i += 200) {
      const batch = rows.slice(i, i + 200);
      await tx
        .insertInto('deployments')
        .values(
          batch.map(({ d, state }) => ({
            id: d.id,
            service: d.service,
            idempotency_key: null,
            external: state.external ? 1 : 0,
            requested_by: state.requestedBy ?? '',
            requested_at: state.requestedAt ?? '',
            last_seq: d.events.length,
            ...stateColumns(state, false),
          })),
        )
        .execute();
      const events = batch.flatMap(({ d }) => d.events.map((e, n) => eventRow(d.id, n + 1, e)));
      for (let j = 0; j < events.length; j += 500)
        await tx
          .insertInto('deployment_events')
          .values(events.slice(j, j + 500))
          .execute();
    }
  });
  return rows.length;
}
