// Routes of identity: who am I, personal API tokens, the audit log.
import { decide, type PolicySettings, TOKEN_SCOPES } from '@portolan/core/auth/policy';
import { ForbiddenError, NotFoundError } from '@portolan/core/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { OpenApiRegistry } from '../http/openapi.ts';
import { parseQuery } from '../http/query.ts';
import type { Guard } from './guard.ts';
import { needs, PUBLIC } from './permission.ts';
import { listAudit } from './store/audit.ts';
import { createToken, getToken, listTokens, revokeToken } from './store/tokens.ts';

const DAY_MS = 24 * 3600 * 1000;

export const newTokenBody = z
  .object({
    name: z.string().min(1).max(200),
    scope: z.enum(TOKEN_SCOPES),
    expiresInDays: z.number().int().min(1).max(3650).default(90),
  })
  .strict();

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.string().max(100).optional().describe('the id of the last entry of the previous page'),
});

export interface MeRoutesOptions {
  guard: Guard;
  /** Where the browser goes to sign in, when sign-in is configured. */
  signInPath?: string;
}

export interface TokenRoutesOptions {
  guard: Guard;
  /** Absent in modes without sign-in (tokens and the audit table need it). */
  db?: Database;
  policy: PolicySettings;
  /** The longest life a token may be given. */
  tokenMaxDays: number;
  now?: () => Date;
}

export function meRoutes(app: FastifyInstance, openapi: OpenApiRegistry, opts: MeRoutesOptions): void {
  openapi.add({
    method: 'get',
    path: '/api/me',
    tag: 'auth',
    summary:
      'Who the request is from (a user, a guest, the local user, or nobody yet), the CSRF token of its session, and where to sign in',
  });
  app.get('/api/me', PUBLIC, async (request) => {
    const s = request.subject;
    const credential = request.credential;
    return {
      mode: opts.guard.mode,
      subject: s.type === 'user' ? { type: 'user', ref: s.ref, groups: s.groups } : { type: s.type },
      ...(credential?.type === 'session' ? { csrf: credential.session.csrf } : {}),
      ...(credential?.type === 'token'
        ? { token: { id: credential.token.id, scope: credential.token.scope } }
        : {}),
      ...(opts.signInPath && s.type === 'anonymous' ? { signIn: opts.signInPath } : {}),
      scopes: TOKEN_SCOPES,
    };
  });
}

/** The signed-in user's ref; the guard has already refused everyone else. */
function userOf(request: FastifyRequest): string {
  if (request.subject.type !== 'user') throw new ForbiddenError('sign in first');
  return request.subject.ref;
}

/** Personal API tokens of the signed-in user, and the audit log. */
export function tokenRoutes(app: FastifyInstance, openapi: OpenApiRegistry, opts: TokenRoutesOptions): void {
  const { db } = opts;
  if (!db) return;
  const now = () => opts.now?.() ?? new Date();
  const isAdmin = (request: FastifyRequest) =>
    decide(request.subject, 'audit.read', { type: 'portal' }, opts.policy).allow;

  openapi.add({
    method: 'get',
    path: '/api/tokens',
    tag: 'auth',
    summary: 'Your API tokens, with their last use',
  });
  app.get('/api/tokens', needs('tokens.manage'), async (request) => ({
    items: await listTokens({ db, user: userOf(request) }),
  }));

  openapi.add({
    method: 'post',
    path: '/api/tokens',
    tag: 'auth',
    summary:
      'A new API token for you: {name, scope: read|deploy|admin, expiresInDays}; the token is shown only in this answer',
  });
  app.post('/api/tokens', needs('tokens.manage'), async (request, reply) => {
    const body = parseQuery(newTokenBody, request.body ?? {});
    const days = Math.min(body.expiresInDays, opts.tokenMaxDays);
    const at = now();
    const created = await createToken({
      db,
      user: userOf(request),
      name: body.name,
      scope: body.scope,
      expiresAt: new Date(at.getTime() + days * DAY_MS),
      now: at,
    });
    return reply.status(201).send({ token: created.token, ...created.info });
  });

  openapi.add({
    method: 'delete',
    path: '/api/tokens/:id',
    tag: 'auth',
    summary: "Revoke one of your tokens (admins: anyone's); streams opened with it end",
  });
  app.delete<{ Params: { id: string } }>(
    '/api/tokens/:id',
    needs('tokens.manage'),
    async (request, reply) => {
      const token = await getToken({ db, id: request.params.id });
      if (!token || (token.user !== userOf(request) && !isAdmin(request)))
        throw new NotFoundError(`no token ${request.params.id.slice(0, 40)}`);
      await revokeToken({ db, id: token.id, now: now() });
      opts.guard.end(`token:${token.id}`);
      return reply.status(204).send();
    },
  );

  openapi.add({
    method: 'get',
    path: '/api/audit',
    tag: 'auth',
    summary: 'Every write and every denial, newest first',
    query: auditQuery,
  });
  app.get('/api/audit', needs('audit.read'), async (request) => {
    const q = parseQuery(auditQuery, request.query);
    const items = await listAudit({ db, limit: q.limit, before: q.before });
    const last = items.length === q.limit ? items.at(-1)?.id : undefined;
    return { items, ...(last ? { pageInfo: { before: last } } : {}) };
  });
}
