// Service views computed from memory, and subscriptions that recompute a view only when a change
// routed to it (or its clusters' state) may have altered it, coalesced over a short window and
// recomputed one per macrotask.
import type { ClusterObject, KubeObject } from '@portolan/core';
import { type AccessDenials, allowedObjects, withAccessErrors } from '@portolan/core/auth/kubernetes';
import {
  assembleServiceView,
  buildClusterView,
  type ClusterState,
  type ClusterView,
  emptyFootprint,
  locatorKey,
  type ServiceFootprint,
  type ServiceLocator,
  type ServiceObject,
  type ServiceView,
  selectionKey,
  selectServiceObjects,
  viewReads,
} from '@portolan/core/services/index';
import type { Logger } from '../log.ts';
import type { ClusterSet } from './cluster.ts';
import { ChangeRouter } from './router.ts';
import type { Change } from './store.ts';

export type ViewListener = (view: ServiceView) => void;

export interface ViewOptions {
  /** Pods per workload per cluster (default: the config's maxPodsPerWorkload); 0 = all. */
  maxPodsPerWorkload?: number;
  /**
   * What the user may not read (per-user Kubernetes identity): those objects are left out before
   * the view is built, and each denial is named in its cluster's errors.
   */
  denials?: AccessDenials;
}

interface Subscription {
  locator: ServiceLocator;
  maxPods: number | undefined;
  denials: AccessDenials | undefined;
  listeners: Set<ViewListener>;
  timer: NodeJS.Timeout | undefined;
  queued: boolean;
}

/** One cluster's part of a kept view: rebuilt alone when something in that cluster changes. */
interface ClusterPart {
  view: ClusterView;
  footprint: ServiceFootprint;
  /** What the view was built from (before denials): rebuilt from again, with newer versions. */
  objects: ServiceObject[];
  builtAt: number;
}

/** A view served to a request, kept until a change is routed to it (see ServiceViews.view). */
interface CachedView {
  locator: ServiceLocator;
  key: string;
  maxPods: number | undefined;
  denials: AccessDenials | undefined;
  /** Per cluster name. A service runs in a few of many clusters: a change in one of them, or its
   * state, costs rebuilding that cluster's part, not selecting the service in every cluster. */
  parts: Map<string, ClusterPart>;
  /** Clusters whose part a change was routed to since it was built that may alter what it holds. */
  dirty: Set<string>;
  /**
   * Per cluster, newer versions of objects its part holds, by uid: changes that keep what the
   * part holds (selectionKey), such as a pod's or an HPA's status. The part is then rebuilt from
   * the objects it had, without selecting the service again or touching the routers.
   */
  newer: Map<string, Map<string, KubeObject>>;
  /** The whole view, assembled from the parts; undefined once a part is dirty. */
  view: ServiceView | undefined;
  /** The view as JSON, made on first ask: most of a small view's answer time is serialising it. */
  json: string | undefined;
}

/**
 * Each cluster part's JSON, made once per part: a view changed in one of its clusters is sent
 * with that cluster serialised again and the others' text reused (at 150 clusters, serialising
 * the whole view again was most of a view's answer time under churn).
 */
const partJson = new WeakMap<ClusterView, string>();

/** The view as JSON.stringify writes it, from the parts' kept JSON. */
export function serializeView(view: ServiceView): string {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(view)) {
    if (value === undefined) continue;
    let json: string;
    if (key === 'clusters') {
      const parts = (value as ClusterView[]).map((c) => {
        let text = partJson.get(c);
        if (text === undefined) {
          text = JSON.stringify(c);
          partJson.set(c, text);
        }
        return text;
      });
      json = `[${parts.join(',')}]`;
    } else json = JSON.stringify(value);
    fields.push(`${JSON.stringify(key)}:${json}`);
  }
  return `{${fields.join(',')}}`;
}

/** The footprint of a part holding nothing: shared, never written (the router only reads it). */
const EMPTY_FOOTPRINT: ServiceFootprint = emptyFootprint();

/** Views kept for requests; the least recently asked goes first. */
const CACHED_VIEWS = 2000;
/** A kept view is rebuilt after this long even if nothing changed, so pod ages stay near true. */
const CACHED_VIEW_MAX_AGE_MS = 15_000;

export interface ServiceViewsOptions {
  clusters: ClusterSet;
  now: () => number;
  /** Read on each use, so a config reload applies at once. */
  settings: () => { maxPodsPerWorkload: number; streamDebounceMs: number };
  log?: Logger | undefined;
}

export class ServiceViews {
  readonly #o: ServiceViewsOptions;
  readonly #subs = new Map<string, Subscription>();
  readonly #router = new ChangeRouter<Subscription>();
  readonly #cache = new Map<string, CachedView>();
  readonly #cacheRouter = new ChangeRouter<CachedView>();
  /**
   * Per cluster: its state as the parts are built from it, until the cluster says it changed
   * (clusterChanged, which rebuilds its parts anyway); building it per part rebuilt was a tenth of
   * a view's time under churn.
   */
  readonly #states = new Map<string, ClusterState>();
  /** Per cluster: its part in the views of services it holds nothing of (see #emptyPart). */
  readonly #empty = new Map<string, { key: string; view: ClusterView }>();
  #queue: Subscription[] = [];
  #draining = false;

  constructor(options: ServiceViewsOptions) {
    this.#o = options;
  }

  /** All objects of a service, per cluster, for health rules. */
  objectsFor(locator: ServiceLocator): ClusterObject[] {
    const out: ClusterObject[] = [];
    for (const watcher of this.#o.clusters.all()) {
      for (const o of selectServiceObjects(locator, watcher)) out.push({ cluster: watcher.name, ...o });
    }
    return out;
  }

  #maxPods(options: ViewOptions): number | undefined {
    const n = options.maxPodsPerWorkload ?? this.#o.settings().maxPodsPerWorkload;
    return n > 0 ? n : undefined;
  }

  /** The denials a view is built with; none (the view everyone shares) when nothing is denied. */
  #denials(options: ViewOptions): AccessDenials | undefined {
    return options.denials && !options.denials.empty ? options.denials : undefined;
  }

  #key(locator: ServiceLocator, maxPods: number | undefined, denials: AccessDenials | undefined): string {
    return `${locator.ref}#${locatorKey(locator)}#${maxPods ?? 'all'}${denials ? `#${denials.key}` : ''}`;
  }

  /**
   * The service view, from memory: never waits for a cluster. A view asked for again is answered
   * from the last one built unless a change was routed to it (the same routing that wakes live
   * streams), a cluster's state changed, or it is older than CACHED_VIEW_MAX_AGE_MS; then only
   * the parts of the clusters concerned are rebuilt. The view returned is shared: callers must
   * not modify it.
   */
  view(locator: ServiceLocator, options: ViewOptions = {}): ServiceView {
    return this.#fresh(this.#cached(locator, this.#maxPods(options), this.#denials(options)));
  }

  /** The same view as JSON text, kept with it. */
  viewJson(locator: ServiceLocator, options: ViewOptions = {}): string {
    const entry = this.#cached(locator, this.#maxPods(options), this.#denials(options));
    const view = this.#fresh(entry);
    entry.json ??= serializeView(view);
    return entry.json;
  }

  #cached(locator: ServiceLocator, maxPods: number | undefined, denials?: AccessDenials): CachedView {
    const key = this.#key(locator, maxPods, denials);
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      this.#cache.set(key, hit); // most recently used last
      return hit;
    }
    const entry: CachedView = {
      locator,
      key,
      maxPods,
      denials,
      parts: new Map(),
      dirty: new Set(),
      newer: new Map(),
      view: undefined,
      json: undefined,
    };
    this.#cache.set(key, entry);
    this.#cacheRouter.add(entry);
    if (this.#cache.size > CACHED_VIEWS) {
      const oldest = this.#cache.values().next().value;
      if (oldest) this.#forget(oldest);
    }
    return entry;
  }

  /**
   * The entry's view, with every part that is dirty, missing, holds objects changed since, or is
   * older than CACHED_VIEW_MAX_AGE_MS rebuilt from the caches; the router is told the new
   * footprint of each part selected again.
   */
  #fresh(entry: CachedView): ServiceView {
    const now = this.#o.now();
    const watchers = [...this.#o.clusters.all()];
    const { denials } = entry;
    let rebuilt = entry.view === undefined || entry.parts.size !== watchers.length;
    for (const watcher of watchers) {
      const part = entry.parts.get(watcher.name);
      const newer = entry.newer.get(watcher.name);
      const dirty = entry.dirty.has(watcher.name);
      if (part && !dirty && !newer && now - part.builtAt < CACHED_VIEW_MAX_AGE_MS) continue;
      rebuilt = true;
      let { objects, footprint } = part ?? { objects: [], footprint: EMPTY_FOOTPRINT };
      if (!part || dirty) {
        footprint = emptyFootprint();
        objects = selectServiceObjects(entry.locator, watcher, footprint, { events: false });
        if (objects.length === 0) footprint = EMPTY_FOOTPRINT;
        this.#cacheRouter.update(entry, watcher.name, footprint);
      } else if (newer) {
        objects = objects.map((o) => {
          const next = newer.get(o.object.metadata?.uid ?? '');
          return next ? ({ kind: o.kind, object: next } as ServiceObject) : o;
        });
      }
      const allowed = denials ? allowedObjects(watcher.name, objects, denials) : objects;
      let state = this.#states.get(watcher.name);
      if (!state) {
        state = watcher.state();
        this.#states.set(watcher.name, state);
      }
      entry.parts.set(watcher.name, {
        view:
          objects.length === 0
            ? this.#emptyPart(state, now, entry.maxPods)
            : buildClusterView({ state, objects: allowed }, now, entry.maxPods),
        footprint,
        objects,
        builtAt: now,
      });
    }
    entry.dirty.clear();
    entry.newer.clear();
    if (!rebuilt && entry.view) return entry.view;
    if (entry.parts.size !== watchers.length) {
      const names = new Set(watchers.map((w) => w.name));
      for (const name of entry.parts.keys()) {
        if (names.has(name)) continue;
        entry.parts.delete(name);
        this.#cacheRouter.update(entry, name, EMPTY_FOOTPRINT);
      }
    }
    const view = assembleServiceView({
      ref: entry.locator.ref,
      name: entry.locator.name,
      now,
      clusters: [...entry.parts.values()].map((p) => p.view),
    });
    entry.view = denials ? withAccessErrors(view, denials) : view;
    entry.json = undefined;
    return entry.view;
  }

  /**
   * A cluster where the service has nothing: its part is the cluster's status alone, the same for
   * every service, so one object is shared by all the kept views (a service runs in a few of many
   * clusters; without this, most of the kept views' memory was these).
   */
  #emptyPart(state: ClusterState, now: number, maxPods: number | undefined): ClusterView {
    const view = buildClusterView({ state, objects: [] }, now, maxPods);
    const key = JSON.stringify(view);
    const hit = this.#empty.get(state.cluster);
    if (hit?.key === key) return hit.view;
    this.#empty.set(state.cluster, { key, view });
    return view;
  }

  #forget(entry: CachedView) {
    if (this.#cache.get(entry.key) !== entry) return;
    this.#cache.delete(entry.key);
    this.#cacheRouter.delete(entry);
  }

  #forgetAll() {
    this.#empty.clear();
    this.#states.clear();
    for (const entry of this.#cache.values()) this.#cacheRouter.delete(entry);
    this.#cache.clear();
  }

  /**
   * Call `listener` with the view now and then after each change to the service's objects or its
   * clusters' state, coalesced over `streamDebounceMs`. Returns the unsubscribe function.
   */
  subscribe(locator: ServiceLocator, listener: ViewListener, options: ViewOptions = {}): () => void {
    const maxPods = this.#maxPods(options);
    const denials = this.#denials(options);
    const key = this.#key(locator, maxPods, denials);
    let sub = this.#subs.get(key);
    if (!sub) {
      sub = { locator, maxPods, denials, listeners: new Set(), timer: undefined, queued: false };
      this.#subs.set(key, sub);
      this.#router.add(sub);
    }
    sub.listeners.add(listener);
    listener(this.#compute(sub));
    const s = sub;
    return () => {
      s.listeners.delete(listener);
      if (s.listeners.size === 0) {
        if (s.timer) clearTimeout(s.timer);
        this.#subs.delete(key);
        this.#router.delete(s);
      }
    };
  }

  get count(): number {
    return this.#subs.size;
  }

  /** A subscription's view comes from the kept views too: only its changed clusters are rebuilt. */
  #compute(sub: Subscription): ServiceView {
    const entry = this.#cached(sub.locator, sub.maxPods, sub.denials);
    const view = this.#fresh(entry);
    // Unchanged parts keep their footprint object: telling the router again costs nothing.
    for (const [cluster, part] of entry.parts) this.#router.update(sub, cluster, part.footprint);
    return view;
  }

  #schedule(sub: Subscription) {
    if (sub.timer || sub.queued) return;
    sub.timer = setTimeout(() => {
      sub.timer = undefined;
      sub.queued = true;
      this.#queue.push(sub);
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => this.#drain());
      }
    }, this.#o.settings().streamDebounceMs);
  }

  /**
   * Recompute queued views one per macrotask, so that many views due at once (after a relist,
   * or a cluster state change) never block watch events and HTTP requests for long.
   */
  #drain() {
    const sub = this.#queue.shift();
    if (!sub) {
      this.#draining = false;
      return;
    }
    sub.queued = false;
    if (sub.listeners.size > 0) {
      const view = this.#compute(sub);
      for (const l of sub.listeners) {
        try {
          l(view);
        } catch (error) {
          this.#o.log?.error({ err: error }, 'service view listener failed');
        }
      }
    }
    setImmediate(() => this.#drain());
  }

  /** Every open view is due (the clusters changed). */
  markAllDirty(): void {
    this.#forgetAll();
    for (const sub of this.#subs.values()) this.#schedule(sub);
  }

  /** One cluster's state changed: its part of every kept view is due, and every open view. */
  clusterChanged(cluster: string): void {
    this.#states.delete(cluster);
    for (const entry of this.#cache.values()) {
      entry.dirty.add(cluster);
      entry.view = undefined;
    }
    for (const sub of this.#subs.values()) this.#schedule(sub);
  }

  /**
   * Schedule the views these changes (in `cluster`) may alter. Events are not shown in a view; a
   * change that keeps what a view holds (same selectionKey) is kept as a newer version of an
   * object its part holds, or ignored when the part holds nothing of it.
   */
  changed(changes: readonly Change[], cluster: string): void {
    const due = new Set<Subscription>();
    const routed = new Set<CachedView>();
    for (const change of changes) {
      if (!viewReads(change.kind)) continue;
      if (this.#subs.size > 0) this.#router.route(change, cluster, due);
      if (this.#cache.size === 0) continue;
      routed.clear();
      this.#cacheRouter.route(change, cluster, routed);
      if (routed.size === 0) continue;
      const uid = change.object.metadata?.uid;
      const keeps =
        uid !== undefined &&
        change.type === 'modified' &&
        change.previous !== undefined &&
        selectionKey(change.kind, change.previous) === selectionKey(change.kind, change.object);
      for (const entry of routed) {
        if (entry.dirty.has(cluster)) continue;
        if (keeps) {
          if (!entry.parts.get(cluster)?.footprint.uids.has(uid)) continue;
          let newer = entry.newer.get(cluster);
          if (!newer) {
            newer = new Map();
            entry.newer.set(cluster, newer);
          }
          newer.set(uid, change.object);
        } else entry.dirty.add(cluster);
        entry.view = undefined;
      }
    }
    for (const sub of due) this.#schedule(sub);
  }

  /** Drop every subscription (the engine stops). */
  clear(): void {
    this.#forgetAll();
    for (const sub of this.#subs.values()) {
      if (sub.timer) clearTimeout(sub.timer);
      this.#router.delete(sub);
    }
    this.#subs.clear();
    this.#queue = [];
  }
}
