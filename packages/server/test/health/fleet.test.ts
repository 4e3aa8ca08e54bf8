import type { ClusterObject, KubeObject, WatchedKind } from '@portolan/core';
import { AccessDenials, checkForKind, denialMessage } from '@portolan/core/auth/kubernetes';
import type { Finding } from '@portolan/core/health/index';
import { type CatalogEntity, locateService } from '@portolan/core/services/index';
import { describe, expect, it } from 'vitest';
import { RefreshingValue } from '../../src/health/cache.ts';
import {
  allowedSnapshot,
  buildSnapshot,
  clusterServices,
  FindingsTracker,
  fleetChecks,
  labelPairs,
  mayHaveObjects,
  placementsOf,
  queryFindings,
  selectorKeys,
  serviceContext,
  summarizeFleet,
} from '../../src/health/fleet.ts';
import { toFleetFilter } from '../../src/health/routes.ts';

const entity = (name: string, spec: CatalogEntity['spec'], namespace?: string): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...(spec ? { spec } : {}),
});

const finding = (
  id: string,
  severity: Finding['severity'],
  cluster = 'eu-1',
  rule: Finding['rule'] = 'pod-crash-loop',
): Finding => ({
  id,
  rule,
  severity,
  object: { cluster, namespace: 'ns', kind: 'Deployment', name: id },
  summary: id,
  explanation: '',
  nextSteps: [],
  evidence: {},
});

describe('serviceContext', () => {
  it('normalises owner and system to lower-case refs in the entity namespace', () => {
    expect(
      serviceContext(entity('Checkout', { owner: 'Payments', system: 'Shop', lifecycle: 'Production' })),
    ).toEqual({
      ref: 'component:default/checkout',
      name: 'Checkout',
      owner: 'group:default/payments',
      system: 'system:default/shop',
      lifecycle: 'production',
    });
    expect(serviceContext(entity('a', { owner: 'user:bob', system: 'x' }, 'team-a'))).toMatchObject({
      ref: 'component:team-a/a',
      owner: 'user:team-a/bob',
      system: 'system:team-a/x',
    });
  });

  it('drops a malformed or missing owner instead of throwing', () => {
    const c = serviceContext(entity('a', { owner: 'bad ref!!', lifecycle: 3 as unknown as string }));
    expect(c).toEqual({ ref: 'component:default/a', name: 'a' });
    expect(serviceContext(entity('b', undefined))).toEqual({ ref: 'component:default/b', name: 'b' });
  });
});

describe('fleet snapshot', () => {
  const checkout = serviceContext(entity('checkout', { owner: 'payments', system: 'shop' }));
  const cart = serviceContext(entity('cart', { owner: 'shop-team', system: 'shop' }));
  const search = serviceContext(entity('search', { owner: 'discovery' }));
  const snapshot = buildSnapshot(
    [
      {
        service: checkout,
        findings: [finding('c1', 'critical'), finding('c2', 'info', 'us-1', 'hpa-min-equals-max')],
      },
      { service: cart, findings: [finding('k1', 'warning', 'us-1'), finding('k2', 'warning')] },
      { service: search, findings: [] },
    ],
    { at: Date.parse('2026-01-01T00:00:00Z'), durationMs: 12, entities: 10 },
  );

  it('tags every finding with service, owner and system, worst first', () => {
    expect(snapshot.findings.map((f) => [f.id, f.service, f.owner, f.system])).toEqual([
      ['c1', 'component:default/checkout', 'group:default/payments', 'system:default/shop'],
      ['k2', 'component:default/cart', 'group:default/shop-team', 'system:default/shop'],
      ['k1', 'component:default/cart', 'group:default/shop-team', 'system:default/shop'],
      ['c2', 'component:default/checkout', 'group:default/payments', 'system:default/shop'],
    ]);
    expect(snapshot.services).toHaveLength(3);
  });

  it('filters by owner, system, service, cluster, severity and rule; pages with totals', () => {
    const ids = (filter: Parameters<typeof queryFindings>[1], limit = 100, offset = 0) =>
      queryFindings(snapshot, filter, limit, offset);
    expect(ids({ owner: ['group:default/payments'] }).items.map((f) => f.id)).toEqual(['c1', 'c2']);
    expect(ids({ system: ['system:default/shop'] }).totalItems).toBe(4);
    expect(ids({ system: ['system:default/none'] }).totalItems).toBe(0);
    expect(ids({ cluster: ['us-1'] }).items.map((f) => f.id)).toEqual(['k1', 'c2']);
    expect(ids({ severity: ['warning'] }).items.map((f) => f.id)).toEqual(['k2', 'k1']);
    expect(ids({ minSeverity: 'warning' }).totalItems).toBe(3);
    expect(ids({ rule: ['hpa-min-equals-max'] }).items.map((f) => f.id)).toEqual(['c2']);
    expect(ids({ service: ['component:default/cart'], cluster: ['eu-1'] }).items.map((f) => f.id)).toEqual([
      'k2',
    ]);
    const page = ids({}, 2, 1);
    expect(page.items.map((f) => f.id)).toEqual(['k2', 'k1']);
    expect(page.totalItems).toBe(4);
  });

  it('summarises by severity and rule, then services, teams and systems worst first', () => {
    const s = summarizeFleet(snapshot);
    expect(s.summary).toMatchObject({ critical: 1, warning: 2, info: 1, total: 4, worst: 'critical' });
    expect(s.summary.byRule['pod-crash-loop']).toEqual({ critical: 1, warning: 2, info: 0, total: 3 });
    expect(s.worstServices.map((g) => g.key)).toEqual([
      'component:default/checkout',
      'component:default/cart',
    ]);
    expect(s.teams.map((g) => [g.key, g.total, g.services])).toEqual([
      ['group:default/payments', 2, 1],
      ['group:default/shop-team', 2, 1],
    ]);
    expect(s.systems).toEqual([
      expect.objectContaining({ key: 'system:default/shop', critical: 1, warning: 2, info: 1, services: 2 }),
    ]);
    expect(s).toMatchObject({
      generatedAt: '2026-01-01T00:00:00.000Z',
      entities: 10,
      servicesWithObjects: 3,
    });
    expect(summarizeFleet(snapshot, { owner: ['group:default/shop-team'] }).summary.total).toBe(2);
    expect(s.clusters.map((g) => [g.key, g.critical, g.warning, g.info, g.services])).toEqual([
      ['eu-1', 1, 1, 0, 2],
      ['us-1', 0, 1, 1, 2],
    ]);
  });
});

describe("placements and one cluster's services", () => {
  const obj = (cluster: string, kind: string, name: string, owner?: string): ClusterObject => ({
    cluster,
    kind: kind as ClusterObject['kind'],
    object: {
      metadata: { name, ...(owner ? { ownerReferences: [{ kind: owner, name: 'x', uid: 'u' }] } : {}) },
    } as KubeObject,
  });

  it("counts workloads and pods per cluster; a CronJob's Jobs and plain Services are not workloads", () => {
    const objects = [
      obj('eu-1', 'Deployment', 'web'),
      obj('eu-1', 'Pod', 'web-1'),
      obj('eu-1', 'Pod', 'web-2'),
      obj('eu-1', 'Service', 'web'),
      obj('us-1', 'CronJob', 'report'),
      obj('us-1', 'Job', 'report-1', 'CronJob'),
      obj('ap-1', 'Service', 'web'),
    ];
    expect(placementsOf('s', objects)).toEqual([
      {
        service: 's',
        cluster: 'eu-1',
        workloads: 1,
        pods: 2,
        parts: [
          { namespace: '', kind: 'Deployment', count: 1 },
          { namespace: '', kind: 'Pod', count: 2 },
        ],
      },
      {
        service: 's',
        cluster: 'us-1',
        workloads: 1,
        pods: 0,
        parts: [{ namespace: '', kind: 'CronJob', count: 1 }],
      },
    ]);
  });

  it('lists what runs in a cluster by team, each service once with its findings there, worst first', () => {
    const checkout = serviceContext(entity('checkout', { owner: 'payments' }));
    const refunds = serviceContext(entity('refunds', { owner: 'payments' }));
    const orphan = serviceContext(entity('orphan', undefined));
    const cart = serviceContext(entity('cart', { owner: 'shop-team' }));
    const place = (service: string, cluster: string) => ({
      service,
      cluster,
      workloads: 1,
      pods: 2,
      parts: [
        { namespace: 'ns', kind: 'Deployment', count: 1 },
        { namespace: 'ns', kind: 'Pod', count: 2 },
      ],
    });
    const snap = buildSnapshot(
      [
        {
          service: checkout,
          findings: [finding('c1', 'critical', 'us-1'), finding('c2', 'warning', 'eu-1')],
          placements: [place(checkout.ref, 'eu-1'), place(checkout.ref, 'us-1')],
        },
        {
          service: refunds,
          findings: [finding('r1', 'critical', 'eu-1')],
          placements: [place(refunds.ref, 'eu-1')],
        },
        { service: orphan, findings: [], placements: [place(orphan.ref, 'eu-1')] },
        { service: cart, findings: [], placements: [place(cart.ref, 'us-1')] },
      ],
      { at: 0, durationMs: 1, entities: 4 },
    );
    const eu = clusterServices(snap, 'eu-1');
    expect(eu.teams.map((t) => [t.owner, t.services.map((s) => [s.name, s.findings])])).toEqual([
      [
        'group:default/payments',
        [
          ['refunds', { critical: 1, warning: 0, info: 0 }],
          ['checkout', { critical: 0, warning: 1, info: 0 }],
        ],
      ],
      [undefined, [['orphan', { critical: 0, warning: 0, info: 0 }]]],
    ]);
    expect(eu.summary).toMatchObject({ critical: 1, warning: 1, total: 2 });
    expect(clusterServices(snap, 'us-1').teams.map((t) => t.owner)).toEqual([
      'group:default/payments',
      'group:default/shop-team',
    ]);
    expect(clusterServices(snap, 'nowhere').teams).toEqual([]);
  });
});

describe("a user's look at the fleet (per-user Kubernetes identity)", () => {
  const checkout = serviceContext(entity('checkout', { owner: 'payments' }));
  const inNs = (f: Finding, namespace: string, pods?: string[]): Finding => ({
    ...f,
    object: { ...f.object, namespace },
    ...(pods ? { pods } : {}),
  });
  const crash = inNs(finding('crash', 'critical', 'eu-1'), 'pay', ['checkout-1']);
  crash.evidence = { events: [{ reason: 'BackOff' }] };
  const paused = inNs(finding('paused', 'warning', 'eu-1', 'deployment-paused'), 'pay');
  const elsewhere = inNs(finding('us', 'critical', 'us-1'), 'pay', ['checkout-2']);
  const snap = buildSnapshot(
    [
      {
        service: checkout,
        findings: [crash, paused, elsewhere],
        placements: placementsOf(checkout.ref, [
          {
            cluster: 'eu-1',
            kind: 'Deployment',
            object: { metadata: { name: 'checkout', namespace: 'pay' } },
          },
          { cluster: 'eu-1', kind: 'Pod', object: { metadata: { name: 'checkout-1', namespace: 'pay' } } },
          { cluster: 'eu-1', kind: 'Pod', object: { metadata: { name: 'checkout-3', namespace: 'pay' } } },
          { cluster: 'us-1', kind: 'Pod', object: { metadata: { name: 'checkout-2', namespace: 'pay' } } },
        ] as ClusterObject[]),
      },
    ],
    { at: 0, durationMs: 1, entities: 1 },
  );
  const deny = (cluster: string, kind: WatchedKind, namespace: string) => {
    const c = checkForKind(cluster, 'list', kind, namespace);
    return { ...c, message: denialMessage(c) };
  };

  it('asks once per cluster, kind and namespace the filtered findings (and, for a cluster page, placements) read', () => {
    const key = (c: { cluster: string; resource: string; namespace: string }) =>
      `${c.cluster}/${c.resource}/${c.namespace}`;
    expect(fleetChecks(snap, {}).map(key).sort()).toEqual([
      'eu-1/deployments/pay',
      'eu-1/events/pay',
      'eu-1/pods/pay',
      'us-1/deployments/pay',
      'us-1/pods/pay',
    ]);
    expect(
      fleetChecks(snap, { cluster: ['us-1'] })
        .map(key)
        .sort(),
    ).toEqual(['us-1/deployments/pay', 'us-1/pods/pay']);
    // The us-1 placement counts only a pod: nothing more to ask there.
    expect(
      fleetChecks(snap, { cluster: ['us-1'], rule: ['deployment-paused'] }, { placements: true }).map(key),
    ).toEqual(['us-1/pods/pay']);
  });

  it('leaves out pod findings and pod counts where pods may not be listed, and nothing elsewhere', () => {
    const mine = allowedSnapshot(snap, new AccessDenials([deny('eu-1', 'Pod', 'pay')]));
    expect(mine.findings.map((f) => f.id)).toEqual(['us', 'paused']);
    expect(JSON.stringify(mine.findings)).not.toContain('checkout-1');
    expect(clusterServices(mine, 'eu-1').teams[0]?.services[0]).toMatchObject({ workloads: 1, pods: 0 });
    expect(clusterServices(mine, 'us-1').teams[0]?.services[0]).toMatchObject({ workloads: 0, pods: 1 });
    expect(summarizeFleet(mine).summary).toMatchObject({ critical: 1, warning: 1, total: 2 });
    expect(allowedSnapshot(snap, new AccessDenials([]))).toBe(snap);
  });

  it('drops a service from a cluster where nothing of it may be listed, and events where they may not be', () => {
    const mine = allowedSnapshot(
      snap,
      new AccessDenials([
        deny('eu-1', 'Pod', 'other'),
        deny('eu-1', 'Event', 'pay'),
        deny('us-1', 'Pod', 'pay'),
      ]),
    );
    expect(clusterServices(mine, 'us-1').teams).toEqual([]);
    expect(mine.findings.find((f) => f.id === 'crash')?.evidence.events).toBeUndefined();
    expect(clusterServices(mine, 'eu-1').teams[0]?.services[0]).not.toHaveProperty('parts');
  });
});

describe('toFleetFilter', () => {
  it('accepts short names as the catalog routes do', () => {
    expect(
      toFleetFilter({
        owner: ['payments', 'group:Default/Ops'],
        system: ['Shop'],
        service: ['checkout'],
        severity: ['Critical'],
      }),
    ).toEqual({
      owner: ['group:default/payments', 'group:default/ops'],
      system: ['system:default/shop'],
      service: ['component:default/checkout'],
      severity: ['critical'],
    });
  });

  it('rejects unknown severities and rules and malformed refs with an InputError', () => {
    expect(() => toFleetFilter({ severity: ['fatal'] })).toThrow(/severity/);
    expect(() => toFleetFilter({ rule: ['nope'] })).toThrow(/unknown rule/);
    expect(() => toFleetFilter({ owner: ['a b'] })).toThrow(/owner/);
  });
});

describe('FindingsTracker', () => {
  it('sends everything as appeared first, then only differences, nothing when unchanged', () => {
    const t = new FindingsTracker();
    const a = finding('a', 'critical');
    const b = finding('b', 'warning');
    expect(t.update([a, b])).toMatchObject({ appeared: [a, b], cleared: [], findings: [a, b] });
    expect(t.update([a, b])).toBeUndefined();
    const b2 = { ...b, severity: 'critical' as const };
    expect(t.update([a, b2])).toMatchObject({ appeared: [], cleared: [], changed: [b2] });
    expect(t.update([b2])).toMatchObject({ appeared: [], cleared: [a], findings: [b2] });
    const empty = new FindingsTracker();
    expect(empty.update([])).toEqual({ findings: [], appeared: [], cleared: [], changed: [] });
  });
});

describe('RefreshingValue', () => {
  it('serves a fresh value, serves a stale one while recomputing, waits when too old', async () => {
    let now = 0;
    let n = 0;
    let release: (() => void) | undefined;
    const v = new RefreshingValue({
      compute: async () => {
        n++;
        if (n === 3) await new Promise<void>((r) => (release = r));
        return n;
      },
      freshMs: 5000,
      staleMs: 60_000,
      now: () => now,
    });
    // Two callers at once share one computation.
    expect(await Promise.all([v.get(), v.get()])).toEqual([1, 1]);
    expect(v.computations).toBe(1);
    now = 4999;
    expect(await v.get()).toBe(1);
    now = 5000;
    expect(await v.get()).toBe(1); // stale: served, recomputed in the background
    await Promise.resolve();
    expect(await v.get()).toBe(2);
    now = 200_000; // too old: the caller waits
    const waiting = v.get();
    await new Promise((r) => setTimeout(r, 0));
    release?.();
    expect(await waiting).toBe(3);
    v.invalidate();
    expect(await v.get()).toBe(3);
    await new Promise((r) => setTimeout(r, 0));
    expect(v.computations).toBe(4);
  });

  it('keeps the last good value when a background recomputation fails', async () => {
    let now = 0;
    let fail = false;
    const errors: unknown[] = [];
    const v = new RefreshingValue({
      compute: async () => {
        if (fail) throw new Error('boom');
        return 'ok';
      },
      freshMs: 10,
      staleMs: 100,
      now: () => now,
      onError: (e) => errors.push(e),
    });
    expect(await v.get()).toBe('ok');
    fail = true;
    now = 50;
    expect(await v.get()).toBe('ok');
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toHaveLength(1);
    now = 500;
    await expect(v.get()).rejects.toThrow('boom');
  });
});

describe('skipping entities that run nowhere', () => {
  const withLabels = (labels?: Record<string, string>) =>
    ({ metadata: { name: 'x', ...(labels ? { labels } : {}) } }) as KubeObject;
  const byId = locateService({
    ...entity('checkout', {}),
    metadata: { name: 'checkout', annotations: { 'backstage.io/kubernetes-id': 'checkout-id' } },
  });
  const byName = locateService(entity('cart', {}));
  const bySelector = locateService({
    ...entity('search', {}),
    metadata: {
      name: 'search',
      annotations: { 'backstage.io/kubernetes-label-selector': 'tier in (search,index)' },
    },
  });
  const byExpression = locateService({
    ...entity('odd', {}),
    metadata: { name: 'odd', annotations: { 'backstage.io/kubernetes-label-selector': '!legacy' } },
  });

  it('collects only the label pairs the locators look up', () => {
    const keys = selectorKeys([byId, byName, bySelector]);
    expect(keys).toEqual(
      new Set([
        'backstage.io/kubernetes-id',
        'app.kubernetes.io/name',
        'app.kubernetes.io/part-of',
        'app',
        'tier',
      ]),
    );
    const present = labelPairs(
      [
        withLabels({ app: 'cart', team: 'x' }),
        withLabels(),
        withLabels({ tier: 'index' }),
        withLabels({ 'backstage.io/kubernetes-id': 'other' }),
      ],
      keys,
    );
    expect(present.size).toBe(3);
    expect(mayHaveObjects(byName, present)).toBe(true);
    expect(mayHaveObjects(bySelector, present)).toBe(true);
    expect(mayHaveObjects(byId, present)).toBe(false);
    // A selector with nothing to look up may match anything: never skipped.
    expect(mayHaveObjects(byExpression, present)).toBe(true);
    expect(mayHaveObjects(byName, labelPairs([], keys))).toBe(false);
  });
});
