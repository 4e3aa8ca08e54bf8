import { createRandom, type Random } from '@portolan/sim/random';
import { describe, expect, it } from 'vitest';
import { applyPatch, diffJson, type Json } from '../../src/json/patch.ts';

// RFC 6902 Appendix A (A.1 to A.5, A.16) and RFC 6901 section 5's escaped keys: the operations
// the stream uses, applied as the RFC shows them.
describe('applyPatch follows RFC 6902 for add, remove and replace', () => {
  const cases: [string, Json, Parameters<typeof applyPatch>[1], Json][] = [
    [
      'A.1 add an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'A.2 add an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'A.3 remove an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'A.4 remove an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'A.5 replace a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'A.16 add an array value',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
    [
      'RFC 6901 escapes',
      { 'a/b': 1, 'm~n': 2 },
      [
        { op: 'replace', path: '/a~1b', value: 3 },
        { op: 'replace', path: '/m~0n', value: 4 },
      ],
      { 'a/b': 3, 'm~n': 4 },
    ],
    ['the whole document', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
  ];
  for (const [name, doc, patch, expected] of cases) {
    it(name, () => {
      const before = structuredClone(doc);
      expect(applyPatch(doc, patch)).toEqual(expected);
      expect(doc, 'the input is not changed').toEqual(before);
    });
  }

  it('refuses operations that do not fit the document (A.12 and friends)', () => {
    expect(() => applyPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }])).toThrow(
      /no member/,
    );
    expect(() => applyPatch({ foo: [1] }, [{ op: 'replace', path: '/foo/1', value: 2 }])).toThrow(
      /out of bounds/,
    );
    expect(() => applyPatch({ foo: [1] }, [{ op: 'replace', path: '/foo/01', value: 2 }])).toThrow(/index/);
    expect(() => applyPatch({ a: 1 }, [{ op: 'remove', path: '/b' }])).toThrow(/no member/);
    expect(() => applyPatch({ a: 1 }, [{ op: 'replace', path: 'a', value: 2 }])).toThrow(/start with/);
  });
});

describe('diffJson', () => {
  it('is empty for equal documents, and names only what changed', () => {
    const doc = { a: { b: [1, 2, { c: 'x' }] }, d: null };
    expect(diffJson(doc, structuredClone(doc))).toEqual([]);
    const after = structuredClone(doc);
    (after.a.b[2] as { c: string }).c = 'y';
    expect(diffJson(doc, after)).toEqual([{ op: 'replace', path: '/a/b/2/c', value: 'y' }]);
  });

  it('adds and removes object members, escapes keys, and replaces an array whose length changed', () => {
    const keep = 'unchanged '.repeat(30);
    expect(
      diffJson({ keep, 'x/y': 1, gone: true, list: [1, 2] }, { keep, 'x/y': 2, 'new~': 'n', list: [1] }),
    ).toEqual([
      { op: 'remove', path: '/gone' },
      { op: 'replace', path: '/x~1y', value: 2 },
      { op: 'add', path: '/new~0', value: 'n' },
      { op: 'replace', path: '/list', value: [1] },
    ]);
  });

  it('replaces a value whole when listing its changes would take more bytes', () => {
    const before = { pod: { a: 1, b: 2, c: 3, d: 4 } };
    const after = { pod: { a: 5, b: 6, c: 7, d: 8 } };
    expect(diffJson(before, after)).toEqual([{ op: 'replace', path: '/pod', value: after.pod }]);
  });

  it('treats undefined members as absent, as JSON does', () => {
    const before = { a: 1, b: undefined } as unknown as Json;
    expect(diffJson(before, { a: 1 })).toEqual([]);
    expect(diffJson({ a: 1 }, { a: 1, b: undefined } as unknown as Json)).toEqual([]);
  });
});

// Property: over random documents and random sequences of edits to them (as a live view changes),
// applying each diff to the previous result reproduces every document exactly.
function randomValue(r: Random, depth: number): Json {
  const k = r.int(0, depth > 0 ? 6 : 3);
  if (k === 0) return null;
  if (k === 1) return r.chance(0.5);
  if (k === 2) return r.int(-5, 1000) / (r.chance(0.2) ? 4 : 1);
  if (k === 3) return r.pick(['', 'a', 'b/c', 'd~e', 'long text '.repeat(r.int(1, 4))]);
  if (k === 4) return Array.from({ length: r.int(0, 4) }, () => randomValue(r, depth - 1));
  const o: { [key: string]: Json } = {};
  for (let i = r.int(0, 5); i > 0; i--)
    o[r.pick(['a', 'b', 'c', 'x/y', 'm~n', 'pods', '0', ''])] = randomValue(r, depth - 1);
  return o;
}

function mutate(r: Random, v: Json, depth: number): Json {
  if (r.chance(0.15) || depth === 0) return r.chance(0.5) ? randomValue(r, 2) : v;
  if (Array.isArray(v)) {
    const copy = v.map((x) => (r.chance(0.3) ? mutate(r, x, depth - 1) : x));
    if (r.chance(0.2)) copy.push(randomValue(r, 2));
    if (r.chance(0.1)) copy.shift();
    return copy;
  }
  if (v !== null && typeof v === 'object') {
    const copy: { [key: string]: Json } = {};
    for (const [key, x] of Object.entries(v)) {
      if (r.chance(0.1)) continue;
      copy[key] = r.chance(0.4) ? mutate(r, x, depth - 1) : x;
    }
    if (r.chance(0.2)) copy[r.pick(['a', 'new', 'x/y', 'm~n'])] = randomValue(r, 2);
    return copy;
  }
  return r.chance(0.5) ? randomValue(r, 1) : v;
}

describe('diffJson then applyPatch (property)', () => {
  it('reproduces every document of 300 random edit sequences', () => {
    let ops = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = createRandom(seed);
      let doc = randomValue(r, 5);
      let mirror = structuredClone(doc);
      for (let step = 0; step < 20; step++) {
        const next = mutate(r, doc, 5);
        const patch = diffJson(doc, next);
        ops += patch.length;
        // Sent over the wire: the patch survives a JSON round trip.
        mirror = applyPatch(mirror, JSON.parse(JSON.stringify(patch)));
        expect(mirror, `seed ${seed} step ${step}`).toEqual(next);
        doc = next;
      }
    }
    expect(ops).toBeGreaterThan(1000);
  });
});
