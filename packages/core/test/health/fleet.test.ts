import { describe, expect, it } from 'vitest';
import type { ClusterObject } from '../../src/health/index.ts';
import type { Deployment } from '../../src/k8s/types.ts';
import { rulesOf, run } from './fixtures.ts';

function deploy(
  cluster: string,
  image: string,
  ready = 6,
  o: { replicas?: number; rolling?: boolean } = {},
): ClusterObject {
  const replicas = o.replicas ?? 6;
  const object: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', generation: 4 },
    spec: {
      replicas,
      template: {
        spec: {
          containers: [
            { name: 'app', image },
            { name: 'envoy', image: 'envoyproxy/envoy:v1.31.2' },
          ],
        },
      },
    },
    status: {
      observedGeneration: 4,
      replicas: o.rolling ? replicas + 2 : replicas,
      updatedReplicas: o.rolling ? 2 : replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: o.rolling ? 'ReplicaSetUpdated' : 'NewReplicaSetAvailable',
        },
      ],
    },
  };
  return { cluster, kind: 'Deployment', object };
}

const V1 = 'registry.example.com/shop/web:1.4.2';
const V2 = 'registry.example.com/shop/web:1.5.0';

const cases: { name: string; objects: ClusterObject[]; expect: string[]; clusters?: string[] }[] = [
  {
    name: 'same image everywhere',
    objects: [deploy('eu-1', V1), deploy('eu-2', V1), deploy('us-1', V1)],
    expect: [],
  },
  {
    name: 'one cluster left behind',
    objects: [deploy('eu-1', V2), deploy('eu-2', V2), deploy('us-1', V1)],
    expect: ['version-drift:warning'],
    clusters: ['us-1'],
  },
  {
    name: 'drift during a rollout is expected',
    objects: [deploy('eu-1', V2), deploy('eu-2', V2, 6, { rolling: true }), deploy('us-1', V1)],
    expect: ['deployment-rollout:info'],
  },
  {
    name: 'two clusters, two images: no majority, both reported',
    objects: [deploy('eu-1', V2), deploy('us-1', V1)],
    expect: ['version-drift:warning', 'version-drift:warning'],
    clusters: ['eu-1', 'us-1'],
  },
  {
    name: 'a single cluster has no peers',
    objects: [deploy('eu-1', V1, 0)],
    expect: ['deployment-unavailable:critical'],
  },
  {
    name: 'one cluster with far fewer ready replicas',
    objects: [
      deploy('eu-1', V1, 12, { replicas: 12 }),
      deploy('eu-2', V1, 10, { replicas: 10 }),
      deploy('us-1', V1, 3, { replicas: 3 }),
    ],
    expect: ['replica-imbalance:warning'],
    clusters: ['us-1'],
  },
  {
    name: 'a cluster with no ready replicas while peers serve',
    objects: [
      deploy('eu-1', V1, 8, { replicas: 8 }),
      deploy('eu-2', V1, 8, { replicas: 8 }),
      deploy('us-1', V1, 0, { replicas: 8 }),
    ],
    expect: ['deployment-unavailable:critical', 'replica-imbalance:critical'],
    clusters: ['us-1'],
  },
  {
    name: 'small differences are not imbalance',
    objects: [
      deploy('eu-1', V1, 6),
      deploy('eu-2', V1, 5, { replicas: 5 }),
      deploy('us-1', V1, 4, { replicas: 4 }),
    ],
    expect: [],
  },
];

describe('cross-cluster rules', () => {
  it.each(cases)('$name', (c) => {
    const findings = run(c.objects);
    expect(rulesOf(findings)).toEqual([...c.expect].sort());
    if (c.clusters) {
      const fleet = findings.filter((f) => f.rule === 'version-drift' || f.rule === 'replica-imbalance');
      expect(fleet.map((f) => f.object.cluster).sort()).toEqual(c.clusters);
    }
  });

  it('carries the images of every cluster as evidence', () => {
    const [f] = run([deploy('eu-1', V2), deploy('eu-2', V2), deploy('us-1', V1)]);
    expect(f?.evidence.details?.imagesByCluster).toEqual({
      'eu-1': `app=${V2} envoy=envoyproxy/envoy:v1.31.2`,
      'eu-2': `app=${V2} envoy=envoyproxy/envoy:v1.31.2`,
      'us-1': `app=${V1} envoy=envoyproxy/envoy:v1.31.2`,
    });
  });
});
