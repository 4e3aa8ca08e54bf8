// Per-user Kubernetes identity on the real test fleet (its apiservers authorize with RBAC): two
// users who both own a service in the catalog, but whom Kubernetes RBAC treats differently.
// alice may read every kind Portolan shows in the service's namespace, read pod logs and patch
// Deployments; bob may only list Deployments. Each signs in with a personal token; the portal
// asks the clusters (SubjectAccessReview, as its own `portolan` identity) and each must see
// exactly what their RBAC allows, over HTTP and over SSE, and bob's deploy must be refused
// before any cluster changes. A portal with the mode off still shows bob everything.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { VIEW_KINDS } from '@portolan/core/auth/kubernetes';
import type { Finding } from '@portolan/core/health/index';
import type { ServiceView } from '@portolan/core/services/index';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../packages/server/src/auth/store/tokens.ts';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import { type Portal, startPortal } from '../../packages/server/src/portal.ts';
import {
  appsApi,
  coreApi,
  fleetKubeconfigPath,
  kubeConfigFor,
  makeCrashLoop,
  waitFor,
} from '../cluster/helpers.ts';
import { freePort } from '../cluster/processes.ts';
import { liveViews } from '../support/sse.ts';
import { createReadyNamespace, deployApp, requireFleet } from './kubernetes-support.ts';

const runId = randomBytes(3).toString('hex');
const namespace = `portolan-sar-${runId}`;
const svc = `ledger-${runId}`;
/** The service as URLs name it (a bare name is a Component in the default namespace). */
const ref = svc;
const IMAGE = 'registry.example/ledger:1.0.0';
const CACHE_SECONDS = 4;

const CATALOG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: payments }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec: { profile: { email: alice@example.com }, memberOf: [payments] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { profile: { email: bob@example.com }, memberOf: [payments] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ${svc} }
spec: { type: service, lifecycle: production, owner: payments }
`;

const READ = ['get', 'list', 'watch'];
const ALICE_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'events'], verbs: READ },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
    verbs: READ,
  },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch', 'update'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
];
const BOB_RULES: V1PolicyRule[] = [{ apiGroups: ['apps'], resources: ['deployments'], verbs: READ }];

let clusters: string[];
let dir: string;
let on: Portal;
let off: Portal;
const tokens: Record<'alice' | 'bob', { on: string; off: string }> = {
  alice: { on: '', off: '' },
  bob: { on: '', off: '' },
};

const rbac = (cluster: string) => kubeConfigFor(cluster).makeApiClient(RbacAuthorizationV1Api);

async function bind(cluster: string, name: string, user: string, rules: V1PolicyRule[]) {
  await rbac(cluster).createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac(cluster).createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
}

async function portal(identity: boolean): Promise<Portal> {
  const port = await freePort();
  const path = fleetKubeconfigPath();
  const config = parseConfig(
    {
      server: { port },
      database: { connection: ':memory:' },
      catalog: { locations: [{ type: 'file', target: './org.yaml' }] },
      auth: {
        baseUrl: `http://127.0.0.1:${port}`,
        ...(identity ? { kubernetes: { identity: 'subjectAccessReview', cacheSeconds: CACHE_SECONDS } } : {}),
      },
      kubernetes: {
        clusters: clusters.map((name) => ({
          name,
          auth: { type: 'kubeconfig', path, context: `${name}-portolan` },
        })),
        streamDebounceMs: 100,
        heartbeatSeconds: 1,
      },
      deploy: { recordExternal: false },
    },
    'test',
  );
  const p = await startPortal({ config, baseDir: dir, apiOnly: true, logger: pino({ level: 'silent' }) });
  await p.kubernetes!.waitForSync(30_000);
  return p;
}

async function token(p: Portal, user: string): Promise<string> {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 3600_000);
  return (
    await createToken({
      db: p.db,
      user: `user:default/${user}`,
      name: 'test',
      scope: 'deploy',
      expiresAt,
      now,
    })
  ).token;
}

const api = (p: Portal, t: string, path: string, init: RequestInit = {}) =>
  fetch(`${p.url}${path}`, { ...init, headers: { authorization: `Bearer ${t}`, ...(init.headers ?? {}) } });

async function view(p: Portal, t: string): Promise<ServiceView> {
  const res = await api(p, t, `/api/services/${ref}/kubernetes`);
  expect(res.status).toBe(200);
  return (await res.json()) as ServiceView;
}

/** SubjectAccessReviews each apiserver has been asked, from its own metrics. */
async function reviewsAsked(cluster: string): Promise<number> {
  const kc = kubeConfigFor(cluster);
  const server = kc.getCurrentCluster()!;
  const text = await new Promise<string>((resolve, reject) => {
    httpsGet(
      new URL('/metrics', server.server),
      {
        ca: Buffer.from(server.caData!, 'base64'),
        headers: { authorization: `Bearer ${kc.getCurrentUser()!.token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      },
    ).on('error', reject);
  });
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('apiserver_request_total{') && line.includes('resource="subjectaccessreviews"'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

beforeAll(async () => {
  clusters = requireFleet().slice(0, 2);
  dir = mkdtempSync(join(tmpdir(), 'portolan-sar-'));
  writeFileSync(join(dir, 'org.yaml'), CATALOG);
  await Promise.all(
    clusters.map(async (cluster) => {
      await createReadyNamespace(cluster, namespace);
      await deployApp(cluster, namespace, svc, IMAGE);
      await bind(cluster, 'alice', 'alice@example.com', ALICE_RULES);
      await bind(cluster, 'bob', 'bob@example.com', BOB_RULES);
      await waitFor(`${cluster}: 2 pods running`, async () => {
        const pods = await coreApi(cluster).listNamespacedPod({ namespace });
        return pods.items.filter((p) => p.status?.phase === 'Running').length === 2 ? true : undefined;
      });
    }),
  );
  [on, off] = await Promise.all([portal(true), portal(false)]);
  for (const user of ['alice', 'bob'] as const)
    tokens[user] = { on: await token(on, user), off: await token(off, user) };
}, 120_000);

afterAll(async () => {
  await Promise.all([on?.close(), off?.close()]);
  await Promise.all(
    (clusters ?? []).map((c) =>
      coreApi(c)
        .deleteNamespace({ name: namespace })
        .catch(() => undefined),
    ),
  );
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const workload = (v: ServiceView, cluster: string) => v.clusters.find((c) => c.cluster === cluster)?.items[0];
const forbidden = (v: ServiceView, cluster: string) =>
  v.clusters.find((c) => c.cluster === cluster)?.errors.filter((e) => e.type === 'forbidden') ?? [];

describe('per-user Kubernetes identity (subjectAccessReview)', () => {
  it('asks each cluster once per kind and namespace, then answers page views from its cache', async () => {
    const before = await Promise.all(clusters.map(reviewsAsked));
    for (let i = 0; i < 10; i++) await view(on, tokens.alice.on);
    const after = await Promise.all(clusters.map(reviewsAsked));
    // One namespace per cluster: one review per kind the view shows, for ten page views.
    expect(after.map((n, i) => n - before[i]!)).toEqual(clusters.map(() => VIEW_KINDS.length));
  });

  it('shows alice everything her RBAC allows: workloads, pods and services, with no denial', async () => {
    const v = await view(on, tokens.alice.on);
    for (const cluster of clusters) {
      const w = workload(v, cluster);
      expect(w?.name).toBe(svc);
      expect(w?.pods).toHaveLength(2);
      expect(w?.services.map((s) => s.name)).toEqual([svc]);
      expect(forbidden(v, cluster)).toEqual([]);
    }
  });

  it('leaves out for bob what his RBAC forbids, and names each denial (cluster, kind, namespace)', async () => {
    const v = await view(on, tokens.bob.on);
    for (const cluster of clusters) {
      const w = workload(v, cluster);
      expect(w?.name).toBe(svc);
      expect(w?.pods).toEqual([]);
      expect(w?.podSummary.total).toBe(0);
      expect(w?.services).toEqual([]);
      const errors = forbidden(v, cluster);
      expect(errors).toContainEqual({
        type: 'forbidden',
        kind: 'Pod',
        namespace,
        permission: 'list pods',
        message: `your Kubernetes permissions do not allow list pods in namespace ${namespace} on cluster ${cluster}`,
      });
      expect(errors.map((e) => e.kind)).not.toContain('Deployment');
      expect(errors.map((e) => e.kind)).toContain('Service');
    }
    expect(v.summary.pods).toBe(0);
  });

  it('streams each user the view their RBAC allows', async () => {
    for (const [user, pods] of [
      ['alice', 2],
      ['bob', 0],
    ] as const) {
      const controller = new AbortController();
      const res = await api(on, tokens[user].on, `/api/services/${ref}/kubernetes/stream`, {
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const first = await liveViews<ServiceView>(res.body!).next();
      controller.abort();
      const v = first.value!.view;
      for (const cluster of clusters) {
        expect(workload(v, cluster)?.pods).toHaveLength(pods);
        expect(forbidden(v, cluster).some((e) => e.kind === 'Pod')).toBe(pods === 0);
      }
    }
  });

  it('gives bob no events and no logs (list events, get pods/log), naming what is missing', async () => {
    const events = (await (await api(on, tokens.bob.on, `/api/services/${ref}/events`)).json()) as {
      items: unknown[];
      denied: { cluster: string; kind: string; message: string }[];
    };
    expect(events.items).toEqual([]);
    expect(events.denied.map((d) => d.cluster).sort()).toEqual([...clusters].sort());
    expect(events.denied[0]?.message).toContain('do not allow list events');
    const logs = await api(on, tokens.bob.on, `/api/services/${ref}/logs?workload=Deployment/${svc}`);
    expect(logs.status).toBe(403);
    const body = (await logs.json()) as { error: { message: string; context: Record<string, unknown> } };
    expect(body.error.context).toMatchObject({ permission: 'kubernetes: get pods/log', namespace });
    expect(body.error.message).toContain(`do not allow get pods/log in namespace ${namespace}`);
    const aliceLogs = await api(on, tokens.alice.on, `/api/services/${ref}/logs?workload=Deployment/${svc}`);
    expect(aliceLogs.status).toBe(200);
    await aliceLogs.body?.cancel();
    const aliceEvents = (await (
      await api(on, tokens.alice.on, `/api/services/${ref}/events`)
    ).json()) as object;
    expect(aliceEvents).not.toHaveProperty('denied');
  });

  it('refuses bob’s deploy with a 403 naming cluster, verb and resource, before any cluster changes', async () => {
    const res = await api(on, tokens.bob.on, `/api/services/${ref}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '2.0.0', reason: 'bob tries' }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as {
      error: { name: string; message: string; context: Record<string, unknown> };
    };
    expect(body.error.name).toBe('ForbiddenError');
    expect(body.error.context).toMatchObject({
      permission: 'kubernetes: patch deployments.apps',
      verb: 'patch',
      resource: 'deployments.apps',
      namespace,
    });
    expect(clusters).toContain(body.error.context.cluster);
    expect(body.error.message).toMatch(/do not allow patch deployments\.apps in namespace .* on cluster /);
    const recorded = (await (await api(on, tokens.bob.on, `/api/services/${ref}/deployments`)).json()) as {
      items: unknown[];
    };
    expect(recorded.items).toEqual([]);
    for (const cluster of clusters) {
      const d = await appsApi(cluster).readNamespacedDeployment({ name: svc, namespace });
      expect(d.spec?.template.spec?.containers[0]?.image).toBe(IMAGE);
      expect(d.metadata?.generation).toBe(1);
    }
  });

  it('shows everything to bob when the mode is off, asking no cluster', async () => {
    const before = await Promise.all(clusters.map(reviewsAsked));
    const v = await view(off, tokens.bob.off);
    for (const cluster of clusters) {
      expect(workload(v, cluster)?.pods).toHaveLength(2);
      expect(workload(v, cluster)?.services.map((s) => s.name)).toEqual([svc]);
      expect(forbidden(v, cluster)).toEqual([]);
    }
    const logs = await api(off, tokens.bob.off, `/api/services/${ref}/logs?workload=Deployment/${svc}`);
    expect(logs.status).toBe(200);
    await logs.body?.cancel();
    expect(await Promise.all(clusters.map(reviewsAsked))).toEqual(before);
  });

  it('gives bob no pod findings and no pod names from the fleet routes, while alice has them', async () => {
    const podNames = new Map<string, string[]>();
    for (const cluster of clusters) {
      const pods = await coreApi(cluster).listNamespacedPod({ namespace });
      podNames.set(
        cluster,
        pods.items.map((p) => p.metadata!.name!),
      );
    }
    const allPods = [...podNames.values()].flat();
    await makeCrashLoop(
      { context: clusters[0]!, namespace, name: podNames.get(clusters[0]!)![0]! },
      { restarts: 6 },
    );
    type Body = { items: Finding[]; denied?: { cluster: string; kind?: string; message: string }[] };
    const findings = (p: Portal, t: string) =>
      api(p, t, `/api/findings?service=${ref}&limit=5000`).then((r) => r.json() as Promise<Body>);
    const crash = (b: Body) => b.items.filter((f) => f.rule.startsWith('pod-'));
    const aliceFindings = await waitFor(
      'the crash loop in the fleet findings',
      async () => {
        const b = await findings(on, tokens.alice.on);
        return crash(b).length > 0 ? b : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(crash(aliceFindings)[0]).toMatchObject({
      rule: 'pod-crash-loop',
      object: { cluster: clusters[0] },
    });
    expect(crash(aliceFindings)[0]?.pods).toEqual([podNames.get(clusters[0]!)![0]]);
    expect(aliceFindings).not.toHaveProperty('denied');

    const noPodNames = (body: unknown) => {
      const text = JSON.stringify(body);
      for (const name of allPods) expect(text).not.toContain(name);
    };
    const bobFindings = await findings(on, tokens.bob.on);
    expect(crash(bobFindings)).toEqual([]);
    noPodNames(bobFindings);
    expect(bobFindings.denied).toContainEqual({
      cluster: clusters[0],
      namespace,
      kind: 'Pod',
      message: `your Kubernetes permissions do not allow list pods in namespace ${namespace} on cluster ${clusters[0]}`,
    });
    // The same portal with the mode off shows bob the crash loop.
    await waitFor(
      'the crash loop with the mode off',
      async () => (crash(await findings(off, tokens.bob.off)).length > 0 ? true : undefined),
      { timeoutMs: 30_000 },
    );

    const summary = (t: string) =>
      api(on, t, `/api/findings/summary?service=${ref}`).then(
        (r) => r.json() as Promise<{ summary: { byRule: Record<string, unknown> }; denied?: unknown[] }>,
      );
    expect(Object.keys((await summary(tokens.alice.on)).summary.byRule)).toContain('pod-crash-loop');
    const bobSummary = await summary(tokens.bob.on);
    expect(Object.keys(bobSummary.summary.byRule).filter((r) => r.startsWith('pod-'))).toEqual([]);
    expect(bobSummary.denied?.length).toBeGreaterThan(0);

    type ClusterPage = {
      teams: { services: { name: string; pods: number; workloads: number }[] }[];
      denied?: unknown[];
    };
    for (const cluster of clusters) {
      const page = async (t: string) => {
        const b = (await (await api(on, t, `/api/clusters/${cluster}/services`)).json()) as ClusterPage;
        return { body: b, service: b.teams.flatMap((x) => x.services).find((x) => x.name === svc) };
      };
      expect((await page(tokens.alice.on)).service).toMatchObject({ workloads: 1, pods: 2 });
      const bobs = await page(tokens.bob.on);
      expect(bobs.service).toMatchObject({ workloads: 1, pods: 0 });
      expect(bobs.body.denied?.length).toBeGreaterThan(0);
      noPodNames(bobs.body);
    }

    type TeamPage = { items: { name: string; summary: { pods: number } }[]; denied?: unknown[] };
    const team = async (t: string) =>
      (await (await api(on, t, '/api/teams/payments/services')).json()) as TeamPage;
    expect((await team(tokens.alice.on)).items.find((i) => i.name === svc)?.summary.pods).toBe(
      2 * clusters.length,
    );
    const bobTeam = await team(tokens.bob.on);
    expect(bobTeam.items.find((i) => i.name === svc)?.summary.pods).toBe(0);
    expect(bobTeam.denied?.length).toBeGreaterThan(0);

    const resources = async (t: string) => (await api(on, t, `/api/services/${ref}/resources`)).json();
    expect(JSON.stringify(await resources(tokens.alice.on))).toContain(allPods[0]);
    noPodNames(await resources(tokens.bob.on));
  }, 60_000);

  it('re-checks an open stream as its answers expire: bob sees pods once RBAC lets him', async () => {
    const controller = new AbortController();
    const res = await api(on, tokens.bob.on, `/api/services/${ref}/kubernetes/stream`, {
      signal: controller.signal,
    });
    const views = liveViews<ServiceView>(res.body!);
    const first = (await views.next()).value!.view;
    expect(workload(first, clusters[0]!)?.pods).toEqual([]);
    const granted = Date.now();
    // Pods hang off a Deployment through its ReplicaSets: both are needed to see them.
    await bind(clusters[0]!, 'bob-pods', 'bob@example.com', [
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
    ]);
    let seen: ServiceView | undefined;
    for await (const { view: v } of views) {
      if (workload(v, clusters[0]!)?.pods.length === 2) {
        seen = v;
        break;
      }
    }
    controller.abort();
    expect(Date.now() - granted).toBeLessThan((CACHE_SECONDS * 2 + 5) * 1000);
    expect(forbidden(seen!, clusters[0]!).some((e) => e.kind === 'Pod')).toBe(false);
    // Only where he was granted it.
    if (clusters[1]) expect(workload(seen!, clusters[1])?.pods).toEqual([]);
  }, 30_000);
});
