// @portolan/sim: a simulated Kubernetes fleet for the demo and the scale benchmarks.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeCatalog } from './catalog/write.ts';
import { SimFleet, type SimFleetOptions } from './fleet/fleet.ts';

export type { Identity, TokenMap } from './apiserver/auth.ts';
export type { Reachability } from './apiserver/server.ts';
export { type GeneratedDocs, generateDocs, writeDocsFiles } from './catalog/docs.ts';
export type { CatalogEntity, GenerateCatalogOptions } from './catalog/generate.ts';
export {
  CATALOG_MIX,
  ENTITY_NAME,
  generateCatalog,
  kubernetesServices,
  writeCatalog,
} from './catalog/generate.ts';
export type { SimCluster, SimFleetOptions } from './fleet/fleet.ts';
export { SimFleet } from './fleet/fleet.ts';
export { fleetTopology } from './fleet/topology.ts';

export interface StartSimFleetOptions extends SimFleetOptions {
  /** Where the kubeconfigs and the catalog are written. */
  dir: string;
}

export interface SimFleetHandle {
  /** One context per cluster, named after it, with an identity that may read and deploy. */
  kubeconfigPath: string;
  /**
   * The same clusters with the real test fleet's context names: `<cluster>` (admin),
   * `<cluster>-portolan` (read-only) and `<cluster>-portolan-limited` (read-only, no HPAs).
   */
  rbacKubeconfigPath: string;
  /** Directory holding catalog-info.yaml (a Location) and the descriptor files it points at. */
  catalogDir: string;
  catalogRoot: string;
  clusters: { name: string; region: string; url: string }[];
  fleet: SimFleet;
  stop(): Promise<void>;
}

/** Kubeconfig extension carrying a cluster's region, for tools that group clusters by region. */
export const REGION_EXTENSION = 'portolan.dev/region';

export async function startSimFleet(options: StartSimFleetOptions): Promise<SimFleetHandle> {
  const fleet = await SimFleet.start(options);
  try {
    await mkdir(options.dir, { recursive: true });
    const catalogDir = join(options.dir, 'catalog');
    const written = await writeCatalog(fleet.catalog, catalogDir);
    const named = fleet.namedTokens;
    const tokenFor = (want: 'admin' | 'portolan' | 'limited'): string => {
      if (named) return named[want];
      // Supplied tokens: pick by role, falling back to any token.
      const entries = Object.entries(fleet.tokens);
      const match = entries.find(([, id]) =>
        want === 'admin'
          ? !id.readOnly && !id.forbidden?.length
          : want === 'portolan'
            ? id.readOnly && !id.forbidden?.length
            : !!id.forbidden?.length,
      );
      return (match ?? entries[0])?.[0] ?? '';
    };
    const clusterEntries = fleet.clusters.map((c) => ({
      name: c.name,
      cluster: {
        server: c.url,
        ...(fleet.tls
          ? { 'certificate-authority-data': Buffer.from(fleet.tls.cert).toString('base64') }
          : {}),
        extensions: [{ name: REGION_EXTENSION, extension: { region: c.region } }],
      },
    }));
    const users = [
      { name: 'sim-admin', user: { token: tokenFor('admin') } },
      { name: 'sim-portolan', user: { token: tokenFor('portolan') } },
      { name: 'sim-portolan-limited', user: { token: tokenFor('limited') } },
    ];
    const kubeconfig = (contexts: { name: string; context: { cluster: string; user: string } }[]) => ({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: clusterEntries,
      users,
      contexts,
      'current-context': contexts[0]?.name ?? '',
    });
    const kubeconfigPath = join(options.dir, 'kubeconfig.yaml');
    await writeFile(
      kubeconfigPath,
      stringify(
        kubeconfig(
          fleet.clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: 'sim-admin' } })),
        ),
      ),
      { mode: 0o600 },
    );
    const rbacKubeconfigPath = join(options.dir, 'kubeconfig-rbac.yaml');
    await writeFile(
      rbacKubeconfigPath,
      stringify(
        kubeconfig(
          fleet.clusters.flatMap((c) => [
            { name: c.name, context: { cluster: c.name, user: 'sim-admin' } },
            { name: `${c.name}-portolan`, context: { cluster: c.name, user: 'sim-portolan' } },
            {
              name: `${c.name}-portolan-limited`,
              context: { cluster: c.name, user: 'sim-portolan-limited' },
            },
          ]),
        ),
      ),
      { mode: 0o600 },
    );
    return {
      kubeconfigPath,
      rbacKubeconfigPath,
      catalogDir,
      catalogRoot: written.rootFile,
      clusters: fleet.clusters.map((c) => ({ name: c.name, region: c.region, url: c.url })),
      fleet,
      stop: () => fleet.stop(),
    };
  } catch (err) {
    await fleet.stop();
    throw err;
  }
}
