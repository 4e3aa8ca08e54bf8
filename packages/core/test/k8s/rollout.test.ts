import { describe, expect, it } from 'vitest';
import { evaluateHealth } from '../../src/health/index.ts';
import { rolloutOf } from '../../src/k8s/rollout.ts';
import type { Deployment, StatefulSet } from '../../src/k8s/types.ts';
import { buildServiceView } from '../../src/services/view.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function deployment(spec: Deployment['spec'], status: Deployment['status'], generation = 2): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', uid: 'd1', generation, labels: { app: 'web' } },
    spec: {
      replicas: 3,
      ...spec,
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } },
    },
    status,
  };
}

describe('the rollout judgement (as kubectl rollout status)', () => {
  it.each([
    [
      'the new spec is not observed yet',
      {},
      { observedGeneration: 1 },
      'progressing',
      'observe the new spec',
    ],
    [
      'replicas not all updated',
      {},
      { observedGeneration: 2, updatedReplicas: 1, replicas: 4 },
      'progressing',
      '1 of 3 replicas updated',
    ],
    [
      'old replicas pending termination',
      {},
      { observedGeneration: 2, updatedReplicas: 3, replicas: 4 },
      'progressing',
      '1 old replicas pending termination',
    ],
    [
      'updated replicas not yet available',
      {},
      { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 },
      'progressing',
      '2 of 3 updated replicas available',
    ],
    [
      'everything updated and available',
      {},
      { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 },
      'complete',
      undefined,
    ],
    [
      'paused',
      { paused: true },
      { observedGeneration: 2, updatedReplicas: 1, replicas: 4 },
      'paused',
      undefined,
    ],
  ] as const)('%s', (_name, spec, status, state, message) => {
    const r = rolloutOf('Deployment', deployment(spec, status));
    expect(r.state).toBe(state);
    if (message) expect(r.message).toContain(message);
  });

  it('says failed when the progress deadline passed', () => {
    const r = rolloutOf(
      'Deployment',
      deployment(
        {},
        {
          observedGeneration: 2,
          updatedReplicas: 1,
          replicas: 4,
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
          ],
        },
      ),
    );
    expect(r).toMatchObject({ state: 'failed', message: 'too slow', updating: true });
  });

  it('counts a partitioned StatefulSet done once the ordinals above the partition are updated', () => {
    const st: StatefulSet = {
      metadata: { name: 'db', namespace: 'shop', generation: 3 },
      spec: { replicas: 5, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 3 } } },
      status: {
        observedGeneration: 3,
        replicas: 5,
        readyReplicas: 5,
        updatedReplicas: 2,
        currentRevision: 'db-1',
        updateRevision: 'db-2',
      },
    };
    expect(rolloutOf('StatefulSet', st)).toEqual({ state: 'complete', updating: false });
    st.status!.updatedReplicas = 1;
    expect(rolloutOf('StatefulSet', st)).toMatchObject({ state: 'progressing', updating: true });
  });

  // The service page's pill and the findings read the same judgement: whenever a finding says a
  // rollout is in progress, the pill beside it says so too.
  it('never lets the pill say complete beside a finding that says rolling out', () => {
    const values = [0, 1, 2, 3, 4];
    let checked = 0;
    for (const observedGeneration of [1, 2])
      for (const replicas of values)
        for (const updatedReplicas of values)
          for (const availableReplicas of values)
            for (const reason of [undefined, 'ReplicaSetUpdated', 'NewReplicaSetAvailable']) {
              const d = deployment(
                {},
                {
                  observedGeneration,
                  replicas,
                  updatedReplicas,
                  availableReplicas,
                  readyReplicas: availableReplicas,
                  ...(reason ? { conditions: [{ type: 'Progressing', status: 'True', reason }] } : {}),
                },
              );
              const findings = evaluateHealth([{ cluster: 'c1', kind: 'Deployment', object: d }], NOW);
              const view = buildServiceView({
                ref: 'component:default/web',
                name: 'web',
                now: NOW,
                clusters: [
                  {
                    state: { cluster: 'c1', status: 'synced', counts: {}, kinds: {} },
                    objects: [{ kind: 'Deployment', object: d }],
                  },
                ],
              });
              const pill = view.clusters[0]!.items[0]!.rollout.state;
              if (findings.some((f) => f.rule === 'deployment-rollout')) expect(pill).toBe('progressing');
              if (pill === 'complete')
                expect(findings.map((f) => f.rule)).not.toContain('deployment-rollout');
              checked++;
            }
    expect(checked).toBe(2 * 5 * 5 * 5 * 3);
  });
});
