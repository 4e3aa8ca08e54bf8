import { createHash } from 'node:crypto';
import { entitySearchRows } from '@portolan/core/catalog/backstage/index';
import {
  type CatalogRecord,
  type Entity,
  type EntityProblem,
  entityRef,
  type Relation,
} from '@portolan/core/catalog/index';
import type { Database } from '../../db/database.ts';
import type { CatalogDocumentRow, CatalogEntityRow, CatalogFieldRow } from '../../db/tables.ts';

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The entity as the API shows it: the descriptor plus computed relations and origin. */
export interface StoredEntity {
  entity: Entity;
  status: 'ok' | 'orphan';
  problems: EntityProblem[];
  origin: { location: string; file: string; line: number; parent?: string };
  /** Changes whenever anything the API shows of the entity changes (Backstage's metadata.etag). */
  etag: string;
}

/**
 * The entity's uid (Backstage's metadata.uid): a UUID-shaped digest of its ref, so it is the same
 * on every replica and across refreshes and database rebuilds, without being stored anywhere first.
 */
export function uidOf(ref: string): string {
  const h = createHash('sha256').update(`portolan-entity\0${ref}`).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function recordToRow(ref: string, record: CatalogRecord, owner: string | null, system: string | null) {
  const e = record.entity;
  const tags = e.metadata.tags ?? [];
  const search = [e.metadata.name, e.metadata.title, e.metadata.description, ...tags]
    .filter((s): s is string => typeof s === 'string')
    .join(' ')
    .toLowerCase();
  const row: Omit<CatalogEntityRow, 'hash' | 'updated_at'> = {
    uid: uidOf(ref),
    parent_ref: record.origin.parent ?? null,
    ref,
    kind: e.kind.toLowerCase(),
    namespace: (e.metadata.namespace ?? 'default').toLowerCase(),
    name: e.metadata.name.toLowerCase(),
    type: str(e.spec?.type)?.toLowerCase() ?? null,
    owner,
    lifecycle: str(e.spec?.lifecycle)?.toLowerCase() ?? null,
    system,
    title: str(e.metadata.title),
    search,
    status: record.status,
    location: record.origin.location,
    origin_file: record.origin.file,
    origin_line: record.origin.line,
  };
  const body = JSON.stringify(e);
  const relations = JSON.stringify(record.relations);
  const problems = JSON.stringify(record.problems);
  const hash = createHash('sha256')
    .update(JSON.stringify(row))
    .update(body)
    .update(relations)
    .update(problems)
    .digest('hex')
    .slice(0, 32);
  const api = toApiEntity({
    entity: { ...e, relations: record.relations },
    status: record.status,
    problems: record.problems,
    origin: record.origin,
    etag: hash,
  });
  const document: CatalogDocumentRow = { ref, body, relations, problems, api: JSON.stringify(api) };
  const fields: CatalogFieldRow[] = entitySearchRows(api).map((f) => ({
    ref,
    key: f.key,
    value: f.value,
    original_value: f.original,
  }));
  return { row, document, hash, fields, tags: [...new Set(tags.map((t) => t.toLowerCase()))] };
}

export function rowToStored(
  row: Pick<CatalogEntityRow, 'status' | 'location' | 'origin_file' | 'origin_line' | 'parent_ref' | 'hash'> &
    Pick<CatalogDocumentRow, 'body' | 'relations' | 'problems'>,
): StoredEntity {
  const entity = JSON.parse(row.body) as Entity;
  entity.relations = JSON.parse(row.relations) as Relation[];
  return {
    entity,
    status: row.status,
    problems: JSON.parse(row.problems) as EntityProblem[],
    origin: {
      location: row.location,
      file: row.origin_file,
      line: row.origin_line,
      ...(row.parent_ref ? { parent: row.parent_ref } : {}),
    },
    etag: row.hash,
  };
}

/** Entities joined with their documents: what every read that returns whole entities selects. */
export function selectStored(db: Database) {
  return db
    .selectFrom('catalog_entities as e')
    .innerJoin('catalog_documents as d', 'd.ref', 'e.ref')
    .select(STORED_COLUMNS);
}

/** The columns rowToStored reads, from `catalog_entities as e` joined with `catalog_documents as d`. */
export const STORED_COLUMNS = [
  'e.ref',
  'd.body',
  'd.relations',
  'd.problems',
  'e.status',
  'e.location',
  'e.origin_file',
  'e.origin_line',
  'e.parent_ref',
  'e.hash',
] as const;

/** The entity as the API returns it: descriptor, relations, where it came from, its problems. */
export function toApiEntity(stored: StoredEntity) {
  const { entity, origin, status, problems, etag } = stored;
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      uid: uidOf(entityRef(entity)),
      etag,
      annotations: {
        ...entity.metadata.annotations,
        'backstage.io/managed-by-location': `file:${origin.file}`,
        'backstage.io/managed-by-origin-location': origin.location,
      },
    },
    origin,
    status: {
      orphan: status === 'orphan',
      items: problems.map((p) => ({ level: p.severity, ...p })),
    },
  };
}
