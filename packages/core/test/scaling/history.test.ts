import { describe, expect, it } from 'vitest';
import { alignSeries, ReplicaHistory } from '../../src/scaling/history.ts';

const H = 3600_000;

describe('ReplicaHistory', () => {
  it('keeps only changes of current or desired replicas, oldest first', () => {
    const h = new ReplicaHistory();
    h.record('eu-1', 'shop', 'web', { at: 1000, current: 2, desired: 2 });
    h.record('eu-1', 'shop', 'web', { at: 2000, current: 2, desired: 2 });
    h.record('eu-1', 'shop', 'web', { at: 3000, current: 2, desired: 4 });
    h.record('eu-1', 'shop', 'web', { at: 4000, current: 4, desired: 4 });
    h.record('us-1', 'shop', 'web', { at: 4000, current: 9, desired: 9 });
    expect(h.series('eu-1', 'shop', 'web', 5000)?.points).toEqual([
      { at: 1000, current: 2, desired: 2 },
      { at: 3000, current: 2, desired: 4 },
      { at: 4000, current: 4, desired: 4 },
    ]);
    expect(h.series('us-1', 'shop', 'web', 5000)?.points).toEqual([{ at: 4000, current: 9, desired: 9 }]);
    expect(h.series('eu-1', 'shop', 'other', 5000)).toBeUndefined();
  });

  it('drops points older than the window but keeps the value in force at its start', () => {
    const h = new ReplicaHistory({ windowMs: 6 * H });
    h.record('c', 'ns', 'web', { at: 0, current: 3, desired: 3 });
    h.record('c', 'ns', 'web', { at: 1 * H, current: 5, desired: 5 });
    h.record('c', 'ns', 'web', { at: 7 * H, current: 6, desired: 6 });
    // At 8 h the window starts at 2 h: 5 replicas were running then.
    expect(h.series('c', 'ns', 'web', 8 * H)?.points).toEqual([
      { at: 2 * H, current: 5, desired: 5 },
      { at: 7 * H, current: 6, desired: 6 },
    ]);
  });

  it('is bounded: points per HPA and HPAs overall, forgetting the least recently changed', () => {
    const h = new ReplicaHistory({ maxPoints: 3, maxSeries: 2 });
    for (let i = 0; i < 10; i++) h.record('c', 'ns', 'web', { at: i, current: i, desired: i });
    expect(h.series('c', 'ns', 'web', 10)?.points.map((p) => p.current)).toEqual([7, 8, 9]);
    h.record('c', 'ns', 'api', { at: 10, current: 1, desired: 1 });
    h.record('c', 'ns', 'web', { at: 11, current: 2, desired: 2 });
    h.record('c', 'ns', 'db', { at: 12, current: 1, desired: 1 });
    expect(h.size).toBe(2);
    expect(h.series('c', 'ns', 'api', 12)).toBeUndefined();
    expect(h.series('c', 'ns', 'web', 12)?.points.at(-1)?.current).toBe(2);
  });

  it('never rewrites the past: an older state replayed after a relist is ignored', () => {
    const h = new ReplicaHistory();
    h.record('c', 'ns', 'web', { at: 2000, current: 4, desired: 4 });
    h.record('c', 'ns', 'web', { at: 1000, current: 3, desired: 3 });
    h.record('c', 'ns', 'web', { at: 3000, current: Number.NaN, desired: 3 });
    expect(h.series('c', 'ns', 'web', 4000)?.points).toEqual([{ at: 2000, current: 4, desired: 4 }]);
  });
});

describe('alignSeries', () => {
  it('puts step series on one time axis, each holding its value until it changes, up to now', () => {
    const p = (at: number, current: number) => ({ at, current, desired: current });
    const { at, values } = alignSeries(
      [{ points: [p(10, 2), p(30, 4)] }, { points: [p(20, 5)] }, { points: [] }],
      40,
    );
    expect(at).toEqual([10, 20, 30, 40]);
    expect(values).toEqual([
      [2, 2, 4, 4],
      [null, 5, 5, 5],
      [null, null, null, null],
    ]);
  });
});
