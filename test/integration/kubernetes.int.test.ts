// The service view on the real test fleet (3 clusters): one service in two clusters with
// different versions and none in the third, read through Portolan's read-only identity, over
// HTTP: the view, the live SSE stream, events, logs, the team page, and a dead cluster that
// must not delay anything.
import type { ServiceView } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../packages/server/src/http/errors.ts';
import { OpenApiRegistry } from '../../packages/server/src/http/openapi.ts';
import type { KubernetesEngine } from '../../packages/server/src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../packages/server/src/kubernetes/routes.ts';
import { ServiceResolver } from '../../packages/server/src/services/resolver.ts';
import { appsApi, coreApi, mergePatch, recordKubeletEvent, waitFor } from '../cluster/helpers.ts';
import { liveViews } from '../support/sse.ts';
import {
  cleanup,
  deployCheckout,
  entity,
  fleetEngine,
  namespace,
  requireFleet,
  serviceName,
  stubCatalog,
  versions,
} from './kubernetes-support.ts';

const clusters = requireFleet();
const ref = encodeURIComponent(`component:default/${serviceName}`);
let engine: KubernetesEngine;
let app: FastifyInstance;

async function view(): Promise<ServiceView> {
  const res = await app.inject(`/api/services/${ref}/kubernetes`);
  expect(res.statusCode).toBe(200);
  return res.json() as ServiceView;
}

const readyPods = (v: ServiceView, cluster: string) =>
  v.clusters.find((c) => c.cluster === cluster)?.items[0]?.pods.filter((p) => p.ready && !p.terminating)
    .length ?? 0;

describe('service view on the real fleet', () => {
  beforeAll(async () => {
    await deployCheckout(clusters);
    engine = fleetEngine(clusters, {
      // Nothing listens on port 9: this cluster is unreachable from the start.
      extra: [
        { name: 'dead-1', url: 'https://127.0.0.1:9', auth: { type: 'token', tokenEnv: 'DEAD_TOKEN' } },
      ],
      env: { DEAD_TOKEN: 'x' },
    });
    await engine.start();
    app = Fastify();
    installErrorHandling(app);
    kubernetesRoutes(app, new OpenApiRegistry(), {
      engine,
      resolver: new ServiceResolver({
        catalog: stubCatalog([entity(serviceName), entity(`ghost-${serviceName}`)]),
        discovery: engine,
      }),
    });
  });
  afterAll(async () => {
    await app?.close();
    await engine?.stop();
    await cleanup(clusters);
  });

  it('answers at once while clusters are still syncing, with a dead cluster among them', async () => {
    const started = performance.now();
    const v = await view();
    expect(performance.now() - started).toBeLessThan(500);
    expect(v.clusters.map((c) => c.cluster).sort()).toEqual([...clusters, 'dead-1'].sort());
  });

  it('shows the service per region and cluster, with its pods, Service and version drift', async () => {
    // Pods can be cached before every other kind of the cluster has finished its first list, and
    // be ready before the controller-manager has counted them in the Deployment's status.
    const v = await waitFor('2 ready pods in eu-west-1 and us-east-1, counted, both synced', async () => {
      const current = await view();
      const settled = ['eu-west-1', 'us-east-1'].every((name) => {
        const c = current.clusters.find((x) => x.cluster === name);
        return (
          c?.status === 'synced' &&
          readyPods(current, name) === 2 &&
          c.items[0]?.replicas.available === 2 &&
          c.items[0]?.rollout.state === 'complete'
        );
      });
      return settled ? current : undefined;
    });
    for (const cluster of ['eu-west-1', 'us-east-1']) {
      const c = v.clusters.find((x) => x.cluster === cluster)!;
      expect(c.region).toBe(cluster);
      expect(c.status).toBe('synced');
      expect(c.version).toMatch(/^v1\./);
      const w = c.items[0]!;
      expect(w).toMatchObject({
        kind: 'Deployment',
        name: serviceName,
        namespace,
        version: versions[cluster],
      });
      expect(w.replicas).toEqual({ desired: 2, ready: 2, updated: 2, available: 2 });
      expect(w.rollout.state).toBe('complete');
      expect(w.services.map((s) => s.name)).toEqual([serviceName]);
      expect(w.pods.every((p) => p.phase === 'Running' && p.node !== undefined)).toBe(true);
    }
    // asia-1 runs nothing of this service: an empty, healthy cluster, not an error.
    const asia = v.clusters.find((c) => c.cluster === 'asia-1')!;
    expect(asia).toMatchObject({ status: 'synced', items: [], errors: [] });
    // The dead cluster is shown as such, and never blanks the others.
    const dead = v.clusters.find((c) => c.cluster === 'dead-1')!;
    expect(dead.status).toBe('stale');
    expect(dead.reason).toBe('unreachable');
    expect(dead.errors[0]?.type).toBe('unreachable');
    expect(v.versions).toEqual([
      {
        workload: serviceName,
        kind: 'Deployment',
        drift: true,
        versions: [
          { version: '1.4.0', clusters: ['eu-west-1'] },
          { version: '1.5.0', clusters: ['us-east-1'] },
        ],
      },
    ]);
  });

  it('a service with no objects anywhere is an empty view, not an error', async () => {
    const res = await app.inject(
      `/api/services/${encodeURIComponent(`component:default/ghost-${serviceName}`)}/kubernetes`,
    );
    expect(res.statusCode).toBe(200);
    expect((res.json() as ServiceView).summary.workloads).toBe(0);
  });

  it('streams the view, then the rollout of a new version, over SSE', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/services/${ref}/kubernetes/stream`, {
      signal: controller.signal,
    });
    const blocks = liveViews<ServiceView>(res.body!);
    let latest: ServiceView | undefined;
    let count = 0;
    const readUntil = async (cond: (v: ServiceView) => boolean, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(latest && cond(latest))) {
        if (Date.now() > deadline) throw new Error('timed out waiting for a view on the stream');
        const { value, done } = await blocks.next();
        if (done) throw new Error('stream ended');
        latest = value.view;
        count++;
      }
    };
    await readUntil(() => true);
    expect(count).toBe(1);
    await appsApi('us-east-1').patchNamespacedDeployment(
      {
        name: serviceName,
        namespace,
        body: {
          spec: {
            template: { spec: { containers: [{ name: 'main', image: 'registry.example/checkout:1.4.0' }] } },
          },
        },
      },
      mergePatch,
    );
    await readUntil((v) => v.versions[0]?.drift === false && readyPods(v, 'us-east-1') === 2);
    expect(latest!.versions[0]!.versions).toEqual([
      { version: '1.4.0', clusters: ['eu-west-1', 'us-east-1'] },
    ]);
    controller.abort();
    await waitFor('subscription released', async () => (engine.subscriptionCount === 0 ? true : undefined), {
      timeoutMs: 5000,
    });
    await app.close();
    app = Fastify();
    installErrorHandling(app);
    kubernetesRoutes(app, new OpenApiRegistry(), {
      engine,
      resolver: new ServiceResolver({
        catalog: stubCatalog([entity(serviceName), entity(`ghost-${serviceName}`)]),
        discovery: engine,
      }),
    });
  });

  it('lists the service events across clusters, newest first', async () => {
    const pods = await coreApi('eu-west-1').listNamespacedPod({ namespace });
    const pod = pods.items[0]!;
    await recordKubeletEvent(pod, 'eu-west-1', {
      type: 'Warning',
      reason: 'PortolanProbe',
      message: 'first',
    });
    await new Promise((r) => setTimeout(r, 1100));
    await recordKubeletEvent(pod, 'eu-west-1', {
      type: 'Warning',
      reason: 'PortolanProbe',
      message: 'second',
    });
    const items = await waitFor('both events', async () => {
      const res = await app.inject(`/api/services/${ref}/events`);
      const probe = (res.json().items as { reason: string; message: string; cluster: string }[]).filter(
        (e) => e.reason === 'PortolanProbe',
      );
      return probe.length === 2 ? probe : undefined;
    });
    expect(items.map((e) => [e.cluster, e.message])).toEqual([
      ['eu-west-1', 'second'],
      ['eu-west-1', 'first'],
    ]);
  });

  it('lists a team’s services with a per-cluster summary', async () => {
    const res = await app.inject('/api/teams/payments/services');
    const item = (
      res.json().items as { ref: string; summary: { perCluster: { cluster: string; pods: number }[] } }[]
    ).find((i) => i.ref === `component:default/${serviceName}`)!;
    const pods = Object.fromEntries(item.summary.perCluster.map((c) => [c.cluster, c.pods]));
    expect(pods['asia-1']).toBe(0);
    expect(pods['eu-west-1']).toBeGreaterThanOrEqual(2);
  });

  it('reports clusters and refuses logs of pods that are not the service’s', async () => {
    const clustersRes = await app.inject('/api/clusters');
    const states = clustersRes.json().items as { cluster: string; status: string }[];
    expect(states.find((c) => c.cluster === 'dead-1')?.status).toBe('stale');
    const other = await app.inject(
      `/api/services/${ref}/logs?cluster=eu-west-1&namespace=kube-system&pod=nope`,
    );
    expect(other.statusCode).toBe(404);
    // kwok pods have no container runtime behind them: the API server's answer is passed on as a
    // domain error, never a hang or a 500.
    const pod = (await coreApi('eu-west-1').listNamespacedPod({ namespace })).items[0]!;
    const logs = await app.inject(
      `/api/services/${ref}/logs?cluster=eu-west-1&namespace=${namespace}&pod=${pod.metadata!.name}&tailLines=10`,
    );
    expect([200, 400, 403, 404, 503]).toContain(logs.statusCode);
  });
});
