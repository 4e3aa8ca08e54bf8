// The metrics API as the simulated fleet serves it, read through the real client: running pods
// with CPU and memory in metrics-server's units, and 404 from a cluster without metrics-server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseQuantity } from '@portolan/core/scaling/quantity';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, KubeConfigClient } from '../../src/kubernetes/client.ts';

let handle: SimFleetHandle;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portolan-metrics-'));
  handle = await startSimFleet({
    dir,
    seed: 'metrics',
    clusters: 2,
    regions: 1,
    scale: 0.01,
    changeRate: 0,
    outages: false,
  });
}, 60_000);
afterAll(async () => {
  await handle?.stop();
  await rm(dir, { recursive: true, force: true });
});

function client(context: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(handle.rbacKubeconfigPath);
  kc.setCurrentContext(context);
  return new KubeConfigClient(kc);
}

describe('the simulated metrics API', () => {
  it('serves every running pod with its containers’ CPU and memory, near their requests', async () => {
    const [first] = handle.clusters;
    const c = client(`${first!.name}-portolan`);
    try {
      const items = await c.podMetrics();
      expect(items.length).toBeGreaterThan(0);
      for (const m of items) {
        expect(m.metadata?.name).toBeTruthy();
        for (const container of m.containers ?? []) {
          expect(container.usage.cpu).toMatch(/^\d+n$/);
          expect(container.usage.memory).toMatch(/^\d+Ki$/);
          const cpu = parseQuantity(container.usage.cpu)!;
          expect(cpu).toBeGreaterThan(0);
          expect(cpu).toBeLessThan(16);
        }
      }
    } finally {
      await c.close();
    }
  });

  it('answers 404 from a cluster without metrics-server (by default the last of the fleet)', async () => {
    const c = client(`${handle.clusters.at(-1)!.name}-portolan`);
    try {
      const error = await c.podMetrics().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect((error as KubeApiError).status).toBe(404);
    } finally {
      await c.close();
    }
  });
});
