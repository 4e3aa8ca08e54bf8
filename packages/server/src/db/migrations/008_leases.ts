import type { Kysely } from 'kysely';

// Leases: work that must run on one replica at a time (catalog refresh, the deploy executor) is
// done by the holder of a named lease. `token` grows by one at every change of holder, so a
// former leader's late write can be refused (a fencing token); times are the database's clock, in
// milliseconds since the epoch, so replicas' clocks never have to agree.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(200)', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
