// The portal's Prometheus metrics, through prom-client. Cluster and cache figures are read from
// the watch engine when scraped (nothing is counted twice); request latency is observed as
// requests end. Other parts (the deploy executor) register their own metrics on `registry`.
import type { WatchedKind } from '@portolan/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RefreshSummary } from '../catalog/service.ts';
import type { SseStats } from '../http/sse.ts';

/** The slice of the watch engine the metrics read. */
export interface WatchedFleet {
  clusters(): {
    cluster: string;
    status: 'syncing' | 'synced' | 'stale';
    reason?: string | undefined;
    kinds: Partial<Record<WatchedKind, { status: string; count: number } | undefined>>;
    lastEventAt?: string | undefined;
  }[];
  cluster(
    name: string,
  ): { kindStats(): { kind: WatchedKind; relists: number; watchRestarts: number }[] } | undefined;
}

export interface PortalMetricsOptions {
  fleet?: WatchedFleet | undefined;
  sse?: () => SseStats;
  now?: () => number;
  /** Process metrics (CPU, memory, event loop lag); off in tests that build many portals. */
  processMetrics?: boolean;
}

const CLUSTER_STATES = ['syncing', 'synced', 'stale'] as const;
const KIND_STATES = ['syncing', 'synced', 'stale', 'forbidden'] as const;

export class PortalMetrics {
  /** Every metric of the portal; register more here (`new Counter({ ..., registers: [registry] })`). */
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #refreshDuration: Histogram<'outcome'>;
  readonly #catalogProblems: Gauge;
  readonly #catalogEntities: Gauge;
  readonly #leader: Gauge<'lease'>;

  constructor(options: PortalMetricsOptions = {}) {
    const registers = [this.registry];
    const now = options.now ?? Date.now;
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'portolan_' });
    this.#requests = new Histogram({
      name: 'portolan_http_request_duration_seconds',
      help: 'HTTP requests by route pattern (not path), method and status; event streams excluded',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#refreshDuration = new Histogram({
      name: 'portolan_catalog_refresh_duration_seconds',
      help: 'Catalog refreshes that completed (read every location, write the changes)',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#catalogProblems = new Gauge({
      name: 'portolan_catalog_problems',
      help: 'Files the last catalog refresh could not read or validate',
      registers,
    });
    this.#catalogEntities = new Gauge({
      name: 'portolan_catalog_entities',
      help: 'Entities in the catalog after the last refresh',
      registers,
    });
    this.#leader = new Gauge({
      name: 'portolan_leader',
      help: '1 while this replica holds the lease (work that runs once: catalog refresh, deploys)',
      labelNames: ['lease'],
      registers,
    });

    const fleet = options.fleet;
    if (fleet) {
      new Gauge({
        name: 'portolan_cluster_state',
        help: "1 for each cluster's current state (syncing, synced, stale), 0 for the others",
        labelNames: ['cluster', 'state', 'reason'],
        registers,
        collect() {
          this.reset();
          for (const c of fleet.clusters()) {
            for (const state of CLUSTER_STATES) {
              const reason = state === 'stale' && c.status === 'stale' ? (c.reason ?? 'unknown') : '';
              this.set({ cluster: c.cluster, state, reason }, c.status === state ? 1 : 0);
            }
          }
        },
      });
      new Gauge({
        name: 'portolan_kind_state',
        help: 'Per cluster and kind: 1 for the watch state it is in (syncing, synced, stale, forbidden)',
        labelNames: ['cluster', 'kind', 'state'],
        registers,
        collect() {
          this.reset();
          for (const c of fleet.clusters()) {
            for (const [kind, k] of Object.entries(c.kinds)) {
              if (!k) continue;
              for (const state of KIND_STATES)
                this.set({ cluster: c.cluster, kind, state }, k.status === state ? 1 : 0);
            }
          }
        },
      });
      new Gauge({
        name: 'portolan_objects_cached',
        help: 'Objects held in the watch cache, per cluster and kind',
        labelNames: ['cluster', 'kind'],
        registers,
        collect() {
          this.reset();
          for (const c of fleet.clusters()) {
            for (const [kind, k] of Object.entries(c.kinds))
              if (k) this.set({ cluster: c.cluster, kind }, k.count);
          }
        },
      });
      new Gauge({
        name: 'portolan_watch_last_event_age_seconds',
        help: 'Seconds since the last watch event (bookmarks included) from a cluster: its watch lag',
        labelNames: ['cluster'],
        registers,
        collect() {
          this.reset();
          const t = now();
          for (const c of fleet.clusters()) {
            if (c.lastEventAt)
              this.set({ cluster: c.cluster }, Math.max(0, (t - Date.parse(c.lastEventAt)) / 1000));
          }
        },
      });
      const perKind = (name: string, help: string, pick: 'relists' | 'watchRestarts') =>
        new Counter({
          name,
          help,
          labelNames: ['cluster', 'kind'],
          registers,
          collect() {
            this.reset();
            for (const c of fleet.clusters()) {
              for (const s of fleet.cluster(c.cluster)?.kindStats() ?? []) {
                this.inc({ cluster: c.cluster, kind: s.kind }, s[pick]);
              }
            }
          },
        });
      perKind('portolan_watch_relists_total', 'Full LISTs after the first (410 Gone, errors)', 'relists');
      perKind(
        'portolan_watch_restarts_total',
        'Watches reopened (server timeouts, drops, errors)',
        'watchRestarts',
      );
    }

    const sse = options.sse;
    if (sse) {
      new Gauge({
        name: 'portolan_sse_clients',
        help: 'Open event streams',
        registers,
        collect() {
          this.set(sse().clients);
        },
      });
      new Counter({
        name: 'portolan_sse_bytes_total',
        help: 'Bytes written to event streams',
        registers,
        collect() {
          this.reset();
          this.inc(sse().bytes);
        },
      });
      new Counter({
        name: 'portolan_sse_closed_by_server_total',
        help: 'Event streams the server closed, by reason (shutdown, a client that stopped reading)',
        labelNames: ['reason'],
        registers,
        collect() {
          this.reset();
          for (const [reason, n] of Object.entries(sse().closed)) this.inc({ reason }, n);
        },
      });
      new Counter({
        name: 'portolan_sse_snapshots_skipped_total',
        help: 'Snapshots replaced by a newer one before a slow client could read them',
        registers,
        collect() {
          this.reset();
          this.inc(sse().skipped);
        },
      });
    }
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  observeRefresh(summary: RefreshSummary): void {
    this.#refreshDuration.observe({ outcome: 'ok' }, summary.durationMs / 1000);
    this.#catalogProblems.set(summary.problems);
    this.#catalogEntities.set(summary.entities);
  }

  setLeader(lease: string, leader: boolean): void {
    this.#leader.set({ lease }, leader ? 1 : 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
