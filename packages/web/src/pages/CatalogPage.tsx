import type { Severity } from '@portolan/core/health/types';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { type ApiEntity, api, type EntityPage, entityPath, refOf } from '../api.ts';
import { EntityLink } from '../components/EntityLink.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { type FleetSummary, SEVERITY_CLASS } from '../findings.ts';

// `all` is a choice of its own, so that "All kinds" stays chosen; no kind in the URL means the
// default, Components.
const KINDS = ['all', 'Component', 'API', 'Resource', 'System', 'Domain', 'Group', 'User', 'Location'];
const LIFECYCLES = ['', 'production', 'experimental', 'deprecated'];
const SORTS = ['name', 'kind', 'owner', 'lifecycle', 'health'] as const;
type SortKey = (typeof SORTS)[number];
const SEVERITY_ORDER: Record<Severity | 'none', number> = { critical: 0, warning: 1, info: 2, none: 3 };

export function CatalogPage() {
  const [search, setSearch] = useSearchParams();
  const q = search.get('q') ?? '';
  const kind = search.get('kind') ?? 'Component';
  const owner = search.get('owner') ?? '';
  const lifecycle = search.get('lifecycle') ?? '';
  const tag = search.get('tag') ?? '';
  const sortParam = search.get('sort') ?? 'name';
  const descending = sortParam.startsWith('-');
  const sortKey = (SORTS as readonly string[]).includes(sortParam.replace(/^-/, ''))
    ? (sortParam.replace(/^-/, '') as SortKey)
    : 'name';
  const [text, setText] = useState(q);
  // A search from the header changes q while this page is open: the box follows it.
  useEffect(() => setText(q), [q]);

  const setParam = (key: string, value: string) =>
    setSearch(
      (old) => {
        const next = new URLSearchParams(old);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: key === 'q' },
    );

  // Reflect the search box in the URL after a short pause, so results follow typing.
  // biome-ignore lint/correctness/useExhaustiveDependencies: setParam is rebuilt each render
  useEffect(() => {
    const t = setTimeout(() => {
      if (text !== q) setParam('q', text);
    }, 200);
    return () => clearTimeout(t);
  }, [text, q]);

  const query = useInfiniteQuery({
    queryKey: ['entities', kind, q, owner, lifecycle, tag],
    initialPageParam: '',
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({ limit: '100' });
      if (kind !== 'all') params.set('kind', kind);
      if (q) params.set('q', q);
      if (owner) params.set('owner', owner);
      if (lifecycle) params.set('lifecycle', lifecycle);
      if (tag) params.set('tag', tag);
      if (pageParam) params.set('cursor', pageParam);
      return api<EntityPage>(`/api/catalog/entities?${params}`);
    },
    getNextPageParam: (last) => last.pageInfo.nextCursor,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  const total = query.data?.pages[0]?.totalItems;
  const components = items.filter((e) => e.kind.toLowerCase() === 'component').map(refOf);
  const health = useQuery({
    queryKey: ['catalog-health', components],
    enabled: components.length > 0,
    retry: false,
    queryFn: () =>
      api<FleetSummary>(
        `/api/findings/summary?${new URLSearchParams({ service: components.join(','), top: '500' })}`,
      ),
  });
  const worst = new Map((health.data?.worstServices ?? []).map((s) => [s.key, s]));
  const healthOf = (e: ApiEntity) => worst.get(refOf(e))?.worst ?? 'none';

  const value = (e: ApiEntity): string | number => {
    switch (sortKey) {
      case 'name':
        return (e.metadata.title ?? e.metadata.name).toLowerCase();
      case 'kind':
        return e.kind.toLowerCase();
      case 'owner':
        return String(e.spec?.owner ?? '~').toLowerCase();
      case 'lifecycle':
        return String(e.spec?.lifecycle ?? '~').toLowerCase();
      case 'health':
        return SEVERITY_ORDER[healthOf(e)];
    }
  };
  const sorted = [...items].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c = x < y ? -1 : x > y ? 1 : 0;
    return descending ? -c : c;
  });

  const header = (key: SortKey, label: string) => {
    const active = sortKey === key;
    return (
      <th aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
        <button
          type="button"
          className="sort"
          onClick={() => setParam('sort', active && !descending ? `-${key}` : key)}
        >
          {label}
          <span aria-hidden="true">{active ? (descending ? ' ▼' : ' ▲') : ''}</span>
        </button>
      </th>
    );
  };

  return (
    <section>
      <PageHeader title="Software catalog" crumbs={[{ label: 'Home', to: '/' }]} />
      <search className="filters">
        <input
          type="search"
          aria-label="Search the catalog"
          placeholder="Search names, titles, descriptions, tags"
          value={text}
          onChange={(e) => setText(e.target.value)}
          className="wide"
        />
        <select aria-label="Kind" value={kind} onChange={(e) => setParam('kind', e.target.value)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k === 'all' ? 'All kinds' : k}
            </option>
          ))}
        </select>
        <input
          aria-label="Owner"
          placeholder="Owner, e.g. payments"
          defaultValue={owner}
          onBlur={(e) => setParam('owner', e.target.value.trim())}
          onKeyDown={(e) => e.key === 'Enter' && setParam('owner', e.currentTarget.value.trim())}
        />
        <select
          aria-label="Lifecycle"
          value={lifecycle}
          onChange={(e) => setParam('lifecycle', e.target.value)}
        >
          {LIFECYCLES.map((l) => (
            <option key={l} value={l}>
              {l || 'Any lifecycle'}
            </option>
          ))}
        </select>
        <input
          aria-label="Tag"
          placeholder="Tag"
          defaultValue={tag}
          onBlur={(e) => setParam('tag', e.target.value.trim())}
          onKeyDown={(e) => e.key === 'Enter' && setParam('tag', e.currentTarget.value.trim())}
        />
        {total !== undefined && (
          <span className="muted" aria-live="polite">
            {total} {total === 1 ? 'entity' : 'entities'}
          </span>
        )}
      </search>
      {query.error && <ErrorNote error={query.error} what="Searching the catalog" />}
      {query.isPending ? (
        <p className="muted loading" aria-busy="true">
          Loading the catalog…
        </p>
      ) : total === 0 ? (
        <div className="empty">
          <p>
            <b>No results.</b> Nothing in the catalog matches these filters.
          </p>
          <Link to="/catalog">Clear all filters</Link>
        </div>
      ) : (
        items.length > 0 && (
          <div className="table-wrap">
            <table className="grid catalog">
              <thead>
                <tr>
                  {header('name', 'Name')}
                  {header('health', 'Health')}
                  {header('kind', 'Kind')}
                  <th>Type</th>
                  {header('owner', 'Owner')}
                  {header('lifecycle', 'Lifecycle')}
                  <th className="desc">Description</th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((e) => {
                  const h = worst.get(refOf(e));
                  return (
                    <tr key={refOf(e)}>
                      <td>
                        <Link to={entityPath(refOf(e)) ?? '/'}>{e.metadata.title ?? e.metadata.name}</Link>
                        {e.status.items.some((i) => i.level === 'error') && (
                          <span className="pill bad">error</span>
                        )}
                      </td>
                      <td>
                        {h?.worst ? (
                          <Link
                            to={`${entityPath(refOf(e))}#findings`}
                            className={`pill ${SEVERITY_CLASS[h.worst]}`}
                          >
                            {h.total} {h.worst === 'info' ? 'info' : h.worst}
                          </Link>
                        ) : e.kind.toLowerCase() === 'component' && health.isSuccess ? (
                          <span className="muted small">no findings</span>
                        ) : null}
                      </td>
                      <td>{e.kind}</td>
                      <td>{String(e.spec?.type ?? '')}</td>
                      <td>
                        {typeof e.spec?.owner === 'string' && (
                          <EntityLink entityRef={e.spec.owner} defaultKind="group" />
                        )}
                      </td>
                      <td>{String(e.spec?.lifecycle ?? '')}</td>
                      <td className="desc">{e.metadata.description}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )
      )}
      {query.hasNextPage && (
        <button type="button" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          Load more ({items.length} of {total} shown; sorting covers the loaded ones)
        </button>
      )}
    </section>
  );
}
