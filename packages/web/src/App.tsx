import { useQuery } from '@tanstack/react-query';
import { api, type Info } from './api.ts';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { CatalogPage } from './pages/CatalogPage.tsx';
import { ClustersPage } from './pages/ClustersPage.tsx';
import { EntityPage } from './pages/EntityPage.tsx';
import { TeamPage } from './pages/TeamPage.tsx';
import { Link, useLocation } from './router.tsx';

function Route({ path }: { path: string }) {
  const entity = /^\/catalog\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  if (entity) {
    const [, kind, namespace, name] = entity.map(decodeURIComponent) as [string, string, string, string];
    return <EntityPage kind={kind} namespace={namespace} name={name} />;
  }
  const team = /^\/teams\/([^/]+)$/.exec(path);
  if (team) return <TeamPage teamRef={decodeURIComponent(team[1]!)} />;
  if (path === '/clusters') return <ClustersPage />;
  return <CatalogPage />;
}

export function App() {
  const { path } = useLocation();
  const info = useQuery({ queryKey: ['info'], queryFn: () => api<Info>('/api/info') });
  return (
    <div className="layout">
      <header className="top">
        <Link to="/" className="brand">
          {info.data?.title ?? 'Portolan'}
        </Link>
        <nav>
          <Link to="/">Catalog</Link>
          <Link to="/clusters">Clusters</Link>
        </nav>
      </header>
      {info.data?.banner && (
        <div className="banner" role="status">
          {info.data.banner}
        </div>
      )}
      <main>
        <ErrorBoundary resetKey={path}>
          <Route path={path} />
        </ErrorBoundary>
      </main>
    </div>
  );
}
