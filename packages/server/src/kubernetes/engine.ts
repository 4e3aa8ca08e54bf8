// The multi-cluster watch engine: the cluster registry, one ClusterWatcher per cluster, service
// views computed from memory, and subscriptions that recompute a service's view only when one
// of its objects (or its clusters' state) changed, coalesced over a short window.

import type { ClusterObject, WatchedKind } from '@portolan/core';
import { NotFoundError, UnavailableError } from '@portolan/core/errors';
import { isWorkloadKind } from '@portolan/core/k8s/workloads';
import {
  type CatalogEntity,
  type CatalogNamespaces,
  type ClusterState,
  catalogNamespaces,
  type DiscoveredService,
  type EventView,
  locateService,
  SERVICE_LABELS,
  type ServiceLocator,
  type ServiceView,
} from '@portolan/core/services/index';
import type { Logger } from '../log.ts';
import {
  type AccessReview,
  type AccessReviewResult,
  type ClusterClient,
  KubeConfigClient,
} from './client.ts';
import { type ClusterSet, ClusterWatcher } from './cluster.ts';
import { type ClusterSpec, resolveClusters } from './clusters.ts';
import { type KubernetesConfig, type KubernetesConfigInput, kubernetesConfigSchema } from './config.ts';
import { Discovery } from './discovery.ts';
import { serviceEvents } from './events.ts';
import { type LogLine, LogReader, type PodLogOptions, type WorkloadLogOptions } from './logs.ts';
import type { Change } from './store.ts';
import { ServiceViews, type ViewListener, type ViewOptions } from './views.ts';

export { mapClusterError } from './errors.ts';
export type { LogLine, PodLogOptions, WorkloadLogOptions } from './logs.ts';
export type { ViewListener, ViewOptions } from './views.ts';

export interface KubernetesEngineOptions {
  /** The parsed `kubernetes:` section (or its input form; it is parsed again, cheaply). */
  config: KubernetesConfig | KubernetesConfigInput;
  /** Directory of the config file; relative paths (caFile, kubeconfig path) resolve against it. */
  configDir: string;
  logger?: Logger;
  /** Injected clock (ms since epoch). */
  now?: () => number;
  /** Environment for tokenEnv and KUBECONFIG lookups (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Build the client for a cluster (default: over its KubeConfig). Tests and the sim inject here. */
  clientFactory?: (spec: ClusterSpec) => ClusterClient;
  /** Tuning, mostly for tests. */
  tuning?: {
    backoff?: { initialMs: number; maxMs: number };
    authRetryMs?: number;
    watchTimeoutSeconds?: number;
    kinds?: readonly WatchedKind[];
    discoveryTtlMs?: number;
  };
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
}

export class KubernetesEngine {
  #config: KubernetesConfig;
  readonly #configDir: string;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #clientFactory: (spec: ClusterSpec) => ClusterClient;
  readonly #tuning: NonNullable<KubernetesEngineOptions['tuning']>;
  readonly #watchers = new Map<string, { watcher: ClusterWatcher; fingerprint: string }>();
  readonly #stateListeners = new Set<() => void>();
  readonly #changeListeners = new Set<(cluster: string, changes: readonly Change[]) => void>();
  readonly #views: ServiceViews;
  readonly #logs: LogReader;
  readonly #discovery: Discovery;
  #started = false;
  /** The catalog services' namespaces, once told (see watchCatalog). */
  #catalog: CatalogNamespaces | undefined;

  constructor(options: KubernetesEngineOptions) {
    this.#config = kubernetesConfigSchema.parse(options.config);
    this.#configDir = options.configDir;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#env = options.env ?? process.env;
    this.#clientFactory = options.clientFactory ?? ((spec) => new KubeConfigClient(spec.kubeConfig));
    this.#tuning = options.tuning ?? {};
    const clusters: ClusterSet = {
      all: () => [...this.#watchers.values()].map((w) => w.watcher),
      get: (name) => this.#watchers.get(name)?.watcher,
    };
    this.#views = new ServiceViews({
      clusters,
      now: this.#now,
      settings: () => this.#config,
      log: this.#log,
    });
    this.#logs = new LogReader({
      clusters,
      view: (locator) => this.#views.view(locator, { maxPodsPerWorkload: 0 }),
    });
    this.#discovery = new Discovery({
      clusters,
      now: this.#now,
      ttlMs: this.#tuning.discoveryTtlMs ?? 10_000,
    });
  }

  get config(): KubernetesConfig {
    return this.#config;
  }

  #indexLabels(): string[] {
    return [...new Set([...SERVICE_LABELS, ...this.#config.indexLabels])];
  }

  #createWatcher(spec: ClusterSpec): ClusterWatcher {
    const { kubeConfig: _kc, ...rest } = spec;
    const ns = spec.namespaces;
    const namespaced =
      ns === undefined || ns === 'all'
        ? undefined
        : ns === 'catalog'
          ? { source: 'catalog' as const, ...(this.#catalog ? { namespaces: this.#catalog.namespaces } : {}) }
          : { source: 'config' as const, namespaces: ns };
    const watcher = new ClusterWatcher({
      spec: rest,
      ...(namespaced ? { namespaced } : {}),
      client: this.#clientFactory(spec),
      indexLabels: this.#indexLabels(),
      pageSize: this.#config.listPageSize,
      maxEvents: this.#config.maxEventsPerCluster,
      eventMaxAgeMs: this.#config.eventMaxAgeSeconds * 1000,
      now: this.#now,
      onChanges: (cluster, changes) => this.#onChanges(cluster, changes),
      onState: (cluster) => this.#onState(cluster),
      ...(this.#tuning.kinds ? { kinds: this.#tuning.kinds } : {}),
      ...(this.#tuning.backoff ? { backoff: this.#tuning.backoff } : {}),
      ...(this.#tuning.authRetryMs !== undefined ? { authRetryMs: this.#tuning.authRetryMs } : {}),
      ...(this.#tuning.watchTimeoutSeconds !== undefined
        ? { watchTimeoutSeconds: this.#tuning.watchTimeoutSeconds }
        : {}),
      ...(this.#log ? { logger: this.#log } : {}),
    });
    if (ns === 'catalog') watcher.scopeNote = this.#catalogNote();
    return watcher;
  }

  /** Whether any cluster is watched in the catalog services' namespaces (`namespaces: catalog`). */
  get watchesCatalog(): boolean {
    const c = this.#config;
    return (
      c.clusters.some((cluster) => cluster.namespaces === 'catalog') ||
      Object.values(c.kubeconfig?.namespaces ?? {}).some((n) => n === 'catalog')
    );
  }

  /**
   * Tell the engine the catalog's services (after each refresh): clusters with `namespaces:
   * catalog` then watch exactly the namespaces their locators name, starting and stopping
   * reflectors for the namespaces that came and went.
   */
  async watchCatalog(entities: Iterable<CatalogEntity>): Promise<void> {
    const next = catalogNamespaces([...entities].map(locateService));
    for (const bad of next.invalid)
      this.#log?.warn(bad, 'a service names a namespace that is not a namespace name; ignored');
    this.#catalog = next;
    const note = this.#catalogNote();
    await Promise.all(
      [...this.#watchers.values()]
        .filter((w) => w.watcher.spec.namespaces === 'catalog')
        .map((w) => {
          w.watcher.scopeNote = note;
          return w.watcher.setNamespaces(next.namespaces);
        }),
    );
  }

  #catalogNote(): string | undefined {
    const unplaced = this.#catalog?.unplaced ?? [];
    if (unplaced.length === 0) return undefined;
    const some = unplaced.slice(0, 5).join(', ');
    return `${unplaced.length} catalog service(s) name no namespace (annotation backstage.io/kubernetes-namespace), so they are seen only in the namespaces watched for others: ${some}${unplaced.length > 5 ? ', …' : ''}`;
  }

  #resolve(): ClusterSpec[] {
    return resolveClusters(this.#config, {
      configDir: this.#configDir,
      env: this.#env,
      ...(this.#log ? { logger: this.#log } : {}),
    });
  }

  /** Start watching every configured cluster. Returns at once; caches fill in the background. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const spec of this.#resolve()) this.#add(spec);
  }

  #add(spec: ClusterSpec) {
    const watcher = this.#createWatcher(spec);
    this.#watchers.set(spec.name, { watcher, fingerprint: this.#specFingerprint(spec) });
    watcher.start();
    this.#log?.info({ cluster: spec.name, url: spec.url, region: spec.region }, 'watching cluster');
  }

  #specFingerprint(spec: ClusterSpec): string {
    return JSON.stringify([spec.fingerprint, spec.region, spec.labels, spec.dashboardUrl, spec.namespaces]);
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#views.clear();
    const all = [...this.#watchers.values()];
    this.#watchers.clear();
    await Promise.all(all.map((w) => w.watcher.stop()));
  }

  /** Apply a new config: start new clusters, stop removed ones, restart changed ones. */
  async reload(config?: KubernetesConfig | KubernetesConfigInput): Promise<ReloadResult> {
    const next = config !== undefined ? kubernetesConfigSchema.parse(config) : this.#config;
    const previous = this.#config;
    this.#config = next;
    let specs: ClusterSpec[];
    try {
      specs = this.#resolve();
    } catch (error) {
      this.#config = previous;
      throw error;
    }
    const result: ReloadResult = { added: [], removed: [], restarted: [], unchanged: [] };
    const wanted = new Map(specs.map((s) => [s.name, s]));
    const cacheChanged = this.#cacheSettingsChanged(previous, next);
    const stops: Promise<void>[] = [];
    for (const [name, entry] of [...this.#watchers]) {
      const spec = wanted.get(name);
      if (spec && !cacheChanged && this.#specFingerprint(spec) === entry.fingerprint) {
        result.unchanged.push(name);
        continue;
      }
      this.#watchers.delete(name);
      stops.push(entry.watcher.stop());
      (spec ? result.restarted : result.removed).push(name);
    }
    await Promise.all(stops);
    for (const spec of specs) {
      if (this.#watchers.has(spec.name)) continue;
      if (!result.restarted.includes(spec.name)) result.added.push(spec.name);
      if (this.#started) this.#add(spec);
    }
    this.#discovery.invalidate();
    this.#views.markAllDirty();
    this.#log?.info(result, 'kubernetes config reloaded');
    return result;
  }

  #cacheSettingsChanged(a: KubernetesConfig, b: KubernetesConfig): boolean {
    return (
      JSON.stringify([a.indexLabels, a.maxEventsPerCluster, a.eventMaxAgeSeconds, a.listPageSize]) !==
      JSON.stringify([b.indexLabels, b.maxEventsPerCluster, b.eventMaxAgeSeconds, b.listPageSize])
    );
  }

  /** Every cluster's state, sorted by name. */
  clusters(): ClusterState[] {
    return [...this.#watchers.values()]
      .map((w) => w.watcher.state())
      .sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  }

  cluster(name: string): ClusterWatcher | undefined {
    return this.#watchers.get(name)?.watcher;
  }

  /** Resolves when every cluster left `syncing` (synced or stale), or after timeoutMs. */
  async waitForSync(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.clusters().every((c) => c.status !== 'syncing')) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** All objects of a service, per cluster, for health rules and the view. */
  objectsFor(locator: ServiceLocator): ClusterObject[] {
    return this.#views.objectsFor(locator);
  }

  /** The service view, from memory: never waits for a cluster. */
  view(locator: ServiceLocator, options: ViewOptions = {}): ServiceView {
    return this.#views.view(locator, options);
  }

  /** The same view as JSON text (kept with the view until something routed to it changes). */
  viewJson(locator: ServiceLocator, options: ViewOptions = {}): string {
    return this.#views.viewJson(locator, options);
  }

  /**
   * Call `listener` with the view now and then after each change to the service's objects or its
   * clusters' state, coalesced over `streamDebounceMs`. Returns the unsubscribe function.
   */
  subscribe(locator: ServiceLocator, listener: ViewListener, options: ViewOptions = {}): () => void {
    return this.#views.subscribe(locator, listener, options);
  }

  /** Listen to cluster state changes (for a fleet page or a health recompute). */
  onClusterState(listener: () => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Listen to every object change the watches apply (history kept beside the caches). */
  onObjectChanges(listener: (cluster: string, changes: readonly Change[]) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  get subscriptionCount(): number {
    return this.#views.count;
  }

  #onChanges(cluster: string, changes: Change[]) {
    if (changes.some((c) => isWorkloadKind(c.kind))) this.#discovery.invalidate();
    this.#views.changed(changes, cluster);
    for (const l of this.#changeListeners) l(cluster, changes);
  }

  #onState(cluster: string) {
    this.#views.clusterChanged(cluster);
    for (const l of this.#stateListeners) l();
  }

  /**
   * Ask a cluster, as Portolan's own identity there, whether a user may do something (per-user
   * Kubernetes identity); the cluster answers, nothing is cached here.
   */
  reviewAccess(cluster: string, review: AccessReview): Promise<AccessReviewResult> {
    const client = this.#watchers.get(cluster)?.watcher.client;
    if (!client) throw new NotFoundError(`no cluster named ${cluster}`, { cluster });
    if (!client.reviewAccess)
      throw new UnavailableError(`cluster ${cluster} cannot be asked SubjectAccessReviews`, { cluster });
    return client.reviewAccess(review, AbortSignal.timeout(10_000));
  }

  /** Recent events of a service across clusters, newest first. */
  events(locator: ServiceLocator, limit = 200): EventView[] {
    return serviceEvents(this.objectsFor(locator), limit);
  }

  /** One pod's log (the pod must belong to the service), as bytes. */
  logs(locator: ServiceLocator, options: PodLogOptions): Promise<ReadableStream<Uint8Array>> {
    return this.#logs.pod(locator, options);
  }

  /** The merged log of every pod of a workload in every cluster, line by line. */
  workloadLogs(locator: ServiceLocator, options: WorkloadLogOptions): AsyncGenerator<LogLine> {
    return this.#logs.workload(locator, options);
  }

  /** Workloads that belong to none of `entities`, grouped into discovered services. */
  discover(entities: CatalogEntity[]): DiscoveredService[] {
    return this.#discovery.discover(entities);
  }

  /** The locator of a discovered service, by id. */
  discoveredLocator(id: string, entities: CatalogEntity[]): ServiceLocator {
    return this.#discovery.locator(id, entities);
  }
}

export function createKubernetesEngine(options: KubernetesEngineOptions): KubernetesEngine {
  return new KubernetesEngine(options);
}
