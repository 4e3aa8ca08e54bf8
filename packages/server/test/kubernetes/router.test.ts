import type { KubeObject, WatchedKind } from '@portolan/core';
import { emptyFootprint, locateService } from '@portolan/core/services/index';
import { describe, expect, it } from 'vitest';
import { ChangeRouter } from '../../src/kubernetes/router.ts';
import type { Change } from '../../src/kubernetes/store.ts';

const view = (name: string, annotations?: Record<string, string>) => ({
  locator: locateService({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, ...(annotations ? { annotations } : {}) },
  }),
});
const change = (kind: WatchedKind, object: Record<string, unknown>): Change => ({
  type: 'modified',
  kind,
  object: object as KubeObject,
});
const routed = <S extends { locator: unknown }>(router: ChangeRouter<never>, c: Change) => {
  const out = new Set<S>();
  router.route(c, 'eu', out as never);
  return out;
};

describe('ChangeRouter', () => {
  const checkout = view('checkout');
  const cart = view('cart');
  const scan = view('odd', { 'backstage.io/kubernetes-label-selector': 'tier notin (db)' });
  const router = new ChangeRouter<typeof checkout>();
  for (const v of [checkout, cart, scan]) router.add(v);
  const fp = emptyFootprint();
  fp.uids.add('rs-1');
  fp.workloads.add('pay/Deployment/checkout');
  fp.serviceNames.add('pay/checkout');
  fp.templates.set('pay', [{ app: 'checkout', tier: 'web' }]);
  router.update(checkout, 'eu', fp);
  const r = (c: Change) => routed(router as never, c);

  it('routes by selector labels, owner uid, HPA target, Service selector and Ingress backend', () => {
    expect(
      r(change('Deployment', { metadata: { namespace: 'pay', labels: { app: 'checkout', tier: 'db' } } })),
    ).toEqual(new Set([checkout]));
    expect(
      r(
        change('Pod', {
          metadata: { namespace: 'pay', ownerReferences: [{ uid: 'rs-1' }], labels: { tier: 'db' } },
        }),
      ),
    ).toEqual(new Set([checkout]));
    expect(
      r(
        change('HorizontalPodAutoscaler', {
          metadata: { namespace: 'pay', labels: { tier: 'db' } },
          spec: { scaleTargetRef: { kind: 'Deployment', name: 'checkout' } },
        }),
      ),
    ).toEqual(new Set([checkout]));
    expect(
      r(
        change('Service', {
          metadata: { namespace: 'pay', labels: { tier: 'db' } },
          spec: { selector: { tier: 'web' } },
        }),
      ),
    ).toEqual(new Set([checkout]));
    expect(
      r(
        change('Ingress', {
          metadata: { namespace: 'pay', labels: { tier: 'db' } },
          spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'checkout' } } }] } }] },
        }),
      ),
    ).toEqual(new Set([checkout]));
  });

  it('routes events by the object they are about, and unrelated changes nowhere but to scanning views', () => {
    expect(r(change('Event', { metadata: { namespace: 'pay' }, involvedObject: { uid: 'rs-1' } }))).toEqual(
      new Set([checkout]),
    );
    expect(r(change('Pod', { metadata: { namespace: 'other', labels: { app: 'else' } } }))).toEqual(
      new Set([scan]),
    );
    expect(
      r(change('Pod', { metadata: { namespace: 'other', labels: { app: 'else', tier: 'db' } } })),
    ).toEqual(new Set());
  });

  it("looks up what a view holds in the change's cluster only; its selector's labels in every cluster", () => {
    const owned = change('Pod', {
      metadata: { namespace: 'pay', ownerReferences: [{ uid: 'rs-1' }], labels: { tier: 'db' } },
    });
    const inUs = new Set();
    router.route(owned, 'us', inUs as never);
    expect(inUs).toEqual(new Set());
    const labelled = change('Pod', {
      metadata: { namespace: 'pay', labels: { app: 'checkout', tier: 'db' } },
    });
    router.route(labelled, 'us', inUs as never);
    expect(inUs).toEqual(new Set([checkout]));
    // A view told it holds nothing in eu any more is no longer routed changes of its old objects.
    const again = new ChangeRouter<typeof checkout>();
    again.add(checkout);
    again.update(checkout, 'eu', fp);
    again.update(checkout, 'eu', emptyFootprint());
    const out = new Set();
    again.route(owned, 'eu', out as never);
    expect(out).toEqual(new Set());
  });

  it('forgets a view after delete', () => {
    router.delete(checkout);
    expect(
      r(change('Pod', { metadata: { ownerReferences: [{ uid: 'rs-1' }], labels: { tier: 'db' } } })),
    ).toEqual(new Set());
  });
});
