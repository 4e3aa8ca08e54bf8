import type { Entity } from '@portolan/core/catalog/entity';
import { parseErrorBody } from '@portolan/core/errors';

/** Fetches JSON from the portal API; error bodies become the matching domain error. */
export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
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

export interface Info {
  title: string;
  banner?: string;
  version: string;
}

export function refOf(e: Pick<ApiEntity, 'kind' | 'metadata'>): string {
  return `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`.toLowerCase();
}

/** `kind:namespace/name` -> the entity page path. */
export function entityPath(ref: string): string {
  const m = /^([^:]+):([^/]+)\/(.+)$/.exec(ref);
  if (!m) return '/';
  return `/catalog/${encodeURIComponent(m[1]!)}/${encodeURIComponent(m[2]!)}/${encodeURIComponent(m[3]!)}`;
}

/** Only http(s) and mailto links are rendered as links; anything else is shown as text. */
export function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}
