import { type Kysely, sql } from 'kysely';

// `q` searches match substrings (LIKE '%word%'), which no B-tree index serves; trigram indexes do.
// SQLite: an FTS5 table with the trigram tokenizer, kept in step with catalog_entities.search
// by the catalog writer. PostgreSQL: a pg_trgm index; creating the extension needs a privileged
// role or a trusted extension (pg_trgm is trusted since PostgreSQL 13), so without it search
// still works, by scanning.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!db.getExecutor().adapter.constructor.name.startsWith('Postgres')) {
    await sql`CREATE VIRTUAL TABLE catalog_search USING fts5(ref UNINDEXED, search, tokenize = 'trigram')`.execute(
      db,
    );
    return;
  }
  await sql`
    DO $$
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX IF NOT EXISTS catalog_entities_search_trgm ON catalog_entities USING gin (search gin_trgm_ops);
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'no trigram index for catalog search: %', SQLERRM;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!db.getExecutor().adapter.constructor.name.startsWith('Postgres')) {
    await sql`DROP TABLE IF EXISTS catalog_search`.execute(db);
    return;
  }
  await sql`DROP INDEX IF EXISTS catalog_entities_search_trgm`.execute(db);
}
