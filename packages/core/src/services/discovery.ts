// Discovery: workloads that run in clusters but belong to no catalog entity, grouped into
// "discovered services" by the first service label they carry, with a suggested descriptor.
import { stringify } from 'yaml';
import type { KubeObject } from '../k8s/types.ts';
import { podTemplateOf } from '../k8s/workloads.ts';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_LABEL_SELECTOR,
  SERVICE_LABELS,
  type ServiceLocator,
} from './locator.ts';
import type { WorkloadKind } from './objects.ts';
import type { Selector } from './selector.ts';

export const DISCOVERED_PREFIX = 'discovered:';

export interface DiscoveryWorkload {
  cluster: string;
  kind: WorkloadKind;
  object: KubeObject;
}

export interface DiscoveredService {
  id: string;
  name: string;
  /** The label that grouped these workloads, or `name` when none of the service labels was set. */
  groupedBy: { label: string; value: string };
  /** Labels every workload of the group carries (same key and value). */
  labels: Record<string, string>;
  clusters: string[];
  namespaces: string[];
  workloads: { cluster: string; kind: WorkloadKind; namespace: string; name: string }[];
}

/** A string usable as a catalog entity name: [a-z0-9] separated by [-_.], at most 63 chars. */
export function toEntityName(value: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 63)
    .replace(/[^a-z0-9]+$/g, '');
  return cleaned === '' ? 'unnamed' : cleaned;
}

/**
 * Group unclaimed workloads. Jobs owned by a CronJob are left out (the CronJob stands for them),
 * and so are ReplicaSets (never passed in).
 */
export function discoverServices(workloads: DiscoveryWorkload[]): DiscoveredService[] {
  const groups = new Map<string, { label: string; value: string; items: DiscoveryWorkload[] }>();
  for (const w of workloads) {
    if (w.kind === 'Job' && w.object.metadata?.ownerReferences?.some((o) => o.kind === 'CronJob')) continue;
    const labels = w.object.metadata?.labels ?? {};
    const label = SERVICE_LABELS.find((k) => labels[k] !== undefined && labels[k] !== '');
    const value = label ? labels[label]! : (w.object.metadata?.name ?? '');
    const groupLabel = label ?? 'name';
    // Group by value: `app=checkout` and `app.kubernetes.io/name=checkout` are the same service.
    const key = value;
    const g = groups.get(key) ?? { label: groupLabel, value, items: [] };
    g.items.push(w);
    groups.set(key, g);
  }
  const out: DiscoveredService[] = [];
  for (const [key, g] of groups) {
    const common: Record<string, string> = { ...(g.items[0]?.object.metadata?.labels ?? {}) };
    for (const w of g.items.slice(1)) {
      const l = w.object.metadata?.labels ?? {};
      for (const k of Object.keys(common)) if (l[k] !== common[k]) delete common[k];
    }
    out.push({
      id: `${DISCOVERED_PREFIX}${key}`,
      name: toEntityName(g.value),
      groupedBy: { label: g.label, value: g.value },
      labels: common,
      clusters: [...new Set(g.items.map((w) => w.cluster))].sort(),
      namespaces: [...new Set(g.items.map((w) => w.object.metadata?.namespace ?? ''))].sort(),
      workloads: g.items
        .map((w) => ({
          cluster: w.cluster,
          kind: w.kind,
          namespace: w.object.metadata?.namespace ?? '',
          name: w.object.metadata?.name ?? '',
        }))
        .sort((a, b) =>
          `${a.cluster}/${a.namespace}/${a.name}` < `${b.cluster}/${b.namespace}/${b.name}` ? -1 : 1,
        ),
    });
  }
  // Workloads without any service label are only matched by their template labels; remember them
  // so the locator below can select them.
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The locator that selects a discovered service's objects. */
export function discoveredLocator(
  service: DiscoveredService,
  workloads: DiscoveryWorkload[] = [],
): ServiceLocator {
  const { label, value } = service.groupedBy;
  let selectors: Selector[];
  if (label === 'name') {
    // No service label: select each workload by its full template label set (or nothing).
    selectors = workloads
      .filter((w) => w.object.metadata?.name === value)
      .map((w) => Object.entries(podTemplateOf(w.kind, w.object)?.metadata?.labels ?? {}))
      .filter((entries) => entries.length > 0)
      .map((entries) => entries.map(([key, v]) => ({ key, operator: '=' as const, values: [v] })));
    if (selectors.length === 0) selectors = [[{ key: 'app.kubernetes.io/name', operator: 'in', values: [] }]];
  } else {
    selectors = SERVICE_LABELS.map((key) => [{ key, operator: '=' as const, values: [value] }]);
  }
  return {
    ref: service.id,
    name: service.name,
    selectors,
    namespaces: service.namespaces,
    source: 'discovered',
  };
}

/** A suggested catalog-info.yaml. Every value is data, serialised by the YAML library. */
export function suggestCatalogInfo(service: DiscoveredService, owner = 'group:default/unknown'): string {
  const annotations: Record<string, string> =
    service.groupedBy.label === 'backstage.io/kubernetes-id'
      ? { [ANNOTATION_KUBERNETES_ID]: service.groupedBy.value }
      : service.groupedBy.label === 'name'
        ? {}
        : { [ANNOTATION_LABEL_SELECTOR]: `${service.groupedBy.label}=${service.groupedBy.value}` };
  if (service.namespaces.length > 0)
    annotations['backstage.io/kubernetes-namespace'] = service.namespaces.join(',');
  const kinds = new Set(service.workloads.map((w) => w.kind));
  const type = kinds.has('CronJob') && kinds.size === 1 ? 'job' : 'service';
  const doc = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: service.name,
      description: `Discovered in ${service.clusters.length} cluster(s): ${service.clusters.join(', ')}`,
      annotations,
    },
    spec: { type, lifecycle: 'production', owner },
  };
  return stringify(doc, { lineWidth: 0 });
}
