// Finds or starts the PostgreSQL that the store suite runs against.
// PORTOLAN_TEST_PG_URL wins; otherwise the local server on 127.0.0.1:5432 is used, and on a
// Debian machine where it is installed but stopped (and we are root), it is started and a
// test role and database are created.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';

export const DEFAULT_PG_URL = 'postgres://portolan:portolan@127.0.0.1:5432/portolan_test';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function asPostgres(sql: string): void {
  execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-v', 'ON_ERROR_STOP=1', '-qc', sql], {
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: '/',
  });
}

export async function ensurePostgres(): Promise<string> {
  const fromEnv = process.env.PORTOLAN_TEST_PG_URL;
  if (fromEnv) return fromEnv;
  const url = new URL(DEFAULT_PG_URL);
  const port = Number(url.port);
  const isRoot = process.getuid?.() === 0;
  if (!(await reachable(url.hostname, port))) {
    const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
    if (!isRoot || versions.length === 0) {
      throw new Error(
        `PostgreSQL is not reachable at ${url.hostname}:${port}. Start one and set PORTOLAN_TEST_PG_URL ` +
          '(e.g. postgres://user:pass@127.0.0.1:5432/db), or install Debian\'s "postgresql" package.',
      );
    }
    const version = versions.sort().at(-1)!;
    if (!existsSync(`/etc/postgresql/${version}/main`)) {
      execFileSync('pg_createcluster', [version, 'main'], { stdio: 'ignore' });
    }
    execFileSync('pg_ctlcluster', [version, 'main', 'start'], { stdio: 'inherit' });
    for (let i = 0; i < 50 && !(await reachable(url.hostname, port)); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (isRoot) {
    // Idempotent: create the role and database the default URL names.
    asPostgres(
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portolan') THEN " +
        "CREATE ROLE portolan LOGIN CREATEDB; END IF; END $$; ALTER ROLE portolan LOGIN CREATEDB PASSWORD 'portolan';",
    );
    const exists = execFileSync(
      'runuser',
      ['-u', 'postgres', '--', 'psql', '-tAc', "SELECT 1 FROM pg_database WHERE datname = 'portolan_test'"],
      { cwd: '/' },
    )
      .toString()
      .trim();
    if (exists !== '1') asPostgres('CREATE DATABASE portolan_test OWNER portolan');
  }
  return DEFAULT_PG_URL;
}
