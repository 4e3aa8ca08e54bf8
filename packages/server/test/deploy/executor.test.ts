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

describe('portolan deploy and portolan deployments, against a portal', () => {
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
