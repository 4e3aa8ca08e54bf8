import { useQuery } from '@tanstack/react-query';
import { isRouteErrorResponse, NavLink, Outlet, useLocation, useRouteError } from 'react-router';
import { api, type Info } from '../api.ts';
import { PageHeader } from './PageHeader.tsx';

/** The frame of every page: skip link, header, banner, and the page in <main>. */
export function Layout({ children }: { children?: React.ReactNode }) {
  const info = useQuery({ queryKey: ['info'], queryFn: () => api<Info>('/api/info') });
  if (info.data) document.body.dataset.appTitle = info.data.title;
  return (
    <div className="layout">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <NavLink to="/" className="brand" end>
          {info.data?.title ?? 'Portolan'}
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Catalog
          </NavLink>
          <NavLink to="/findings">Findings</NavLink>
          <NavLink to="/clusters">Clusters</NavLink>
        </nav>
      </header>
      {info.data?.banner && (
        <div className="banner" role="status">
          {info.data.banner}
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {children ?? <Outlet />}
      </main>
    </div>
  );
}

/** A page that threw while rendering: say which page and what, keep the frame usable. */
export function RouteError() {
  const error = useRouteError();
  const { pathname } = useLocation();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : String(error);
  return (
    <Layout>
      <PageHeader title="This page failed" crumbs={[{ label: 'Catalog', to: '/' }]} />
      <div className="note bad" role="alert">
        Showing <code>{pathname}</code> failed: {message}
      </div>
      <p>Other pages still work; reload to try this one again.</p>
    </Layout>
  );
}
