// Builders for the deploy tests: a service's workloads and pods in a few clusters.
import type { ClusterObject, Deployment, KubeObject, Pod } from '../../src/k8s/types.ts';

export const REPO = 'registry.example.com/pay/checkout';

export function deployment(
  name: string,
  images: Record<string, string>,
  opts: {
    namespace?: string;
    replicas?: number;
    generation?: number;
    observed?: number;
    status?: Deployment['status'];
  } = {},
): Deployment {
  const replicas = opts.replicas ?? 2;
  const generation = opts.generation ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: opts.namespace ?? 'pay',
      uid: `uid-${name}`,
      generation,
      labels: { app: 'checkout' },
    },
    spec: {
      replicas,
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: { containers: Object.entries(images).map(([n, image]) => ({ name: n, image })) },
      },
    },
    status: opts.status ?? {
      observedGeneration: opts.observed ?? generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    },
  };
}

/** The same Deployment after a patch to new images: a new generation the controller has not seen. */
export function patched(d: Deployment, images: Record<string, string>): Deployment {
  const generation = (d.metadata?.generation ?? 1) + 1;
  const replicas = d.spec?.replicas ?? 1;
  return {
    ...d,
    metadata: { ...d.metadata, generation },
    spec: {
      ...d.spec,
      template: {
        ...d.spec?.template,
        spec: { containers: Object.entries(images).map(([n, image]) => ({ name: n, image })) },
      },
    },
    status: {
      observedGeneration: generation - 1,
      replicas,
      updatedReplicas: 0,
      readyReplicas: replicas,
      availableReplicas: replicas,
    },
  };
}

/** The Deployment once its rollout is complete. */
export function rolledOut(d: Deployment): Deployment {
  const replicas = d.spec?.replicas ?? 1;
  return {
    ...d,
    status: {
      observedGeneration: d.metadata?.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    },
  };
}

export function pod(
  name: string,
  images: Record<string, string>,
  state: 'running' | 'crash-loop' = 'running',
  namespace = 'pay',
): Pod {
  const started = '2025-01-01T00:00:00Z';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      creationTimestamp: started,
      labels: { app: 'checkout' },
    },
    spec: { containers: Object.entries(images).map(([n, image]) => ({ name: n, image })) },
    status: {
      phase: 'Running',
      startTime: started,
      conditions: [{ type: 'Ready', status: state === 'running' ? 'True' : 'False' }],
      containerStatuses: Object.entries(images).map(([n, image]) =>
        state === 'running'
          ? { name: n, image, ready: true, restartCount: 0, state: { running: { startedAt: started } } }
          : {
              name: n,
              image,
              ready: false,
              restartCount: 7,
              state: {
                waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
              },
              lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: started } },
            },
      ),
    },
  };
}

export function tag(cluster: string, kind: ClusterObject['kind'], object: KubeObject): ClusterObject {
  return { cluster, kind, object } as ClusterObject;
}
