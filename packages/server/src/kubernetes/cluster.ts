// One cluster: a KindStore and a Reflector per watched kind, the API server version, and the
// cluster's state aggregated from its kinds. A forbidden kind degrades only that kind.
import { KIND_INFO, type KubeObject, WATCHED_KINDS, type WatchedKind } from '@portolan/core';
import type { ClusterState, KindState, ObjectSource } from '@portolan/core/services/index';
import type { Logger } from '../log.ts';
import type { ClusterClient } from './client.ts';
import type { ClusterSpec } from './clusters.ts';
import { Reflector, type ReflectorState } from './reflector.ts';
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
  backoff?: { initialMs: number; maxMs: number };
  authRetryMs?: number;
  watchTimeoutSeconds?: number;
  logger?: Logger;
}

interface KindRuntime {
  store: KindStore;
  reflector: Reflector;
  since: string;
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

  constructor(options: ClusterWatcherOptions) {
    this.#o = options;
    this.name = options.spec.name;
    this.spec = options.spec;
    this.client = options.client;
    const intern = createInterner();
    const share = createSharer();
    const startedAt = new Date(options.now()).toISOString();
    for (const kind of options.kinds ?? WATCHED_KINDS) {
      const store = new KindStore({
        kind,
        indexLabels: kind === 'Event' ? [] : options.indexLabels,
        ...(kind === 'Event'
          ? { maxObjects: options.maxEvents, minTime: () => options.now() - options.eventMaxAgeMs }
          : {}),
      });
      const runtime: KindRuntime = {
        store,
        since: startedAt,
        reflector: new Reflector({
          client: options.client,
          kind: KIND_INFO[kind],
          store,
          intern,
          share,
          pageSize: options.pageSize,
          now: options.now,
          onChanges: (changes) => {
            this.#lastEventAt = options.now();
            options.onChanges(this.name, changes);
          },
          onActivity: () => {
            this.#lastEventAt = options.now();
          },
          onState: (state) => this.#kindState(kind, state),
          ...(options.backoff ? { backoff: options.backoff } : {}),
          ...(options.authRetryMs !== undefined ? { authRetryMs: options.authRetryMs } : {}),
          ...(options.watchTimeoutSeconds !== undefined
            ? { watchTimeoutSeconds: options.watchTimeoutSeconds }
            : {}),
          ...(options.logger ? { log: (m, f) => options.logger?.info({ cluster: this.name, ...f }, m) } : {}),
        }),
      };
      this.#kinds.set(kind, runtime);
    }
  }

  #kindState(kind: WatchedKind, state: ReflectorState) {
    const rt = this.#kinds.get(kind);
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
    const key = s.status === 'stale' ? `stale:${s.reason}` : `synced:${forbidden.map(([k]) => k).join()}`;
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
        { cluster, ...back, forbidden: Object.fromEntries(forbidden) },
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
    for (const rt of this.#kinds.values()) rt.reflector.start();
    void this.#probeVersion();
    // Re-read the version now and then: cheap, and it notices upgrades.
    this.#versionTimer = setInterval(() => void this.#probeVersion(), 10 * 60_000);
    this.#versionTimer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#versionTimer) clearInterval(this.#versionTimer);
    await Promise.all([...this.#kinds.values()].map((rt) => rt.reflector.stop()));
    await this.#o.client.close();
  }

  /** Per kind: relists and watch restarts so far (for the metrics). */
  kindStats(): { kind: WatchedKind; relists: number; watchRestarts: number }[] {
    return [...this.#kinds].map(([kind, rt]) => ({ kind, ...rt.reflector.stats }));
  }

  store(kind: WatchedKind): KindStore | undefined {
    return this.#kinds.get(kind)?.store;
  }

  /** Per-kind resourceVersion, for tests and diagnostics. */
  resourceVersions(): Partial<Record<WatchedKind, string>> {
    const out: Partial<Record<WatchedKind, string>> = {};
    for (const [k, rt] of this.#kinds) out[k] = rt.reflector.resourceVersion;
    return out;
  }

  state(): ClusterState {
    const kinds: Partial<Record<WatchedKind, KindState>> = {};
    const counts: Partial<Record<WatchedKind, number>> = {};
    let syncing = false;
    const staleKinds: { reason: ClusterState['reason']; message?: string; since: string }[] = [];
    for (const [kind, rt] of this.#kinds) {
      const s = rt.reflector.state;
      const ks: KindState = { status: s.status, since: rt.since, count: rt.store.size };
      if (s.message) ks.message = s.message;
      kinds[kind] = ks;
      counts[kind] = rt.store.size;
      if (s.status === 'syncing') syncing = true;
      if (s.status === 'stale')
        staleKinds.push({ reason: s.reason, since: rt.since, ...(s.message ? { message: s.message } : {}) });
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
    const allForbidden = [...this.#kinds.values()].every((rt) => rt.reflector.state.status === 'forbidden');
    const state: ClusterState = {
      cluster: this.name,
      status: stale || allForbidden ? 'stale' : syncing ? 'syncing' : 'synced',
      counts,
      kinds,
      labels: this.spec.labels,
      url: this.spec.url,
    };
    if (this.spec.region) state.region = this.spec.region;
    if (this.spec.dashboardUrl) state.dashboardUrl = this.spec.dashboardUrl;
    if (stale) {
      state.since = stale.since;
      if (stale.reason) state.reason = stale.reason;
      if (stale.message) state.message = stale.message;
    } else if (allForbidden) {
      state.reason = 'forbidden';
      state.message = 'every kind is forbidden: grant get, list, watch on the watched kinds';
    }
    if (this.#version) state.version = this.#version;
    if (this.#lastEventAt !== undefined) state.lastEventAt = new Date(this.#lastEventAt).toISOString();
    return state;
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

/** The clusters being watched, as the engine's parts (views, logs, discovery) read them. */
export interface ClusterSet {
  all(): Iterable<ClusterWatcher>;
  get(name: string): ClusterWatcher | undefined;
}
