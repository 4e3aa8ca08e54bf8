// Views asked for again are served from the last one built until a change is routed to them: a
// change to another service leaves the kept view (and its JSON) as it was, a change to this
// service's objects or a cluster's state is seen by the next request.
import { locateService, type ServiceView } from '@portolan/core/services/index';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { crashLoop, deployment, engineOverFakes, FakeCluster, pod, waitFor } from './fake-client.ts';

const entity = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name },
});

let engine: KubernetesEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('kept service views', () => {
  it('are reused until something routed to them changes', async () => {
    const fakes = new Map([['eu-1', new FakeCluster()]]);
    const f = fakes.get('eu-1')!;
    engine = engineOverFakes(fakes, { config: { streamDebounceMs: 20 }, region: () => 'eu' });
    const checkout = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    const cart = f.put('Deployment', deployment('cart', 'pay', { app: 'cart' }));
    f.put('Pod', pod('checkout-0', 'pay', checkout));
    await engine.start();
    await engine.waitForSync();
    const loc = locateService(entity('checkout'));
    const first = engine.view(loc);
    const json = engine.viewJson(loc);
    expect(JSON.parse(json)).toEqual(first);
    // Another service's pod changes: the kept view is served as it was.
    f.put('Pod', pod('cart-0', 'pay', cart));
    await waitFor(() => (engine!.cluster('eu-1')?.store('Pod')?.size ?? 0) === 2);
    expect(engine.view(loc)).toBe(first);
    expect(engine.viewJson(loc)).toBe(json);
    // Its own pod changes: the next request sees it.
    f.put('Pod', pod('checkout-1', 'pay', checkout));
    await waitFor(() => engine!.view(loc).clusters[0]!.items[0]!.pods.length === 2);
    expect(JSON.parse(engine.viewJson(loc)).clusters[0].items[0].pods).toHaveLength(2);
    // A cluster's state changes (it goes down): every kept view is rebuilt.
    const before = engine.view(loc);
    f.down = true;
    f.dropWatches();
    await waitFor(() => engine!.clusters()[0]!.status === 'stale');
    const after = engine.view(loc);
    expect(after).not.toBe(before);
    expect(after.clusters[0]!.status).toBe('stale');
  });

  it("show a pod's new status, and are not rebuilt for an Event, which they do not show", async () => {
    const fakes = new Map([['eu-1', new FakeCluster()]]);
    const f = fakes.get('eu-1')!;
    engine = engineOverFakes(fakes, { config: { streamDebounceMs: 20 }, region: () => 'eu' });
    const checkout = f.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    const p0 = f.put('Pod', pod('checkout-0', 'pay', checkout));
    f.put('Pod', pod('checkout-1', 'pay', checkout));
    await engine.start();
    await engine.waitForSync();
    const loc = locateService(entity('checkout'));
    expect(engine.view(loc).summary.readyPods).toBe(2);
    engine.viewJson(loc);
    // The same pod, crash-looping: what the view holds is the same, what it shows is not.
    f.put('Pod', crashLoop(p0));
    await waitFor(() => engine!.view(loc).summary.readyPods === 1);
    const view = engine.view(loc);
    const pods = view.clusters[0]!.items[0]!.pods;
    expect(pods.map((p) => [p.name, p.ready, p.restarts])).toEqual([
      ['checkout-0', false, 7],
      ['checkout-1', true, 0],
    ]);
    expect(engine.viewJson(loc)).toBe(JSON.stringify(view));
    f.put('Event', {
      metadata: { name: 'checkout-0.1', namespace: 'pay', uid: 'ev-1' },
      involvedObject: { kind: 'Pod', name: 'checkout-0', namespace: 'pay', uid: p0.metadata!.uid },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      lastTimestamp: new Date().toISOString(),
    } as never);
    await waitFor(() => (engine!.cluster('eu-1')?.store('Event')?.size ?? 0) === 1);
    expect(engine.view(loc)).toBe(view);
    // A pod added is a change of what the view holds: the service is selected again.
    f.put('Pod', pod('checkout-2', 'pay', checkout));
    await waitFor(() => engine!.view(loc).summary.pods === 3);
  });

  it('rebuild only the part of the cluster where something changed', async () => {
    const fakes = new Map([
      ['eu-1', new FakeCluster()],
      ['us-1', new FakeCluster()],
    ]);
    const eu = fakes.get('eu-1')!;
    const us = fakes.get('us-1')!;
    engine = engineOverFakes(fakes, { config: { streamDebounceMs: 20 }, region: (c) => c.slice(0, 2) });
    const inEu = eu.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    const inUs = us.put('Deployment', deployment('checkout', 'pay', { app: 'checkout' }));
    eu.put('Deployment', deployment('cart', 'pay', { app: 'cart' }));
    eu.put('Pod', pod('checkout-0', 'pay', inEu));
    us.put('Pod', pod('checkout-0', 'pay', inUs));
    await engine.start();
    await engine.waitForSync();
    const loc = locateService(entity('checkout'));
    const part = (v: ServiceView, c: string) => v.clusters.find((x) => x.cluster === c)!;
    const first = engine.view(loc);
    expect(first.summary.pods).toBe(2);
    expect(engine.viewJson(loc)).toBe(JSON.stringify(first));
    // A pod of the service starts in eu-1: the view has it, and us-1's part is the one it had.
    eu.put('Pod', pod('checkout-1', 'pay', inEu));
    await waitFor(() => engine!.view(loc).summary.pods === 3);
    const second = engine.view(loc);
    expect(
      part(second, 'eu-1')
        .items[0]!.pods.map((p) => p.name)
        .sort(),
    ).toEqual(['checkout-0', 'checkout-1']);
    expect(part(second, 'us-1')).toBe(part(first, 'us-1'));
    // Made from us-1's kept text and eu-1's new one, the JSON is what serialising the view gives.
    expect(engine.viewJson(loc)).toBe(JSON.stringify(second));
    // us-1 goes down: its part says so, eu-1's is the one it had.
    us.down = true;
    us.dropWatches();
    await waitFor(() => engine!.clusters().find((c) => c.cluster === 'us-1')?.status === 'stale');
    const third = engine.view(loc);
    expect(part(third, 'us-1').status).toBe('stale');
    expect(part(third, 'us-1').items[0]!.pods).toHaveLength(1);
    expect(part(third, 'eu-1')).toBe(part(second, 'eu-1'));
    expect(third.summary.pods).toBe(3);
    // Services with nothing in a cluster share that cluster's part, whatever their number.
    const cart = engine.view(locateService(entity('cart')));
    const none = engine.view(locateService(entity('nowhere')));
    expect(part(cart, 'us-1').items).toEqual([]);
    expect(part(cart, 'us-1')).toBe(part(none, 'us-1'));
    expect(part(cart, 'eu-1').items.map((w) => w.name)).toEqual(['cart']);
    expect(part(none, 'eu-1').items).toEqual([]);
  });
});
