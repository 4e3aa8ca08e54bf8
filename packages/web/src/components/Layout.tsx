import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { isRouteErrorResponse, NavLink, Outlet, useLocation, useNavigate, useRouteError } from 'react-router';
import { api, type Info, type Me, setCsrfToken, shortRef } from '../api.ts';
import { PageHeader } from './PageHeader.tsx';

/** The frame of every page: skip link, header, banner, and the page in <main>. */
export function Layout({ children }: { children?: React.ReactNode }) {
  const info = useQuery({ queryKey: ['info'], queryFn: () => api<Info>('/api/info') });
  if (info.data) document.body.dataset.appTitle = info.data.title;
  const { pathname } = useLocation();
  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      const answer = await api<Me>('/api/me');
      setCsrfToken(answer.csrf);
      return answer;
    },
  });
  const subject = me.data?.subject;
  const signIn = me.data?.signIn && `${me.data.signIn}?returnTo=${encodeURIComponent(pathname)}`;
  const signOut = async () => {
    await api('/auth/logout', { method: 'POST' });
    window.location.assign('/');
  };
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
          <NavLink to="/catalog">Catalog</NavLink>
          <NavLink to="/findings">Findings</NavLink>
          <NavLink to="/clusters">Clusters</NavLink>
          <NavLink to="/delivery">Delivery</NavLink>
        </nav>
        <HeaderSearch />
        <div className="who">
          {subject?.type === 'user' && (
            <>
              <span title={subject.groups.join(', ')}>{shortRef(subject.ref, 'user')}</span>
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </>
          )}
          {subject?.type === 'anonymous' && signIn && <a href={signIn}>Sign in</a>}
        </div>
      </header>
      {subject?.type === 'guest' && (
        <div className="banner" role="status">
          You are a guest: you can look at everything and try things; nothing here is real.
        </div>
      )}
      {info.data?.banner && (
        <div className="banner" role="status">
          {info.data.banner}
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {subject?.type === 'anonymous' ? (
          <section className="sign-in">
            <h1>Sign in to see the catalog and your services</h1>
            {signIn ? (
              <a className="button" href={signIn}>
                Sign in
              </a>
            ) : (
              <p>This portal has no sign-in configured; ask its admins for an API token.</p>
            )}
          </section>
        ) : (
          (children ?? <Outlet />)
        )}
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
      <PageHeader title="This page failed" crumbs={[{ label: 'Home', to: '/' }]} />
      <div className="note bad" role="alert">
        Showing <code>{pathname}</code> failed: {message}
      </div>
      <p>Other pages still work; reload to try this one again.</p>
    </Layout>
  );
}

/** True when a key press goes to something that takes text, so `/` must not steal it. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/** Search over entities, docs pages and API operations from every page; `/` focuses it. */
function HeaderSearch() {
  const navigate = useNavigate();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      e.preventDefault();
      input.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <search className="header-search">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const q = input.current?.value.trim() ?? '';
          navigate(`/search?${new URLSearchParams({ q })}`);
          input.current?.blur();
        }}
      >
        <input
          ref={input}
          type="search"
          aria-label="Search everything"
          aria-keyshortcuts="/"
          placeholder="Search (press /)"
        />
      </form>
    </search>
  );
}
