// The CLI as a user runs it: a child process, its exit code and what it prints.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasBomb } from '../../../../test/support/hostile.ts';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

function portolan(args: string[], o: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    // A command that does not exit is the defect: kill it and report a null code.
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(o.stdin ?? '');
  });
}

describe('portolan CLI', () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;
  const config = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portolan-cli-'));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve exits 1 with a clear message when its port is in use', async () => {
    const file = config('busy.yaml', `server: { port: ${busyPort} }\ndatabase: { connection: ':memory:' }\n`);
    const r = await portolan(['serve', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `portolan: cannot listen on 127.0.0.1:${busyPort}: the address is already in use (stop the other process, or pass --port)\n`,
    );
  });

  it('serve exits 1 naming the token variable that is not set', async () => {
    const file = config(
      'token.yaml',
      [
        'server: { port: 0 }',
        "database: { connection: ':memory:' }",
        'kubernetes:',
        '  clusters:',
        '    - name: prod',
        '      url: https://127.0.0.1:1',
        '      auth: { type: token, tokenEnv: PORTOLAN_TEST_UNSET_TOKEN }',
        '',
      ].join('\n'),
    );
    const r = await portolan(['serve', '--config', file], { env: { PORTOLAN_TEST_UNSET_TOKEN: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'portolan: cluster prod: environment variable PORTOLAN_TEST_UNSET_TOKEN is not set\n',
    );
    expect(r.stdout).not.toContain('Portolan is running');
  });

  it('serve starts and listens although a descriptor is an alias bomb', async () => {
    writeFileSync(join(dir, 'bomb.yaml'), aliasBomb(10));
    const file = config(
      'bomb-portal.yaml',
      `server: { port: 0 }\ndatabase: { connection: ':memory:' }\ncatalog: { locations: [{ type: file, target: ./bomb.yaml }] }\n`,
    );
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', file], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the portal did not listen within 10 s')), 10_000);
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
          const m = /running at (\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const problems = (await (await fetch(`${url}/api/catalog/problems`)).json()) as {
        items: { file: string; message: string }[];
      };
      expect(problems.items).toEqual([
        expect.objectContaining({
          file: 'bomb.yaml',
          message: expect.stringMatching(/^YAML: expands to more than/),
        }),
      ]);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
  });

  it('catalog validate reports an alias bomb as a problem of that file and exits 1', async () => {
    const bomb = join(dir, 'validate-bomb.yaml');
    writeFileSync(bomb, aliasBomb(10));
    const r = await portolan(['catalog', 'validate', bomb]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${bomb}:1:1: YAML: expands to more than 1048576 bytes (aliases expanded); it is refused as an alias bomb\n`,
    );
    expect(r.ms).toBeLessThan(10_000);
  });

  it('explain exits 3, without a stack trace, on an alias bomb', async () => {
    const r = await portolan(['explain', '-'], {
      stdin: aliasBomb(10).replace('kind: Component', 'kind: Pod'),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^portolan explain: <stdin>:1: refused YAML: expands to more than 1048576 bytes/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
