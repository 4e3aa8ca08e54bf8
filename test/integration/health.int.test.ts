// Health findings end to end on the real test fleet, through the portal's HTTP API: a crash loop,
// an image pull failure, a stuck rollout (the real Deployment controller's
// ProgressDeadlineExceeded) and an HPA at max become the right findings with their evidence, on
// /api/services/:ref/findings, /api/findings (filtered by owner, cluster, severity) and the
// summary; the autoscaling view shows the HPA per cluster; and a finding that appears is pushed
// on the service's SSE stream. The portal reads the fleet through its read-only identity.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '@portolan/core/health/index';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../../packages/server/src/catalog/service.ts';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import { type Database, openDatabase } from '../../packages/server/src/db/database.ts';
import { healthRoutes } from '../../packages/server/src/health/routes.ts';
import { HealthService } from '../../packages/server/src/health/service.ts';
import { createApp } from '../../packages/server/src/http/app.ts';
import {
  createKubernetesEngine,
  type KubernetesEngine,
} from '../../packages/server/src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../packages/server/src/kubernetes/routes.ts';
import { storedServiceCatalog } from '../../packages/server/src/services/catalog.ts';
import { ServiceResolver } from '../../packages/server/src/services/resolver.ts';
import {
  appsApi,
  autoscalingApi,
  coreApi,
  exceedProgressDeadline,
  fleetKubeconfigPath,
  makeCrashLoop,
  makeImagePullBackOff,
  setHpaStatus,
  setPodLogs,
  waitFor,
} from '../cluster/helpers.ts';
import { sseEvents } from '../support/sse.ts';
import { requireFleet } from './kubernetes-support.ts';

// The engine lists clusters by name.
const clusters = requireFleet().sort();
const [EU, US] = ['eu-west-1', 'us-east-1'];
const runId = randomBytes(3).toString('hex');
const namespace = `portolan-health-${runId}`;
const shop = `shop-${runId}`;
const stuck = `stuck-${runId}`;
const ID_LABEL = 'backstage.io/kubernetes-id';
const shopRef = encodeURIComponent(`component:default/${shop}`);
const stuckRef = encodeURIComponent(`component:default/${stuck}`);

type ServiceFinding = Finding & { service: string; owner?: string; system?: string };
interface ServiceFindings {
  ref: string;
  owner?: string;
  lifecycle?: string;
  clusters: { cluster: string; status: string; errors: unknown[] }[];
  findings: Finding[];
}

let dir: string;
let db: Database;
let catalog: CatalogService;
let engine: KubernetesEngine;
let app: FastifyInstance;
let url: string;
/** The shop pod made to crash-loop in eu-west-1. */
let crashed: string;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${url}${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls a service's findings until one of `rule` on `cluster` is there. */
function findingOf(ref: string, rule: string, cluster: string): Promise<Finding> {
  return waitFor(
    `${rule} in ${cluster}`,
    async () =>
      (await get<ServiceFindings>(`/api/services/${ref}/findings`)).findings.find(
        (f) => f.rule === rule && f.object.cluster === cluster,
      ),
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

async function podsOf(cluster: string, name: string): Promise<string[]> {
  const list = await coreApi(cluster).listNamespacedPod({ namespace, labelSelector: `${ID_LABEL}=${name}` });
  return list.items.map((p) => p.metadata!.name!).sort();
}

async function deployShop(cluster: string) {
  await coreApi(cluster).createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor(`${cluster}: default ServiceAccount`, () =>
    coreApi(cluster)
      .readNamespacedServiceAccount({ name: 'default', namespace })
      .then(() => true),
  );
  const labels = { [ID_LABEL]: shop, app: shop };
  await appsApi(cluster).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: shop, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'main', image: 'registry.example/shop:2.1.0' }] },
        },
      },
    },
  });
  await autoscalingApi(cluster).createNamespacedHorizontalPodAutoscaler({
    namespace,
    body: {
      metadata: { name: shop, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: shop },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    },
  });
  await waitFor(`${cluster}: 2 running pods of ${shop}`, async () => {
    const list = await coreApi(cluster).listNamespacedPod({
      namespace,
      labelSelector: `${ID_LABEL}=${shop}`,
    });
    return list.items.filter((p) => p.status?.phase === 'Running').length === 2 ? true : undefined;
  });
}

function catalogYaml(): string {
  const component = (name: string, owner: string, system: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations:
    ${ID_LABEL}: ${name}
spec:
  type: service
  lifecycle: production
  owner: ${owner}
  system: ${system}
`;
  const group = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: ${name}
spec:
  type: team
  children: []
`;
  return [
    component(shop, 'payments', 'storefront'),
    component(stuck, 'search', 'discovery'),
    group('payments'),
    group('search'),
  ].join('---\n');
}

describe('health on the real fleet, through the portal API', () => {
  beforeAll(async () => {
    expect(clusters).toEqual(expect.arrayContaining([EU, US]));
    await Promise.all([deployShop(EU), deployShop(US)]);
    dir = mkdtempSync(join(tmpdir(), 'portolan-health-'));
    mkdirSync(join(dir, 'catalog'));
    writeFileSync(join(dir, 'catalog', 'catalog-info.yaml'), catalogYaml());
    const kubeconfig = fleetKubeconfigPath();
    // The same wiring as portal.ts: catalog, engine, the Kubernetes routes with the findings
    // stream hook, and the health routes.
    const config = parseConfig(
      {
        server: { port: 0 },
        database: { client: 'sqlite', connection: ':memory:' },
        catalog: { locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
        kubernetes: {
          clusters: clusters.map((name) => ({
            name,
            auth: { type: 'kubeconfig', path: kubeconfig, context: `${name}-portolan` },
          })),
          streamDebounceMs: 100,
          heartbeatSeconds: 1,
        },
      },
      'health.int',
    );
    const logger = pino({ level: 'silent' });
    db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
    catalog = new CatalogService({ db, catalog: config.catalog, baseDir: dir, logger });
    engine = createKubernetesEngine({ config: config.kubernetes!, configDir: dir, logger });
    const resolver = new ServiceResolver({ catalog: storedServiceCatalog(catalog), discovery: engine });
    const health = new HealthService({
      engine,
      resolver,
      fleetFreshMs: 500,
      fleetStaleMs: 500,
    });
    app = await createApp({
      logger,
      catalog,
      routes: [
        (a, openapi) => kubernetesRoutes(a, openapi, { engine, resolver, streamExtras: health.streamExtras }),
        (a, openapi) => healthRoutes(a, openapi, { health }),
      ],
    });
    const summary = await catalog.refresh();
    expect(summary.entities).toBe(4);
    await engine.start();
    expect(await engine.waitForSync(30_000)).toBe(true);
    url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', 'localhost');
    // A stuck rollout in us-east-1 only; the real Deployment controller gives up after 5 s.
    await exceedProgressDeadline(
      { context: US, namespace, name: stuck },
      { progressDeadlineSeconds: 5, labels: { [ID_LABEL]: stuck } },
    );
  });

  afterAll(async () => {
    await app?.close();
    await engine?.stop();
    await db?.destroy();
    await Promise.all(
      [EU, US].map((c) =>
        coreApi(c)
          .deleteNamespace({ name: namespace })
          .catch(() => undefined),
      ),
    );
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts healthy: every cluster synced, no critical finding for the shop', async () => {
    const body = await get<ServiceFindings>(`/api/services/${shopRef}/findings`);
    expect(body).toMatchObject({
      ref: `component:default/${shop}`,
      owner: 'group:default/payments',
      lifecycle: 'production',
    });
    expect(body.clusters.map((c) => [c.cluster, c.status])).toEqual(clusters.map((c) => [c, 'synced']));
    expect(body.findings.filter((f) => f.severity === 'critical')).toEqual([]);
  });

  it('pushes a crash loop on the service stream the moment it appears, with its exit code', async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}/api/services/${shopRef}/kubernetes/stream`, {
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const stream = sseEvents(res.body!);
    try {
      const first = await stream.next('findings');
      expect(first.appeared).toEqual(first.findings);
      expect(first.findings.some((f: Finding) => f.rule === 'pod-crash-loop')).toBe(false);
      const [pod] = await podsOf(EU, shop);
      crashed = pod!;
      const started = performance.now();
      await makeCrashLoop({ context: EU, namespace, name: pod! }, { restarts: 6, exitCode: 2 });
      const pushed = await waitFor(
        'a findings event with the crash loop',
        async () => {
          const e = await stream.next('findings', 15_000);
          return e.appeared.some((f: Finding) => f.rule === 'pod-crash-loop') ? e : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 0 },
      );
      const crash = pushed.appeared.find((f: Finding) => f.rule === 'pod-crash-loop') as Finding;
      console.log(
        `crash loop pushed on the stream ${Math.round(performance.now() - started)} ms after makeCrashLoop began`,
      );
      expect(crash).toMatchObject({
        severity: 'critical',
        object: { cluster: EU, namespace, kind: 'Deployment', name: shop },
        evidence: { container: 'main', exitCode: 2, restartCount: 6 },
        pods: [pod],
      });
      expect(pushed.cleared).toEqual([]);
    } finally {
      controller.abort();
    }
  });

  it('explains the crash loop on /api/services/:ref/findings with the BackOff event and the log tail', async () => {
    // What the crashed run printed, served by kwok through the real pods/log API.
    const previousLines = Array.from({ length: 30 }, (_, i) => `request ${i} ok`).concat([
      'connecting to postgres://db:5432',
      'panic: dial tcp 10.0.0.7:5432: connect: connection refused',
    ]);
    await setPodLogs(
      { context: EU, namespace, name: crashed },
      { lines: ['starting shop 2.1.0'], previousLines },
    );
    const crash = await findingOf(shopRef, 'pod-crash-loop', EU);
    // Only the last 20 lines of the crashed (previous) run.
    expect(crash.evidence.logTail).toEqual(previousLines.slice(-20));
    expect(crash.severity).toBe('critical');
    expect(crash.summary).toMatch(/exit code 2/);
    expect(crash.evidence).toMatchObject({
      container: 'main',
      exitCode: 2,
      restartCount: 6,
      reason: 'Error',
    });
    expect(crash.evidence.events?.map((e) => e.reason)).toContain('BackOff');
    expect(crash.nextSteps.length).toBeGreaterThan(0);
  });

  it('explains an image pull failure with the image and the kubelet Failed event', async () => {
    const [pod] = await podsOf(US, shop);
    await makeImagePullBackOff({ context: US, namespace, name: pod! });
    const pull = await findingOf(shopRef, 'pod-image-pull', US);
    expect(pull).toMatchObject({
      severity: 'critical',
      object: { cluster: US, namespace, kind: 'Deployment', name: shop },
      evidence: { container: 'main', reason: 'ImagePullBackOff', image: 'registry.example/shop:2.1.0' },
      pods: [pod],
    });
    expect(pull.evidence.events?.map((e) => e.reason)).toEqual(expect.arrayContaining(['Failed', 'BackOff']));
    expect(pull.evidence.events?.find((e) => e.reason === 'Failed')?.message).toMatch(/not found/);
  });

  it('explains a stuck rollout (ProgressDeadlineExceeded) from the real Deployment controller', async () => {
    const rollout = await findingOf(stuckRef, 'deployment-progress-deadline', US);
    expect(rollout).toMatchObject({
      severity: 'critical',
      object: { cluster: US, namespace, kind: 'Deployment', name: stuck },
      evidence: { reason: 'ProgressDeadlineExceeded' },
    });
    expect(rollout.evidence.message).toMatch(/progress/i);
  });

  it('explains an HPA at max above target, and shows it in the autoscaling view', async () => {
    await setHpaStatus(
      { context: EU, namespace, name: shop },
      {
        currentReplicas: 4,
        desiredReplicas: 4,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: 96, averageValue: '960m' } },
          },
        ],
        conditions: [
          { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
          { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
          {
            type: 'ScalingLimited',
            status: 'True',
            reason: 'TooManyReplicas',
            message: 'the desired replica count is more than the maximum replica count',
          },
        ],
      },
    );
    await setHpaStatus(
      { context: US, namespace, name: shop },
      {
        currentReplicas: 2,
        desiredReplicas: 2,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } },
        ],
      },
    );
    const atMax = await findingOf(shopRef, 'hpa-at-max', EU);
    expect(atMax).toMatchObject({
      severity: 'critical',
      object: { cluster: EU, namespace, kind: 'HorizontalPodAutoscaler', name: shop },
      evidence: { conditions: [{ type: 'ScalingLimited', status: 'True', reason: 'TooManyReplicas' }] },
    });
    expect(atMax.summary).toMatch(/4\/4/);

    const scaling = await waitFor(
      'the autoscaling view with both HPAs observed',
      async () => {
        const s = await get<{
          clusters: { cluster: string; status: string; items: Record<string, unknown>[] }[];
          workloads: Record<string, unknown>[];
        }>(`/api/services/${shopRef}/scaling`);
        const us = s.clusters.find((c) => c.cluster === US)?.items[0];
        return us?.currentReplicas === 2 && us.observed ? s : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(scaling.clusters.map((c) => [c.cluster, c.items.length])).toEqual(
      clusters.map((c) => [c, c === EU || c === US ? 1 : 0]),
    );
    const eu = scaling.clusters.find((c) => c.cluster === EU)!.items[0]!;
    expect(eu).toMatchObject({
      minReplicas: 2,
      maxReplicas: 4,
      currentReplicas: 4,
      desiredReplicas: 4,
      atMax: true,
      headroomReplicas: 0,
      headroomPercent: 0,
    });
    expect(eu.metrics).toEqual([
      expect.objectContaining({ type: 'Resource', name: 'cpu', target: 70, current: 96, aboveTarget: true }),
    ]);
    expect(scaling.workloads).toEqual([
      expect.objectContaining({
        namespace,
        target: { kind: 'Deployment', name: shop },
        totalCurrent: 6,
        totalMax: 8,
        headroomReplicas: 2,
        atLimit: [EU],
        busiestCluster: EU,
        hottestCluster: EU,
      }),
    ]);
  });

  it('rolls the fleet up: /api/findings by owner, cluster and severity, and the summary per service and team', async () => {
    const payments = await waitFor(
      "the payments team's findings with all three shop problems",
      async () => {
        const page = await get<{ items: ServiceFinding[]; totalItems: number }>(
          '/api/findings?owner=payments&severity=critical',
        );
        const rules = new Set<string>(page.items.map((f) => f.rule));
        return ['pod-crash-loop', 'pod-image-pull', 'hpa-at-max'].every((r) => rules.has(r))
          ? page
          : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    for (const f of payments.items) {
      expect(f).toMatchObject({
        service: `component:default/${shop}`,
        owner: 'group:default/payments',
        system: 'system:default/storefront',
        severity: 'critical',
      });
    }
    const search = await get<{ items: ServiceFinding[] }>('/api/findings?owner=group:default/search');
    expect(search.items.map((f) => f.rule)).toContain('deployment-progress-deadline');
    expect(search.items.every((f) => f.service === `component:default/${stuck}`)).toBe(true);
    const us = await get<{ items: ServiceFinding[] }>(
      `/api/findings?cluster=${US}&severity=critical&system=storefront,discovery`,
    );
    expect(us.items.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['pod-image-pull', 'deployment-progress-deadline']),
    );
    expect(us.items.every((f) => f.object.cluster === US && f.severity === 'critical')).toBe(true);
    expect(us.items.some((f) => f.rule === 'pod-crash-loop' || f.rule === 'hpa-at-max')).toBe(false);

    const summary = await get<{
      summary: { critical: number; byRule: Record<string, { critical: number }> };
      worstServices: { key: string; critical: number }[];
      teams: { key: string; critical: number; services: number }[];
    }>('/api/findings/summary');
    const mine = summary.worstServices.find((s) => s.key === `component:default/${shop}`);
    expect(mine?.critical).toBeGreaterThanOrEqual(3);
    expect(summary.teams.find((t) => t.key === 'group:default/payments')).toMatchObject({ services: 1 });
    expect(summary.summary.byRule['deployment-progress-deadline']?.critical).toBeGreaterThanOrEqual(1);

    const bad = await fetch(`${url}/api/findings?severity=fatal`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { name: string } }).error.name).toBe('InputError');
    expect((await fetch(`${url}/api/services/component%3Adefault%2Fno-such-${runId}/findings`)).status).toBe(
      404,
    );
  });
});
