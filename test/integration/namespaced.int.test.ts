// Least privilege on the real fleet (kube-apiserver with RBAC), each case under its own
// ServiceAccount token so nothing else running is disturbed:
//   (a) cluster-wide mode works with exactly the shipped ClusterRole;
//   (b) namespaced mode works with exactly the shipped namespaced Role, bound only in the
//       services' namespaces and nothing cluster-wide: the views, /api/clusters, the catalog's
//       namespaces followed as they change; the same identity in cluster-wide mode is told why
//       it fails and pointed at namespaced mode;
//   (c) taking any one list or watch away from the Role (every kind x both verbs: 24 identities,
//       run a few at a time) is reported by kind, verb and namespace, and nothing else is.
// get on pods/log is checked through a log read, which the API server refuses by name; list on
// metrics.k8s.io cannot be exercised here (the fleet runs no metrics-server).
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  loadAllYaml,
  RbacAuthorizationV1Api,
  type V1ClusterRole,
  type V1PolicyRule,
  type V1Role,
} from '@kubernetes/client-node';
import { ForbiddenError, KIND_INFO, WATCHED_KINDS, type WatchedKind } from '@portolan/core';
import {
  type CatalogEntity,
  locateService,
  type ServiceView,
  type WatchNamespaces,
} from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../packages/server/src/http/errors.ts';
import { OpenApiRegistry } from '../../packages/server/src/http/openapi.ts';
import {
  createKubernetesEngine,
  type KubernetesEngine,
} from '../../packages/server/src/kubernetes/engine.ts';
import { kubernetesRoutes } from '../../packages/server/src/kubernetes/routes.ts';
import { ServiceResolver } from '../../packages/server/src/services/resolver.ts';
import { NAMESPACED_ROLE_FILE, READER_ROLE_FILE } from '../cluster/cluster-setup.ts';
import { appsApi, coreApi, fleetKubeconfigPath, kubeConfigFor, waitFor } from '../cluster/helpers.ts';
import { requireFleet, runId, stubCatalog } from './kubernetes-support.ts';

const cluster = requireFleet()[0]!;
const rbac = () => kubeConfigFor(cluster).makeApiClient(RbacAuthorizationV1Api);
const prefix = `portolan-ns-${runId}`;
/** checkout lives in A, search in B; OTHER holds a workload no Role grants. */
const A = `${prefix}-a`;
const B = `${prefix}-b`;
const OTHER = `${prefix}-other`;
/** The identities' ServiceAccounts live here (they need no permission in it). */
const IDS = `${prefix}-ids`;
const checkout = `checkout-${runId}`;
const search = `search-${runId}`;
const wideBinding = `${prefix}-wide`;

const namespacedRole = (loadAllYaml(readFileSync(NAMESPACED_ROLE_FILE, 'utf8')) as V1Role[]).find(
  (d) => d.kind === 'Role',
)!;
const clusterRoleName = (loadAllYaml(readFileSync(READER_ROLE_FILE, 'utf8')) as V1ClusterRole[]).find(
  (d) => d.kind === 'ClusterRole',
)!.metadata!.name!;

const component = (name: string, namespace: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations: { 'backstage.io/kubernetes-namespace': namespace } },
  spec: { owner: 'group:default/payments', type: 'service', lifecycle: 'production' },
});

const engines: KubernetesEngine[] = [];
let ca: string | undefined;
let server: string;

/** A ServiceAccount in IDS and a token for it (TokenRequest, one hour). */
async function identity(name: string): Promise<string> {
  await coreApi(cluster).createNamespacedServiceAccount({ namespace: IDS, body: { metadata: { name } } });
  const t = await coreApi(cluster).createNamespacedServiceAccountToken({
    name,
    namespace: IDS,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return t.status?.token ?? '';
}

/** Grant `rules` to ServiceAccount `sa` as a Role and RoleBinding named `name` in `namespace`. */
async function grant(namespace: string, name: string, sa: string, rules: V1PolicyRule[]): Promise<void> {
  await rbac().createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac().createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: IDS }],
    },
  });
}

/** An engine over this cluster as the identity holding `token`. */
function engineAs(token: string, namespaces?: WatchNamespaces): KubernetesEngine {
  const engine = createKubernetesEngine({
    config: {
      clusters: [
        {
          name: cluster,
          url: server,
          ...(ca ? { caData: ca } : {}),
          auth: { type: 'token', tokenEnv: 'NS_TEST_TOKEN' },
          ...(namespaces ? { namespaces } : {}),
        },
      ],
      streamDebounceMs: 100,
    },
    configDir: dirname(fleetKubeconfigPath()),
    env: { ...process.env, NS_TEST_TOKEN: token },
    tuning: { backoff: { initialMs: 200, maxMs: 2000 }, authRetryMs: 2000 },
  });
  engines.push(engine);
  return engine;
}

async function workload(namespace: string, name: string): Promise<void> {
  const labels = { app: name };
  await appsApi(cluster).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'main', image: 'registry.example/app:1.0.0' }] },
        },
      },
    },
  });
}

/** The Role's rules without one verb on one resource (the rest of that rule kept). */
function without(rules: V1PolicyRule[], group: string, resource: string, verb: string): V1PolicyRule[] {
  return rules.flatMap((rule) => {
    if (!rule.apiGroups?.includes(group) || !rule.resources?.includes(resource)) return [rule];
    const others = rule.resources.filter((r) => r !== resource);
    const verbs = rule.verbs.filter((v) => v !== verb);
    return [
      ...(others.length > 0 ? [{ ...rule, resources: others }] : []),
      ...(verbs.length > 0 ? [{ ...rule, resources: [resource], verbs }] : []),
    ];
  });
}

const podsOf = (v: ServiceView) =>
  v.clusters.flatMap((c) => c.items.flatMap((w) => w.pods.map((p) => p.name)));

beforeAll(async () => {
  const admin = kubeConfigFor(cluster).getCurrentCluster()!;
  server = admin.server;
  ca = admin.caData;
  for (const ns of [A, B, OTHER, IDS]) {
    await coreApi(cluster).createNamespace({ body: { metadata: { name: ns } } });
  }
  await waitFor(`${IDS}: default ServiceAccount`, () =>
    coreApi(cluster)
      .readNamespacedServiceAccount({ name: 'default', namespace: IDS })
      .then(() => true),
  );
  await workload(A, checkout);
  await workload(B, search);
  await workload(OTHER, `other-${runId}`);
}, 120_000);

afterAll(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  await rbac()
    .deleteClusterRoleBinding({ name: wideBinding })
    .catch(() => undefined);
  await Promise.all(
    [A, B, OTHER, IDS].map((ns) =>
      coreApi(cluster)
        .deleteNamespace({ name: ns })
        .catch(() => undefined),
    ),
  );
});

describe('least privilege on the real fleet', () => {
  it('(a) cluster-wide mode works with exactly the shipped ClusterRole', async () => {
    const token = await identity('wide');
    await rbac().createClusterRoleBinding({
      body: {
        metadata: { name: wideBinding },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
        subjects: [{ kind: 'ServiceAccount', name: 'wide', namespace: IDS }],
      },
    });
    const engine = engineAs(token);
    await engine.start();
    const view = await waitFor('checkout with 2 pods, cluster-wide', async () => {
      const v = engine.view(locateService(component(checkout, A)));
      return podsOf(v).length === 2 ? v : undefined;
    });
    expect(view.clusters[0]!.errors).toEqual([]);
    const state = engine.clusters()[0]!;
    expect(state).toMatchObject({ status: 'synced', scope: { mode: 'cluster' } });
    expect(state.missingPermissions).toBeUndefined();
    for (const kind of WATCHED_KINDS) expect(state.kinds[kind]?.status, kind).toBe('synced');
    // Cluster-wide: the workload in the namespace no Role names is seen too.
    expect(state.counts.Deployment).toBeGreaterThanOrEqual(3);
  }, 120_000);

  describe('(b) namespaced mode with only the shipped Role, in the services namespaces', () => {
    let token: string;
    let engine: KubernetesEngine;
    let app: FastifyInstance;

    beforeAll(async () => {
      token = await identity('namespaced');
      for (const ns of [A, B]) await grant(ns, 'portolan-reader', 'namespaced', namespacedRole.rules!);
      engine = engineAs(token, 'catalog');
      const entities = [component(checkout, A), component(search, B)];
      await engine.watchCatalog(entities);
      await engine.start();
      app = Fastify();
      installErrorHandling(app);
      kubernetesRoutes(app, new OpenApiRegistry(), {
        engine,
        resolver: new ServiceResolver({ catalog: stubCatalog(entities), discovery: engine }),
      });
      await app.ready();
    }, 120_000);
    afterAll(async () => {
      await app?.close();
    });

    it('shows each service with its pods over HTTP, and reports the scope in /api/clusters', async () => {
      const view = await waitFor('checkout with 2 pods, namespaced', async () => {
        const res = await app.inject(
          `/api/services/${encodeURIComponent(`component:default/${checkout}`)}/kubernetes`,
        );
        const v = res.json() as ServiceView;
        return res.statusCode === 200 && podsOf(v).length === 2 ? v : undefined;
      });
      expect(view.clusters[0]!.errors).toEqual([]);
      expect(view.clusters[0]!.items.map((w) => w.name)).toEqual([checkout]);
      await waitFor('search with 2 pods', async () =>
        podsOf(engine.view(locateService(component(search, B)))).length === 2 ? true : undefined,
      );
      const res = await app.inject('/api/clusters');
      const [state] = (res.json() as { items: import('@portolan/core/services/index').ClusterState[] }).items;
      expect(state).toMatchObject({
        cluster,
        status: 'synced',
        scope: { mode: 'namespaced', source: 'catalog', namespaces: [A, B].sort() },
      });
      expect(state!.missingPermissions).toBeUndefined();
      for (const kind of WATCHED_KINDS) expect(state!.kinds[kind]?.status, kind).toBe('synced');
      // Only A and B are read: OTHER's workload is not in the cache.
      expect(state!.counts.Deployment).toBe(2);
    }, 120_000);

    it('reads pod logs with the Role; without get on pods/log the refusal names the resource and namespace', async () => {
      const locator = locateService(component(checkout, A));
      const pod = await waitFor('a checkout pod', async () => podsOf(engine.view(locator))[0]);
      const read = (e: KubernetesEngine) =>
        e.logs(locator, { cluster, namespace: A, pod, container: 'main', tailLines: 1 }).then(
          async (stream) => {
            await stream.cancel();
            return undefined;
          },
          (error: unknown) => error as Error,
        );
      // Granted: the API server passes the request on (whatever the fake kubelet then answers).
      expect(await read(engine)).not.toBeInstanceOf(ForbiddenError);
      const noLogToken = await identity('nolog');
      await grant(A, 'nolog', 'nolog', without(namespacedRole.rules!, '', 'pods/log', 'get'));
      const noLog = engineAs(noLogToken, [A]);
      await noLog.start();
      await waitFor('nolog sees checkout', async () =>
        podsOf(noLog.view(locator)).includes(pod) ? true : undefined,
      );
      const refused = await read(noLog);
      expect(refused).toBeInstanceOf(ForbiddenError);
      expect(refused?.message).toMatch(new RegExp(`cannot get resource "pods/log" .*namespace "${A}"`));
      await noLog.stop();
    }, 60_000);

    it('follows the catalog: a namespace dropped from it leaves the caches', async () => {
      await engine.watchCatalog([component(checkout, A)]);
      expect(engine.clusters()[0]!.scope?.namespaces).toEqual([A]);
      expect(engine.objectsFor(locateService(component(search, B)))).toEqual([]);
      expect(engine.clusters()[0]!.counts.Deployment).toBe(1);
      await engine.watchCatalog([component(checkout, A), component(search, B)]);
      await waitFor('search back', async () =>
        podsOf(engine.view(locateService(component(search, B)))).length === 2 ? true : undefined,
      );
    }, 60_000);

    it('has no cluster-wide permission: in cluster-wide mode it is told so, and pointed at namespaced mode', async () => {
      const wide = engineAs(token);
      await wide.start();
      const state = await waitFor('cluster-wide refused', async () => {
        const s = wide.clusters()[0]!;
        return s.status === 'stale' ? s : undefined;
      });
      expect(state.reason).toBe('forbidden');
      expect(state.message).toMatch(/^every kind is forbidden cluster-wide: .*`namespaces: catalog`/);
      expect(
        state.missingPermissions?.map((m) => `${m.verb} ${m.resource} ${m.namespace ?? '*'}`).sort(),
      ).toEqual(
        WATCHED_KINDS.map(
          (k) =>
            `list ${KIND_INFO[k].group ? `${KIND_INFO[k].plural}.${KIND_INFO[k].group}` : KIND_INFO[k].plural} *`,
        ).sort(),
      );
      await wide.stop();
    }, 60_000);
  });

  it('(c) taking any one list or watch from the Role is reported by kind, verb and namespace', async () => {
    const pairs = WATCHED_KINDS.flatMap((kind) =>
      (['list', 'watch'] as const).map((verb) => ({ kind, verb })),
    );
    const check = async ({ kind, verb }: { kind: WatchedKind; verb: 'list' | 'watch' }, i: number) => {
      const info = KIND_INFO[kind];
      const sa = `minus-${i}`;
      const token = await identity(sa);
      // The verb is missing in A only; B keeps the whole Role.
      await grant(A, sa, sa, without(namespacedRole.rules!, info.group, info.plural, verb));
      await grant(B, sa, sa, namespacedRole.rules!);
      const engine = engineAs(token, [A, B]);
      await engine.start();
      const resource = info.group ? `${info.plural}.${info.group}` : info.plural;
      const state = await waitFor(
        `${verb} ${resource} reported`,
        async () => {
          const s = engine.clusters()[0]!;
          const others = WATCHED_KINDS.filter((k) => k !== kind).every(
            (k) => s.kinds[k]?.status === 'synced',
          );
          return others && s.missingPermissions?.length === 1 ? s : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(state.missingPermissions).toEqual([
        {
          kind,
          resource,
          verb,
          namespace: A,
          message: expect.stringMatching(
            new RegExp(
              `^cannot ${verb} ${resource.replace('.', '\\.')} in namespace ${A}: grant list, watch on`,
            ),
          ),
        },
      ]);
      expect(state.kinds[kind]?.status).toBe('forbidden');
      expect(state.status).toBe('synced');
      await engine.stop();
      return `${verb} ${resource}`;
    };
    const reported: string[] = [];
    // A few identities at a time: each engine holds 24 watches on the shared apiserver.
    for (let i = 0; i < pairs.length; i += 6)
      reported.push(...(await Promise.all(pairs.slice(i, i + 6).map((p, j) => check(p, i + j)))));
    expect(reported).toHaveLength(WATCHED_KINDS.length * 2);
  }, 600_000);
});
