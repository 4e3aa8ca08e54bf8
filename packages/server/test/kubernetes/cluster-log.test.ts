// What an operator reads in the log when a cluster goes away and comes back: one line per change
// of its condition, with the reason, however many retries fail in between.
import { KIND_INFO, WATCHED_KINDS } from '@portolan/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubernetesEngine } from '../../src/kubernetes/engine.ts';
import type { Logger } from '../../src/log.ts';
import { engineOverFakes, FakeCluster, waitFor } from './fake-client.ts';

interface Line {
  level: 'info' | 'warn' | 'error';
  msg: string | undefined;
  fields: Record<string, unknown>;
}

function recorder(): Logger & { lines: Line[]; about(cluster: string): Line[] } {
  const lines: Line[] = [];
  const at =
    (level: Line['level']) =>
    (fields: object, msg?: string): void => {
      lines.push({ level, msg, fields: fields as Record<string, unknown> });
    };
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    // Only the cluster condition lines (not "watching cluster" and the like).
    about: (cluster) => lines.filter((l) => l.fields.cluster === cluster && /^cluster /.test(l.msg ?? '')),
  };
}

let engine: KubernetesEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('cluster condition in the log', () => {
  it('logs unreachable once across many failed retries, then back with how long it was stale', async () => {
    const fake = new FakeCluster();
    const log = recorder();
    engine = engineOverFakes(new Map([['eu-1', fake]]), {
      tuning: { backoff: { initialMs: 2, maxMs: 5 } },
      logger: log,
    });
    await engine.start();
    await engine.waitForSync();
    expect(log.about('eu-1').map((l) => [l.level, l.msg])).toEqual([['info', 'cluster synced']]);

    fake.down = true;
    fake.dropWatches();
    const before = fake.watchCalls;
    // Every kind's watch fails again and again (12 kinds, retrying every few ms)...
    await waitFor(() => fake.watchCalls > before + 60);
    // ...and the log says it once, with the reason and the API server's words.
    const down = log.about('eu-1').slice(1);
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({
      level: 'warn',
      msg: 'cluster unreachable',
      fields: { reason: 'unreachable', message: expect.stringContaining('ECONNREFUSED') },
    });

    fake.down = false;
    await waitFor(() => engine!.clusters()[0]!.status === 'synced');
    await waitFor(() => log.about('eu-1').length === 3);
    expect(log.about('eu-1')[2]).toMatchObject({
      level: 'info',
      msg: 'cluster back',
      fields: { after: 'unreachable', staleSeconds: expect.any(Number) },
    });
  });

  it('logs unauthorized, a change of reason, and forbidden kinds by name', async () => {
    const fake = new FakeCluster();
    fake.unauthorized = true;
    const log = recorder();
    engine = engineOverFakes(new Map([['us-1', fake]]), {
      tuning: { backoff: { initialMs: 2, maxMs: 5 }, authRetryMs: 5 },
      logger: log,
    });
    await engine.start();
    await waitFor(() => fake.listCalls > 60);
    expect(log.about('us-1').map((l) => [l.level, l.msg, l.fields.reason])).toEqual([
      ['warn', 'cluster unauthorized', 'unauthorized'],
    ]);

    // The credentials are fixed, but RBAC still lacks two kinds: back, naming what to grant.
    fake.forbidden.add('horizontalpodautoscalers');
    fake.forbidden.add('ingresses');
    fake.unauthorized = false;
    await waitFor(() => log.about('us-1').length === 2);
    const back = log.about('us-1')[1]!;
    expect(back).toMatchObject({ level: 'warn', msg: 'cluster back; 2 kind(s) forbidden' });
    expect(Object.keys(back.fields.forbidden as object).sort()).toEqual([
      'HorizontalPodAutoscaler',
      'Ingress',
    ]);
    expect(JSON.stringify(back.fields.forbidden)).toMatch(/grant get, list, watch on ingresses/);

    // Forbidden kinds retry too; that alone logs nothing more.
    const calls = fake.listCalls;
    await waitFor(() => fake.listCalls > calls + 10);
    expect(log.about('us-1')).toHaveLength(2);
  });

  it('logs a cluster that forbids every kind once, as forbidden', async () => {
    const fake = new FakeCluster();
    for (const kind of WATCHED_KINDS) fake.forbidden.add(KIND_INFO[kind].plural);
    const log = recorder();
    engine = engineOverFakes(new Map([['ap-1', fake]]), {
      tuning: { authRetryMs: 5 },
      logger: log,
    });
    await engine.start();
    await waitFor(() => fake.listCalls > 40);
    expect(log.about('ap-1').map((l) => [l.level, l.msg])).toEqual([['warn', 'cluster forbidden']]);
  });
});
