// A running simulated fleet: one ClusterStore + ClusterServer + ClusterSimulator per cluster, all
// in this process, plus the trickle of change that makes it look alive (metrics moving, scaling,
// rollouts, a failing image, a cluster dropping off the network now and then).

import { randomBytes } from 'node:crypto';
import type { HorizontalPodAutoscaler } from '@portolan/core';
import type { TokenMap } from '../apiserver/auth.ts';
import { kindFor, SIM_KINDS } from '../apiserver/kinds.ts';
import { ClusterServer, type Reachability } from '../apiserver/server.ts';
import { ClusterStore, type Obj } from '../apiserver/store.ts';
import { type ServingCert, selfSignedCert } from '../apiserver/tls.ts';
import { type CatalogEntity, generateCatalog, kubernetesServices } from '../catalog/generate.ts';
import { iso } from '../controllers/objects.ts';
import { ClusterSimulator } from '../controllers/simulator.ts';
import { createRandom, type Random } from '../random.ts';
import { type FleetPlan, loadCluster, planFleet } from './generate.ts';
import { type ClusterSpec, fleetTopology } from './topology.ts';

const DEPLOYMENT = kindFor('Deployment');
const HPA = kindFor('HorizontalPodAutoscaler');
const POD = kindFor('Pod');

export interface SimFleetOptions {
  seed?: number | string;
  /** Number of clusters (default 14). */
  clusters?: number;
  /** Number of regions (default 3). */
  regions?: number;
  /** Catalog scale: 1.0 = 20,000 entities, 2,000 services (default 0.25). */
  scale?: number;
  /** A catalog to deploy instead of generating one from seed and scale. */
  catalog?: CatalogEntity[];
  /** token -> identity. Default: an admin, a read-only "portolan" and a "portolan-limited" without HPAs. */
  tokens?: TokenMap;
  /** Target object changes per second across the fleet, controllers included (default 20; 0 = still). */
  changeRate?: number;
  /** Scale replicas so that an average cluster holds about this many pods. */
  podsPerCluster?: number;
  /** Clusters go unreachable for a while now and then (default true when changeRate > 0). */
  outages?: boolean | { everyMs: number; durationMs: number };
  /** Start a rollout every this many ms somewhere in the fleet (default 15,000; 0 = never). */
  rolloutEveryMs?: number;
  /** Roll one service out to an image that cannot be pulled, shortly after start (default true when changing). */
  failingRollout?: boolean;
  bookmarkIntervalMs?: number;
  podStartMs?: number;
  historySize?: number;
  /** Serve plain HTTP instead of HTTPS (kubectl will then not send tokens). Default false. */
  plainHttp?: boolean;
  /**
   * Clusters that serve no metrics API (metrics.k8s.io), as a cluster without metrics-server.
   * Default: the last cluster of a fleet of several, so the demo shows both.
   */
  withoutMetricsApi?: string[];
  /**
   * One service (the first planned) runs in every cluster with this many replicas in each: the
   * fleet's largest, as the benchmarks measure a page at 14 clusters x 50 pods.
   */
  largestServiceReplicas?: number;
}

export interface SimCluster {
  name: string;
  region: string;
  url: string;
  store: ClusterStore;
  server: ClusterServer;
  simulator: ClusterSimulator;
}

export interface FleetTokens {
  admin: string;
  portolan: string;
  limited: string;
}

export function defaultTokens(): { tokens: TokenMap; named: FleetTokens } {
  const t = () => randomBytes(24).toString('base64url');
  const named = { admin: `sim-admin-${t()}`, portolan: `sim-portolan-${t()}`, limited: `sim-limited-${t()}` };
  return {
    named,
    tokens: {
      [named.admin]: { user: 'sim-admin', groups: ['system:masters'] },
      [named.portolan]: { user: 'portolan', readOnly: true },
      [named.limited]: { user: 'portolan-limited', readOnly: true, forbidden: ['horizontalpodautoscalers'] },
    },
  };
}

function pinned(h: HorizontalPodAutoscaler): boolean {
  return h.status?.conditions?.some((c) => c.type === 'ScalingLimited' && c.status === 'True') ?? false;
}

export class SimFleet {
  readonly clusters: SimCluster[];
  readonly catalog: CatalogEntity[];
  readonly plan: FleetPlan;
  readonly tokens: TokenMap;
  /** The generated identities' tokens (undefined when tokens were supplied). */
  readonly namedTokens: FleetTokens | undefined;
  /** The certificate every cluster serves (undefined with plainHttp); trust it as the CA. */
  readonly tls: ServingCert | undefined;
  /** Time spent generating the fleet's objects, ms. */
  readonly generateMs: number;
  readonly #byName: Map<string, SimCluster>;
  readonly #rnd: Random;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #outageTimers = new Set<NodeJS.Timeout>();
  #changes = 0;
  #forgiven = 0;
  #started = 0;
  #changeRate: number;
  #churnTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(o: {
    clusters: SimCluster[];
    catalog: CatalogEntity[];
    plan: FleetPlan;
    tokens: TokenMap;
    named: FleetTokens | undefined;
    seed: string;
    changeRate: number;
    generateMs: number;
    tls: ServingCert | undefined;
  }) {
    this.tls = o.tls;
    this.clusters = o.clusters;
    this.catalog = o.catalog;
    this.plan = o.plan;
    this.tokens = o.tokens;
    this.namedTokens = o.named;
    this.generateMs = o.generateMs;
    this.#byName = new Map(o.clusters.map((c) => [c.name, c]));
    this.#rnd = createRandom(`churn:${o.seed}`);
    this.#changeRate = o.changeRate;
    for (const c of o.clusters) c.store.onChange(() => this.#changes++);
  }

  static async start(options: SimFleetOptions = {}): Promise<SimFleet> {
    const seed = String(options.seed ?? 1);
    const t0 = performance.now();
    const catalog = options.catalog ?? generateCatalog({ seed, scale: options.scale ?? 0.25 });
    const specs: ClusterSpec[] = fleetTopology(options.regions ?? 3, options.clusters ?? 14);
    const services = kubernetesServices(catalog);
    const pipelines = catalog.filter((e) => e.kind === 'Component' && e.spec.type === 'data-pipeline');
    const plan = planFleet({
      seed,
      clusters: specs,
      services,
      pipelines,
      podsPerCluster: options.podsPerCluster,
    });
    const largest = options.largestServiceReplicas ? plan.placements[0] : undefined;
    if (largest) for (const c of specs) largest.replicas.set(c.name, options.largestServiceReplicas!);
    const now = Date.now();
    let named: FleetTokens | undefined;
    let tokens = options.tokens;
    if (!tokens) {
      const d = defaultTokens();
      tokens = d.tokens;
      named = d.named;
    }
    const tls = options.plainHttp ? undefined : selfSignedCert();
    const clusters: SimCluster[] = [];
    for (const spec of specs) {
      const store = new ClusterStore({
        historySize: options.historySize,
        startRv: 1000 + (clusters.length + 1) * 1_000_000,
      });
      loadCluster(store, spec, plan, seed, now);
      const simulator = new ClusterSimulator({
        store,
        seed: `${seed}:${spec.name}`,
        podStartMs: options.podStartMs,
      });
      simulator.adopt();
      const server = new ClusterServer({
        name: spec.name,
        store,
        tokens,
        bookmarkIntervalMs: options.bookmarkIntervalMs,
        tls,
        metricsApi: options.withoutMetricsApi
          ? !options.withoutMetricsApi.includes(spec.name)
          : specs.length === 1 || spec !== specs.at(-1),
      });
      clusters.push({ name: spec.name, region: spec.region, url: '', store, server, simulator });
    }
    const generateMs = performance.now() - t0;
    for (const c of clusters) {
      await c.server.listen(0);
      c.url = c.server.url;
    }
    const changeRate = options.changeRate ?? 20;
    const fleet = new SimFleet({ clusters, catalog, plan, tokens, named, seed, changeRate, generateMs, tls });
    fleet.#run(options);
    return fleet;
  }

  cluster(name: string): SimCluster {
    const c = this.#byName.get(name);
    if (!c) throw new Error(`no simulated cluster named ${name}`);
    return c;
  }

  /** Total object changes (watch events) across the fleet since start. */
  get changes(): number {
    return this.#changes;
  }

  stats() {
    let objects = 0;
    let pods = 0;
    for (const c of this.clusters) {
      pods += c.store.entries(POD).size;
      for (const k of SIM_KINDS) objects += c.store.entries(k).size;
    }
    return { clusters: this.clusters.length, objects, pods, changes: this.#changes };
  }

  /**
   * Makes a cluster unreachable: 'refused' (nothing listens) or 'hung' (accepts, never answers).
   * With forMs, it comes back by itself.
   */
  async setReachability(name: string, mode: Reachability, forMs?: number): Promise<void> {
    const c = this.cluster(name);
    await c.server.setReachability(mode);
    if (forMs !== undefined && mode !== 'up') {
      const t = setTimeout(() => {
        this.#outageTimers.delete(t);
        // If the port was taken meanwhile the cluster simply stays down.
        if (!this.#stopped) c.server.setReachability('up').catch(() => undefined);
      }, forMs);
      t.unref();
      this.#outageTimers.add(t);
    }
  }

  /** Forgets a cluster's change history, so that every earlier resourceVersion is "too old" (410). */
  compact(name: string): void {
    this.cluster(name).store.compact();
  }

  /** Rolls a Deployment out to a new image, as `kubectl set image` would. */
  setImage(cluster: string, namespace: string, name: string, image: string, container?: string): void {
    const store = this.cluster(cluster).store;
    store.mutate(DEPLOYMENT, namespace, name, (d: Obj) => {
      const spec = d.spec as {
        template?: {
          spec?: { containers?: { name?: string; image?: string }[] };
          metadata?: { labels?: Record<string, string> };
        };
      };
      const cs = spec.template?.spec?.containers ?? [];
      const target = container ? cs.find((c) => c.name === container) : cs[0];
      if (!target) throw new Error(`no container to update in ${namespace}/${name}`);
      target.image = image;
      const labels = spec.template?.metadata?.labels;
      if (labels?.['app.kubernetes.io/version'])
        labels['app.kubernetes.io/version'] = image.split(':').pop() ?? '';
      d.metadata!.generation = (d.metadata?.generation ?? 1) + 1;
    });
  }

  scale(cluster: string, namespace: string, name: string, replicas: number): void {
    this.cluster(cluster).store.mutate(DEPLOYMENT, namespace, name, (d: Obj) => {
      const spec = d.spec as { replicas?: number };
      if (spec.replicas === replicas) return false;
      spec.replicas = replicas;
      d.metadata!.generation = (d.metadata?.generation ?? 1) + 1;
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    if (this.#churnTimer) clearInterval(this.#churnTimer);
    for (const t of this.#outageTimers) clearTimeout(t);
    for (const c of this.clusters) c.simulator.stop();
    await Promise.all(this.clusters.map((c) => c.server.close()));
  }

  // ---- the trickle of change ----

  #run(options: SimFleetOptions): void {
    const tick = setInterval(() => {
      for (const c of this.clusters) if (c.server.reachability !== 'refused') c.simulator.tick();
    }, 200);
    this.#timers.push(tick);
    this.setChangeRate(this.#changeRate);
    if (this.#changeRate <= 0) return;
    const rolloutEvery = options.rolloutEveryMs ?? 15_000;
    if (rolloutEvery > 0) this.#timers.push(setInterval(() => this.#rollout(), rolloutEvery));
    if (options.failingRollout ?? true) {
      const t = setTimeout(() => this.#rollout('bad'), 3000);
      t.unref();
      this.#outageTimers.add(t);
    }
    const outages = options.outages ?? true;
    if (outages && this.clusters.length > 1) {
      const o = outages === true ? { everyMs: 240_000, durationMs: 60_000 } : outages;
      let next = 0;
      this.#timers.push(
        setInterval(() => {
          const c = this.clusters[(next * 5 + 3) % this.clusters.length]!;
          const mode: Reachability = next % 2 === 0 ? 'refused' : 'hung';
          next++;
          void this.setReachability(c.name, mode, o.durationMs);
        }, o.everyMs),
      );
    }
    for (const t of this.#timers) t.unref();
  }

  /** Keys per (cluster, kind) for random picks, refreshed every few seconds rather than per change. */
  readonly #keyCache = new Map<string, { at: number; keys: string[] }>();

  #randomEntry(c: SimCluster, kind: typeof POD) {
    const map = c.store.entries(kind);
    if (map.size === 0) return undefined;
    const id = `${c.name}/${kind.kind}`;
    const now = performance.now();
    let cached = this.#keyCache.get(id);
    if (!cached || now - cached.at > 5000) {
      cached = { at: now, keys: [...map.keys()] };
      this.#keyCache.set(id, cached);
    }
    // A key gone since the refresh just means one skipped change.
    return map.get(cached.keys[this.#rnd.int(0, cached.keys.length - 1)]!);
  }

  /** Changes the target rate of object changes per second across the fleet (0 = still). */
  setChangeRate(perSecond: number): void {
    this.#changeRate = perSecond;
    if (this.#churnTimer) clearInterval(this.#churnTimer);
    this.#churnTimer = undefined;
    if (perSecond <= 0 || this.#stopped) return;
    this.#started = performance.now();
    this.#forgiven = -this.#changes;
    this.#churnTimer = setInterval(() => this.#churn(), 50);
    this.#churnTimer.unref();
  }

  /**
   * Tops the fleet's change rate up to the target with cheap, realistic updates (HPA metrics,
   * scaling, probe events). Controller-driven changes count too, so rollouts eat into the budget.
   */
  #churn(): void {
    const elapsed = (performance.now() - this.#started) / 1000;
    const target = Math.floor(this.#changeRate * elapsed);
    // Never try to catch up more than a fifth of a second's worth at once.
    const done = this.#changes + this.#forgiven;
    const deficit = Math.min(target - done, Math.ceil(this.#changeRate / 5));
    for (let i = 0; i < deficit; i++) {
      const c = this.clusters[this.#rnd.int(0, this.clusters.length - 1)]!;
      if (c.server.reachability === 'refused') continue;
      const r = this.#rnd.next();
      if (r < 0.02) this.#scaleStep(c);
      else if (r < 0.15) this.#probeEvent(c);
      else this.#hpaMetrics(c);
    }
    // Falling more than a second behind (a busy machine): forgive it rather than burst later.
    const behind = target - (this.#changes + this.#forgiven);
    if (behind > this.#changeRate) this.#forgiven += behind - this.#changeRate;
  }

  #hpaMetrics(c: SimCluster): void {
    const e = this.#randomEntry(c, HPA);
    if (!e) {
      this.#probeEvent(c);
      return;
    }
    c.store.mutate(HPA, e.ns, e.name, (h: Obj) => {
      const hpa = h as Obj & HorizontalPodAutoscaler;
      const cur = hpa.status?.currentMetrics?.[0]?.resource?.current;
      if (!cur) return false;
      const target = hpa.spec?.metrics?.[0]?.resource?.target?.averageUtilization ?? 70;
      // An HPA pinned at its maximum stays over target: that is what makes it pinned.
      const floor = pinned(hpa) ? target + 10 : 5;
      const v = Math.max(floor, Math.min(180, (cur.averageUtilization ?? 50) + this.#rnd.int(-6, 6)));
      cur.averageUtilization = v;
      cur.averageValue = `${v * 5}m`;
      return true;
    });
  }

  #scaleStep(c: SimCluster): void {
    const e = this.#randomEntry(c, HPA);
    if (!e) return;
    const h = c.store.get(HPA, e.ns, e.name) as Obj & {
      spec: { minReplicas?: number; maxReplicas: number; scaleTargetRef: { name: string } };
      status: { currentReplicas?: number; desiredReplicas?: number; lastScaleTime?: string };
    };
    if (pinned(h as Obj & HorizontalPodAutoscaler)) return;
    const cur = h.status.currentReplicas ?? 1;
    const next = Math.max(
      h.spec.minReplicas ?? 1,
      Math.min(h.spec.maxReplicas, cur + (this.#rnd.chance(0.5) ? 1 : -1)),
    );
    if (next === cur) return;
    h.status = { ...h.status, currentReplicas: next, desiredReplicas: next, lastScaleTime: iso(Date.now()) };
    c.store.update(HPA, h);
    this.scale(c.name, e.ns, h.spec.scaleTargetRef.name, next);
    c.simulator.emitEvent(
      h,
      'Normal',
      'SuccessfulRescale',
      `New size: ${next}; reason: cpu resource utilization (percentage of request) ${next > cur ? 'above' : 'below'} target`,
    );
  }

  #probeEvent(c: SimCluster): void {
    const e = this.#randomEntry(c, POD);
    if (!e) return;
    const pod = JSON.parse(e.json) as Obj;
    c.simulator.emitEvent(
      pod,
      'Warning',
      'Unhealthy',
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
    );
  }

  /** Rolls one service out to its next patch version in one cluster (or to a failing image). */
  #rollout(kind: 'next' | 'bad' = 'next'): void {
    const candidates = this.plan.placements.filter((p) => p.replicas.size > 0);
    if (candidates.length === 0) return;
    const p = this.#rnd.pick(candidates);
    const clusterName = this.#rnd.pick([...p.replicas.keys()]);
    const c = this.cluster(clusterName);
    if (c.server.reachability === 'refused') return;
    const d = c.store.get(DEPLOYMENT, p.system, p.service) as
      | (Obj & { spec: { template: { spec: { containers: { image: string }[] } } } })
      | undefined;
    const image = d?.spec.template.spec.containers[0]?.image;
    if (!image) return;
    const [repo, tag = '0.0.0'] = image.split(/:(?=[^:]+$)/) as [string, string?];
    const next =
      kind === 'bad'
        ? `${tag.replace(/-.*$/, '')}-bad`
        : tag.replace(/(\d+)(?!.*\d)/, (n) => String(Number(n) + 1));
    this.setImage(clusterName, p.system, p.service, `${repo}:${next}`);
  }
}
