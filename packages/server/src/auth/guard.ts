// The one place where requests meet the permission policy. Every route declares its permission
// beside itself (`config: { permission }`); the hooks below refuse foreign Host headers (DNS
// rebinding) and cross-site writes, find the request's subject (session cookie, bearer token,
// the demo's guest or the local user), check CSRF on cookie writes, ask the policy, audit every
// write and every denial, and end a stream when the session or token behind it ends.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type Action,
  type Decision,
  decide,
  isWrite,
  POLICY_TABLE,
  type PolicySettings,
  type Resource,
  type Subject,
} from '@portolan/core/auth/policy';
import { ForbiddenError } from '@portolan/core/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { isSseResponse } from '../http/sse.ts';
import type { Bus } from '../replicas/bus.ts';
import type { RoutePermission } from './permission.ts';
import { appendAudit } from './store/audit.ts';
import { getIdentity } from './store/identity.ts';
import { findSession, liveSessions, type Session } from './store/sessions.ts';
import { type ApiToken, liveTokens, TOKEN_PREFIX, useToken } from './store/tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    subject: Subject;
    /** The session or token the subject came with. */
    credential?: { type: 'session'; session: Session } | { type: 'token'; token: ApiToken };
    /** Set when the guard refused the request (audited when the response is sent). */
    denial?: { action: string; resource: string; reason: string };
  }
}

export const SESSION_COOKIE = 'portolan_session';
export const CSRF_HEADER = 'x-csrf-token';

export type GuardMode = 'local' | 'guest' | 'signed-in';

export interface GuardOptions {
  mode: GuardMode;
  /** Required when signed in (sessions, tokens); without it the audit goes to the log only. */
  db?: Database;
  logger: Logger;
  policy: PolicySettings;
  /** The configured base URL (signed-in mode): the only origin and Host accepted. */
  baseUrl?: string;
  /** Further Host names accepted (server.allowedHosts). */
  allowedHosts?: readonly string[];
  /** The shared deploy token (deploy.tokenEnv's value), accepted as the `deploy-token` subject. */
  deployToken?: string;
  /** deploy.tokenEnv when it names a variable that is not set: refusals of deploys say so. */
  deployTokenUnset?: string;
  /** A service ref from a URL as the policy sees it: its canonical ref and owner. */
  serviceResource(ref: string): Promise<Resource>;
  now?: () => Date;
  /**
   * The bus between replicas: a sign-out or revocation on any replica ends the streams opened
   * with that session or token on every replica, within a second.
   */
  bus?: Bus;
  /**
   * How often open streams' sessions and tokens are checked against the database (default 15 s):
   * what ends without a message on the bus (a token revoked with the CLI, a message lost while
   * the bus reconnected) ends the stream by then.
   */
  recheckMs?: number;
}

/** Bus topic: a session or token ended (`{ key }`, e.g. `token:<id>`). */
export const CREDENTIAL_ENDED = 'auth.credential-ended';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Who did it, as the audit log and deployment events record it. */
export function subjectLabel(subject: Subject): string {
  return subject.type === 'user' ? subject.ref : subject.type;
}

export class Guard {
  readonly #o: GuardOptions;
  readonly #base: URL | undefined;
  readonly #deployDigest: Buffer | undefined;
  /** Open requests (streams) per session or token, closed when it ends. */
  readonly #open = new Map<string, Set<() => void>>();
  readonly #stops: (() => void)[] = [];

  constructor(options: GuardOptions) {
    this.#o = options;
    this.#base = options.baseUrl ? new URL(options.baseUrl) : undefined;
    this.#deployDigest = options.deployToken ? digest(options.deployToken) : undefined;
    const bus = options.bus;
    if (bus) {
      this.#stops.push(
        bus.subscribe(CREDENTIAL_ENDED, (data) => {
          const key = (data as { key?: unknown }).key;
          if (typeof key === 'string') this.#closeStreams(key);
        }),
        // Whatever was announced while the bus was down is lost: ask the database now.
        bus.subscribe('bus.reconnected', () => void this.recheck()),
      );
    }
    if (options.db && options.mode === 'signed-in') {
      const timer = setInterval(() => void this.recheck(), options.recheckMs ?? 15_000);
      timer.unref?.();
      this.#stops.push(() => clearInterval(timer));
    }
  }

  /** Stops listening to the bus and the periodic re-check (the portal is closing). */
  close(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  get mode(): GuardMode {
    return this.#o.mode;
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  install(app: FastifyInstance): void {
    // Set by the onRequest hook below before any handler runs.
    app.decorateRequest('subject', null as never);
    app.addHook('onRoute', (route) => {
      if (route.config?.permission === undefined)
        throw new Error(`route ${String(route.method)} ${route.url} declares no permission`);
    });
    app.addHook('onRequest', async (request, reply) => this.#onRequest(request, reply));
    app.addHook('onResponse', async (request, reply) => this.#audit(request, reply.statusCode));
  }

  /**
   * For a route whose action depends on its body (e.g. one deployment route that cancels, rolls
   * back or approves): asks the policy as the route's declaration would, and throws the same 403
   * (audited the same way) when it says no. The route still declares the least it needs. The
   * service is a ref from a URL, or a resource the caller already knows (an unknown one: no owner).
   */
  async check(request: FastifyRequest, action: Action, service?: string | Resource): Promise<void> {
    this.#enforce(request, action, await this.#resource(service));
  }

  /** What the policy answers for this request, without refusing it (to offer only what works). */
  async decision(request: FastifyRequest, action: Action, service?: string | Resource): Promise<Decision> {
    return this.#decide(request.subject, action, await this.#resource(service));
  }

  /** The policy's answer, with the config's own words added where they say what to change. */
  #decide(subject: Subject, action: Action, resource: Resource): Decision {
    const decision = decide(subject, action, resource, this.#o.policy);
    const unset = this.#o.deployTokenUnset;
    if (decision.allow || !unset || subject.type !== 'local' || POLICY_TABLE[action].scope !== 'deploy')
      return decision;
    return { ...decision, reason: `${decision.reason} (deploy.tokenEnv names ${unset}, which is not set)` };
  }

  async #resource(service: string | Resource | undefined): Promise<Resource> {
    if (service === undefined) return { type: 'portal' };
    return typeof service === 'string' ? this.#o.serviceResource(service) : service;
  }

  #enforce(request: FastifyRequest, action: Action, resource: Resource): void {
    const decision = this.#decide(request.subject, action, resource);
    if (decision.allow) return;
    request.denial = {
      action: decision.permission,
      resource: resource.type === 'service' ? resource.ref : 'portal',
      reason: decision.reason,
    };
    throw new ForbiddenError(`permission ${decision.permission} is missing: ${decision.reason}`, {
      permission: decision.permission,
    });
  }

  /** Ends every stream opened with this session or token (sign-out, revocation), on every replica. */
  end(key: string): void {
    this.#closeStreams(key);
    this.#o.bus?.publish(CREDENTIAL_ENDED, { key }).catch((error) => {
      this.#o.logger.warn({ err: error }, 'could not tell the other replicas that a credential ended');
    });
  }

  #closeStreams(key: string): void {
    const closers = this.#open.get(key);
    this.#open.delete(key);
    for (const close of closers ?? []) close();
  }

  /** Ends the streams whose session or token is no longer live in the database. */
  async recheck(): Promise<void> {
    const db = this.#o.db;
    if (!db || this.#open.size === 0) return;
    const keys = [...this.#open.keys()];
    const ids = (type: string) =>
      keys.filter((k) => k.startsWith(`${type}:`)).map((k) => k.slice(type.length + 1));
    try {
      const now = this.#now();
      const [sessions, tokens] = await Promise.all([
        liveSessions({ db, idHashes: ids('session'), now }),
        liveTokens({ db, ids: ids('token'), now }),
      ]);
      for (const key of keys) {
        const [type, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
        if (!(type === 'session' ? sessions : tokens).has(id)) this.#closeStreams(key);
      }
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'could not re-check the credentials of open streams');
    }
  }

  async #onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const permission = request.routeOptions.config.permission;
    this.#checkHost(request);
    if (!SAFE_METHODS.has(request.method)) this.#checkOrigin(request);
    request.subject = await this.#authenticate(request);
    if (request.credential?.type === 'session' && !SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER];
      if (given !== request.credential.session.csrf)
        this.#refuse(
          request,
          'csrf',
          `a state-changing request with a session cookie needs the ${CSRF_HEADER} header`,
        );
    }
    if (permission === undefined || permission === 'public') return;
    let resource: Resource = { type: 'portal' };
    if (permission.service !== undefined) {
      const ref = (request.params as Record<string, string | undefined>)[permission.service] ?? '';
      resource = await this.#o.serviceResource(ref);
    }
    this.#enforce(request, permission.action, resource);
    this.#watch(request, reply);
  }

  #refuse(request: FastifyRequest, what: string, reason: string): never {
    request.denial = { action: what, resource: 'portal', reason };
    throw new ForbiddenError(reason, { permission: what });
  }

  #checkHost(request: FastifyRequest): void {
    // Probes and scrapers reach the pod by its IP; these paths say nothing a page could misuse.
    if (PROBE_PATHS.has(request.url.split('?')[0] ?? '')) return;
    const host = (request.headers.host ?? '').toLowerCase();
    const extra = this.#o.allowedHosts ?? [];
    const ok = this.#base
      ? host === this.#base.host || extra.includes(host) || extra.includes(hostName(host))
      : LOOPBACK_NAMES.has(hostName(host)) || extra.includes(host) || extra.includes(hostName(host));
    if (!ok) this.#refuse(request, 'host', `the Host header "${host.slice(0, 100)}" is not this portal's`);
  }

  /** A browser says where a request comes from; a write from another site is refused. */
  #checkOrigin(request: FastifyRequest): void {
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site')
      this.#refuse(request, 'origin', `a ${site} request may not change anything`);
    const origin = request.headers.origin;
    if (origin === undefined) return;
    let expected: string;
    if (this.#base) expected = this.#base.origin;
    else {
      // Without a base URL the origin must be the very host the request was sent to.
      const proto = (request.protocol ?? 'http').toLowerCase();
      expected = `${proto}://${(request.headers.host ?? '').toLowerCase()}`;
    }
    if (origin.toLowerCase() !== expected)
      this.#refuse(
        request,
        'origin',
        `a request from origin "${origin.slice(0, 100)}" may not change anything`,
      );
  }

  async #authenticate(request: FastifyRequest): Promise<Subject> {
    const bearerGiven = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    // Compare digests: equal length, constant time, whatever the caller sent.
    if (this.#deployDigest && bearerGiven && timingSafeEqual(digest(bearerGiven), this.#deployDigest))
      return { type: 'deploy-token' };
    if (this.#o.mode === 'guest') return { type: 'guest' };
    if (this.#o.mode === 'local') return { type: 'local' };
    const db = this.#o.db;
    if (!db) throw new Error('signed-in mode needs a database');
    const now = this.#now();
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer (\S+)$/i.exec(authorization)?.[1];
      const token = bearer?.startsWith(TOKEN_PREFIX) ? await useToken({ db, token: bearer, now }) : undefined;
      if (!token) this.#refuse(request, 'token', 'the bearer token is unknown, expired or revoked');
      request.credential = { type: 'token', token };
      const identity = await getIdentity({ db, userRef: token.user });
      return { type: 'user', ...identity, scope: token.scope };
    }
    const cookie = readCookie(request, SESSION_COOKIE);
    if (cookie !== undefined) {
      const session = await findSession({ db, cookie, now });
      if (session) {
        request.credential = { type: 'session', session };
        return { type: 'user', ...(await getIdentity({ db, userRef: session.user })) };
      }
    }
    return { type: 'anonymous' };
  }

  /** Long responses (streams) end when the session or token they were opened with ends. */
  #watch(request: FastifyRequest, reply: FastifyReply): void {
    const credential = request.credential;
    if (!credential) return;
    const key =
      credential.type === 'session' ? `session:${credential.session.idHash}` : `token:${credential.token.id}`;
    const expiresAt =
      credential.type === 'session' ? credential.session.expiresAt : credential.token.expiresAt;
    const raw = reply.raw;
    const close = () => {
      clearTimeout(timer);
      if (raw.writableEnded) return;
      if (!raw.headersSent) {
        raw.destroy();
        return;
      }
      if (isSseResponse(raw)) {
        const error = {
          name: 'ForbiddenError',
          message: 'the session or token this stream was opened with has ended',
        };
        raw.write(`event: error\ndata: ${JSON.stringify({ error })}\n\n`);
      }
      raw.end();
    };
    const delay = Math.max(0, Date.parse(expiresAt) - this.#now().getTime());
    // setTimeout holds at most ~24.8 days; a stream that old is re-checked then, and closed.
    const timer = setTimeout(close, Math.min(delay, 2 ** 31 - 1));
    timer.unref?.();
    const set = this.#open.get(key) ?? new Set<() => void>();
    this.#open.set(key, set);
    set.add(close);
    raw.once('close', () => {
      clearTimeout(timer);
      set.delete(close);
      if (set.size === 0 && this.#open.get(key) === set) this.#open.delete(key);
    });
  }

  async #audit(request: FastifyRequest, status: number): Promise<void> {
    const permission = request.routeOptions.config?.permission;
    const action = typeof permission === 'object' ? permission.action : undefined;
    const denial = request.denial;
    if (!denial && !(action && isWrite(action))) return;
    const entry = {
      at: this.#now().toISOString(),
      subject: request.subject ? subjectLabel(request.subject) : 'anonymous',
      action: denial?.action ?? action ?? 'request',
      resource:
        denial?.resource ??
        (typeof permission === 'object' && permission.service
          ? String((request.params as Record<string, unknown>)[permission.service] ?? '')
          : 'portal'),
      outcome: denial ? ('denied' as const) : ('allowed' as const),
      status,
      method: request.method,
      path: request.url.split('?')[0]!.slice(0, 1000),
      reason: denial?.reason ?? null,
    };
    this.#o.logger.info({ audit: entry }, `audit: ${entry.outcome} ${entry.action} for ${entry.subject}`);
    if (!this.#o.db) return;
    try {
      await appendAudit({ db: this.#o.db, entry });
    } catch (error) {
      this.#o.logger.error({ err: error }, 'could not write the audit log');
    }
  }
}
