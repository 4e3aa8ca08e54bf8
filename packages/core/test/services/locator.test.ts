import { describe, expect, it } from 'vitest';
import { normalizeRef } from '../../src/catalog/ref.ts';
import type { KubeObject, WatchedKind } from '../../src/k8s/types.ts';
import { type CatalogEntity, entityRef, locateService } from '../../src/services/locator.ts';
import { type ObjectSource, selectServiceObjects } from '../../src/services/objects.ts';

const entity = (name: string, annotations?: Record<string, string>): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, ...(annotations ? { annotations } : {}) },
});

describe('locateService', () => {
  it('prefers the label-selector annotation', () => {
    const loc = locateService(
      entity('checkout', {
        'backstage.io/kubernetes-label-selector': 'team=pay,app in (checkout,cart)',
        'backstage.io/kubernetes-id': 'ignored',
      }),
    );
    expect(loc.source).toBe('label-selector');
    expect(loc.selectors).toHaveLength(1);
    expect(loc.ref).toBe('component:default/checkout');
  });
  it('uses backstage.io/kubernetes-id as the label of the same name', () => {
    const loc = locateService(entity('checkout', { 'backstage.io/kubernetes-id': 'co' }));
    expect(loc.selectors).toEqual([[{ key: 'backstage.io/kubernetes-id', operator: '=', values: ['co'] }]]);
  });
  it('reads several namespaces', () => {
    const loc = locateService(entity('checkout', { 'backstage.io/kubernetes-namespace': 'pay, shop ,' }));
    expect(loc.namespaces).toEqual(['pay', 'shop']);
  });
  it('falls back to the standard labels matching the entity name', () => {
    const loc = locateService(entity('checkout'));
    expect(loc.source).toBe('standard-labels');
    expect(loc.selectors.map((s) => s[0]?.key)).toEqual([
      'app.kubernetes.io/name',
      'app.kubernetes.io/part-of',
      'app',
    ]);
  });
  it('normalises refs with the catalog parser', () => {
    expect(normalizeRef('Checkout', { defaultKind: 'component' })).toBe('component:default/checkout');
    expect(normalizeRef('Component:Pay/Checkout', { defaultKind: 'component' })).toBe(
      'component:pay/checkout',
    );
    expect(entityRef({ kind: 'Group', metadata: { name: 'Team-A' } })).toBe('group:default/team-a');
  });
});

function source(objects: { kind: WatchedKind; object: KubeObject }[]): ObjectSource {
  const of = (kind: WatchedKind) => objects.filter((o) => o.kind === kind).map((o) => o.object);
  return {
    all: of,
    byNamespace: (kind, ns) => of(kind).filter((o) => o.metadata?.namespace === ns),
    byLabel: (kind, key, value) => of(kind).filter((o) => o.metadata?.labels?.[key] === value),
    byOwner: (kind, uid) => of(kind).filter((o) => o.metadata?.ownerReferences?.some((r) => r.uid === uid)),
  };
}

describe('selectServiceObjects', () => {
  const meta = (name: string, uid: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, namespace: 'pay', uid, ...extra },
  });
  const objects: { kind: WatchedKind; object: KubeObject }[] = [
    {
      kind: 'Deployment',
      object: {
        ...meta('checkout', 'd1', { labels: { app: 'checkout' } }),
        spec: { template: { metadata: { labels: { app: 'checkout', tier: 'web' } } } },
      } as KubeObject,
    },
    {
      kind: 'ReplicaSet',
      object: meta('checkout-abc', 'rs1', { ownerReferences: [{ uid: 'd1', kind: 'Deployment' }] }),
    },
    // The pod carries no service label: it is found through its owner chain.
    {
      kind: 'Pod',
      object: meta('checkout-abc-1', 'p1', { ownerReferences: [{ uid: 'rs1', kind: 'ReplicaSet' }] }),
    },
    { kind: 'Pod', object: meta('other-1', 'p2', { labels: { app: 'other' } }) },
    {
      kind: 'HorizontalPodAutoscaler',
      object: {
        ...meta('checkout', 'h1'),
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'checkout' } },
      } as KubeObject,
    },
    {
      kind: 'Service',
      object: { ...meta('checkout', 's1'), spec: { selector: { tier: 'web' } } } as KubeObject,
    },
    {
      kind: 'Service',
      object: { ...meta('other', 's2'), spec: { selector: { app: 'other' } } } as KubeObject,
    },
    {
      kind: 'Ingress',
      object: {
        ...meta('checkout', 'i1'),
        spec: { rules: [{ host: 'x', http: { paths: [{ backend: { service: { name: 'checkout' } } }] } }] },
      } as KubeObject,
    },
    { kind: 'Event', object: { ...meta('ev1', 'e1'), involvedObject: { uid: 'p1' } } as KubeObject },
    { kind: 'Event', object: { ...meta('ev2', 'e2'), involvedObject: { uid: 'p2' } } as KubeObject },
  ];
  it('follows owners, scale targets, selectors, backends and events', () => {
    const got = selectServiceObjects(locateService(entity('checkout')), source(objects));
    expect(got.map((o) => `${o.kind}/${o.object.metadata?.name}`).sort()).toEqual([
      'Deployment/checkout',
      'Event/ev1',
      'HorizontalPodAutoscaler/checkout',
      'Ingress/checkout',
      'Pod/checkout-abc-1',
      'ReplicaSet/checkout-abc',
      'Service/checkout',
    ]);
  });
  it('honours the namespace restriction', () => {
    const loc = locateService(entity('checkout', { 'backstage.io/kubernetes-namespace': 'elsewhere' }));
    expect(selectServiceObjects(loc, source(objects))).toEqual([]);
  });
  it('works for a selector that cannot use an index', () => {
    const loc = locateService(
      entity('x', { 'backstage.io/kubernetes-label-selector': 'app notin (other),app' }),
    );
    expect(
      selectServiceObjects(loc, source(objects)).some((o) => o.object.metadata?.name === 'checkout'),
    ).toBe(true);
  });
});
