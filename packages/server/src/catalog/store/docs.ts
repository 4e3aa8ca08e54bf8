import type { DocsPage, DocsSite } from '@portolan/core/docs/site';
import type { Database } from '../../db/database.ts';
import type { DocsPageRow, DocsSiteRow } from '../../db/tables.ts';

export async function readDocsHashes({ db }: { db: Database }): Promise<Map<string, string>> {
  const rows = await db.selectFrom('docs_sites').select(['ref', 'hash']).execute();
  return new Map(rows.map((r) => [r.ref, r.hash]));
}

/** Replaces the sites (and all their pages) of the refs written, and removes the deleted ones. */
export async function writeDocs({
  db,
  sites,
  pages,
  deletes,
}: {
  db: Database;
  sites: DocsSiteRow[];
  pages: DocsPageRow[];
  deletes: string[];
}): Promise<void> {
  if (sites.length === 0 && deletes.length === 0) return;
  await db.transaction().execute(async (tx) => {
    const gone = [...deletes, ...sites.map((s) => s.ref)];
    for (let i = 0; i < gone.length; i += 400) {
      const refs = gone.slice(i, i + 400);
      await tx.deleteFrom('docs_pages').where('ref', 'in', refs).execute();
      await tx.deleteFrom('docs_sites').where('ref', 'in', refs).execute();
    }
    for (let i = 0; i < sites.length; i += 200)
      await tx
        .insertInto('docs_sites')
        .values(sites.slice(i, i + 200))
        .execute();
    for (let i = 0; i < pages.length; i += 50)
      await tx
        .insertInto('docs_pages')
        .values(pages.slice(i, i + 50))
        .execute();
  });
}

export async function getDocsSite({ db, ref }: { db: Database; ref: string }): Promise<DocsSite | undefined> {
  const row = await db.selectFrom('docs_sites').select('site').where('ref', '=', ref).executeTakeFirst();
  return row ? (JSON.parse(row.site) as DocsSite) : undefined;
}

export async function getDocsPage({
  db,
  ref,
  path,
}: {
  db: Database;
  ref: string;
  path: string;
}): Promise<DocsPage | undefined> {
  const row = await db
    .selectFrom('docs_pages')
    .select('page')
    .where('ref', '=', ref)
    .where('path', '=', path)
    .executeTakeFirst();
  return row ? (JSON.parse(row.page) as DocsPage) : undefined;
}
