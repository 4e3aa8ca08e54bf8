// Where a cluster is watched: cluster-wide (one LIST+WATCH per kind over every namespace), or
// namespaced (one per kind and namespace), the namespaces named in the config or those the
// catalog's services live in. Pure: the server's watchers apply the answer.
import type { ServiceLocator } from './locator.ts';

/** A cluster's `namespaces:` setting: `all` (cluster-wide), `catalog`, or a list of names. */
export type WatchNamespaces = 'all' | 'catalog' | readonly string[];

/** A namespace name as Kubernetes defines it (RFC 1123 label: at most 63 characters). */
export const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isNamespaceName(name: string): boolean {
  return NAMESPACE_NAME.test(name);
}

/** Why a `namespaces:` setting cannot be used, or undefined when it can. */
export function watchNamespacesProblem(value: WatchNamespaces): string | undefined {
  if (value === 'all' || value === 'catalog') return undefined;
  if (value.length === 0)
    return 'an empty list watches nothing: name at least one namespace, or use "catalog" or "all"';
  const seen = new Set<string>();
  for (const ns of value) {
    if (!isNamespaceName(ns))
      return `"${ns}" is not a namespace name (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`;
    if (seen.has(ns)) return `"${ns}" is listed twice`;
    seen.add(ns);
  }
  return undefined;
}

export interface CatalogNamespaces {
  /** Every namespace some service's locator names, sorted. */
  namespaces: string[];
  /**
   * Services whose locator names no namespace: in namespaced mode their objects are seen only in
   * the namespaces watched for the others.
   */
  unplaced: string[];
  /** Namespace annotations that are not namespace names, ignored (they come from descriptors). */
  invalid: { ref: string; namespace: string }[];
}

/** The namespaces the catalog's services live in, from their locators. */
export function catalogNamespaces(locators: Iterable<ServiceLocator>): CatalogNamespaces {
  const namespaces = new Set<string>();
  const unplaced: string[] = [];
  const invalid: CatalogNamespaces['invalid'] = [];
  for (const locator of locators) {
    // A locator with a problem selects nothing, wherever it is watched.
    if (locator.problem) continue;
    if (!locator.namespaces || locator.namespaces.length === 0) {
      unplaced.push(locator.ref);
      continue;
    }
    for (const ns of locator.namespaces) {
      if (isNamespaceName(ns)) namespaces.add(ns);
      else invalid.push({ ref: locator.ref, namespace: ns });
    }
  }
  return { namespaces: [...namespaces].sort(), unplaced: unplaced.sort(), invalid };
}
