// Which open service views does a change concern? Testing every change against every open view
// costs (changes x views); this index answers from a few map lookups per change: by the uids of
// the objects a view holds in the change's cluster (and their owners, and the objects events are
// about), by the label
// values its selectors require, by the workloads an HPA may target, by the Services an Ingress
// may route to, and by the namespaces whose Services or PDBs may select its pods. What a view
// holds is its footprint, built by core's selectServiceObjects in the same walk that selects the
// view's objects; the router keeps no rule of its own about which objects belong to a service.
import type { HorizontalPodAutoscaler, Ingress, KubeEvent } from '@portolan/core';
import {
  attachesTo,
  emptyFootprint,
  hpaTargetKey,
  indexableRequirement,
  ingressBackendKeys,
  inNamespaces,
  matchesSelector,
  type ServiceFootprint,
  type ServiceLocator,
} from '@portolan/core/services/index';
import type { Change } from './store.ts';

export interface Routed {
  locator: ServiceLocator;
}

type Index<S> = Map<string, Set<S>>;
function add<S>(index: Index<S>, key: string, s: S) {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(s);
}
function remove<S>(index: Index<S>, key: string, s: S) {
  const set = index.get(key);
  if (!set) return;
  set.delete(s);
  if (set.size === 0) index.delete(key);
}

/** What the views hold in one cluster, indexed: a change there is looked up here only. */
interface ClusterIndex<S> {
  byUid: Index<S>;
  byWorkload: Index<S>;
  byServiceName: Index<S>;
  byNamespace: Index<S>;
  footprints: Map<S, ServiceFootprint>;
}

const NOTHING: ServiceFootprint = emptyFootprint();

export class ChangeRouter<S extends Routed> {
  readonly #byLabel: Index<S> = new Map();
  /** Views with a selector no label lookup can narrow: tested against every change. */
  readonly #scan = new Set<S>();
  readonly #members = new Set<S>();
  readonly #clusters = new Map<string, ClusterIndex<S>>();

  add(s: S): void {
    for (const selector of s.locator.selectors) {
      const req = indexableRequirement(selector);
      if (!req) {
        this.#scan.add(s);
        continue;
      }
      for (const v of req.values) add(this.#byLabel, `${req.key}=${v}`, s);
    }
    this.#members.add(s);
  }

  delete(s: S): void {
    for (const cluster of this.#clusters.keys()) this.update(s, cluster, NOTHING);
    this.#members.delete(s);
    this.#scan.delete(s);
    for (const selector of s.locator.selectors) {
      const req = indexableRequirement(selector);
      if (req) for (const v of req.values) remove(this.#byLabel, `${req.key}=${v}`, s);
    }
  }

  /**
   * Replace what a view holds in one cluster (after that cluster's part was rebuilt). The same
   * footprint object again costs nothing: a view's unchanged parts keep theirs.
   */
  update(s: S, cluster: string, next: ServiceFootprint): void {
    if (!this.#members.has(s)) return;
    let index = this.#clusters.get(cluster);
    const prev = index?.footprints.get(s) ?? NOTHING;
    if (prev === next) return;
    if (!index) {
      index = {
        byUid: new Map(),
        byWorkload: new Map(),
        byServiceName: new Map(),
        byNamespace: new Map(),
        footprints: new Map(),
      };
      this.#clusters.set(cluster, index);
    }
    for (const u of prev.uids) if (!next.uids.has(u)) remove(index.byUid, u, s);
    for (const u of next.uids) if (!prev.uids.has(u)) add(index.byUid, u, s);
    for (const w of prev.workloads) if (!next.workloads.has(w)) remove(index.byWorkload, w, s);
    for (const w of next.workloads) if (!prev.workloads.has(w)) add(index.byWorkload, w, s);
    for (const n of prev.serviceNames) if (!next.serviceNames.has(n)) remove(index.byServiceName, n, s);
    for (const n of next.serviceNames) if (!prev.serviceNames.has(n)) add(index.byServiceName, n, s);
    for (const ns of prev.templates.keys()) if (!next.templates.has(ns)) remove(index.byNamespace, ns, s);
    for (const ns of next.templates.keys()) if (!prev.templates.has(ns)) add(index.byNamespace, ns, s);
    if (next.uids.size + next.workloads.size + next.serviceNames.size + next.templates.size === 0)
      index.footprints.delete(s);
    else index.footprints.set(s, next);
  }

  /**
   * Every view the change (in `cluster`) may concern; a superset is fine, those views are
   * recomputed. What a view holds is looked up in that cluster only; its selectors' labels apply
   * in every cluster.
   */
  route(change: Change, cluster: string, out: Set<S>): void {
    const objs = change.previous ? [change.object, change.previous] : [change.object];
    const index = this.#clusters.get(cluster);
    for (const obj of objs) {
      const meta = obj.metadata;
      const ns = meta?.namespace ?? '';
      const byUid = (uid: string | undefined) => {
        if (!uid) return;
        const set = index?.byUid.get(uid);
        if (set) for (const s of set) out.add(s);
      };
      byUid(meta?.uid);
      for (const o of meta?.ownerReferences ?? []) byUid(o.uid);
      if (change.kind === 'Event') {
        byUid((obj as KubeEvent).involvedObject?.uid);
        continue;
      }
      switch (change.kind) {
        case 'HorizontalPodAutoscaler': {
          const key = hpaTargetKey(obj as HorizontalPodAutoscaler);
          const set = key ? index?.byWorkload.get(key) : undefined;
          if (set) for (const s of set) out.add(s);
          break;
        }
        case 'Service':
        case 'PodDisruptionBudget': {
          const candidates = index?.byNamespace.get(ns);
          if (!candidates) break;
          for (const s of candidates) {
            const fp = index?.footprints.get(s);
            if (!out.has(s) && fp && attachesTo(change.kind, obj, fp)) out.add(s);
          }
          break;
        }
        case 'Ingress': {
          for (const key of ingressBackendKeys(obj as Ingress)) {
            const set = index?.byServiceName.get(key);
            if (set) for (const s of set) out.add(s);
          }
          break;
        }
      }
      const labels = meta?.labels;
      if (labels) {
        for (const key in labels) {
          const set = this.#byLabel.get(`${key}=${labels[key]}`);
          if (!set) continue;
          for (const s of set) {
            if (
              !out.has(s) &&
              inNamespaces(s.locator, obj) &&
              s.locator.selectors.some((sel) => matchesSelector(sel, labels))
            ) {
              out.add(s);
            }
          }
        }
      }
      for (const s of this.#scan) {
        if (
          !out.has(s) &&
          inNamespaces(s.locator, obj) &&
          s.locator.selectors.some((sel) => matchesSelector(sel, labels))
        ) {
          out.add(s);
        }
      }
    }
  }
}
