// The web app as a service owner and a platform team use it, on a simulated 14-cluster fleet in
// Chromium: the failing cluster in the first screen, a finding to the previous logs in two clicks,
// the findings page's ranking, the catalog's filters and sorting, dark mode, and axe-core on every
// main page. Screenshots of every main page go to test/e2e/screenshots (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SimFleetHandle, startSimFleet } from '@portolan/sim';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import type { FleetSummaryView, ServiceFinding } from '../../packages/server/src/health/fleet.ts';
import { type Portal, startPortal } from '../../packages/server/src/portal.ts';
import { launchBrowser } from '../support/browser.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** axe-core's serious and critical violations on the page, as "rule: target" lines. */
async function axeProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  // A string, evaluated in the page: the test's own type-check knows no DOM.
  const violations = await page.evaluate<{ id: string; impact: string; nodes: { target: string[] }[] }[]>(
    "axe.run({ resultTypes: ['violations'] }).then((r) => r.violations)",
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the web app', () => {
  let sim: SimFleetHandle;
  let portal: Portal;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let crash: ServiceFinding;
  const dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-web-'));
  const get = async <T>(path: string) => (await (await fetch(`${portal.url}${path}`)).json()) as T;
  const servicePath = (ref: string) => `/catalog/component/default/${ref.split('/').pop()}`;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = await startSimFleet({ dir, seed: 5, clusters: 14, regions: 3, scale: 0.05, changeRate: 0 });
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
    await portal.kubernetes!.waitForSync(60_000);
    // The simulated fleet seeds crash-looping pods; the fleet's findings name one.
    for (let i = 0; i < 60 && !crash; i++) {
      crash = (await get<{ items: ServiceFinding[] }>('/api/findings?rule=pod-crash-loop')).items[0]!;
      if (!crash) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(crash, 'a crash-looping pod in the simulated fleet').toBeDefined();
    browser = await launchBrowser();
    // The portal's CSP allows only its own scripts; axe-core is injected by the test.
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows a service's failing cluster in the first screen, at 1440 and at 390 px", async () => {
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      await page.goto(`${portal.url}${servicePath(crash.service)}`);
      const cell = page.locator(`.glance .cell[data-cluster="${crash.object.cluster}"]`);
      await expect.poll(() => cell.getAttribute('data-state'), { timeout: 20_000 }).toBe('failing');
      const box = (await cell.boundingBox())!;
      expect(box.y + box.height, `failing cell within the first ${viewport.height} px`).toBeLessThanOrEqual(
        viewport.height,
      );
      expect(await page.locator('.state-badge').textContent()).toBe('failing');
      // Nothing scrolls sideways.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        viewport.width,
      );
      await page.screenshot({ path: join(SHOTS, `service-${viewport.width}.png`) });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it("leads from a crash-loop finding to the pod's previous logs in two clicks", async () => {
    await page.goto(`${portal.url}${servicePath(crash.service)}`);
    const finding = page.locator('.finding[data-rule="pod-crash-loop"]').first();
    await finding.locator('summary').click(); // 1
    const button = finding.getByRole('button', { name: /^Previous logs of / });
    await button.click(); // 2
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByRole('checkbox', { name: 'Previous container' }).isChecked()).toBe(true);
    await expect.poll(() => dialog.locator('.status').textContent(), { timeout: 15_000 }).toMatch(/previous/);
    await expect
      .poll(async () => (await dialog.locator('pre').textContent())?.trim().length ?? 0)
      .toBeGreaterThan(0);
    expect(await dialog.textContent()).toContain(crash.object.cluster);
    await page.screenshot({ path: join(SHOTS, 'logs.png') });
    // The filter keeps only matching lines.
    const first = (await dialog.locator('pre').textContent())!.split('\n')[0]!;
    await dialog.getByRole('textbox', { name: 'Filter lines' }).fill(first.slice(-12));
    await expect.poll(() => dialog.locator('.status').textContent()).toMatch(/\d+ of \d+ lines match/);
    // Modal: Escape closes it and focus returns to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toMatch(/^Previous logs of /);
  });

  it('ranks services worst first on the findings page, and filters by severity', async () => {
    const summary = await get<FleetSummaryView>('/api/findings/summary?top=10');
    await page.goto(`${portal.url}/findings`);
    const ranked = page.getByTestId('rank-services').locator('li');
    await ranked.first().waitFor();
    const names = await ranked.locator('a').allTextContents();
    expect(names).toEqual(summary.worstServices.map((s) => s.key.split('/').pop()));
    expect(await ranked.first().textContent()).toContain(`${summary.worstServices[0]!.critical} critical`);
    await page.getByRole('combobox', { name: 'Severity' }).selectOption('critical');
    await expect.poll(() => page.url()).toContain('severity=critical');
    await expect
      .poll(async () => new Set(await page.locator('.findings-table tbody .pill').allTextContents()))
      .toEqual(new Set(['critical']));
    await page.getByRole('combobox', { name: 'Severity' }).selectOption('');
    await page.screenshot({ path: join(SHOTS, 'findings.png') });
  });

  it('counts findings per cluster, and a cluster page lists what runs there by team', async () => {
    const cluster = crash.object.cluster;
    await page.goto(`${portal.url}/clusters`);
    const row = page.locator(`tr[data-cluster="${cluster}"]`);
    await expect
      .poll(() => row.locator('.findings-cell').textContent(), { timeout: 15_000 })
      .toMatch(/critical/);
    await row.getByRole('link', { name: cluster, exact: true }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe(cluster);
    // The crash-looping service is listed under its owner, with a critical finding here.
    const team = page.locator(`.team-block[data-owner="${crash.owner}"]`);
    const service = team.locator('tr', { hasText: crash.service.split('/').pop()! });
    await expect.poll(() => service.textContent(), { timeout: 15_000 }).toMatch(/critical/);
    expect(await page.locator('.cluster-findings li').first().textContent()).toContain('critical');
    await page.screenshot({ path: join(SHOTS, 'cluster.png'), fullPage: true });

    // On a service page, a cluster where the service does not run leads to that cluster's page.
    await page.goto(`${portal.url}${servicePath(crash.service)}`);
    const idle = page.locator('.glance .cell[data-state="not-deployed"] a').first();
    await idle.waitFor({ timeout: 20_000 });
    const name = await idle.locator('.cell-name').textContent();
    await idle.click();
    await expect.poll(() => page.locator('h1').textContent()).toBe(name);
    expect(new URL(page.url()).pathname).toBe(`/clusters/${name}`);
  });

  it('remembers the teams picked on the home page and lists their services worst first', async () => {
    const home = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    const p = await home.newPage();
    const team = crash.owner!;
    const teamName = team.split('/').pop()!;
    await p.goto(`${portal.url}/`);
    await p.getByRole('combobox', { name: 'Team' }).fill(teamName);
    await p.getByRole('button', { name: 'Add team' }).click();
    const rows = p.getByRole('table', { name: 'My services' }).locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // The crash-looping service is failing, and the worst comes first, with its worst finding.
    const first = rows.first();
    await expect.poll(() => first.getAttribute('data-state'), { timeout: 15_000 }).toBe('failing');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-service')))).toContain(
      crash.service,
    );
    expect(await first.locator('td').last().textContent()).not.toBe('');
    // The fleet's critical findings are listed.
    await p.locator('.critical-findings li').first().waitFor();
    // Remembered: after a reload the services come back without picking again.
    await p.reload();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await p.getByRole('combobox', { name: 'Team' }).count()).toBe(0);
    expect(await axeProblems(p)).toEqual([]);
    await p.screenshot({ path: join(SHOTS, 'home-mine.png'), fullPage: true });

    // "/" focuses the header search; Enter searches everything: the team is an entity result.
    await p.keyboard.press('/');
    expect(await p.evaluate<string>('document.activeElement?.getAttribute("aria-label")')).toBe(
      'Search everything',
    );
    await p.keyboard.type(teamName);
    await p.keyboard.press('Enter');
    await expect.poll(() => p.url()).toContain(`/search?q=${teamName}`);
    const entities = p.getByRole('region', { name: 'Results' }).locator('li[data-hit="entity"]');
    await expect
      .poll(() => entities.locator('.result-meta').allTextContents(), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/^group/));
    expect(await axeProblems(p)).toEqual([]);
    await home.close();
  });

  it("lists a team's running services once each, worst first, with their finding counts", async () => {
    const team = crash.owner!;
    const listed = await get<{ items: { ref: string; kind: string; summary: { workloads: number } }[] }>(
      `/api/teams/${encodeURIComponent(team)}/services`,
    );
    const running = listed.items.filter((s) => s.summary.workloads > 0);
    expect(new Set(listed.items.map((s) => s.kind))).toEqual(new Set(['Component']));
    await page.goto(`${portal.url}/teams/${encodeURIComponent(team)}`);
    const rows = page.getByRole('table', { name: 'Running services' }).locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(running.length);
    await expect.poll(() => rows.first().getAttribute('data-state'), { timeout: 15_000 }).toBe('failing');
    const services = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-service')));
    expect(new Set(services).size).toBe(services.length);
    expect(await page.getByRole('heading', { name: /^Running services/ }).textContent()).toBe(
      `Running services (${running.length})`,
    );
  });

  it('filters the catalog by kind, lifecycle and owner, keeps "All kinds", and sorts', async () => {
    await page.goto(`${portal.url}/catalog`);
    const count = page.locator('.filters [aria-live]');
    await expect.poll(() => count.textContent()).toMatch(/\d+ entit/);
    const components = Number((await count.textContent())!.split(' ')[0]);
    await page.getByRole('combobox', { name: 'Kind' }).selectOption('all');
    await expect
      .poll(async () => Number((await count.textContent())!.split(' ')[0]))
      .toBeGreaterThan(components);
    await page.reload();
    expect(await page.getByRole('combobox', { name: 'Kind' }).inputValue()).toBe('all');

    await page.getByRole('combobox', { name: 'Lifecycle' }).selectOption('production');
    await expect.poll(() => page.url()).toContain('lifecycle=production');
    await expect
      .poll(
        async () => new Set(await page.locator('table.catalog tbody tr td:nth-child(6)').allTextContents()),
      )
      .toEqual(new Set(['production']));

    // Sorting by name, then the other way round.
    await page.getByRole('button', { name: /^Name/ }).click();
    await expect.poll(() => page.url()).toContain('sort=-name');
    const names = () => page.locator('table.catalog tbody tr td:first-child a').allTextContents();
    const descending = (list: string[]) =>
      [...list].sort((a, b) => b.toLowerCase().localeCompare(a.toLowerCase()));
    await expect
      .poll(async () => {
        const list = await names();
        return list.length > 1 && list.join('|') === descending(list).join('|');
      })
      .toBe(true);

    // Owner, then a search with no results: "no results" is not the loading state.
    await page.goto(`${portal.url}/catalog?owner=${encodeURIComponent(crash.owner!)}`);
    await expect
      .poll(
        async () => new Set(await page.locator('table.catalog tbody tr td:nth-child(5)').allTextContents()),
      )
      .toEqual(new Set([crash.owner!.split('/').pop()]));
    await page.goto(`${portal.url}/catalog?q=no-such-thing-anywhere`);
    await page.getByText('No results.').waitFor();
    expect(await page.locator('.loading').count()).toBe(0);
  });

  it('follows a dark system theme', async () => {
    const dark = await browser.newContext({
      colorScheme: 'dark',
      viewport: { width: 1440, height: 900 },
      bypassCSP: true,
    });
    const p = await dark.newPage();
    await p.goto(`${portal.url}${servicePath(crash.service)}`);
    await p.locator('.glance').waitFor();
    const bg = await p.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
    const [r, g, b] = bg.match(/\d+/g)!.map(Number) as [number, number, number];
    expect(r + g + b, `background ${bg} is dark`).toBeLessThan(120);
    await p.locator('.finding summary').first().waitFor();
    expect(await axeProblems(p)).toEqual([]);
    await p.screenshot({ path: join(SHOTS, 'service-dark.png') });
    await dark.close();
  });

  it("shows each HPA's replicas against min and max, settings that differ across clusters, and replicas over time", async () => {
    // A service autoscaled in several clusters whose HPAs do not agree (the simulated fleet draws
    // max replicas and targets per cluster).
    const components = await get<{ items: { metadata: { name: string } }[] }>(
      '/api/catalog/entities?kind=component&limit=200',
    );
    let found: { name: string; clusters: string[] } | undefined;
    for (const c of components.items) {
      const s = await get<{ workloads: { clusters: { cluster: string }[]; differences: unknown[] }[] }>(
        `/api/services/${encodeURIComponent(`component:default/${c.metadata.name}`)}/scaling`,
      );
      const w = s.workloads?.find((x) => x.clusters.length >= 2 && x.differences.length > 0);
      if (w) {
        found = { name: c.metadata.name, clusters: w.clusters.map((x) => x.cluster) };
        break;
      }
    }
    expect(found, 'a service autoscaled in several clusters with differing HPAs').toBeDefined();
    // The server kept the series from its start, before any page opened.
    const history = await get<{ items: { cluster: string; points: unknown[] }[] }>(
      `/api/services/${encodeURIComponent(`component:default/${found!.name}`)}/scaling/history`,
    );
    for (const cluster of found!.clusters)
      expect(history.items.find((i) => i.cluster === cluster)?.points.length).toBeGreaterThan(0);
    await page.goto(`${portal.url}/catalog/component/default/${found!.name}`);
    const section = page.locator('#autoscaling');
    await section.waitFor();
    const gauges = section.locator('.gauge');
    await expect
      .poll(() => gauges.count(), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(found!.clusters.length);
    expect(await gauges.first().getAttribute('aria-label')).toMatch(/^\d+ replicas; min \d+, max \d+/);
    expect(await section.locator('.metric').count()).toBeGreaterThan(0);
    expect(await section.locator('.differences').first().textContent()).toMatch(
      /Not the same in every cluster/,
    );
    // The chart is drawn (uPlot, loaded with the section) with one series per cluster.
    await section.locator('.replica-chart canvas').first().waitFor({ timeout: 20_000 });
    for (const cluster of found!.clusters)
      expect(await section.locator('.replica-chart .u-legend').first().textContent()).toContain(cluster);
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: join(SHOTS, 'autoscaling.png') });
    // The first screen of a service autoscaled in several clusters, chart drawn: the README's picture.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, 'service-autoscaled.png') });
  });

  it('opens any object of the service: its YAML, its events as a timeline, and its tree', async () => {
    await page.goto(`${portal.url}${servicePath(crash.service)}`);
    const card = page.locator(`.cluster[data-cluster="${crash.object.cluster}"]`);
    await card.waitFor({ timeout: 20_000 });
    await card
      .getByRole('button', { name: new RegExp(`^YAML, events and tree of ${crash.object.kind} `) })
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const yaml = dialog.locator('pre.yaml');
    await yaml.waitFor();
    expect(await yaml.textContent()).toContain(`kind: ${crash.object.kind}`);
    expect(await yaml.locator('.tok-key').count(), 'YAML keys highlighted').toBeGreaterThan(3);
    await dialog.getByRole('tab', { name: 'Tree' }).click();
    const tree = dialog.locator('ul.tree');
    expect(await tree.textContent()).toMatch(/Pod /);
    // The crash-looping pod is in the tree; its events (back-off) are on the timeline.
    await dialog.getByRole('tab', { name: /^Events/ }).click();
    await expect.poll(() => dialog.locator('.timeline-item').count()).toBeGreaterThan(0);
    expect(await axeProblems(page), 'axe on the object dialog').toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'object.png') });
    // A node of the tree opens that object in the same dialog.
    await dialog.getByRole('tab', { name: 'Tree' }).click();
    await tree.getByRole('button', { name: /^Pod / }).first().click();
    await dialog.getByRole('tab', { name: 'YAML' }).click();
    await expect.poll(() => dialog.locator('h2').textContent()).toMatch(/^Pod /);
    await expect.poll(async () => (await yaml.textContent()) ?? '').toContain('kind: Pod');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it("shows pods' CPU and memory against requests and limits per cluster, and says where there is no metrics API", async () => {
    // The simulated fleet's last cluster serves no metrics API; find a service that runs there too.
    const components = await get<{ items: { metadata: { name: string } }[] }>(
      '/api/catalog/entities?kind=component&limit=200',
    );
    type Use = { clusters: { cluster: string; metrics: { status: string }; cpu: { used?: number } }[] };
    let found: { name: string; use: Use } | undefined;
    for (const c of components.items) {
      const use = await get<Use>(
        `/api/services/${encodeURIComponent(`component:default/${c.metadata.name}`)}/resources`,
      );
      const statuses = new Set(use.clusters?.map((x) => x.metrics.status));
      if (statuses.has('ok') && statuses.has('unavailable')) {
        found = { name: c.metadata.name, use };
        break;
      }
    }
    expect(found, 'a service running both where metrics are served and where they are not').toBeDefined();
    await page.goto(`${portal.url}/catalog/component/default/${found!.name}`);
    const section = page.locator('#resources');
    await section.waitFor({ timeout: 20_000 });
    const measured = found!.use.clusters.find((c) => c.metrics.status === 'ok')!;
    const missing = found!.use.clusters.find((c) => c.metrics.status === 'unavailable')!;
    const ok = section.locator(`tbody[data-cluster="${measured.cluster}"]`);
    await ok.waitFor();
    expect(
      await ok
        .getByRole('img', { name: new RegExp(`^CPU in ${measured.cluster}: [\\d.]+m? used, `) })
        .count(),
    ).toBe(1);
    const none = section.locator(`tbody[data-cluster="${missing.cluster}"]`);
    expect(await none.textContent()).toContain('no metrics API');
    expect(
      await none.getByRole('img', { name: new RegExp(`^CPU in ${missing.cluster}: use unknown, `) }).count(),
    ).toBe(1);
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: join(SHOTS, 'resources.png') });
  });

  it('gives every main page its title, and axe finds nothing serious or critical', async () => {
    const team = crash.owner!;
    const pages: [string, string, string][] = [
      ['home', '/', 'Home'],
      ['catalog', '/catalog', 'Software catalog'],
      ['service', servicePath(crash.service), ''],
      ['findings', '/findings', 'Findings'],
      ['clusters', '/clusters', 'Clusters'],
      ['cluster', `/clusters/${crash.object.cluster}`, crash.object.cluster],
      ['team', `/teams/${encodeURIComponent(team)}`, ''],
      ['not-found', '/no/such/page', 'Page not found'],
    ];
    const titles = new Set<string>();
    for (const [name, path, heading] of pages) {
      await page.goto(`${portal.url}${path}`);
      await page.locator('h1').waitFor();
      if (heading) expect(await page.locator('h1').textContent()).toBe(heading);
      await page.waitForLoadState('networkidle').catch(() => undefined);
      if (name === 'service') await page.locator('.finding').first().waitFor();
      expect(await axeProblems(page), `axe on ${path}`).toEqual([]);
      titles.add(await page.title());
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: name !== 'service' });
    }
    expect(titles.size, 'every page has its own title').toBe(pages.length);
  });

  it('has a skip link to the content', async () => {
    await page.goto(`${portal.url}/findings`);
    await page.locator('h1').waitFor();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('main');
  });
});
