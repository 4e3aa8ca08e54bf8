import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STRATEGY,
  imageRepository,
  parseStrategy,
  planDeployment,
  strategyFromAnnotations,
  withVersion,
} from '../../src/deploy/index.ts';
import type { DeployRequest, PlanInput } from '../../src/deploy/plan.ts';
import { InputError } from '../../src/errors.ts';
import type { ClusterObject } from '../../src/k8s/types.ts';
import { deployment, REPO, tag } from './fixtures.ts';

const CLUSTERS = [
  { name: 'eu-1', region: 'eu' },
  { name: 'eu-2', region: 'eu' },
  { name: 'us-1', region: 'us' },
  { name: 'us-2', region: 'us' },
  { name: 'ap-1', region: 'ap' },
];

function fleet(names = CLUSTERS.map((c) => c.name)): ClusterObject[] {
  return names.flatMap((cluster) => [
    tag(
      cluster,
      'Deployment',
      deployment('checkout', { app: `${REPO}:1.0.0`, envoy: 'envoyproxy/envoy:v1.31.2' }),
    ),
    tag(cluster, 'CronJob', { metadata: { name: 'nightly', namespace: 'pay' } }),
  ]);
}

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  service: 'component:default/checkout',
  serviceName: 'checkout',
  clusters: CLUSTERS,
  objects: fleet(),
  request: { version: '1.1.0' },
  strategy: DEFAULT_STRATEGY,
  ...over,
});

describe('images', () => {
  it('splits repository from tag and digest, keeping a registry port', () => {
    expect(imageRepository('registry:5000/team/app:1.2')).toBe('registry:5000/team/app');
    expect(imageRepository('registry:5000/team/app')).toBe('registry:5000/team/app');
    expect(imageRepository('app@sha256:abc')).toBe('app');
    expect(withVersion('reg/app:1.0@sha256:abc', '2.0')).toBe('reg/app:2.0');
  });
});

describe('planDeployment', () => {
  it('changes only the service’s own containers, in every cluster, canary first then region by region', () => {
    const plan = planDeployment(input());
    expect(plan.clusters.map((c) => c.cluster)).toEqual(['ap-1', 'eu-1', 'eu-2', 'us-1', 'us-2']);
    const w = plan.clusters[0]?.workloads[0];
    expect(w).toMatchObject({ kind: 'Deployment', namespace: 'pay', name: 'checkout' });
    expect(w?.containers).toEqual([{ name: 'app', from: `${REPO}:1.0.0`, to: `${REPO}:1.1.0` }]);
    expect(plan.waves.map((x) => [x.name, x.clusters])).toEqual([
      ['canary', ['ap-1']],
      ['region eu', ['eu-1', 'eu-2']],
      ['region us', ['us-1', 'us-2']],
    ]);
  });

  it('takes named containers and full images, and only the clusters asked for', () => {
    const plan = planDeployment(
      input({ request: { images: { envoy: 'envoyproxy/envoy:v1.32.0' }, clusters: ['us-1', 'eu-2'] } }),
    );
    expect(plan.clusters.map((c) => c.cluster)).toEqual(['eu-2', 'us-1']);
    expect(plan.clusters[0]?.workloads[0]?.containers).toEqual([
      { name: 'envoy', from: 'envoyproxy/envoy:v1.31.2', to: 'envoyproxy/envoy:v1.32.0' },
    ]);
  });

  it('skips what already runs the version, and refuses a request that changes nothing', () => {
    const objects = [
      ...fleet(['eu-1']),
      tag('us-1', 'Deployment', deployment('checkout', { app: `${REPO}:1.1.0` })),
    ];
    const plan = planDeployment(input({ objects }));
    expect(plan.clusters.map((c) => c.cluster)).toEqual(['eu-1']);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ cluster: 'us-1', reason: 'already runs the requested images' }),
    ]);
    expect(() =>
      planDeployment(input({ objects, request: { version: '1.1.0', clusters: ['us-1'] } })),
    ).toThrow(/already runs the requested images/);
  });

  it('refuses malformed requests with an InputError saying what is wrong', () => {
    const bad: [DeployRequest, RegExp][] = [
      [{}, /either version or images/],
      [{ version: '1', images: { app: 'x:1' } }, /either version or images/],
      [{ version: 'no spaces allowed' }, /not an image tag/],
      [{ version: '1.2', clusters: ['mars-1'] }, /cluster "mars-1"/],
      [{ version: '1.2', containers: ['sidecar'] }, /container "sidecar"/],
    ];
    for (const [request, message] of bad) {
      expect(() => planDeployment(input({ request }))).toThrow(InputError);
      expect(() => planDeployment(input({ request }))).toThrow(message);
    }
  });

  it('uses the catalog’s image repository when given, not the name', () => {
    const objects = [tag('eu-1', 'Deployment', deployment('checkout', { main: 'ghcr.io/acme/pay-svc:3' }))];
    expect(() => planDeployment(input({ objects }))).toThrow(/name the containers/);
    const plan = planDeployment(input({ objects, imageRepository: 'ghcr.io/acme/pay-svc' }));
    expect(plan.clusters[0]?.workloads[0]?.containers[0]?.to).toBe('ghcr.io/acme/pay-svc:1.1.0');
  });
});

describe('strategies', () => {
  it('reads an annotation in YAML or JSON and applies its defaults', () => {
    const s = strategyFromAnnotations({
      'portolan.io/deploy-strategy':
        'waves:\n  - select: {clusters: [us-2]}\n    requiresApproval: true\n  - select: {rest: true}\n    maxConcurrency: 3\n',
    });
    expect(s?.waves[0]).toMatchObject({ requiresApproval: true, maxConcurrency: 1, soakSeconds: 60 });
    const plan = planDeployment(input({ strategy: s ?? DEFAULT_STRATEGY }));
    expect(plan.waves.map((w) => [w.clusters, w.maxConcurrency, w.requiresApproval])).toEqual([
      [['us-2'], 1, true],
      [['ap-1', 'eu-1', 'eu-2', 'us-1'], 3, false],
    ]);
    expect(
      strategyFromAnnotations({ 'portolan.io/deploy-strategy': '{"waves":[{"select":{"count":2}}]}' })?.waves,
    ).toHaveLength(1);
    expect(strategyFromAnnotations({})).toBeUndefined();
  });

  it('names the annotation and the field in what it refuses', () => {
    const refuse = (text: string) => () => strategyFromAnnotations({ 'portolan.io/deploy-strategy': text });
    expect(refuse('waves: [')).toThrow(/annotation portolan.io\/deploy-strategy: not YAML/);
    expect(refuse('waves: []')).toThrow(/waves/);
    expect(refuse('waves: [{select: {count: 0}}]')).toThrow(/waves.0.select/);
    expect(refuse('waves: [{select: {rest: true}, soakSeconds: -1}]')).toThrow(/soakSeconds/);
    expect(refuse('waves: [{select: {rest: true}, surprise: 1}]')).toThrow(InputError);
    expect(() => parseStrategy({ waves: [{ select: { each: 'zone' } }] })).toThrow(InputError);
  });
});

describe('planner properties', () => {
  const clusterArb = fc.uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z]{1,6}-[0-9]$/),
      region: fc.constantFrom('eu', 'us', 'ap', undefined),
    }),
    { minLength: 1, maxLength: 12, selector: (c) => c.name },
  );
  const waveArb = fc.record({
    select: fc.oneof(
      fc.record({ count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ regions: fc.subarray(['eu', 'us', 'ap'], { minLength: 1 }) }),
      fc.constant({ each: 'region' as const }),
      fc.constant({ rest: true as const }),
    ),
    maxConcurrency: fc.integer({ min: 1, max: 3 }),
  });
  const strategyArb = fc
    .array(waveArb, { minLength: 1, maxLength: 4 })
    .map((waves) => parseStrategy({ waves }));

  it('puts every cluster the service runs on in exactly one wave, none twice, and no empty wave', () => {
    fc.assert(
      fc.property(clusterArb, strategyArb, (clusters, strategy) => {
        const plan = planDeployment(
          input({
            clusters: clusters.map((c) => (c.region ? { name: c.name, region: c.region } : { name: c.name })),
            objects: fleet(clusters.map((c) => c.name)),
            strategy,
          }),
        );
        const inWaves = plan.waves.flatMap((w) => w.clusters);
        expect([...inWaves].sort()).toEqual(clusters.map((c) => c.name).sort());
        expect(new Set(inWaves).size).toBe(inWaves.length);
        expect(plan.waves.every((w, i) => w.clusters.length > 0 && w.index === i)).toBe(true);
        // Every planned container moves to the requested version of its own repository.
        for (const c of plan.clusters)
          for (const w of c.workloads)
            for (const x of w.containers) expect(x.to).toBe(`${imageRepository(x.from)}:1.1.0`);
      }),
    );
  });

  it('is a function of its inputs: the order the objects arrive in does not change the plan', () => {
    fc.assert(
      fc.property(clusterArb, strategyArb, fc.integer(), (clusters, strategy, seed) => {
        const objects = fleet(clusters.map((c) => c.name));
        const shuffled = [...objects].sort(
          (a, b) => ((a.cluster.length * 31 + seed) % 7) - ((b.cluster.length * 17 + seed) % 5),
        );
        const cs = clusters.map((c) => (c.region ? { name: c.name, region: c.region } : { name: c.name }));
        expect(planDeployment(input({ clusters: cs, objects: shuffled, strategy }))).toEqual(
          planDeployment(input({ clusters: cs, objects, strategy })),
        );
      }),
    );
  });
});
