// One simulated cluster's object store. Objects are kept as their JSON text plus the few fields
// that selectors and controllers read (labels, phase, node, owner, readiness): at 10,000 pods per
// cluster and 20 clusters in one process, parsed object trees would cost several times more
// memory, and lists are served by concatenating the stored text.
//
// resourceVersion is one counter per cluster. Every change is kept in a bounded history so that
// a watch can resume from any version still in the window; older versions get 410 Gone.

import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@portolan/core';
import { KIND_BY_NAME, type SimKind } from './kinds.ts';

export type Obj = KubeObject & Record<string, unknown>;
export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Entry {
  readonly kind: SimKind;
  readonly key: string;
  readonly ns: string;
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** Selector-visible fields beyond name/namespace, for the kinds that have them. */
  readonly fields: Readonly<Record<string, string>> | undefined;
  /** uid of the controlling owner, if any. */
  readonly owner: string | undefined;
  /** Pods: Ready condition is True. */
  readonly ready: boolean;
  readonly terminating: boolean;
  readonly rv: number;
  readonly json: string;
}

export interface Change {
  rv: number;
  type: WatchType;
  entry: Entry;
  prev: Entry | undefined;
}

export type ChangeListener = (change: Change) => void;

export class StoreError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

export interface StoreOptions {
  /** Changes kept for watch resumption, per cluster. */
  historySize?: number;
  /** First resourceVersion handed out; versions below it are always "too old". */
  startRv?: number;
  now?: () => number;
}

function keyOf(ns: string, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export class ClusterStore {
  readonly #objects = new Map<SimKind, Map<string, Entry>>();
  readonly #sorted = new Map<SimKind, string[]>();
  readonly #byUid = new Map<string, Entry>();
  /** kind -> owner uid -> keys of the objects it controls. */
  readonly #byOwner = new Map<SimKind, Map<string, Set<string>>>();
  readonly #history: (Change | undefined)[];
  #historyHead = 0;
  #historyCount = 0;
  #rv: number;
  /** Oldest resourceVersion from which a watch can still resume. */
  #oldestResumable: number;
  readonly #listeners = new Set<ChangeListener>();
  readonly now: () => number;

  constructor(options: StoreOptions = {}) {
    this.#history = new Array(options.historySize ?? 10_000);
    this.#rv = options.startRv ?? 1000;
    this.#oldestResumable = this.#rv;
    this.now = options.now ?? Date.now;
    for (const k of KIND_BY_NAME.values()) {
      this.#objects.set(k, new Map());
      this.#byOwner.set(k, new Map());
    }
  }

  get resourceVersion(): number {
    return this.#rv;
  }
  get oldestResumable(): number {
    return this.#oldestResumable;
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forget all history: every earlier resourceVersion becomes too old (for 410 tests). */
  compact(): void {
    this.#history.fill(undefined);
    this.#historyCount = 0;
    this.#oldestResumable = this.#rv;
  }

  entries(kind: SimKind): Map<string, Entry> {
    return this.#objects.get(kind)!;
  }

  /** Keys in etcd order (namespace/name), for stable pagination. */
  sortedKeys(kind: SimKind): string[] {
    let keys = this.#sorted.get(kind);
    if (!keys) {
      keys = [...this.entries(kind).keys()].sort();
      this.#sorted.set(kind, keys);
    }
    return keys;
  }

  getEntry(kind: SimKind, ns: string, name: string): Entry | undefined {
    return this.entries(kind).get(keyOf(kind.namespaced ? ns : '', name));
  }

  get<T extends Obj = Obj>(kind: SimKind, ns: string, name: string): T | undefined {
    const e = this.getEntry(kind, ns, name);
    return e ? (JSON.parse(e.json) as T) : undefined;
  }

  /** Changes after rv, oldest first; undefined when rv is older than the retained window. */
  changesSince(rv: number): Change[] | undefined {
    if (rv < this.#oldestResumable) return undefined;
    const out: Change[] = [];
    const size = this.#history.length;
    for (let i = 0; i < this.#historyCount; i++) {
      const c = this.#history[(this.#historyHead - this.#historyCount + i + size * 2) % size];
      if (c && c.rv > rv) out.push(c);
    }
    return out;
  }

  #entry(kind: SimKind, obj: Obj, rv: number): Entry {
    const md = obj.metadata ?? {};
    const ns = kind.namespaced ? (md.namespace ?? '') : '';
    const name = md.name ?? '';
    let fields: Record<string, string> | undefined;
    if (kind.indexedFields.length > 0) {
      fields = {};
      for (const f of kind.indexedFields) {
        const v = get(obj, f);
        if (v !== undefined && v !== null) fields[f] = typeof v === 'object' ? '' : String(v);
      }
    }
    let ready = false;
    if (kind.kind === 'Pod') {
      const conds = (obj as { status?: { conditions?: { type?: string; status?: string }[] } }).status
        ?.conditions;
      ready = conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    }
    return {
      kind,
      key: keyOf(ns, name),
      ns,
      name,
      uid: md.uid ?? '',
      labels: md.labels,
      fields,
      owner: md.ownerReferences?.find((o) => o.controller)?.uid,
      ready,
      terminating: md.deletionTimestamp !== undefined,
      rv,
      json: JSON.stringify(obj),
    };
  }

  byUid(uid: string): Entry | undefined {
    return this.#byUid.get(uid);
  }

  #index(prev: Entry | undefined, next: Entry | undefined): void {
    if (prev && prev.uid !== next?.uid) this.#byUid.delete(prev.uid);
    if (next) this.#byUid.set(next.uid, next);
    if (prev?.owner === next?.owner) return;
    const idx = this.#byOwner.get((prev ?? next)!.kind)!;
    if (prev?.owner) {
      const set = idx.get(prev.owner);
      set?.delete(prev.key);
      if (set?.size === 0) idx.delete(prev.owner);
    }
    if (next?.owner) {
      let set = idx.get(next.owner);
      if (!set) {
        set = new Set();
        idx.set(next.owner, set);
      }
      set.add(next.key);
    }
  }

  #record(type: WatchType, entry: Entry, prev: Entry | undefined): void {
    const change: Change = { rv: entry.rv, type, entry, prev };
    const size = this.#history.length;
    if (size > 0) {
      const evicted = this.#historyCount === size ? this.#history[this.#historyHead] : undefined;
      this.#history[this.#historyHead] = change;
      this.#historyHead = (this.#historyHead + 1) % size;
      if (evicted) this.#oldestResumable = evicted.rv;
      else this.#historyCount++;
    } else {
      this.#oldestResumable = entry.rv;
    }
    for (const l of this.#listeners) l(change);
  }

  /**
   * Stores a new object. Fills uid, creationTimestamp and resourceVersion (mutating obj, which the
   * caller may keep using). With silent, no watch event is recorded: used to load the initial fleet.
   */
  create(kind: SimKind, obj: Obj, options: { silent?: boolean } = {}): Entry {
    obj.metadata ??= {};
    const md = obj.metadata;
    if (!md.name)
      throw new StoreError(
        422,
        'Invalid',
        `${kind.kind}.${kind.group} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    const map = this.entries(kind);
    const key = keyOf(kind.namespaced ? (md.namespace ?? '') : '', md.name);
    if (map.has(key)) {
      throw new StoreError(
        409,
        'AlreadyExists',
        `${kind.plural}${kind.group ? `.${kind.group}` : ''} "${md.name}" already exists`,
      );
    }
    md.uid ??= randomUUID();
    md.creationTimestamp ??= new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    obj.apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    obj.kind = kind.kind;
    const rv = ++this.#rv;
    md.resourceVersion = String(rv);
    const entry = this.#entry(kind, obj, rv);
    map.set(key, entry);
    this.#sorted.delete(kind);
    this.#index(undefined, entry);
    if (options.silent) this.#oldestResumable = this.#rv;
    else this.#record('ADDED', entry, undefined);
    return entry;
  }

  /** Replaces a stored object (matched by namespace/name), bumping its resourceVersion. */
  update(kind: SimKind, obj: Obj, options: { silent?: boolean } = {}): Entry {
    const md = obj.metadata ?? {};
    const map = this.entries(kind);
    const key = keyOf(kind.namespaced ? (md.namespace ?? '') : '', md.name ?? '');
    const prev = map.get(key);
    if (!prev)
      throw new StoreError(
        404,
        'NotFound',
        `${kind.plural}${kind.group ? `.${kind.group}` : ''} "${md.name}" not found`,
      );
    md.uid = prev.uid;
    obj.apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    obj.kind = kind.kind;
    const rv = ++this.#rv;
    md.resourceVersion = String(rv);
    const entry = this.#entry(kind, obj, rv);
    map.set(key, entry);
    this.#index(prev, entry);
    if (options.silent) this.#oldestResumable = this.#rv;
    else this.#record('MODIFIED', entry, prev);
    return entry;
  }

  /** Read-modify-write of one object (fn returns false to skip the write); undefined when gone. */
  mutate<T extends Obj>(
    kind: SimKind,
    ns: string,
    name: string,
    fn: (obj: T) => boolean | undefined,
  ): T | undefined {
    const obj = this.get<T>(kind, ns, name);
    if (!obj) return undefined;
    if (fn(obj) === false) return obj;
    this.update(kind, obj);
    return obj;
  }

  delete(kind: SimKind, ns: string, name: string): Obj | undefined {
    const map = this.entries(kind);
    const key = keyOf(kind.namespaced ? ns : '', name);
    const prev = map.get(key);
    if (!prev) return undefined;
    map.delete(key);
    this.#sorted.delete(kind);
    this.#index(prev, undefined);
    const obj = JSON.parse(prev.json) as Obj;
    const rv = ++this.#rv;
    obj.metadata!.resourceVersion = String(rv);
    const entry = { ...prev, rv, json: JSON.stringify(obj) };
    this.#record('DELETED', entry, prev);
    return obj;
  }

  /** Objects of a kind whose controlling owner is uid. */
  ownedBy(kind: SimKind, uid: string): Entry[] {
    const keys = this.#byOwner.get(kind)!.get(uid);
    if (!keys) return [];
    const map = this.entries(kind);
    const out: Entry[] = [];
    for (const k of keys) {
      const e = map.get(k);
      if (e) out.push(e);
    }
    return out;
  }
}

export function fieldValue(entry: Entry, field: string): string {
  if (field === 'metadata.name') return entry.name;
  if (field === 'metadata.namespace') return entry.ns;
  if (entry.kind.indexedFields.includes(field)) return entry.fields?.[field] ?? '';
  // Rarely used selectors read the stored JSON: slower, but keeps every entry small.
  const v = get(JSON.parse(entry.json), field);
  return v === undefined || v === null || typeof v === 'object' ? '' : String(v);
}
