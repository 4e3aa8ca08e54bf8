// The cache of one (cluster, kind): objects by namespace/name, with indexes by namespace, by
// owner uid and by the values of the labels that select services. Applying a watch event or
// replacing the whole content after a relist returns the changes, so listeners see exactly what
// changed (a relist after 410 Gone emits deletions for objects that vanished meanwhile).
import type { KubeEvent, KubeObject, WatchedKind } from '@portolan/core';

export type ChangeType = 'added' | 'modified' | 'deleted';

export interface Change {
  type: ChangeType;
  kind: WatchedKind;
  object: KubeObject;
  /** For modified: the previous version. */
  previous?: KubeObject;
}

export function objectKey(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function addTo(index: Map<string, Set<string>>, key: string, value: string) {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}
function removeFrom(index: Map<string, Set<string>>, key: string, value: string) {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

export interface KindStoreOptions {
  kind: WatchedKind;
  /** Label keys whose values are indexed. */
  indexLabels: readonly string[];
  /** Bound the cache (Events): keep at most this many, dropping the least recently changed. */
  maxObjects?: number;
  /** Drop objects whose time (from `timeOf`) is older than this (ms since epoch), checked on insert. */
  minTime?: () => number;
}

export function eventTime(ev: KubeEvent): number {
  const t = ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata?.creationTimestamp;
  const ms = t ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export class KindStore {
  readonly kind: WatchedKind;
  readonly #objects = new Map<string, KubeObject>();
  readonly #byNamespace = new Map<string, Set<string>>();
  readonly #byOwner = new Map<string, Set<string>>();
  readonly #byLabel = new Map<string, Map<string, Set<string>>>();
  readonly #maxObjects: number | undefined;
  readonly #minTime: (() => number) | undefined;

  constructor(options: KindStoreOptions) {
    this.kind = options.kind;
    this.#maxObjects = options.maxObjects;
    this.#minTime = options.minTime;
    for (const key of options.indexLabels) this.#byLabel.set(key, new Map());
  }

  get size(): number {
    return this.#objects.size;
  }

  get(key: string): KubeObject | undefined {
    return this.#objects.get(key);
  }

  values(): IterableIterator<KubeObject> {
    return this.#objects.values();
  }

  *#resolve(keys: Set<string> | undefined): Generator<KubeObject> {
    if (!keys) return;
    for (const k of keys) {
      const o = this.#objects.get(k);
      if (o) yield o;
    }
  }

  byNamespace(ns: string): Iterable<KubeObject> {
    return this.#resolve(this.#byNamespace.get(ns));
  }
  byOwner(uid: string): Iterable<KubeObject> {
    return this.#resolve(this.#byOwner.get(uid));
  }
  /** Undefined when the label is not indexed (the caller then scans). */
  byLabel(key: string, value: string): Iterable<KubeObject> | undefined {
    const index = this.#byLabel.get(key);
    return index ? this.#resolve(index.get(value)) : undefined;
  }

  #index(key: string, obj: KubeObject) {
    addTo(this.#byNamespace, obj.metadata?.namespace ?? '', key);
    for (const o of obj.metadata?.ownerReferences ?? []) if (o.uid) addTo(this.#byOwner, o.uid, key);
    const labels = obj.metadata?.labels;
    if (labels) {
      for (const [label, index] of this.#byLabel) {
        const v = labels[label];
        if (v !== undefined) addTo(index, v, key);
      }
    }
  }
  #unindex(key: string, obj: KubeObject) {
    removeFrom(this.#byNamespace, obj.metadata?.namespace ?? '', key);
    for (const o of obj.metadata?.ownerReferences ?? []) if (o.uid) removeFrom(this.#byOwner, o.uid, key);
    const labels = obj.metadata?.labels;
    if (labels) {
      for (const [label, index] of this.#byLabel) {
        const v = labels[label];
        if (v !== undefined) removeFrom(index, v, key);
      }
    }
  }

  #tooOld(obj: KubeObject): boolean {
    return (
      this.kind === 'Event' && this.#minTime !== undefined && eventTime(obj as KubeEvent) < this.#minTime()
    );
  }

  /** Insert or replace; returns the change, or undefined when nothing changed. */
  upsert(obj: KubeObject): Change | undefined {
    const key = objectKey(obj);
    const previous = this.#objects.get(key);
    if (this.#tooOld(obj)) return previous ? this.delete(previous) : undefined;
    if (previous) {
      // Same resourceVersion: the same object (resync, or a watch replaying what LIST returned).
      // Equality only; resourceVersions are opaque and never ordered.
      if (
        previous.metadata?.resourceVersion !== undefined &&
        previous.metadata.resourceVersion === obj.metadata?.resourceVersion
      ) {
        return undefined;
      }
      this.#unindex(key, previous);
      // Re-insert at the end so Map order is "least recently changed first" (used to bound Events).
      this.#objects.delete(key);
    }
    this.#objects.set(key, obj);
    this.#index(key, obj);
    if (this.#maxObjects !== undefined && this.#objects.size > this.#maxObjects) this.#evict();
    return previous
      ? { type: 'modified', kind: this.kind, object: obj, previous }
      : { type: 'added', kind: this.kind, object: obj };
  }

  delete(obj: KubeObject): Change | undefined {
    const key = objectKey(obj);
    const previous = this.#objects.get(key);
    if (!previous) return undefined;
    this.#objects.delete(key);
    this.#unindex(key, previous);
    return { type: 'deleted', kind: this.kind, object: previous };
  }

  #evict() {
    const excess = this.#objects.size - (this.#maxObjects ?? this.#objects.size);
    let n = 0;
    for (const [key, obj] of this.#objects) {
      if (n++ >= excess) break;
      this.#objects.delete(key);
      this.#unindex(key, obj);
    }
  }

  /** Apply one watch event (already trimmed). */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): Change | undefined {
    return type === 'DELETED' ? this.delete(obj) : this.upsert(obj);
  }

  /**
   * Replace the whole content with a fresh LIST: the result is exactly the list, and the changes
   * are what a listener needs to go from the old content to the new one. With `namespace`, only
   * that namespace's part is replaced (namespaced mode: one LIST per namespace, one store).
   */
  replace(items: KubeObject[], namespace?: string): Change[] {
    const changes: Change[] = [];
    const seen = new Set<string>();
    for (const item of items) seen.add(objectKey(item));
    const current =
      namespace === undefined
        ? [...this.#objects]
        : [...(this.#byNamespace.get(namespace) ?? [])].map((key) => [key, this.#objects.get(key)!] as const);
    for (const [key, obj] of current) {
      if (!seen.has(key)) {
        this.#objects.delete(key);
        this.#unindex(key, obj);
        changes.push({ type: 'deleted', kind: this.kind, object: obj });
      }
    }
    for (const item of items) {
      const c = this.upsert(item);
      if (c) changes.push(c);
    }
    return changes;
  }

  clear(): Change[] {
    return this.replace([]);
  }
}
