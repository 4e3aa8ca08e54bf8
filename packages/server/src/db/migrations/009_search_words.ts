import { type Kysely, sql } from 'kysely';

// The search index again (007's rows were built differently, so it is rebuilt, not converted):
// narrow rows matched and counted, with each row's long text in a table of its own read only for
// the page shown. A row's title and names are matched by substring (an FTS5 trigram table on
// SQLite, pg_trgm on PostgreSQL); its text by word prefix (FTS5 unicode61 with prefix indexes,
// a tsvector with a GIN index). Both FTS5 tables are contentless: their rowid is the row's `n`.
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter.constructor.name.startsWith('Postgres');
  if (!pg) await sql`DROP TABLE IF EXISTS search_fts`.execute(db);
  await db.schema.dropTable('search_documents').ifExists().execute();
  // The index is rebuilt on the next refresh (core's SEARCH_INDEX_VERSION moved with this).
  await sql`DELETE FROM portolan_state WHERE key = 'search_index_version'`.execute(db);
  let table = db.schema
    .createTable('search_documents')
    .addColumn('n', pg ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('id', 'varchar(1000)', (c) => c.notNull().unique())
    .addColumn('ref', 'varchar(300)', (c) => c.notNull())
    .addColumn('hit', 'varchar(20)', (c) => c.notNull())
    .addColumn('kind', 'varchar(100)', (c) => c.notNull())
    .addColumn('owner', 'varchar(300)')
    .addColumn('type', 'varchar(200)')
    .addColumn('title', 'varchar(1000)', (c) => c.notNull())
    .addColumn('title_search', 'varchar(1000)', (c) => c.notNull())
    .addColumn('target', 'varchar(1000)')
    .addColumn('keys', 'varchar(2000)', (c) => c.notNull());
  if (pg) table = table.addColumn('words', sql`tsvector`, (c) => c.notNull());
  await table.execute();
  await db.schema.createIndex('search_documents_ref').on('search_documents').column('ref').execute();
  await db.schema
    .createTable('search_text')
    .addColumn('id', 'varchar(1000)', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull())
    .execute();
  if (!pg) {
    await sql`CREATE VIRTUAL TABLE search_keys USING fts5(keys, content = '', contentless_delete = 1, tokenize = 'trigram')`.execute(
      db,
    );
    await sql`CREATE VIRTUAL TABLE search_words USING fts5(words, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3')`.execute(
      db,
    );
    return;
  }
  await sql`CREATE INDEX search_documents_words ON search_documents USING gin (words)`.execute(db);
  await sql`
    DO $$
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX IF NOT EXISTS search_documents_keys ON search_documents USING gin (keys gin_trgm_ops);
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'no trigram index for search: %', SQLERRM;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!db.getExecutor().adapter.constructor.name.startsWith('Postgres')) {
    await sql`DROP TABLE IF EXISTS search_words`.execute(db);
    await sql`DROP TABLE IF EXISTS search_keys`.execute(db);
  }
  await db.schema.dropTable('search_text').ifExists().execute();
  await db.schema.dropTable('search_documents').ifExists().execute();
}
