// A client that stops reading costs the server bounded memory: snapshots wait as one newest copy
// per event name and are sent when it catches up, patches it missed are replaced by a fresh view; a stream whose events cannot be skipped (log
// lines), or a client that never catches up, is closed with a reason.
import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installSseHub, openSse, type SseHub, type SseStream } from '../../src/http/sse.ts';

const BOUND = 256 * 1024;
const EVENT_BYTES = 64 * 1024;

/** The newest sequence number sent, for the resync of a patch stream. */
let latest = -1;

async function server(whenBehind: 'latest' | 'disconnect', maxBehindMs = 60_000) {
  const app = Fastify();
  const hub = installSseHub(app, { maxBufferedBytes: BOUND, maxBehindMs });
  const streams: SseStream[] = [];
  const sockets: { writableLength: number }[] = [];
  app.get('/stream', async (request, reply) => {
    const stream: SseStream = openSse(request, reply, 20, {
      whenBehind,
      deltas: ['patch'],
      resync: () => stream.send('view', { seq: latest, whole: true }),
    });
    streams.push(stream);
    sockets.push(reply.raw);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return { app, hub, streams, sockets, port };
}

/** A client that reads nothing until told to (a paused socket, with a small receive buffer). */
function stalledClient(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write('GET /stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
      socket.pause();
      resolve(socket);
    });
  });
}

/** Read until `done` says so (the response stays open: HTTP keep-alive). */
function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (done(text)) resolve(text);
    });
    socket.resume();
  });
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function flood(
  s: { streams: SseStream[]; sockets: { writableLength: number }[]; hub: SseHub },
  n: number,
  event = 'view',
) {
  const payload = 'x'.repeat(EVENT_BYTES);
  let maxQueued = 0;
  for (let i = 0; i < n; i++) {
    latest = i;
    s.streams[0]?.send(event, { seq: i, payload });
    maxQueued = Math.max(maxQueued, s.sockets[0]?.writableLength ?? 0);
    // Let the socket push what it can to the kernel between events.
    await new Promise((r) => setImmediate(r));
  }
  return maxQueued;
}

describe('a client that stops reading', () => {
  it('costs at most the bound plus one event, then gets the newest snapshot when it reads again', async () => {
    const s = await server('latest');
    apps.push(s.app);
    const socket = await stalledClient(s.port);
    await expect.poll(() => s.streams.length).toBe(1);
    // 2,000 events of 64 KiB (125 MiB) to a client that reads none of them.
    const maxQueued = await flood(s, 2000);
    expect(maxQueued).toBeLessThanOrEqual(BOUND + EVENT_BYTES + 1024);
    expect(s.hub.stats.skipped).toBeGreaterThan(1000);
    const text = await readUntil(socket, (t) => t.includes('"seq":1999'));
    socket.destroy();
    const seqs = [...text.matchAll(/"seq":(\d+)/g)].map((m) => Number(m[1]));
    expect(seqs.at(-1)).toBe(1999);
    expect(seqs.length).toBeLessThan(100);
  });

  it('gets a fresh snapshot instead of the patches it missed, when it reads again', async () => {
    const s = await server('latest');
    apps.push(s.app);
    const socket = await stalledClient(s.port);
    await expect.poll(() => s.streams.length).toBe(1);
    const maxQueued = await flood(s, 2000, 'patch');
    expect(maxQueued).toBeLessThanOrEqual(BOUND + EVENT_BYTES + 1024);
    const text = await readUntil(socket, (t) => t.includes('"whole":true'));
    socket.destroy();
    // Patches up to the point it fell behind, then one whole view at the newest state, and none
    // of the patches it missed.
    const events = [...text.matchAll(/event: (\w+)\ndata: \{"seq":(\d+)/g)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    expect(events.at(-1)).toEqual(['view', 1999]);
    const patches = events.filter(([e]) => e === 'patch').map(([, seq]) => seq);
    expect(patches).toEqual(patches.map((_, i) => i));
    expect(patches.length).toBeLessThan(100);
  });

  it('is disconnected with a reason when its events cannot be skipped', async () => {
    const s = await server('disconnect');
    apps.push(s.app);
    const socket = await stalledClient(s.port);
    await expect.poll(() => s.streams.length).toBe(1);
    await flood(s, 2000);
    expect(s.streams[0]?.closed).toBe(true);
    expect(s.hub.stats.closed).toEqual({ 'client too slow: it fell behind and events cannot be skipped': 1 });
    expect(s.hub.stats.clients).toBe(0);
    socket.destroy();
  });

  it('is disconnected when it stays behind longer than allowed', async () => {
    const s = await server('latest', 200);
    apps.push(s.app);
    const socket = await stalledClient(s.port);
    await expect.poll(() => s.streams.length).toBe(1);
    await flood(s, 200);
    await expect.poll(() => s.streams[0]?.closed, { timeout: 3000 }).toBe(true);
    expect(s.hub.stats.closed).toEqual({ 'client stopped reading': 1 });
    socket.destroy();
  });
});
