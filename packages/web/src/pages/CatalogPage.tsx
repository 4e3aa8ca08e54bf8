import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, type EntityPage, entityPath, refOf } from '../api.ts';
import { EntityLink } from '../components/EntityLink.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { navigate, useLocation } from '../router.tsx';

const KINDS = ['', 'Component', 'API', 'Resource', 'System', 'Domain', 'Group', 'User', 'Location'];

export function CatalogPage() {
  const { search } = useLocation();
  const [text, setText] = useState(search.get('q') ?? '');
  const kind = search.get('kind') ?? 'Component';
  const q = search.get('q') ?? '';

  // Reflect the search box in the URL after a short pause, so results follow typing.
  useEffect(() => {
    const t = setTimeout(() => {
      if (text !== q) setParam('q', text);
    }, 200);
    return () => clearTimeout(t);
  });

  const query = useInfiniteQuery({
    queryKey: ['entities', kind, q],
    initialPageParam: '',
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({ limit: '50' });
      if (kind) params.set('kind', kind);
      if (q) params.set('q', q);
      if (pageParam) params.set('cursor', pageParam);
      return api<EntityPage>(`/api/catalog/entities?${params}`);
    },
    getNextPageParam: (last) => last.pageInfo.nextCursor,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  const total = query.data?.pages[0]?.totalItems;

  return (
    <section>
      <h1>Software catalog</h1>
      <div className="filters">
        <input
          type="search"
          aria-label="Search the catalog"
          placeholder="Search names, titles, descriptions, tags"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <select aria-label="Kind" value={kind} onChange={(e) => setParam('kind', e.target.value)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k || 'All kinds'}
            </option>
          ))}
        </select>
        {total !== undefined && <span className="muted">{total} entities</span>}
      </div>
      {query.error && <ErrorNote error={query.error} />}
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Type</th>
            <th>Owner</th>
            <th>Lifecycle</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={refOf(e)}>
              <td>
                <a
                  href={entityPath(refOf(e))}
                  onClick={(ev) => {
                    ev.preventDefault();
                    navigate(entityPath(refOf(e)));
                  }}
                >
                  {e.metadata.title ?? e.metadata.name}
                </a>
                {e.status.items.some((i) => i.level === 'error') && <span className="pill bad">error</span>}
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
          ))}
        </tbody>
      </table>
      {query.hasNextPage && (
        <button type="button" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          Load more
        </button>
      )}
    </section>
  );
}

function setParam(key: string, value: string) {
  const params = new URLSearchParams(window.location.search);
  if (value) params.set(key, value);
  else params.delete(key);
  navigate(`/?${params}`);
}
