import { type Kysely, sql } from 'kysely';

// One index for the portal's search box: entities, docs pages and API operations, each a row
// with its entity's kind, owner and type for facets (see core search/documents.ts). Terms are
// substrings, served as catalog search is (migration 002): an FTS5 trigram table on SQLite kept
// in step by the writer, a pg_trgm index on PostgreSQL (scanning when the extension is missing).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('search_documents')
    .addColumn('id', 'varchar(1000)', (c) => c.primaryKey())
    .addColumn('ref', 'varchar(300)', (c) => c.notNull())
    .addColumn('hit', 'varchar(20)', (c) => c.notNull())
    .addColumn('kind', 'varchar(100)', (c) => c.notNull())
    .addColumn('owner', 'varchar(300)')
    .addColumn('type', 'varchar(200)')
    .addColumn('title', 'varchar(1000)', (c) => c.notNull())
    .addColumn('title_search', 'varchar(1000)', (c) => c.notNull())
    .addColumn('target', 'varchar(1000)')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('search', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('search_documents_ref').on('search_documents').column('ref').execute();
  if (!db.getExecutor().adapter.constructor.name.startsWith('Postgres')) {
    await sql`CREATE VIRTUAL TABLE search_fts USING fts5(id UNINDEXED, search, tokenize = 'trigram')`.execute(
      db,
    );
    return;
  }
  await sql`
    DO $$
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX IF NOT EXISTS search_documents_trgm ON search_documents USING gin (search gin_trgm_ops);
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'no trigram index for search: %', SQLERRM;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!db.getExecutor().adapter.constructor.name.startsWith('Postgres'))
    await sql`DROP TABLE IF EXISTS search_fts`.execute(db);
  await db.schema.dropTable('search_documents').ifExists().execute();
}
