// One cluster: a KindStore per watched kind, filled by one Reflector cluster-wide or, in
// namespaced mode, one per watched namespace; the API server version; and the cluster's state
// aggregated from its kinds. A forbidden kind (or namespace) degrades only that kind.
import { KIND_INFO, type KubeObject, WATCHED_KINDS, type WatchedKind } from '@portolan/core';
import type {
  ClusterState,
  KindState,
  MissingPermission,
  ObjectSource,
  WatchScopeState,
} from '@portolan/core/services/index';
import type { Logger } from '../log.ts';
import type { ClusterClient } from './client.ts';
import type { ClusterSpec } from './clusters.ts';
import { Reflector, type ReflectorState, rbacResource } from './reflector.ts';
import { type Change, KindStore } from './store.ts';
import { createInterner, createSharer } from './trim.ts';

export interface ClusterWatcherOptions {
  spec: Omit<ClusterSpec, 'kubeConfig' | 'fingerprint'> & { fingerprint?: string };
  client: ClusterClient;
  indexLabels: readonly string[];
  pageSize: number;
  maxEvents: number;
  eventMaxAgeMs: number;
  now: () => number;
  onChanges: (cluster: string, changes: Change[]) => void;
  onState: (cluster: string) => void;
  kinds?: readonly WatchedKind[];
  /**
   * Namespaced mode: watch only these namespaces (`setNamespaces` changes them); `catalog` ones
   * start with none until the catalog is known. Absent: cluster-wide.
   */
  namespaced?: { source: 'config' | 'catalog'; namespaces?: readonly string[] };
  backoff?: { initialMs: number; maxMs: number };
  authRetryMs?: number;
  watchTimeoutSeconds?: number;
  logger?: Logger;
}

interface ReflectorRuntime {
  reflector: Reflector;
  since: string;
}

/** Cluster-wide, the one reflector of a kind is kept under this key; else under its namespace. */
const CLUSTER_WIDE = '';

interface KindRuntime {
  store: KindStore;
  reflectors: Map<string, ReflectorRuntime>;
  /** Stats of reflectors stopped (namespaces no longer watched), so the counters never go down. */
  retired: { relists: number; watchRestarts: number };
}

export class ClusterWatcher implements ObjectSource {
  readonly name: string;
  readonly spec: ClusterWatcherOptions['spec'];
  readonly client: ClusterClient;
  readonly #o: ClusterWatcherOptions;
  readonly #kinds = new Map<WatchedKind, KindRuntime>();
  #version: string | undefined;
  #lastEventAt: number | undefined;
  #versionTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** The condition last logged (see #logChange), so each change is logged once. */
  #logged: { key: string; stale?: { reason: string; since: string } } | undefined;
  readonly #intern: ReturnType<typeof createInterner>;
  readonly #share: ReturnType<typeof createSharer>;
  /** Namespaced mode: the namespaces watched; undefined until a catalog-scoped cluster is told them. */
  #namespaces: string[] | undefined;
  #started = false;
  /** A note on the scope the status carries (catalog services that name no namespace). */
  #scopeNote: string | undefined;
  /**
   * Whether every reflector has synced once. After that, a namespace added later loads without
   * turning the whole cluster back to syncing (its other namespaces are whole, and readiness
   * must not flap at each catalog change).
   */
  #loaded = false;

  constructor(options: ClusterWatcherOptions) {
    this.#o = options;
    this.name = options.spec.name;
    this.spec = options.spec;
    this.client = options.client;
    this.#intern = createInterner();
    this.#share = createSharer();
    for (const kind of options.kinds ?? WATCHED_KINDS) {
      const store = new KindStore({
        kind,
        indexLabels: kind === 'Event' ? [] : options.indexLabels,
        ...(kind === 'Event'
          ? { maxObjects: options.maxEvents, minTime: () => options.now() - options.eventMaxAgeMs }
          : {}),
      });
      this.#kinds.set(kind, { store, reflectors: new Map(), retired: { relists: 0, watchRestarts: 0 } });
    }
    if (!options.namespaced) for (const kind of this.#kinds.keys()) this.#addReflector(kind, CLUSTER_WIDE);
    else if (options.namespaced.namespaces) {
      this.#namespaces = [...new Set(options.namespaced.namespaces)].sort();
      for (const ns of this.#namespaces) for (const kind of this.#kinds.keys()) this.#addReflector(kind, ns);
    }
  }

  #addReflector(kind: WatchedKind, namespace: string): ReflectorRuntime {
    const o = this.#o;
    const rt = this.#kinds.get(kind)!;
    const runtime: ReflectorRuntime = {
      since: new Date(o.now()).toISOString(),
      reflector: new Reflector({
        client: o.client,
        kind: KIND_INFO[kind],
        ...(namespace !== CLUSTER_WIDE ? { namespace } : {}),
        store: rt.store,
        intern: this.#intern,
        share: this.#share,
        pageSize: o.pageSize,
        now: o.now,
        onChanges: (changes) => {
          this.#lastEventAt = o.now();
          o.onChanges(this.name, changes);
        },
        onActivity: () => {
          this.#lastEventAt = o.now();
        },
        onState: (state) => this.#kindState(kind, namespace, state),
        ...(o.backoff ? { backoff: o.backoff } : {}),
        ...(o.authRetryMs !== undefined ? { authRetryMs: o.authRetryMs } : {}),
        ...(o.watchTimeoutSeconds !== undefined ? { watchTimeoutSeconds: o.watchTimeoutSeconds } : {}),
        ...(o.logger
          ? {
              logger: {
                info: (fields, msg) =>
                  o.logger?.info(
                    { cluster: this.name, ...(namespace !== CLUSTER_WIDE ? { namespace } : {}), ...fields },
                    msg,
                  ),
              },
            }
          : {}),
      }),
    };
    rt.reflectors.set(namespace, runtime);
    return runtime;
  }

  set scopeNote(note: string | undefined) {
    this.#scopeNote = note;
  }

  /** The namespaces watched: undefined cluster-wide; in namespaced mode a list (empty before the catalog is known). */
  get namespaces(): readonly string[] | undefined {
    return this.#o.namespaced ? (this.#namespaces ?? []) : undefined;
  }

  /**
   * Namespaced mode: watch exactly these namespaces. Reflectors start for new ones; those of
   * namespaces no longer wanted stop, and their objects leave the caches (as deletions, so open
   * views update). Cluster-wide, nothing changes.
   */
  async setNamespaces(namespaces: readonly string[]): Promise<void> {
    if (!this.#o.namespaced || this.#stopped) return;
    const next = [...new Set(namespaces)].sort();
    const before = new Set(this.#namespaces ?? []);
    const wanted = new Set(next);
    if (this.#namespaces && next.length === before.size && next.every((n) => before.has(n))) return;
    this.#namespaces = next;
    const stops: Promise<void>[] = [];
    for (const [kind, rt] of this.#kinds) {
      for (const ns of next) {
        if (before.has(ns)) continue;
        const added = this.#addReflector(kind, ns);
        if (this.#started) added.reflector.start();
      }
      for (const [ns, r] of [...rt.reflectors]) {
        if (wanted.has(ns)) continue;
        rt.reflectors.delete(ns);
        stops.push(
          r.reflector.stop().then(() => {
            rt.retired.relists += r.reflector.stats.relists;
            rt.retired.watchRestarts += r.reflector.stats.watchRestarts;
            // Wanted again meanwhile: the new reflector owns that namespace's objects now.
            if (rt.reflectors.has(ns)) return;
            const changes = rt.store.replace([], ns);
            if (changes.length > 0) this.#o.onChanges(this.name, changes);
          }),
        );
      }
    }
    this.#o.onState(this.name);
    await Promise.all(stops);
    this.#o.onState(this.name);
    this.#logChange();
  }

  #kindState(kind: WatchedKind, namespace: string, state: ReflectorState) {
    const rt = this.#kinds.get(kind)?.reflectors.get(namespace);
    if (rt) rt.since = new Date(this.#o.now()).toISOString();
    // When a cluster comes back, re-read its version (it may have been upgraded).
    if (state.status === 'synced' && this.#version === undefined) void this.#probeVersion();
    this.#o.onState(this.name);
    this.#logChange();
  }

  /**
   * Logs the cluster's condition when it changes: unreachable, unauthorized, forbidden (all
   * kinds, or which kinds), and back. Once per change, with the reason; retries that fail the
   * same way, and the kinds following one another into the same state, log nothing more.
   */
  #logChange(): void {
    const log = this.#o.logger;
    if (!log || this.#stopped) return;
    const s = this.state();
    if (s.status === 'syncing') return;
    const forbidden = Object.entries(s.kinds)
      .filter(([, k]) => k?.status === 'forbidden')
      .map(([kind, k]) => [kind, k?.message] as const);
    const missing = (s.missingPermissions ?? []).map((m) => `${m.verb} ${m.resource} ${m.namespace ?? '*'}`);
    const key =
      s.status === 'stale'
        ? `stale:${s.reason}`
        : `synced:${forbidden.map(([k]) => k).join()}:${missing.join()}:${s.scope?.namespaces?.join() ?? ''}`;
    if (key === this.#logged?.key) return;
    const before = this.#logged;
    const cluster = this.name;
    if (s.status === 'stale') {
      const reason = s.reason ?? 'unreachable';
      const since = s.since ?? new Date(this.#o.now()).toISOString();
      this.#logged = { key, stale: before?.stale?.reason === reason ? before.stale : { reason, since } };
      log.warn({ cluster, reason, message: s.message, since }, `cluster ${reason}`);
      return;
    }
    this.#logged = { key };
    const back = before?.stale && {
      after: before.stale.reason,
      staleSeconds: Math.round((this.#o.now() - Date.parse(before.stale.since)) / 1000),
    };
    if (forbidden.length > 0) {
      log.warn(
        {
          cluster,
          ...back,
          forbidden: Object.fromEntries(forbidden),
          ...(missing.length > 0 ? { missingPermissions: missing } : {}),
        },
        `cluster ${back ? 'back' : 'synced'}; ${forbidden.length} kind(s) forbidden`,
      );
    } else {
      log.info({ cluster, ...back }, back ? 'cluster back' : 'cluster synced');
    }
  }

  async #probeVersion(): Promise<void> {
    try {
      const v = await this.#o.client.getVersion(AbortSignal.timeout(10_000));
      if (v.gitVersion !== this.#version) {
        this.#version = v.gitVersion;
        this.#o.onState(this.name);
      }
    } catch {
      // The reflectors report reachability; the version is best effort.
    }
  }

  start(): void {
    this.#started = true;
    for (const r of this.#reflectors()) r.reflector.start();
    void this.#probeVersion();
    // Re-read the version now and then: cheap, and it notices upgrades.
    this.#versionTimer = setInterval(() => void this.#probeVersion(), 10 * 60_000);
    this.#versionTimer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#versionTimer) clearInterval(this.#versionTimer);
    await Promise.all([...this.#reflectors()].map((r) => r.reflector.stop()));
    await this.#o.client.close();
  }

  /** Per kind: relists and watch restarts so far (for the metrics). */
  kindStats(): { kind: WatchedKind; relists: number; watchRestarts: number }[] {
    return [...this.#kinds].map(([kind, rt]) => {
      const out = { kind, ...rt.retired };
      for (const r of rt.reflectors.values()) {
        out.relists += r.reflector.stats.relists;
        out.watchRestarts += r.reflector.stats.watchRestarts;
      }
      return out;
    });
  }

  *#reflectors(): Generator<ReflectorRuntime> {
    for (const rt of this.#kinds.values()) yield* rt.reflectors.values();
  }

  store(kind: WatchedKind): KindStore | undefined {
    return this.#kinds.get(kind)?.store;
  }

  /** Per-kind resourceVersion (cluster-wide mode), for tests and diagnostics. */
  resourceVersions(): Partial<Record<WatchedKind, string>> {
    const out: Partial<Record<WatchedKind, string>> = {};
    for (const [k, rt] of this.#kinds) {
      const r = rt.reflectors.get(CLUSTER_WIDE);
      if (r) out[k] = r.reflector.resourceVersion;
    }
    return out;
  }

  state(): ClusterState {
    const kinds: Partial<Record<WatchedKind, KindState>> = {};
    const counts: Partial<Record<WatchedKind, number>> = {};
    let syncing = false;
    const loading = new Set<string>();
    let reflectors = 0;
    let forbiddenReflectors = 0;
    const staleKinds: { reason: ClusterState['reason']; message?: string; since: string }[] = [];
    const missing: MissingPermission[] = [];
    for (const [kind, rt] of this.#kinds) {
      const ks = kindState(rt, this.#o.now);
      kinds[kind] = ks;
      counts[kind] = rt.store.size;
      for (const [ns, r] of rt.reflectors) {
        const s = r.reflector.state;
        reflectors++;
        if (s.status === 'syncing') {
          syncing = true;
          if (ns !== CLUSTER_WIDE) loading.add(ns);
        }
        if (s.status === 'stale')
          staleKinds.push({ reason: s.reason, since: r.since, ...(s.message ? { message: s.message } : {}) });
        if (s.status === 'forbidden') forbiddenReflectors++;
        if (s.status === 'forbidden' && s.verb)
          missing.push({
            kind,
            resource: rbacResource(KIND_INFO[kind]),
            verb: s.verb,
            ...(ns !== CLUSTER_WIDE ? { namespace: ns } : {}),
            message: s.message ?? `cannot ${s.verb} ${rbacResource(KIND_INFO[kind])}`,
          });
      }
    }
    // Unauthorized wins over unreachable (it needs a human, not a retry); then the oldest.
    staleKinds.sort((a, b) =>
      a.reason === b.reason
        ? a.since < b.since
          ? -1
          : 1
        : a.reason === 'unauthorized'
          ? -1
          : b.reason === 'unauthorized'
            ? 1
            : 0,
    );
    const stale = staleKinds[0];
    const allForbidden = reflectors > 0 && forbiddenReflectors === reflectors;
    // A catalog-scoped cluster has nothing to watch until the catalog names its namespaces.
    const waiting = this.#o.namespaced !== undefined && this.#namespaces === undefined;
    if (!syncing && !waiting) this.#loaded = true;
    const state: ClusterState = {
      cluster: this.name,
      status: stale || allForbidden ? 'stale' : (syncing || waiting) && !this.#loaded ? 'syncing' : 'synced',
      counts,
      kinds,
      labels: this.spec.labels,
      url: this.spec.url,
      scope: this.#scope(this.#loaded ? [...loading].sort() : []),
    };
    if (missing.length > 0) state.missingPermissions = missing;
    if (this.spec.region) state.region = this.spec.region;
    if (this.spec.dashboardUrl) state.dashboardUrl = this.spec.dashboardUrl;
    if (stale) {
      state.since = stale.since;
      if (stale.reason) state.reason = stale.reason;
      if (stale.message) state.message = stale.message;
    } else if (allForbidden) {
      state.reason = 'forbidden';
      state.message = this.#o.namespaced
        ? `every kind is forbidden in every watched namespace: grant list, watch on the watched kinds with a Role in each (deploy/kubernetes/portolan-reader-namespaced.yaml)`
        : `every kind is forbidden cluster-wide: grant get, list, watch on the watched kinds with a ClusterRole (deploy/kubernetes/portolan-reader.yaml), or, where cluster-wide reads are refused, set \`namespaces: catalog\` on this cluster and grant a Role in each service's namespace (deploy/kubernetes/portolan-reader-namespaced.yaml)`;
    }
    if (this.#version) state.version = this.#version;
    if (this.#lastEventAt !== undefined) state.lastEventAt = new Date(this.#lastEventAt).toISOString();
    return state;
  }

  /** The scope as the status reports it, with the namespaces added and still loading. */
  #scope(loading: string[]): WatchScopeState {
    const n = this.#o.namespaced;
    if (!n) return { mode: 'cluster' };
    const scope: WatchScopeState = {
      mode: 'namespaced',
      source: n.source,
      namespaces: [...(this.#namespaces ?? [])],
    };
    const message =
      this.#namespaces === undefined
        ? 'waiting for the catalog to name the namespaces to watch'
        : this.#namespaces.length === 0
          ? n.source === 'catalog'
            ? 'no catalog service names a namespace (annotation backstage.io/kubernetes-namespace): nothing is watched'
            : 'no namespaces to watch'
          : loading.length > 0
            ? `loading namespace(s) added since: ${loading.join(', ')}`
            : this.#scopeNote;
    if (message) scope.message = message;
    return scope;
  }

  // ObjectSource over the caches.
  all(kind: WatchedKind): Iterable<KubeObject> {
    return this.#kinds.get(kind)?.store.values() ?? [];
  }
  byNamespace(kind: WatchedKind, namespace: string): Iterable<KubeObject> {
    return this.#kinds.get(kind)?.store.byNamespace(namespace) ?? [];
  }
  byLabel(kind: WatchedKind, key: string, value: string): Iterable<KubeObject> | undefined {
    const store = this.#kinds.get(kind)?.store;
    return store ? store.byLabel(key, value) : [];
  }
  byOwner(kind: WatchedKind, uid: string): Iterable<KubeObject> {
    return this.#kinds.get(kind)?.store.byOwner(uid) ?? [];
  }
}

/**
 * One kind's state over its reflectors: forbidden when any namespace forbids it (the message
 * names each), else stale, syncing or synced as the worst of them says.
 */
function kindState(rt: KindRuntime, now: () => number): KindState {
  const all = [...rt.reflectors.values()];
  const worst = all.some((r) => r.reflector.state.status === 'forbidden')
    ? 'forbidden'
    : all.some((r) => r.reflector.state.status === 'stale')
      ? 'stale'
      : all.some((r) => r.reflector.state.status === 'syncing')
        ? 'syncing'
        : 'synced';
  const those = all.filter((r) => r.reflector.state.status === worst);
  const since = those.map((r) => r.since).sort()[0] ?? new Date(now()).toISOString();
  const ks: KindState = { status: worst, since, count: rt.store.size };
  const messages = [...new Set(those.map((r) => r.reflector.state.message).filter((m) => m !== undefined))];
  if (messages.length === 1) ks.message = messages[0]!;
  else if (messages.length > 1)
    ks.message = `${messages[0]} (and ${messages.length - 1} more: ${messages.slice(1).join('; ')})`;
  return ks;
}

/** The clusters being watched, as the engine's parts (views, logs, discovery) read them. */
export interface ClusterSet {
  all(): Iterable<ClusterWatcher>;
  get(name: string): ClusterWatcher | undefined;
}
