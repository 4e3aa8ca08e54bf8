import { type Kysely, sql } from 'kysely';

// Deployments and their append-only event lists. One active deployment per service is the
// database's rule, not the application's: a partial unique index over (service) where active,
// so two concurrent requests cannot both insert one (no check-then-insert window).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deployments')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('service', 'varchar(400)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    // 1 while the deployment holds its service, NULL after: only active rows enter the index.
    .addColumn('active', 'integer')
    .addColumn('idempotency_key', 'varchar(200)')
    .addColumn('external', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('requested_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('requested_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('ended_at', 'varchar(40)')
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    // The fold of the events (JSON), kept in step with them in the same transaction.
    .addColumn('state', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX deployments_one_active ON deployments (service) WHERE active = 1`.execute(db);
  await db.schema
    .createIndex('deployments_idempotency')
    .on('deployments')
    .columns(['service', 'idempotency_key'])
    .unique()
    .execute();
  await db.schema
    .createIndex('deployments_service_time')
    .on('deployments')
    .columns(['service', 'requested_at'])
    .execute();
  await db.schema.createIndex('deployments_time').on('deployments').columns(['requested_at']).execute();

  await db.schema
    .createTable('deployment_events')
    .addColumn('deployment_id', 'varchar(64)', (c) =>
      c.notNull().references('deployments.id').onDelete('cascade'),
    )
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor', 'varchar(200)', (c) => c.notNull())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    // Two writers appending the same place in one list: one of them fails instead of both landing.
    .addPrimaryKeyConstraint('deployment_events_pk', ['deployment_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deployment_events').execute();
  await db.schema.dropTable('deployments').execute();
}
