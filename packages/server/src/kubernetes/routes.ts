// HTTP routes of the service view: JSON from memory, SSE for live views, pod logs streamed as
// text or SSE. Every label, annotation and log line is data: it goes out as JSON or text/plain
// with nosniff, never inside HTML.
import { Readable } from 'node:stream';
import {
  type AccessCheck,
  type AccessDenials,
  allowedDiscovered,
  checkForKind,
  listChecks,
} from '@portolan/core/auth/kubernetes';
import { entityRef } from '@portolan/core/catalog/ref';
import { NotFoundError } from '@portolan/core/errors';
import { locateService, type ServiceLocator, suggestCatalogInfo } from '@portolan/core/services/index';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { KubernetesAccess } from '../auth/kubernetes/access.ts';
import { deniedList, readDenials, readDenialsEach, requireAccess } from '../auth/kubernetes/http.ts';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import { parseQuery } from '../http/query.ts';
import { openSse, wantsSse } from '../http/sse.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import type { KubernetesConfigInput } from './config.ts';
import type { KubernetesEngine, ViewOptions } from './engine.ts';
import { splitLines } from './logs.ts';
import { patchingListener } from './stream.ts';

export interface KubernetesRoutesOptions {
  engine: KubernetesEngine;
  resolver: ServiceResolver;
  /** Re-read the `kubernetes:` config for POST /api/clusters/reload (default: reuse the current one). */
  loadConfig?: () => Promise<KubernetesConfigInput>;
  /** More events on a service's stream (health findings): called when it opens, returns its unsubscribe. */
  streamExtras?: (locator: ServiceLocator, send: (event: string, data: unknown) => void) => () => void;
  /** Per-user Kubernetes identity (auth.kubernetes.identity: subjectAccessReview); absent when off. */
  access?: KubernetesAccess;
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
    workload: z.string().max(300).optional().describe('Kind/name: every pod of it in every cluster, merged'),
    follow: bool,
    previous: bool.describe("the previous container's log (what a crash loop left behind)"),
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
  const q = parseQuery(viewQuery, query);
  return q.pods === undefined ? {} : { maxPodsPerWorkload: q.pods === 'all' ? 0 : q.pods };
};

const eventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(2000).default(200) });

const BY_REF = { '200': 'the answer', '400': 'bad ref', '404': 'no such service' };

export function kubernetesRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  opts: KubernetesRoutesOptions,
): void {
  const { engine, resolver, access } = opts;
  const viewDenials = (request: FastifyRequest, locator: ServiceLocator) =>
    readDenials(access, request, () => engine.objectsFor(locator));
  const heartbeatMs = () => engine.config.heartbeatSeconds * 1000;
  const locatorFor = async (ref: string) => (await resolver.resolve(ref)).locator;
  const doc = (
    method: 'get' | 'post',
    path: string,
    summary: string,
    extra: { produces?: string; query?: z.ZodObject; responses?: Record<string, string> } = {},
  ) => openapi.add({ method, path, summary, tag: 'kubernetes', ...extra });

  doc(
    'get',
    '/api/clusters',
    'Every cluster: connection state, API server version, object counts, last event',
  );
  app.get('/api/clusters', needs('catalog.read'), async () => ({ items: engine.clusters() }));

  doc('post', '/api/clusters/reload', 'Re-read the cluster configuration without a restart');
  app.post('/api/clusters/reload', needs('clusters.reload'), async () => {
    const config = opts.loadConfig ? await opts.loadConfig() : undefined;
    const result = await engine.reload(config);
    return { ...result, items: engine.clusters() };
  });

  doc(
    'get',
    '/api/services/discovered',
    'Workloads that belong to no catalog entity, grouped by their labels',
  );
  app.get('/api/services/discovered', needs('catalog.read'), async (request) => {
    const all = await resolver.discovered();
    if (!access?.applies(request.subject)) return { items: all, totalItems: all.length };
    // Each discovered service was read from its workloads: what the user may not list is not theirs to see.
    const denials = await access.denials(request.subject, listChecks(all.flatMap((s) => s.workloads)));
    const items = allowedDiscovered(all, denials);
    return { items, totalItems: items.length, ...(denials.empty ? {} : { denied: deniedList(denials) }) };
  });

  doc(
    'get',
    '/api/services/discovered/:id/catalog-info.yaml',
    'A suggested descriptor for a discovered service',
    {
      produces: 'application/yaml',
    },
  );
  app.get<{ Params: { id: string } }>(
    '/api/services/discovered/:id/catalog-info.yaml',
    needs('catalog.read'),
    async (request, reply) => {
      let svc = await resolver.findDiscovered(request.params.id);
      if (access?.applies(request.subject)) {
        const denials = await access.denials(request.subject, listChecks(svc.workloads));
        const [allowed] = allowedDiscovered([svc], denials);
        // As if it were not there: its name and labels were read from workloads the user may not list.
        if (!allowed) throw new NotFoundError(`no discovered service "${request.params.id}"`);
        svc = allowed;
      }
      return reply
        .type('application/yaml; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', 'attachment; filename="catalog-info.yaml"')
        .send(suggestCatalogInfo(svc));
    },
  );

  doc('get', '/api/services/:ref/kubernetes', 'The service in every cluster, grouped by region and cluster', {
    query: viewQuery,
    responses: BY_REF,
  });
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/kubernetes',
    needs('service.read', 'ref'),
    async (request, reply) => {
      const locator = await locatorFor(request.params.ref);
      const denials = await viewDenials(request, locator);
      const json = engine.viewJson(locator, { ...viewOptions(request.query), denials });
      return reply.type('application/json; charset=utf-8').send(json);
    },
  );

  doc(
    'get',
    '/api/services/:ref/kubernetes/stream',
    'The service view (event `view`), then each change as a JSON Patch (event `patch`); Server-Sent Events',
    {
      produces: 'text/event-stream',
      query: viewQuery,
      responses: BY_REF,
    },
  );
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/kubernetes/stream',
    needs('service.read', 'ref'),
    async (request, reply) => {
      const locator = await locatorFor(request.params.ref);
      let options: ViewOptions = {
        ...viewOptions(request.query),
        denials: await viewDenials(request, locator),
      };
      const listener = patchingListener((event, data) => sse.send(event, data));
      // A client that fell behind lost patches: when it catches up it gets the view whole again.
      const sse = openSse(request, reply, heartbeatMs(), {
        deltas: ['patch'],
        resync: () => {
          listener.restart();
          listener(engine.view(locator, options));
        },
      });
      let unsubscribe = engine.subscribe(locator, listener, options);
      sse.onClose(() => unsubscribe());
      if (access?.applies(request.subject)) {
        // The user's access is asked again as its answers expire: a view they lost the right to
        // read leaves the stream (as a patch), one they gained joins it.
        const timer = setInterval(() => {
          void viewDenials(request, locator).then((denials) => {
            if (denials.key === (options.denials as AccessDenials).key || sse.closed) return;
            options = { ...options, denials };
            const previous = unsubscribe;
            unsubscribe = engine.subscribe(locator, listener, options);
            previous();
          });
        }, access.ttlMs);
        timer.unref?.();
        sse.onClose(() => clearInterval(timer));
      }
      if (opts.streamExtras) sse.onClose(opts.streamExtras(locator, sse.send));
    },
  );

  doc('get', '/api/services/:ref/events', 'Recent events of the service across clusters, newest first', {
    query: eventsQuery,
    responses: BY_REF,
  });
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/events',
    needs('service.logs', 'ref'),
    async (request) => {
      const q = parseQuery(eventsQuery, request.query);
      const locator = await locatorFor(request.params.ref);
      const denials = await readDenials(access, request, () => engine.objectsFor(locator), ['Event']);
      if (denials.empty) return { items: engine.events(locator, q.limit) };
      const items = engine
        .events(locator, Number.MAX_SAFE_INTEGER)
        .filter((e) => denials.allows(e.cluster, 'Event', e.namespace))
        .slice(0, q.limit);
      return { items, denied: deniedList(denials) };
    },
  );

  doc(
    'get',
    '/api/services/:ref/logs',
    'Logs of one pod, or of all pods of a workload across clusters, tagged',
    {
      produces: 'text/plain',
      responses: BY_REF,
    },
  );
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/logs',
    needs('service.logs', 'ref'),
    async (request, reply) => {
      const q = parseQuery(logsQuery, request.query);
      const locator = await locatorFor(request.params.ref);
      await requireAccess(access, request, logChecks(locator, q), locator.ref);
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
        const out = openSse(request, reply, heartbeatMs(), { whenBehind: 'disconnect' });
        out.onClose(() => controller.abort());
        const tag = { cluster: q.cluster, namespace: q.namespace, pod: q.pod, container: q.container };
        void (async () => {
          try {
            for await (const line of splitLines(stream as unknown as AsyncIterable<Uint8Array>))
              out.send('line', { ...tag, line });
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
        const out = openSse(request, reply, heartbeatMs(), { whenBehind: 'disconnect' });
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
    },
  );

  /** The pods/log reads a log request needs: its pod's namespace, or every namespace of its workload. */
  function logChecks(
    locator: ServiceLocator,
    q: { cluster?: string | undefined; namespace?: string | undefined; workload?: string | undefined },
  ): AccessCheck[] {
    if (!access) return [];
    const logOf = (cluster: string, namespace: string): AccessCheck => ({
      ...checkForKind(cluster, 'get', 'Pod', namespace),
      subresource: 'log',
    });
    if (q.workload === undefined) return [logOf(q.cluster!, q.namespace!)];
    const [kind, name] = q.workload.split('/');
    const seen = new Map<string, AccessCheck>();
    for (const o of engine.objectsFor(locator)) {
      const namespace = o.object.metadata?.namespace;
      if (o.kind !== kind || o.object.metadata?.name !== name || !namespace) continue;
      seen.set(`${o.cluster}/${namespace}`, logOf(o.cluster, namespace));
    }
    return [...seen.values()];
  }

  doc(
    'get',
    '/api/teams/:ref/services',
    'Every service (Component) a team owns, once, with a per-cluster summary',
    {
      responses: { '200': 'the services', '400': 'bad ref' },
    },
  );
  app.get<{ Params: { ref: string } }>('/api/teams/:ref/services', needs('catalog.read'), async (request) => {
    const { team, entities } = await resolver.owned(request.params.ref);
    // APIs, systems and resources a team owns are not services, even when a label matches them.
    const components = new Map<string, (typeof entities)[number]>();
    for (const e of entities) if (e.kind.toLowerCase() === 'component') components.set(entityRef(e), e);
    const located = [...components.values()].map((entity) => ({ entity, locator: locateService(entity) }));
    const denials = await readDenialsEach(access, request, located, (l) => engine.objectsFor(l.locator));
    const items = located.map(({ entity, locator }, i) => {
      const view = engine.view(locator, { denials: denials.each[i]! });
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
    return { team, items, ...(denials.all.empty ? {} : { denied: deniedList(denials.all) }) };
  });
}
