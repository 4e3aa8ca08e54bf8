import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { useToken } from '../../src/auth/store/tokens.ts';
import { tokenCommand } from '../../src/cli/token.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  return {
    io: { stdin: new PassThrough(), stdout, stderr },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('portolan token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-token-cli-'));
  const config = join(dir, 'portolan.yaml');
  writeFileSync(
    config,
    'auth:\n  baseUrl: https://portolan.example.com\n  tokenMaxDays: 30\ndatabase:\n  connection: ./data/p.sqlite\n',
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('create prints a token the server accepts, for that user and scope; list shows it; revoke ends it', async () => {
    const a = io();
    expect(
      await tokenCommand(['create', '--config', config, '--user', 'ada', '--scope', 'admin'], a.io),
    ).toBe(0);
    const token = a.out().trim();
    expect(token).toMatch(/^ptl_/);
    expect(a.err()).toContain('for user:default/ada, scope admin');
    expect(a.err()).not.toContain(token);
    // SQLite serves one process at a time: the test reads the database between commands.
    const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
      const db = await openDatabase({ client: 'sqlite', connection: join(dir, 'data/p.sqlite') });
      try {
        return await fn(db);
      } finally {
        await db.destroy();
      }
    };
    expect(await withDb((db) => useToken({ db, token, now: new Date() }))).toMatchObject({
      user: 'user:default/ada',
      scope: 'admin',
    });
    const l = io();
    await tokenCommand(['list', '--config', config], l.io);
    const id = token.split('_')[1]!;
    expect(l.out()).toContain(`${id}  user:default/ada  admin  live`);
    // The secret is what follows the id; it may itself hold underscores.
    expect(l.out()).not.toContain(token.slice(`ptl_${id}_`.length));
    await tokenCommand(['revoke', id, '--config', config], io().io);
    expect(await withDb((db) => useToken({ db, token, now: new Date() }))).toBeUndefined();
  });

  it('refuses an unknown scope, a life beyond the configured maximum, and a config without auth', async () => {
    await expect(
      tokenCommand(['create', '--config', config, '--user', 'ada', '--scope', 'root'], io().io),
    ).rejects.toThrow('--scope must be one of read, deploy, admin');
    await expect(
      tokenCommand(
        ['create', '--config', config, '--user', 'ada', '--scope', 'read', '--days', '31'],
        io().io,
      ),
    ).rejects.toThrow('from 1 to 30');
    const local = join(dir, 'local.yaml');
    writeFileSync(local, 'database:\n  connection: ./data/p.sqlite\n');
    await expect(tokenCommand(['create', '--config', local, '--user', 'ada'], io().io)).rejects.toThrow(
      'has no "auth" section',
    );
  });
});
