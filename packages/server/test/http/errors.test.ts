// Every error the HTTP layer can answer has the one body and its own status, including the ones
// Fastify and Node's HTTP parser raise before a route runs.
import { connect } from 'node:net';
import { type ErrorBody, parseErrorBody } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';

describe('HTTP errors', () => {
  let app: FastifyInstance;
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
    const logger = pino({ level: 'silent' });
    const catalog = new CatalogService({
      db,
      logger,
      baseDir: import.meta.dirname,
      catalog: parseConfig({}, 'test').catalog,
    });
    app = await createApp({ logger, catalog });
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  const expectOneBody = (payload: string, name: string) => {
    const parsed = JSON.parse(payload) as ErrorBody;
    expect(Object.keys(parsed.error).sort()).toEqual(['message', 'name']);
    expect(parsed.error.name).toBe(name);
    expect(typeof parsed.error.message).toBe('string');
    return parsed;
  };

  it('answers a body over the limit with 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/catalog/refresh',
      headers: { 'content-type': 'application/json' },
      payload: `{"x":"${'a'.repeat(1024 * 1024 + 10)}"}`,
    });
    expect(res.statusCode).toBe(413);
    expectOneBody(res.payload, 'PayloadTooLargeError');
    expect(parseErrorBody(413, res.json()).name).toBe('PayloadTooLargeError');
  });

  it('answers a content type no route reads with 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/catalog/refresh',
      headers: { 'content-type': 'application/xml' },
      payload: '<refresh/>',
    });
    expect(res.statusCode).toBe(415);
    expectOneBody(res.payload, 'UnsupportedMediaTypeError');
  });

  it('answers a wrong method with 405 and the methods that work', async () => {
    const get = await app.inject({ method: 'GET', url: '/api/catalog/refresh' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expectOneBody(get.payload, 'MethodNotAllowedError');
    const del = await app.inject({
      method: 'DELETE',
      url: '/api/catalog/entities/by-name/component/default/x',
    });
    expect(del.statusCode).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD');
    // A path no method knows stays a 404.
    const none = await app.inject({ method: 'DELETE', url: '/api/nothing-here' });
    expect(none.statusCode).toBe(404);
    expectOneBody(none.payload, 'NotFoundError');
  });

  it('answers a URL that does not decode with 400 in the one body', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/catalog/teams/%zz' });
    expect(res.statusCode).toBe(400);
    const parsed = expectOneBody(res.payload, 'InputError');
    expect(parsed.error.message).toMatch(/not a valid url component/);
  });

  it('refuses control characters in a search instead of matching everything', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/catalog/entities?q=%00' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('q: must not contain control characters');
  });

  it('answers headers over the limit with 431 in the one body, on a real socket', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (c) => {
        text += c;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, payload] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/json/i);
    expectOneBody(payload!, 'HeadersTooLargeError');
  });
});
