// The built web app as a browser fetches it: hashed assets compressed and cached for a year, the
// app shell revalidated with an ETag, client-side routes answered with the shell.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickEncoding, serveWebApp } from '../../src/http/static.ts';

describe('serveWebApp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-static-'));
  const js = `console.log(${JSON.stringify('portolan '.repeat(500))});\n`;
  let app: FastifyInstance;
  beforeAll(() => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), `<!doctype html><title>x</title>${'<!-- shell -->'.repeat(100)}`);
    writeFileSync(join(dir, 'assets', 'index-3f2a9c.js'), js);
    app = Fastify();
    serveWebApp(app, dir);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends hashed assets brotli- or gzip-compressed, cached for a year', async () => {
    const br = await app.inject({
      url: '/assets/index-3f2a9c.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(br.rawPayload.length).toBeLessThan(js.length / 10);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(js);
    const gz = await app.inject({ url: '/assets/index-3f2a9c.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(js);
    const plain = await app.inject({
      url: '/assets/index-3f2a9c.js',
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(js);
  });

  it('revalidates the app shell with an ETag and serves it for client-side routes', async () => {
    const first = await app.inject({ url: '/', headers: { 'accept-encoding': 'br' } });
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await app.inject({ url: '/clusters/eu-1', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const route = await app.inject('/teams/group%3Adefault%2Fx');
    expect(route.headers['content-type']).toMatch(/^text\/html/);
    expect(route.body).toContain('<title>x</title>');
    // Outside the folder, or an unknown API path, is not the shell's business.
    expect((await app.inject('/api/nope')).statusCode).toBe(404);
    expect((await app.inject('/..%2f..%2fetc%2fpasswd.js')).body).toContain('<title>x</title>');
  });

  it('picks brotli, then gzip, honouring q=0', () => {
    expect(pickEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(pickEncoding('*')).toBe('br');
    expect(pickEncoding('identity')).toBeUndefined();
    expect(pickEncoding(undefined)).toBeUndefined();
  });
});
