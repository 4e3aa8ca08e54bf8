import { DEFAULT_POLICY } from '@portolan/core/auth/policy';
import pino from 'pino';
// The executor over in-memory clusters (a fake API server per cluster, with a tiny deployment
// controller played by the test): what it patches, how often, and what it leaves behind.

import { PassThrough } from 'node:stream';
import { KIND_INFO, type KubeObject } from '@portolan/core';
import type { CatalogEntity } from '@portolan/core/services/index';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Guard } from '../../src/auth/guard.ts';
import { deployCommand, deploymentsCommand } from '../../src/cli/deploy.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { DeployExecutor } from '../../src/deploy/executor.ts';
import { deployRoutes } from '../../src/deploy/routes.ts';
import { DeployService } from '../../src/deploy/service.ts';
import { installErrorHandling } from '../../src/http/errors.ts';
import { OpenApiRegistry } from '../../src/http/openapi.ts';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { deployment, engineOverFakes, FakeCluster, waitFor } from '../kubernetes/fake-client.ts';

const NAMES = ['eu-west-1', 'us-east-1', 'us-east-2'];
const entity: CatalogEntity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'portolan.io/deploy-strategy': JSON.stringify({
        waves: [
          { name: 'canary', select: { count: 1 }, soakSeconds: 0, progressDeadlineSeconds: 2 },
          { select: { each: 'region' }, soakSeconds: 0, maxConcurrency: 2, progressDeadlineSeconds: 2 },
        ],
      }),
    },
  },
  spec: { owner: 'group:default/payments', type: 'service', lifecycle: 'production' },
};
const OLD = 'reg/pay/checkout:1.0.0';
const ref = (name: string) => ({ kind: KIND_INFO.Deployment, namespace: 'pay', name });

let db: Database;
let engine: KubernetesEngine;
let fakes: Map<string, FakeCluster>;
let deploys: DeployService;
let controller: NodeJS.Timeout;
const executors: DeployExecutor[] = [];
const apps: FastifyInstance[] = [];

/** The deployment controller's part: a new generation is rolled out unless its image is `bad`. */
function reconcile() {
  for (const f of fakes.values()) {
    const d = f.objects.get('Deployment')?.get('pay/checkout') as
      | (KubeObject & {
          spec: { template: { spec: { containers: { image: string }[] } } };
          status?: { observedGeneration?: number };
        })
      | undefined;
    if (!d || d.status?.observedGeneration === d.metadata?.generation) continue;
    const bad = d.spec.template.spec.containers.some((c) => c.image.includes('bad'));
    f.put('Deployment', {
      ...d,
      status: bad
        ? {
            observedGeneration: d.metadata?.generation,
            replicas: 2,
            updatedReplicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
          }
        : {
            observedGeneration: d.metadata?.generation,
            replicas: 1,
            updatedReplicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
          },
    } as KubeObject);
  }
}

function executor() {
  const resolver = new ServiceResolver({
    catalog: {
      getEntity: async () => entity,
      listOwnedBy: async () => [entity],
      listAll: async () => [entity],
    },
    discovery: engine,
  });
  const ex = new DeployExecutor({
    db,
    live: engine,
    locate: async (r) => (await resolver.resolve(r)).locator,
    writers: (cluster) => fakes.get(cluster) as FakeCluster,
    pollIntervalMs: 20,
  });
  deploys = new DeployService({ db, live: engine, resolver, onChange: (id) => ex.wake(id) });
  executors.push(ex);
  return ex;
}

const images = () =>
  Object.fromEntries(
    [...fakes].map(([n, f]) => [
      n,
      (
        f.objects.get('Deployment')!.get('pay/checkout') as {
          spec: { template: { spec: { containers: { image: string }[] } } };
        }
      ).spec.template.spec.containers[0]?.image,
    ]),
  );
const patchCount = () => Object.fromEntries([...fakes].map(([n, f]) => [n, f.patches.length]));
const finished = async (id: string, timeoutMs = 8000) => {
  const start = Date.now();
  for (;;) {
    const d = await deploys.get(id);
    if (['completed', 'failed', 'cancelled', 'rolled-back'].includes(d.state.status)) return d;
    if (Date.now() - start > timeoutMs)
      throw new Error(`deployment still ${d.state.status}: ${JSON.stringify(d.blocked)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeEach(async () => {
  db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
  fakes = new Map(NAMES.map((n) => [n, new FakeCluster()]));
  for (const f of fakes.values()) {
    const d = deployment('checkout', 'pay', { app: 'checkout' }, OLD) as KubeObject & { status: object };
    f.put('Deployment', {
      ...d,
      metadata: { ...d.metadata, generation: 1 },
      status: { ...d.status, observedGeneration: 1 },
    } as KubeObject);
  }
  engine = engineOverFakes(fakes, { region: (n) => n.replace(/-\d+$/, '') });
  await engine.start();
  await engine.waitForSync();
  controller = setInterval(reconcile, 10);
});
afterEach(async () => {
  clearInterval(controller);
  for (const a of apps.splice(0)) await a.close();
  for (const e of executors.splice(0)) await e.stop();
  await engine.stop();
  await db.destroy();
});

describe('the deploy executor', () => {
  it('rolls a version out wave by wave, patching each cluster once', async () => {
    const ex = executor();
    await ex.start();
    const { deployment: d } = await deploys.request('checkout', { version: '1.1.0', reason: 'r' }, 'alice');
    const done = await finished(d.id);
    expect(done.state.status).toBe('completed');
    expect(Object.values(images())).toEqual(NAMES.map(() => 'reg/pay/checkout:1.1.0'));
    expect(patchCount()).toEqual({ 'eu-west-1': 1, 'us-east-1': 1, 'us-east-2': 1 });
    expect(fakes.get('eu-west-1')?.patches[0]?.type).toBe('strategic-merge');
  });

  it('a bad version fails in the canary; every cluster keeps exactly its old template', async () => {
    const before = await fakes.get('eu-west-1')?.get(ref('checkout'));
    const ex = executor();
    await ex.start();
    const { deployment: d } = await deploys.request(
      'checkout',
      { version: '1.1.0-bad', reason: 'r' },
      'alice',
    );
    const done = await finished(d.id);
    expect(done.state.status).toBe('failed');
    expect(done.state.failure?.reason).toMatch(/eu-west-1 rollout not complete within 2 s/);
    expect(Object.values(images())).toEqual(NAMES.map(() => OLD));
    const after = await fakes.get('eu-west-1')?.get(ref('checkout'));
    expect((after as { spec: { template: unknown } }).spec.template).toEqual(
      (before as { spec: { template: unknown } }).spec.template,
    );
    expect(patchCount()).toEqual({ 'eu-west-1': 2, 'us-east-1': 0, 'us-east-2': 0 });
  });

  it('killed mid-way and started again, it finishes without changing any cluster twice', async () => {
    const first = executor();
    await first.start();
    const { deployment: d } = await deploys.request('checkout', { version: '1.2.0', reason: 'r' }, 'alice');
    await waitFor(() => (fakes.get('eu-west-1')?.patches.length ?? 0) > 0, 5000);
    await first.stop(); // as if killed: nothing else is written
    const second = executor();
    await second.start();
    const done = await finished(d.id);
    expect(done.state.status).toBe('completed');
    expect(patchCount()).toEqual({ 'eu-west-1': 1, 'us-east-1': 1, 'us-east-2': 1 });
  });

  it('cancel in the middle halts and rolls back what was changed', async () => {
    const ex = executor();
    await ex.start();
    const { deployment: d } = await deploys.request('checkout', { version: '1.3.0', reason: 'r' }, 'alice');
    await waitFor(() => (fakes.get('eu-west-1')?.patches.length ?? 0) > 0, 5000);
    await deploys.act(d.id, 'cancel', 'bob', 'wrong version');
    const done = await finished(d.id);
    expect(done.state.status).toBe('cancelled');
    expect(Object.values(images())).toEqual(NAMES.map(() => OLD));
  });

  it('an identity that may not patch fails the cluster with the API server’s refusal, changing nothing', async () => {
    fakes.get('eu-west-1')?.patchForbidden.add('deployments');
    const ex = executor();
    await ex.start();
    const { deployment: d } = await deploys.request('checkout', { version: '1.4.0', reason: 'r' }, 'alice');
    const done = await finished(d.id);
    expect(done.state.status).toBe('failed');
    expect(done.state.failure?.reason).toMatch(/cannot change the cluster: .*forbidden/);
    expect(Object.values(images())).toEqual(NAMES.map(() => OLD));
  });
});

/** The deploy routes over this test's executor, for the shared deploy token `tok`. */
async function portal() {
  const ex = executor();
  await ex.start();
  const app = Fastify();
  installErrorHandling(app);
  const guard = new Guard({
    mode: 'local',
    logger: pino({ level: 'silent' }),
    policy: DEFAULT_POLICY,
    deployToken: 'tok',
    serviceResource: async (ref) => ({ type: 'service', ref }),
  });
  guard.install(app);
  deployRoutes(app, new OpenApiRegistry(), {
    deploys,
    guard,
    heartbeatMs: 50,
    streamPollMs: 20,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  apps.push(app);
  return { PORTOLAN_URL: url, PORTOLAN_TOKEN: 'tok' };
}

describe('portolan deploy and portolan deployments, against a portal', () => {
  const capture = () => {
    let out = '';
    const stdout = Object.assign(new PassThrough(), { isTTY: false });
    stdout.on('data', (b) => {
      out += String(b);
    });
    return { io: { stdin: new PassThrough(), stdout, stderr: new PassThrough() }, text: () => out };
  };

  it('--wait follows the waves in plain lines and exits 0 when the deployment completes', async () => {
    const env = await portal();
    const { io, text } = capture();
    const code = await deployCommand(
      ['checkout', '--version', '1.5.0', '--reason', 'cli', '--wait'],
      io,
      env,
    );
    expect(code).toBe(0);
    const out = text();
    expect(out).toMatch(/deploying component:default\/checkout 1.5.0 to 3 clusters in 2 waves/);
    expect(out).toMatch(/wave 1 started\n(.*\n)*eu-west-1: changed\n(.*\n)*eu-west-1: passed/);
    expect(out).toMatch(/: completed\n$/);
    const history = capture();
    expect(await deploymentsCommand(['checkout'], history.io, env)).toBe(0);
    expect(history.text()).toMatch(/ completed +1.5.0 +by deploy-token\n$/);
  });

  it('exits 1 when the deployment fails, and the actions need the token', async () => {
    const env = await portal();
    const { io, text } = capture();
    expect(await deployCommand(['checkout', '--version', '9-bad', '--wait'], io, env)).toBe(1);
    expect(text()).toMatch(/FAILED: .*eu-west-1/);
    const id = /^(\S+): deploying/.exec(text())?.[1] as string;
    await expect(
      deployCommand(['rollback', id], capture().io, { PORTOLAN_URL: env.PORTOLAN_URL }),
    ).rejects.toThrow(/permission service.rollback is missing/);
    await expect(deployCommand(['rollback', id], capture().io, env)).rejects.toThrow(
      /cannot rollback .* it is failed/,
    );
  });
});

describe('approve and rollback through the HTTP API', () => {
  const api = async (url: string, path: string, body?: object) => {
    const res = await fetch(`${url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: 'Bearer tok', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { id: string } };
  };
  type Event = { type: string; actor: string; cluster?: string; wave?: number; reason?: string };
  const eventsOf = async (url: string, id: string) =>
    (await api(url, `/api/deployments/${id}`)).body.events as Event[];

  it('a wave that requires approval waits, changing nothing, until approve starts it', {
    timeout: 15_000,
  }, async () => {
    const { PORTOLAN_URL: url } = await portal();
    const strategy = {
      waves: [
        { name: 'canary', select: { count: 1 }, soakSeconds: 0, progressDeadlineSeconds: 2 },
        {
          select: { each: 'region' },
          soakSeconds: 0,
          maxConcurrency: 2,
          progressDeadlineSeconds: 2,
          requiresApproval: true,
        },
      ],
    };
    const requested = await api(url, '/api/services/checkout/deployments', {
      version: '1.6.0',
      reason: 'r',
      strategy,
    });
    expect(requested.status).toBe(202);
    const id = requested.body.id;
    // The canary passes; the second wave then waits, started by nothing else: held for longer
    // than its deadline, its clusters stay untouched.
    type Cluster = { cluster: string; status: string };
    const clusters = async () =>
      ((await api(url, `/api/deployments/${id}`)).body.state as { clusters: Cluster[] }).clusters;
    const canaryPassed = async () =>
      (await clusters()).find((c) => c.cluster === 'eu-west-1')?.status === 'passed';
    for (const start = Date.now(); !(await canaryPassed()); await new Promise((r) => setTimeout(r, 20)))
      if (Date.now() - start > 5000) throw new Error('the canary never passed');
    await new Promise((r) => setTimeout(r, 2500));
    const waiting = await api(url, `/api/deployments/${id}`);
    expect(waiting.body).toMatchObject({ state: { status: 'running', wave: 0 } });
    expect(waiting.body.allowedActions).toContain('approve');
    expect((await clusters()).map((c) => [c.cluster, c.status])).toEqual([
      ['eu-west-1', 'passed'],
      ['us-east-1', 'pending'],
      ['us-east-2', 'pending'],
    ]);
    expect(images()).toEqual({ 'eu-west-1': 'reg/pay/checkout:1.6.0', 'us-east-1': OLD, 'us-east-2': OLD });
    expect(patchCount()).toEqual({ 'eu-west-1': 1, 'us-east-1': 0, 'us-east-2': 0 });

    const approved = await api(url, `/api/deployments/${id}/approve`, { reason: 'canary looks fine' });
    expect(approved.status).toBe(200);
    const done = await finished(id);
    expect(done.state.status).toBe('completed');
    expect(Object.values(images())).toEqual(NAMES.map(() => 'reg/pay/checkout:1.6.0'));
    expect(patchCount()).toEqual({ 'eu-west-1': 1, 'us-east-1': 1, 'us-east-2': 1 });
    const events = await eventsOf(url, id);
    const at = (match: (e: Event) => boolean) => events.findIndex(match);
    const approval = at((e) => e.type === 'approved');
    expect(events[approval]).toMatchObject({ actor: 'deploy-token', wave: 1, reason: 'canary looks fine' });
    // The second wave started only after the approval was recorded, and its clusters changed after.
    expect(at((e) => e.type === 'wave-started' && e.wave === 1)).toBeGreaterThan(approval);
    expect(at((e) => e.type === 'cluster-changed' && e.cluster === 'us-east-1')).toBeGreaterThan(approval);
    // Nothing waits any more: a second approve is refused.
    expect((await api(url, `/api/deployments/${id}/approve`, {})).status).toBe(409);
  });

  it('rollback of a completed deployment restores every changed cluster to its recorded template', {
    timeout: 15_000,
  }, async () => {
    const { PORTOLAN_URL: url } = await portal();
    const template = async (n: string) =>
      ((await fakes.get(n)!.get(ref('checkout'))) as { spec: { template: unknown } }).spec.template;
    const before = await Promise.all(NAMES.map(template));
    const requested = await api(url, '/api/services/checkout/deployments', { version: '1.7.0', reason: 'r' });
    expect(requested.status).toBe(202);
    const id = requested.body.id;
    expect((await finished(id)).state.status).toBe('completed');
    expect(Object.values(images())).toEqual(NAMES.map(() => 'reg/pay/checkout:1.7.0'));

    const asked = await api(url, `/api/deployments/${id}/rollback`, { reason: 'slower checkout' });
    expect(asked.status).toBe(200);
    expect((asked.body.state as { status: string }).status).toBe('rolling-back');
    const done = await finished(id);
    expect(done.state.status).toBe('rolled-back');
    expect(Object.values(images())).toEqual(NAMES.map(() => OLD));
    expect(await Promise.all(NAMES.map(template))).toEqual(before);
    // Per cluster: one patch to change it, one (the recorded template, whole) to restore it.
    for (const n of NAMES)
      expect([n, fakes.get(n)?.patches.map((p) => p.type)]).toEqual([n, ['strategic-merge', 'json']]);
    const events = await eventsOf(url, id);
    const asks = events.findIndex((e) => e.type === 'rollback-requested');
    expect(events[asks]).toMatchObject({ actor: 'deploy-token', reason: 'slower checkout' });
    const restored = events.slice(asks + 1).filter((e) => e.type === 'cluster-rolled-back');
    expect(restored.map((e) => e.cluster).sort()).toEqual(NAMES);
    expect(events.at(-1)).toMatchObject({ type: 'rolled-back', actor: 'portolan' });
    // Ended: nothing more to roll back.
    expect((await api(url, `/api/deployments/${id}/rollback`, {})).status).toBe(409);
  });
});
