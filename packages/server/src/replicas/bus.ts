// The bus between replicas: what one replica writes (a catalog refresh; deploy progress later) is
// announced so the live streams of the others follow within a second. On PostgreSQL it is
// LISTEN/NOTIFY on one channel; with SQLite (one process) it stays in the process.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log.ts';

export type BusListener = (data: unknown) => void;

export interface Bus {
  /** Tell every replica, this one included (at once, not through the database). */
  publish(topic: string, data: unknown): Promise<void>;
  subscribe(topic: string, listener: BusListener): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'portolan_bus';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more: messages say what changed, not all of it. */
const MAX_PAYLOAD = 7900;

class Topics {
  readonly #listeners = new Map<string, Set<BusListener>>();
  readonly #logger: Logger | undefined;
  constructor(logger?: Logger) {
    this.#logger = logger;
  }
  subscribe(topic: string, listener: BusListener): () => void {
    const set = this.#listeners.get(topic) ?? new Set<BusListener>();
    this.#listeners.set(topic, set);
    set.add(listener);
    return () => set.delete(listener);
  }
  deliver(topic: string, data: unknown): void {
    for (const l of this.#listeners.get(topic) ?? []) {
      try {
        l(data);
      } catch (error) {
        this.#logger?.error({ topic, err: error }, 'bus listener failed');
      }
    }
  }
}

export function localBus(logger?: Logger): Bus {
  const topics = new Topics(logger);
  return {
    publish: async (topic, data) => topics.deliver(topic, data),
    subscribe: (topic, listener) => topics.subscribe(topic, listener),
    close: async () => {},
  };
}

export interface PostgresBusOptions {
  connection: string;
  logger?: Logger;
  /** Delay before reconnecting a lost LISTEN connection (default 1 s). */
  reconnectMs?: number;
}

/** Resolves once the LISTEN connection is up, so nothing published after it is missed. */
export async function postgresBus(options: PostgresBusOptions): Promise<Bus> {
  const self = randomUUID();
  const topics = new Topics(options.logger);
  const notifier = new pg.Pool({ connectionString: options.connection, max: 2 });
  let client: pg.Client | undefined;
  let closed = false;

  const listen = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.connection });
    c.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      let message: { from?: string; topic?: string; data?: unknown };
      try {
        message = JSON.parse(n.payload);
      } catch {
        return;
      }
      if (message.from === self || typeof message.topic !== 'string') return;
      topics.deliver(message.topic, message.data);
    });
    const reconnect = () => {
      if (closed || client !== c) return;
      client = undefined;
      options.logger?.warn({}, 'replica bus connection lost; reconnecting');
      setTimeout(() => void listen().catch(() => reconnect()), options.reconnectMs ?? 1000).unref?.();
      // Anything announced while disconnected is lost: tell listeners to re-read what they show.
      topics.deliver('bus.reconnected', {});
    };
    c.on('error', reconnect);
    c.on('end', reconnect);
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    client = c;
  };
  await listen();

  return {
    async publish(topic, data) {
      topics.deliver(topic, data);
      const payload = JSON.stringify({ from: self, topic, data });
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
        throw new Error(`bus message on ${topic} too large (${Buffer.byteLength(payload)} bytes)`);
      }
      await notifier.query('select pg_notify($1, $2)', [CHANNEL, payload]);
    },
    subscribe: (topic, listener) => topics.subscribe(topic, listener),
    async close() {
      closed = true;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
      await notifier.end();
    },
  };
}
