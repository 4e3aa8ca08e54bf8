// Keeps the search index in step with the catalog: after a refresh, the rows of every entity
// whose descriptor, definition or docs changed are built again from what the refresh stored.
import type { DefinitionView } from '@portolan/core/apis/definition';
import type { Entity } from '@portolan/core/catalog/index';
import {
  SEARCH_INDEX_VERSION,
  type SearchDocsPage,
  type SearchDocument,
  searchDocuments,
} from '@portolan/core/search/documents';
import type { Database } from '../db/database.ts';
import { writeSearchDocuments } from './store.ts';

const STATE_KEY = 'search_index_version';
const BATCH = 400;

async function storedVersion(db: Database): Promise<string | undefined> {
  const row = await db
    .selectFrom('portolan_state')
    .select('value')
    .where('key', '=', STATE_KEY)
    .executeTakeFirst();
  return row?.value;
}

/** The index rows of the given entities, read from the stored catalog, definitions and docs. */
export async function buildSearchDocuments({
  db,
  refs,
}: {
  db: Database;
  refs: string[];
}): Promise<SearchDocument[]> {
  const out: SearchDocument[] = [];
  for (let i = 0; i < refs.length; i += BATCH) {
    const batch = refs.slice(i, i + BATCH);
    const [entities, definitions, pages] = await Promise.all([
      db
        .selectFrom('catalog_entities as e')
        .innerJoin('catalog_documents as d', 'd.ref', 'e.ref')
        .select(['e.ref', 'e.kind', 'e.owner', 'e.type', 'd.body'])
        .where('e.ref', 'in', batch)
        .execute(),
      db.selectFrom('catalog_definitions').select(['ref', 'view']).where('ref', 'in', batch).execute(),
      db
        .selectFrom('docs_pages')
        .select(['ref', 'path', 'title', 'text'])
        .where('ref', 'in', batch)
        .execute(),
    ]);
    const views = new Map(definitions.map((d) => [d.ref, JSON.parse(d.view) as DefinitionView]));
    const pagesOf = new Map<string, SearchDocsPage[]>();
    for (const p of pages) {
      const list = pagesOf.get(p.ref) ?? [];
      pagesOf.set(p.ref, list);
      list.push({ path: p.path, title: p.title, text: p.text });
    }
    for (const row of entities) {
      const entity = JSON.parse(row.body) as Entity;
      out.push(
        ...searchDocuments({
          entity: {
            ref: row.ref,
            kind: row.kind,
            name: entity.metadata.name,
            title: entity.metadata.title,
            description: entity.metadata.description,
            tags: entity.metadata.tags ?? [],
            owner: row.owner,
            type: row.type,
          },
          definition: views.get(row.ref),
          pages: pagesOf.get(row.ref) ?? [],
        }),
      );
    }
  }
  return out;
}

/**
 * Rebuilds the rows of the changed entities (removing those of deleted ones). When the index was
 * built by another version of the row builder, or never (an existing catalog before search
 * existed), it is rebuilt whole, once.
 */
export async function updateSearchIndex({
  db,
  changed,
  allRefs,
}: {
  db: Database;
  changed: Iterable<string>;
  allRefs: () => string[];
}): Promise<number> {
  if ((await storedVersion(db)) !== SEARCH_INDEX_VERSION) {
    const refs = allRefs();
    await writeSearchDocuments({ db, refs, documents: await buildSearchDocuments({ db, refs }), all: true });
    await db
      .insertInto('portolan_state')
      .values({ key: STATE_KEY, value: SEARCH_INDEX_VERSION })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: SEARCH_INDEX_VERSION }))
      .execute();
    return refs.length;
  }
  const refs = [...new Set(changed)];
  if (refs.length === 0) return 0;
  await writeSearchDocuments({ db, refs, documents: await buildSearchDocuments({ db, refs }) });
  return refs.length;
}
