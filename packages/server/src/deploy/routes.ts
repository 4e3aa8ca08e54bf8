// HTTP routes of deploys: request, list, read and stream deployments, act on them, and the
// delivery metrics. Every route declares its permission for the portal's guard; an action on a
// deployment is checked against that deployment's service (auth.ts says which permission).
import { strategySchema } from '@portolan/core/deploy/index';
import { NotFoundError } from '@portolan/core/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Guard, subjectLabel } from '../auth/guard.ts';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import { parseQuery } from '../http/query.ts';
import { openSse } from '../http/sse.ts';
import { ACTION_PERMISSION } from './auth.ts';
import type { DeploymentAction, DeployService } from './service.ts';

export interface DeployRoutesOptions {
  deploys: DeployService;
  /** The portal's guard: asks the policy about an action on a deployment's service. */
  guard: Pick<Guard, 'check' | 'decision'>;
  heartbeatMs?: number;
  /** How often a stream looks for new events (they may come from another replica). */
  streamPollMs?: number;
  /**
   * Per-user Kubernetes identity: refuses (403) a change to a service's workloads, in the given
   * clusters or all of them, that the user's own RBAC does not allow. Absent when off.
   */
  checkWrite?: (request: FastifyRequest, service: string, clusters?: readonly string[]) => Promise<void>;
}

const name = z.string().min(1).max(253);
const requestBody = z
  .object({
    version: z.string().min(1).max(128).optional(),
    images: z.record(name, z.string().min(1).max(512)).optional(),
    containers: z.array(name).max(100).optional(),
    clusters: z.array(name).max(1000).optional(),
    strategy: strategySchema.optional(),
    reason: z.string().min(1).max(2000),
    commit: z
      .object({ sha: z.string().min(1).max(100), time: z.iso.datetime({ offset: true }) })
      .strict()
      .optional(),
    supersede: z.boolean().optional(),
  })
  .strict();
const actionBody = z
  .object({ reason: z.string().max(2000).optional() })
  .strict()
  .optional();
const idParams = z.object({ id: z.string().min(1).max(64) });
const streamQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('send the events after this seq first (default: only new ones)'),
});
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const metricsQuery = z.object({
  team: z.string().max(400).optional().describe('a group ref: its services'),
  service: z.string().max(400).optional().describe('a service ref'),
  since: z.iso.datetime({ offset: true }).optional().describe('default: twelve weeks before until'),
  until: z.iso.datetime({ offset: true }).optional().describe('default: now'),
  bucket: z.enum(['week']).default('week'),
});
const teamsQuery = metricsQuery.pick({ since: true, until: true });
const accessQuery = z.object({ service: z.string().min(1).max(400).optional() });
const ACTIONS: DeploymentAction[] = ['pause', 'resume', 'approve', 'cancel', 'rollback'];
const WEEK = 7 * 86_400_000;
const WRITING_ACTIONS: ReadonlySet<DeploymentAction> = new Set(['resume', 'approve', 'rollback']);

export function deployRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  opts: DeployRoutesOptions,
): void {
  const { deploys, guard } = opts;
  const doc = (
    method: 'get' | 'post',
    path: string,
    summary: string,
    extra: { produces?: string; query?: z.ZodObject; responses?: Record<string, string> } = {},
  ) => openapi.add({ method, path, summary, tag: 'deploy', ...extra });

  doc(
    'post',
    '/api/services/:ref/deployments',
    'Deploy a version (or images) of a service to every cluster it runs on, in waves',
    {
      responses: {
        '202': 'the deployment, planned and started (the same one again for a known Idempotency-Key)',
        '400': 'a malformed request, or nothing to change',
        '403': 'no deploy token, or the wrong one',
        '409': 'the service has an active deployment (named); send supersede: true to replace it',
      },
    },
  );
  app.post<{ Params: { ref: string } }>(
    '/api/services/:ref/deployments',
    needs('service.deploy', 'ref'),
    async (request, reply) => {
      const actor = subjectLabel(request.subject);
      const body = parseQuery(requestBody, request.body ?? {});
      // Before anything is recorded or planned: a refused deploy changes no cluster.
      await opts.checkWrite?.(request, request.params.ref, body.clusters);
      const key = request.headers['idempotency-key'];
      const idempotencyKey =
        typeof key === 'string' && key !== '' ? parseQuery(z.string().max(200), key) : undefined;
      const result = await deploys.request(request.params.ref, body, actor, idempotencyKey);
      return reply.code(202).send({
        ...result.deployment,
        created: result.created,
        ...(result.superseded ? { superseded: result.superseded } : {}),
      });
    },
  );

  doc('get', '/api/services/:ref/deployments', 'A service’s deployments, newest first', { query: listQuery });
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/deployments',
    needs('service.read', 'ref'),
    async (request) => {
      const q = parseQuery(listQuery, request.query);
      return { items: await deploys.list(request.params.ref, q.limit) };
    },
  );

  doc(
    'get',
    '/api/deployments/:id',
    'A deployment: its plan, waves, clusters with what each waits for, and its events',
  );
  app.get<{ Params: { id: string } }>('/api/deployments/:id', needs('catalog.read'), async (request) => {
    const { id } = parseQuery(idParams, request.params);
    const [deployment, events] = await Promise.all([deploys.get(id), deploys.events(id)]);
    return { ...deployment, events };
  });

  doc(
    'get',
    '/api/deployments/:id/stream',
    'SSE: the deployment now (`deployment`), then each new event (`event`) and state',
    {
      produces: 'text/event-stream',
    },
  );
  app.get<{ Params: { id: string } }>(
    '/api/deployments/:id/stream',
    needs('catalog.read'),
    async (request, reply) => {
      const { id } = parseQuery(idParams, request.params);
      const { after } = parseQuery(streamQuery, request.query);
      const first = await deploys.get(id); // 404 before the stream opens
      // Every event counts: a client too slow to keep up is closed with a reason and comes back
      // with ?after= (the sequence it last read) rather than be sent a gap.
      const stream = openSse(request, reply, opts.heartbeatMs ?? 15_000, { whenBehind: 'disconnect' });
      let seq = first.lastSeq;
      if (after !== undefined && after < seq) {
        const earlier = await deploys.events(id, after);
        for (const e of earlier) stream.send('event', e);
      }
      stream.send('deployment', first);
      let busy = false;
      const poll = async () => {
        if (busy || stream.closed) return;
        busy = true;
        try {
          const events = await deploys.events(id, seq);
          if (events.length === 0) return;
          for (const e of events) stream.send('event', e);
          seq = events[events.length - 1]?.seq ?? seq;
          const now = await deploys.get(id);
          stream.send('deployment', now);
          if (
            now.allowedActions.length === 0 &&
            !['requested', 'running', 'paused', 'rolling-back'].includes(now.state.status)
          ) {
            stream.send('end', { status: now.state.status });
            stream.close();
          }
        } catch {
          // The next poll tries again; a store that stays down ends the stream by the client's timeout.
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void poll(), opts.streamPollMs ?? 500);
      timer.unref?.();
      stream.onClose(() => clearInterval(timer));
    },
  );

  for (const action of ACTIONS) {
    doc(
      'post',
      `/api/deployments/:id/${action}`,
      `${action[0]?.toUpperCase()}${action.slice(1)} a deployment, recorded with who and why`,
      {
        responses: {
          '200': 'the deployment after the action',
          '403': 'not allowed',
          '409': 'the deployment’s state does not allow it',
        },
      },
    );
    app.post<{ Params: { id: string } }>(
      `/api/deployments/:id/${action}`,
      needs('catalog.read'),
      async (request) => {
        const { id } = parseQuery(idParams, request.params);
        // The route declares the least (reading); the action's own permission is asked of the
        // deployment's service.
        // An unknown deployment is checked as an ownerless service, so only those who could act
        // on any deployment learn that it does not exist.
        const found = await deploys.get(id).catch((error: unknown) => {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        });
        await guard.check(request, ACTION_PERMISSION[action], found?.service ?? { type: 'service', ref: id });
        if (!found) await deploys.get(id);
        // Actions that make the executor change clusters again need the user's write access there.
        if (WRITING_ACTIONS.has(action)) await opts.checkWrite?.(request, found!.service);
        const actor = subjectLabel(request.subject);
        const body = parseQuery(actionBody, request.body ?? undefined);
        return deploys.act(id, action, actor, body?.reason);
      },
    );
  }

  doc(
    'get',
    '/api/metrics/delivery',
    'Delivery metrics (DORA): deployment frequency, lead time, change fail rate, recovery time, per week',
    {
      query: metricsQuery,
    },
  );
  app.get('/api/metrics/delivery', needs('catalog.read'), async (request) => {
    const q = parseQuery(metricsQuery, request.query);
    const { since, until } = period(q);
    return {
      bucket: q.bucket,
      ...(q.team ? { team: q.team } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(await deploys.metrics({
        ...(q.team ? { team: q.team } : {}),
        ...(q.service ? { service: q.service } : {}),
        since,
        until,
      })),
    };
  });

  doc(
    'get',
    '/api/metrics/delivery/teams',
    'Delivery metrics of every team owning deployed services, side by side',
    {
      query: teamsQuery,
    },
  );
  app.get('/api/metrics/delivery/teams', needs('catalog.read'), async (request) => {
    const q = parseQuery(teamsQuery, request.query);
    const { since, until } = period(q);
    return {
      since: since.toISOString(),
      until: until.toISOString(),
      items: await deploys.teamMetrics({ since, until }),
    };
  });

  doc(
    'get',
    '/api/deploy/access',
    'Whether this caller may deploy the service named by ?service= (or any service), and if not, why',
    { responses: { '200': '{ allowed: true, actor } or { allowed: false, permission, reason }' } },
  );
  app.get('/api/deploy/access', needs('catalog.read'), async (request) => {
    // The same policy the write routes ask, so the page offers what the routes accept.
    const { service } = parseQuery(accessQuery, request.query);
    const decision = await guard.decision(
      request,
      'service.deploy',
      service ?? { type: 'service', ref: '*' },
    );
    return decision.allow
      ? { allowed: true, actor: subjectLabel(request.subject) }
      : { allowed: false, permission: decision.permission, reason: decision.reason };
  });
}

/** The period a metrics query names: twelve weeks up to now unless it says otherwise. */
function period(q: { since?: string | undefined; until?: string | undefined }): { since: Date; until: Date } {
  const until = q.until ? new Date(q.until) : new Date();
  const since = q.since ? new Date(q.since) : new Date(until.getTime() - 12 * WEEK);
  return { since, until };
}
