// Deploys on the real test fleet: the real Deployment controller rolls out (kwok plays the
// kubelets), Portolan writes through a deploy identity of its own (a ServiceAccount bound to
// deploy/kubernetes/portolan-deployer.yaml in the run's namespace), and every verdict on what the
// clusters run is checked with the admin identity.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1ClusterRole, V1Deployment } from '@kubernetes/client-node';
import { loadAllYaml, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { StoredEvent } from '@portolan/core/deploy/index';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../packages/server/src/db/database.ts';
import { DeployExecutor } from '../../packages/server/src/deploy/executor.ts';
import { deployIdentities } from '../../packages/server/src/deploy/identities.ts';
import { DeployService } from '../../packages/server/src/deploy/service.ts';
import type { KubernetesConfigInput } from '../../packages/server/src/kubernetes/config.ts';
import {
  createKubernetesEngine,
  type KubernetesEngine,
} from '../../packages/server/src/kubernetes/engine.ts';
import { ServiceResolver } from '../../packages/server/src/services/resolver.ts';
import {
  appsApi,
  coreApi,
  fleetKubeconfigPath,
  kubeConfigFor,
  makeCrashLoop,
  waitFor,
} from '../cluster/helpers.ts';
import { entity, requireFleet, stubCatalog } from './kubernetes-support.ts';

const runId = randomBytes(3).toString('hex');
const namespace = `portolan-deploy-${runId}`;
const DEPLOYER_FILE = join(import.meta.dirname, '../../deploy/kubernetes/portolan-deployer.yaml');
const repo = (svc: string) => `registry.example/shop/${svc}`;
const STRATEGY = JSON.stringify({
  waves: [
    { name: 'canary', select: { count: 1 }, soakSeconds: 3, progressDeadlineSeconds: 60 },
    { select: { rest: true }, maxConcurrency: 2, soakSeconds: 3, progressDeadlineSeconds: 60 },
  ],
});

let clusters: string[];
let db: Database;
let engine: KubernetesEngine;
let deploys: DeployService;
let executor: DeployExecutor;
let writers: ReturnType<typeof deployIdentities>;
const services = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((s) => `${s}-${runId}`);

async function createWorkload(cluster: string, svc: string) {
  const labels = { app: svc };
  await appsApi(cluster).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: svc, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'example.test/kept': 'yes' } },
          spec: {
            containers: [
              { name: 'app', image: `${repo(svc)}:1.0.0`, env: [{ name: 'MODE', value: 'prod' }] },
            ],
          },
        },
      },
    },
  });
}

const read = (cluster: string, svc: string) =>
  appsApi(cluster).readNamespacedDeployment({ name: svc, namespace });
const imageIn = async (cluster: string, svc: string) =>
  (await read(cluster, svc)).spec?.template?.spec?.containers?.[0]?.image;

async function finished(id: string, timeoutMs = 100_000) {
  return waitFor(
    `deployment ${id} to end`,
    async () => {
      const d = await deploys.get(id);
      return ['completed', 'failed', 'cancelled', 'rolled-back'].includes(d.state.status) ? d : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

beforeAll(async () => {
  clusters = requireFleet().slice(0, 3);
  const rbacAdmin = (c: string) => kubeConfigFor(c).makeApiClient(RbacAuthorizationV1Api);
  const [role] = (loadAllYaml(readFileSync(DEPLOYER_FILE, 'utf8')) as V1ClusterRole[]).filter(
    (d) => d.kind === 'ClusterRole',
  );
  const env: Record<string, string> = {};
  const clusterConfigs: KubernetesConfigInput['clusters'] = [];
  for (const [i, cluster] of clusters.entries()) {
    await rbacAdmin(cluster)
      .createClusterRole({ body: role as V1ClusterRole })
      .catch((e: { code?: number }) => {
        if (e.code !== 409) throw e;
      });
    await coreApi(cluster).createNamespace({ body: { metadata: { name: namespace } } });
    await coreApi(cluster).createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'portolan-deployer' } },
    });
    await rbacAdmin(cluster).createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'portolan-deployer' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'portolan-deployer' },
        subjects: [{ kind: 'ServiceAccount', name: 'portolan-deployer', namespace }],
      },
    });
    const token = await coreApi(cluster).createNamespacedServiceAccountToken({
      name: 'portolan-deployer',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    env[`DEPLOY_TOKEN_${i}`] = token.status?.token ?? '';
    const admin = kubeConfigFor(cluster).getCurrentCluster();
    clusterConfigs.push({
      name: cluster,
      url: admin?.server,
      caData: admin?.caData,
      auth: { type: 'kubeconfig', path: fleetKubeconfigPath(), context: `${cluster}-portolan` },
      deploy: { type: 'token', tokenEnv: `DEPLOY_TOKEN_${i}` },
    });
    for (const svc of services) await createWorkload(cluster, svc);
  }
  const config: KubernetesConfigInput = {
    clusters: clusterConfigs,
    streamDebounceMs: 100,
    heartbeatSeconds: 1,
  };
  const configDir = dirname(fleetKubeconfigPath());
  engine = createKubernetesEngine({ config, configDir, env: { ...process.env, ...env } });
  await engine.start();
  await engine.waitForSync(60_000);
  writers = deployIdentities({ config, configDir, env: { ...process.env, ...env } });
  db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
  const catalog = stubCatalog(
    services.map((svc) => {
      const e = entity(svc);
      e.metadata.annotations = { 'portolan.io/deploy-strategy': STRATEGY };
      return e;
    }),
  );
  const resolver = new ServiceResolver({ catalog, discovery: engine });
  executor = new DeployExecutor({
    db,
    live: engine,
    locate: async (ref) => (await resolver.resolve(ref)).locator,
    writers,
    pollIntervalMs: 250,
    logger: pino({ level: 'silent' }),
  });
  deploys = new DeployService({ db, live: engine, resolver, onChange: (id) => executor.wake(id) });
  await executor.start();
  // Every rollout starts from a complete one.
  for (const cluster of clusters)
    for (const svc of services)
      await waitFor(`${cluster}/${svc} available`, async () =>
        (await read(cluster, svc)).status?.availableReplicas === 2 ? true : undefined,
      );
}, 300_000);

afterAll(async () => {
  await executor?.stop();
  await writers?.close();
  await engine?.stop();
  await db?.destroy();
  for (const cluster of clusters ?? [])
    await coreApi(cluster)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
});

/** The new revision's pods crash in `cluster`, as a broken version's would. Returns the stopper. */
function crashNewPods(cluster: string, svc: string): () => void {
  const crashing = new Set<string>();
  const timer = setInterval(async () => {
    const pods = await coreApi(cluster)
      .listNamespacedPod({ namespace, labelSelector: `app=${svc}` })
      .catch(() => undefined);
    for (const p of pods?.items ?? []) {
      const name = p.metadata?.name as string;
      if (p.spec?.containers?.[0]?.image?.includes('bad') && !crashing.has(name)) {
        crashing.add(name);
        await makeCrashLoop({ context: cluster, namespace, name }).catch(() => crashing.delete(name));
      }
    }
  }, 300);
  return () => clearInterval(timer);
}

function waveTimes(events: StoredEvent[]) {
  const starts = events.filter((e) => e.type === 'wave-started').map((e) => Date.parse(e.at));
  const end = Date.parse(events[events.length - 1]?.at ?? '');
  return starts.map((s, i) => ((starts[i + 1] ?? end) - s) / 1000);
}

describe('deploys on the real fleet', () => {
  it('rolls a version out to 3 clusters in waves; each cluster runs it, the rest of the template untouched', async () => {
    const svc = services[0] as string;
    const started = Date.now();
    const { deployment } = await deploys.request(svc, { version: '1.1.0', reason: 'integration' }, 'tester');
    const done = await finished(deployment.id);
    const seconds = (Date.now() - started) / 1000;
    expect(done.state.status).toBe('completed');
    for (const cluster of clusters) {
      const d = await read(cluster, svc);
      expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe(`${repo(svc)}:1.1.0`);
      expect(d.spec?.template?.spec?.containers?.[0]?.env).toEqual([{ name: 'MODE', value: 'prod' }]);
      expect(d.spec?.template?.metadata?.annotations?.['example.test/kept']).toBe('yes');
      expect(d.status?.updatedReplicas).toBe(2);
    }
    const events = await deploys.events(deployment.id);
    const waves = waveTimes(events);
    expect(waves).toHaveLength(2);
    console.log(
      JSON.stringify({ figure: 'deploy-3-clusters', seconds, waveSeconds: waves, events: events.length }),
    );
  });

  it('a version whose new pods crash fails in the canary and leaves every cluster on exactly its old template', async () => {
    const svc = services[1] as string;
    const before = await Promise.all(clusters.map((c) => read(c, svc)));
    const { deployment } = await deploys.request(
      svc,
      { version: '2.0.0-bad', reason: 'integration' },
      'tester',
    );
    const canary = deployment.state.plan?.waves[0]?.clusters[0] as string;
    const stop = crashNewPods(canary, svc);
    try {
      const done = await finished(deployment.id);
      expect(done.state.status).toBe('failed');
      expect(done.state.failure?.reason).toContain(canary);
      expect(done.state.failure?.findings?.some((f) => f.rule === 'pod-crash-loop')).toBe(true);
    } finally {
      stop();
    }
    for (const [i, cluster] of clusters.entries()) {
      const now = await read(cluster, svc);
      expect(now.spec?.template).toEqual((before[i] as V1Deployment).spec?.template);
    }
    const changed = (await deploys.events(deployment.id)).filter((e) => e.type === 'cluster-changed');
    expect(changed.map((e) => (e.type === 'cluster-changed' ? e.cluster : ''))).toEqual([canary]);
  });

  it('a failure in the last wave rolls back the finished canary too: every cluster ends on its old template', async () => {
    const svc = services[4] as string;
    const before = await Promise.all(clusters.map((c) => read(c, svc)));
    const { deployment } = await deploys.request(
      svc,
      { version: '3.0.0-bad', reason: 'integration' },
      'tester',
    );
    const waves = deployment.state.plan?.waves ?? [];
    const last = waves[waves.length - 1]?.clusters.at(-1) as string;
    const stop = crashNewPods(last, svc);
    try {
      const done = await finished(deployment.id);
      expect(done.state.status).toBe('failed');
      expect(done.state.failure?.reason).toContain(last);
      // The canary had passed its gate before the last wave failed.
      const events = await deploys.events(deployment.id);
      expect(events.some((e) => e.type === 'gate-passed' && e.cluster === waves[0]?.clusters[0])).toBe(true);
      expect(events.filter((e) => e.type === 'cluster-rolled-back')).toHaveLength(clusters.length);
    } finally {
      stop();
    }
    for (const [i, cluster] of clusters.entries())
      expect((await read(cluster, svc)).spec?.template).toEqual((before[i] as V1Deployment).spec?.template);
  });

  it('cancel in the middle halts and rolls back every changed cluster', async () => {
    const svc = services[2] as string;
    const { deployment } = await deploys.request(svc, { version: '1.2.0', reason: 'integration' }, 'tester');
    await waitFor('the first cluster changed', async () =>
      (await deploys.get(deployment.id)).state.changedAny ? true : undefined,
    );
    await deploys.act(deployment.id, 'cancel', 'tester', 'changed my mind');
    const done = await finished(deployment.id);
    expect(done.state.status).toBe('cancelled');
    for (const cluster of clusters) expect(await imageIn(cluster, svc)).toBe(`${repo(svc)}:1.0.0`);
  });

  it('the read-only watch identity is refused a patch, and the deployment fails without changing anything', async () => {
    const svc = services[3] as string;
    const config = {
      clusters: clusters.map((name) => ({
        name,
        auth: { type: 'kubeconfig' as const, path: fleetKubeconfigPath(), context: `${name}-portolan` },
        deploy: { type: 'kubeconfig' as const, path: fleetKubeconfigPath(), context: `${name}-portolan` },
      })),
    };
    const readers = deployIdentities({ config, configDir: dirname(fleetKubeconfigPath()) });
    const cluster = clusters[0] as string;
    await expect(
      readers(cluster).patch(
        {
          kind: { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments' },
          namespace,
          name: svc,
        },
        'strategic-merge',
        {
          spec: { template: { spec: { containers: [{ name: 'app', image: `${repo(svc)}:9` }] } } },
        },
      ),
    ).rejects.toMatchObject({ status: 403 });
    const readOnly = new DeployExecutor({
      db,
      live: engine,
      locate: async () => ({
        ref: svc,
        name: svc,
        selectors: [[{ key: 'app', operator: '=', values: [svc] }]],
        source: 'label-selector',
      }),
      writers: readers,
      pollIntervalMs: 250,
    });
    await executor.stop();
    try {
      await readOnly.start();
      const { deployment } = await deploys.request(
        svc,
        { version: '1.3.0', reason: 'integration' },
        'tester',
      );
      readOnly.wake(deployment.id);
      const done = await finished(deployment.id);
      expect(done.state.status).toBe('failed');
      expect(done.state.failure?.reason).toMatch(/forbidden/i);
      for (const c of clusters) expect(await imageIn(c, svc)).toBe(`${repo(svc)}:1.0.0`);
    } finally {
      await readOnly.stop();
      await readers.close();
      await executor.start();
    }
  });
});
