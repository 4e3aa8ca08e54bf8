import { type Entity, entityRef } from '../catalog/entity.ts';
// The service locator: which Kubernetes objects belong to a catalog entity. Pure: it reads the
// entity's annotations and returns selectors; `selectServiceObjects` then walks an ObjectSource
// (the server's indexed caches, or an in-memory list in tests).
import { InputError } from '../errors.ts';
import type { KubeObject } from '../k8s/types.ts';
import { formatSelector, parseSelector, type Selector } from './selector.ts';

export const ANNOTATION_KUBERNETES_ID = 'backstage.io/kubernetes-id';
export const ANNOTATION_LABEL_SELECTOR = 'backstage.io/kubernetes-label-selector';
export const ANNOTATION_NAMESPACE = 'backstage.io/kubernetes-namespace';
export const LABEL_KUBERNETES_ID = 'backstage.io/kubernetes-id';

/** The labels that group workloads into services, most specific first. */
export const SERVICE_LABELS = [
  LABEL_KUBERNETES_ID,
  'app.kubernetes.io/name',
  'app.kubernetes.io/part-of',
  'app',
] as const;

/** The catalog entity, as the locator and the views read it. */
export type CatalogEntity = Entity;
export { entityRef };

export type LocatorSource = 'label-selector' | 'kubernetes-id' | 'standard-labels' | 'discovered';

export interface ServiceLocator {
  /** Entity ref, or a discovered service's id. */
  ref: string;
  name: string;
  /** Any of these selects the service's objects (OR); each selector is an AND of requirements. */
  selectors: Selector[];
  /** When set, only objects in these namespaces belong to the service. */
  namespaces?: string[];
  source: LocatorSource;
  /**
   * Why the entity's annotations could not be used (e.g. a label selector that does not parse).
   * The locator then selects nothing; the problem belongs to this one entity, never to a path
   * every user shares (discovery, team and fleet pages).
   */
  problem?: string;
}

/** Build the locator for an entity, from its annotations or, failing those, the standard labels. */
export function locateService(entity: CatalogEntity): ServiceLocator {
  const annotations = entity.metadata.annotations ?? {};
  const ref = entityRef(entity);
  const name = entity.metadata.name;
  const nsAnnotation = annotations[ANNOTATION_NAMESPACE];
  const namespaces = nsAnnotation
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const base = { ref, name, ...(namespaces && namespaces.length > 0 ? { namespaces } : {}) };
  const labelSelector = annotations[ANNOTATION_LABEL_SELECTOR];
  if (labelSelector !== undefined && labelSelector.trim() !== '') {
    try {
      return { ...base, selectors: [parseSelector(labelSelector)], source: 'label-selector' };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      return {
        ...base,
        selectors: [],
        source: 'label-selector',
        problem: `annotation ${ANNOTATION_LABEL_SELECTOR} of ${ref}: ${e.message}`,
      };
    }
  }
  const id = annotations[ANNOTATION_KUBERNETES_ID];
  if (id !== undefined && id.trim() !== '') {
    return {
      ...base,
      selectors: [[{ key: LABEL_KUBERNETES_ID, operator: '=', values: [id.trim()] }]],
      source: 'kubernetes-id',
    };
  }
  return {
    ...base,
    selectors: SERVICE_LABELS.slice(1).map((key) => [{ key, operator: '=' as const, values: [name] }]),
    source: 'standard-labels',
  };
}

/** A stable string for a locator (used to share one subscription between identical pages). */
export function locatorKey(locator: ServiceLocator): string {
  return `${locator.selectors.map(formatSelector).sort().join('|')}@${[...(locator.namespaces ?? [])].sort().join(',')}`;
}

export function inNamespaces(locator: ServiceLocator, obj: KubeObject): boolean {
  return !locator.namespaces || locator.namespaces.includes(obj.metadata?.namespace ?? '');
}
