// Kysely's SQLite dialect over Node's built-in node:sqlite, so the embedded database needs no
// native addon (one less thing to compile against the right Node headers on every machine).
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { ConflictError } from '@portolan/core/errors';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => {
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p === undefined) return null;
    return p as SQLInputValue;
  });
}

class Statement implements SqliteStatement {
  readonly reader: boolean;
  readonly #stmt: StatementSync;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...bind(parameters));
  }
  run(parameters: ReadonlyArray<unknown>) {
    const { changes, lastInsertRowid } = this.#stmt.run(...bind(parameters));
    return { changes, lastInsertRowid };
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...bind(parameters));
  }
}

/**
 * SQLite serves one process: a second portal on the same file would refresh the catalog twice and
 * never see the first one's live changes. The first process holds an exclusive lock on a small
 * file beside the database for as long as it runs; the operating system drops the lock when the
 * process ends, however it ends, so a crash never leaves the file locked.
 */
function lockProcess(path: string): DatabaseSync {
  const lock = new DatabaseSync(`${path}.lock`);
  try {
    lock.exec('PRAGMA locking_mode = EXCLUSIVE; PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE;');
    lock.exec('CREATE TABLE IF NOT EXISTS held_by (pid INTEGER)');
  } catch (error) {
    lock.close();
    if (/locked|busy/i.test((error as Error).message)) {
      throw new ConflictError(
        `another Portolan process is using the SQLite database ${path}. SQLite serves one process; ` +
          'to run several replicas, use PostgreSQL (database.client: pg).',
      );
    }
    throw error;
  }
  return lock;
}

export function openSqlite(path: string, options: { lock?: boolean } = {}): SqliteDatabase {
  const lock = path === ':memory:' || options.lock === false ? undefined : lockProcess(path);
  const db = new DatabaseSync(path);
  // WAL lets readers (API requests) proceed while a refresh writes. SQLite's default page cache
  // is 2 MiB; a 20,000-entity catalog with its docs and search index is a few hundred, and a broad
  // search reads thousands of its pages (counting the facets of a search matching all 5,000 docs
  // pages of the bench catalog: 44 ms with the default cache, 17 ms with 64 MiB).
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536;',
  );
  return {
    close: () => {
      db.close();
      lock?.close();
    },
    prepare: (sql: string) => new Statement(db.prepare(sql)),
  };
}
