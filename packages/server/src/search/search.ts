// A search as the API answers it: matched rows, ranked, with highlights over plain text.
import { highlight, searchTerms, snippet } from '@portolan/core/search/highlight';
import type { SearchPage } from '@portolan/core/search/results';
import type { Database } from '../db/database.ts';
import { querySearch, type SearchFilter } from './store.ts';

export interface SearchQuery extends Omit<SearchFilter, 'terms'> {
  q: string;
}

export async function search({
  db,
  query,
  limit,
  cursor,
}: {
  db: Database;
  query: SearchQuery;
  limit: number;
  cursor?: string | undefined;
}): Promise<SearchPage> {
  const { q, ...facets } = query;
  const terms = searchTerms(q);
  const page = await querySearch({ db, filter: { ...facets, terms }, limit, cursor });
  return {
    items: page.rows.map((r) => ({
      id: r.id,
      ref: r.ref,
      hit: r.hit as SearchPage['items'][number]['hit'],
      kind: r.kind,
      owner: r.owner,
      type: r.type,
      target: r.target,
      title: highlight(r.title, terms),
      snippet: snippet(r.text, terms),
    })),
    totalItems: page.totalItems,
    ...(page.totalIsLowerBound ? { totalIsLowerBound: true as const } : {}),
    facets: page.facets,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}
