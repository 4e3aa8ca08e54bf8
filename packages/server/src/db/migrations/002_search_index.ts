import { type Kysely, sql } from 'kysely';

// `q` searches match substrings (LIKE '%word%'), which no B-tree index serves. On PostgreSQL a
// trigram index does; creating the extension needs a privileged role or a trusted extension
// (pg_trgm is trusted since PostgreSQL 13), so without it the search still works, by scanning.
// SQLite scans: at 20,000 entities that stays within the latency target.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!db.getExecutor().adapter.constructor.name.startsWith('Postgres')) return;
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
  await sql`DROP INDEX IF EXISTS catalog_entities_search_trgm`.execute(db);
}
