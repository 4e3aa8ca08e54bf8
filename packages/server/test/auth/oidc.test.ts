// Sign-in through a real OpenID Connect provider on loopback (authorization code + PKCE), then
// what the session cookie is, what it may do, and signing out.
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/cluster/processes.ts';
import { CookieJar, firstForm, visit } from '../../../../test/support/browserless.ts';
import { startOidcProvider, type TestOidcProvider } from '../../../../test/support/oidc.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Portal, startPortal } from '../../src/portal.ts';

const EXAMPLES = join(import.meta.dirname, '../../../../examples');

interface Me {
  csrf: string;
  subject: unknown;
}

describe('sign-in with OpenID Connect', () => {
  let provider: TestOidcProvider;
  let portal: Portal;
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ redirectUris: [`${base}/auth/callback`] });
    process.env.PORTOLAN_TEST_OIDC_SECRET = provider.clientSecret;
    const config = parseConfig(
      {
        server: { port },
        database: { connection: ':memory:' },
        catalog: { locations: [{ type: 'file', target: './catalog/org/*.yaml' }] },
        auth: {
          baseUrl: base,
          admins: ['payments'],
          oidc: {
            issuer: provider.issuer,
            clientId: provider.clientId,
            clientSecretEnv: 'PORTOLAN_TEST_OIDC_SECRET',
          },
        },
      },
      'test',
    );
    portal = await startPortal({
      config,
      baseDir: EXAMPLES,
      apiOnly: true,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await portal?.close();
    await provider?.stop();
  });

  async function signIn(jar: CookieJar, login: string) {
    const loginPage = await visit(jar, `${base}/auth/login?returnTo=/catalog/component/default/checkout`);
    expect(loginPage.url.origin).toBe(provider.issuer);
    const form = firstForm(loginPage);
    const consent = await visit(jar, form.action.href, {
      method: 'POST',
      form: { ...form.fields, login, password: 'any' },
    });
    const confirm = firstForm(consent);
    return visit(jar, confirm.action.href, { method: 'POST', form: confirm.fields });
  }

  it('signs in through the provider with PKCE and comes back to where it started, with a Lax HttpOnly session', async () => {
    const jar = new CookieJar();
    const first = await visit(jar, `${base}/auth/login`);
    const pending = first.setCookies.find((c) => c.line.startsWith('portolan_login='));
    expect(pending?.line).toMatch(/; HttpOnly/);
    expect(first.url.origin).toBe(provider.issuer);
    // the provider is set to refuse a request without PKCE; ours carries an S256 challenge
    const redirect = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    const authorize = new URL(redirect.headers.get('location')!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/auth/callback`);
    const done = await signIn(new CookieJar(), 'ada');
    // the API-only portal has no page there, but the browser was sent to it
    expect(done.url.href).toBe(`${base}/catalog/component/default/checkout`);
    const session = done.setCookies.find((c) => c.line.startsWith('portolan_session='));
    expect(session?.line).toMatch(/; HttpOnly/);
    expect(session?.line).toMatch(/; SameSite=Lax/);
    // served over http here, so not Secure (it is over https)
    expect(session?.line).not.toMatch(/Secure/);
  });

  it('maps the signed-in person to their catalog User by email, and so to their groups', async () => {
    const jar = new CookieJar();
    await signIn(jar, 'ada');
    const cookie = jar.header(new URL(base));
    const me = (await (await fetch(`${base}/api/me`, { headers: { cookie } })).json()) as Me;
    expect(me).toMatchObject({
      mode: 'signed-in',
      subject: {
        type: 'user',
        ref: 'user:default/ada',
        groups: ['group:default/commerce', 'group:default/payments'],
      },
    });
    // ada is an admin (payments): the session may refresh, with the CSRF token, from the portal's origin
    const refresh = (csrf?: string) =>
      fetch(`${base}/api/catalog/refresh`, {
        method: 'POST',
        headers: { cookie, origin: base, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      });
    expect((await refresh()).status).toBe(403);
    expect((await refresh(me.csrf)).status).toBe(200);
    // sign out ends the session
    const out = await fetch(`${base}/auth/logout`, {
      method: 'POST',
      headers: { cookie, origin: base, 'x-csrf-token': me.csrf },
    });
    expect(out.status).toBe(204);
    const after = await (await fetch(`${base}/api/me`, { headers: { cookie } })).json();
    expect(after).toMatchObject({ subject: { type: 'anonymous' }, signIn: '/auth/login' });
  });

  it('signs in someone the catalog does not know as a reader with no groups', async () => {
    const jar = new CookieJar();
    await signIn(jar, 'newcomer');
    const cookie = jar.header(new URL(base));
    const me = (await (await fetch(`${base}/api/me`, { headers: { cookie } })).json()) as Me;
    expect(me.subject).toEqual({ type: 'user', ref: 'user:default/newcomer', groups: [] });
    expect((await fetch(`${base}/api/catalog/entities`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/api/audit`, { headers: { cookie } })).status).toBe(403);
  });

  it('refuses a callback that did not start here, and a returnTo that leaves the portal', async () => {
    const forged = await fetch(`${base}/auth/callback?code=x&state=y`, { redirect: 'manual' });
    expect(forged.status).toBe(400);
    const jar = new CookieJar();
    const done = await (async () => {
      const page = await visit(jar, `${base}/auth/login?returnTo=//evil.example/x`);
      const form = firstForm(page);
      const consent = await visit(jar, form.action.href, {
        method: 'POST',
        form: { ...form.fields, login: 'ada', password: 'x' },
      });
      const confirm = firstForm(consent);
      return visit(jar, confirm.action.href, { method: 'POST', form: confirm.fields });
    })();
    expect(done.url.href).toBe(`${base}/`);
  });
});
