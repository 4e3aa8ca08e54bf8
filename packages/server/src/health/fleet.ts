// The fleet's findings as the HTTP layer serves them: every finding tagged with the service it
// belongs to and that service's owner and system, filtered, paged and summarised per service,
// team and system. Pure over a snapshot, so it is tested without a cluster.
import {
  type AccessCheck,
  type AccessDenials,
  allowedFindings,
  findingReads,
  listChecks,
  type ReadFrom,
} from '@portolan/core/auth/kubernetes';
import { tryNormalizeRef } from '@portolan/core/catalog/ref';
import type {
  ClusterService,
  ClusterServicesView,
  FleetSummaryView,
  Placement,
  ServiceFinding,
} from '@portolan/core/health/fleet';

export type {
  ClusterServicesView,
  FleetSummaryView,
  GroupSummary,
  Placement,
  ServiceFinding,
} from '@portolan/core/health/fleet';

import {
  compareFindings,
  diffFindings,
  type Finding,
  type FindingsDiff,
  fleetSummary,
  rollUp,
  type Severity,
  severityAtLeast,
  summarizeFindings,
} from '@portolan/core/health/index';
import type { ClusterObject, KubeObject } from '@portolan/core/k8s/types';
import {
  type CatalogEntity,
  entityRef,
  indexableRequirement,
  type ServiceLocator,
} from '@portolan/core/services/index';

/** Who a service belongs to, as refs in the catalog's lower-case `kind:namespace/name` form. */
export interface ServiceContext {
  ref: string;
  name: string;
  owner?: string;
  system?: string;
  lifecycle?: string;
}

export interface FleetSnapshot {
  /** When the snapshot was computed (ms since epoch). */
  at: number;
  /** How long computing it took, for the response and the logs. */
  durationMs: number;
  /** Catalog Components looked at, and how many of them had Kubernetes objects. */
  entities: number;
  services: ServiceContext[];
  /** Every finding, worst first. */
  findings: ServiceFinding[];
  /** Where each service runs: one entry per service and cluster with workloads or pods. */
  placements: FleetPlacement[];
}

const WORKLOAD_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
]);

/** What a placement counts, per namespace and kind, so a user's look leaves out what they may not list. */
export interface PlacementPart {
  namespace: string;
  kind: string;
  count: number;
}

/** A placement as the snapshot keeps it: with its parts (never sent; see clusterServices). */
export interface FleetPlacement extends Placement {
  parts: PlacementPart[];
}

/** Per cluster, how many workloads and pods of a service run there (clusters with neither left out). */
export function placementsOf(service: string, objects: readonly ClusterObject[]): FleetPlacement[] {
  const byCluster = new Map<string, FleetPlacement>();
  const parts = new Map<string, PlacementPart>();
  for (const o of objects) {
    const isPod = o.kind === 'Pod';
    if (!isPod && !WORKLOAD_KINDS.has(o.kind)) continue;
    // A Job a CronJob started is part of that CronJob, not a workload of its own.
    if (o.kind === 'Job' && o.object.metadata?.ownerReferences?.some((r) => r.kind === 'CronJob')) continue;
    let p = byCluster.get(o.cluster);
    if (!p) {
      p = { service, cluster: o.cluster, workloads: 0, pods: 0, parts: [] };
      byCluster.set(o.cluster, p);
    }
    if (isPod) p.pods++;
    else p.workloads++;
    const namespace = o.object.metadata?.namespace ?? '';
    const key = `${o.cluster}\u0000${namespace}\u0000${o.kind}`;
    let part = parts.get(key);
    if (!part) {
      part = { namespace, kind: o.kind, count: 0 };
      parts.set(key, part);
      p.parts.push(part);
    }
    part.count++;
  }
  return [...byCluster.values()];
}

// A malformed owner is the catalog's problem (it reports it); the service still has findings.
function ref(value: unknown, defaultKind: string, namespace: string): string | undefined {
  return tryNormalizeRef(value, { defaultKind, defaultNamespace: namespace });
}

export function serviceContext(entity: CatalogEntity): ServiceContext {
  const namespace = entity.metadata.namespace ?? 'default';
  const owner = ref(entity.spec?.owner, 'group', namespace);
  const system = ref(entity.spec?.system, 'system', namespace);
  const lifecycle =
    typeof entity.spec?.lifecycle === 'string' ? entity.spec.lifecycle.toLowerCase() : undefined;
  return {
    ref: entityRef(entity),
    name: entity.metadata.name,
    ...(owner ? { owner } : {}),
    ...(system ? { system } : {}),
    ...(lifecycle ? { lifecycle } : {}),
  };
}

export function tagFindings(service: ServiceContext, findings: readonly Finding[]): ServiceFinding[] {
  return findings.map((f) => ({
    ...f,
    service: service.ref,
    ...(service.owner ? { owner: service.owner } : {}),
    ...(service.system ? { system: service.system } : {}),
  }));
}

export function compareServiceFindings(a: ServiceFinding, b: ServiceFinding): number {
  return compareFindings(a, b) || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0);
}

export function buildSnapshot(
  evaluated: { service: ServiceContext; findings: readonly Finding[]; placements?: FleetPlacement[] }[],
  meta: { at: number; durationMs: number; entities: number },
): FleetSnapshot {
  const findings: ServiceFinding[] = [];
  for (const e of evaluated) for (const f of tagFindings(e.service, e.findings)) findings.push(f);
  findings.sort(compareServiceFindings);
  return {
    ...meta,
    services: evaluated.map((e) => e.service),
    findings,
    placements: evaluated.flatMap((e) => e.placements ?? []),
  };
}

export interface FleetFilter {
  /** Any of these owners / systems / services (refs, already normalised). */
  owner?: string[];
  system?: string[];
  service?: string[];
  cluster?: string[];
  /** Only these severities... */
  severity?: Severity[];
  /** ...or this severity and worse. */
  minSeverity?: Severity;
  rule?: string[];
}

export function matchesFilter(f: ServiceFinding, filter: FleetFilter): boolean {
  return (
    (!filter.owner || (f.owner !== undefined && filter.owner.includes(f.owner))) &&
    (!filter.system || (f.system !== undefined && filter.system.includes(f.system))) &&
    (!filter.service || filter.service.includes(f.service)) &&
    (!filter.cluster || filter.cluster.includes(f.object.cluster)) &&
    (!filter.severity || filter.severity.includes(f.severity)) &&
    (!filter.minSeverity || severityAtLeast(f.severity, filter.minSeverity)) &&
    (!filter.rule || filter.rule.includes(f.rule))
  );
}

export function queryFindings(
  snapshot: FleetSnapshot,
  filter: FleetFilter,
  limit: number,
  offset = 0,
): { items: ServiceFinding[]; totalItems: number } {
  const items: ServiceFinding[] = [];
  let total = 0;
  for (const f of snapshot.findings) {
    if (!matchesFilter(f, filter)) continue;
    if (total >= offset && items.length < limit) items.push(f);
    total++;
  }
  return { items, totalItems: total };
}

function groups(findings: readonly ServiceFinding[], keyOf: (f: Finding) => string | undefined, top: number) {
  return rollUp(findings, keyOf)
    .slice(0, top)
    .map(({ findings: list, ...rest }) => ({
      ...rest,
      services: new Set(list.map((f) => (f as ServiceFinding).service)).size,
    }));
}

/** Counts by severity and rule, then services, teams and systems worst first. */
export function summarizeFleet(
  snapshot: FleetSnapshot,
  filter: FleetFilter = {},
  top = 20,
): FleetSummaryView {
  const findings = snapshot.findings.filter((f) => matchesFilter(f, filter));
  const { summary, worstServices } = fleetSummary(findings, (f) => (f as ServiceFinding).service, top);
  return {
    generatedAt: new Date(snapshot.at).toISOString(),
    durationMs: snapshot.durationMs,
    entities: snapshot.entities,
    servicesWithObjects: snapshot.services.length,
    summary,
    worstServices,
    teams: groups(findings, (f) => (f as ServiceFinding).owner, top),
    systems: groups(findings, (f) => (f as ServiceFinding).system, top),
    clusters: groups(findings, (f) => (f.object.cluster === '*' ? undefined : f.object.cluster), top),
  };
}

/**
 * What runs in one cluster, by team, with each service's findings there. Only services with
 * workloads or pods in that cluster are listed; a service is listed once, under its owner.
 */
export function clusterServices(snapshot: FleetSnapshot, cluster: string): ClusterServicesView {
  const contexts = new Map(snapshot.services.map((s) => [s.ref, s]));
  const here = snapshot.findings.filter((f) => f.object.cluster === cluster);
  const counts = new Map<string, ClusterService['findings']>();
  for (const f of here) {
    let c = counts.get(f.service);
    if (!c) {
      c = { critical: 0, warning: 0, info: 0 };
      counts.set(f.service, c);
    }
    c[f.severity]++;
  }
  const teams = new Map<string, ClusterService[]>();
  for (const p of snapshot.placements) {
    if (p.cluster !== cluster) continue;
    const ctx = contexts.get(p.service);
    const owner = ctx?.owner ?? '';
    const list = teams.get(owner) ?? [];
    teams.set(owner, list);
    list.push({
      service: p.service,
      cluster: p.cluster,
      workloads: p.workloads,
      pods: p.pods,
      name: ctx?.name ?? p.service,
      ...(ctx?.owner ? { owner: ctx.owner } : {}),
      ...(ctx?.system ? { system: ctx.system } : {}),
      findings: counts.get(p.service) ?? { critical: 0, warning: 0, info: 0 },
    });
  }
  const worstFirst = (a: ClusterService, b: ClusterService) =>
    b.findings.critical - a.findings.critical ||
    b.findings.warning - a.findings.warning ||
    b.findings.info - a.findings.info ||
    a.name.localeCompare(b.name);
  return {
    cluster,
    generatedAt: new Date(snapshot.at).toISOString(),
    teams: [...teams]
      .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))
      .map(([owner, services]) => ({ ...(owner ? { owner } : {}), services: services.sort(worstFirst) })),
    summary: summarizeFindings(here),
  };
}

/**
 * The `list` reviews a user's look at the fleet needs: one per cluster, kind and namespace among
 * the findings the filter keeps (their objects, pods and events), and, for a cluster's page, among
 * what its placements count. Never one per object.
 */
export function fleetChecks(
  snapshot: FleetSnapshot,
  filter: FleetFilter,
  options: { placements?: boolean } = {},
): AccessCheck[] {
  const places: ReadFrom[] = [];
  for (const f of snapshot.findings) if (matchesFilter(f, filter)) places.push(...findingReads(f));
  if (options.placements)
    for (const p of snapshot.placements) {
      if (filter.cluster && !filter.cluster.includes(p.cluster)) continue;
      for (const part of p.parts)
        places.push({ cluster: p.cluster, kind: part.kind, namespace: part.namespace });
    }
  return listChecks(places);
}

/**
 * The snapshot as one user may see it: findings about what they may not list are left out (and
 * events they may not list, from the rest), and placements count only what they may list; a
 * service with nothing left in a cluster is not placed there. The services (catalog entities,
 * which every reader may see) stay.
 */
export function allowedSnapshot(snapshot: FleetSnapshot, denials: AccessDenials): FleetSnapshot {
  if (denials.empty) return snapshot;
  const findings = allowedFindings(snapshot.findings, denials, {
    events: (cluster, namespace) => denials.allows(cluster, 'Event', namespace),
    logs: () => false,
  });
  const placements: FleetPlacement[] = [];
  for (const p of snapshot.placements) {
    const parts = p.parts.filter((part) => denials.allows(p.cluster, part.kind, part.namespace));
    if (parts.length === p.parts.length) {
      placements.push(p);
      continue;
    }
    let pods = 0;
    let workloads = 0;
    for (const part of parts) {
      if (part.kind === 'Pod') pods += part.count;
      else workloads += part.count;
    }
    if (pods + workloads > 0) placements.push({ ...p, workloads, pods, parts });
  }
  return { ...snapshot, findings, placements };
}

/**
 * What a service's stream sends after each evaluation: everything as `appeared` the first time,
 * then only the differences (nothing when nothing changed).
 */
export class FindingsTracker {
  #previous: readonly Finding[] | undefined;

  update(findings: readonly Finding[]): (FindingsDiff & { findings: readonly Finding[] }) | undefined {
    const before = this.#previous;
    this.#previous = findings;
    if (before === undefined) return { findings, appeared: [...findings], cleared: [], changed: [] };
    const diff = diffFindings(before, findings);
    if (diff.appeared.length === 0 && diff.cleared.length === 0 && diff.changed.length === 0)
      return undefined;
    return { findings, ...diff };
  }
}

const SEP = '\u0000';

/** The label keys that the locators' indexable requirements look up. */
export function selectorKeys(locators: Iterable<ServiceLocator>): Set<string> {
  const keys = new Set<string>();
  for (const l of locators) {
    for (const selector of l.selectors) {
      const r = indexableRequirement(selector);
      if (r) keys.add(r.key);
    }
  }
  return keys;
}

/** Every `key=value` (of the given keys) that some object carries as a label. */
export function labelPairs(
  objects: Iterable<KubeObject>,
  keys: ReadonlySet<string>,
  into = new Set<string>(),
) {
  if (keys.size === 0) return into;
  for (const o of objects) {
    const labels = o.metadata?.labels;
    if (!labels) continue;
    for (const key in labels) if (keys.has(key)) into.add(key + SEP + labels[key]);
  }
  return into;
}

/**
 * Whether a locator can select anything, given the label pairs present in the fleet: a service
 * selects objects only through labels (what hangs off them is found from those), so a locator
 * whose every selector needs a `key=value` that no object carries selects nothing. Most catalog
 * entities run nowhere; this skips them without asking every cluster's indexes 20,000 times.
 */
export function mayHaveObjects(locator: ServiceLocator, present: ReadonlySet<string>): boolean {
  return locator.selectors.some((selector) => {
    const r = indexableRequirement(selector);
    return r === undefined || r.values.some((v) => present.has(r.key + SEP + v));
  });
}
