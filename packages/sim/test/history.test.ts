import { deliveryMetrics, deliveryRecord, foldDeployment } from '@portolan/core/deploy/index';
import { describe, expect, it } from 'vitest';
import { generateDeployHistory, type HistoryService } from '../src/fleet/history.ts';

const NOW = Date.parse('2025-06-02T12:00:00Z');
const services: HistoryService[] = Array.from({ length: 60 }, (_, i) => ({
  ref: `component:default/svc-${i}`,
  name: `svc-${i}`,
  clusters: [
    { name: 'eu-west-1a', region: 'eu-west-1' },
    { name: 'eu-west-1b', region: 'eu-west-1' },
    { name: 'us-east-1a', region: 'us-east-1' },
  ].slice(0, 1 + (i % 3)),
  repository: `registry.example/team/svc-${i}`,
  version: '1.4.0',
}));

describe('the demo’s deploy history', () => {
  const history = generateDeployHistory({ seed: 7, services, now: NOW });
  const states = history.map((d) => ({ id: d.id, state: foldDeployment(d.events) }));

  it('is the same for the same seed, and different for another', () => {
    expect(generateDeployHistory({ seed: 7, services, now: NOW })).toEqual(history);
    expect(generateDeployHistory({ seed: 8, services, now: NOW })).not.toEqual(history);
  });

  it('covers twelve weeks, every deployment ended, bad versions failed and rolled back', () => {
    const times = history.map((d) => Date.parse(d.events[0]?.at ?? ''));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(NOW - 12 * 7 * 86_400_000);
    expect(Math.max(...times)).toBeLessThan(NOW);
    expect(new Set(history.map((d) => d.id)).size).toBe(history.length);
    for (const { state } of states) {
      expect(['completed', 'failed', 'cancelled']).toContain(state.status);
      if (state.request?.version?.includes('bad')) expect(state.status).toBe('failed');
      if (state.status === 'failed')
        expect(state.clusters.filter((c) => c.changedAt).every((c) => c.status === 'rolled-back')).toBe(true);
    }
  });

  it('gives delivery charts real shapes: several deploys a week, some failures, lead times', () => {
    const m = deliveryMetrics(
      states.map((s) => deliveryRecord(s.id, s.state)),
      { since: NOW - 12 * 7 * 86_400_000, until: NOW },
    );
    expect(m.weeks).toHaveLength(13);
    expect(m.deploymentsPerWeek).toBeGreaterThan(60 * 0.5);
    expect(m.changeFailRate).toBeGreaterThan(0.03);
    expect(m.changeFailRate).toBeLessThan(0.25);
    expect(m.leadTime.medianSeconds).toBeGreaterThan(3600);
    expect(m.recoveryTime.count).toBeGreaterThan(0);
  });
});
