// The executor's writes to one cluster of a deployment, recorded around each patch: "intended"
// (with the leader's fencing token) before it patches, "applied" once every patch was accepted.
// Both are refused in their transaction when the lease has a newer token, so a replica that lost
// the lease cannot claim a cluster; a new leader that finds "applied" never patches that cluster
// again for this deployment, and one that finds only "intended" reads the live workloads first.
import type { Database } from '../../db/database.ts';
import { fence as checkFence, type Fence } from '../../replicas/lease.ts';

export type ClusterWriteAction = 'change' | 'restore';

export interface ClusterWrite {
  cluster: string;
  action: ClusterWriteAction;
  /** The fencing token of the leader that intended it last (0 without a lease). */
  token: number;
  intendedAt: string;
  appliedAt?: string;
}

interface Key {
  db: Database;
  id: string;
  cluster: string;
  action: ClusterWriteAction;
}

export async function getClusterWrite({ db, id, cluster, action }: Key): Promise<ClusterWrite | undefined> {
  const row = await db
    .selectFrom('deploy_cluster_writes')
    .selectAll()
    .where('deployment_id', '=', id)
    .where('cluster', '=', cluster)
    .where('action', '=', action)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    cluster: row.cluster,
    action: row.action,
    token: Number(row.token),
    intendedAt: row.intended_at,
    ...(row.applied_at ? { appliedAt: row.applied_at } : {}),
  };
}

/**
 * Claim the cluster for a patch under `fence`. Returns the write as it stands after: when it was
 * applied already (by this or an earlier leader), the claim changes nothing and the caller must
 * not patch.
 */
export async function intendClusterWrite(
  key: Key & { fence?: Fence; at: string },
): Promise<ClusterWrite | undefined> {
  const { db, id, cluster, action, fence, at } = key;
  return db.transaction().execute(async (tx) => {
    if (fence) await checkFence(tx, fence.lease, fence.token);
    await tx
      .insertInto('deploy_cluster_writes')
      .values({
        deployment_id: id,
        cluster,
        action,
        token: fence?.token ?? 0,
        intended_at: at,
        applied_at: null,
      })
      .onConflict((oc) =>
        oc
          .columns(['deployment_id', 'cluster', 'action'])
          .doUpdateSet({ token: fence?.token ?? 0, intended_at: at })
          .where('deploy_cluster_writes.applied_at', 'is', null),
      )
      .execute();
    return getClusterWrite({ db: tx, id, cluster, action });
  });
}

/** Every patch of the cluster was accepted: record it under `fence` (refused once the lease moved on). */
export async function markClusterWriteApplied(key: Key & { fence?: Fence; at: string }): Promise<void> {
  const { db, id, cluster, action, fence, at } = key;
  await db.transaction().execute(async (tx) => {
    if (fence) await checkFence(tx, fence.lease, fence.token);
    await tx
      .updateTable('deploy_cluster_writes')
      .set({ applied_at: at })
      .where('deployment_id', '=', id)
      .where('cluster', '=', cluster)
      .where('action', '=', action)
      .where('token', '=', fence?.token ?? 0)
      .where('applied_at', 'is', null)
      .execute();
  });
}
