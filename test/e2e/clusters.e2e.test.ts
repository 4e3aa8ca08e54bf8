// A cluster that refuses the portal some permission says which, on its page: the platform team sees
// what to grant without reading the server's logs. Two simulated clusters, one watched with an
// identity that may not read HorizontalPodAutoscalers. And with per-user Kubernetes identity on, a
// page says what it left out for the signed-in user, rather than looking empty.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../packages/server/src/auth/store/sessions.ts';
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

  it("says what it left out when the user's own Kubernetes permissions cannot be confirmed", async () => {
    const config = parseConfig(
      {
        server: { port: 0, allowedHosts: ['127.0.0.1'] },
        database: { client: 'sqlite', connection: ':memory:' },
        catalog: { locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
        kubernetes: { kubeconfig: { path: './kubeconfig-rbac.yaml', contexts: [full] } },
        auth: {
          baseUrl: 'http://portal.test',
          kubernetes: { identity: 'subjectAccessReview', username: 'name' },
        },
      },
      'e2e',
    );
    const signedIn = await startPortal({ config, baseDir: dir, logger: pino({ level: 'silent' }) });
    try {
      await signedIn.kubernetes!.waitForSync(60_000);
      const now = new Date();
      const { cookie } = await createSession({
        db: signedIn.db,
        user: 'user:default/ada',
        expiresAt: new Date(now.getTime() + 3_600_000),
        now,
      });
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addCookies([{ name: 'portolan_session', value: cookie, url: signedIn.url }]);
      const own = await context.newPage();
      // The simulated clusters answer no SubjectAccessReview: nothing can be confirmed, so what
      // runs there is left out, and the page says so and why.
      await own.goto(`${signedIn.url}/clusters/${encodeURIComponent(full)}`);
      const note = own.getByRole('note').filter({ hasText: 'Some of this is left out' });
      await note.waitFor();
      expect(await note.textContent()).toMatch(/could not be asked/);
      await context.close();
    } finally {
      await signedIn.close();
    }
  });
});
