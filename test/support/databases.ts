// The store suite runs on every supported engine, like Backstage's TestDatabases.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, type DatabaseOptions, openDatabase } from '../../packages/server/src/db/database.ts';

export interface TestDatabase {
  id: 'sqlite' | 'pg';
  /** A fresh, migrated, empty database, and how to throw it away. */
  create(): Promise<{ db: Database; options: DatabaseOptions; drop(): Promise<void> }>;
}

const sqlite: TestDatabase = {
  id: 'sqlite',
  async create() {
    const options: DatabaseOptions = { client: 'sqlite', connection: ':memory:' };
    const db = await openDatabase(options);
    return { db, options, drop: () => db.destroy() };
  },
};

const postgres: TestDatabase = {
  id: 'pg',
  async create() {
    const base = process.env.PORTOLAN_TEST_PG_URL;
    if (!base)
      throw new Error('PORTOLAN_TEST_PG_URL is not set; run the store tier through "npm test -- store"');
    const name = `portolan_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    const options: DatabaseOptions = { client: 'pg', connection: url.toString() };
    const db = await openDatabase(options);
    return {
      db,
      options,
      async drop() {
        await db.destroy();
        const c = new pg.Client({ connectionString: base });
        await c.connect();
        // The pool's end() resolves while its sockets are still closing; a forced drop then
        // kills one of them, and its late error surfaces as an unhandled one in whatever test
        // runs next. Waiting for the sessions to go first removes the race.
        for (let i = 0; i < 100; i++) {
          const { rows } = await c.query(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  },
};

export const TEST_DATABASES: TestDatabase[] = [sqlite, postgres];
