// Search terms and where they occur in a result's text. Highlights are character ranges over
// plain text, never markup: the web app wraps them in <mark> elements it creates itself, so
// nothing from a descriptor or a docs page is ever read as HTML.

/** At most this many terms of a query are used; the rest are ignored. */
export const MAX_TERMS = 8;

/** The words of a query, lower-cased, de-duplicated, in order. */
export function searchTerms(q: string): string[] {
  return [...new Set(q.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, MAX_TERMS);
}

export interface Highlighted {
  text: string;
  /** [start, end) offsets into text, sorted, not overlapping. */
  ranges: [number, number][];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every occurrence of any term in text, case-insensitively, merged where they overlap. With
 * `wordStart`, only occurrences that begin a word (not after a letter or digit), as text is
 * matched.
 */
export function highlightRanges(
  text: string,
  terms: string[],
  { wordStart = false }: { wordStart?: boolean } = {},
): [number, number][] {
  if (terms.length === 0 || text === '') return [];
  const found: [number, number][] = [];
  for (const term of terms) {
    const pattern = new RegExp(`${wordStart ? '(?<![\\p{L}\\p{N}])' : ''}${escapeRegExp(term)}`, 'giu');
    // Every occurrence, overlapping ones too ("aa" twice in "aaa"); offsets are the text's own,
    // whatever lower-casing would do to its length.
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      if (m[0].length === 0) break;
      found.push([m.index, m.index + m[0].length]);
      pattern.lastIndex = m.index + 1;
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of found) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

/** The whole text with its matches (titles). */
export function highlight(text: string, terms: string[]): Highlighted {
  return { text, ranges: highlightRanges(text, terms) };
}

/**
 * A window of about `width` characters around the first match where a word starts (the start of the text when
 * nothing matches), cut at word boundaries and marked with ellipses where it was cut.
 */
export function snippet(text: string, terms: string[], width = 200): Highlighted {
  const all = highlightRanges(text, terms, { wordStart: true });
  if (text.length <= width) return { text, ranges: all };
  const first = all[0]?.[0] ?? 0;
  let start = Math.max(0, first - Math.floor(width / 3));
  if (start > 0) {
    const space = text.lastIndexOf(' ', start);
    start = space > start - 20 && space >= 0 ? space + 1 : start;
  }
  let end = Math.min(text.length, start + width);
  if (end < text.length) {
    const space = text.indexOf(' ', end);
    end = space >= 0 && space < end + 20 ? space : end;
  }
  const prefix = start > 0 ? '… ' : '';
  const suffix = end < text.length ? ' …' : '';
  const shift = prefix.length - start;
  const ranges = all
    .filter(([s, e]) => e > start && s < end)
    .map(([s, e]): [number, number] => [Math.max(s, start) + shift, Math.min(e, end) + shift]);
  return { text: `${prefix}${text.slice(start, end)}${suffix}`, ranges };
}
