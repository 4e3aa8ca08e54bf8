// Signing in through a real OpenID Connect provider in Chromium, and the demo's guest banner.
import { join } from 'node:path';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../packages/server/src/config/load.ts';
import { type Portal, startPortal } from '../../packages/server/src/portal.ts';
import { freePort } from '../cluster/processes.ts';
import { launchBrowser } from '../support/browser.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const CATALOG = {
  locations: [
    { type: 'file', target: './catalog/org/*.yaml' },
    { type: 'dir', target: './catalog/services' },
  ],
};

describe('sign-in in a browser', () => {
  let provider: TestOidcProvider;
  let portal: Portal;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ redirectUris: [`${base}/auth/callback`] });
    process.env.PORTOLAN_E2E_OIDC_SECRET = provider.clientSecret;
    const config = parseConfig(
      {
        server: { port },
        database: { connection: ':memory:' },
        catalog: CATALOG,
        auth: {
          baseUrl: base,
          oidc: {
            issuer: provider.issuer,
            clientId: provider.clientId,
            clientSecretEnv: 'PORTOLAN_E2E_OIDC_SECRET',
          },
        },
      },
      'e2e',
    );
    portal = await startPortal({ config, baseDir: EXAMPLES, logger: pino({ level: 'silent' }) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await provider?.stop();
  });

  it('asks to sign in, signs in at the provider, comes back to the page it was on, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/catalog/component/default/checkout`);
    await page.getByRole('heading', { name: 'Sign in to see the catalog and your services' }).waitFor();
    await page.getByRole('link', { name: 'Sign in' }).first().click();
    // the provider's own login form
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name=login]').fill('ada');
    await page.locator('input[name=password]').fill('any password');
    await page.locator('button[type=submit]').click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/catalog/component/default/checkout`);
    await page.getByRole('heading', { name: 'Checkout' }).waitFor();
    await page.locator('.top .who').getByText('ada').waitFor();
    const session = (await context.cookies(base)).find((c) => c.name === 'portolan_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    // the page's script cannot read the session
    expect(await page.evaluate('document.cookie')).not.toContain('portolan_session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to see the catalog and your services' }).waitFor();
    expect((await context.cookies(base)).find((c) => c.name === 'portolan_session')).toBeUndefined();
    await context.close();
  });
});

describe('the demo guest', () => {
  let portal: Portal;
  let browser: Browser;
  beforeAll(async () => {
    const config = parseConfig(
      { server: { port: 0 }, database: { connection: ':memory:' }, catalog: CATALOG },
      'e2e',
    );
    portal = await startPortal({ config, baseDir: EXAMPLES, guest: true, logger: pino({ level: 'silent' }) });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  it('sees a banner saying so, and the catalog', async () => {
    const page = await browser.newPage();
    await page.goto(`${portal.url}/catalog`);
    const banner = page.getByRole('status').filter({ hasText: 'You are a guest' });
    await banner.waitFor();
    await page.getByRole('link', { name: 'Checkout', exact: true }).waitFor();
  });
});
