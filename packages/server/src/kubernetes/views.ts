// Service views computed from memory, and subscriptions that recompute a view only when a change
// routed to it (or its clusters' state) may have altered it, coalesced over a short window and
// recomputed one per macrotask.
import type { ClusterObject } from '@portolan/core';
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
}

interface Subscription {
  locator: ServiceLocator;
  maxPods: number | undefined;
  listeners: Set<ViewListener>;
  timer: NodeJS.Timeout | undefined;
  queued: boolean;
}

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
  #queue: Subscription[] = [];
  #draining = false;

  constructor(options: ServiceViewsOptions) {
    this.#o = options;
  }

  /** Each cluster's state and the service's objects in it, adding their keys to `footprint`. */
  #perCluster(
    locator: ServiceLocator,
    footprint?: ServiceFootprint,
  ): { state: ClusterState; objects: ServiceObject[] }[] {
    return [...this.#o.clusters.all()].map((watcher) => ({
      state: watcher.state(),
      objects: selectServiceObjects(locator, watcher, footprint),
    }));
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

  #build(locator: ServiceLocator, maxPods: number | undefined, footprint?: ServiceFootprint): ServiceView {
    return buildServiceView({
      ...(maxPods !== undefined ? { maxPodsPerWorkload: maxPods } : {}),
      ref: locator.ref,
      name: locator.name,
      clusters: this.#perCluster(locator, footprint),
      now: this.#o.now(),
    });
  }

  /** The service view, from memory: never waits for a cluster. */
  view(locator: ServiceLocator, options: ViewOptions = {}): ServiceView {
    return this.#build(locator, this.#maxPods(options));
  }

  /**
   * Call `listener` with the view now and then after each change to the service's objects or its
   * clusters' state, coalesced over `streamDebounceMs`. Returns the unsubscribe function.
   */
  subscribe(locator: ServiceLocator, listener: ViewListener, options: ViewOptions = {}): () => void {
    const maxPods = this.#maxPods(options);
    const key = `${locator.ref}#${locatorKey(locator)}#${maxPods ?? 'all'}`;
    let sub = this.#subs.get(key);
    if (!sub) {
      sub = { locator, maxPods, listeners: new Set(), timer: undefined, queued: false };
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
    const view = this.#build(sub.locator, sub.maxPods, footprint);
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
    for (const sub of this.#subs.values()) this.#schedule(sub);
  }

  /** Schedule the views these changes may alter. */
  changed(changes: readonly Change[]): void {
    if (this.#subs.size === 0) return;
    const due = new Set<Subscription>();
    for (const change of changes) this.#router.route(change, due);
    for (const sub of due) this.#schedule(sub);
  }

  /** Drop every subscription (the engine stops). */
  clear(): void {
    for (const sub of this.#subs.values()) {
      if (sub.timer) clearTimeout(sub.timer);
      this.#router.delete(sub);
    }
    this.#subs.clear();
    this.#queue = [];
  }
}
