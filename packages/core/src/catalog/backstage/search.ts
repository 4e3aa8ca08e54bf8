// The key/value rows that Backstage's catalog API filters, sorts, facets and full-text searches
// on. An entity is flattened into dotted paths of its leaves (`spec.owner`, `metadata.tags`),
// lower-cased for matching, with the original value kept for facets. The rules follow
// Backstage's catalog backend (plugins/catalog-backend, buildEntitySearch, v1.x):
// - a list of strings gives one row per item under the list's key, plus `key.item` = true, so
//   that "has tag a AND tag b" can be written as two keys of one filter;
// - relations become `relations.<type>` = target ref;
// - metadata.name, metadata.namespace and metadata.uid are always present (null when absent),
//   and a missing namespace also matches "default";
// - keys or values longer than 200 characters are not indexed (a long value keeps its key, with
//   no value), so a large spec.definition never bloats the index.

export interface SearchRow {
  key: string;
  /** Lower-cased, for matching; null when the value is null, missing or too long. */
  value: string | null;
  /** As written, for facets. */
  original: string | null;
}

export const MAX_SEARCH_KEY = 200;
export const MAX_SEARCH_VALUE = 200;

/** Not indexed by the generic walk: computed, Portolan's own extras, or added below. */
const SKIPPED = new Set([
  'attachments',
  'relations',
  'status',
  'origin',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.etag',
]);

interface Leaf {
  key: string;
  value: unknown;
}

/** The leaves of a nested structure as dotted paths (lists repeat their key). */
export function flattenLeaves(root: unknown): Leaf[] {
  const out: Leaf[] = [];
  const itemKeys = new Set<string>();
  const visit = (path: string, current: unknown): void => {
    if (SKIPPED.has(path)) return;
    if (
      current === undefined ||
      current === null ||
      ['string', 'number', 'boolean'].includes(typeof current)
    ) {
      out.push({ key: path, value: current });
      return;
    }
    if (typeof current !== 'object') return;
    if (Array.isArray(current)) {
      for (const item of current) {
        visit(path, item);
        if (typeof item !== 'string') continue;
        const itemKey = `${path}.${item}`;
        const lower = itemKey.toLowerCase();
        if (itemKeys.has(lower)) continue;
        itemKeys.add(lower);
        out.push({ key: itemKey, value: true });
      }
      return;
    }
    for (const [key, value] of Object.entries(current)) visit(path ? `${path}.${key}` : key, value);
  };
  visit('', root);
  return out;
}

/** Leaves as rows: keys and values lower-cased, oversized ones dropped or emptied. */
export function leavesToRows(leaves: Leaf[]): SearchRow[] {
  const rows: SearchRow[] = [];
  for (const { key: rawKey, value: raw } of leaves) {
    const key = rawKey.toLowerCase();
    if (key.length > MAX_SEARCH_KEY) continue;
    if (raw === undefined || raw === null) {
      rows.push({ key, value: null, original: null });
      continue;
    }
    const original = String(raw);
    if (original.length > MAX_SEARCH_VALUE) rows.push({ key, value: null, original: null });
    else rows.push({ key, value: original.toLowerCase(), original });
  }
  return rows;
}

export interface SearchableEntity {
  kind: string;
  metadata: {
    name: string;
    namespace?: string | undefined;
    uid?: string | undefined;
    [key: string]: unknown;
  };
  relations?: { type: string; targetRef: string }[] | undefined;
  [key: string]: unknown;
}

/**
 * Every search row of one entity, each (key, value) once. Keys that differ only in case (which
 * Backstage rejects) keep the first spelling's rows and drop the other's, so one odd descriptor
 * never fails a refresh.
 */
export function entitySearchRows(entity: SearchableEntity): SearchRow[] {
  const leaves = flattenLeaves(entity);
  leaves.push({ key: 'metadata.name', value: entity.metadata.name });
  leaves.push({ key: 'metadata.namespace', value: entity.metadata.namespace });
  leaves.push({ key: 'metadata.uid', value: entity.metadata.uid });
  if (!entity.metadata.namespace) leaves.push({ key: 'metadata.namespace', value: 'default' });
  for (const relation of entity.relations ?? []) {
    leaves.push({ key: `relations.${relation.type}`, value: relation.targetRef });
  }
  const spelling = new Map<string, string>();
  const kept = leaves.filter(({ key }) => {
    const lower = key.toLowerCase();
    const first = spelling.get(lower);
    if (first === undefined) spelling.set(lower, key);
    return first === undefined || first === key;
  });
  const seen = new Set<string>();
  return leavesToRows(kept).filter((row) => {
    const id = `${row.key}\0${row.value ?? '\u0001null'}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
