import { describe, expect, it } from 'vitest';
import { type FollowedPod, nextPodToFollow, workloadOfPod } from '../../src/services/follow.ts';
import type { ContainerView, PodView, ServiceView } from '../../src/services/types.ts';

const NOW = '2026-03-01T12:00:00Z';

function pod(name: string, over: Partial<PodView> = {}, container: Partial<ContainerView> = {}): PodView {
  return {
    name,
    namespace: 'shop',
    phase: 'Running',
    ready: true,
    readyContainers: '1/1',
    restarts: container.restarts ?? 0,
    terminating: false,
    createdAt: '2026-03-01T11:00:00Z',
    containers: [{ name: 'app', image: 'app:1', ready: true, restarts: 0, state: 'running', ...container }],
    ...over,
  };
}

/** A view with the checkout Deployment in eu-1 (and a same-named one in us-1) holding `pods`. */
function view(pods: PodView[], usPods: PodView[] = []): ServiceView {
  const workload = (ps: PodView[]) => ({ kind: 'Deployment', name: 'checkout', namespace: 'shop', pods: ps });
  return {
    generatedAt: NOW,
    clusters: [
      {
        cluster: 'eu-1',
        items: [workload(pods), { kind: 'Deployment', name: 'other', namespace: 'shop', pods: [] }],
      },
      { cluster: 'us-1', items: [workload(usPods)] },
    ],
  } as unknown as ServiceView;
}

const followed: FollowedPod = {
  cluster: 'eu-1',
  namespace: 'shop',
  workload: { kind: 'Deployment', name: 'checkout' },
  pod: 'checkout-a',
  restarts: 0,
};

describe('workloadOfPod', () => {
  it('finds the workload listing the pod in that cluster only', () => {
    const v = view([pod('checkout-a')], [pod('checkout-us')]);
    expect(workloadOfPod(v, 'eu-1', 'shop', 'checkout-a')?.name).toBe('checkout');
    expect(workloadOfPod(v, 'eu-1', 'shop', 'checkout-us')).toBeUndefined();
    expect(workloadOfPod(v, 'eu-1', 'other-ns', 'checkout-a')).toBeUndefined();
  });
});

describe('nextPodToFollow', () => {
  it('waits while the ended pod is still there and its container has not run again', () => {
    expect(nextPodToFollow(view([pod('checkout-a'), pod('checkout-b')]), followed)).toBeUndefined();
    const waiting = pod('checkout-a', { ready: false }, { restarts: 1, state: 'waiting' });
    expect(nextPodToFollow(view([waiting, pod('checkout-b')]), followed)).toBeUndefined();
  });

  it('follows the same pod again once its container restarted in place and runs', () => {
    const restarted = pod(
      'checkout-a',
      {},
      { restarts: 1, state: 'running', lastTerminationReason: 'OOMKilled' },
    );
    expect(nextPodToFollow(view([restarted, pod('checkout-b')]), followed)).toEqual({
      pod: 'checkout-a',
      restarts: 1,
      replaced: false,
    });
  });

  it('reads the named container, not the first, for restarts', () => {
    const p = pod('checkout-a');
    p.containers.push({ name: 'sidecar', image: 's:1', ready: true, restarts: 2, state: 'running' });
    expect(nextPodToFollow(view([p]), { ...followed, container: 'sidecar', restarts: 1 })).toMatchObject({
      pod: 'checkout-a',
      restarts: 2,
    });
    expect(nextPodToFollow(view([p]), { ...followed, restarts: 0 })).toBeUndefined();
  });

  it('moves to the newest pod of the workload in the same cluster once the pod is gone', () => {
    const v = view(
      [
        pod('checkout-b', { createdAt: '2026-03-01T10:00:00Z' }),
        pod('checkout-c', { createdAt: '2026-03-01T11:59:00Z' }, { restarts: 3 }),
      ],
      [pod('checkout-us', { createdAt: '2026-03-01T11:59:59Z' })],
    );
    expect(nextPodToFollow(v, followed)).toEqual({ pod: 'checkout-c', restarts: 3, replaced: true });
  });

  it('waits for a replacement still starting rather than passing over it for an older pod', () => {
    const older = pod('checkout-b', { createdAt: '2026-03-01T10:00:00Z' });
    const starting = pod(
      'checkout-d',
      { createdAt: '2026-03-01T11:59:30Z', phase: 'Pending' },
      { state: 'waiting' },
    );
    expect(nextPodToFollow(view([older, starting]), followed)).toBeUndefined();
    const started = { ...starting, phase: 'Running' };
    started.containers = [{ ...starting.containers[0]!, state: 'running' }];
    expect(nextPodToFollow(view([older, started]), followed)?.pod).toBe('checkout-d');
  });

  it('treats a terminating or evicted pod as gone, and never follows one', () => {
    const newer = pod('checkout-b', { createdAt: '2026-03-01T11:59:00Z' });
    const evicted = pod('checkout-a', { phase: 'Failed', reason: 'Evicted' }, { state: 'terminated' });
    expect(nextPodToFollow(view([evicted, newer]), followed)?.pod).toBe('checkout-b');
    const terminating = pod('checkout-a', { terminating: true });
    const otherTerminating = pod('checkout-z', { terminating: true, createdAt: '2026-03-01T11:59:59Z' });
    expect(nextPodToFollow(view([terminating, otherTerminating, newer]), followed)?.pod).toBe('checkout-b');
  });

  it('orders by age when the view carries ages instead of creation times', () => {
    const old = pod('checkout-b', { createdAt: undefined, ageSeconds: 3600 });
    const young = pod('checkout-c', { createdAt: undefined, ageSeconds: 5 });
    expect(nextPodToFollow(view([old, young]), followed)?.pod).toBe('checkout-c');
  });

  it('waits when no other pod runs yet, or the workload is not in the view', () => {
    expect(nextPodToFollow(view([]), followed)).toBeUndefined();
    const starting = pod('checkout-b', { phase: 'Pending' }, { state: 'waiting' });
    expect(nextPodToFollow(view([starting]), followed)).toBeUndefined();
    expect(
      nextPodToFollow(view([pod('checkout-b')]), {
        ...followed,
        workload: { kind: 'StatefulSet', name: 'checkout' },
      }),
    ).toBeUndefined();
  });
});
