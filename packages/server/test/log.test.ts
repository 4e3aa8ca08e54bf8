// The log as people and machines read it: JSON off a terminal, short lines on one, no
// credentials in either, and no terminal control sequences smuggled in by what is logged.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.ts';
import { createLogger, formatLine } from '../src/log.ts';
import { startPortal } from '../src/portal.ts';

function capture() {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)) };
}

describe('the server log', () => {
  it('writes JSON lines by default, with credentials redacted', () => {
    const out = capture();
    const log = createLogger({ destination: out });
    log.info({ cluster: 'eu-1', token: 'sekret-1' }, 'cluster synced');
    log.info({ req: { headers: { authorization: 'Bearer sekret-2', cookie: 'sid=sekret-3' } } }, 'request');
    log.info({ database: { connection: 'postgres://u:sekret-4@db/p' } }, 'opened');
    expect(out.lines).toHaveLength(3);
    const first = JSON.parse(out.lines[0]!);
    expect(first).toMatchObject({ level: 30, msg: 'cluster synced', cluster: 'eu-1', token: '[redacted]' });
    expect(out.lines.join('\n')).not.toMatch(/sekret/);
  });

  it('writes one human-readable line per entry when pretty', () => {
    const out = capture();
    const log = createLogger({ destination: out, pretty: true });
    log.warn(
      { cluster: 'eu-1', reason: 'unreachable', message: 'connect ECONNREFUSED 10.0.0.1:443' },
      'cluster unreachable',
    );
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}cluster unreachable {2}cluster=eu-1 reason=unreachable message="connect ECONNREFUSED 10\.0\.0\.1:443"$/,
    );
  });

  it('escapes control characters from logged text, so a line cannot rewrite the terminal', () => {
    const evil = 'ok\x1b[2J\x1b[1;1Hfake line\rback';
    const line = formatLine(JSON.stringify({ level: 30, time: 0, msg: evil, name: evil }));
    expect(line).not.toMatch(/[\x00-\x1f]/);
    expect(line).toContain('ok\\u001b[2J\\u001b[1;1Hfake line\\u000dback');
  });

  it("shows an error's message, and its stack for errors only", () => {
    const error = new Error('boom');
    const out = capture();
    const log = createLogger({ destination: out, pretty: true });
    log.warn({ err: error }, 'background evaluation failed');
    log.error({ err: error }, 'listener failed');
    expect(out.lines[0]).toMatch(/WARN {2}background evaluation failed {2}err=boom$/);
    expect(out.lines[1]).toMatch(/ERROR listener failed {2}err=boom$/);
    expect(out.lines[2]).toMatch(/^ {4}at /);
  });

  it('logs answered requests only when the config asks, at its level', async () => {
    for (const requests of ['off', 'info'] as const) {
      const out = capture();
      const config = parseConfig(
        { server: { port: 0, log: { requests } }, database: { connection: ':memory:' } },
        'test',
      );
      const portal = await startPortal({
        config,
        baseDir: '.',
        apiOnly: true,
        logger: createLogger({ destination: out }),
      });
      try {
        const res = await fetch(`${portal.url}/api/catalog/entities/by-name/component/default/nope`, {
          headers: { authorization: 'Bearer sekret-5' },
        });
        expect(res.status).toBe(404);
      } finally {
        await portal.close();
      }
      const requestLines = out.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
      if (requests === 'off') expect(requestLines).toEqual([]);
      else
        expect(requestLines).toEqual([
          expect.objectContaining({
            level: 30,
            method: 'GET',
            url: '/api/catalog/entities/by-name/component/default/nope',
            status: 404,
            ms: expect.any(Number),
          }),
        ]);
      expect(out.lines.join('\n')).not.toMatch(/sekret/);
    }
  });
});
