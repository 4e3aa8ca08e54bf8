// Views asked for again are served from the last one built until a change is routed to them: a
// change to another service leaves the kept view (and its JSON) as it was, a change to this
// service's objects or a cluster's state is seen by the next request.
import { locateService } from '@portolan/core/services/index';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import { deployment, engineOverFakes, FakeCluster, pod, waitFor } from './fake-client.ts';

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
});
