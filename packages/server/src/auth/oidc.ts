// Sign-in with OpenID Connect: authorization code with PKCE (S256), state and nonce, through
// a maintained client library. The pending sign-in (state, code verifier, nonce, where to go
// back to) rides in a short-lived HttpOnly cookie, so any replica can finish it.
import { normalizeRef } from '@portolan/core/catalog/ref';
import { ForbiddenError, InputError, UnavailableError } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import type { AuthConfig } from './config.ts';
import { type Guard, readCookie, SESSION_COOKIE } from './guard.ts';
import { PUBLIC } from './permission.ts';
import { findUser } from './store/identity.ts';
import { createSession, deleteSession } from './store/sessions.ts';

const LOGIN_COOKIE = 'portolan_login';
const LOGIN_TTL_SECONDS = 600;
export const SIGN_IN_PATH = '/auth/login';

export interface OidcRoutesOptions {
  auth: AuthConfig & { oidc: NonNullable<AuthConfig['oidc']> };
  db: Database;
  guard: Guard;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** Set-Cookie value: HttpOnly, SameSite=Lax, Secure when the portal is served over https. */
function cookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** Only a path on this portal: never another origin (`//evil`, `/\evil`, `https://...`). */
function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !/^\/(?![/\\])[^\s]*$/.test(value) || value.length > 2000) return '/';
  return value;
}

/** A ref for a signed-in person the catalog does not know: from their user name or email. */
function fallbackRef(claims: Record<string, unknown>): string {
  const raw = String(claims.preferred_username ?? String(claims.email ?? '').split('@')[0] ?? '');
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 63);
  if (!name)
    throw new ForbiddenError('the identity provider named no user (no preferred_username or email claim)');
  return normalizeRef(name, { defaultKind: 'user' });
}

export function oidcRoutes(app: FastifyInstance, openapi: OpenApiRegistry, opts: OidcRoutesOptions): void {
  const { auth, db, guard, logger } = opts;
  const secure = auth.baseUrl.startsWith('https:');
  const redirectUri = `${auth.baseUrl}/auth/callback`;
  const now = () => opts.now?.() ?? new Date();
  let config: Promise<client.Configuration> | undefined;
  const discover = () => {
    config ??= (async () => {
      const secretEnv = auth.oidc.clientSecretEnv;
      const secret = secretEnv ? (opts.env ?? process.env)[secretEnv] : undefined;
      if (secretEnv && !secret)
        throw new UnavailableError(`the OIDC client secret variable ${secretEnv} is not set`);
      const issuer = new URL(auth.oidc.issuer);
      return client.discovery(
        issuer,
        auth.oidc.clientId,
        secret,
        secret ? client.ClientSecretBasic(secret) : client.None(),
        // A plain-http issuer is accepted only on loopback (a provider on the same machine).
        issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
          ? { execute: [client.allowInsecureRequests], timeout: 10 }
          : { timeout: 10 },
      );
    })().catch((error: unknown) => {
      config = undefined;
      logger.error({ err: error }, 'OIDC discovery failed');
      throw new UnavailableError(`sign-in is unavailable: the identity provider did not answer discovery`);
    });
    return config;
  };

  openapi.add({
    method: 'get',
    path: SIGN_IN_PATH,
    tag: 'auth',
    summary: 'Sign in: redirects to the identity provider',
  });
  app.get(SIGN_IN_PATH, PUBLIC, async (request, reply) => {
    const c = await discover();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const returnTo = safeReturnTo((request.query as { returnTo?: unknown }).returnTo);
    const pending = Buffer.from(JSON.stringify({ state, verifier, nonce, returnTo })).toString('base64url');
    const url = client.buildAuthorizationUrl(c, {
      redirect_uri: redirectUri,
      scope: auth.oidc.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return reply
      .header('set-cookie', cookie(LOGIN_COOKIE, pending, LOGIN_TTL_SECONDS, secure))
      .header('cache-control', 'no-store')
      .redirect(url.href, 302);
  });

  openapi.add({
    method: 'get',
    path: '/auth/callback',
    tag: 'auth',
    summary: 'Where the identity provider sends the browser back',
  });
  app.get('/auth/callback', PUBLIC, async (request, reply) => {
    const pending = parsePending(readCookie(request, LOGIN_COOKIE));
    if (!pending)
      throw new InputError(
        'no sign-in is in progress in this browser (or it took over 10 minutes); start again',
      );
    const c = await discover();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(c, new URL(request.url, auth.baseUrl), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message } }, 'sign-in failed');
      throw new ForbiddenError(`sign-in failed: ${(error as Error).message}`);
    }
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const name = typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined;
    const user = (await findUser({ db, email, name })) ?? fallbackRef(claims);
    const at = now();
    const { cookie: id } = await createSession({
      db,
      user,
      expiresAt: new Date(at.getTime() + auth.sessionHours * 3600_000),
      now: at,
    });
    logger.info({ user }, 'signed in');
    return reply
      .header('set-cookie', [
        cookie(SESSION_COOKIE, id, Math.round(auth.sessionHours * 3600), secure),
        cookie(LOGIN_COOKIE, '', 0, secure),
      ])
      .header('cache-control', 'no-store')
      .redirect(pending.returnTo, 302);
  });

  openapi.add({
    method: 'post',
    path: '/auth/logout',
    tag: 'auth',
    summary: 'Sign out: ends the session and every stream opened with it',
  });
  app.post('/auth/logout', PUBLIC, async (request, reply) => {
    const credential = request.credential;
    if (credential?.type === 'session') {
      await deleteSession({ db, idHash: credential.session.idHash });
      guard.end(`session:${credential.session.idHash}`);
    }
    return reply
      .header('set-cookie', cookie(SESSION_COOKIE, '', 0, secure))
      .status(204)
      .send();
  });
}

function parsePending(
  value: string | undefined,
): { state: string; verifier: string; nonce: string; returnTo: string } | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof v.state !== 'string' || typeof v.verifier !== 'string' || typeof v.nonce !== 'string')
      return undefined;
    return { state: v.state, verifier: v.verifier, nonce: v.nonce, returnTo: safeReturnTo(v.returnTo) };
  } catch {
    return undefined;
  }
}
