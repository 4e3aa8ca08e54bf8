import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import pg from 'pg';
import * as m001 from './migrations/001_catalog.ts';
import * as m002 from './migrations/002_search_index.ts';
import * as m003 from './migrations/003_backstage_api.ts';
import * as m004 from './migrations/004_api_definitions.ts';
import * as m005 from './migrations/005_docs.ts';
import * as m006 from './migrations/006_deployments.ts';
import * as m007 from './migrations/007_search.ts';
import * as m008 from './migrations/008_leases.ts';
import * as m009 from './migrations/009_search_words.ts';
import * as m010 from './migrations/010_auth.ts';
import * as m011 from './migrations/011_deploy_writes.ts';
import { openSqlite } from './node-sqlite.ts';
import type { Tables } from './tables.ts';

export type Database = Kysely<Tables>;
export type DatabaseClient = 'sqlite' | 'pg';

export interface DatabaseOptions {
  client: DatabaseClient;
  /** SQLite: a file path or ':memory:'. PostgreSQL: a connection string. */
  connection: string;
  /**
   * A short-lived tool beside a running portal (the token CLI): SQLite's one-process lock is not
   * taken, so it works while the portal runs. A second portal never opens a database this way.
   */
  alongside?: boolean;
}

/** Numbered migrations, applied in order; never edit one that has shipped, add the next. */
const MIGRATIONS: Record<string, Migration> = {
  '001_catalog': m001,
  '002_search_index': m002,
  '003_backstage_api': m003,
  '004_api_definitions': m004,
  '005_docs': m005,
  '006_deployments': m006,
  '007_search': m007,
  '008_leases': m008,
  '009_search_words': m009,
  '010_auth': m010,
  '011_deploy_writes': m011,
};

/**
 * Put in front of a statement's select list (`.modifyFront(PREPARE)`) to have PostgreSQL plan it
 * once per connection: for a statement asked often whose planning is a good part of its time (the
 * search box's ranking: 1.5 of about 9 ms). Other statements are planned each time, as usual.
 */
export const PREPARE = sql.raw('/* prepare */');
/** Prepared statements per connection at most; past it, statements are planned each time. */
const MAX_PREPARED = 100;

/** A PostgreSQL client that prepares the statements marked with PREPARE, named by their text. */
class PreparingClient extends pg.Client {
  readonly #prepared = new Set<string>();

  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has many overloads; this passes them on.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && config.includes('/* prepare */') && Array.isArray(values)) {
      const name = `portolan_${createHash('sha256').update(config).digest('base64url').slice(0, 24)}`;
      if (this.#prepared.has(name) || this.#prepared.size < MAX_PREPARED) {
        this.#prepared.add(name);
        return super.query({ name, text: config, values }, callback);
      }
    }
    return super.query(config, values, callback);
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let db: Database;
  if (options.client === 'sqlite') {
    if (options.connection !== ':memory:') mkdirSync(dirname(options.connection), { recursive: true });
    db = new Kysely<Tables>({
      dialect: new SqliteDialect({ database: openSqlite(options.connection, { lock: !options.alongside }) }),
    });
  } else {
    db = new Kysely<Tables>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({
          Client: PreparingClient,
          connectionString: options.connection,
          max: 10,
          // PostgreSQL's default random_page_cost assumes spinning disks, and with it the planner
          // answers catalog substring search with a sequential scan instead of the trigram index
          // (measured at 20,000 entities: ~10 ms against ~3 ms). 1.1 is the usual SSD setting.
          options: '-c random_page_cost=1.1',
        }),
      }),
    });
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`,
    );
  }
  return db;
}

export function isPostgres(db: Database): boolean {
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres');
}

/**
 * PostgreSQL: merges each GIN index's pending list into the index. Rows written go to that list
 * first, and every search reads it whole until autovacuum gets to it: after a refresh of 20,000
 * entities and 5,000 docs pages, about 550 pages per search (measured: a broad search 8.6 ms,
 * 2.7 ms once merged). Called after a write of many rows; a role that may not do it (the tables
 * owned by another) leaves the lists to autovacuum.
 */
export async function mergePendingIndexEntries(db: Database): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`
    SELECT gin_clean_pending_list(c.oid)
    FROM pg_class c JOIN pg_am a ON a.oid = c.relam
    WHERE a.amname = 'gin' AND c.relkind = 'i' AND c.relnamespace = current_schema()::regnamespace
      AND pg_has_role(c.relowner, 'USAGE')`.execute(db);
}
