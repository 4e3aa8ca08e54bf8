// Server-Sent Events: take over a reply, send named events with JSON data, keep the connection
// alive with heartbeats, and run cleanups once when either side closes it.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  send(event: string, data: unknown): void;
  onClose(fn: () => void): void;
  close(): void;
  readonly closed: boolean;
}

/** Does the request ask for SSE (an explicit `format`, else the Accept header)? */
export function wantsSse(request: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'sse';
  return (request.headers.accept ?? '').includes('text/event-stream');
}

export function openSse(request: FastifyRequest, reply: FastifyReply, heartbeatMs: number): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  raw.write('retry: 3000\n\n');
  const cleanups: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const c of cleanups) c();
    if (!raw.writableEnded) raw.end();
  };
  const heartbeat = setInterval(() => {
    if (!closed) raw.write(': heartbeat\n\n');
  }, heartbeatMs);
  heartbeat.unref?.();
  request.raw.on('close', close);
  raw.on('close', close);
  return {
    // JSON.stringify escapes newlines, so one data: line always holds the whole payload.
    send: (event, data) => {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose: (fn) => cleanups.push(fn),
    close,
    get closed() {
      return closed;
    },
  };
}
