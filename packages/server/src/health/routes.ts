// HTTP routes of health: a service's findings and autoscaling, the fleet's findings filtered by
// owner, system, cluster and severity, and the fleet summary. Every string a finding carries
// from a cluster goes out as JSON data, never markup.

import type { ClusterObject } from '@portolan/core';
import { allowedFindings, readChecks, VIEW_KINDS } from '@portolan/core/auth/kubernetes';
import { InputError } from '@portolan/core/errors';
import { RULE_IDS, summarizeFindings } from '@portolan/core/health/index';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { KubernetesAccess } from '../auth/kubernetes/access.ts';
import { deniedList } from '../auth/kubernetes/http.ts';
import { needs } from '../auth/permission.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import { listParam, parseQuery, refsParam } from '../http/query.ts';
import { allowedSnapshot, type FleetFilter, type FleetSnapshot, fleetChecks } from './fleet.ts';
import type { HealthService } from './service.ts';

const SEVERITIES = ['critical', 'warning', 'info'] as const;

const filterShape = {
  owner: listParam('owner ref, e.g. group:default/payments or just payments (repeat or comma-separate)'),
  system: listParam('system ref or name'),
  service: listParam('service (component) ref or name'),
  cluster: listParam('cluster name'),
  severity: listParam('critical, warning or info (repeat for several)'),
  minSeverity: z.enum(SEVERITIES).optional().describe('this severity and worse'),
  rule: listParam('rule id, e.g. pod-crash-loop'),
};

const findingsQuery = z.object({
  ...filterShape,
  limit: z.coerce.number().int().min(1).max(5000).default(100).describe('page size, at most 5000'),
  offset: z.coerce.number().int().min(0).default(0).describe('findings to skip'),
});

const summaryQuery = z.object({
  ...filterShape,
  top: z.coerce.number().int().min(1).max(500).default(20).describe('services, teams and systems to list'),
});

const serviceQuery = z.object({
  logs: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .describe('fetch the log tail of crash-looping containers (default true)')
    .transform((v) => v === undefined || v === 'true' || v === '1'),
});

const RULES: readonly string[] = RULE_IDS;

/** Turns the query's filter fields into a FleetFilter, with refs normalised; 400 on nonsense. */
export function toFleetFilter(q: {
  owner?: string[] | undefined;
  system?: string[] | undefined;
  service?: string[] | undefined;
  cluster?: string[] | undefined;
  severity?: string[] | undefined;
  minSeverity?: (typeof SEVERITIES)[number] | undefined;
  rule?: string[] | undefined;
}): FleetFilter {
  const severity = q.severity?.map((s) => s.toLowerCase());
  const bad = severity?.find((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad !== undefined) throw new InputError(`severity: "${bad}" is not one of ${SEVERITIES.join(', ')}`);
  const unknownRule = q.rule?.find((r) => !RULES.includes(r));
  if (unknownRule !== undefined) throw new InputError(`rule: unknown rule "${unknownRule}"`);
  const owner = refsParam(q.owner, 'group', 'owner');
  const system = refsParam(q.system, 'system', 'system');
  const service = refsParam(q.service, 'component', 'service');
  return {
    ...(owner ? { owner } : {}),
    ...(system ? { system } : {}),
    ...(service ? { service } : {}),
    ...(q.cluster ? { cluster: q.cluster } : {}),
    ...(severity ? { severity: severity as FleetFilter['severity'] & string[] } : {}),
    ...(q.minSeverity ? { minSeverity: q.minSeverity } : {}),
    ...(q.rule ? { rule: q.rule } : {}),
  };
}

export function healthRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  {
    health,
    access,
  }: {
    health: HealthService;
    /** Per-user Kubernetes identity: a service's findings keep only what its user may read. */
    access?: { access: KubernetesAccess; objectsOf(ref: string): Promise<ClusterObject[]> };
  },
): void {
  /**
   * The fleet as the request's user may see it: with per-user Kubernetes identity on, what they
   * may not list is left out and the denials are named (`denied`); otherwise the snapshot every
   * reader shares, asking no cluster.
   */
  const fleetFor = async (
    request: FastifyRequest,
    filter: FleetFilter,
    options: { placements?: boolean } = {},
  ): Promise<{ snapshot?: FleetSnapshot; denied?: { denied: ReturnType<typeof deniedList> } }> => {
    if (!access?.access.applies(request.subject)) return {};
    const snapshot = await health.fleet();
    const denials = await access.access.denials(request.subject, fleetChecks(snapshot, filter, options));
    if (denials.empty) return { snapshot };
    return { snapshot: allowedSnapshot(snapshot, denials), denied: { denied: deniedList(denials) } };
  };

  openapi.add({
    method: 'get',
    path: '/api/findings',
    tag: 'health',
    summary:
      'Findings across the fleet, worst first, each with its service, owner and system; at most a few seconds old',
    query: findingsQuery,
  });
  app.get('/api/findings', needs('catalog.read'), async (request) => {
    const q = parseQuery(findingsQuery, request.query);
    const filter = toFleetFilter(q);
    const { snapshot, denied } = await fleetFor(request, filter);
    return { ...(await health.findings(filter, q.limit, q.offset, snapshot)), ...denied };
  });

  openapi.add({
    method: 'get',
    path: '/api/findings/summary',
    tag: 'health',
    summary: 'Fleet summary: counts by severity and rule, then services, teams and systems worst first',
    query: summaryQuery,
  });
  app.get('/api/findings/summary', needs('catalog.read'), async (request) => {
    const q = parseQuery(summaryQuery, request.query);
    const filter = toFleetFilter(q);
    const { snapshot, denied } = await fleetFor(request, filter);
    return { ...(await health.summary(filter, q.top, snapshot)), ...denied };
  });

  openapi.add({
    method: 'get',
    path: '/api/clusters/:cluster/services',
    tag: 'health',
    summary: "What runs in one cluster, by team, with each service's findings there",
    responses: { '200': 'the services', '404': 'no such cluster' },
  });
  app.get<{ Params: { cluster: string } }>(
    '/api/clusters/:cluster/services',
    needs('catalog.read'),
    async (request) => {
      const { cluster } = request.params;
      const { snapshot, denied } = await fleetFor(request, { cluster: [cluster] }, { placements: true });
      return { ...(await health.cluster(cluster, snapshot)), ...denied };
    },
  );

  openapi.add({
    method: 'get',
    path: '/api/services/:ref/findings',
    tag: 'health',
    summary:
      'What is wrong with a service in every cluster, why, and what to do; with log tails of crash loops',
    query: serviceQuery,
    responses: { '200': 'the findings', '400': 'bad ref', '404': 'no such service' },
  });
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/findings',
    needs('service.read', 'ref'),
    async (request) => {
      const q = parseQuery(serviceQuery, request.query);
      const all = await health.serviceFindings(request.params.ref, { logs: q.logs });
      if (!access?.access.applies(request.subject)) return all;
      const objects = await access.objectsOf(request.params.ref);
      const checks = [
        ...readChecks(objects, VIEW_KINDS),
        ...readChecks(objects, ['Event']),
        ...readChecks(objects, ['Pod'], 'get').map((c) => ({ ...c, subresource: 'log', kind: undefined })),
      ].map(({ kind, ...c }) => (kind ? { ...c, kind } : c));
      const denials = await access.access.denials(request.subject, checks);
      if (denials.empty) return all;
      const denied = (cluster: string, namespace: string, subresource?: string) =>
        denials.list.some(
          (d) =>
            d.cluster === cluster &&
            d.namespace === namespace &&
            (subresource ? d.subresource === subresource : d.resource === 'events' && !d.subresource),
        );
      const findings = allowedFindings(all.findings, denials, {
        events: (cluster, namespace) => !denied(cluster, namespace),
        logs: (cluster, namespace) => !denied(cluster, namespace, 'log'),
      });
      return { ...all, summary: summarizeFindings(findings), findings, denied: deniedList(denials) };
    },
  );

  openapi.add({
    method: 'get',
    path: '/api/services/:ref/scaling',
    tag: 'health',
    summary:
      'Every HPA of a service per cluster (bounds, metrics vs target, headroom) and the spread across clusters',
    responses: { '200': 'the autoscaling view', '400': 'bad ref', '404': 'no such service' },
  });
  app.get<{ Params: { ref: string } }>(
    '/api/services/:ref/scaling',
    needs('service.read', 'ref'),
    async (request) => {
      if (!access?.access.applies(request.subject)) return health.scaling(request.params.ref);
      const denials = await access.access.denials(
        request.subject,
        readChecks(await access.objectsOf(request.params.ref), ['HorizontalPodAutoscaler']),
      );
      const scaling = await health.scaling(request.params.ref, denials);
      return denials.empty ? scaling : { ...scaling, denied: deniedList(denials) };
    },
  );
}
