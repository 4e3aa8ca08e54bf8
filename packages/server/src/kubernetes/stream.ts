// What a service's live stream sends: the view once (`view`), then after each change only what
// changed (`patch`: core's JSON Patch subset, packages/core/src/json/patch.ts), so an update to
// one pod costs bytes in proportion to that pod, not to the whole fleet of the service.
import { diffJson, type Json } from '@portolan/core/json/patch';
import type { ServiceView } from '@portolan/core/services/types';
import type { ViewListener } from './views.ts';

/**
 * The view as streamed: without pods' `ageSeconds`, which changes on every rebuild for every pod
 * and would make each patch as large as the view. Clients compute age from `createdAt` and the
 * view's `generatedAt` (the JSON route, not streamed, keeps `ageSeconds`).
 */
export function streamedView(view: ServiceView): ServiceView {
  return {
    ...view,
    clusters: view.clusters.map((c) => ({
      ...c,
      items: c.items.map((w) => ({ ...w, pods: w.pods.map(({ ageSeconds: _age, ...p }) => p) })),
    })),
  };
}

/**
 * A view listener that sends the first view whole and every later one as a patch (none if equal);
 * `restart()` makes the next one whole again (a client that missed patches needs a fresh view).
 */
export function patchingListener(
  send: (event: 'view' | 'patch', data: unknown) => void,
): ViewListener & { restart(): void } {
  let last: Json | undefined;
  const listener = (view: ServiceView) => {
    const doc = streamedView(view) as unknown as Json;
    if (last === undefined) send('view', doc);
    else {
      const patch = diffJson(last, doc);
      if (patch.length > 0) send('patch', patch);
    }
    last = doc;
  };
  return Object.assign(listener, {
    restart: () => {
      last = undefined;
    },
  });
}
