import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import { type Portal, startPortal } from '../../packages/server/src/portal.ts';
import { launchBrowser } from '../support/browser.ts';

describe('the catalog in a browser', () => {
  let portal: Portal;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-'));

  beforeAll(async () => {
    cpSync(join(import.meta.dirname, '../../examples/catalog'), join(dir, 'catalog'), { recursive: true });
    // A descriptor whose text tries to inject markup must show up as plain text.
    cpSync(join(import.meta.dirname, 'fixtures/hostile.yaml'), join(dir, 'catalog/services/hostile.yaml'));
    const config = parseConfig(
      {
        server: { port: 0 },
        database: { client: 'sqlite', connection: ':memory:' },
        catalog: {
          locations: [
            { type: 'file', target: './catalog/org/*.yaml' },
            { type: 'dir', target: './catalog/services' },
            { type: 'file', target: './catalog/services/hostile.yaml' },
          ],
        },
      },
      'e2e',
    );
    portal = await startPortal({ config, baseDir: dir, logger: pino({ level: 'silent' }) });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a service by typing and opens its page with owner, relations and origin', async () => {
    await page.goto(`${portal.url}/catalog`);
    await page.getByLabel('Search the catalog').fill('basket');
    await expect.poll(() => page.locator('table.grid tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Checkout', exact: true }).click();
    // The header names the entity from the URL at once; wait for the entity itself.
    await page.getByRole('heading', { name: 'Checkout', exact: true }).waitFor();
    await page.getByText('Takes a basket and turns it into a paid order.').first().waitFor();
    expect(page.url()).toContain('/catalog/component/default/checkout');
    const text = await page.locator('article').textContent();
    expect(text).toContain('Takes a basket and turns it into a paid order.');
    expect(text).toContain('catalog/services/checkout/catalog-info.yaml:10');
    await page.getByRole('link', { name: 'checkout-api' }).first().waitFor();
    await page.getByRole('link', { name: 'payments', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Payments squad' }).waitFor();
    expect(await page.locator('article').textContent()).toContain('Checkout');
  });

  it('shows hostile descriptor text as text, and refuses script links', async () => {
    let dialogs = 0;
    page.on('dialog', async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await page.goto(`${portal.url}/catalog/component/default/hostile`);
    await page.getByRole('heading', { name: '<img src=x onerror=alert(1)>' }).waitFor();
    expect(await page.locator('article img').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.locator('article').textContent()).toContain('click me');
    expect(dialogs).toBe(0);
  });

  it('shows the one error body for an entity that does not exist', async () => {
    await page.goto(`${portal.url}/catalog/component/default/does-not-exist`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(
      'no entity component:default/does-not-exist',
    );
  });
});
