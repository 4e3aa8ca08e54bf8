import { createHash } from 'node:crypto';
import type { CatalogRecord, Entity, EntityProblem, Relation } from '@portolan/core/catalog/index';
import type { Database } from '../../db/database.ts';
import type { CatalogDocumentRow, CatalogEntityRow } from '../../db/tables.ts';

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The entity as the API shows it: the descriptor plus computed relations and origin. */
export interface StoredEntity {
  entity: Entity;
  status: 'ok' | 'orphan';
  problems: EntityProblem[];
  origin: { location: string; file: string; line: number };
}

export function recordToRow(ref: string, record: CatalogRecord, owner: string | null, system: string | null) {
  const e = record.entity;
  const tags = e.metadata.tags ?? [];
  const search = [e.metadata.name, e.metadata.title, e.metadata.description, ...tags]
    .filter((s): s is string => typeof s === 'string')
    .join(' ')
    .toLowerCase();
  const row: Omit<CatalogEntityRow, 'hash' | 'updated_at'> = {
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
  const document: CatalogDocumentRow = {
    ref,
    body: JSON.stringify(e),
    relations: JSON.stringify(record.relations),
    problems: JSON.stringify(record.problems),
    api: JSON.stringify(
      toApiEntity({
        entity: { ...e, relations: record.relations },
        status: record.status,
        problems: record.problems,
        origin: record.origin,
      }),
    ),
  };
  const hash = createHash('sha256')
    .update(JSON.stringify(row))
    .update(document.body)
    .update(document.relations)
    .update(document.problems)
    .digest('hex')
    .slice(0, 32);
  return { row, document, hash, tags: [...new Set(tags.map((t) => t.toLowerCase()))] };
}

export function rowToStored(
  row: Pick<CatalogEntityRow, 'status' | 'location' | 'origin_file' | 'origin_line'> &
    Pick<CatalogDocumentRow, 'body' | 'relations' | 'problems'>,
): StoredEntity {
  const entity = JSON.parse(row.body) as Entity;
  entity.relations = JSON.parse(row.relations) as Relation[];
  return {
    entity,
    status: row.status,
    problems: JSON.parse(row.problems) as EntityProblem[],
    origin: { location: row.location, file: row.origin_file, line: row.origin_line },
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
] as const;

/** The entity as the API returns it: descriptor, relations, where it came from, its problems. */
export function toApiEntity(stored: StoredEntity) {
  const { entity, origin, status, problems } = stored;
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
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
