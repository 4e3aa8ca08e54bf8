// Shared setup for the watch engine's integration tests on the real test fleet: a namespace per
// run, a `checkout` service in two of the three clusters (none in the third), and an engine
// that reads the fleet through Portolan's read-only identities.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { KIND_INFO, type KubeObject, WATCHED_KINDS, type WatchedKind } from '@portolan/core';
import type { CatalogEntity } from '@portolan/core/services/index';
import { KubeConfigClient } from '../../packages/server/src/kubernetes/client.ts';
import {
  createKubernetesEngine,
  type KubernetesEngine,
} from '../../packages/server/src/kubernetes/engine.ts';
import { listServiceCatalog, type ServiceCatalog } from '../../packages/server/src/services/catalog.ts';
import {
  appsApi,
  coreApi,
  fleetClusters,
  fleetKubeconfigPath,
  kubeConfigFor,
  waitFor,
} from '../cluster/helpers.ts';

export function requireFleet(): string[] {
  if (!existsSync(fleetKubeconfigPath())) {
    throw new Error(
      `no test fleet kubeconfig at ${fleetKubeconfigPath()}: start one with \`npm run fleet -- up 3\``,
    );
  }
  return fleetClusters();
}

export const runId = randomBytes(3).toString('hex');
export const namespace = `portolan-k8s-${runId}`;
/** Unique per run so that leftovers of other runs never match. */
export const serviceName = `checkout-${runId}`;
export const versions: Record<string, string> = { 'eu-west-1': '1.4.0', 'us-east-1': '1.5.0' };

export const entity = (name: string, owner = 'group:default/payments'): CatalogEntity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner, type: 'service', lifecycle: 'production' },
});

export function stubCatalog(entities: CatalogEntity[]): ServiceCatalog {
  return listServiceCatalog(entities);
}

/** An engine over the fleet's `<cluster><suffix>` contexts, plus any extra cluster configs. */
export function fleetEngine(
  clusters: string[],
  options: { suffix?: string; extra?: unknown[]; env?: NodeJS.ProcessEnv; authRetryMs?: number } = {},
): KubernetesEngine {
  const path = fleetKubeconfigPath();
  return createKubernetesEngine({
    config: {
      clusters: [
        ...clusters.map((name) => ({
          name,
          auth: { type: 'kubeconfig' as const, path, context: `${name}${options.suffix ?? '-portolan'}` },
        })),
        ...((options.extra ?? []) as never[]),
      ],
      streamDebounceMs: 100,
      heartbeatSeconds: 1,
    },
    configDir: dirname(path),
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    tuning: { backoff: { initialMs: 200, maxMs: 2000 }, authRetryMs: options.authRetryMs ?? 5000 },
  });
}

/** A namespace in the cluster, ready for pods once its default ServiceAccount exists. */
export async function createReadyNamespace(cluster: string, ns: string): Promise<void> {
  await coreApi(cluster).createNamespace({ body: { metadata: { name: ns } } });
  await waitFor(`${cluster}: default ServiceAccount`, () =>
    coreApi(cluster)
      .readNamespacedServiceAccount({ name: 'default', namespace: ns })
      .then(() => true),
  );
}

/** A Deployment of 2 replicas of `image` and a Service over it, both named `name` (label `app`). */
export async function deployApp(cluster: string, ns: string, name: string, image: string): Promise<void> {
  const labels = { app: name };
  await appsApi(cluster).createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'main', image }] } },
      },
    },
  });
  await coreApi(cluster).createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  });
}

/** Create the namespace everywhere and `checkout` (2 replicas, a Service) in the clusters of `versions`. */
export async function deployCheckout(clusters: string[]): Promise<void> {
  await Promise.all(
    clusters.map(async (cluster) => {
      await createReadyNamespace(cluster, namespace);
      const version = versions[cluster];
      if (version) await deployApp(cluster, namespace, serviceName, `registry.example/checkout:${version}`);
    }),
  );
}

export async function cleanup(clusters: string[]): Promise<void> {
  await Promise.all(
    clusters.map((cluster) =>
      coreApi(cluster)
        .deleteNamespace({ name: namespace })
        .catch(() => undefined),
    ),
  );
}

/** `namespace/name@resourceVersion` of every object of a kind, from a fresh LIST. */
export async function freshList(cluster: string, kind: WatchedKind): Promise<string[]> {
  const client = new KubeConfigClient(kubeConfigFor(`${cluster}-portolan`));
  try {
    const out: string[] = [];
    let cont: string | undefined;
    do {
      const page = await client.list(KIND_INFO[kind], { limit: 500, ...(cont ? { continue: cont } : {}) });
      for (const o of page.items) out.push(objectId(o));
      cont = page.continue;
    } while (cont);
    return out.sort();
  } finally {
    await client.close();
  }
}

export function objectId(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name}@${o.metadata?.resourceVersion}`;
}

export const COMPARED_KINDS = WATCHED_KINDS.filter((k) => k !== 'Event');
