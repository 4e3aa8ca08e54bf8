// A token revoked through one replica, or with the CLI, ends the streams opened with it on every
// replica within a second: real portal processes on one PostgreSQL.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { sseEvents } from '../../../../test/support/sse.ts';
import { type PortalProcess, startPortalProcess } from '../ops/processes.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const postgres = TEST_DATABASES.find((d) => d.id === 'pg')!;

describe('ending a credential across replicas', () => {
  let dir: string;
  let drop: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  const replicas: PortalProcess[] = [];

  /** `portolan token …` against the replicas' config, as an operator runs it beside them. */
  const cli = async (...args: string[]) =>
    (
      await promisify(execFile)(
        process.execPath,
        [MAIN, 'token', ...args, '--config', join(dir, 'portolan.yaml')],
        {
          env: { ...process.env, ...env },
        },
      )
    ).stdout.trim();
  const token = (scope: string) => cli('create', '--user', 'alice', '--scope', scope);
  const idOf = (token: string) => /^[a-z]+_([^_]+)_/.exec(token)![1]!;

  /** Opens the catalog stream with a token and returns how it ends. */
  async function openStream(replica: PortalProcess, bearer: string) {
    const response = await fetch(`${await replica.url}/api/catalog/stream`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(response.status).toBe(200);
    const events = sseEvents(response.body!);
    await events.next('refreshed');
    return events;
  }

  beforeAll(async () => {
    const created = await postgres.create();
    drop = created.drop;
    env = { PORTOLAN_DB: created.options.connection };
    dir = await mkdtemp(join(tmpdir(), 'portolan-revoke-'));
    await mkdir(join(dir, 'catalog'));
    await writeFile(
      join(dir, 'catalog', 'a.yaml'),
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: alpha\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n',
    );
    await writeFile(
      join(dir, 'portolan.yaml'),
      [
        'server:',
        '  shutdownTimeoutSeconds: 2',
        // The replicas are reached by their loopback address, the base URL by everyone else.
        '  allowedHosts: [127.0.0.1]',
        'auth:',
        '  baseUrl: https://portal.example.com',
        'database:',
        '  client: pg',
        `  connection: \${PORTOLAN_DB}`,
        'catalog:',
        '  root: .',
        '  locations:',
        '    - type: file',
        '      target: ./catalog/*.yaml',
        '',
      ].join('\n'),
    );
    for (let i = 0; i < 2; i++) replicas.push(startPortalProcess(join(dir, 'portolan.yaml'), env));
    await Promise.all(replicas.map((r) => r.url));
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('ends a stream on one replica within a second of the token being revoked through another', async () => {
    const [a, b] = replicas as [PortalProcess, PortalProcess];
    const reader = await token('read');
    const manager = await token('admin');
    const events = await openStream(b, reader);
    const revoked = await fetch(`${await a.url}/api/tokens/${idOf(reader)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${manager}` },
    });
    expect(revoked.status).toBe(204);
    const at = Date.now();
    const error = await events.next('error', 5000);
    expect(Date.now() - at).toBeLessThan(1000);
    expect(error.error.message).toMatch(/session or token .* has ended/);
    // And the token opens nothing new on either replica.
    for (const r of replicas) {
      const again = await fetch(`${await r.url}/api/catalog/stream`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(again.status).toBe(403);
    }
  });

  it('ends the streams on every replica when the token is revoked with the CLI', async () => {
    const reader = await token('read');
    const streams = await Promise.all(replicas.map((r) => openStream(r, reader)));
    await cli('revoke', idOf(reader));
    const at = Date.now();
    await Promise.all(streams.map((s) => s.next('error', 5000)));
    expect(Date.now() - at).toBeLessThan(1000);
  });

  it('keeps the streams of other tokens open', async () => {
    const b = replicas[1]!;
    const kept = await openStream(b, await token('read'));
    const gone = await token('read');
    const goneEvents = await openStream(b, gone);
    await cli('revoke', idOf(gone));
    await goneEvents.next('error', 5000);
    await expect(kept.next('error', 1500)).rejects.toThrow(/no "error" event/);
  });
});
