// Workloads no catalog entity claims, grouped into discovered services; cached for a few seconds
// and dropped when a workload changes.
import { NotFoundError } from '@portolan/core';
import { WORKLOAD_KINDS } from '@portolan/core/k8s/workloads';
import {
  type CatalogEntity,
  type DiscoveredService,
  type DiscoveryWorkload,
  discoveredLocator,
  discoverServices,
  inNamespaces,
  locateService,
  matchesSelector,
  SERVICE_LABELS,
  type ServiceLocator,
} from '@portolan/core/services/index';
import type { ClusterSet } from './cluster.ts';

export interface DiscoveryOptions {
  clusters: ClusterSet;
  now: () => number;
  ttlMs: number;
}

export class Discovery {
  readonly #o: DiscoveryOptions;
  #cached:
    | { at: number; entities: CatalogEntity[]; services: DiscoveredService[]; workloads: DiscoveryWorkload[] }
    | undefined;

  constructor(options: DiscoveryOptions) {
    this.#o = options;
  }

  /** Forget the cached answer (a workload changed, or the clusters did). */
  invalidate(): void {
    this.#cached = undefined;
  }

  #workloads(): DiscoveryWorkload[] {
    const out: DiscoveryWorkload[] = [];
    for (const watcher of this.#o.clusters.all()) {
      for (const kind of WORKLOAD_KINDS) {
        for (const object of watcher.all(kind)) out.push({ cluster: watcher.name, kind, object });
      }
    }
    return out;
  }

  /**
   * Workloads that belong to none of `entities`, grouped into discovered services. Claiming is
   * decided on the workload's own labels (workloads are the top of their owner chain).
   */
  discover(entities: CatalogEntity[]): DiscoveredService[] {
    const cached = this.#cached;
    // The catalog hands out a fresh array per call: same size within the TTL counts as unchanged.
    if (cached && cached.entities.length === entities.length && this.#o.now() - cached.at < this.#o.ttlMs)
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
    const unclaimed = this.#workloads().filter((w) => {
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
    this.#cached = { at: this.#o.now(), entities, services, workloads: unclaimed };
    return services;
  }

  /** The locator of a discovered service, by id. */
  locator(id: string, entities: CatalogEntity[]): ServiceLocator {
    const svc = this.discover(entities).find((s) => s.id === id);
    if (!svc) throw new NotFoundError(`no discovered service "${id}"`);
    return discoveredLocator(svc, this.#cached?.workloads ?? []);
  }
}
