// Smoke test of the real test fleet (test/cluster): on every cluster, real controllers turn a
// Deployment into a ReplicaSet and Running pods, roll out a new image, react to a crash loop;
// Portolan's RBAC identities get exactly what they should; an apiserver survives a crash.
// Needs a running fleet: `npm run fleet -- up 3` (the integration tier starts one itself).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  ApiException,
  DiscoveryV1Api,
  RbacAuthorizationV1Api,
  type V1Deployment,
  type V1Pod,
  VersionApi,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appsApi,
  autoscalingApi,
  coreApi,
  fleetClusters,
  fleetKubeconfigPath,
  killApiserver,
  kubeConfigFor,
  makeCrashLoop,
  mergePatch,
  setHpaStatus,
  startApiserver,
  waitFor,
} from '../cluster/helpers.ts';

if (!existsSync(fleetKubeconfigPath())) {
  throw new Error(
    `no test fleet kubeconfig at ${fleetKubeconfigPath()}: start one with \`npm run fleet -- up 3\` ` +
      'or set PORTOLAN_FLEET_KUBECONFIG',
  );
}

const clusters = fleetClusters();
const namespace = `smoke-${randomBytes(3).toString('hex')}`;
const labels = { app: 'web', 'app.kubernetes.io/part-of': 'smoke' };

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

const deploymentDone = (d: V1Deployment, image: string) =>
  (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
  d.spec?.template.spec?.containers[0]?.image === image &&
  d.status?.updatedReplicas === d.spec?.replicas &&
  d.status?.availableReplicas === d.spec?.replicas &&
  d.status?.replicas === d.spec?.replicas;

async function runningPods(context: string, image: string): Promise<V1Pod[] | undefined> {
  const pods = await coreApi(context).listNamespacedPod({ namespace, labelSelector: 'app=web' });
  const running = pods.items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.phase === 'Running' &&
      p.spec?.containers[0]?.image === image &&
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return running.length === 2 && running.length === pods.items.length ? running : undefined;
}

describe('the real test fleet', () => {
  beforeAll(async () => {
    await Promise.all(
      clusters.map(async (cluster) => {
        await coreApi(cluster).createNamespace({ body: { metadata: { name: namespace } } });
        await waitFor(`${cluster}: ServiceAccount ${namespace}/default`, () =>
          coreApi(cluster)
            .readNamespacedServiceAccount({ name: 'default', namespace })
            .then(() => true),
        );
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(
      clusters.map((cluster) =>
        coreApi(cluster)
          .deleteNamespace({ name: namespace })
          .catch(() => undefined),
      ),
    );
  });

  it('has at least three clusters, each serving its pinned Kubernetes release', async () => {
    expect(clusters.length).toBeGreaterThanOrEqual(3);
    expect(clusters.slice(0, 3)).toEqual(['eu-west-1', 'us-east-1', 'asia-1']);
    for (const cluster of clusters) {
      const version = await kubeConfigFor(cluster).makeApiClient(VersionApi).getCode();
      expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
      expect(version.major).toBe('1');
    }
  });

  it('turns a Deployment into a ReplicaSet and Running pods, with a Service and an HPA', async () => {
    await Promise.all(
      clusters.map(async (cluster) => {
        const apps = appsApi(cluster);
        const deployment = await apps.createNamespacedDeployment({
          namespace,
          body: {
            metadata: { name: 'web', labels },
            spec: {
              replicas: 2,
              selector: { matchLabels: { app: 'web' } },
              template: {
                metadata: { labels },
                spec: {
                  containers: [
                    {
                      name: 'web',
                      image: 'example.test/web:1.0',
                      ports: [{ containerPort: 8080 }],
                      resources: { requests: { cpu: '100m', memory: '64Mi' } },
                    },
                  ],
                },
              },
            },
          },
        });
        await coreApi(cluster).createNamespacedService({
          namespace,
          body: {
            metadata: { name: 'web', labels },
            spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
          },
        });
        await autoscalingApi(cluster).createNamespacedHorizontalPodAutoscaler({
          namespace,
          body: {
            metadata: { name: 'web', labels },
            spec: {
              scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
              minReplicas: 2,
              maxReplicas: 6,
              metrics: [
                {
                  type: 'Resource',
                  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
                },
              ],
            },
          },
        });

        const replicaSet = await waitFor(`${cluster}: ReplicaSet of web`, async () => {
          const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
          return list.items.find((rs) => rs.metadata?.ownerReferences?.[0]?.uid === deployment.metadata?.uid);
        });
        const pods = await waitFor(`${cluster}: 2 Running pods of web`, () =>
          runningPods(cluster, 'example.test/web:1.0'),
        );
        const nodes = (await coreApi(cluster).listNode()).items.map((n) => n.metadata?.name);
        for (const pod of pods) {
          expect(pod.metadata?.ownerReferences?.[0]?.uid).toBe(replicaSet.metadata?.uid);
          expect(nodes).toContain(pod.spec?.nodeName);
          expect(pod.status?.podIP).toBeTruthy();
        }
        // The real EndpointSlice controller publishes the ready pods behind the Service.
        const discovery = kubeConfigFor(cluster).makeApiClient(DiscoveryV1Api);
        await waitFor(`${cluster}: EndpointSlice of web with 2 ready endpoints`, async () => {
          const slices = await discovery.listNamespacedEndpointSlice({
            namespace,
            labelSelector: 'kubernetes.io/service-name=web',
          });
          const ready = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
          return ready.length === 2 ? true : undefined;
        });
      }),
    );
  });

  it('rolls out a new image through the real Deployment controller', async () => {
    await Promise.all(
      clusters.map(async (cluster) => {
        const apps = appsApi(cluster);
        const before = await apps.readNamespacedDeployment({ name: 'web', namespace });
        await apps.replaceNamespacedDeployment({
          name: 'web',
          namespace,
          body: {
            ...before,
            spec: {
              ...before.spec!,
              template: {
                ...before.spec!.template,
                spec: {
                  ...before.spec!.template.spec!,
                  containers: [
                    { ...before.spec!.template.spec!.containers[0]!, image: 'example.test/web:1.1' },
                  ],
                },
              },
            },
          },
        });
        const after = await waitFor(`${cluster}: rollout of web:1.1`, async () => {
          const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
          return deploymentDone(d, 'example.test/web:1.1') ? d : undefined;
        });
        expect(after.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe(
          'NewReplicaSetAvailable',
        );
        const replicaSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
        expect(replicaSets.items).toHaveLength(2);
        const old = replicaSets.items.find(
          (rs) => rs.spec?.template?.spec?.containers[0]?.image === 'example.test/web:1.0',
        );
        expect(old?.spec?.replicas).toBe(0);
        await waitFor(`${cluster}: 2 Running pods of web:1.1`, () =>
          runningPods(cluster, 'example.test/web:1.1'),
        );
      }),
    );
  });

  it('gives the portolan identity read access to what Portolan shows and nothing more', async () => {
    await Promise.all(
      clusters.map(async (cluster) => {
        const reader = `${cluster}-portolan`;
        expect(await statusOf(coreApi(reader).listNamespacedPod({ namespace }))).toBe(200);
        expect(await statusOf(appsApi(reader).listDeploymentForAllNamespaces())).toBe(200);
        expect(
          await statusOf(autoscalingApi(reader).listNamespacedHorizontalPodAutoscaler({ namespace })),
        ).toBe(200);
        expect(await statusOf(coreApi(reader).listNamespacedSecret({ namespace }))).toBe(403);
        expect(await statusOf(coreApi(reader).listNamespacedConfigMap({ namespace }))).toBe(403);
        expect(await statusOf(coreApi(reader).deleteNamespacedPod({ name: 'nope', namespace }))).toBe(403);
        expect(
          await statusOf(kubeConfigFor(reader).makeApiClient(RbacAuthorizationV1Api).listClusterRole()),
        ).toBe(403);

        const limited = `${cluster}-portolan-limited`;
        expect(await statusOf(coreApi(limited).listNamespacedPod({ namespace }))).toBe(200);
        expect(
          await statusOf(autoscalingApi(limited).listNamespacedHorizontalPodAutoscaler({ namespace })),
        ).toBe(403);

        expect(await statusOf(coreApi(`${cluster}-badtoken`).listNamespacedPod({ namespace }))).toBe(401);
      }),
    );
  });

  it('keeps an HPA status written through the status subresource', async () => {
    const cluster = clusters[0]!;
    await setHpaStatus(
      { context: cluster, namespace, name: 'web' },
      {
        currentReplicas: 2,
        desiredReplicas: 4,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: 140, averageValue: '140m' } },
          },
        ],
        conditions: [{ type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' }],
      },
    );
    const hpa = await autoscalingApi(`${cluster}-portolan`).readNamespacedHorizontalPodAutoscaler({
      name: 'web',
      namespace,
    });
    expect(hpa.status?.desiredReplicas).toBe(4);
    expect(hpa.status?.currentMetrics?.[0]?.resource?.current.averageUtilization).toBe(140);
    expect(hpa.status?.conditions?.[0]?.reason).toBe('DesiredWithinRange');
  });

  it('reports a crash-looping pod, and the real controllers count it unavailable', async () => {
    await Promise.all(
      clusters.map(async (cluster) => {
        const pods = await coreApi(cluster).listNamespacedPod({ namespace, labelSelector: 'app=web' });
        const victim = pods.items[0]!.metadata!.name!;
        await makeCrashLoop({ context: cluster, namespace, name: victim }, { restarts: 7, exitCode: 2 });

        const pod = await coreApi(`${cluster}-portolan`).readNamespacedPod({ name: victim, namespace });
        const status = pod.status?.containerStatuses?.[0];
        expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
        expect(status?.restartCount).toBe(7);
        expect(status?.lastState?.terminated?.exitCode).toBe(2);
        expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

        await waitFor(`${cluster}: web counted 1 unavailable`, async () => {
          const d = await appsApi(cluster).readNamespacedDeployment({ name: 'web', namespace });
          return d.status?.availableReplicas === 1 && d.status.unavailableReplicas === 1 ? true : undefined;
        });
        const events = await coreApi(`${cluster}-portolan`).listNamespacedEvent({
          namespace,
          fieldSelector: `involvedObject.name=${victim},reason=BackOff`,
        });
        expect(events.items).toHaveLength(1);
      }),
    );
  });

  it('survives an apiserver crash: same port, same objects once it is back', async () => {
    const cluster = clusters[0]!;
    const other = clusters[1]!;
    const before = await appsApi(cluster).readNamespacedDeployment({ name: 'web', namespace });

    await killApiserver(cluster);
    await expect(appsApi(cluster).readNamespacedDeployment({ name: 'web', namespace })).rejects.toThrow();
    // One cluster down leaves the others serving.
    expect((await appsApi(other).readNamespacedDeployment({ name: 'web', namespace })).metadata?.name).toBe(
      'web',
    );

    await startApiserver(cluster);
    const after = await appsApi(cluster).readNamespacedDeployment({ name: 'web', namespace });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('example.test/web:1.1');
    const pods = await coreApi(cluster).listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(
      pods.items.some((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff'),
    ).toBe(true);
    // Controllers reconnect: a scale-up after the restart is carried out.
    await appsApi(cluster).patchNamespacedDeploymentScale(
      { name: 'web', namespace, body: { spec: { replicas: 3 } } },
      mergePatch,
    );
    await waitFor(`${cluster}: web scaled to 3 after the restart`, async () => {
      const d = await appsApi(cluster).readNamespacedDeployment({ name: 'web', namespace });
      return d.status?.replicas === 3 && d.status.availableReplicas === 2 ? true : undefined;
    });
  });
});
