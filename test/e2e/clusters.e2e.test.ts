// A cluster that refuses the portal some permission says which, on its page: the platform team sees
// what to grant without reading the server's logs. Two simulated clusters, one watched with an
// identity that may not read HorizontalPodAutoscalers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import { type Portal, startPortal } from '../../packages/server/src/portal.ts';
import { launchBrowser } from '../support/browser.ts';

describe('a cluster page', () => {
  let sim: SimFleetHandle;
  let portal: Portal;
  let browser: Browser;
  let page: Page;
  let full: string;
  let limited: string;
  const dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-clusters-'));

  beforeAll(async () => {
    sim = await startSimFleet({ dir, seed: 3, clusters: 2, regions: 1, scale: 0.01, changeRate: 0 });
    full = sim.clusters[0]!.name;
    limited = `${sim.clusters[1]!.name}-portolan-limited`;
    const config = parseConfig(
      {
        server: { port: 0 },
        database: { client: 'sqlite', connection: ':memory:' },
        catalog: { locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
        kubernetes: { kubeconfig: { path: './kubeconfig-rbac.yaml', contexts: [full, limited] } },
      },
      'e2e',
    );
    portal = await startPortal({ config, baseDir: dir, logger: pino({ level: 'silent' }) });
    await portal.kubernetes!.waitForSync(60_000);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the permission a cluster refuses, and where the portal watches', async () => {
    await page.goto(`${portal.url}/clusters/${encodeURIComponent(limited)}`);
    const missing = page.getByRole('region', { name: 'Missing permissions' });
    await missing.waitFor();
    const text = await missing.textContent();
    expect(text).toMatch(/list horizontalpodautoscalers/i);
    expect(await page.getByText('Watches every namespace.').count()).toBe(1);
    // The list of clusters says it too, in that cluster's row only.
    await page.goto(`${portal.url}/clusters`);
    const row = (name: string) => page.locator(`tr[data-cluster="${name}"]`);
    await row(limited).waitFor();
    expect(await row(limited).textContent()).toMatch(/horizontalpodautoscalers/i);
    expect(await row(full).textContent()).not.toMatch(/horizontalpodautoscalers/i);
    // A cluster that refuses nothing has no such section.
    await page.goto(`${portal.url}/clusters/${encodeURIComponent(full)}`);
    await page.getByText('Watches every namespace.').waitFor();
    expect(await page.getByRole('region', { name: 'Missing permissions' }).count()).toBe(0);
  });
});
