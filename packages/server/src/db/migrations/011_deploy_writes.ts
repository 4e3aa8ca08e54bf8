import type { Kysely } from 'kysely';

// What the deploy executor did to each cluster of a deployment, written before and after it
// patches: `token` is the leader lease's fencing token of the replica that meant to patch, and
// `applied_at` is set once every patch of that cluster was accepted. A new leader reads it to tell
// "already changed, observe the rollout" from "maybe not changed yet", so no cluster is patched
// twice for one deployment.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deploy_cluster_writes')
    .addColumn('deployment_id', 'varchar(64)', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    .addColumn('cluster', 'varchar(200)', (c) => c.notNull())
    // 'change' (to the new images) or 'restore' (back to the recorded templates).
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('intended_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('applied_at', 'varchar(40)')
    .addPrimaryKeyConstraint('deploy_cluster_writes_pk', ['deployment_id', 'cluster', 'action'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deploy_cluster_writes').execute();
}
