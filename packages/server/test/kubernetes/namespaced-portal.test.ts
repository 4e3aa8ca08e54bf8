// The portal wires namespaced mode to the catalog: a cluster with `namespaces: catalog` watches
// the namespaces its services name from the first refresh on, and follows later refreshes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KIND_INFO } from '@portolan/core';
import type { ClusterState, ServiceView } from '@portolan/core/services/index';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { KubeConfigClient } from '../../src/kubernetes/client.ts';
import { createLogger } from '../../src/log.ts';
import { type Portal, startPortal } from '../../src/portal.ts';

async function until<T>(what: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const component = (name: string, namespace: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    annotations: { 'backstage.io/kubernetes-id': name, 'backstage.io/kubernetes-namespace': namespace },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'group:default/team' },
});

describe('namespaced mode in the portal', () => {
  let dir: string;
  let sim: SimFleetHandle;
  let portal: Portal;
  /** Two services of the simulated cluster in different namespaces: [name, namespace]. */
  let services: [string, string][];
  const catalogFile = () => join(dir, 'catalog.yaml');
  const writeCatalog = (entries: [string, string][]) =>
    writeFile(catalogFile(), entries.map(([n, ns]) => stringify(component(n, ns))).join('---\n'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portolan-ns-portal-'));
    sim = await startSimFleet({ dir, seed: 5, scale: 0.01, clusters: 1, changeRate: 0 });
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const client = new KubeConfigClient(kc);
    const { items } = await client.list(KIND_INFO.Deployment, {});
    await client.close();
    const byNamespace = new Map<string, string>();
    for (const d of items) {
      const id = d.metadata?.labels?.['backstage.io/kubernetes-id'];
      if (id && d.metadata?.namespace && !byNamespace.has(d.metadata.namespace))
        byNamespace.set(d.metadata.namespace, id);
    }
    services = [...byNamespace].slice(0, 2).map(([ns, name]) => [name, ns]);
    expect(services).toHaveLength(2);
    await writeCatalog([services[0]!]);
    const config = parseConfig(
      {
        server: { port: 0 },
        database: { connection: ':memory:' },
        catalog: {
          root: '.',
          refreshIntervalSeconds: 1,
          locations: [{ type: 'file', target: './catalog.yaml' }],
        },
        kubernetes: {
          kubeconfig: { path: sim.kubeconfigPath, namespaces: { [sim.clusters[0]!.name]: 'catalog' } },
        },
      },
      'test',
    );
    portal = await startPortal({
      config,
      baseDir: dir,
      apiOnly: true,
      logger: createLogger({ level: 'silent' }),
    });
  }, 60_000);

  afterAll(async () => {
    await portal?.close();
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const cluster = async () =>
    ((await (await fetch(`${portal.url}/api/clusters`)).json()) as { items: ClusterState[] }).items[0]!;
  const view = async (name: string) =>
    (await (await fetch(`${portal.url}/api/services/${name}/kubernetes`)).json()) as ServiceView;

  it('watches the namespace of the one catalog service from the start, and its view works', async () => {
    const [name, ns] = services[0]!;
    const state = await until(async () => {
      const s = await cluster();
      return s.status === 'synced' ? s : undefined;
    });
    expect(state.scope).toEqual({ mode: 'namespaced', source: 'catalog', namespaces: [ns] });
    const v = await view(name);
    expect(v.clusters[0]!.items.length).toBeGreaterThan(0);
    expect(v.clusters[0]!.errors).toEqual([]);
  });

  it('adds the namespace of a service the catalog gains at its next refresh', async () => {
    await writeCatalog(services);
    const namespaces = services.map(([, ns]) => ns).sort();
    await until(async () => ((await cluster()).scope?.namespaces?.length === 2 ? true : undefined));
    expect((await cluster()).scope?.namespaces).toEqual(namespaces);
    const [second] = services[1]!;
    const v = await until(async () => {
      const got = await view(second);
      return got.clusters[0]!.items.length > 0 ? got : undefined;
    });
    expect(v.clusters[0]!.errors).toEqual([]);
  });
});
