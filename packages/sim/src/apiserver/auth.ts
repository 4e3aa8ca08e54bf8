// Bearer-token authentication and a tiny authoriser: enough RBAC to exercise Portolan's 401 and
// 403 paths (a read-only identity, an identity that may not see one kind).

export interface Identity {
  user: string;
  groups?: string[];
  /** Only get/list/watch. */
  readOnly?: boolean;
  /** Resources (lower-case plurals, e.g. "horizontalpodautoscalers") this identity may not touch. */
  forbidden?: string[];
}

/** token -> identity */
export type TokenMap = Record<string, Identity>;

export const READ_VERBS = new Set(['get', 'list', 'watch']);

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim();
}

export function authorize(id: Identity, verb: string, resource: string): boolean {
  const base = resource.split('/')[0]!;
  if (id.forbidden?.includes(base) || id.forbidden?.includes(resource)) return false;
  if (id.readOnly && !READ_VERBS.has(verb)) return false;
  return true;
}

export function forbiddenMessage(
  id: Identity,
  verb: string,
  resource: string,
  group: string,
  ns: string | undefined,
  name?: string,
): string {
  // As the real authorizer words it: the resource qualified by its group, e.g. "deployments.apps".
  const qualified = group ? `${resource}.${group}` : resource;
  const what = name ? `${qualified} "${name}"` : qualified;
  const scope = ns ? `in the namespace "${ns}"` : 'at the cluster scope';
  return `${what} is forbidden: User "${id.user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`;
}
