import type { Entity } from '@portolan/core/catalog/entity';
import {
  DEFAULT_NAMESPACE,
  parseEntityRef,
  shortEntityRef,
  stringifyEntityRef,
} from '@portolan/core/catalog/ref';
import { parseErrorBody } from '@portolan/core/errors';

let csrf: string | undefined;

/** The session's CSRF token, sent on every state-changing request (from GET /api/me). */
export function setCsrfToken(token: string | undefined): void {
  csrf = token;
}

/** Fetches JSON from the portal API; error bodies become the matching domain error. */
export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const unsafe = init?.method !== undefined && !['GET', 'HEAD'].includes(init.method.toUpperCase());
  const res = await fetch(path, {
    ...init,
    headers: {
      accept: 'application/json',
      ...(unsafe && csrf ? { 'x-csrf-token': csrf } : {}),
      ...init?.headers,
    },
  });
  if (res.status === 204) return undefined as T;
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw parseErrorBody(res.status, body);
  return body as T;
}

/** An entity as the catalog API returns it: the descriptor, its relations, origin and problems. */
export interface ApiEntity extends Entity {
  origin: { location: string; file: string; line: number };
  status: {
    orphan: boolean;
    items: { level: 'error' | 'warning'; message: string; file?: string; line?: number; column?: number }[];
  };
}

export interface EntityPage {
  items: ApiEntity[];
  totalItems: number;
  pageInfo: { nextCursor?: string };
}

/** Who the browser is, as GET /api/me says. */
export interface Me {
  mode: 'local' | 'guest' | 'signed-in';
  subject: { type: 'user'; ref: string; groups: string[] } | { type: 'guest' | 'local' | 'anonymous' };
  csrf?: string;
  signIn?: string;
}

export interface Info {
  title: string;
  banner?: string;
  version: string;
}

/** The canonical ref of an entity from the API, formatted by core. */
export function refOf(e: Pick<ApiEntity, 'kind' | 'metadata'>): string {
  return stringifyEntityRef({
    kind: e.kind,
    namespace: e.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: e.metadata.name,
  });
}

/**
 * The page of a reference (`payments`, `group:payments`, `component:default/payments`):
 * groups have a team page, everything else an entity page. A malformed ref has no page.
 */
export function entityPath(ref: string, defaultKind = 'component'): string | undefined {
  try {
    const e = parseEntityRef(ref, { defaultKind });
    if (e.kind.toLowerCase() === 'group') return `/teams/${encodeURIComponent(stringifyEntityRef(e))}`;
    const parts = [e.kind.toLowerCase(), e.namespace.toLowerCase(), e.name];
    return `/catalog/${parts.map(encodeURIComponent).join('/')}`;
  } catch {
    return undefined;
  }
}

/** How the web app shows a reference whose kind goes without saying: core's one formatter. */
export const shortRef = shortEntityRef;

/** Only http(s) and mailto links are rendered as links; anything else is shown as text. */
export function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}
