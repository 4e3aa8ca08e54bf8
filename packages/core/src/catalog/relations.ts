import { type Entity, entityRef, type Relation } from './entity.ts';
import { parseEntityRef, stringifyEntityRef } from './ref.ts';

export const RELATION_PAIRS = {
  ownedBy: 'ownerOf',
  ownerOf: 'ownedBy',
  partOf: 'hasPart',
  hasPart: 'partOf',
  providesApi: 'apiProvidedBy',
  apiProvidedBy: 'providesApi',
  consumesApi: 'apiConsumedBy',
  apiConsumedBy: 'consumesApi',
  dependsOn: 'dependencyOf',
  dependencyOf: 'dependsOn',
  memberOf: 'hasMember',
  hasMember: 'memberOf',
  parentOf: 'childOf',
  childOf: 'parentOf',
} as const;
export type RelationType = keyof typeof RELATION_PAIRS;

interface RefField {
  field: string;
  defaultKind: string;
  relation: RelationType;
}

/** Which spec fields hold references, their default kind, and the relation each one makes. */
const REF_FIELDS: Record<string, RefField[]> = {
  component: [
    { field: 'owner', defaultKind: 'group', relation: 'ownedBy' },
    { field: 'system', defaultKind: 'system', relation: 'partOf' },
    { field: 'subcomponentOf', defaultKind: 'component', relation: 'partOf' },
    { field: 'providesApis', defaultKind: 'api', relation: 'providesApi' },
    { field: 'consumesApis', defaultKind: 'api', relation: 'consumesApi' },
    { field: 'dependsOn', defaultKind: 'component', relation: 'dependsOn' },
    { field: 'dependencyOf', defaultKind: 'component', relation: 'dependencyOf' },
  ],
  api: [
    { field: 'owner', defaultKind: 'group', relation: 'ownedBy' },
    { field: 'system', defaultKind: 'system', relation: 'partOf' },
  ],
  resource: [
    { field: 'owner', defaultKind: 'group', relation: 'ownedBy' },
    { field: 'system', defaultKind: 'system', relation: 'partOf' },
    { field: 'dependsOn', defaultKind: 'component', relation: 'dependsOn' },
    { field: 'dependencyOf', defaultKind: 'component', relation: 'dependencyOf' },
  ],
  system: [
    { field: 'owner', defaultKind: 'group', relation: 'ownedBy' },
    { field: 'domain', defaultKind: 'domain', relation: 'partOf' },
  ],
  domain: [
    { field: 'owner', defaultKind: 'group', relation: 'ownedBy' },
    { field: 'subdomainOf', defaultKind: 'domain', relation: 'partOf' },
  ],
  group: [
    { field: 'parent', defaultKind: 'group', relation: 'childOf' },
    { field: 'children', defaultKind: 'group', relation: 'parentOf' },
    { field: 'members', defaultKind: 'user', relation: 'hasMember' },
  ],
  user: [{ field: 'memberOf', defaultKind: 'group', relation: 'memberOf' }],
};

export interface RelationsResult {
  /** Relations of each entity, both directions, sorted and without duplicates. */
  relations: Map<string, Relation[]>;
  /** Warnings per entity ref: references to entities that do not exist, unparsable refs. */
  warnings: Map<string, string[]>;
}

/** The references an entity's spec makes, resolved to canonical refs (pure; no lookups). */
export function outgoingRefs(
  entity: Entity,
): { field: string; relation: RelationType; target?: string; error?: string }[] {
  const fields = REF_FIELDS[entity.kind.toLowerCase()] ?? [];
  const out: { field: string; relation: RelationType; target?: string; error?: string }[] = [];
  const namespace = entity.metadata.namespace ?? 'default';
  for (const { field, defaultKind, relation } of fields) {
    const value = entity.spec?.[field];
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    for (const v of values) {
      try {
        const target = stringifyEntityRef(
          parseEntityRef(String(v), { defaultKind, defaultNamespace: namespace }),
        );
        out.push({ field, relation, target });
      } catch (error) {
        out.push({ field, relation, error: `spec.${field}: ${(error as Error).message}` });
      }
    }
  }
  return out;
}

/**
 * Computes every relation in both directions. A reference to a missing entity is kept (the
 * forward relation stays, so the UI can show it) and reported as a warning on the referrer.
 */
export function computeRelations(entities: Iterable<Entity>): RelationsResult {
  const byRef = new Map<string, Entity>();
  for (const e of entities) byRef.set(entityRef(e), e);
  const sets = new Map<string, Set<string>>();
  const warnings = new Map<string, string[]>();
  const add = (source: string, type: string, target: string) => {
    let set = sets.get(source);
    if (!set) {
      set = new Set();
      sets.set(source, set);
    }
    set.add(`${type}\u0000${target}`);
  };
  const warn = (ref: string, message: string) => {
    const list = warnings.get(ref) ?? [];
    list.push(message);
    warnings.set(ref, list);
  };
  for (const [ref, entity] of byRef) {
    for (const { field, relation, target, error } of outgoingRefs(entity)) {
      if (error || !target) {
        warn(ref, error ?? `spec.${field}: invalid reference`);
        continue;
      }
      add(ref, relation, target);
      if (byRef.has(target)) add(target, RELATION_PAIRS[relation], ref);
      else warn(ref, `spec.${field}: ${target} does not exist in the catalog`);
    }
  }
  const relations = new Map<string, Relation[]>();
  for (const ref of byRef.keys()) {
    const set = sets.get(ref);
    const list: Relation[] = set
      ? [...set].sort().map((pair) => {
          const [type, targetRef] = pair.split('\u0000') as [string, string];
          return { type, targetRef };
        })
      : [];
    relations.set(ref, list);
  }
  return { relations, warnings };
}
