// The service page, live, in a browser, against the simulated fleet: the view arrives over SSE,
// follows a scale-up without a reload, and marks a cluster stale when it stops answering.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceView } from '@portolan/core/services/types';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import { type Portal, startPortal } from '../../packages/server/src/portal.ts';
import { kindFor } from '../../packages/sim/src/apiserver/kinds.ts';
import { launchBrowser } from '../support/browser.ts';

describe('the live service page', () => {
  let sim: SimFleetHandle;
  let portal: Portal;
  let browser: Browser;
  let page: Page;
  let service: {
    ref: string;
    name: string;
    cluster: string;
    namespace: string;
    workload: string;
    desired: number;
  };
  const dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-live-'));

  beforeAll(async () => {
    sim = await startSimFleet({ dir, seed: 11, clusters: 3, regions: 3, scale: 0.02, changeRate: 0 });
    const config = parseConfig(
      {
        server: { port: 0 },
        database: { client: 'sqlite', connection: ':memory:' },
        catalog: { locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
        kubernetes: { kubeconfig: { path: './kubeconfig.yaml' }, streamDebounceMs: 50 },
      },
      'e2e',
    );
    portal = await startPortal({ config, baseDir: dir, logger: pino({ level: 'silent' }) });
    await portal.kubernetes!.waitForSync(30_000);
    // Pick a service with a Deployment somewhere.
    const list = (await (
      await fetch(`${portal.url}/api/catalog/entities?kind=component&type=service&limit=200`)
    ).json()) as { items: { metadata: { name: string } }[] };
    for (const { metadata } of list.items) {
      const ref = `component:default/${metadata.name}`;
      const view = (await (
        await fetch(`${portal.url}/api/services/${encodeURIComponent(ref)}/kubernetes`)
      ).json()) as ServiceView;
      const cluster = view.clusters.find((c) => c.items.some((w) => w.kind === 'Deployment'));
      const w = cluster?.items.find((i) => i.kind === 'Deployment');
      if (cluster && w) {
        service = {
          ref,
          name: metadata.name,
          cluster: cluster.cluster,
          namespace: w.namespace,
          workload: w.name,
          desired: w.replicas.desired,
        };
        break;
      }
    }
    expect(service, 'a service deployed in the simulated fleet').toBeDefined();
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const card = () => page.locator(`.cluster[data-cluster="${service.cluster}"]`);

  it('shows where the service runs, per region and cluster', async () => {
    await page.goto(`${portal.url}/catalog/component/default/${service.name}`);
    await card().waitFor();
    await expect.poll(() => card().textContent()).toContain(`${service.desired}/${service.desired} ready`);
    expect(await page.locator('.kube .summary').textContent()).toMatch(/in \d+ clusters?/);
  });

  it('follows a scale-up without a reload', async () => {
    const target = service.desired + 2;
    sim.fleet.scale(service.cluster, service.namespace, service.workload, target);
    await expect.poll(() => card().textContent(), { timeout: 20_000 }).toContain(`${target}/${target} ready`);
  });

  it('follows the log of a pod in the page', async () => {
    const toggle = card().locator('.workload button', { hasText: service.workload }).first();
    // A workload with pods needing attention shows them from the start; a healthy one folds them.
    if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
    await card()
      .getByRole('button', { name: /^Logs of / })
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect
      .poll(async () => (await dialog.locator('pre').textContent())?.trim().length ?? 0)
      .toBeGreaterThan(0);
    expect(await dialog.textContent()).toContain(service.cluster);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it("follows the workload's log onto the pod that replaces a deleted one", async () => {
    const toggle = card().locator('.workload button', { hasText: service.workload }).first();
    if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
    const button = card()
      .getByRole('button', { name: new RegExp(`^Logs of ${service.workload}-`) })
      .first();
    const pod = (await button.getAttribute('aria-label'))!.replace(/^Logs of /, '');
    await button.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const text = async () => (await dialog.locator('pre').textContent()) ?? '';
    await expect.poll(async () => (await text()).trim().length).toBeGreaterThan(0);
    // A filter typed before the switch still applies after it; the marker is never filtered out.
    await dialog.getByRole('textbox', { name: 'Filter lines' }).fill('starting');
    // The pod goes away (as after an eviction); its ReplicaSet makes a new one.
    sim.fleet.cluster(service.cluster).store.delete(kindFor('Pod'), service.namespace, pod);
    const marker = dialog.locator('.log-marker');
    await marker.waitFor({ timeout: 30_000 });
    const next = /following pod (\S+) —/.exec((await marker.textContent()) ?? '')?.[1];
    expect(await marker.textContent()).toContain(`pod ${pod} ended; following pod ${service.workload}-`);
    expect(next).not.toBe(pod);
    await expect.poll(() => dialog.locator('h2').textContent()).toContain(`/${next}`);
    // The new pod's first line, after the marker, through the filter kept from before.
    await expect
      .poll(async () => (await text()).split(`following pod ${next} —`)[1] ?? '', { timeout: 20_000 })
      .toMatch(/starting/);
    expect(await dialog.getByRole('textbox', { name: 'Filter lines' }).inputValue()).toBe('starting');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('explains a rollout to an image that cannot start, as it happens', async () => {
    await page.locator('.findings-block').waitFor();
    sim.fleet.setImage(
      service.cluster,
      service.namespace,
      service.workload,
      'registry.example.test/app:bad-1',
    );
    // First the rollout shows as in progress (info), then its new pods fail to start.
    const finding = page
      .locator('.finding.critical, .finding.warning', { hasText: service.workload })
      .first();
    await finding.waitFor({ timeout: 30_000 });
    await finding.locator('summary').click();
    expect(await finding.textContent()).toMatch(/image|roll/i);
  });

  it('marks a cluster that stops answering as stale and keeps its last state', async () => {
    await sim.fleet.setReachability(service.cluster, 'refused');
    await expect.poll(() => card().textContent(), { timeout: 30_000 }).toMatch(/stale/i);
    expect(await card().textContent()).toContain(service.workload);
    await sim.fleet.setReachability(service.cluster, 'up');
    await expect.poll(() => card().textContent(), { timeout: 30_000 }).toContain('synced');
  });
});
