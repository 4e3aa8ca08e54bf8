// The change router against core's answer of which objects belong to a service, over generated
// fleets: every change that alters a service's objects must reach that service's open view;
// changes routed to views they do not alter are counted and must stay rare.
import type { KubeObject, WatchedKind } from '@portolan/core';
import {
  emptyFootprint,
  locateService,
  type ObjectSource,
  type ServiceLocator,
  selectionKey,
  selectServiceObjects,
} from '@portolan/core/services/index';
import { createRandom, type Random } from '@portolan/sim/random';
import { describe, expect, it } from 'vitest';
import { ChangeRouter } from '../../src/kubernetes/router.ts';
import type { Change } from '../../src/kubernetes/store.ts';

const KINDS: WatchedKind[] = [
  'Deployment',
  'ReplicaSet',
  'Pod',
  'StatefulSet',
  'Job',
  'CronJob',
  'Service',
  'Ingress',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Event',
];

/** A cluster's objects in plain maps: the same ObjectSource contract the watch caches keep. */
class Cluster implements ObjectSource {
  readonly objects = new Map<string, { kind: WatchedKind; object: KubeObject }>();
  #of(kind: WatchedKind) {
    return [...this.objects.values()].filter((o) => o.kind === kind).map((o) => o.object);
  }
  all(kind: WatchedKind) {
    return this.#of(kind);
  }
  byNamespace(kind: WatchedKind, ns: string) {
    return this.#of(kind).filter((o) => o.metadata?.namespace === ns);
  }
  byLabel(kind: WatchedKind, key: string, value: string) {
    return this.#of(kind).filter((o) => o.metadata?.labels?.[key] === value);
  }
  byOwner(kind: WatchedKind, uid: string) {
    return this.#of(kind).filter((o) => o.metadata?.ownerReferences?.some((r) => r.uid === uid));
  }
}

const APPS = ['cart', 'checkout', 'search', 'ledger'];
const NAMESPACES = ['shop', 'pay'];

function labels(r: Random): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.chance(0.8)) out.app = r.pick(APPS);
  if (r.chance(0.3)) out['app.kubernetes.io/name'] = r.pick(APPS);
  if (r.chance(0.4)) out.tier = r.pick(['web', 'db', 'batch']);
  return out;
}

let uidSeq = 0;
/** One random object; owners, targets and backends point at objects already in the cluster. */
function randomObject(r: Random, c: Cluster, of?: WatchedKind): { kind: WatchedKind; object: KubeObject } {
  const kind = of ?? r.pick(KINDS);
  const uid = `u${++uidSeq}`;
  const namespace = r.pick(NAMESPACES);
  const existing = [...c.objects.values()].filter((o) => o.object.metadata?.namespace === namespace);
  const owner = (kinds: WatchedKind[]) => {
    const candidates = existing.filter((o) => kinds.includes(o.kind));
    if (candidates.length === 0 || r.chance(0.15)) return undefined;
    const o = r.pick(candidates);
    return [
      {
        kind: o.kind,
        name: o.object.metadata?.name ?? '',
        uid: o.object.metadata?.uid ?? '',
        controller: true,
      },
    ];
  };
  const name = `${kind.toLowerCase()}-${uidSeq}`;
  const meta = (extra: object = {}) => ({ name, namespace, uid, labels: labels(r), ...extra });
  const template = () => ({
    metadata: { labels: labels(r) },
    spec: { containers: [{ name: 'app', image: 'reg/x:1' }] },
  });
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'Job':
      return { kind, object: { metadata: meta(), spec: { template: template() } } as KubeObject };
    case 'CronJob':
      return {
        kind,
        object: { metadata: meta(), spec: { jobTemplate: { spec: { template: template() } } } } as KubeObject,
      };
    case 'ReplicaSet': {
      const ownerReferences = owner(['Deployment']);
      return { kind, object: { metadata: meta(ownerReferences ? { ownerReferences } : {}) } };
    }
    case 'Pod': {
      const ownerReferences = owner(['ReplicaSet', 'StatefulSet', 'Job', 'Deployment']);
      return { kind, object: { metadata: meta(ownerReferences ? { ownerReferences } : {}) } };
    }
    case 'Service':
      return { kind, object: { metadata: meta(), spec: { selector: labels(r) } } as KubeObject };
    case 'PodDisruptionBudget':
      return {
        kind,
        object: { metadata: meta(), spec: { selector: { matchLabels: labels(r) } } } as KubeObject,
      };
    case 'HorizontalPodAutoscaler': {
      const target = r.pick([
        ...existing.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)),
        undefined,
      ]);
      return {
        kind,
        object: {
          metadata: meta(),
          spec: {
            scaleTargetRef: target
              ? { kind: target.kind, name: target.object.metadata?.name }
              : { kind: 'Deployment', name: 'nothing' },
          },
        } as KubeObject,
      };
    }
    case 'Ingress': {
      const svc = r.pick([...existing.filter((o) => o.kind === 'Service'), undefined]);
      return {
        kind,
        object: {
          metadata: meta(),
          spec: {
            rules: [
              { http: { paths: [{ backend: { service: { name: svc?.object.metadata?.name ?? 'none' } } }] } },
            ],
          },
        } as KubeObject,
      };
    }
    default: {
      const about = existing.length > 0 ? r.pick(existing) : undefined;
      return {
        kind: 'Event',
        object: {
          metadata: { name, namespace, uid },
          involvedObject: { uid: about?.object.metadata?.uid ?? 'none' },
        } as KubeObject,
      };
    }
  }
}

/** A changed copy of an object: new labels, selector, template labels, owner, target or backend. */
type Loose = KubeObject & { spec?: unknown; involvedObject?: unknown };
function mutate(r: Random, c: Cluster, o: { kind: WatchedKind; object: KubeObject }): KubeObject {
  const next = structuredClone(o.object) as Loose;
  const fresh = randomObject(r, c, o.kind).object as Loose;
  const which = r.int(0, 2);
  if (which === 0) next.metadata = { ...next.metadata, labels: labels(r) };
  else if (which === 1 && fresh.spec) next.spec = fresh.spec;
  else if (which === 1 && fresh.involvedObject) next.involvedObject = fresh.involvedObject;
  else if (fresh.metadata?.ownerReferences)
    next.metadata = { ...next.metadata, ownerReferences: fresh.metadata.ownerReferences };
  else next.metadata = { ...next.metadata, labels: labels(r) };
  return next;
}

const signature = (locator: ServiceLocator, c: Cluster) =>
  selectServiceObjects(locator, c)
    .map((o) => `${o.kind}/${o.object.metadata?.uid}/${JSON.stringify(o.object)}`)
    .sort()
    .join('\n');

function locators(): { locator: ServiceLocator }[] {
  const entity = (name: string, annotations?: Record<string, string>) =>
    locateService({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name, ...(annotations ? { annotations } : {}) },
    });
  return [
    ...APPS.map((a) => ({ locator: entity(a) })),
    { locator: entity('by-id', { 'backstage.io/kubernetes-id': 'cart' }) },
    {
      locator: entity('pay-only', {
        'backstage.io/kubernetes-namespace': 'pay',
        'backstage.io/kubernetes-id': 'search',
      }),
    },
    {
      locator: entity('web-tier', {
        'backstage.io/kubernetes-label-selector': 'tier=web,app in (cart,ledger)',
      }),
    },
    { locator: entity('not-db', { 'backstage.io/kubernetes-label-selector': 'tier,tier notin (db)' }) },
  ];
}

describe('change routing against the service locator (property)', () => {
  // Compute-bound (2,400 changes, each selecting eight views before and after): give it room on a busy machine.
  it('routes every change that alters a view to it, over generated fleets', { timeout: 60_000 }, () => {
    let changes = 0;
    let altering = 0;
    let routedNeedlessly = 0;
    let routings = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = createRandom(seed);
      const cluster = new Cluster();
      for (let i = 0; i < 40; i++) {
        const o = randomObject(r, cluster);
        cluster.objects.set(o.object.metadata!.uid!, o);
      }
      const views = locators();
      const router = new ChangeRouter<(typeof views)[number]>();
      const refresh = (v: (typeof views)[number]) => {
        const fp = emptyFootprint();
        selectServiceObjects(v.locator, cluster, fp);
        router.update(v, 'c', fp);
      };
      for (const v of views) {
        router.add(v);
        refresh(v);
      }
      for (let step = 0; step < 60; step++) {
        const before = views.map((v) => signature(v.locator, cluster));
        const all = [...cluster.objects.values()];
        let change: Change;
        const action = r.int(0, 2);
        if (action === 0 || all.length === 0) {
          const o = randomObject(r, cluster);
          cluster.objects.set(o.object.metadata!.uid!, o);
          change = { type: 'added', kind: o.kind, object: o.object };
        } else if (action === 1) {
          const o = r.pick(all);
          const object = mutate(r, cluster, o);
          cluster.objects.set(o.object.metadata!.uid!, { kind: o.kind, object });
          change = { type: 'modified', kind: o.kind, object, previous: o.object };
        } else {
          const o = r.pick(all);
          cluster.objects.delete(o.object.metadata!.uid!);
          change = { type: 'deleted', kind: o.kind, object: o.object };
        }
        changes++;
        const routed = new Set<(typeof views)[number]>();
        router.route(change, 'c', routed);
        views.forEach((v, i) => {
          const altered = signature(v.locator, cluster) !== before[i];
          if (altered) {
            altering++;
            expect(
              routed.has(v),
              `seed ${seed} step ${step}: ${change.type} ${change.kind} alters ${v.locator.ref}`,
            ).toBe(true);
          } else if (routed.has(v)) routedNeedlessly++;
        });
        routings += routed.size;
        // As the engine does: only the views a change was routed to are recomputed.
        for (const v of routed) refresh(v);
      }
    }
    expect(altering).toBeGreaterThan(changes / 4);
    // A superset is allowed (those views are recomputed for nothing), but rarely.
    expect(routedNeedlessly / routings).toBeLessThan(0.25);
  });

  it('a modification that keeps the selection key keeps what every view holds', () => {
    let kept = 0;
    let changedKey = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = createRandom(`keeps:${seed}`);
      const cluster = new Cluster();
      for (let i = 0; i < 40; i++) {
        const o = randomObject(r, cluster);
        cluster.objects.set(o.object.metadata!.uid!, o);
      }
      const views = locators();
      const held = () =>
        views.map((v) =>
          selectServiceObjects(v.locator, cluster)
            .map((o) => `${o.kind}/${o.object.metadata?.uid}`)
            .sort()
            .join(','),
        );
      for (let step = 0; step < 60; step++) {
        const o = r.pick([...cluster.objects.values()]);
        // Half the time what status or replicas changes (most of a fleet's churn), half what
        // mutate changes (labels, owners, selectors, targets, template).
        const object =
          r.int(0, 1) === 0
            ? ({ ...structuredClone(o.object), status: { observed: r.int(0, 1000) } } as KubeObject)
            : mutate(r, cluster, o);
        const before = held();
        cluster.objects.set(o.object.metadata!.uid!, { kind: o.kind, object });
        if (selectionKey(o.kind, o.object) !== selectionKey(o.kind, object)) {
          changedKey++;
          continue;
        }
        kept++;
        expect(held(), `seed ${seed} step ${step}: ${o.kind} kept its key`).toEqual(before);
      }
    }
    // Both branches were exercised.
    expect(kept).toBeGreaterThan(500);
    expect(changedKey).toBeGreaterThan(500);
  });
});
