// Deploying from the web page, as the demo's guest on the simulated fleet in Chromium: a version
// goes out wave by wave and the grid follows it live; a `bad` version fails in the canary and is
// rolled back; the delivery charts show the demo's twelve weeks of history on first start; a
// portal that does not let the caller deploy says so in words. axe-core on each page.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { DeliveryMetrics } from '@portolan/core/deploy/metrics';
import type { PlannedCluster } from '@portolan/core/deploy/plan';
import type { ServiceView } from '@portolan/core/services/types';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../packages/server/src/cli/demo.ts';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import type { DeploymentView } from '../../packages/server/src/deploy/service.ts';
import { type Portal, startPortal } from '../../packages/server/src/portal.ts';
import { launchBrowser } from '../support/browser.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

async function axeProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate<{ id: string; impact: string; nodes: { target: string[] }[] }[]>(
    "axe.run({ resultTypes: ['violations'] }).then((r) => r.violations)",
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Figures for the report: printed as one JSON line each. */
const figure = (name: string, ms: number) =>
  process.stdout.write(`${JSON.stringify({ figure: `e2e deploy: ${name}`, ms: Math.round(ms) })}\n`);

describe('deploying from the web page', () => {
  let portal: Portal;
  let browser: Browser;
  let page: Page;
  /** A service running in clusters of more than one region, so it has a canary and later waves. */
  let service: { ref: string; name: string; path: string };
  const dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-deploy-'));
  const get = async <T>(path: string) => (await (await fetch(`${portal.url}${path}`)).json()) as T;

  beforeAll(async () => {
    const out = new PassThrough();
    out.resume();
    portal = await runDemo(
      { port: 0, seed: 7, dir, scale: 0.03, clusters: 6 },
      { stdin: new PassThrough(), stdout: out, stderr: out },
    );
    await portal.kubernetes!.waitForSync(60_000);
    const list = await get<{ items: { metadata: { name: string } }[] }>(
      '/api/catalog/entities?kind=component&type=service&limit=300',
    );
    for (const { metadata } of list.items) {
      const ref = `component:default/${metadata.name}`;
      const view = await get<ServiceView>(`/api/services/${encodeURIComponent(ref)}/kubernetes`);
      const running = view.clusters.filter((c) => c.items.some((w) => w.kind === 'Deployment'));
      if (new Set(running.map((c) => c.region)).size >= 2 && running.length >= 3) {
        service = {
          ref,
          name: metadata.name,
          path: `/catalog/component/default/${metadata.name}/deployments`,
        };
        break;
      }
    }
    expect(service, 'a service running in two regions').toBeDefined();
    browser = await launchBrowser();
    page = await (
      await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true })
    ).newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deployFromPage = async (version: string, reason: string) => {
    await page.goto(`${portal.url}${service.path}`);
    await page.getByRole('textbox', { name: 'Version' }).fill(version);
    await page.getByRole('textbox', { name: 'Reason' }).fill(reason);
    const started = performance.now();
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    // The grid of the new deployment replaces the form's page state: its first cell appears.
    await expect
      .poll(() => page.locator('.deployment h2').textContent(), { timeout: 15_000 })
      .toContain(version);
    return started;
  };
  /** The images the planned containers run now, as the watch sees them. */
  const imagesOf = async (planned: PlannedCluster[]) => {
    const view = await get<ServiceView>(`/api/services/${encodeURIComponent(service.ref)}/kubernetes`);
    return planned.flatMap((c) =>
      c.workloads.flatMap((w) => {
        const live = view.clusters
          .find((x) => x.cluster === c.cluster)
          ?.items.find((x) => x.kind === w.kind && x.name === w.name && x.namespace === w.namespace);
        return w.containers.map((p) => live?.images.find((i) => i.container === p.name)?.image ?? 'missing');
      }),
    );
  };
  /** How long the service view may trail a deployment's end (the watch after the executor's reads). */
  const VIEW_CATCHES_UP = { timeout: 15_000, interval: 200 };
  const cells = () => page.locator('.deploy-grid .deploy-cell');
  const statuses = async () =>
    Object.fromEntries(
      await Promise.all(
        (await cells().all()).map(async (c) => [
          await c.getAttribute('data-cluster'),
          await c.getAttribute('data-status'),
        ]),
      ),
    ) as Record<string, string>;

  it('shows the delivery charts of the demo’s twelve weeks on first start, on a team page and the fleet page', async () => {
    const teams = await get<{ items: { team: string; deployments: number }[] }>(
      '/api/metrics/delivery/teams',
    );
    expect(teams.items.length).toBeGreaterThan(1);
    const team = teams.items[0]!;
    expect(team.deployments, 'the demo history gives the busiest team completed deployments').toBeGreaterThan(
      0,
    );
    const metrics = await get<DeliveryMetrics>(
      `/api/metrics/delivery?${new URLSearchParams({ team: team.team, bucket: 'week' })}`,
    );
    const start = performance.now();
    await page.goto(`${portal.url}/teams/${encodeURIComponent(team.team)}`);
    const chart = page.locator('figure[data-chart="deployments"]');
    await chart.locator('canvas').waitFor({ timeout: 20_000 });
    figure('team page to first chart drawn', performance.now() - start);
    // Four charts, each a canvas drawn at the column's width.
    expect(await page.locator('figure.chart canvas').count()).toBe(4);
    expect((await chart.locator('canvas').boundingBox())!.width).toBeGreaterThan(200);
    // The weekly counts the chart draws are the API's, said in words for screen readers.
    const label = (await chart.locator('[role="img"]').getAttribute('aria-label'))!;
    expect(metrics.weeks.length).toBeGreaterThanOrEqual(12);
    for (const w of metrics.weeks)
      expect(label).toContain(`week of ${w.week.slice(0, 10)}: ${w.deployments}`);
    expect(await page.getByTestId('delivery-figures').textContent()).toContain(
      metrics.deploymentsPerWeek.toFixed(2),
    );
    expect(await axeProblems(page)).toEqual([]);

    const fleetStart = performance.now();
    await page.goto(`${portal.url}/delivery`);
    await page.locator('figure[data-chart="deployments"] canvas').waitFor({ timeout: 20_000 });
    const rows = page.locator('.delivery-teams tbody tr');
    await rows.first().waitFor();
    figure('fleet page to chart and team table', performance.now() - fleetStart);
    expect(await rows.count()).toBe(teams.items.length);
    expect(await rows.first().getAttribute('data-team')).toBe(team.team);
    expect(await axeProblems(page)).toEqual([]);
  });

  it('the guest deploys a version from the service page and watches it go out wave by wave', async () => {
    const started = await deployFromPage('9.9.1', 'a release from the browser test');
    await expect.poll(async () => (await cells().count()) > 0).toBe(true);
    // Waves: the canary first, then each region; no cluster of a later wave moves before the canary passed.
    const waves = page.locator('.deploy-grid tbody tr');
    expect(await waves.count()).toBeGreaterThanOrEqual(2);
    const canary = waves.first().locator('.deploy-cell');
    expect(await canary.count()).toBe(1);
    const later = waves.nth(1).locator('.deploy-cell');
    let sawChanging = false;
    let canaryPassedAt = 0;
    await expect
      .poll(
        async () => {
          const s = await canary.getAttribute('data-status');
          if (s === 'changing' || s === 'soaking') {
            sawChanging = true;
            // While the canary works, a later wave waits.
            expect(await later.first().getAttribute('data-status')).toBe('pending');
            // Each cluster not done says what it waits for, in one sentence.
            expect((await canary.locator('.deploy-cell-reason').textContent())?.length ?? 0).toBeGreaterThan(
              5,
            );
          }
          if (s === 'passed' && !canaryPassedAt) canaryPassedAt = performance.now();
          return s;
        },
        { timeout: 90_000, interval: 250 },
      )
      .toBe('passed');
    expect(sawChanging, 'the grid showed the canary changing or soaking, live').toBe(true);
    figure('deploy click to canary passed', canaryPassedAt - started);
    expect(await axeProblems(page)).toEqual([]);
    await expect
      .poll(() => page.getByTestId('deployment-status').textContent(), { timeout: 180_000, interval: 500 })
      .toBe('completed');
    figure('deploy click to completed (all waves)', performance.now() - started);
    expect(new Set(Object.values(await statuses()))).toEqual(new Set(['passed']));
    // The history lists it, by the guest.
    const row = page.locator('.deploy-history tbody tr').first();
    expect(await row.textContent()).toContain('9.9.1');
    expect(await row.textContent()).toContain('guest');
    // The workloads run the new version everywhere the plan said.
    const [latest] = (
      await get<{ items: DeploymentView[] }>(
        `/api/services/${encodeURIComponent(service.ref)}/deployments?limit=1`,
      )
    ).items;
    expect(latest!.state.status).toBe('completed');
    const planned = latest!.state.plan!.clusters;
    // The executor judges each cluster from its own reads of the API servers; the view follows
    // their watches, which may trail those reads by a moment on a busy machine.
    await expect
      .poll(async () => (await imagesOf(planned)).every((i) => i.endsWith(':9.9.1')), VIEW_CATCHES_UP)
      .toBe(true);
    expect((await imagesOf(planned)).length).toBeGreaterThanOrEqual(planned.length);
  }, 240_000);

  it('a bad version fails in the canary, says why, and is rolled back; later waves never start', async () => {
    const started = await deployFromPage('9.9.2-bad', 'a broken build, on purpose');
    await expect
      .poll(() => page.getByTestId('deployment-status').textContent(), { timeout: 150_000, interval: 500 })
      .toBe('failed');
    figure('bad deploy click to failed and rolled back', performance.now() - started);
    const s = await statuses();
    const canary = await page
      .locator('.deploy-grid tbody tr')
      .first()
      .locator('.deploy-cell')
      .getAttribute('data-cluster');
    expect(s[canary!]).toBe('rolled-back');
    for (const [cluster, status] of Object.entries(s))
      if (cluster !== canary) expect(status, cluster).toBe('pending');
    expect(await page.getByTestId('deployment-failure').textContent()).toMatch(/\S{10,}/);
    // A failed deployment offers no action.
    expect(await page.locator('.deploy-actions button').count()).toBe(0);
    // Back on the version the first test shipped, in every planned container.
    const [failed] = (
      await get<{ items: DeploymentView[] }>(
        `/api/services/${encodeURIComponent(service.ref)}/deployments?limit=1`,
      )
    ).items;
    const planned = failed!.state.plan!.clusters;
    await expect
      .poll(async () => (await imagesOf(planned)).every((i) => i.endsWith(':9.9.1')), VIEW_CATCHES_UP)
      .toBe(true);
    expect(await axeProblems(page)).toEqual([]);
  }, 240_000);

  it('on a portal that does not let the caller deploy, the page says why instead of offering the form', async () => {
    // The demo's own catalog and fleet, without its guest and with no deploy token set.
    const config = parseConfig(
      {
        server: { port: 0 },
        database: { client: 'sqlite', connection: ':memory:' },
        catalog: { root: '.', locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
        kubernetes: { kubeconfig: { path: './kubeconfig.yaml' } },
        deploy: { tokenEnv: 'PORTOLAN_E2E_UNSET_TOKEN' },
      },
      'e2e',
    );
    const locked = await startPortal({ config, baseDir: dir, logger: pino({ level: 'silent' }) });
    try {
      await page.goto(`${locked.url}${service.path}`);
      const refused = page.getByTestId('deploy-refused');
      await refused.waitFor({ timeout: 20_000 });
      expect(await refused.textContent()).toContain('PORTOLAN_E2E_UNSET_TOKEN');
      expect(await page.getByRole('button', { name: 'Deploy', exact: true }).count()).toBe(0);
      // The write route agrees: 403 with the same words.
      const res = await fetch(`${locked.url}/api/services/${encodeURIComponent(service.ref)}/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: '9.9.3', reason: 'r' }),
      });
      expect(res.status).toBe(403);
      // A service with no deployments, for a caller who may not deploy: nothing to show, no tab.
      // The same service for the demo's guest, who may deploy it: the tab with its form.
      const { items } = (await (
        await fetch(`${locked.url}/api/catalog/entities?kind=component&limit=300`)
      ).json()) as { items: { metadata: { name: string } }[] };
      let quiet: string | undefined;
      for (const { metadata } of items) {
        const ref = encodeURIComponent(`component:default/${metadata.name}`);
        const { items: done } = (await (
          await fetch(`${locked.url}/api/services/${ref}/deployments?limit=1`)
        ).json()) as { items: unknown[] };
        if (done.length === 0) {
          quiet = metadata.name;
          break;
        }
      }
      expect(quiet, 'a component of the demo catalog with no deployment').toBeDefined();
      const tab = (p: typeof page) =>
        p.getByRole('navigation', { name: 'Entity sections' }).getByRole('link');
      await page.goto(`${locked.url}/catalog/component/default/${quiet}`);
      await tab(page).first().waitFor();
      await expect.poll(async () => tab(page).allTextContents()).not.toContain('Deployments');
      await page.goto(`${portal.url}/catalog/component/default/${quiet}`);
      await expect.poll(async () => tab(page).allTextContents()).toContain('Deployments');
    } finally {
      await locked.close();
    }
  }, 60_000);
});
