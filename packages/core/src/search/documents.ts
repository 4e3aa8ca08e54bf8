// What search finds, as rows of one index: an entity, a page of its docs, or an operation (or
// channel) of its API definition. Each row carries its entity's kind, owner and type, so every
// result can be narrowed by the same facets. Pure: the server reads the catalog and writes these.
import type { DefinitionView } from '../apis/definition.ts';

export const SEARCH_HITS = ['entity', 'docs', 'operation'] as const;
export type SearchHitKind = (typeof SEARCH_HITS)[number];

/** Text kept per row for matching and snippets; the rest of a long docs page is not searched. */
export const MAX_SEARCH_TEXT = 10_000;

/** Bumped whenever rows are built differently, so a portal rebuilds its index once at start. */
export const SEARCH_INDEX_VERSION = '3';

export interface SearchDocument {
  /** Unique per row: `<ref>` for the entity, `<ref>#docs:<path>`, `<ref>#op:<n>`. */
  id: string;
  ref: string;
  hit: SearchHitKind;
  /** The entity's kind, lower-cased; its owner ref and spec.type, when it has them. */
  kind: string;
  owner: string | null;
  type: string | null;
  /** What the result is called: the entity's title or name, the page title, `GET /pets`. */
  title: string;
  /** Where the result leads inside its entity: a docs page path, or the operation's title. */
  target: string | null;
  /** Plain text shown as a snippet: description and tags, the page's text, the summary. */
  text: string;
  /** Lower-cased title and the names that find it (entity name and ref, operationId): matched by substring. */
  keys: string;
  /** The text's words (see `searchWords`), space-separated: matched by word prefix. */
  words: string;
}

/** What the index needs of an entity (owner already a normalised ref). */
export interface SearchEntity {
  ref: string;
  kind: string;
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  tags: string[];
  owner: string | null;
  type: string | null;
}

export interface SearchDocsPage {
  path: string;
  title: string;
  text: string;
}

/**
 * The words of a text as search matches them: runs of letters and digits (any script),
 * lower-cased; everything else separates words. Both engines index exactly these.
 */
export function searchWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

const clip = (text: string) => (text.length > MAX_SEARCH_TEXT ? text.slice(0, MAX_SEARCH_TEXT) : text);
const oneLine = (...parts: (string | undefined)[]) =>
  parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .join(' — ')
    .replace(/\s+/g, ' ')
    .trim();

/** The index rows of one entity, its docs pages and its definition's operations and channels. */
export function searchDocuments({
  entity,
  definition,
  pages = [],
}: {
  entity: SearchEntity;
  definition?: DefinitionView | undefined;
  pages?: SearchDocsPage[];
}): SearchDocument[] {
  const base = { ref: entity.ref, kind: entity.kind.toLowerCase(), owner: entity.owner, type: entity.type };
  const row = (
    id: string,
    hit: SearchHitKind,
    title: string,
    target: string | null,
    text: string,
    extra = '',
  ): SearchDocument => {
    const clipped = clip(text);
    return {
      ...base,
      id,
      hit,
      title: title.slice(0, 500),
      target,
      text: clipped,
      keys: `${title}\n${extra}`.toLowerCase(),
      words: searchWords(clipped).join(' '),
    };
  };
  const out: SearchDocument[] = [
    row(
      entity.ref,
      'entity',
      entity.title ?? entity.name,
      null,
      oneLine(entity.description, entity.tags.length > 0 ? entity.tags.join(', ') : undefined),
      // The name and ref find an entity whose title says something else.
      `${entity.name} ${entity.ref}\n`,
    ),
  ];
  for (const page of pages)
    out.push(row(`${entity.ref}#docs:${page.path}`, 'docs', page.title, page.path, page.text));
  definition?.operations.forEach((op, i) => {
    const title = `${op.method} ${op.path}`;
    out.push(
      row(
        `${entity.ref}#op:${i}`,
        'operation',
        title,
        title,
        oneLine(op.summary, op.description),
        op.operationId ? `${op.operationId}\n` : '',
      ),
    );
  });
  definition?.channels.forEach((channel, i) => {
    const title = `${channel.actions.join('/').toUpperCase() || 'CHANNEL'} ${channel.address}`;
    const messages = channel.messages.map((m) => oneLine(m.name, m.title, m.summary)).filter(Boolean);
    out.push(
      row(`${entity.ref}#channel:${i}`, 'operation', title, title, oneLine(channel.description, ...messages)),
    );
  });
  return out;
}
