// How a route declares its permission, beside itself:
//   app.get('/api/services/:ref/logs', needs('service.logs', 'ref'), handler)
// The guard (guard.ts) reads it; a route that declares nothing cannot be registered.
// Deploy routes declare theirs the same way: needs('service.deploy', 'ref'), ('service.cancel',
// 'ref'), ...; a route whose action depends on its body calls guard.check(request, action, ref).
import type { Action } from '@portolan/core/auth/policy';

/** What a route needs: nothing (`public`), or an action, on the service named by a path parameter. */
export type RoutePermission = 'public' | { action: Action; service?: string };

/** Route options saying the route needs `action`, on the service named by path parameter `service`. */
export function needs(action: Action, service?: string): { config: { permission: RoutePermission } } {
  return { config: { permission: service === undefined ? { action } : { action, service } } };
}

/** Route options of a route anyone may call (health probe, sign-in, the web app's files). */
export const PUBLIC: { config: { permission: RoutePermission } } = { config: { permission: 'public' } };
