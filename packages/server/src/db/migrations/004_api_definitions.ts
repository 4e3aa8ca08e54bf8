import type { Kysely } from 'kysely';

// API definitions as the portal shows them (operations, channels, problems), parsed when a
// definition changes rather than on every page view: the AsyncAPI parser alone takes about half
// a second per document. `hash` is over the API's type and definition text.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('catalog_definitions')
    .addColumn('ref', 'varchar(300)', (c) => c.primaryKey())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('view', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('catalog_definitions').ifExists().execute();
}
