import type { Highlighted } from '@portolan/core/search/highlight';
import type { SearchPage as Page, SearchFacet, SearchResult } from '@portolan/core/search/results';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, entityPath, shortRef } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';

const FACETS: { facet: SearchFacet; label: string }[] = [
  { facet: 'hit', label: 'Result' },
  { facet: 'kind', label: 'Kind' },
  { facet: 'owner', label: 'Owner' },
  { facet: 'type', label: 'Type' },
];
const HIT_LABELS: Record<string, string> = {
  entity: 'Entities',
  docs: 'Docs pages',
  operation: 'API operations',
};
const HIT_LABEL: Record<string, string> = { entity: 'Entity', docs: 'Docs page', operation: 'API operation' };

/** Text with its matches in <mark>: the ranges come from the server, the elements from here. */
/** A count as shown: "1,000+" when the server counted only that many of more. */
function atLeast(count: number, isLowerBound: boolean | undefined): string {
  return `${count.toLocaleString('en-US')}${isLowerBound ? '+' : ''}`;
}

export function Marked({ value }: { value: Highlighted }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const [start, end] of value.ranges) {
    if (start > at) parts.push(value.text.slice(at, start));
    parts.push(<mark key={start}>{value.text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < value.text.length) parts.push(value.text.slice(at));
  return <>{parts}</>;
}

/** Where a result leads: the entity, its docs page, or the operation on its API tab. */
function resultPath(r: SearchResult): string | undefined {
  const base = entityPath(r.ref);
  if (!base) return undefined;
  if (r.hit === 'docs' && r.target !== null)
    return `${base}/docs/${r.target.split('/').map(encodeURIComponent).join('/')}`;
  if (r.hit === 'operation') {
    const anchor = /#(op|channel):(\d+)$/.exec(r.id);
    return `${base}/api${anchor ? `#${anchor[1]}-${anchor[2]}` : ''}`;
  }
  return base;
}

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const chosen = (facet: SearchFacet) => (params.get(facet) ?? '').split(',').filter(Boolean);
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);

  const toggle = (facet: SearchFacet, value: string) =>
    setParams((old) => {
      const next = new URLSearchParams(old);
      const values = new Set(chosen(facet));
      if (values.has(value)) values.delete(value);
      else values.add(value);
      if (values.size > 0) next.set(facet, [...values].join(','));
      else next.delete(facet);
      return next;
    });

  const filters = FACETS.map(({ facet }) => [facet, params.get(facet) ?? ''] as const);
  const query = useInfiniteQuery({
    queryKey: ['search', q, ...filters.map(([, v]) => v)],
    initialPageParam: '',
    queryFn: ({ pageParam }) => {
      const search = new URLSearchParams({ q, limit: '20' });
      for (const [facet, value] of filters) if (value) search.set(facet, value);
      if (pageParam) search.set('cursor', pageParam);
      return api<Page>(`/api/search?${search}`);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
  const first = query.data?.pages[0];
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader title={q ? `Search: ${q}` : 'Search'} crumbs={[{ label: 'Home', to: '/' }]} />
      <search>
        <form
          className="search-form"
          onSubmit={(e) => {
            e.preventDefault();
            setParams((old) => {
              const next = new URLSearchParams(old);
              next.set('q', text.trim());
              return next;
            });
          }}
        >
          <input
            type="search"
            aria-label="Search terms"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Entities, docs pages, API operations"
          />
          <button type="submit">Search</button>
        </form>
      </search>
      {query.error && <ErrorNote error={query.error} what="Searching" />}
      <div className="search-layout">
        <aside aria-label="Filters" className="facets">
          {FACETS.map(({ facet, label }) => {
            const counts = first?.facets[facet] ?? [];
            const picked = chosen(facet);
            if (counts.length === 0 && picked.length === 0) return null;
            return (
              <fieldset key={facet} className="facet">
                <legend>{label}</legend>
                {[
                  ...counts,
                  ...picked
                    .filter((v) => !counts.some((c) => c.value === v))
                    .map((value) => ({ value, count: 0, isLowerBound: undefined })),
                ].map(({ value, count, isLowerBound }) => (
                  <label key={value}>
                    <input
                      type="checkbox"
                      checked={picked.includes(value)}
                      onChange={() => toggle(facet, value)}
                    />{' '}
                    {facet === 'hit'
                      ? (HIT_LABELS[value] ?? value)
                      : facet === 'owner'
                        ? shortRef(value, 'group')
                        : value}{' '}
                    <span className="muted">{atLeast(count, isLowerBound)}</span>
                  </label>
                ))}
              </fieldset>
            );
          })}
        </aside>
        <section aria-label="Results" className="search-results">
          {first && (
            <p className="muted" role="status">
              {first.totalItems === 0
                ? 'Nothing found.'
                : `${atLeast(first.totalItems, first.totalIsLowerBound)} result${first.totalItems === 1 && !first.totalIsLowerBound ? '' : 's'}`}
            </p>
          )}
          {!first && !query.error && <p className="muted">Searching…</p>}
          <ol className="results">
            {items.map((r) => {
              const to = resultPath(r);
              return (
                <li key={r.id} className={`result result-${r.hit}`} data-hit={r.hit}>
                  <div className="result-head">
                    <span className="pill">{HIT_LABEL[r.hit] ?? r.hit}</span>{' '}
                    {to ? (
                      <Link to={to}>
                        <Marked value={r.title} />
                      </Link>
                    ) : (
                      <Marked value={r.title} />
                    )}
                  </div>
                  <div className="muted result-meta">
                    {r.hit !== 'entity' && <>{shortRef(r.ref)} · </>}
                    {r.kind}
                    {r.type && ` · ${r.type}`}
                    {r.owner && ` · ${shortRef(r.owner, 'group')}`}
                  </div>
                  {r.snippet.text && (
                    <p className="snippet">
                      <Marked value={r.snippet} />
                    </p>
                  )}
                </li>
              );
            })}
          </ol>
          {query.hasNextPage && (
            <button type="button" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
              {query.isFetchingNextPage ? 'Loading…' : 'More results'}
            </button>
          )}
        </section>
      </div>
    </>
  );
}
