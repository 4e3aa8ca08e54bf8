// What a freshly started cluster needs before tests can use it, and the check that it is ready:
// fake nodes for kwok, Portolan's RBAC, and one pod that really gets scheduled and runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  loadAllYaml,
  RbacAuthorizationV1Api,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1CustomResourceDefinition,
  type V1Node,
} from '@kubernetes/client-node';
import { waitFor } from './processes.ts';
import { repoRoot } from './state.ts';

export const NODES_PER_CLUSTER = 3;
/** What each fake node offers: enough for the smoke test and benchmarks, finite for unschedulable tests. */
export const NODE_ALLOCATABLE = { cpu: '16', memory: '64Gi', pods: '110' };
export const READER_ROLE_FILE = join(repoRoot, 'deploy', 'kubernetes', 'portolan-reader.yaml');
export const NAMESPACED_ROLE_FILE = join(repoRoot, 'deploy', 'kubernetes', 'portolan-reader-namespaced.yaml');
const KWOK_LOGS_CRD_FILE = join(repoRoot, 'test', 'cluster', 'kwok-logs-crd.yaml');

function adminConfig(kubeconfigPath: string, cluster: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  kc.setCurrentContext(cluster);
  return kc;
}

/** Registers kwok's `Logs` kind and waits until the apiserver serves it. */
export async function installKwokLogsKind(kubeconfigPath: string, cluster: string): Promise<void> {
  const api = adminConfig(kubeconfigPath, cluster).makeApiClient(ApiextensionsV1Api);
  const crd = loadAllYaml(readFileSync(KWOK_LOGS_CRD_FILE, 'utf8'))[0] as V1CustomResourceDefinition;
  await api.createCustomResourceDefinition({ body: crd });
  await waitFor(`${cluster}: ${crd.metadata!.name} established`, async () => {
    const current = await api.readCustomResourceDefinition({ name: crd.metadata!.name! });
    return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
      ? true
      : undefined;
  });
}

function fakeNode(cluster: string, index: number): V1Node {
  const name = `${cluster}-node-${index}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      // kwok manages only nodes with this annotation (see --manage-nodes-with-annotation-selector).
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/worker': '',
        'topology.kubernetes.io/region': cluster,
        'topology.kubernetes.io/zone': `${cluster}${'abcdefgh'[index % 8]}`,
        type: 'kwok',
      },
    },
    spec: {},
    status: { allocatable: NODE_ALLOCATABLE, capacity: NODE_ALLOCATABLE },
  };
}

/** The reader role minus horizontalpodautoscalers, for tests of partial permissions. */
export function limitedRole(reader: V1ClusterRole): V1ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'portolan-reader-limited' },
    rules: (reader.rules ?? [])
      .map((rule) => ({
        ...rule,
        resources: rule.resources?.filter((r) => r !== 'horizontalpodautoscalers'),
      }))
      .filter((rule) => (rule.resources?.length ?? 0) > 0),
  };
}

type Rbac = { role: V1ClusterRole; binding: V1ClusterRoleBinding };

/** The reader role and its binding, and the access-review role (per-user identity) and its binding. */
export function readerRbac(): { reader: Rbac; accessReview: Rbac } {
  const docs = loadAllYaml(readFileSync(READER_ROLE_FILE, 'utf8')) as Array<{
    kind?: string;
    metadata?: { name?: string };
  }>;
  const pair = (name: string): Rbac => {
    const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata?.name === name);
    const binding = docs.find((d) => d.kind === 'ClusterRoleBinding' && d.metadata?.name === name);
    if (!role || !binding)
      throw new Error(`${READER_ROLE_FILE} must hold a ClusterRole and a ClusterRoleBinding named ${name}`);
    return { role: role as V1ClusterRole, binding: binding as V1ClusterRoleBinding };
  };
  return { reader: pair('portolan-reader'), accessReview: pair('portolan-access-review') };
}

const isReady = (node: V1Node) =>
  node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true &&
  !(node.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'));

/** Creates nodes and RBAC, then waits until nodes are Ready and a pod gets scheduled and Running. */
export async function prepareCluster(kubeconfigPath: string, cluster: string): Promise<void> {
  const kc = adminConfig(kubeconfigPath, cluster);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);

  for (let i = 0; i < NODES_PER_CLUSTER; i++) await core.createNode({ body: fakeNode(cluster, i) });

  const { reader, accessReview } = readerRbac();
  const { role } = reader;
  // The fleet's `portolan` user may also ask SubjectAccessReviews, for the per-user identity tests.
  for (const { role: r, binding: b } of [reader, accessReview]) {
    await rbac.createClusterRole({ body: r });
    await rbac.createClusterRoleBinding({ body: b });
  }
  const limited = limitedRole(role);
  await rbac.createClusterRole({ body: limited });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'portolan-reader-limited' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: limited.metadata!.name! },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'portolan-limited' }],
    },
  });

  await waitFor(`${cluster}: ${NODES_PER_CLUSTER} nodes Ready`, async () => {
    const nodes = await core.listNode();
    return nodes.items.filter(isReady).length === NODES_PER_CLUSTER ? true : undefined;
  });
  // The ServiceAccount admission plugin refuses pods until the controller-manager made `default`.
  await waitFor(`${cluster}: ServiceAccount default/default`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }).then(() => true),
  );
  const probe = 'fleet-ready-probe';
  await core.createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name: probe },
      spec: { containers: [{ name: 'probe', image: 'example.test/pause:3.10' }] },
    },
  });
  await waitFor(`${cluster}: probe pod scheduled and Running`, async () => {
    const pod = await core.readNamespacedPod({ name: probe, namespace: 'default' });
    return pod.status?.phase === 'Running' && pod.spec?.nodeName ? true : undefined;
  });
  await core.deleteNamespacedPod({ name: probe, namespace: 'default', gracePeriodSeconds: 0 });
}
