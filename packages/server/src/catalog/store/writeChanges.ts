import { createHash } from 'node:crypto';
import type { Problem } from '@portolan/core/catalog/index';
import { type Database, isPostgres } from '../../db/database.ts';
import type {
  CatalogDocumentRow,
  CatalogEntityRow,
  CatalogFieldRow,
  CatalogProblemRow,
  CatalogRelationRow,
} from '../../db/tables.ts';

export interface EntityWrite {
  row: CatalogEntityRow;
  document: CatalogDocumentRow;
  tags: string[];
  relations: CatalogRelationRow[];
  /** The entity's search rows, for Backstage-style filters. */
  fields: CatalogFieldRow[];
}

const BATCH = 400;

function* chunks<T>(items: T[], size = BATCH): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Applies one refresh's changes in a single transaction, so readers never see half of it. */
export async function writeChanges({
  db,
  upserts,
  deletes,
  problems,
}: {
  db: Database;
  upserts: EntityWrite[];
  deletes: string[];
  problems: (Problem & { location: string })[] | undefined;
}): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const touched = [...deletes, ...upserts.map((u) => u.row.ref)];
    const searchIndex = !isPostgres(db);
    for (const refs of chunks(touched)) {
      if (searchIndex) await tx.deleteFrom('catalog_search').where('ref', 'in', refs).execute();
      await tx.deleteFrom('catalog_tags').where('ref', 'in', refs).execute();
      await tx.deleteFrom('catalog_fields').where('ref', 'in', refs).execute();
      await tx.deleteFrom('catalog_relations').where('source_ref', 'in', refs).execute();
    }
    for (const refs of chunks(deletes)) {
      await tx.deleteFrom('catalog_entities').where('ref', 'in', refs).execute();
      await tx.deleteFrom('catalog_documents').where('ref', 'in', refs).execute();
    }
    for (const batch of chunks(upserts)) {
      await tx
        .insertInto('catalog_entities')
        .values(batch.map((u) => u.row))
        .onConflict((oc) =>
          oc.column('ref').doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            namespace: eb.ref('excluded.namespace'),
            name: eb.ref('excluded.name'),
            type: eb.ref('excluded.type'),
            owner: eb.ref('excluded.owner'),
            lifecycle: eb.ref('excluded.lifecycle'),
            system: eb.ref('excluded.system'),
            title: eb.ref('excluded.title'),
            search: eb.ref('excluded.search'),
            status: eb.ref('excluded.status'),
            location: eb.ref('excluded.location'),
            origin_file: eb.ref('excluded.origin_file'),
            origin_line: eb.ref('excluded.origin_line'),
            hash: eb.ref('excluded.hash'),
            updated_at: eb.ref('excluded.updated_at'),
            uid: eb.ref('excluded.uid'),
            parent_ref: eb.ref('excluded.parent_ref'),
          })),
        )
        .execute();
    }
    for (const batch of chunks(upserts)) {
      await tx
        .insertInto('catalog_documents')
        .values(batch.map((u) => u.document))
        .onConflict((oc) =>
          oc.column('ref').doUpdateSet((eb) => ({
            body: eb.ref('excluded.body'),
            relations: eb.ref('excluded.relations'),
            problems: eb.ref('excluded.problems'),
            api: eb.ref('excluded.api'),
          })),
        )
        .execute();
    }
    if (searchIndex) {
      for (const batch of chunks(upserts)) {
        await tx
          .insertInto('catalog_search')
          .values(batch.map((u) => ({ ref: u.row.ref, search: u.row.search })))
          .execute();
      }
    }
    const tags = upserts.flatMap((u) => u.tags.map((tag) => ({ ref: u.row.ref, tag })));
    for (const batch of chunks(tags, 2000)) await tx.insertInto('catalog_tags').values(batch).execute();
    const fields = upserts.flatMap((u) => u.fields);
    for (const batch of chunks(fields, 1000)) await tx.insertInto('catalog_fields').values(batch).execute();
    const relations = upserts.flatMap((u) => u.relations);
    for (const batch of chunks(relations, 2000))
      await tx.insertInto('catalog_relations').values(batch).execute();
    if (problems) {
      await tx.deleteFrom('catalog_problems').execute();
      const rows: CatalogProblemRow[] = problems.map((p) => ({
        id: createHash('sha256')
          .update(`${p.location}\0${p.file}\0${p.line}\0${p.column}\0${p.message}`)
          .digest('hex')
          .slice(0, 32),
        location: p.location,
        file: p.file,
        line: p.line,
        column: p.column,
        severity: p.severity,
        message: p.message,
      }));
      const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
      for (const batch of chunks(unique)) await tx.insertInto('catalog_problems').values(batch).execute();
    }
  });
}
