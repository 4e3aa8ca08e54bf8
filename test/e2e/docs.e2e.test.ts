// What a service is, in Chromium, on the demo (`portolan demo`, which shows the example catalog
// beside the simulated one): the Docs tab, an OpenAPI definition as operations, search results of
// every kind with facets and highlights, and a docs page written to run script that runs none.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../packages/server/src/cli/demo.ts';
import type { Portal } from '../../packages/server/src/portal.ts';
import { launchBrowser } from '../support/browser.ts';

describe('docs, API definitions and search in a browser', () => {
  let portal: Portal;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-docs-'));

  beforeAll(async () => {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    portal = await runDemo(
      { dir, seed: 3, scale: 0.02, clusters: 2, port: 0 },
      { stdin: process.stdin, stdout: sink, stderr: sink },
    );
    // A hostile docs site joins the demo's example catalog, and the catalog reads it.
    cpSync(join(import.meta.dirname, 'fixtures/hostile-docs'), join(dir, 'examples/services/hostile-docs'), {
      recursive: true,
    });
    await portal.catalog.refresh();
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows a service's docs with their nav, anchors, tables, admonitions and highlighted code", async () => {
    await page.goto(`${portal.url}/catalog/component/default/checkout/docs`);
    const docs = page.locator('.docs-page');
    await docs.getByRole('heading', { name: 'Checkout', level: 1 }).waitFor();
    expect(await docs.locator('table td', { hasText: 'orders-db' }).count()).toBe(1);
    await page.getByRole('navigation', { name: 'Docs pages' }).getByRole('link', { name: 'Refunds' }).click();
    await docs.getByRole('heading', { name: 'Refunds' }).waitFor();
    expect(page.url()).toContain('/catalog/component/default/checkout/docs/guide/refunds');
    expect(await docs.locator('.admonition.note').textContent()).toContain('Partial refunds');
    expect(await docs.locator('pre code .hljs-string').count()).toBeGreaterThan(0);
    // A link to a heading on another page lands on that page.
    await page
      .getByRole('navigation', { name: 'Docs pages' })
      .getByRole('link', { name: 'Overview' })
      .click();
    await docs.getByRole('link', { name: 'what to do when paged' }).click();
    await docs.getByRole('heading', { name: 'First five minutes' }).waitFor();
    expect(page.url()).toMatch(/guide\/on-call#first-five-minutes$/);
  });

  it('shows an OpenAPI definition as operations, with parameters, bodies and the raw source', async () => {
    await page.goto(`${portal.url}/catalog/api/default/checkout-api/api`);
    const definition = page.getByRole('region', { name: 'API definition' });
    await definition.getByRole('heading', { name: /Checkout/ }).waitFor();
    expect(await definition.textContent()).toContain('3 operations');
    const refund = definition.locator('li', { hasText: '/orders/{orderId}/refunds' });
    await refund.locator('summary').click();
    const opened = await refund.textContent();
    expect(opened).toContain('orderId');
    expect(opened).toContain('paid back within five days');
    const raw = await page.request.get(
      `${portal.url}${await definition.getByRole('link', { name: 'Raw source' }).getAttribute('href')}`,
    );
    expect(await raw.text()).toContain('operationId: refundOrder');
  });

  it('finds entities, docs pages and API operations from the header search, with facets and marks', async () => {
    await page.goto(`${portal.url}/`);
    await page.getByRole('searchbox', { name: 'Search everything' }).waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('order');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=order$/);
    const results = page.getByRole('region', { name: 'Results' });
    await results.locator('li[data-hit="operation"]').first().waitFor();
    for (const hit of ['entity', 'docs', 'operation']) {
      expect(await results.locator(`li[data-hit="${hit}"]`).count(), hit).toBeGreaterThan(0);
    }
    // Every mark holds the term, in whatever case it was written.
    const marks = await results.locator('mark').allTextContents();
    expect(marks.length).toBeGreaterThan(3);
    expect(marks.every((m) => m.toLowerCase() === 'order')).toBe(true);
    expect(await results.getByRole('link', { name: 'POST /orders', exact: true }).count()).toBe(1);
    // The result-kind facet narrows to docs pages and keeps the other kinds' counts.
    const filters = page.getByRole('complementary', { name: 'Filters' });
    // The box is checked from the URL once the navigation lands, which may be after the click
    // returns, so click and wait for both rather than check() and its immediate state read.
    const docsBox = filters.getByRole('checkbox', { name: /Docs pages/ });
    await docsBox.click();
    await page.waitForURL(/hit=docs/);
    await expect.poll(() => docsBox.isChecked()).toBe(true);
    await expect.poll(() => results.locator('li[data-hit="entity"]').count()).toBe(0);
    // The narrowed results arrive after the old ones are gone: wait for them too.
    await expect.poll(() => results.locator('li[data-hit="docs"]').count()).toBeGreaterThan(0);
    expect(await filters.getByRole('checkbox', { name: /API operations/ }).count()).toBe(1);
    // An operation leads to its API's tab with that operation open.
    await page.goto(`${portal.url}/search?q=refund&hit=operation`);
    await results.getByRole('link', { name: 'POST /orders/{orderId}/refunds' }).click();
    await page.waitForURL(/\/catalog\/api\/default\/checkout-api\/api#op-2$/);
    await expect.poll(() => page.locator('#op-2 details').getAttribute('open')).not.toBeNull();
  });

  it('runs nothing from a hostile docs page, and shows its text only as text', async () => {
    await page.goto(`${portal.url}/catalog/component/default/hostile-docs/docs`);
    const docs = page.locator('.docs-page');
    await docs.getByRole('heading', { name: 'Hostile page' }).waitFor();
    expect(await docs.textContent()).toContain('keyboard unicorn');
    expect(await docs.locator('script, iframe, style, form, svg, object, embed').count()).toBe(0);
    const handlers = await docs.evaluate((root) =>
      [...root.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName} ${a.name}`),
      ),
    );
    expect(handlers).toEqual([]);
    const hrefs = await docs
      .locator('a[href]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs.filter((h) => /^\s*javascript:/i.test(h ?? ''))).toEqual([]);
    // Hover, click and toggle whatever is left; give any timer a moment.
    const hover = docs.getByText('hover over me');
    if (await hover.count()) await hover.hover();
    for (const link of await docs.locator('a').all()) await link.click({ noWaitAfter: true }).catch(() => {});
    await page.goto(`${portal.url}/catalog/component/default/hostile-docs/docs`);
    await docs.getByRole('heading', { name: 'Hostile page' }).waitFor();
    const toggle = docs.locator('summary');
    if (await toggle.count()) await toggle.first().click();
    await page.waitForTimeout(300);
    // Search shows the page's text as text too.
    await page.goto(`${portal.url}/search?q=unicorn`);
    const result = page.getByRole('region', { name: 'Results' }).locator('li[data-hit="docs"]');
    await result.waitFor();
    expect(await result.locator('script, img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
