import type { Deployment, Pod, ReplicaSet } from '@portolan/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCreateDefaults } from '../src/apiserver/defaults.ts';
import { kindFor } from '../src/apiserver/kinds.ts';
import { ClusterStore, type Obj } from '../src/apiserver/store.ts';
import { ClusterSimulator } from '../src/controllers/simulator.ts';

const DEPLOY = kindFor('Deployment');
const RS = kindFor('ReplicaSet');
const POD = kindFor('Pod');
const EVENT = kindFor('Event');

let store: ClusterStore;
let sim: ClusterSimulator;
let timer: NodeJS.Timeout;

beforeEach(() => {
  store = new ClusterStore();
  sim = new ClusterSimulator({ store, seed: 'ctl', podStartMs: 60, crashLoopMs: 150, terminationMs: 30 });
  timer = setInterval(() => sim.tick(), 20);
});
afterEach(() => {
  clearInterval(timer);
  sim.stop();
});

function createDeployment(image: string, extra: Partial<NonNullable<Deployment['spec']>> = {}): void {
  const d = {
    metadata: { name: 'web', namespace: 'a' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      ...extra,
    },
  } as Obj;
  applyCreateDefaults(DEPLOY, d, Date.now());
  store.create(DEPLOY, d);
}
const deployment = () => store.get<Deployment & Obj>(DEPLOY, 'a', 'web')!;
const pods = () =>
  [...store.entries(POD).values()]
    .map((e) => JSON.parse(e.json) as Pod)
    .filter((p) => !p.metadata?.deletionTimestamp);

function setImage(image: string) {
  store.mutate<Deployment & Obj>(DEPLOY, 'a', 'web', (d) => {
    d.spec!.template!.spec!.containers![0]!.image = image;
    d.metadata!.generation = (d.metadata!.generation ?? 1) + 1;
    return true;
  });
}

async function until(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline)
      throw new Error(`timed out: ${what} (${JSON.stringify(deployment()?.status)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const complete = () => {
  const d = deployment();
  const s = d.status ?? {};
  return (
    s.observedGeneration === d.metadata?.generation &&
    s.updatedReplicas === d.spec?.replicas &&
    s.replicas === d.spec?.replicas &&
    s.availableReplicas === d.spec?.replicas
  );
};

describe('simulated controllers', () => {
  it('creates a ReplicaSet and pods with hashes, owners and conditions', async () => {
    createDeployment('web:1');
    await until('available', complete);
    const rs = [...store.entries(RS).values()].map((e) => JSON.parse(e.json) as ReplicaSet);
    expect(rs).toHaveLength(1);
    const hash = rs[0]!.metadata!.labels!['pod-template-hash']!;
    expect(rs[0]!.metadata!.name).toBe(`web-${hash}`);
    expect(rs[0]!.metadata!.ownerReferences![0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      controller: true,
    });
    const ps = pods();
    expect(ps).toHaveLength(4);
    for (const p of ps) {
      expect(p.metadata!.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(p.metadata!.ownerReferences![0]!.uid).toBe(rs[0]!.metadata!.uid);
      expect(p.status!.phase).toBe('Running');
      expect(p.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    }
    const conds = deployment().status!.conditions!;
    expect(conds.find((c) => c.type === 'Available')!.status).toBe('True');
    expect(conds.find((c) => c.type === 'Progressing')!.reason).toBe('NewReplicaSetAvailable');
  });

  it('rolls a new image out within maxSurge / maxUnavailable and keeps the old ReplicaSet at 0', async () => {
    createDeployment('web:1', {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    await until('available', complete);
    let maxPods = 0;
    let minReady = 4;
    const watcher = store.onChange(() => {
      const live = [...store.entries(POD).values()].filter((e) => !e.terminating);
      maxPods = Math.max(maxPods, live.length);
      minReady = Math.min(minReady, live.filter((e) => e.ready).length);
    });
    setImage('web:2');
    await until('rolled out', complete);
    watcher();
    expect(maxPods).toBeLessThanOrEqual(5);
    expect(minReady).toBeGreaterThanOrEqual(4);
    const rs = [...store.entries(RS).values()].map((e) => JSON.parse(e.json) as ReplicaSet);
    expect(rs).toHaveLength(2);
    expect(rs.map((r) => r.spec!.replicas).sort()).toEqual([0, 4]);
    expect(pods().every((p) => p.spec!.containers![0]!.image === 'web:2')).toBe(true);
    expect(deployment().metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    const reasons = [...store.entries(EVENT).values()].map((e) => JSON.parse(e.json).reason);
    expect(reasons).toContain('ScalingReplicaSet');
  });

  it('never makes a `bad` image ready, and reports ProgressDeadlineExceeded', async () => {
    createDeployment('web:1', { progressDeadlineSeconds: 1 });
    await until('available', complete);
    setImage('web:2-bad');
    await until(
      'deadline exceeded',
      () => deployment().status?.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded') ?? false,
    );
    const d = deployment();
    expect(d.status!.updatedReplicas).toBeGreaterThan(0);
    expect(d.status!.availableReplicas).toBeGreaterThanOrEqual(3);
    const badPods = () => pods().filter((p) => p.spec!.containers![0]!.image === 'web:2-bad');
    expect(badPods().length).toBeGreaterThan(0);
    // The deadline can pass (second-precision timestamps) before the last pod has tried to pull.
    await until('pull errors', () =>
      badPods().every((p) =>
        /ErrImagePull|ImagePullBackOff/.test(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? ''),
      ),
    );
    expect(badPods().every((p) => !p.status?.containerStatuses?.[0]?.ready)).toBe(true);
  });

  it('crash-loops a `crash` image with climbing restarts and the last exit recorded', async () => {
    createDeployment('web:1-crash');
    await until('a restart', () =>
      pods().some((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2),
    );
    const p = pods().find((x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2)!;
    const cs = p.status!.containerStatuses![0]!;
    expect(cs.state!.waiting!.reason).toBe('CrashLoopBackOff');
    expect(cs.lastState!.terminated!.exitCode).toBe(1);
    expect(cs.ready).toBe(false);
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets', async () => {
    createDeployment('web:1', { replicas: 1, revisionHistoryLimit: 2 } as never);
    for (let i = 2; i <= 6; i++) {
      await until('available', complete);
      setImage(`web:${i}`);
    }
    await until('rolled out', complete);
    expect(store.entries(RS).size).toBe(3);
  });

  it('scales a deployment down', async () => {
    createDeployment('web:1');
    await until('available', complete);
    store.mutate<Deployment & Obj>(DEPLOY, 'a', 'web', (d) => {
      d.spec!.replicas = 1;
      d.metadata!.generation! += 1;
      return true;
    });
    await until('scaled down', () => complete() && pods().length === 1);
  });
});
