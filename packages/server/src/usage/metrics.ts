// Pod CPU and memory from each cluster's metrics.k8s.io, read once per cluster on an interval and
// kept in memory: a page view reads what the last round brought, never the cluster. A cluster
// without a metrics API (404 on the group) is marked so and asked again on the next round, as
// metrics-server may be installed later.
import type { AccessDenials } from '@portolan/core/auth/kubernetes';
import type { ServiceLocator } from '@portolan/core/services/index';
import {
  type ClusterMetrics,
  type ClusterUse,
  type PodMetrics,
  resourceUse,
} from '@portolan/core/usage/index';
import { errorStatus } from '../kubernetes/client.ts';
import type { KubernetesEngine } from '../kubernetes/engine.ts';
import type { Logger } from '../log.ts';

export type MetricsEngine = Pick<KubernetesEngine, 'clusters' | 'cluster' | 'objectsFor'>;

export interface ResourceMetricsOptions {
  engine: MetricsEngine;
  /** How often each cluster is read (default 30 s; metrics-server itself scrapes every 15 s). */
  intervalMs?: number;
  /** One cluster's read may take this long (default 10 s). */
  timeoutMs?: number;
  now?: () => number;
  logger?: Logger;
}

export interface ServiceResources {
  ref: string;
  generatedAt: string;
  intervalSeconds: number;
  /** The clusters the service has objects in. */
  clusters: ClusterUse[];
}

/** Only what is read of a PodMetrics: a fleet's worth is kept in memory. */
function compact(m: PodMetrics): PodMetrics {
  return {
    metadata: { name: m.metadata?.name ?? '', namespace: m.metadata?.namespace ?? '' },
    containers: (m.containers ?? []).map((c) => ({
      name: c.name,
      usage: {
        ...(typeof c.usage?.cpu === 'string' ? { cpu: c.usage.cpu } : {}),
        ...(typeof c.usage?.memory === 'string' ? { memory: c.usage.memory } : {}),
      },
    })),
  };
}

export class ResourceMetrics {
  readonly #engine: MetricsEngine;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #log: Logger | undefined;
  readonly #byCluster = new Map<string, ClusterMetrics>();
  readonly #inFlight = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ResourceMetricsOptions) {
    this.#engine = options.engine;
    this.#intervalMs = options.intervalMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger;
  }

  start(): void {
    if (this.#timer) return;
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round: every cluster not still answering the previous round is read once. */
  async poll(): Promise<void> {
    const names = this.#engine.clusters().map((c) => c.cluster);
    for (const known of [...this.#byCluster.keys()])
      if (!names.includes(known)) this.#byCluster.delete(known);
    await Promise.all(names.map((name) => this.#read(name)));
  }

  async #read(cluster: string): Promise<void> {
    const watcher = this.#engine.cluster(cluster);
    const client = watcher?.client;
    if (!client || this.#inFlight.has(cluster)) return;
    this.#inFlight.add(cluster);
    try {
      const signal = AbortSignal.timeout(this.#timeoutMs);
      // Namespaced mode reads each watched namespace (a Role grants no cluster-wide list).
      const namespaces = watcher.namespaces;
      const pods = namespaces
        ? (await Promise.all(namespaces.map((ns) => client.podMetrics(signal, ns)))).flat()
        : await client.podMetrics(signal);
      this.#byCluster.set(cluster, { status: 'ok', at: this.#now(), pods: pods.map(compact) });
    } catch (error) {
      const message = (error as Error).message;
      const previous = this.#byCluster.get(cluster);
      if (errorStatus(error) === 404) {
        if (previous?.status !== 'unavailable')
          this.#log?.info({ cluster }, 'no metrics API (metrics.k8s.io) in this cluster');
        this.#byCluster.set(cluster, {
          status: 'unavailable',
          at: this.#now(),
          message: 'this cluster serves no metrics API (metrics.k8s.io; install metrics-server)',
        });
      } else {
        this.#log?.warn({ cluster, err: message }, 'reading pod metrics failed');
        // The last answer stays, marked with the failure and its time.
        const pods = previous?.status === 'ok' || previous?.status === 'error' ? previous.pods : undefined;
        this.#byCluster.set(cluster, {
          status: 'error',
          at: this.#now(),
          message,
          ...(pods ? { pods } : {}),
        });
      }
    } finally {
      this.#inFlight.delete(cluster);
    }
  }

  metricsOf(cluster: string): ClusterMetrics {
    return this.#byCluster.get(cluster) ?? { status: 'pending' };
  }

  /**
   * A service's pods against their requests and limits, per workload and cluster, from memory;
   * without the objects `denials` forbid listing (allowedObjects, as the service view).
   */
  service(locator: ServiceLocator, denials?: AccessDenials): ServiceResources {
    const all = this.#engine.objectsFor(locator);
    const objects =
      denials && !denials.empty
        ? all.filter((o) => denials.allows(o.cluster, o.kind, o.object.metadata?.namespace ?? ''))
        : all;
    const clusters = [...new Set(objects.map((o) => o.cluster))].sort();
    return {
      ref: locator.ref,
      generatedAt: new Date(this.#now()).toISOString(),
      intervalSeconds: this.#intervalMs / 1000,
      clusters: resourceUse(clusters, objects, (c) => this.metricsOf(c)),
    };
  }
}
