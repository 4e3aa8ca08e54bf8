import { describe, expect, it } from 'vitest';
import { clusterStatus } from '../../src/services/status.ts';
import type { ClusterState } from '../../src/services/types.ts';

const base: ClusterState = { cluster: 'eu-1', region: 'eu', status: 'synced', counts: {}, kinds: {} };

describe('clusterStatus', () => {
  it('says nothing is wrong with a synced cluster, and carries its region and version', () => {
    expect(clusterStatus({ ...base, version: 'v1.36.3' })).toEqual({
      cluster: 'eu-1',
      region: 'eu',
      status: 'synced',
      version: 'v1.36.3',
      errors: [],
    });
  });

  it('names a cluster without a region as unknown', () => {
    const { region: _r, ...noRegion } = base;
    expect(clusterStatus(noRegion).region).toBe('unknown');
  });

  it('gives a stale cluster one error with its reason and keeps since and message beside the status', () => {
    const s = clusterStatus({
      ...base,
      status: 'stale',
      reason: 'unauthorized',
      since: '2026-01-01T00:00:00Z',
      message: 'token expired',
    });
    expect(s).toMatchObject({ status: 'stale', reason: 'unauthorized', since: '2026-01-01T00:00:00Z' });
    expect(s.errors).toEqual([{ type: 'unauthorized', message: 'token expired' }]);
  });

  it('reports a cluster that forbids every kind once per kind, not again as a whole', () => {
    const s = clusterStatus({
      ...base,
      status: 'stale',
      reason: 'forbidden',
      message: 'every kind is forbidden',
      kinds: {
        Pod: { status: 'forbidden', count: 0, message: 'pods is forbidden' },
        Deployment: { status: 'forbidden', count: 0, message: 'deployments is forbidden' },
      },
    });
    expect(s.errors).toEqual([
      { type: 'forbidden', kind: 'Pod', message: 'pods is forbidden' },
      { type: 'forbidden', kind: 'Deployment', message: 'deployments is forbidden' },
    ]);
  });

  it('keeps only the kinds a result depends on when asked', () => {
    const s = clusterStatus(
      {
        ...base,
        kinds: {
          Pod: { status: 'forbidden', count: 0 },
          HorizontalPodAutoscaler: { status: 'forbidden', count: 0 },
        },
      },
      ['HorizontalPodAutoscaler'],
    );
    expect(s.errors.map((e) => e.kind)).toEqual(['HorizontalPodAutoscaler']);
  });

  it('says a syncing cluster is still loading', () => {
    expect(clusterStatus({ ...base, status: 'syncing' }).errors).toEqual([
      { type: 'syncing', message: 'cluster eu-1 is still loading its first state' },
    ]);
  });
});
