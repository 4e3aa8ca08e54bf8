import type { Entity, Origin } from '@portolan/core/catalog/index';
import type { Database } from '../../db/database.ts';

export interface SnapshotEntry {
  hash: string;
  entity: Entity;
  origin: Origin;
}

/** Everything a refresh needs to know about the current catalog, in one query. */
export async function readSnapshot({ db }: { db: Database }): Promise<Map<string, SnapshotEntry>> {
  const rows = await db
    .selectFrom('catalog_entities as e')
    .innerJoin('catalog_documents as d', 'd.ref', 'e.ref')
    .select(['e.ref', 'e.hash', 'd.body', 'e.location', 'e.origin_file', 'e.origin_line', 'e.parent_ref'])
    .execute();
  const map = new Map<string, SnapshotEntry>();
  for (const r of rows) {
    map.set(r.ref, {
      hash: r.hash,
      entity: JSON.parse(r.body) as Entity,
      origin: {
        location: r.location,
        file: r.origin_file,
        line: r.origin_line,
        ...(r.parent_ref ? { parent: r.parent_ref } : {}),
      },
    });
  }
  return map;
}
