// Keeps the stored docs in step with the catalog: after each refresh every entity's docs files
// are read again (they change without their descriptor changing), and sites whose files changed
// are rendered and written again. The readers of the last refresh stay, to serve images.
import { posix } from 'node:path';
import type { CatalogRecord } from '@portolan/core/catalog/index';
import type { Database } from '../../db/database.ts';
import type { DocsPageRow, DocsSiteRow } from '../../db/tables.ts';
import type { BesideReader } from '../collect.ts';
import { readDocsHashes, writeDocs } from '../store/docs.ts';
import { type DocsLocation, docsLocation } from './location.ts';

const enc = encodeURIComponent;

/** URL paths of an entity's docs: the web app's tab, and the API's asset route. */
export function docsUrls(ref: string): { pageBase: string; assetBase: string } {
  const [kind = '', rest = ''] = ref.split(/:(.*)/s);
  const [namespace = '', name = ''] = rest.split(/\/(.*)/s);
  return {
    pageBase: `/catalog/${enc(kind)}/${enc(namespace)}/${enc(name)}/docs`,
    assetBase: `/api/catalog/entities/by-name/${enc(kind)}/${enc(namespace)}/${enc(name)}/docs/assets`,
  };
}

export interface DocsSource {
  reader: BesideReader;
  location: DocsLocation;
  /** Set once the site has been read. */
  docsDir?: string;
}

export class DocsIndex {
  #sources = new Map<string, DocsSource>();
  /** Per descriptor file: whether a mkdocs.yml sits beside it (asked once per refresh). */
  #beside = new Map<string, Promise<boolean>>();

  /** A file of an entity's docs folder (an image), read as the last refresh read the site. */
  async asset(ref: string, path: string): Promise<Buffer | undefined> {
    const source = this.#sources.get(ref);
    if (source?.docsDir === undefined) return undefined;
    const inside = posix.normalize(path);
    if (inside.startsWith('..') || posix.isAbsolute(inside)) return undefined;
    try {
      return await source.reader.readBytes(posix.join(source.location.root, source.docsDir, inside));
    } catch {
      return undefined;
    }
  }

  async update({
    db,
    records,
    beside,
  }: {
    db: Database;
    records: Map<string, CatalogRecord>;
    beside: Map<string, BesideReader>;
  }): Promise<string[]> {
    const sources = new Map<string, DocsSource>();
    this.#beside.clear();
    // The Markdown renderer is loaded when a site is first read, not at start.
    let loadSite: typeof import('./site.ts').loadSite | undefined;
    for (const [ref, record] of records) {
      const reader = beside.get(record.origin.file);
      if (!reader) continue;
      let location = docsLocation(record.entity);
      if (!location && ['Component', 'API', 'System', 'Domain', 'Resource'].includes(record.entity.kind)) {
        if (await this.#hasMkdocs(record.origin.file, reader)) location = { root: '.' };
      }
      if (location) sources.set(ref, { reader, location });
    }
    const stored = await readDocsHashes({ db });
    const sites: DocsSiteRow[] = [];
    const pages: DocsPageRow[] = [];
    for (const [ref, source] of sources) {
      const { reader, location } = source;
      loadSite ??= (await import('./site.ts')).loadSite;
      const loaded = await loadSite({
        reader,
        location,
        descriptorFile: records.get(ref)!.origin.file,
        ...docsUrls(ref),
      });
      source.docsDir = loaded.docsDir;
      if (stored.get(ref) === loaded.hash) continue;
      sites.push({ ref, hash: loaded.hash, site: JSON.stringify(loaded.site) });
      for (const { text, ...page } of loaded.pages)
        pages.push({ ref, path: page.path, title: page.title, page: JSON.stringify(page), text });
    }
    const deletes = [...stored.keys()].filter((ref) => !sources.has(ref));
    await writeDocs({ db, sites, pages, deletes });
    this.#sources = sources;
    return [...sites.map((s) => s.ref), ...deletes];
  }

  #hasMkdocs(file: string, reader: BesideReader): Promise<boolean> {
    let known = this.#beside.get(file);
    if (!known) {
      known = reader.read(posix.join('.', 'mkdocs.yml')).then(
        () => true,
        () => false,
      );
      this.#beside.set(file, known);
    }
    return known;
  }
}
