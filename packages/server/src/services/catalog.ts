// The slice of the catalog that service routes, health, deploy and permissions read. Refs are
// canonical (`kind:namespace/name`, lower case); the stored catalog satisfies it through
// `storedServiceCatalog`, tests pass plain lists.
import { entityRef, tryNormalizeRef } from '@portolan/core/catalog/ref';
import type { CatalogEntity } from '@portolan/core/services/index';
import type { CatalogService } from '../catalog/service.ts';

export interface ServiceCatalog {
  getEntity(ref: string): Promise<CatalogEntity | undefined>;
  /** Every entity the group (and its sub-groups) own. */
  listOwnedBy(groupRef: string): Promise<CatalogEntity[]>;
  /** Every entity of these kinds (lower case). */
  listAll(kinds: string[]): Promise<CatalogEntity[]>;
}

/** The stored catalog as a ServiceCatalog. */
export function storedServiceCatalog(catalog: CatalogService): ServiceCatalog {
  const all = async (filter: Parameters<CatalogService['query']>[0]) => {
    const items: CatalogEntity[] = [];
    let cursor: string | undefined;
    do {
      const page = await catalog.query(filter, 500, cursor);
      for (const i of page.items) items.push(i.entity);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  return {
    getEntity: async (ref) => (await catalog.get(ref))?.entity,
    listOwnedBy: async (groupRef) => (await catalog.team(groupRef))?.owned.map((o) => o.entity) ?? [],
    listAll: (kinds) => all({ kind: kinds.map((k) => k.toLowerCase()) }),
  };
}

/** A list of entities as a ServiceCatalog: for the benchmarks and tests that have no database. */
export function listServiceCatalog(entities: readonly CatalogEntity[]): ServiceCatalog {
  const byRef = new Map(entities.map((e) => [entityRef(e), e]));
  return {
    getEntity: async (ref) => byRef.get(ref),
    listOwnedBy: async (groupRef) =>
      entities.filter(
        (e) =>
          tryNormalizeRef(e.spec?.owner, {
            defaultKind: 'group',
            defaultNamespace: e.metadata.namespace ?? 'default',
          }) === groupRef,
      ),
    listAll: async (kinds) => entities.filter((e) => kinds.includes(e.kind.toLowerCase())),
  };
}
