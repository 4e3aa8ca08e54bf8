import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  blockedReasons,
  type ClusterObservation,
  type DeploymentEvent,
  type DeploymentEventBody,
  type DeploymentState,
  decideNext,
  emptyState,
  foldDeployment,
  parseStrategy,
  planDeployment,
  type Strategy,
} from '../../src/deploy/index.ts';
import type { Deployment } from '../../src/k8s/types.ts';
import { deployment, patched, pod, REPO, rolledOut, tag } from './fixtures.ts';

const T0 = Date.parse('2025-03-03T10:00:00Z');
const OLD = `${REPO}:1.0.0`;

/**
 * A fleet the decisions run against: each cluster has one Deployment whose rollout completes a
 * few ticks after a patch; a cluster can be made to crash-loop on the new version, or go dark.
 */
class World {
  now = T0;
  events: DeploymentEvent[] = [];
  state: DeploymentState = emptyState();
  live = new Map<string, Deployment>();
  patchedAt = new Map<string, number>();
  patches = new Map<string, number>();
  restores = new Map<string, number>();
  crash = new Set<string>();
  dark = new Set<string>();
  /** Crash after recording `cluster-changed`, before the patch (a portal killed mid-step). */
  dropNextPatch = false;

  readonly clusters: { name: string; region: string }[];

  constructor(clusters: { name: string; region: string }[], strategy: Strategy, version = '1.1.0') {
    this.clusters = clusters;
    for (const c of clusters) this.live.set(c.name, deployment('checkout', { app: OLD }));
    this.record(
      { type: 'requested', service: 'component:default/checkout', request: { version }, reason: 'test' },
      'alice',
    );
    const objects = clusters.map((c) => tag(c.name, 'Deployment', this.live.get(c.name) as Deployment));
    this.record({
      type: 'planned',
      plan: planDeployment({
        service: 'component:default/checkout',
        serviceName: 'checkout',
        clusters,
        objects,
        request: { version },
        strategy,
      }),
    });
  }

  record(event: DeploymentEventBody, actor = 'portolan') {
    const e = { ...event, actor, at: new Date(this.now).toISOString() } as DeploymentEvent;
    this.events.push(e);
    this.state = applyEvent(this.state, e);
  }

  observe(): Map<string, ClusterObservation> {
    const out = new Map<string, ClusterObservation>();
    for (const c of this.clusters) {
      if (this.dark.has(c.name)) {
        out.set(c.name, { error: 'connect ECONNREFUSED', workloads: [], objects: [] });
        continue;
      }
      let d = this.live.get(c.name) as Deployment;
      const at = this.patchedAt.get(c.name);
      const image = d.spec?.template?.spec?.containers?.[0]?.image ?? '';
      const isNew = image !== OLD;
      if (at !== undefined && this.now - at >= 20_000 && !(isNew && this.crash.has(c.name))) d = rolledOut(d);
      this.live.set(c.name, d);
      const pods = [
        pod(`checkout-${c.name}`, { app: image }, isNew && this.crash.has(c.name) ? 'crash-loop' : 'running'),
      ];
      out.set(c.name, {
        workloads: [{ kind: 'Deployment', namespace: 'pay', name: 'checkout', object: d }],
        objects: pods.map((p) => tag(c.name, 'Pod', p)),
      });
    }
    return out;
  }

  /** One round: decide, then act on each step as the executor does. Returns the steps. */
  tick() {
    const steps = decideNext(this.state, this.observe(), this.now);
    for (const step of steps) {
      if (step.type === 'record') this.record(step.event);
      else if (step.type === 'change') {
        const c = this.state.clusters.find((x) => x.cluster === step.cluster);
        const d = this.live.get(step.cluster) as Deployment;
        if (c?.status === 'pending')
          this.record({
            type: 'cluster-changed',
            cluster: step.cluster,
            previous: [
              {
                kind: 'Deployment',
                namespace: 'pay',
                name: 'checkout',
                template: d.spec?.template as Record<string, unknown>,
              },
            ],
          });
        if (this.dropNextPatch) {
          this.dropNextPatch = false;
          return steps;
        }
        const target =
          this.state.plan?.clusters.find((x) => x.cluster === step.cluster)?.workloads[0]?.containers[0]
            ?.to ?? '';
        this.live.set(step.cluster, patched(d, { app: target }));
        this.patchedAt.set(step.cluster, this.now);
        this.patches.set(step.cluster, (this.patches.get(step.cluster) ?? 0) + 1);
      } else if (step.type === 'restore') {
        const c = this.state.clusters.find((x) => x.cluster === step.cluster);
        const previous = c?.previous?.[0]?.template as {
          spec: { containers: { name: string; image: string }[] };
        };
        const d = this.live.get(step.cluster) as Deployment;
        this.live.set(
          step.cluster,
          patched(d, Object.fromEntries(previous.spec.containers.map((x) => [x.name, x.image]))),
        );
        this.patchedAt.set(step.cluster, this.now);
        this.restores.set(step.cluster, (this.restores.get(step.cluster) ?? 0) + 1);
        this.record({ type: 'cluster-rolled-back', cluster: step.cluster });
      }
    }
    return steps;
  }

  run(maxTicks = 500, each?: (w: World, i: number) => void) {
    for (let i = 0; i < maxTicks; i++) {
      each?.(this, i);
      if (this.tick().some((s) => s.type === 'done')) return;
      this.now += 5_000;
    }
  }

  images() {
    return Object.fromEntries(
      [...this.live].map(([k, d]) => [k, d.spec?.template?.spec?.containers?.[0]?.image]),
    );
  }
}

const THREE = [
  { name: 'eu-1', region: 'eu' },
  { name: 'us-1', region: 'us' },
  { name: 'us-2', region: 'us' },
];
const quick = parseStrategy({
  waves: [
    { name: 'canary', select: { count: 1 }, soakSeconds: 30 },
    { select: { each: 'region' }, soakSeconds: 30, maxConcurrency: 2 },
  ],
});

describe('the executor’s decisions', () => {
  it('rolls out wave by wave, changing each cluster exactly once, and completes', () => {
    const w = new World(THREE, quick);
    w.run();
    expect(w.state.status).toBe('completed');
    expect(Object.values(w.images())).toEqual([`${REPO}:1.1.0`, `${REPO}:1.1.0`, `${REPO}:1.1.0`]);
    expect([...w.patches.values()]).toEqual([1, 1, 1]);
    const order = w.events
      .filter((e) => e.type === 'wave-started' || e.type === 'gate-passed')
      .map((e) =>
        e.type === 'wave-started' ? `wave ${e.wave}` : `passed ${e.type === 'gate-passed' ? e.cluster : ''}`,
      );
    expect(order).toEqual(['wave 0', 'passed eu-1', 'wave 1', 'passed us-1', 'passed us-2']);
    // The soak held the canary for its 30 s after the rollout completed.
    const ready = w.events.find((e) => e.type === 'cluster-ready' && e.cluster === 'eu-1');
    const passed = w.events.find((e) => e.type === 'gate-passed' && e.cluster === 'eu-1');
    expect(Date.parse(passed?.at ?? '') - Date.parse(ready?.at ?? '')).toBeGreaterThanOrEqual(30_000);
  });

  it('fails in the canary on a crash loop and leaves every cluster on its old template', () => {
    const w = new World(THREE, quick);
    w.crash.add('eu-1');
    w.run();
    expect(w.state.status).toBe('failed');
    expect(w.state.failure?.reason).toMatch(/eu-1 new pods fail: .*crash/i);
    expect(w.state.failure?.findings?.[0]?.rule).toBe('pod-crash-loop');
    expect(Object.values(w.images())).toEqual([OLD, OLD, OLD]);
    expect(w.patches.get('us-1')).toBeUndefined();
    expect(w.restores.get('eu-1')).toBe(1);
  });

  it('a failure in the last wave rolls back the waves that had finished', () => {
    const w = new World(THREE, quick);
    w.crash.add('us-2');
    w.run();
    expect(w.state.status).toBe('failed');
    expect(Object.values(w.images())).toEqual([OLD, OLD, OLD]);
    expect(Object.fromEntries(w.restores)).toEqual({ 'eu-1': 1, 'us-1': 1, 'us-2': 1 });
  });

  it('a wave that tolerates a failure rolls back only that cluster and goes on', () => {
    const strategy = parseStrategy({
      waves: [{ select: { rest: true }, maxConcurrency: 3, maxFailures: 1, soakSeconds: 0 }],
    });
    const w = new World(THREE, strategy);
    w.crash.add('us-1');
    w.run();
    expect(w.state.status).toBe('completed');
    expect(w.images()).toEqual({ 'eu-1': `${REPO}:1.1.0`, 'us-1': OLD, 'us-2': `${REPO}:1.1.0` });
  });

  it('waits for approval with one sentence per cluster, then goes on when approved', () => {
    const strategy = parseStrategy({
      waves: [
        { select: { count: 1 }, soakSeconds: 0 },
        { select: { rest: true }, requiresApproval: true, soakSeconds: 0 },
      ],
    });
    const w = new World(THREE, strategy);
    w.run(30);
    expect(w.state.status).toBe('running');
    const wait = decideNext(w.state, w.observe(), w.now);
    expect(wait).toEqual([
      {
        type: 'wait',
        blocked: [
          { cluster: 'us-1', reason: 'waits for approval of wave 2 (wave 2)' },
          { cluster: 'us-2', reason: 'waits for approval of wave 2 (wave 2)' },
        ],
      },
    ]);
    // The API says the same from the state alone, though nothing is recorded while it waits.
    expect(blockedReasons(w.state)).toEqual(wait[0]?.type === 'wait' ? wait[0].blocked : []);
    w.record({ type: 'approved', wave: 1, reason: 'canary looks good' }, 'bob');
    expect(blockedReasons(w.state)).toEqual([]);
    w.run();
    expect(w.state.status).toBe('completed');
  });

  it('says what a blocked cluster waits for while its rollout runs', () => {
    const w = new World(THREE, quick);
    for (let i = 0; i < 3; i++) {
      w.tick();
      w.now += 1000;
    }
    expect(blockedReasons(w.state)).toEqual([
      {
        cluster: 'eu-1',
        reason:
          'waits for the rollout: Deployment checkout: waiting for the controller to observe the new spec',
      },
    ]);
  });

  it('an unreachable cluster halts the deployment, then fails it after the limit and rolls back', () => {
    const strategy = parseStrategy({ ...quick, unreachableLimitSeconds: 60 });
    const w = new World(THREE, strategy);
    w.run(200, (world) => {
      if (world.state.clusters.find((c) => c.cluster === 'eu-1')?.status === 'passed') world.dark.add('us-1');
    });
    expect(w.state.status).toBe('failed');
    expect(w.state.failure?.reason).toMatch(
      /cluster us-1 unreachable for more than 60 s: connect ECONNREFUSED/,
    );
    expect(w.events.some((e) => e.type === 'gate-blocked' && e.unreachable)).toBe(true);
    expect(w.images()['eu-1']).toBe(OLD);
  });

  it('after a kill between recording a change and patching, patches once; after the patch, never again', () => {
    const w = new World(THREE, quick);
    w.dropNextPatch = true;
    w.tick(); // wave-started
    w.tick(); // cluster-changed recorded, patch lost
    expect(w.state.clusters[0]?.status).toBe('changing');
    expect(w.patches.get('eu-1')).toBeUndefined();
    expect(decideNext(w.state, w.observe(), w.now)).toContainEqual({ type: 'change', cluster: 'eu-1' });
    w.tick();
    expect(w.patches.get('eu-1')).toBe(1);
    expect(decideNext(w.state, w.observe(), w.now).some((s) => s.type === 'change')).toBe(false);
  });

  it('pause holds, cancel halts and rolls back what was changed', () => {
    const w = new World(THREE, quick);
    w.run(20);
    w.record({ type: 'paused', reason: 'lunch' }, 'bob');
    expect(decideNext(w.state, w.observe(), w.now)).toEqual([
      { type: 'wait', blocked: [{ cluster: '*', reason: 'the deployment is paused: resume it to go on' }] },
    ]);
    w.record({ type: 'cancelled', reason: 'wrong version' }, 'bob');
    w.run();
    expect(w.state.status).toBe('cancelled');
    expect(Object.values(w.images())).toEqual([OLD, OLD, OLD]);
  });

  it('rollback of a completed deployment restores every cluster', () => {
    const w = new World(THREE, quick);
    w.run();
    w.record({ type: 'rollback-requested', reason: 'errors in prod' }, 'bob');
    w.run();
    expect(w.state.status).toBe('rolled-back');
    expect(Object.values(w.images())).toEqual([OLD, OLD, OLD]);
  });

  it('the fold of the recorded events is the state the decisions were made on', () => {
    const w = new World(THREE, quick);
    w.crash.add('us-1');
    w.run();
    expect(foldDeployment(w.events)).toEqual(w.state);
  });

  it('over random failures, kills and approvals: no cluster is changed twice, and a deployment that does not complete leaves every cluster as it was', () => {
    fc.assert(
      fc.property(
        fc.subarray(THREE.map((c) => c.name)),
        fc.subarray(THREE.map((c) => c.name)),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 3 }),
        fc.option(fc.integer({ min: 0, max: 60 })),
        fc.integer({ min: 1, max: 3 }),
        (crash, dark, drops, cancelAt, concurrency) => {
          const strategy = parseStrategy({
            waves: [
              { select: { count: 1 }, soakSeconds: 10 },
              { select: { rest: true }, maxConcurrency: concurrency, soakSeconds: 10 },
            ],
            unreachableLimitSeconds: 30,
          });
          const w = new World(THREE, strategy);
          for (const c of crash) w.crash.add(c);
          w.run(400, (world, i) => {
            if (drops.includes(i)) world.dropNextPatch = true;
            if (i === 15) for (const c of dark) world.dark.add(c);
            if (i === 40) world.dark.clear();
            if (cancelAt !== null && i === cancelAt) world.record({ type: 'cancelled' }, 'bob');
          });
          expect(['completed', 'failed', 'cancelled']).toContain(w.state.status);
          for (const n of w.patches.values()) expect(n).toBe(1);
          for (const n of w.restores.values()) expect(n).toBe(1);
          if (w.state.status !== 'completed')
            expect(Object.values(w.images()).every((i) => i === OLD)).toBe(true);
          else expect(Object.values(w.images()).every((i) => i === `${REPO}:1.1.0`)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
