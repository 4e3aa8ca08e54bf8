// The search API's answer, shared by the server that builds it and the web app that shows it.
import type { SearchHitKind } from './documents.ts';
import type { Highlighted } from './highlight.ts';

export const SEARCH_FACETS = ['hit', 'kind', 'owner', 'type'] as const;
export type SearchFacet = (typeof SEARCH_FACETS)[number];

export interface FacetCount {
  value: string;
  count: number;
  /** Counted over the first SEARCH_CAP matches only: there are at least this many. */
  isLowerBound?: true;
}

/**
 * Matches ranked and counted per search: a broader query is ranked over its best SEARCH_CAP
 * matches (titles holding a term first), and its totals are then lower bounds.
 */
export const SEARCH_CAP = 1000;

export interface SearchResult {
  id: string;
  /** The entity the result belongs to (itself, for an entity). */
  ref: string;
  hit: SearchHitKind;
  kind: string;
  owner: string | null;
  type: string | null;
  /** Docs: the page path. Operations: `METHOD path`. */
  target: string | null;
  title: Highlighted;
  snippet: Highlighted;
}

export interface SearchPage {
  items: SearchResult[];
  totalItems: number;
  /** More than SEARCH_CAP results: `totalItems` is SEARCH_CAP and there are more ("1,000+"). */
  totalIsLowerBound?: true;
  /**
   * Counts per value of each facet, for the query with every other facet's filter applied (so a
   * chosen kind still shows how many results the other kinds have); the largest first.
   */
  facets: Record<SearchFacet, FacetCount[]>;
  nextCursor?: string;
}
