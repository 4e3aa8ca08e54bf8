import type { DocsPage, DocsProblem, DocsSite, NavItem } from '@portolan/core/docs/site';
import { useQuery } from '@tanstack/react-query';
import { type MouseEvent, useEffect, useRef } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api, safeHref } from '../api.ts';
import { ErrorNote } from './ErrorNote.tsx';

/** The Docs tab: the site's nav beside the page, rendered and sanitised by the server. */
export function DocsTab({ base, pagePath }: { base: string; pagePath: string }) {
  const params = useParams();
  const site = useQuery({ queryKey: ['docs', base], queryFn: () => api<DocsSite>(`${base}/docs`) });
  const page = params['*'] || site.data?.pages[0];
  if (site.error) return <ErrorNote error={site.error} what="Loading the docs" />;
  if (!site.data) return <p className="muted">Loading…</p>;
  return (
    <div className="docs">
      <nav className="docs-nav" aria-label="Docs pages">
        {site.data.title && <p className="docs-site-title">{site.data.title}</p>}
        <NavList items={site.data.nav} pagePath={pagePath} current={page} />
      </nav>
      <div className="docs-main">
        {site.data.problems.length > 0 && <Problems problems={site.data.problems} />}
        {page ? <Page base={base} path={page} /> : <p className="muted">This entity's docs have no pages.</p>}
      </div>
    </div>
  );
}

function NavList({
  items,
  pagePath,
  current,
}: {
  items: NavItem[];
  pagePath: string;
  current?: string | undefined;
}) {
  return (
    <ul>
      {items.map((item, i) => {
        const href = item.url ? safeHref(item.url) : undefined;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: nav entries may repeat titles; order is their identity
          <li key={i}>
            {item.page !== undefined ? (
              <Link
                to={`${pagePath}/${item.page.split('/').map(encodeURIComponent).join('/')}`}
                aria-current={item.page === current ? 'page' : undefined}
              >
                {item.title}
              </Link>
            ) : href ? (
              <a href={href} rel="noopener noreferrer" target="_blank">
                {item.title}
              </a>
            ) : (
              <span className="docs-section">{item.title}</span>
            )}
            {item.children && <NavList items={item.children} pagePath={pagePath} current={current} />}
          </li>
        );
      })}
    </ul>
  );
}

function Problems({ problems }: { problems: DocsProblem[] }) {
  return (
    <ul className="problems">
      {problems.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity of their own
        <li key={i} className={p.severity === 'error' ? 'bad' : 'warn'}>
          <code>
            {p.file}
            {p.line ? `:${p.line}` : ''}
          </code>{' '}
          {p.message}
        </li>
      ))}
    </ul>
  );
}

function Page({ base, path }: { base: string; path: string }) {
  const url = `${base}/docs/pages/${path.split('/').map(encodeURIComponent).join('/')}`;
  const query = useQuery({ queryKey: ['docs-page', url], queryFn: () => api<DocsPage>(url) });
  const navigate = useNavigate();
  const location = useLocation();
  const ref = useRef<HTMLDivElement>(null);
  const html = query.data?.html;
  useEffect(() => {
    if (html === undefined) return;
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    if (target) target.scrollIntoView();
  }, [html, location.hash]);
  if (query.error) return <ErrorNote error={query.error} what={`Loading the docs page ${path}`} />;
  const p = query.data;
  if (!p) return <p className="muted">Loading…</p>;
  if (p.problem || p.html === undefined) {
    return (
      <article className="docs-page">
        <h2>{p.title}</h2>
        <p>This page could not be shown.</p>
        {p.problem && <Problems problems={[p.problem]} />}
      </article>
    );
  }
  // Links to other pages of the portal stay in the app instead of reloading it.
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const a = (event.target as HTMLElement).closest('a');
    const href = a?.getAttribute('href');
    if (
      !href ||
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey
    )
      return;
    if (href.startsWith('/catalog/')) {
      event.preventDefault();
      navigate(href);
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a delegated handler for the links inside; the links themselves are keyboard-reachable
    <div className="docs-page prose" ref={ref} onClick={onClick}>
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: rendered from Markdown and passed through an allow-list sanitiser on the server; the CSP forbids inline script besides */}
      <div dangerouslySetInnerHTML={{ __html: p.html }} />
    </div>
  );
}
