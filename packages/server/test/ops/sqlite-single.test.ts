// SQLite serves one process: a second portal started on the same file is refused and told to use
// PostgreSQL, and the file is free again once the first process is gone, however it ended.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tokenCommand } from '../../src/cli/token.ts';
import { startPortalProcess } from './processes.ts';

describe('two processes on one SQLite file', () => {
  it('refuses the second with a message that says to use PostgreSQL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portolan-sqlite-'));
    const config = join(dir, 'portolan.yaml');
    await writeFile(config, 'database:\n  client: sqlite\n  connection: ./data/portolan.sqlite\n');
    const first = startPortalProcess(config);
    try {
      await first.url;
      const second = startPortalProcess(config);
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(
        `portolan: another Portolan process is using the SQLite database ${join(dir, 'data/portolan.sqlite')}. ` +
          'SQLite serves one process; to run several replicas, use PostgreSQL (database.client: pg).',
      );
      // The first is untouched, and when it is killed outright the file is free again.
      expect((await fetch(`${await first.url}/readyz`)).status).toBe(200);
      first.child.kill('SIGKILL');
      await first.exited;
      const third = startPortalProcess(config);
      // Ready at once: the killed process's lease is not waited out (it cannot be alive).
      expect((await fetch(`${await third.url}/readyz`)).status).toBe(200);
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('lets the token CLI create and revoke tokens beside the running portal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portolan-sqlite-token-'));
    const config = join(dir, 'portolan.yaml');
    await writeFile(
      config,
      'server:\n  allowedHosts: [127.0.0.1]\nauth:\n  baseUrl: https://portal.example.com\n' +
        'database:\n  client: sqlite\n  connection: ./data/portolan.sqlite\n',
    );
    const portal = startPortalProcess(config);
    try {
      const url = await portal.url;
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (c) => {
        out += String(c);
      });
      const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough() };
      expect(await tokenCommand(['create', '--config', config, '--user', 'ada'], io)).toBe(0);
      const token = out.trim();
      const read = () =>
        fetch(`${url}/api/catalog/entities`, { headers: { authorization: `Bearer ${token}` } });
      expect((await read()).status).toBe(200);
      expect(await tokenCommand(['revoke', token.split('_')[1]!, '--config', config], io)).toBe(0);
      expect((await read()).status).toBe(403);
    } finally {
      portal.child.kill('SIGKILL');
      await portal.exited;
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
