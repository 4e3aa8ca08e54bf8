import { describe, expect, it } from 'vitest';
import type { DefinitionView } from '../../src/apis/definition.ts';
import { MAX_SEARCH_TEXT, searchDocuments, searchWords } from '../../src/search/documents.ts';
import { highlightRanges, searchTerms, snippet } from '../../src/search/highlight.ts';

const marked = (h: { text: string; ranges: [number, number][] }) =>
  h.ranges.map(([s, e]) => h.text.slice(s, e));

describe('search terms and highlights', () => {
  it('splits a query into distinct lower-cased words, at most eight', () => {
    expect(searchTerms('  Pay  pay\tREFUND ')).toEqual(['pay', 'refund']);
    expect(searchTerms('a b c d e f g h i j')).toHaveLength(8);
    expect(searchTerms('')).toEqual([]);
  });

  it('marks every occurrence case-insensitively, merging overlaps', () => {
    expect(highlightRanges('Payment and PAY day', ['pay', 'payment'])).toEqual([
      [0, 7],
      [12, 15],
    ]);
    expect(highlightRanges('aaaa', ['aa', 'aaa'])).toEqual([[0, 4]]);
    // Terms are text, not patterns.
    expect(highlightRanges('a.b axb (x)', ['a.b', '(x)'])).toEqual([
      [0, 3],
      [8, 11],
    ]);
  });

  it('keeps offsets right around characters whose lower case is longer', () => {
    const text = 'İstanbul office pays';
    expect(marked({ text, ranges: highlightRanges(text, ['pays']) })).toEqual(['pays']);
  });

  it('cuts a window around the first match, at word boundaries, with ellipses', () => {
    const text = `${'lorem ipsum '.repeat(40)}the refund is paid ${'dolor sit '.repeat(40)}`;
    const s = snippet(text, ['refund'], 100);
    expect(s.text.startsWith('… ')).toBe(true);
    expect(s.text.endsWith(' …')).toBe(true);
    expect(s.text.length).toBeLessThan(130);
    expect(marked(s)).toEqual(['refund']);
    expect(snippet('short text', ['text'])).toEqual({ text: 'short text', ranges: [[6, 10]] });
    // Text is matched where words start, and marked there only.
    expect(snippet('context and text', ['text']).ranges).toEqual([[12, 16]]);
    expect(searchWords('Roll-out: état 2.5 OK')).toEqual(['roll', 'out', 'état', '2', '5', 'ok']);
    // Nothing matched (a term found in the title only): the start of the text.
    expect(snippet(text, ['absent'], 50).text.startsWith('lorem')).toBe(true);
  });
});

describe('search documents', () => {
  const entity = {
    ref: 'api:default/pets',
    kind: 'API',
    name: 'pets',
    title: 'Pet store',
    description: 'Sells pets',
    tags: ['animals'],
    owner: 'group:default/zoo',
    type: 'openapi',
  };
  const definition: DefinitionView = {
    type: 'openapi',
    format: 'openapi',
    source: '',
    problems: [],
    operations: [
      {
        method: 'GET',
        path: '/pets/{id}',
        summary: 'One pet',
        operationId: 'getPet',
        parameters: [],
        requestBody: [],
        responses: [],
      },
    ],
    channels: [
      { address: 'pets.sold', actions: ['send'], messages: [{ name: 'PetSold', summary: 'A sale' }] },
    ],
  };

  it('makes a row for the entity, each docs page and each operation and channel, with its facets', () => {
    const rows = searchDocuments({
      entity,
      definition,
      pages: [{ path: 'guide/feeding', title: 'Feeding', text: 'Twice a day.' }],
    });
    expect(rows.map((r) => [r.id, r.hit, r.title, r.target])).toEqual([
      ['api:default/pets', 'entity', 'Pet store', null],
      ['api:default/pets#docs:guide/feeding', 'docs', 'Feeding', 'guide/feeding'],
      ['api:default/pets#op:0', 'operation', 'GET /pets/{id}', 'GET /pets/{id}'],
      ['api:default/pets#channel:0', 'operation', 'SEND pets.sold', 'SEND pets.sold'],
    ]);
    expect(
      rows.every((r) => r.kind === 'api' && r.owner === 'group:default/zoo' && r.type === 'openapi'),
    ).toBe(true);
    expect(rows[0]!.text).toBe('Sells pets — animals');
    // The name, ref and operationId are found, though not shown as text.
    expect(rows[0]!.keys).toContain('pets api:default/pets');
    expect(rows[2]!.keys).toContain('getpet');
    expect(rows[3]!.text).toBe('PetSold — A sale');
  });

  it('keeps only the start of a very long page', () => {
    const [, page] = searchDocuments({
      entity,
      pages: [{ path: 'long', title: 'Long', text: 'x'.repeat(MAX_SEARCH_TEXT * 2) }],
    });
    expect(page!.text).toHaveLength(MAX_SEARCH_TEXT);
  });
});
