// Health over the watch engine's memory: the findings of one service (with log tails of its
// crash-looping containers), the whole fleet's findings mapped to service, team and system and
// cached for a few seconds, a service's autoscaling, and findings pushed on a service's stream.
import type { AccessDenials } from '@portolan/core/auth/kubernetes';
import { NotFoundError } from '@portolan/core/errors';
import {
  evaluateHealth,
  type Finding,
  type FindingsSummary,
  logTailKey,
  summarizeFindings,
} from '@portolan/core/health/index';
import { type HorizontalPodAutoscaler, WATCHED_KINDS, type WatchedKind } from '@portolan/core/k8s/types';
import {
  analyzeHpa,
  analyzeScaling,
  type HpaAnalysis,
  type WorkloadScaling,
} from '@portolan/core/scaling/index';
import {
  type CatalogEntity,
  type ClusterStatusView,
  clusterStatus,
  DISCOVERED_PREFIX,
  locateService,
  type PerCluster,
  type ServiceLocator,
} from '@portolan/core/services/index';
import type { KubernetesEngine } from '../kubernetes/engine.ts';
import type { Logger } from '../log.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import { RefreshingValue } from './cache.ts';
import {
  buildSnapshot,
  type ClusterServicesView,
  clusterServices,
  FindingsTracker,
  type FleetFilter,
  type FleetPlacement,
  type FleetSnapshot,
  type FleetSummaryView,
  labelPairs,
  mayHaveObjects,
  placementsOf,
  queryFindings,
  type ServiceContext,
  type ServiceFinding,
  selectorKeys,
  serviceContext,
  summarizeFleet,
} from './fleet.ts';

/** The slice of the watch engine health reads; the real engine and test doubles satisfy it. */
export type HealthEngine = Pick<
  KubernetesEngine,
  'objectsFor' | 'subscribe' | 'clusters' | 'cluster' | 'logs'
>;

export interface LogTailOptions {
  /** At most this many crash-looping containers get a log tail per request. */
  maxContainers: number;
  lines: number;
  /** For all tails of one request together. */
  timeoutMs: number;
  /** A tail fetched this recently is reused (a page reload does not hit the cluster again). */
  cacheMs: number;
}

export interface HealthServiceOptions {
  engine: HealthEngine;
  /** Service refs to locators, as every route resolves them. */
  resolver: ServiceResolver;
  now?: () => number;
  logger?: Logger;
  /** Fleet findings younger than this are served from cache (default 5 s). */
  fleetFreshMs?: number;
  /**
   * Up to this age they are served while a new evaluation runs in the background (default 5 min:
   * at 200,000 pods an evaluation is ~2 s of background work, and only a request after a longer
   * idle spell waits for one; every answer says when its findings were computed).
   */
  fleetStaleMs?: number;
  /** Log tails for crash loops on single-service requests; false turns them off. */
  logTails?: Partial<LogTailOptions> | false;
  /**
   * A stream also re-evaluates on this period without any change: time-based rules (pending
   * too long, a missed CronJob) fire without an object changing (default 30 s).
   */
  streamRecheckMs?: number;
  /**
   * The catalog's Components are re-read at most this often for the fleet view (default 30 s;
   * 20,000 entities take a while to read). invalidate() forces it, e.g. after a catalog refresh.
   */
  catalogTtlMs?: number;
}

export interface ServiceFindings {
  ref: string;
  owner?: string;
  system?: string;
  lifecycle?: string;
  evaluatedAt: string;
  /** Each cluster's state: findings from a stale cluster are its last known state. */
  clusters: ClusterStatusView[];
  summary: FindingsSummary;
  findings: Finding[];
}

export interface ServiceScaling {
  ref: string;
  /** Every HPA of the service, per cluster. */
  clusters: PerCluster<HpaAnalysis>[];
  /** Per autoscaled workload, how replicas and load spread across clusters, worst first. */
  workloads: WorkloadScaling[];
}

/** Every kind but Event: the kinds a locator's labels can select (a superset is harmless). */
const LABELLED_KINDS = WATCHED_KINDS.filter((k) => k !== 'Event');

const DEFAULT_LOG_TAILS: LogTailOptions = { maxContainers: 3, lines: 20, timeoutMs: 2000, cacheMs: 10_000 };
const MAX_LOG_BYTES = 64 * 1024;

export class HealthService {
  readonly #engine: HealthEngine;
  readonly #resolver: ServiceResolver;
  readonly #now: () => number;
  readonly #log: Logger | undefined;
  readonly #logTails: LogTailOptions | false;
  readonly #tailCache = new Map<string, { at: number; lines: string[] }>();
  readonly #recheckMs: number;
  readonly #fleet: RefreshingValue<FleetSnapshot>;
  readonly #components: RefreshingValue<CatalogEntity[]>;

  constructor(options: HealthServiceOptions) {
    this.#engine = options.engine;
    this.#resolver = options.resolver;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger;
    this.#logTails = options.logTails === false ? false : { ...DEFAULT_LOG_TAILS, ...options.logTails };
    this.#recheckMs = options.streamRecheckMs ?? 30_000;
    const catalogTtlMs = options.catalogTtlMs ?? 30_000;
    this.#components = new RefreshingValue({
      compute: () => this.#resolver.catalog.listAll(['component']),
      freshMs: catalogTtlMs,
      staleMs: catalogTtlMs,
      now: this.#now,
    });
    this.#fleet = new RefreshingValue({
      compute: () => this.#computeFleet(),
      freshMs: options.fleetFreshMs ?? 5000,
      staleMs: options.fleetStaleMs ?? 300_000,
      now: this.#now,
      onError: (error) => this.#log?.warn({ err: error }, 'fleet health evaluation failed'),
    });
  }

  /** The locator and catalog context of a service ref (an entity ref or a discovered id). */
  async resolve(ref: string): Promise<{ locator: ServiceLocator; context?: ServiceContext }> {
    const { locator, entity } = await this.#resolver.resolve(ref);
    return entity ? { locator, context: serviceContext(entity) } : { locator };
  }

  #evaluate(locator: ServiceLocator, context: ServiceContext | undefined, logTails?: Map<string, string[]>) {
    const objects = this.#engine.objectsFor(locator);
    return evaluateHealth(objects, this.#now(), {
      ...(context?.lifecycle ? { lifecycle: context.lifecycle } : {}),
      ...(logTails && logTails.size > 0 ? { logTails } : {}),
    });
  }

  #clusterStatus(kinds?: readonly WatchedKind[]): ClusterStatusView[] {
    return this.#engine.clusters().map((c) => clusterStatus(c, kinds));
  }

  /** One service's findings, with the log tail of (a few of) its crash-looping containers. */
  async serviceFindings(ref: string, options: { logs?: boolean } = {}): Promise<ServiceFindings> {
    const { locator, context } = await this.resolve(ref);
    let findings = this.#evaluate(locator, context);
    if (options.logs !== false && this.#logTails) {
      const tails = await this.#fetchLogTails(locator, findings, this.#logTails);
      if (tails.size > 0) findings = this.#evaluate(locator, context, tails);
    }
    return {
      ref: locator.ref,
      ...(context?.owner ? { owner: context.owner } : {}),
      ...(context?.system ? { system: context.system } : {}),
      ...(context?.lifecycle ? { lifecycle: context.lifecycle } : {}),
      evaluatedAt: new Date(this.#now()).toISOString(),
      clusters: this.#clusterStatus(),
      summary: summarizeFindings(findings),
      findings,
    };
  }

  async #fetchLogTails(
    locator: ServiceLocator,
    findings: readonly Finding[],
    opts: LogTailOptions,
  ): Promise<Map<string, string[]>> {
    const targets: { cluster: string; namespace: string; pod: string; container: string }[] = [];
    for (const f of findings) {
      if (targets.length >= opts.maxContainers) break;
      const pod = f.pods?.[0] ?? (f.object.kind === 'Pod' ? f.object.name : undefined);
      if (f.rule !== 'pod-crash-loop' || !pod || !f.evidence.container) continue;
      targets.push({
        cluster: f.object.cluster,
        namespace: f.object.namespace,
        pod,
        container: f.evidence.container,
      });
    }
    const out = new Map<string, string[]>();
    if (targets.length === 0) return out;
    const now = this.#now();
    for (const [key, entry] of this.#tailCache)
      if (now - entry.at > opts.cacheMs) this.#tailCache.delete(key);
    const signal = AbortSignal.timeout(opts.timeoutMs);
    await Promise.all(
      targets.map(async (t) => {
        const key = logTailKey(t.cluster, t.namespace, t.pod, t.container);
        const cached = this.#tailCache.get(key);
        if (cached) {
          if (cached.lines.length > 0) out.set(key, cached.lines);
          return;
        }
        // The crashed run's output is what explains the crash; a container that never ran
        // before has only its current one.
        let lines = await this.#tail(locator, t, opts.lines, true, signal);
        if (lines === undefined && !signal.aborted)
          lines = await this.#tail(locator, t, opts.lines, false, signal);
        this.#tailCache.set(key, { at: now, lines: lines ?? [] });
        if (lines && lines.length > 0) out.set(key, lines);
      }),
    );
    return out;
  }

  async #tail(
    locator: ServiceLocator,
    t: { cluster: string; namespace: string; pod: string; container: string },
    lines: number,
    previous: boolean,
    signal: AbortSignal,
  ): Promise<string[] | undefined> {
    try {
      const stream = await this.#engine.logs(locator, { ...t, tailLines: lines, previous, signal });
      const text = await readBounded(stream, MAX_LOG_BYTES, signal);
      const all = text.split('\n');
      if (all.at(-1) === '') all.pop();
      return all.slice(-lines);
    } catch (error) {
      this.#log?.info(
        { cluster: t.cluster, namespace: t.namespace, pod: t.pod, err: (error as Error).message },
        'no log tail for a crash-looping container',
      );
      return undefined;
    }
  }

  /** The whole fleet's findings, at most a few seconds old. */
  fleet(): Promise<FleetSnapshot> {
    return this.#fleet.get();
  }

  /** Re-read the catalog and recompute the fleet's findings on the next request (after a catalog refresh). */
  invalidate(): void {
    this.#components.invalidate();
    this.#fleet.invalidate();
  }

  /** `snapshot`: the fleet as one user may see it (allowedSnapshot); default, all of it. */
  async findings(
    filter: FleetFilter,
    limit: number,
    offset = 0,
    snapshot?: FleetSnapshot,
  ): Promise<{ items: ServiceFinding[]; totalItems: number; generatedAt: string }> {
    snapshot ??= await this.fleet();
    return {
      ...queryFindings(snapshot, filter, limit, offset),
      generatedAt: new Date(snapshot.at).toISOString(),
    };
  }

  async summary(filter: FleetFilter = {}, top = 20, snapshot?: FleetSnapshot): Promise<FleetSummaryView> {
    return summarizeFleet(snapshot ?? (await this.fleet()), filter, top);
  }

  /** What runs in one cluster, by team, with its findings; 404 for a cluster the portal does not watch. */
  async cluster(name: string, snapshot?: FleetSnapshot): Promise<ClusterServicesView> {
    if (!this.#engine.clusters().some((c) => c.cluster === name))
      throw new NotFoundError(`no cluster named "${name}"`, { cluster: name });
    return clusterServices(snapshot ?? (await this.fleet()), name);
  }

  async #computeFleet(): Promise<FleetSnapshot> {
    const started = performance.now();
    const at = this.#now();
    const entities = await this.#components.get();
    const located: { entity: CatalogEntity; locator: ServiceLocator }[] = [];
    for (const entity of entities) {
      const locator = locateService(entity);
      // An unusable selector annotation is a problem on that entity; the fleet goes on.
      if (!locator.problem) located.push({ entity, locator });
    }
    const keys = selectorKeys(located.map((l) => l.locator));
    const yieldNow = () => new Promise((resolve) => setImmediate(resolve));
    const present = new Set<string>();
    for (const c of this.#engine.clusters()) {
      const watcher = this.#engine.cluster(c.cluster);
      if (!watcher) continue;
      for (const kind of LABELLED_KINDS) labelPairs(watcher.all(kind), keys, present);
      await yieldNow();
    }
    const labelsMs = Math.round(performance.now() - started);
    const evaluated: { service: ServiceContext; findings: Finding[]; placements: FleetPlacement[] }[] = [];
    let sliceStart = performance.now();
    for (const { entity, locator } of located) {
      if (!mayHaveObjects(locator, present)) continue;
      const objects = this.#engine.objectsFor(locator);
      if (objects.length === 0) continue;
      const service = serviceContext(entity);
      const findings = evaluateHealth(objects, at, {
        ...(service.lifecycle ? { lifecycle: service.lifecycle } : {}),
      });
      evaluated.push({ service, findings, placements: placementsOf(service.ref, objects) });
      // Let requests and streams in between slices: the whole fleet is seconds of CPU.
      if (performance.now() - sliceStart > 20) {
        await yieldNow();
        sliceStart = performance.now();
      }
    }
    const durationMs = Math.round(performance.now() - started);
    const snapshot = buildSnapshot(evaluated, { at, durationMs, entities: entities.length });
    this.#log?.info(
      {
        durationMs,
        labelsMs,
        entities: entities.length,
        services: evaluated.length,
        findings: snapshot.findings.length,
      },
      'fleet health evaluated',
    );
    return snapshot;
  }

  /**
   * Every HPA of a service per cluster, and how each autoscaled workload spreads across clusters;
   * without the HPAs of namespaces where `denials` forbid listing them.
   */
  async scaling(ref: string, denials?: AccessDenials): Promise<ServiceScaling> {
    const { locator } = await this.resolve(ref);
    const hpas: { cluster: string; object: HorizontalPodAutoscaler }[] = [];
    for (const o of this.#engine.objectsFor(locator)) {
      const namespace = o.object.metadata?.namespace ?? '';
      if (denials && !denials.allows(o.cluster, o.kind, namespace)) continue;
      if (o.kind === 'HorizontalPodAutoscaler')
        hpas.push({ cluster: o.cluster, object: o.object as HorizontalPodAutoscaler });
    }
    const clusters = this.#clusterStatus(['HorizontalPodAutoscaler']).map((c) => ({
      ...c,
      items: hpas.filter((h) => h.cluster === c.cluster).map((h) => analyzeHpa(h.cluster, h.object)),
    }));
    return { ref: locator.ref, clusters, workloads: analyzeScaling(hpas) };
  }

  /**
   * For the service stream (`streamExtras` of the Kubernetes routes): on each change of the
   * service's view, and every streamRecheckMs, re-evaluate its findings and send
   * `findings` with `{ findings, appeared, cleared, changed }` (first: all as appeared).
   * No log tails here: a stream re-evaluates often and must never call the cluster.
   */
  readonly streamExtras = (
    locator: ServiceLocator,
    send: (event: string, data: unknown) => void,
  ): (() => void) => {
    let closed = false;
    let unsubscribe: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const tracker = new FindingsTracker();
    void this.#contextOf(locator)
      .then((context) => {
        if (closed) return;
        const emit = () => {
          if (closed) return;
          const diff = tracker.update(this.#evaluate(locator, context));
          if (diff) send('findings', diff);
        };
        unsubscribe = this.#engine.subscribe(locator, emit);
        timer = setInterval(emit, this.#recheckMs);
        timer.unref?.();
      })
      .catch((error) => this.#log?.warn({ err: error, ref: locator.ref }, 'findings stream failed to start'));
    return () => {
      closed = true;
      unsubscribe?.();
      if (timer) clearInterval(timer);
    };
  };

  async #contextOf(locator: ServiceLocator): Promise<ServiceContext | undefined> {
    if (locator.ref.startsWith(DISCOVERED_PREFIX)) return undefined;
    const entity = await this.#resolver.catalog.getEntity(locator.ref);
    return entity ? serviceContext(entity) : undefined;
  }
}

async function readBounded(stream: ReadableStream<Uint8Array>, maxBytes: number, signal: AbortSignal) {
  const reader = stream.getReader();
  const onAbort = () => reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal.aborted) break;
      chunks.push(value);
      size += value.byteLength;
      // Keep the end: the last lines are the tail.
      while (size > maxBytes && chunks.length > 1) size -= chunks.shift()!.byteLength;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

export function createHealthService(options: HealthServiceOptions): HealthService {
  return new HealthService(options);
}
