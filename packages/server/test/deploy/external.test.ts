import type { ClusterObject } from '@portolan/core';
import type { CatalogEntity } from '@portolan/core/services/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { ExternalRecorder } from '../../src/deploy/external.ts';
import { DeployService } from '../../src/deploy/service.ts';
import { listDeployments } from '../../src/deploy/store/listDeployments.ts';
import { ServiceResolver } from '../../src/services/resolver.ts';
import { deployment } from '../kubernetes/fake-client.ts';

const entity: CatalogEntity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', namespace: 'default' },
  spec: { owner: 'group:default/payments', type: 'service', lifecycle: 'production' },
};
const images = new Map([
  ['eu-1', 'reg/pay/checkout:1.0.0'],
  ['us-1', 'reg/pay/checkout:1.0.0'],
]);
const live = {
  clusters: () => [...images.keys()].map((cluster) => ({ cluster })),
  objectsFor: (): ClusterObject[] =>
    [...images].map(([cluster, image]) => ({
      cluster,
      kind: 'Deployment' as const,
      object: deployment('checkout', 'pay', { app: 'checkout' }, image),
    })),
};

let db: Database;
beforeEach(async () => {
  db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
});
afterEach(() => db.destroy());

describe('external deployments', () => {
  it('records an image change no deployment made, once, as a completed external deployment', async () => {
    const catalog = {
      getEntity: async () => entity,
      listOwnedBy: async () => [entity],
      listAll: async () => [entity],
    };
    const resolver = new ServiceResolver({
      catalog,
      discovery: {
        discover: () => [],
        discoveredLocator: () => {
          throw new Error('none');
        },
      },
    });
    const recorder = new ExternalRecorder({ db, live, resolver, intervalMs: 1000 });
    expect(await recorder.scan()).toBe(0); // the baseline
    images.set('us-1', 'reg/pay/checkout:1.0.1');
    expect(await recorder.scan()).toBe(1);
    expect(await recorder.scan()).toBe(0);
    const [d] = await listDeployments({ db });
    expect(d?.state).toMatchObject({
      service: 'component:default/checkout',
      status: 'completed',
      external: true,
      requestedBy: 'external',
      request: { images: { main: 'reg/pay/checkout:1.0.1' } },
    });
    expect(d?.state.plan?.clusters.map((c) => c.cluster)).toEqual(['us-1']);

    // A change a Portolan deployment planned is that deployment's, not an external one.
    const deploys = new DeployService({ db, live, resolver });
    await deploys.request('checkout', { version: '1.2.0', reason: 'r', clusters: ['eu-1'] }, 'alice');
    images.set('eu-1', 'reg/pay/checkout:1.2.0');
    expect(await recorder.scan()).toBe(0);
    expect(await listDeployments({ db })).toHaveLength(2);
  });
});
