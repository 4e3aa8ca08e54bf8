// The decision cache and the access checks over a fake review function (the real clusters'
// answers are tested on the test fleet, test/integration/kubernetes-identity.int.test.ts).
import { checkForKind, writeChecks } from '@portolan/core/auth/kubernetes';
import type { Subject } from '@portolan/core/auth/policy';
import { ForbiddenError } from '@portolan/core/errors';
import { describe, expect, it } from 'vitest';
import { KubernetesAccess } from '../../src/auth/kubernetes/access.ts';
import { DecisionCache } from '../../src/auth/kubernetes/cache.ts';
import type { AccessReview } from '../../src/kubernetes/client.ts';

describe('DecisionCache', () => {
  it('answers from memory until the TTL, then asks again', async () => {
    let now = 0;
    const cache = new DecisionCache<boolean>({ ttlMs: 30_000, maxEntries: 10, now: () => now });
    let asked = 0;
    const ask = async () => {
      asked++;
      return true;
    };
    await cache.getOrAsk('k', ask);
    now = 29_999;
    await cache.getOrAsk('k', ask);
    expect(asked).toBe(1);
    now = 30_000;
    await cache.getOrAsk('k', ask);
    expect(asked).toBe(2);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new DecisionCache<number>({ ttlMs: 1000, maxEntries: 2, now: () => 0 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('asks once for concurrent questions, and keeps no failure', async () => {
    const cache = new DecisionCache<boolean>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    let asked = 0;
    const slow = () =>
      new Promise<boolean>((resolve) => {
        asked++;
        setTimeout(() => resolve(true), 5);
      });
    await Promise.all([cache.getOrAsk('k', slow), cache.getOrAsk('k', slow)]);
    expect(asked).toBe(1);
    await expect(cache.getOrAsk('x', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.getOrAsk('x', async () => false)).toBe(false);
  });
});

describe('KubernetesAccess', () => {
  const alice: Subject = {
    type: 'user',
    ref: 'user:default/alice',
    groups: ['group:default/payments'],
    owns: [],
  };
  function access(allow: (r: AccessReview, cluster: string) => boolean | Error) {
    let now = 0;
    const asked: string[] = [];
    const a = new KubernetesAccess({
      settings: { username: 'email', usernamePrefix: 'oidc:', groups: 'catalog', groupPrefix: 'g:' },
      review: async (cluster, r) => {
        asked.push(`${cluster} ${r.user} [${r.groups.join(',')}] ${r.verb} ${r.resource} ${r.namespace}`);
        const answer = allow(r, cluster);
        if (answer instanceof Error) throw answer;
        return { allowed: answer };
      },
      emailOf: async (ref) => (ref === 'user:default/alice' ? 'alice@example.com' : undefined),
      ttlMs: 30_000,
      maxEntries: 100,
      now: () => now,
    });
    return { a, asked, tick: (ms: number) => (now += ms) };
  }

  it('asks each cluster as the mapped user, and caches per user, cluster, verb, resource and namespace', async () => {
    const { a, asked, tick } = access((r) => r.resource !== 'pods');
    const checks = [
      checkForKind('eu', 'list', 'Pod', 'pay'),
      checkForKind('eu', 'list', 'Deployment', 'pay'),
    ];
    const first = await a.denials(alice, checks);
    expect(first.list.map((d) => d.message)).toEqual([
      'your Kubernetes permissions do not allow list pods in namespace pay on cluster eu',
    ]);
    expect(asked).toEqual([
      'eu oidc:alice@example.com [g:payments] list pods pay',
      'eu oidc:alice@example.com [g:payments] list deployments pay',
    ]);
    for (let i = 0; i < 10; i++) await a.denials(alice, checks);
    expect(a.reviews).toBe(2);
    await a.denials(alice, [
      checkForKind('us', 'list', 'Pod', 'pay'),
      checkForKind('eu', 'list', 'Pod', 'other'),
    ]);
    expect(a.reviews).toBe(4);
    tick(30_000);
    await a.denials(alice, checks);
    expect(a.reviews).toBe(6);
  });

  it('denies, saying why, when the user has no Kubernetes name or the cluster cannot answer', async () => {
    const { a, asked } = access((_r, cluster) =>
      cluster === 'down' ? new Error('connect ECONNREFUSED') : true,
    );
    const nomail: Subject = { type: 'user', ref: 'user:default/nomail', groups: [], owns: [] };
    const d = await a.denials(nomail, [checkForKind('eu', 'list', 'Pod', 'pay')]);
    expect(d.list[0]?.message).toContain('has no email');
    expect(asked).toEqual([]);
    const down = await a.denials(alice, [checkForKind('down', 'list', 'Pod', 'pay')]);
    expect(down.list[0]?.message).toContain('could not be asked: connect ECONNREFUSED');
  });

  it('does not check subjects without a Kubernetes identity of their own', async () => {
    const { a, asked } = access(() => false);
    for (const s of [{ type: 'guest' }, { type: 'local' }, { type: 'deploy-token' }] as Subject[])
      expect((await a.denials(s, [checkForKind('eu', 'list', 'Pod', 'pay')])).empty).toBe(true);
    expect(asked).toEqual([]);
  });

  it('refuses a write with a 403 naming cluster, verb and resource', async () => {
    const { a } = access((r) => r.verb !== 'patch');
    const checks = writeChecks([
      { cluster: 'eu', kind: 'Deployment', object: { metadata: { namespace: 'pay' } } },
    ]);
    const error = await a.require(alice, checks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).message).toBe(
      'your Kubernetes permissions do not allow patch deployments.apps in namespace pay on cluster eu',
    );
    expect((error as ForbiddenError).context).toMatchObject({
      permission: 'kubernetes: patch deployments.apps',
      cluster: 'eu',
      namespace: 'pay',
      verb: 'patch',
      resource: 'deployments.apps',
    });
  });
});
