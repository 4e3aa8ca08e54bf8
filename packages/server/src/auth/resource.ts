import type { Resource } from '@portolan/core/auth/policy';
import { tryNormalizeRef } from '@portolan/core/catalog/ref';
import { DISCOVERED_PREFIX } from '@portolan/core/services/index';
import type { ServiceCatalog } from '../services/catalog.ts';
import { canonicalServiceRef } from '../services/resolver.ts';

/**
 * A service ref from a URL as the policy sees it: canonical, with its owner. An unknown entity
 * has no owner (the route answers 404 after the policy has allowed reading it).
 */
export function serviceResources(
  catalog: Pick<ServiceCatalog, 'getEntity'>,
): (ref: string) => Promise<Resource> {
  return async (ref) => {
    const canonical = canonicalServiceRef(ref);
    const entity = canonical.startsWith(DISCOVERED_PREFIX) ? undefined : await catalog.getEntity(canonical);
    const owner = tryNormalizeRef(entity?.spec?.owner, {
      defaultKind: 'group',
      defaultNamespace: entity?.metadata.namespace ?? 'default',
    });
    return { type: 'service', ref: canonical, ...(owner ? { owner } : {}) };
  };
}
