// Finds an entity's docs (Backstage's `backstage.io/techdocs-ref: dir:<path>`, or a mkdocs.yml
// beside the descriptor) and reads them as MkDocs would: mkdocs.yml's site_name, docs_dir and
// nav, or, without a nav, every Markdown file with index.md first. Every problem is located on
// its file; one broken page never hides the others.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import {
  type DocsPage,
  type DocsProblem,
  type DocsSite,
  type NavItem,
  pagePathOf,
} from '@portolan/core/docs/site';
import { parseDocument } from 'yaml';
import type { BesideReader } from '../collect.ts';
import { sanitizeDocHtml } from './html.ts';
import type { DocsLocation } from './location.ts';

const MAX_PAGES = 2000;

import { renderMarkdown } from './render.ts';

export interface LoadedPage extends DocsPage {
  /** Plain text of the page, for search. */
  text: string;
}

export interface LoadedSite {
  site: DocsSite;
  pages: LoadedPage[];
  /** Over every file read: an unchanged site is not rendered or written again. */
  hash: string;
  /** The Markdown folder (mkdocs.yml docs_dir), relative to the docs project folder. */
  docsDir: string;
}

export interface LoadOptions {
  reader: BesideReader;
  location: DocsLocation;
  /** The descriptor's file id, to name files in problems. */
  descriptorFile: string;
  pageBase: string;
  assetBase: string;
}

export async function loadSite({
  reader,
  location,
  descriptorFile,
  pageBase,
  assetBase,
}: LoadOptions): Promise<LoadedSite> {
  const hash = createHash('sha256');
  const here = posix.dirname(descriptorFile);
  const label = (rel: string) => posix.normalize(posix.join(here, location.root, rel));
  const problems: DocsProblem[] = [];
  if (location.problem) problems.push({ severity: 'error', file: descriptorFile, message: location.problem });
  const at = (rel: string) => posix.join(location.root, rel);

  let config: Record<string, unknown> = {};
  let configText: string | undefined;
  for (const name of ['mkdocs.yml', 'mkdocs.yaml']) {
    try {
      configText = await reader.read(at(name));
    } catch {
      continue;
    }
    hash.update(configText);
    // MkDocs configs use Python tags (!!python/name:...); they are kept as plain values.
    const doc = parseDocument(configText, { strict: false });
    const error = doc.errors[0];
    if (error) {
      problems.push({
        severity: 'error',
        file: label(name),
        line: error.linePos?.[0]?.line ?? 1,
        message: error.message.split('\n')[0]!,
      });
    } else {
      const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value))
        config = value as Record<string, unknown>;
    }
    break;
  }
  const docsDir = typeof config.docs_dir === 'string' ? config.docs_dir : 'docs';
  let files: string[] = [];
  try {
    files = (await reader.list(at(docsDir))).filter((f) => /\.md$/i.test(f)).slice(0, MAX_PAGES);
  } catch (error) {
    problems.push({
      severity: 'error',
      file: label(docsDir),
      message:
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'the docs folder does not exist'
          : (error as Error).message.split('\n')[0]!,
    });
  }
  if (configText === undefined && files.length === 0 && problems.length === 0) {
    problems.push({
      severity: 'error',
      file: label('mkdocs.yml'),
      message: 'no mkdocs.yml and no Markdown pages',
    });
  }
  const known = new Set(files);
  const nav =
    config.nav === undefined
      ? defaultNav(files)
      : readNav(config.nav, known, label(configText ? 'mkdocs.yml' : ''), problems);
  const ordered = [...new Set([...navPages(nav), ...files.map(pagePathOf)])];

  const pages: LoadedPage[] = [];
  for (const path of ordered) {
    const file = `${path}.md`;
    const fileLabel = label(posix.join(docsDir, file));
    let source: string;
    try {
      source = await reader.read(at(posix.join(docsDir, file)));
    } catch (error) {
      const message =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'the page does not exist'
          : (error as Error).message.split('\n')[0]!;
      const problem: DocsProblem = { severity: 'error', file: fileLabel, message };
      problems.push(problem);
      pages.push({ path, title: titleOf(nav, path) ?? path, problem, text: '' });
      hash.update(`\0${path}\0!`);
      continue;
    }
    hash.update(`\0${path}\0${source}`);
    try {
      const rendered = renderMarkdown(source, { file, pageBase, assetBase });
      const title = titleOf(nav, path) ?? rendered.title ?? posix.basename(path);
      pages.push({ path, title, html: rendered.html, text: plainText(rendered.html) });
    } catch (error) {
      const problem: DocsProblem = {
        severity: 'error',
        file: fileLabel,
        message: `cannot be rendered: ${(error as Error).message.split('\n')[0]}`,
      };
      problems.push(problem);
      pages.push({ path, title: path, problem, text: '' });
    }
  }
  const site: DocsSite = { nav, pages: pages.map((p) => p.path), problems };
  if (typeof config.site_name === 'string') site.title = config.site_name;
  return { site, pages, docsDir, hash: hash.update(pageBase).digest('hex').slice(0, 32) };
}

function defaultNav(files: string[]): NavItem[] {
  const sorted = [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return sorted.map((f) => ({ title: humanise(pagePathOf(f)), page: pagePathOf(f) }));
}
const rank = (f: string) => (/^(index|readme)\.md$/i.test(f) ? 0 : f.includes('/') ? 2 : 1);
const humanise = (path: string): string => {
  const base = posix.basename(path);
  if (/^(index|readme)$/i.test(base)) return path.includes('/') ? humanise(posix.dirname(path)) : 'Home';
  const words = base.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** MkDocs nav: `- page.md`, `- Title: page.md`, `- Title: https://...`, `- Section: [ ... ]`. */
function readNav(value: unknown, known: Set<string>, file: string, problems: DocsProblem[]): NavItem[] {
  if (!Array.isArray(value)) {
    problems.push({ severity: 'error', file, message: 'nav is not a list' });
    return [];
  }
  const items: NavItem[] = [];
  for (const entry of value) {
    let title: string | undefined;
    let target: unknown = entry;
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      const [pair] = Object.entries(entry);
      if (!pair) continue;
      [title, target] = pair;
    }
    if (Array.isArray(target)) {
      items.push({ title: title ?? 'Section', children: readNav(target, known, file, problems) });
    } else if (typeof target === 'string') {
      if (/^https?:\/\//i.test(target)) items.push({ title: title ?? target, url: target });
      else if (/^[a-z][a-z0-9+.-]*:/i.test(target))
        problems.push({ severity: 'warning', file, message: `nav link ${target} is not http(s); left out` });
      else {
        const normalized = posix.normalize(target);
        if (!known.has(normalized))
          problems.push({
            severity: 'error',
            file,
            message: `nav names ${target}, which is not in the docs folder`,
          });
        items.push({ title: title ?? humanise(pagePathOf(normalized)), page: pagePathOf(normalized) });
      }
    }
  }
  return items;
}

function navPages(nav: NavItem[]): string[] {
  return nav.flatMap((n) => [...(n.page ? [n.page] : []), ...navPages(n.children ?? [])]);
}

function titleOf(nav: NavItem[], page: string): string | undefined {
  for (const n of nav) {
    if (n.page === page) return n.title;
    const inner = titleOf(n.children ?? [], page);
    if (inner) return inner;
  }
  return undefined;
}

/** The words of sanitised HTML, for search. */
export function plainText(html: string): string {
  return sanitizeDocHtml(html)
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
