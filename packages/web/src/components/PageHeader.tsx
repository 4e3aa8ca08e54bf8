import { type ReactNode, useEffect } from 'react';
import { Link } from 'react-router';

export interface Crumb {
  label: string;
  to?: string;
}

/** Every page's title (the tab's too) and the way back up: breadcrumbs, then the heading. */
export function PageHeader({
  title,
  crumbs = [],
  kicker,
  children,
}: {
  title: string;
  crumbs?: Crumb[];
  /** A short line above the heading: kind, type, lifecycle. */
  kicker?: ReactNode;
  children?: ReactNode;
}) {
  useDocumentTitle(title);
  return (
    <header className="page-header">
      {crumbs.length > 0 && (
        <nav aria-label="Breadcrumbs" className="crumbs">
          <ol>
            {crumbs.map((c) => (
              <li key={`${c.label}/${c.to ?? ''}`}>{c.to ? <Link to={c.to}>{c.label}</Link> : c.label}</li>
            ))}
            <li aria-current="page">{title}</li>
          </ol>
        </nav>
      )}
      {kicker && <p className="muted kicker">{kicker}</p>}
      <h1>{title}</h1>
      {children}
    </header>
  );
}

export function useDocumentTitle(title: string) {
  useEffect(() => {
    const appTitle = document.body.dataset.appTitle ?? 'Portolan';
    document.title = `${title} · ${appTitle}`;
  }, [title]);
}
