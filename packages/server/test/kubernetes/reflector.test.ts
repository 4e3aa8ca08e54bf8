// The reflector's reconnect timing, judged by its injected clock, under fake timers: no real
// sleeps, and a clock that can jump while the timers stand still.
import { KIND_INFO } from '@portolan/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Reflector, type ReflectorState } from '../../src/kubernetes/reflector.ts';
import { KindStore } from '../../src/kubernetes/store.ts';
import { createInterner } from '../../src/kubernetes/trim.ts';
import { FakeCluster } from './fake-client.ts';

let reflector: Reflector | undefined;
beforeEach(() => {
  // Only the timers are fake: Date.now() stays real, so a test that passes proves the reflector
  // judged time by the clock it was given.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(async () => {
  await reflector?.stop();
  reflector = undefined;
  vi.useRealTimers();
});

function start(fake: FakeCluster, clock: { now: number }) {
  const states: ReflectorState[] = [];
  reflector = new Reflector({
    client: fake,
    kind: KIND_INFO.Pod,
    store: new KindStore({ kind: 'Pod', indexLabels: [] }),
    intern: createInterner(),
    pageSize: 100,
    onChanges: () => {},
    onState: (s) => states.push(s),
    // No jitter: each delay is exactly initialMs * 2^attempt.
    backoff: { initialMs: 1000, maxMs: 60_000 },
    random: () => 1,
    now: () => clock.now,
  });
  reflector.start();
  return states;
}

/** Advances the fake timers by `ms` and lets the reflector's promise chains run. */
async function elapse(ms: number) {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('reflector reconnects', () => {
  it('backs off on connections that drop at once, and starts over after one that lasted', async () => {
    const fake = new FakeCluster();
    const clock = { now: 1_000_000 };
    const states = start(fake, clock);
    await elapse(0);
    expect(fake.watchCalls).toBe(1);

    fake.dropWatches(); // lasted 0 s: wait 1 s
    await elapse(999);
    expect(fake.watchCalls).toBe(1);
    expect(states.at(-1)).toMatchObject({ status: 'stale', reason: 'unreachable' });
    await elapse(1);
    expect(fake.watchCalls).toBe(2);
    expect(states.at(-1)).toEqual({ status: 'synced' });

    fake.dropWatches(); // lasted 0 s again: wait 2 s
    await elapse(1999);
    expect(fake.watchCalls).toBe(2);
    await elapse(1);
    expect(fake.watchCalls).toBe(3);

    // The clock says this watch lasted 31 s (the timers did not move): the backoff starts over.
    clock.now += 31_000;
    fake.dropWatches();
    await elapse(1000);
    expect(fake.watchCalls).toBe(4);
    // Every reconnect resumed from the list's resourceVersion, never relisting.
    expect(fake.listCalls).toBe(1);
  });

  it('retries after 401 only when authRetryMs has passed', async () => {
    const fake = new FakeCluster();
    fake.unauthorized = true;
    const states = start(fake, { now: 0 });
    await elapse(0);
    expect(states.at(-1)).toMatchObject({ status: 'stale', reason: 'unauthorized' });
    const calls = fake.listCalls;
    await elapse(59_999); // the default authRetryMs is 60 s
    expect(fake.listCalls).toBe(calls);
    fake.unauthorized = false;
    await elapse(1);
    expect(fake.listCalls).toBe(calls + 1);
    expect(states.at(-1)).toEqual({ status: 'synced' });
  });
});
