import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import { afterAll } from 'vitest';
import { contractSuite } from './contract.ts';

let handle: SimFleetHandle | undefined;
let dir: string | undefined;

contractSuite('simulated fleet', async () => {
  dir = await mkdtemp(join(tmpdir(), 'portolan-contract-'));
  handle = await startSimFleet({
    dir,
    seed: 'contract',
    clusters: 2,
    regions: 1,
    scale: 0.01,
    changeRate: 0,
    outages: false,
    podStartMs: 300,
  });
  const cluster = handle.clusters[0]!.name;
  return {
    kubeconfigPath: handle.rbacKubeconfigPath,
    adminContext: cluster,
    readContext: `${cluster}-portolan`,
    limitedContext: `${cluster}-portolan-limited`,
    logs: true,
    rolloutTimeoutMs: 20_000,
  };
});

afterAll(async () => {
  await handle?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
