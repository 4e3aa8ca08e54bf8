import type { Kysely } from 'kysely';

// Entities' docs, rendered and sanitised when their files change (not on every page view):
// one row per site (navigation, problems, a hash over every file read) and one per page.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('docs_sites')
    .addColumn('ref', 'varchar(300)', (c) => c.primaryKey())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('site', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('docs_pages')
    .addColumn('ref', 'varchar(300)', (c) => c.notNull())
    .addColumn('path', 'varchar(500)', (c) => c.notNull())
    .addColumn('title', 'varchar(500)', (c) => c.notNull())
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('docs_pages_pk', ['ref', 'path'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('docs_pages').ifExists().execute();
  await db.schema.dropTable('docs_sites').ifExists().execute();
}
