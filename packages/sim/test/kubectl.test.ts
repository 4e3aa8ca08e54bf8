// kubectl against the simulated fleet: what a newcomer would type first.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindFor } from '../src/apiserver/kinds.ts';
import { type SimFleetHandle, startSimFleet } from '../src/index.ts';

const run = promisify(execFile);
// kubectl from PATH (or $KUBECTL). The test command puts the one built with the test fleet first,
// and CI sets PORTOLAN_REQUIRE_KUBECTL so that a missing kubectl fails the run instead of
// skipping this suite unseen.
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const haveKubectl = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!haveKubectl && process.env.PORTOLAN_REQUIRE_KUBECTL)
  throw new Error(`${KUBECTL} is required here (PORTOLAN_REQUIRE_KUBECTL) but does not run`);

describe.skipIf(!haveKubectl)('kubectl against the simulated fleet', { timeout: 60_000 }, () => {
  let handle: SimFleetHandle;
  let dir: string;
  let cluster: string;
  const kubectl = (...args: string[]) =>
    run(KUBECTL, [...base(), '--context', cluster, ...args], { timeout: 30_000 });
  // A private discovery cache: ports are reused between runs and kubectl caches discovery by host:port.
  const base = () => ['--kubeconfig', handle.kubeconfigPath, '--cache-dir', join(dir, 'kube-cache')];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portolan-kubectl-'));
    handle = await startSimFleet({
      dir,
      seed: 'kubectl',
      clusters: 3,
      regions: 1,
      scale: 0.02,
      changeRate: 0,
      outages: false,
      podStartMs: 300,
    });
    cluster = handle.clusters[0]!.name;
  });
  afterAll(async () => {
    await handle?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('get pods -A prints a table of every pod', async () => {
    const { stdout } = await kubectl('get', 'pods', '-A');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(lines.length - 1).toBe(handle.fleet.cluster(cluster).store.entries(kindFor('Pod')).size);
    expect(stdout).toMatch(/Running/);
  });

  it('get deploy -w streams the list, then changes', async () => {
    const { stdout: json } = await kubectl('get', 'deploy', '-A', '-o', 'json');
    const first = JSON.parse(json).items[0];
    const child = spawn(KUBECTL, [
      '--kubeconfig',
      handle.kubeconfigPath,
      '--context',
      cluster,
      'get',
      'deploy',
      '-n',
      first.metadata.namespace,
      '-w',
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    try {
      await until(() => out.includes(first.metadata.name));
      handle.fleet.scale(cluster, first.metadata.namespace, first.metadata.name, first.spec.replicas + 1);
      // A second line for the same deployment: the watch delivered the change.
      await until(() => out.split('\n').filter((l) => l.startsWith(`${first.metadata.name} `)).length >= 2);
    } finally {
      child.kill();
    }
    expect(out.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
  });

  it('logs prints a pod’s log; set image + rollout status follow a rollout', async () => {
    const { stdout: json } = await kubectl('get', 'deploy', '-A', '-o', 'json');
    const d = JSON.parse(json).items.find(
      (x: { metadata: { namespace: string } }) => x.metadata.namespace !== 'ops',
    );
    const ns = d.metadata.namespace;
    const { stdout: podName } = await kubectl(
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `app.kubernetes.io/name=${d.metadata.name}`,
      '-o',
      'jsonpath={.items[0].metadata.name}',
    );
    const { stdout: log } = await kubectl('logs', '-n', ns, podName, '--tail', '5');
    expect(log.trim().split('\n')).toHaveLength(5);
    const container = d.spec.template.spec.containers[0].name;
    await kubectl(
      'set',
      'image',
      '-n',
      ns,
      `deploy/${d.metadata.name}`,
      `${container}=registry.example.com/x:9.9.9`,
    );
    const { stdout: status } = await kubectl(
      'rollout',
      'status',
      '-n',
      ns,
      `deploy/${d.metadata.name}`,
      '--timeout',
      '40s',
    );
    expect(status).toMatch(/successfully rolled out/);
  });

  it('scale, rollout restart and rollout undo (which reuses the old ReplicaSet)', async () => {
    const { stdout: json } = await kubectl('get', 'deploy', '-n', 'ops', '-o', 'json');
    const d = JSON.parse(json).items[0];
    const ref = `deploy/${d.metadata.name}`;
    await kubectl('scale', '-n', 'ops', ref, '--replicas', '3');
    await kubectl('rollout', 'status', '-n', 'ops', ref, '--timeout', '30s');
    const rsNames = async () =>
      JSON.parse((await kubectl('get', 'rs', '-n', 'ops', '-o', 'json')).stdout)
        .items.filter(
          (r: { metadata: { ownerReferences: { name: string }[] } }) =>
            r.metadata.ownerReferences[0]!.name === d.metadata.name,
        )
        .map((r: { metadata: { name: string } }) => r.metadata.name)
        .sort();
    const before = await rsNames();
    await kubectl('rollout', 'restart', '-n', 'ops', ref);
    await kubectl('rollout', 'status', '-n', 'ops', ref, '--timeout', '30s');
    expect((await rsNames()).length).toBe(before.length + 1);
    await kubectl('rollout', 'undo', '-n', 'ops', ref);
    const { stdout } = await kubectl('rollout', 'status', '-n', 'ops', ref, '--timeout', '30s');
    expect(stdout).toMatch(/successfully rolled out/);
    expect((await rsNames()).length).toBe(before.length + 1);
    const { stdout: ready } = await kubectl(
      'get',
      '-n',
      'ops',
      ref,
      '-o',
      'jsonpath={.status.readyReplicas}',
    );
    expect(ready).toBe('3');
  });

  it('get all lists the workload kinds of the "all" category', async () => {
    const { stdout } = await kubectl('get', 'all', '-n', 'ops');
    expect(stdout).toMatch(/^pod\//m);
    expect(stdout).toMatch(/^deployment\.apps\//m);
    expect(stdout).toMatch(/^replicaset\.apps\//m);
  });

  it('says who may not do what', async () => {
    const rbac = (...args: string[]) =>
      run(KUBECTL, [
        '--kubeconfig',
        handle.rbacKubeconfigPath,
        '--context',
        `${cluster}-portolan-limited`,
        ...args,
      ]).then(
        () => '',
        (e: { stderr: string }) => e.stderr,
      );
    expect(await rbac('get', 'hpa', '-A')).toMatch(
      /horizontalpodautoscalers.autoscaling is forbidden: User "portolan-limited" cannot list resource "horizontalpodautoscalers"/,
    );
  });
});

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
