// An entity's documentation as the portal serves it: a site (navigation and problems) and its
// pages, rendered and sanitised on the server.

export interface NavItem {
  title: string;
  /** The page's path (relative to the docs folder, without `.md`); absent for a section. */
  page?: string;
  /** An external link from the nav (http/https only). */
  url?: string;
  children?: NavItem[];
}

export interface DocsProblem {
  severity: 'error' | 'warning';
  /** The file, relative to the catalog root (or repository), as the user finds it. */
  file: string;
  line?: number;
  message: string;
}

export interface DocsSite {
  /** The site's name (mkdocs.yml site_name), if any. */
  title?: string;
  nav: NavItem[];
  /** Every page path, in nav order first. */
  pages: string[];
  problems: DocsProblem[];
}

export interface DocsPage {
  path: string;
  title: string;
  /** Sanitised HTML; absent when the page could not be rendered (see problem). */
  html?: string;
  problem?: DocsProblem;
}

/** A page path from a Markdown file path: `guide/setup.md` -> `guide/setup`. */
export function pagePathOf(file: string): string {
  return file.replace(/\.md$/i, '');
}
