// Deploys on the real test fleet: the real Deployment controller rolls out (kwok plays the
// kubelets), Portolan writes through a deploy identity of its own (a ServiceAccount bound to
// deploy/kubernetes/portolan-deployer.yaml in the run's namespace), and every verdict on what the
// clusters run is checked with the admin identity. The portal also runs as a real process (the
// CLI's serve, on a SQLite file) behind a counting proxy per apiserver, killed with SIGKILL mid-way
// and started again, so the PATCH requests each cluster received are counted, not inferred.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { V1ClusterRole, V1Deployment } from '@kubernetes/client-node';
import { loadAllYaml, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { StoredEvent } from '@portolan/core/deploy/index';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../packages/server/src/db/database.ts';
import { DeployExecutor } from '../../packages/server/src/deploy/executor.ts';
import { deployIdentities } from '../../packages/server/src/deploy/identities.ts';
import { type DeploymentView, DeployService } from '../../packages/server/src/deploy/service.ts';
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
  killApiserver,
  kubeConfigFor,
  makeCrashLoop,
  startApiserver,
  waitFor,
} from '../cluster/helpers.ts';
import { readState, repoRoot } from '../cluster/state.ts';
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
const services = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india'].map(
  (s) => `${s}-${runId}`,
);
/** The deploy identities' tokens, by the environment variable the configs name. */
const env: Record<string, string> = {};
/** india: a short limit on unreachable clusters, for the killed apiserver. */
const UNREACHABLE_LIMIT_SECONDS = 8;
const strategyOf = (svc: string) =>
  svc === services[8]
    ? JSON.stringify({ ...JSON.parse(STRATEGY), unreachableLimitSeconds: UNREACHABLE_LIMIT_SECONDS })
    : STRATEGY;

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
      e.metadata.annotations = { 'portolan.io/deploy-strategy': strategyOf(svc) };
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

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of one cluster's apiserver that counts the PATCH
 * requests on each path: how many times the portal changed a workload, whatever it recorded.
 */
async function countingProxy(cluster: string) {
  const target = new URL(kubeConfigFor(cluster).getCurrentCluster()?.server as string);
  const ca = readFileSync(readState(dirname(fleetKubeconfigPath()))?.caFile as string);
  const patches: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'PATCH') patches.push(req.url ?? '');
    const upstream = httpsRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        ca,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    patchesOf: (svc: string) => patches.filter((p) => p.includes(`/deployments/${svc}`)).length,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

describe('the portal as a real process: killed with SIGKILL mid-deploy, concurrent requests, retries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-deploy-process-'));
  const API_TOKEN = randomBytes(16).toString('hex');
  let proxies: Map<string, Awaited<ReturnType<typeof countingProxy>>>;
  let port: number;
  let child: ChildProcess | undefined;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(url(path), {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}`, ...init.headers },
    });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown> & { error?: { message: string } },
    };
  };
  const request = (svc: string, body: object, key?: string) =>
    call(`/api/services/${svc}/deployments`, {
      method: 'POST',
      body: JSON.stringify(body),
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    });
  const deployment = async (id: string) =>
    (await call(`/api/deployments/${id}`)).body as unknown as DeploymentView & { events: StoredEvent[] };

  /** Starts the portal as a child process (the CLI's `serve`) and waits until it sees the fleet. */
  async function startPortalProcess() {
    child = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        join(repoRoot, 'packages/server/src/cli/main.ts'),
        'serve',
        '--config',
        join(dir, 'portolan.yaml'),
      ],
      {
        env: { ...process.env, ...env, PORTOLAN_E2E_DEPLOY_TOKEN: API_TOKEN, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let last = '';
    const keep = (d: unknown) => {
      stderr = (stderr + String(d)).slice(-20000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const seen = waitFor(
      'the portal process to see the service in every cluster',
      async () => {
        if (child?.exitCode !== null) throw new Error(`the portal exited: ${stderr}`);
        const res = await fetch(url(`/api/services/${services[5]}/kubernetes`)).catch(() => undefined);
        if (!res?.ok) {
          last = `${res?.status} ${await res?.text()}`;
          return undefined;
        }
        const view = (await res.json()) as { clusters: { items: unknown[] }[] };
        return view.clusters.filter((c) => c.items.length > 0).length === clusters.length ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await seen.catch((error: Error) => {
      throw new Error(`${error.message}; last answer ${last}; the portal said: ${stderr}`);
    });
  }

  beforeAll(async () => {
    proxies = new Map();
    for (const c of clusters) proxies.set(c, await countingProxy(c));
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    port = (probe.address() as AddressInfo).port;
    await new Promise((done) => probe.close(done));
    const catalog = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Location',
      metadata: { name: 'deploy-process' },
      spec: { targets: [] },
    };
    const docs = [
      catalog,
      ...services.map((svc) => {
        const e = entity(svc);
        e.metadata.annotations = { 'portolan.io/deploy-strategy': strategyOf(svc) };
        return e;
      }),
    ];
    writeFileSync(join(dir, 'catalog-info.yaml'), docs.map((d) => JSON.stringify(d)).join('\n---\n'));
    // JSON is YAML: the config as data.
    const config = {
      server: { port, host: '127.0.0.1' },
      database: { client: 'sqlite', connection: './portolan.sqlite' },
      catalog: { root: '.', locations: [{ type: 'file', target: './catalog-info.yaml' }] },
      kubernetes: {
        streamDebounceMs: 100,
        clusters: clusters.map((name, i) => ({
          name,
          url: proxies.get(name)?.url,
          insecureAllowHttp: true,
          skipTLSVerify: true, // the client's condition for plain http; the proxy verifies the apiserver
          auth: { type: 'kubeconfig', path: fleetKubeconfigPath(), context: `${name}-portolan` },
          deploy: { type: 'token', tokenEnv: `DEPLOY_TOKEN_${i}` },
        })),
      },
      deploy: { tokenEnv: 'PORTOLAN_E2E_DEPLOY_TOKEN', pollIntervalMs: 250, recordExternal: false },
    };
    writeFileSync(join(dir, 'portolan.yaml'), JSON.stringify(config, null, 2));
    await startPortalProcess();
  }, 120_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    for (const p of proxies?.values() ?? []) await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('killed with SIGKILL in the middle of a deploy and started again: it completes, each cluster patched exactly once', async () => {
    const svc = services[5] as string;
    const started = Date.now();
    const res = await request(svc, { version: '1.1.0', reason: 'killed mid-way' });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    // The moment of most risk: a change recorded, its patch perhaps not yet sent.
    await waitFor(
      'the second cluster change recorded',
      async () =>
        (await deployment(id)).events.filter((e) => e.type === 'cluster-changed').length >= 2
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    child?.kill('SIGKILL');
    await new Promise((done) => child?.once('exit', done));
    const killedAt = Date.now();
    await startPortalProcess();
    const restartedAt = Date.now();
    const done = await waitFor(
      'the resumed deployment to end',
      async () => {
        const d = await deployment(id);
        return ['completed', 'failed', 'cancelled', 'rolled-back'].includes(d.state.status) ? d : undefined;
      },
      { timeoutMs: 100_000, intervalMs: 250 },
    );
    expect(done.state.status).toBe('completed');
    const patches = Object.fromEntries(clusters.map((c) => [c, proxies.get(c)?.patchesOf(svc)]));
    expect(patches).toEqual(Object.fromEntries(clusters.map((c) => [c, 1])));
    for (const c of clusters) expect(await imageIn(c, svc)).toBe(`${repo(svc)}:1.1.0`);
    // Each cluster's change is recorded once, across both runs.
    const changed = done.events.flatMap((e) => (e.type === 'cluster-changed' ? [e.cluster] : []));
    expect(changed.sort()).toEqual([...clusters].sort());
    console.log(
      JSON.stringify({
        figure: 'deploy-sigkill-resume',
        killAfterSeconds: (killedAt - started) / 1000,
        restartSeconds: (restartedAt - killedAt) / 1000,
        totalSeconds: (Date.now() - started) / 1000,
        patches,
      }),
    );
  }, 240_000);

  it('killed with SIGKILL while rolling back: started again, each changed cluster has one change and one rollback', async () => {
    const svc = services[7] as string;
    const before = await Promise.all(clusters.map((c) => read(c, svc)));
    const res = await request(svc, { version: '1.1.0', reason: 'to be cancelled' });
    const id = res.body.id as string;
    await waitFor(
      'every cluster changed',
      async () => {
        const d = await deployment(id);
        return d.state.clusters.every((c) => c.status !== 'pending' && c.status !== 'changing')
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const cancelled = await call(`/api/deployments/${id}/cancel`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'test' }),
    });
    expect(cancelled.status).toBe(200);
    await waitFor(
      'the first rollback recorded',
      async () =>
        (await deployment(id)).events.some((e) => e.type === 'cluster-rolled-back') ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    child?.kill('SIGKILL');
    await new Promise((done) => child?.once('exit', done));
    await startPortalProcess();
    const done = await waitFor(
      'the rollback to end',
      async () => {
        const d = await deployment(id);
        return d.state.status === 'cancelled' ? d : undefined;
      },
      { timeoutMs: 100_000, intervalMs: 250 },
    );
    expect(done.events.filter((e) => e.type === 'cluster-rolled-back')).toHaveLength(clusters.length);
    const patches = Object.fromEntries(clusters.map((c) => [c, proxies.get(c)?.patchesOf(svc)]));
    expect(patches).toEqual(Object.fromEntries(clusters.map((c) => [c, 2])));
    for (const [i, c] of clusters.entries())
      expect((await read(c, svc)).spec?.template).toEqual((before[i] as V1Deployment).spec?.template);
    console.log(JSON.stringify({ figure: 'deploy-sigkill-during-rollback', patches }));
  }, 240_000);

  it('two concurrent requests for one service: one 202, one 409 naming the running one; a retried Idempotency-Key is the same deployment', async () => {
    const svc = services[6] as string;
    const [a, b] = await Promise.all([
      request(svc, { version: '1.1.0', reason: 'first' }),
      request(svc, { version: '1.2.0', reason: 'second' }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const winner = (a.status === 202 ? a : b).body.id as string;
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error?.message).toContain(winner);
    // Retries of one request, concurrent and then late: one deployment, the same every time.
    const key = `retry-${runId}`;
    const cancel = await call(`/api/deployments/${winner}/cancel`, { method: 'POST', body: '{}' });
    expect(cancel.status).toBe(200);
    await waitFor(
      'the first one to end',
      async () => ((await deployment(winner)).state.status === 'cancelled' ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const retries = await Promise.all(
      [1, 2, 3].map(() => request(svc, { version: '1.3.0', reason: 'retried' }, key)),
    );
    const later = await request(svc, { version: '1.3.0', reason: 'retried' }, key);
    const ids = new Set([...retries, later].map((r) => r.body.id));
    expect([...retries, later].map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect(ids.size).toBe(1);
    expect([...retries, later].filter((r) => r.body.created === true)).toHaveLength(1);
    const list = (await call(`/api/services/${svc}/deployments`)).body.items as DeploymentView[];
    expect(list.filter((d) => d.state.request?.version === '1.3.0')).toHaveLength(1);
  }, 240_000);
});

describe('an apiserver killed when its wave comes', () => {
  it('halts with that reason, then rolls back the changed clusters after the limit; the dead cluster never changed', async () => {
    const svc = services[8] as string;
    const before = await Promise.all(clusters.map((c) => read(c, svc)));
    const { deployment } = await deploys.request(svc, { version: '1.1.0', reason: 'integration' }, 'tester');
    const waves = deployment.state.plan?.waves ?? [];
    const canary = waves[0]?.clusters[0] as string;
    const victim = waves[waves.length - 1]?.clusters.at(-1) as string;
    expect(victim).not.toBe(canary);
    await waitFor('the canary changed', async () =>
      (await deploys.get(deployment.id)).state.changedAny ? true : undefined,
    );
    await killApiserver(victim);
    const killedAt = Date.now();
    try {
      const halted = await waitFor(
        `${victim} blocked as unreachable`,
        async () => {
          const d = await deploys.get(deployment.id);
          return d.state.clusters.find((c) => c.cluster === victim)?.unreachableSince ? d : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const haltedAt = Date.now();
      // One sentence on what it waits for: the cluster to answer, and why it does not.
      expect(halted.blocked.find((b) => b.cluster === victim)?.reason).toMatch(
        /waits for the cluster to answer: .*ECONNREFUSED/,
      );
      const done = await finished(deployment.id, 90_000);
      expect(done.state.status).toBe('failed');
      expect(done.state.failure?.reason).toContain(victim);
      expect(done.state.failure?.reason).toMatch(
        new RegExp(`unreachable for more than ${UNREACHABLE_LIMIT_SECONDS} s`),
      );
      const events = await deploys.events(deployment.id);
      const changed = events.flatMap((e) => (e.type === 'cluster-changed' ? [e.cluster] : []));
      expect(changed).not.toContain(victim);
      const rolledBack = events.flatMap((e) => (e.type === 'cluster-rolled-back' ? [e.cluster] : []));
      expect(rolledBack.sort()).toEqual([...changed].sort());
      console.log(
        JSON.stringify({
          figure: 'deploy-apiserver-killed',
          blockedAfterSeconds: (haltedAt - killedAt) / 1000,
          failedAndRolledBackAfterSeconds: (Date.now() - killedAt) / 1000,
          changed,
        }),
      );
    } finally {
      await startApiserver(victim);
    }
    for (const [i, c] of clusters.entries())
      expect((await read(c, svc)).spec?.template, c).toEqual((before[i] as V1Deployment).spec?.template);
  }, 240_000);
});
