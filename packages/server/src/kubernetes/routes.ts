// HTTP routes of the service view: JSON from memory, SSE for live views, pod logs streamed as
// text or SSE. Every label, annotation and log line is data: it goes out as JSON or text/plain
// with nosniff, never inside HTML.
import { Readable } from 'node:stream';
import { InputError, NotFoundError } from '@portolan/core';
import {
  type CatalogEntity,
  DISCOVERED_PREFIX,
  entityRef,
  normalizeEntityRef,
  type ServiceLocator,
  suggestCatalogInfo,
} from '@portolan/core/services/index';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { KubernetesConfigInput } from './config.ts';
import type { KubernetesEngine } from './engine.ts';

/** The slice of the catalog these routes need; refs are lower-case `kind:namespace/name`. */
export interface ServiceCatalog {
  getEntity(ref: string): Promise<CatalogEntity | undefined>;
  listOwnedBy(groupRef: string): Promise<CatalogEntity[]>;
  listAll(kinds: string[]): Promise<CatalogEntity[]>;
}

export interface KubernetesRoutesOptions {
  engine: KubernetesEngine;
  catalog: ServiceCatalog;
  /** Re-read the `kubernetes:` config for POST /api/clusters/reload (default: reuse the current one). */
  loadConfig?: () => Promise<KubernetesConfigInput>;
  /** Entity kinds whose locators claim workloads, for discovery. */
  discoveryKinds?: string[];
  /** More events on a service's stream (health findings): called when it opens, returns its unsubscribe. */
  streamExtras?: (locator: ServiceLocator, send: (event: string, data: unknown) => void) => () => void;
}

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])])
  .optional()
  .transform((v) => v === true || v === 'true' || v === '1' || v === '');
const int = (max: number) => z.coerce.number().int().min(0).max(max).optional();

const logsQuery = z
  .object({
    cluster: z.string().max(253).optional(),
    namespace: z.string().max(253).optional(),
    pod: z.string().max(253).optional(),
    container: z.string().max(253).optional(),
    workload: z.string().max(300).optional(),
    follow: bool,
    previous: bool,
    tailLines: int(100_000),
    sinceSeconds: int(30 * 24 * 3600),
    format: z.enum(['text', 'sse']).optional(),
  })
  .refine((q) => q.workload !== undefined || (q.cluster && q.namespace && q.pod), {
    message: 'give either workload=<Kind/name>, or cluster, namespace and pod',
  });

const viewQuery = z.object({
  pods: z
    .union([z.literal('all'), z.coerce.number().int().min(1).max(100_000)])
    .optional()
    .describe('pods listed per workload per cluster: a number, or all (default: the configured limit)'),
});
const viewOptions = (query: unknown) => {
  const q = parse(viewQuery, query);
  return q.pods === undefined ? {} : { maxPodsPerWorkload: q.pods === 'all' ? 0 : q.pods };
};

const eventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(2000).default(200) });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new InputError(
      r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    );
  return r.data;
}

function wantsSse(request: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'sse';
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/** Take over the response for an SSE stream; returns send/close helpers. */
function openSse(request: FastifyRequest, reply: FastifyReply, heartbeatMs: number) {
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
    send: (event: string, data: unknown) => {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose: (fn: () => void) => cleanups.push(fn),
    close,
    get closed() {
      return closed;
    },
  };
}

export async function kubernetesRoutes(app: FastifyInstance, opts: KubernetesRoutesOptions): Promise<void> {
  const { engine, catalog } = opts;
  const discoveryKinds = opts.discoveryKinds ?? ['component', 'system'];
  const heartbeatMs = () => engine.config.heartbeatSeconds * 1000;

  async function locatorFor(ref: string): Promise<ServiceLocator> {
    if (ref.length > 400) throw new InputError('ref too long');
    if (ref.startsWith(DISCOVERED_PREFIX)) {
      return engine.discoveredLocator(ref, await catalog.listAll(discoveryKinds));
    }
    const normalized = normalizeEntityRef(ref);
    const entity = await catalog.getEntity(normalized);
    if (!entity) throw new NotFoundError(`no entity ${normalized}`, { name: normalized });
    const locator = engine.locate(entity);
    // An unusable annotation is this entity's problem: its own page says so, nothing else fails.
    if (locator.problem) throw new InputError(locator.problem, { kind: entity.kind, name: normalized });
    return locator;
  }

  app.get('/api/clusters', async () => ({ items: engine.clusters() }));

  app.post('/api/clusters/reload', async () => {
    const config = opts.loadConfig ? await opts.loadConfig() : undefined;
    const result = await engine.reload(config);
    return { ...result, items: engine.clusters() };
  });

  app.get('/api/services/discovered', async () => {
    const items = engine.discover(await catalog.listAll(discoveryKinds));
    return { items, totalItems: items.length };
  });

  app.get<{ Params: { id: string } }>(
    '/api/services/discovered/:id/catalog-info.yaml',
    async (request, reply) => {
      const svc = engine.findDiscovered(request.params.id, await catalog.listAll(discoveryKinds));
      return reply
        .type('application/yaml; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', 'attachment; filename="catalog-info.yaml"')
        .send(suggestCatalogInfo(svc));
    },
  );

  app.get<{ Params: { ref: string } }>('/api/services/:ref/kubernetes', async (request) => {
    const options = viewOptions(request.query);
    return engine.view(await locatorFor(request.params.ref), options);
  });

  app.get<{ Params: { ref: string } }>('/api/services/:ref/kubernetes/stream', async (request, reply) => {
    const options = viewOptions(request.query);
    const locator = await locatorFor(request.params.ref);
    const sse = openSse(request, reply, heartbeatMs());
    const unsubscribe = engine.subscribe(locator, (view) => sse.send('view', view), options);
    sse.onClose(unsubscribe);
    if (opts.streamExtras) sse.onClose(opts.streamExtras(locator, sse.send));
  });

  app.get<{ Params: { ref: string } }>('/api/services/:ref/events', async (request) => {
    const q = parse(eventsQuery, request.query);
    const items = engine.events(await locatorFor(request.params.ref), q.limit);
    return { items };
  });

  app.get<{ Params: { ref: string } }>('/api/services/:ref/logs', async (request, reply) => {
    const q = parse(logsQuery, request.query);
    const locator = await locatorFor(request.params.ref);
    const controller = new AbortController();
    request.raw.on('close', () => controller.abort());
    const sse = wantsSse(request, q.format);
    const common = {
      ...(q.container ? { container: q.container } : {}),
      follow: q.follow,
      previous: q.previous,
      ...(q.tailLines !== undefined ? { tailLines: q.tailLines } : {}),
      ...(q.sinceSeconds !== undefined ? { sinceSeconds: q.sinceSeconds } : {}),
      signal: controller.signal,
    };
    if (q.workload === undefined) {
      const stream = await engine.logs(locator, {
        cluster: q.cluster!,
        namespace: q.namespace!,
        pod: q.pod!,
        ...common,
      });
      if (!sse) {
        return reply
          .type('text/plain; charset=utf-8')
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-cache')
          .send(Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>));
      }
      const out = openSse(request, reply, heartbeatMs());
      out.onClose(() => controller.abort());
      const tag = { cluster: q.cluster, namespace: q.namespace, pod: q.pod, container: q.container };
      void (async () => {
        const decoder = new TextDecoder();
        let buf = '';
        try {
          for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
            buf += decoder.decode(chunk, { stream: true });
            let nl = buf.indexOf('\n');
            while (nl >= 0) {
              out.send('line', { ...tag, line: buf.slice(0, nl) });
              buf = buf.slice(nl + 1);
              nl = buf.indexOf('\n');
            }
          }
          if (buf !== '') out.send('line', { ...tag, line: buf });
          out.send('end', {});
        } catch (error) {
          if (!controller.signal.aborted) out.send('error', { message: (error as Error).message });
        } finally {
          out.close();
        }
      })();
      return;
    }
    // Merged stream of a workload's pods in every cluster. Open it before taking over the reply so
    // an unknown workload is still a clean JSON error.
    const lines = engine.workloadLogs(locator, { workload: q.workload, ...common });
    const first = await lines.next();
    if (sse) {
      const out = openSse(request, reply, heartbeatMs());
      out.onClose(() => controller.abort());
      void (async () => {
        try {
          if (!first.done) out.send(first.value.error ? 'error' : 'line', first.value);
          for await (const l of lines) out.send(l.error ? 'error' : 'line', l);
          out.send('end', {});
        } finally {
          out.close();
        }
      })();
      return;
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    const fmt = (l: { cluster: string; pod: string; container: string; line?: string; error?: string }) =>
      `[${l.cluster} ${l.pod}/${l.container}] ${l.error !== undefined ? `! log stream failed: ${l.error}` : l.line}\n`;
    void (async () => {
      try {
        if (!first.done) raw.write(fmt(first.value));
        for await (const l of lines) {
          if (!raw.write(fmt(l))) await new Promise((r) => raw.once('drain', r));
        }
      } finally {
        controller.abort();
        raw.end();
      }
    })();
  });

  app.get<{ Params: { ref: string } }>('/api/teams/:ref/services', async (request) => {
    const groupRef = normalizeEntityRef(request.params.ref, 'group');
    const entities = await catalog.listOwnedBy(groupRef);
    const items = entities.map((entity) => {
      const locator = engine.locate(entity);
      const view = engine.view(locator);
      return {
        ref: entityRef(entity),
        name: entity.metadata.name,
        ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
        kind: entity.kind,
        ...(entity.spec?.type ? { type: entity.spec.type } : {}),
        ...(entity.spec?.lifecycle ? { lifecycle: entity.spec.lifecycle } : {}),
        summary: view.summary,
        versions: view.versions,
      };
    });
    return { team: groupRef, items };
  });
}
