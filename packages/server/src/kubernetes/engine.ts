// The multi-cluster watch engine: the cluster registry, one ClusterWatcher per cluster, service
// views computed from memory, and subscriptions that recompute a service's view only when one
// of its objects (or its clusters' state) changed, coalesced over a short window.

import {
  type CronJob,
  ForbiddenError,
  InputError,
  type KubeEvent,
  type KubeObject,
  NotFoundError,
  type Pod,
  type PodTemplate,
  UnavailableError,
  type WatchedKind,
} from '@portolan/core';
import {
  buildServiceView,
  type CatalogEntity,
  type ClusterState,
  DISCOVERED_PREFIX,
  type DiscoveredService,
  type DiscoveryWorkload,
  discoveredLocator,
  discoverServices,
  inNamespaces,
  locateService,
  locatorKey,
  matchesSelector,
  SERVICE_LABELS,
  type ServiceLocator,
  type ServiceObject,
  type ServiceView,
  selectServiceObjects,
  WORKLOAD_KINDS,
  type WorkloadKind,
} from '@portolan/core/services/index';
import { type ClusterClient, errorStatus, KubeConfigClient, type LogOptions } from './client.ts';
import { ClusterWatcher } from './cluster.ts';
import { type ClusterSpec, resolveClusters } from './clusters.ts';
import { type KubernetesConfig, type KubernetesConfigInput, kubernetesConfigSchema } from './config.ts';
import { ChangeRouter, emptyFootprint } from './router.ts';
import { type Change, eventTime } from './store.ts';

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface KubernetesEngineOptions {
  /** The parsed `kubernetes:` section (or its input form; it is parsed again, cheaply). */
  config: KubernetesConfig | KubernetesConfigInput;
  /** Directory of the config file; relative paths (caFile, kubeconfig path) resolve against it. */
  configDir: string;
  logger?: EngineLogger;
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

export interface ClusterObject {
  cluster: string;
  kind: WatchedKind;
  object: KubeObject;
}

export interface EventView {
  cluster: string;
  namespace: string;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  object: { kind?: string; name?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
}

export interface PodLogOptions extends LogOptions {
  cluster: string;
}

export interface WorkloadLogOptions
  extends Pick<LogOptions, 'container' | 'follow' | 'previous' | 'tailLines' | 'sinceSeconds' | 'signal'> {
  /** `Kind/name`, e.g. `Deployment/checkout`. */
  workload: string;
}

export interface LogLine {
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
  line?: string;
  /** Set instead of `line` when this pod's stream failed. */
  error?: string;
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
}

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

const WORKLOADS: readonly string[] = WORKLOAD_KINDS;

function templateLabels(kind: string, obj: KubeObject): Record<string, string> | undefined {
  const template: PodTemplate | undefined =
    kind === 'CronJob'
      ? (obj as CronJob).spec?.jobTemplate?.spec?.template
      : (obj as { spec?: { template?: PodTemplate } }).spec?.template;
  return template?.metadata?.labels;
}

export class KubernetesEngine {
  #config: KubernetesConfig;
  readonly #configDir: string;
  readonly #log: EngineLogger | undefined;
  readonly #now: () => number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #clientFactory: (spec: ClusterSpec) => ClusterClient;
  readonly #tuning: NonNullable<KubernetesEngineOptions['tuning']>;
  readonly #watchers = new Map<string, { watcher: ClusterWatcher; fingerprint: string }>();
  readonly #subs = new Map<string, Subscription>();
  readonly #stateListeners = new Set<() => void>();
  #queue: Subscription[] = [];
  readonly #router = new ChangeRouter<Subscription>();
  #draining = false;
  #discovery:
    | { at: number; entities: CatalogEntity[]; services: DiscoveredService[]; workloads: DiscoveryWorkload[] }
    | undefined;
  #started = false;

  constructor(options: KubernetesEngineOptions) {
    this.#config = kubernetesConfigSchema.parse(options.config);
    this.#configDir = options.configDir;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#env = options.env ?? process.env;
    this.#clientFactory = options.clientFactory ?? ((spec) => new KubeConfigClient(spec.kubeConfig));
    this.#tuning = options.tuning ?? {};
  }

  get config(): KubernetesConfig {
    return this.#config;
  }

  #indexLabels(): string[] {
    return [...new Set([...SERVICE_LABELS, ...this.#config.indexLabels])];
  }

  #createWatcher(spec: ClusterSpec): ClusterWatcher {
    const { kubeConfig: _kc, ...rest } = spec;
    return new ClusterWatcher({
      spec: rest,
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
      ...(this.#log ? { log: (msg, fields) => this.#log?.info(fields ?? {}, msg) } : {}),
    });
  }

  #resolve(): ClusterSpec[] {
    return resolveClusters(this.#config, { configDir: this.#configDir, env: this.#env });
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
    return JSON.stringify([spec.fingerprint, spec.region, spec.labels, spec.dashboardUrl]);
  }

  async stop(): Promise<void> {
    this.#started = false;
    for (const sub of this.#subs.values()) if (sub.timer) clearTimeout(sub.timer);
    for (const sub of this.#subs.values()) this.#router.delete(sub);
    this.#subs.clear();
    this.#queue = [];
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
    this.#discovery = undefined;
    this.#markAllDirty();
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

  /** The locator of a catalog entity. */
  locate(entity: CatalogEntity): ServiceLocator {
    return locateService(entity);
  }

  /** All objects of a service, per cluster, for health rules and the view. */
  objectsFor(locator: ServiceLocator): ClusterObject[] {
    const out: ClusterObject[] = [];
    for (const { watcher } of this.#watchers.values()) {
      for (const o of selectServiceObjects(locator, watcher)) out.push({ cluster: watcher.name, ...o });
    }
    return out;
  }

  #perCluster(locator: ServiceLocator): { state: ClusterState; objects: ServiceObject[] }[] {
    return [...this.#watchers.values()].map(({ watcher }) => ({
      state: watcher.state(),
      objects: selectServiceObjects(locator, watcher),
    }));
  }

  /** The service view, from memory: never waits for a cluster. */
  view(locator: ServiceLocator, options: ViewOptions = {}): ServiceView {
    const maxPods = this.#maxPods(options);
    return buildServiceView({
      ...(maxPods !== undefined ? { maxPodsPerWorkload: maxPods } : {}),
      ref: locator.ref,
      name: locator.name,
      clusters: this.#perCluster(locator),
      now: this.#now(),
    });
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
      sub = {
        locator,
        maxPods,
        listeners: new Set(),
        timer: undefined,
        queued: false,
      };
      this.#subs.set(key, sub);
      this.#router.add(sub);
    }
    sub.listeners.add(listener);
    const view = this.#computeFor(sub);
    listener(view);
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

  /** Listen to cluster state changes (for a fleet page or a health recompute). */
  onClusterState(listener: () => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  get subscriptionCount(): number {
    return this.#subs.size;
  }

  #maxPods(options: ViewOptions): number | undefined {
    const n = options.maxPodsPerWorkload ?? this.#config.maxPodsPerWorkload;
    return n > 0 ? n : undefined;
  }

  #computeFor(sub: Subscription): ServiceView {
    const perCluster = this.#perCluster(sub.locator);
    const footprint = emptyFootprint();
    for (const c of perCluster) {
      for (const o of c.objects) {
        const meta = o.object.metadata;
        if (meta?.uid) footprint.uids.add(meta.uid);
        const ns = meta?.namespace ?? '';
        if (o.kind === 'Service') footprint.serviceNames.add(`${ns}/${meta?.name}`);
        if (WORKLOADS.includes(o.kind)) {
          footprint.workloads.add(`${ns}/${o.kind}/${meta?.name}`);
          const labels = templateLabels(o.kind, o.object);
          if (labels) {
            const list = footprint.templates.get(ns) ?? [];
            list.push(labels);
            footprint.templates.set(ns, list);
          }
        }
      }
    }
    this.#router.update(sub, footprint);
    return buildServiceView({
      ...(sub.maxPods !== undefined ? { maxPodsPerWorkload: sub.maxPods } : {}),
      ref: sub.locator.ref,
      name: sub.locator.name,
      clusters: perCluster,
      now: this.#now(),
    });
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
    }, this.#config.streamDebounceMs);
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
      const view = this.#computeFor(sub);
      for (const l of sub.listeners) {
        try {
          l(view);
        } catch (error) {
          this.#log?.error({ err: error }, 'service view listener failed');
        }
      }
    }
    setImmediate(() => this.#drain());
  }

  #markAllDirty() {
    for (const sub of this.#subs.values()) this.#schedule(sub);
  }

  #onChanges(_cluster: string, changes: Change[]) {
    if (changes.some((c) => c.kind !== 'Event' && WORKLOADS.includes(c.kind))) this.#discovery = undefined;
    if (this.#subs.size === 0) return;
    const due = new Set<Subscription>();
    for (const change of changes) this.#router.route(change, due);
    for (const sub of due) this.#schedule(sub);
  }

  #onState(_cluster: string) {
    this.#markAllDirty();
    for (const l of this.#stateListeners) l();
  }

  /** Recent events of a service across clusters, newest first. */
  events(locator: ServiceLocator, limit = 200): EventView[] {
    const events = this.objectsFor(locator).filter((o) => o.kind === 'Event');
    events.sort((a, b) => eventTime(b.object as KubeEvent) - eventTime(a.object as KubeEvent));
    return events.slice(0, limit).map(({ cluster, object }) => {
      const ev = object as KubeEvent;
      const view: EventView = {
        cluster,
        namespace: ev.metadata?.namespace ?? '',
        object: {
          ...(ev.involvedObject?.kind ? { kind: ev.involvedObject.kind } : {}),
          ...(ev.involvedObject?.name ? { name: ev.involvedObject.name } : {}),
        },
      };
      if (ev.type) view.type = ev.type;
      if (ev.reason) view.reason = ev.reason;
      if (ev.message) view.message = ev.message;
      if (ev.count !== undefined) view.count = ev.count;
      const first = ev.firstTimestamp ?? ev.eventTime;
      const last = ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp;
      if (first) view.firstTimestamp = first;
      if (last) view.lastTimestamp = last;
      return view;
    });
  }

  #requirePod(locator: ServiceLocator, cluster: string, namespace: string, pod: string): Pod {
    const watcher = this.#watchers.get(cluster)?.watcher;
    if (!watcher) throw new NotFoundError(`unknown cluster "${cluster}"`, { cluster });
    const found = selectServiceObjects(locator, watcher).find(
      (o) =>
        o.kind === 'Pod' && o.object.metadata?.namespace === namespace && o.object.metadata?.name === pod,
    );
    if (!found) {
      throw new NotFoundError(`pod ${namespace}/${pod} is not part of ${locator.ref} in cluster ${cluster}`, {
        cluster,
        namespace,
        name: pod,
      });
    }
    return found.object as Pod;
  }

  /** One pod's log (the pod must belong to the service), as bytes. */
  async logs(locator: ServiceLocator, options: PodLogOptions): Promise<ReadableStream<Uint8Array>> {
    const pod = this.#requirePod(locator, options.cluster, options.namespace, options.pod);
    const containers = (pod.spec?.containers ?? []).map((c) => c.name ?? '');
    if (
      options.container &&
      !containers.includes(options.container) &&
      !(pod.spec?.initContainers ?? []).some((c) => c.name === options.container)
    ) {
      throw new NotFoundError(
        `pod ${options.namespace}/${options.pod} has no container "${options.container}"`,
        {
          cluster: options.cluster,
          namespace: options.namespace,
          name: options.pod,
        },
      );
    }
    const client = this.#watchers.get(options.cluster)!.watcher.client;
    try {
      return await client.logs({
        namespace: options.namespace,
        pod: options.pod,
        ...(options.container
          ? { container: options.container }
          : containers.length > 1
            ? { container: containers[0]! }
            : {}),
        ...(options.follow ? { follow: true } : {}),
        ...(options.previous ? { previous: true } : {}),
        ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
        ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : {}),
        ...(options.timestamps ? { timestamps: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      throw mapClusterError(error, options.cluster, `logs of ${options.namespace}/${options.pod}`);
    }
  }

  /**
   * The merged log of every pod of a workload in every cluster, line by line, each tagged with
   * cluster, pod and container. One pod failing yields an error entry, never ends the others.
   * Limitation: pods created after the stream opened are not added to it.
   */
  async *workloadLogs(locator: ServiceLocator, options: WorkloadLogOptions): AsyncGenerator<LogLine> {
    const slash = options.workload.indexOf('/');
    const kind = options.workload.slice(0, slash);
    const name = options.workload.slice(slash + 1);
    if (slash < 0 || !WORKLOADS.includes(kind) || name === '') {
      throw new InputError(`workload must be Kind/name with Kind one of ${WORKLOADS.join(', ')}`);
    }
    const view = this.view(locator, { maxPodsPerWorkload: 0 });
    const targets: { cluster: string; namespace: string; pod: string; container: string }[] = [];
    for (const c of view.clusters) {
      for (const w of c.items) {
        if (w.kind !== kind || w.name !== name) continue;
        for (const p of w.pods) {
          const container = options.container ?? p.containers[0]?.name;
          if (container) targets.push({ cluster: c.cluster, namespace: p.namespace, pod: p.name, container });
        }
      }
    }
    if (targets.length === 0) throw new NotFoundError(`no pods of ${options.workload} in ${locator.ref}`);
    const queue: LogLine[] = [];
    let wake: (() => void) | undefined;
    let open = targets.length;
    const push = (l: LogLine) => {
      queue.push(l);
      wake?.();
    };
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    for (const t of targets) {
      void (async () => {
        try {
          const stream = await this.logs(locator, {
            ...t,
            ...(options.follow ? { follow: true } : {}),
            ...(options.previous ? { previous: true } : {}),
            ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
            ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : {}),
            signal,
          });
          const decoder = new TextDecoder();
          let buf = '';
          for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
            buf += decoder.decode(chunk, { stream: true });
            let nl = buf.indexOf('\n');
            while (nl >= 0) {
              push({ ...t, line: buf.slice(0, nl) });
              buf = buf.slice(nl + 1);
              nl = buf.indexOf('\n');
            }
          }
          if (buf !== '') push({ ...t, line: buf });
        } catch (error) {
          if (!signal.aborted) push({ ...t, error: error instanceof Error ? error.message : String(error) });
        } finally {
          open--;
          wake?.();
        }
      })();
    }
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (open === 0 || signal.aborted) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    } finally {
      controller.abort();
    }
  }

  #discoveryWorkloads(): DiscoveryWorkload[] {
    const out: DiscoveryWorkload[] = [];
    for (const { watcher } of this.#watchers.values()) {
      for (const kind of WORKLOAD_KINDS) {
        for (const object of watcher.all(kind))
          out.push({ cluster: watcher.name, kind: kind as WorkloadKind, object });
      }
    }
    return out;
  }

  /**
   * Workloads that belong to none of `entities`, grouped into discovered services. Claiming is
   * decided on the workload's own labels (workloads are the top of their owner chain).
   */
  discover(entities: CatalogEntity[]): DiscoveredService[] {
    const ttl = this.#tuning.discoveryTtlMs ?? 10_000;
    const cached = this.#discovery;
    // The catalog hands out a fresh array per call: same size within the TTL counts as unchanged.
    if (cached && cached.entities.length === entities.length && this.#now() - cached.at < ttl)
      return cached.services;
    const locators = entities.map((e) => locateService(e));
    // Fast path for the common locators: a lookup per workload instead of a scan per entity.
    const byLabel = new Map<string, ServiceLocator[]>();
    const others: ServiceLocator[] = [];
    for (const l of locators) {
      if (l.source === 'label-selector') {
        others.push(l);
        continue;
      }
      for (const sel of l.selectors) {
        const r = sel[0];
        if (sel.length === 1 && r?.operator === '=') {
          const k = `${r.key}=${r.values[0]}`;
          const list = byLabel.get(k) ?? [];
          list.push(l);
          byLabel.set(k, list);
        }
      }
    }
    const workloads = this.#discoveryWorkloads();
    const unclaimed = workloads.filter((w) => {
      const labels = w.object.metadata?.labels ?? {};
      for (const key of SERVICE_LABELS) {
        const v = labels[key];
        if (v === undefined) continue;
        if (byLabel.get(`${key}=${v}`)?.some((l) => inNamespaces(l, w.object))) return false;
      }
      return !others.some(
        (l) => inNamespaces(l, w.object) && l.selectors.some((s) => matchesSelector(s, labels)),
      );
    });
    const services = discoverServices(unclaimed);
    this.#discovery = { at: this.#now(), entities, services, workloads: unclaimed };
    return services;
  }

  /** The locator of a discovered service, by id. */
  discoveredLocator(id: string, entities: CatalogEntity[]): ServiceLocator {
    if (!id.startsWith(DISCOVERED_PREFIX)) throw new InputError(`not a discovered service id: ${id}`);
    const services = this.discover(entities);
    const svc = services.find((s) => s.id === id);
    if (!svc) throw new NotFoundError(`no discovered service "${id}"`);
    return discoveredLocator(svc, this.#discovery?.workloads ?? []);
  }

  findDiscovered(id: string, entities: CatalogEntity[]): DiscoveredService {
    const svc = this.discover(entities).find((s) => s.id === id);
    if (!svc) throw new NotFoundError(`no discovered service "${id}"`);
    return svc;
  }
}

/** Map a cluster call failure to the domain error family. */
export function mapClusterError(error: unknown, cluster: string, what: string): Error {
  const status = errorStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404)
    return new NotFoundError(`${what}: not found in cluster ${cluster}: ${message}`, { cluster });
  if (status === 400) return new InputError(`${what}: ${message}`, { cluster });
  if (status === 403)
    return new ForbiddenError(`${what}: cluster ${cluster} forbids it: ${message}`, { cluster });
  if (status === 401)
    return new UnavailableError(`${what}: cluster ${cluster} rejected our credentials: ${message}`, {
      cluster,
    });
  if (error instanceof Error && error.name === 'AbortError') return error;
  return new UnavailableError(`${what}: cluster ${cluster} unavailable: ${message}`, { cluster });
}

export function createKubernetesEngine(options: KubernetesEngineOptions): KubernetesEngine {
  return new KubernetesEngine(options);
}
