// Service views computed from memory, and subscriptions that recompute a view only when a change
// routed to it (or its clusters' state) may have altered it, coalesced over a short window and
// recomputed one per macrotask.
import type { ClusterObject } from '@portolan/core';
import { type AccessDenials, allowedObjects, withAccessErrors } from '@portolan/core/auth/kubernetes';
import {
  buildServiceView,
  type ClusterState,
  emptyFootprint,
  locatorKey,
  type ServiceFootprint,
  type ServiceLocator,
  type ServiceObject,
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

/** A view served to a request, kept until a change is routed to it (see ServiceViews.view). */
interface CachedView {
  locator: ServiceLocator;
  key: string;
  view: ServiceView;
  /** The view as JSON, made on first ask: most of a small view's answer time is serialising it. */
  json: string | undefined;
  builtAt: number;
}

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
  #queue: Subscription[] = [];
  #draining = false;

  constructor(options: ServiceViewsOptions) {
    this.#o = options;
  }

  /** Each cluster's state and the service's objects in it, adding their keys to `footprint`. */
  #perCluster(
    locator: ServiceLocator,
    footprint?: ServiceFootprint,
    denials?: AccessDenials,
  ): { state: ClusterState; objects: ServiceObject[] }[] {
    return [...this.#o.clusters.all()].map((watcher) => {
      const objects = selectServiceObjects(locator, watcher, footprint);
      return {
        state: watcher.state(),
        objects: denials ? allowedObjects(watcher.name, objects, denials) : objects,
      };
    });
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

  #build(
    locator: ServiceLocator,
    maxPods: number | undefined,
    footprint?: ServiceFootprint,
    denials?: AccessDenials,
  ): ServiceView {
    const view = buildServiceView({
      ...(maxPods !== undefined ? { maxPodsPerWorkload: maxPods } : {}),
      ref: locator.ref,
      name: locator.name,
      clusters: this.#perCluster(locator, footprint, denials),
      now: this.#o.now(),
    });
    return denials ? withAccessErrors(view, denials) : view;
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
   * streams), a cluster's state changed, or it is older than CACHED_VIEW_MAX_AGE_MS. The view
   * returned is shared: callers must not modify it.
   */
  view(locator: ServiceLocator, options: ViewOptions = {}): ServiceView {
    return this.#cached(locator, this.#maxPods(options), this.#denials(options)).view;
  }

  /** The same view as JSON text, kept with it. */
  viewJson(locator: ServiceLocator, options: ViewOptions = {}): string {
    const entry = this.#cached(locator, this.#maxPods(options), this.#denials(options));
    entry.json ??= JSON.stringify(entry.view);
    return entry.json;
  }

  #cached(locator: ServiceLocator, maxPods: number | undefined, denials?: AccessDenials): CachedView {
    const key = this.#key(locator, maxPods, denials);
    const now = this.#o.now();
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      if (now - hit.builtAt < CACHED_VIEW_MAX_AGE_MS) {
        this.#cache.set(key, hit); // most recently used last
        return hit;
      }
      this.#cacheRouter.delete(hit);
    }
    const footprint = emptyFootprint();
    const entry: CachedView = {
      locator,
      key,
      view: this.#build(locator, maxPods, footprint, denials),
      json: undefined,
      builtAt: now,
    };
    this.#cache.set(key, entry);
    this.#cacheRouter.add(entry);
    this.#cacheRouter.update(entry, footprint);
    if (this.#cache.size > CACHED_VIEWS) {
      const oldest = this.#cache.values().next().value;
      if (oldest) this.#forget(oldest);
    }
    return entry;
  }

  #forget(entry: CachedView) {
    if (this.#cache.get(entry.key) !== entry) return;
    this.#cache.delete(entry.key);
    this.#cacheRouter.delete(entry);
  }

  #forgetAll() {
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

  #compute(sub: Subscription): ServiceView {
    const footprint = emptyFootprint();
    const view = this.#build(sub.locator, sub.maxPods, footprint, sub.denials);
    this.#router.update(sub, footprint);
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

  /** Every open view is due (a cluster's state changed, or the clusters did). */
  markAllDirty(): void {
    this.#forgetAll();
    for (const sub of this.#subs.values()) this.#schedule(sub);
  }

  /** Schedule the views these changes may alter. */
  changed(changes: readonly Change[]): void {
    if (this.#cache.size > 0) {
      const stale = new Set<CachedView>();
      for (const change of changes) this.#cacheRouter.route(change, stale);
      for (const entry of stale) this.#forget(entry);
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
