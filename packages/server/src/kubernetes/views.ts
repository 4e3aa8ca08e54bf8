// Service views computed from memory, and subscriptions that recompute a view only when a change
// routed to it (or its clusters' state) may have altered it, coalesced over a short window and
// recomputed one per macrotask.
import type { ClusterObject } from '@portolan/core';
import { type AccessDenials, allowedObjects, withAccessErrors } from '@portolan/core/auth/kubernetes';
import {
  assembleServiceView,
  buildClusterView,
  type ClusterState,
  type ClusterView,
  emptyFootprint,
  locatorKey,
  mergeFootprint,
  type ServiceFootprint,
  type ServiceLocator,
  type ServiceView,
  selectServiceObjects,
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
  /** Clusters whose part a change was routed to since it was built. */
  dirty: Set<string>;
  /** The whole view, assembled from the parts; undefined once a part is dirty. */
  view: ServiceView | undefined;
  /** The view as JSON, made on first ask: most of a small view's answer time is serialising it. */
  json: string | undefined;
  /** Union of the parts' footprints, as the router holds it. */
  footprint: ServiceFootprint;
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
    entry.json ??= JSON.stringify(view);
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
      view: undefined,
      json: undefined,
      footprint: emptyFootprint(),
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
   * The entry's view, with every part that is dirty, missing or older than CACHED_VIEW_MAX_AGE_MS
   * rebuilt from the caches, and the router told the view's new footprint.
   */
  #fresh(entry: CachedView): ServiceView {
    const now = this.#o.now();
    const watchers = [...this.#o.clusters.all()];
    const { denials } = entry;
    let rebuilt = entry.view === undefined || entry.parts.size !== watchers.length;
    for (const watcher of watchers) {
      const part = entry.parts.get(watcher.name);
      if (part && !entry.dirty.has(watcher.name) && now - part.builtAt < CACHED_VIEW_MAX_AGE_MS) continue;
      const footprint = emptyFootprint();
      const selected = selectServiceObjects(entry.locator, watcher, footprint);
      const objects = denials ? allowedObjects(watcher.name, selected, denials) : selected;
      const state = watcher.state();
      entry.parts.set(watcher.name, {
        view:
          objects.length === 0 && selected.length === 0
            ? this.#emptyPart(state, now, entry.maxPods)
            : buildClusterView({ state, objects }, now, entry.maxPods),
        footprint: selected.length === 0 ? EMPTY_FOOTPRINT : footprint,
        builtAt: now,
      });
      rebuilt = true;
    }
    entry.dirty.clear();
    if (!rebuilt && entry.view) return entry.view;
    if (entry.parts.size !== watchers.length) {
      const names = new Set(watchers.map((w) => w.name));
      for (const name of entry.parts.keys()) if (!names.has(name)) entry.parts.delete(name);
    }
    const footprint = emptyFootprint();
    for (const part of entry.parts.values()) mergeFootprint(footprint, part.footprint);
    this.#cacheRouter.update(entry, footprint);
    entry.footprint = footprint;
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
    this.#router.update(sub, entry.footprint);
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
    for (const entry of this.#cache.values()) {
      entry.dirty.add(cluster);
      entry.view = undefined;
    }
    for (const sub of this.#subs.values()) this.#schedule(sub);
  }

  /** Schedule the views these changes (in `cluster`) may alter. */
  changed(changes: readonly Change[], cluster: string): void {
    if (this.#cache.size > 0) {
      const stale = new Set<CachedView>();
      for (const change of changes) this.#cacheRouter.route(change, stale);
      for (const entry of stale) {
        entry.dirty.add(cluster);
        entry.view = undefined;
      }
    }
    if (this.#subs.size === 0) return;
    const due = new Set<Subscription>();
    for (const change of changes) this.#router.route(change, due);
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
