// Server-Sent Events: take over a reply, send named events with JSON data, keep the connection
// alive with heartbeats, and run cleanups once when either side closes it. Every stream of an app
// is known to its SseHub, which counts clients and bytes, bounds what a client that stops reading
// can cost, and drains every stream with a reconnect hint when the server shuts down.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  send(event: string, data: unknown): void;
  onClose(fn: () => void): void;
  close(): void;
  readonly closed: boolean;
}

export interface SseOptions {
  /**
   * What to do when the client falls behind by more than the hub's bound:
   * - 'latest' (default): each event name is a snapshot (a view, a findings list); keep only the
   *   newest of each while the client is behind and send them when it catches up.
   * - 'disconnect': every event matters (log lines); close the stream with a reason instead.
   */
  whenBehind?: 'latest' | 'disconnect';
  /**
   * With 'latest': events that only make sense after every one before them (`patch`). While the
   * client is behind they are dropped, and when it catches up `resync` is called to send it a
   * fresh snapshot instead.
   */
  deltas?: readonly string[];
  resync?: () => void;
}

export interface SseHubOptions {
  /** Bytes a stream may have waiting in its socket before it counts as behind (default 1 MiB). */
  maxBufferedBytes?: number;
  /** A client behind for longer than this is disconnected (default 60 s). */
  maxBehindMs?: number;
}

/** What the metrics read. */
export interface SseStats {
  clients: number;
  bytes: number;
  /** Streams closed by the server, by reason. */
  closed: Record<string, number>;
  /** Snapshots replaced before a slow client read them. */
  skipped: number;
}

interface Entry {
  end(reason: string, retryMs?: number): void;
  /** Bytes written to the stream that its socket has not taken yet (held by this process). */
  queued(): number;
}

/** One app's streams. */
export class SseHub {
  readonly maxBufferedBytes: number;
  readonly maxBehindMs: number;
  readonly #streams = new Set<Entry>();
  readonly stats: SseStats = { clients: 0, bytes: 0, closed: {}, skipped: 0 };
  #draining = false;

  constructor(options: SseHubOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.maxBehindMs = options.maxBehindMs ?? 60_000;
  }

  get draining(): boolean {
    return this.#draining;
  }

  add(entry: Entry): () => void {
    this.#streams.add(entry);
    this.stats.clients = this.#streams.size;
    return () => {
      this.#streams.delete(entry);
      this.stats.clients = this.#streams.size;
    };
  }

  /** The most bytes any one stream has waiting in this process, and all of them together. */
  queued(): { max: number; total: number } {
    let max = 0;
    let total = 0;
    for (const s of this.#streams) {
      const q = s.queued();
      total += q;
      if (q > max) max = q;
    }
    return { max, total };
  }

  countClose(reason: string): void {
    this.stats.closed[reason] = (this.stats.closed[reason] ?? 0) + 1;
  }

  /** Shutdown: tell every client to reconnect (to another replica) after `retryMs`, and close. */
  drain(retryMs = 1000): number {
    this.#draining = true;
    const all = [...this.#streams];
    for (const s of all) s.end('server shutting down', retryMs);
    return all.length;
  }
}

const HUBS = new WeakMap<object, SseHub>();

/** The hub of an app (created with it by createApp; tests may build an app without one). */
export function sseHub(app: FastifyInstance): SseHub {
  let hub = HUBS.get(app);
  if (!hub) {
    hub = new SseHub();
    HUBS.set(app, hub);
  }
  return hub;
}

export function installSseHub(app: FastifyInstance, options: SseHubOptions = {}): SseHub {
  const hub = new SseHub(options);
  HUBS.set(app, hub);
  return hub;
}

/** Does the request ask for SSE (an explicit `format`, else the Accept header)? */
export function wantsSse(request: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'sse';
  return (request.headers.accept ?? '').includes('text/event-stream');
}

const STREAMS = new WeakSet<object>();

/** Is this response an SSE stream (so an ending session can say why it ends)? */
export function isSseResponse(raw: object): boolean {
  return STREAMS.has(raw);
}

function frame(event: string, data: unknown): string {
  // JSON.stringify escapes newlines, so one data: line always holds the whole payload.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function openSse(
  request: FastifyRequest,
  reply: FastifyReply,
  heartbeatMs: number,
  options: SseOptions = {},
): SseStream {
  const hub = sseHub(request.server);
  const whenBehind = options.whenBehind ?? 'latest';
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
    'x-request-id': String(request.id),
  });
  STREAMS.add(raw);
  const cleanups: (() => void)[] = [];
  let closed = false;
  /** Newest snapshot per event name not yet written, while the client is behind. */
  const pending = new Map<string, unknown>();
  const deltas = new Set(options.deltas ?? []);
  /** A delta was dropped: the client needs a fresh snapshot when it catches up. */
  let needsResync = false;
  let behindSince: number | undefined;

  const write = (text: string) => {
    hub.stats.bytes += Buffer.byteLength(text);
    raw.write(text);
  };
  const end = (reason: string, retryMs?: number) => {
    if (closed) return;
    hub.countClose(reason);
    // The client may not read this (it is behind, or gone); it is the courteous last word.
    if (!raw.destroyed && !raw.writableEnded) {
      write(`${retryMs !== undefined ? `retry: ${retryMs}\n` : ''}${frame('close', { reason })}`);
    }
    close();
    if (reason !== 'server shutting down') request.log.info({ reason }, 'event stream closed by the server');
  };
  const entry: Entry = { end, queued: () => raw.writableLength };
  const remove = hub.add(entry);
  const close = () => {
    if (closed) return;
    closed = true;
    remove();
    clearInterval(heartbeat);
    pending.clear();
    for (const c of cleanups) c();
    if (!raw.writableEnded) raw.end();
    // A client that reads nothing would keep the socket (and what is queued on it) forever.
    if (behindSince !== undefined) raw.destroy();
  };
  const isBehind = () => raw.writableLength > hub.maxBufferedBytes;
  const fallBehind = (): boolean => {
    behindSince ??= Date.now();
    if (Date.now() - behindSince > hub.maxBehindMs) {
      end('client stopped reading');
      return true;
    }
    return false;
  };
  raw.on('drain', () => {
    if (closed || behindSince === undefined) return;
    behindSince = undefined;
    const fresh = [...pending];
    pending.clear();
    if (needsResync) {
      needsResync = false;
      options.resync?.();
    }
    for (const [event, data] of fresh) write(frame(event, data));
  });
  write('retry: 3000\n\n');
  const heartbeat = setInterval(() => {
    if (closed) return;
    if (isBehind()) {
      fallBehind();
      return;
    }
    write(': heartbeat\n\n');
  }, heartbeatMs);
  heartbeat.unref?.();
  request.raw.on('close', close);
  raw.on('close', close);
  if (hub.draining) queueMicrotask(() => end('server shutting down', 1000));
  return {
    send: (event, data) => {
      if (closed) return;
      if (isBehind() || behindSince !== undefined) {
        if (whenBehind === 'disconnect') {
          end('client too slow: it fell behind and events cannot be skipped');
          return;
        }
        if (fallBehind()) return;
        hub.stats.skipped += deltas.has(event) || pending.has(event) ? 1 : 0;
        if (deltas.has(event)) needsResync = true;
        else pending.set(event, data);
        return;
      }
      write(frame(event, data));
    },
    onClose: (fn) => cleanups.push(fn),
    close,
    get closed() {
      return closed;
    },
  };
}
