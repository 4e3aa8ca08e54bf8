// Vectors marked "Backstage" are carried over from Backstage's catalog backend tests
// (backstage/backstage, plugins/catalog-backend/src/database/operations/stitcher/
// buildEntitySearch.test.ts and src/service/request/parseEntityFilterParams.test.ts, v1.x).
import { describe, expect, it } from 'vitest';
import {
  entitySearchRows,
  flattenLeaves,
  leavesToRows,
  parseFieldsParams,
  parseFilterParams,
  parseFilterString,
  parseOrderFieldParams,
  parseOrderParams,
  pickFields,
} from '../../src/catalog/backstage/index.ts';

describe('search rows (Backstage vectors)', () => {
  it('expands lists of strings to one row per item plus a key per item', () => {
    expect(flattenLeaves({ a: ['b', 'c'] })).toEqual([
      { key: 'a', value: 'b' },
      { key: 'a.b', value: true },
      { key: 'a', value: 'c' },
      { key: 'a.c', value: true },
    ]);
  });
  it('expands objects and lists of objects', () => {
    expect(flattenLeaves({ a: { b: { c: 'd' }, e: 'f' } })).toEqual([
      { key: 'a.b.c', value: 'd' },
      { key: 'a.e', value: 'f' },
    ]);
    expect(flattenLeaves({ root: { list: [{ a: 1 }, { a: 2 }] } })).toEqual([
      { key: 'root.list.a', value: 1 },
      { key: 'root.list.a', value: 2 },
    ]);
  });
  it('skips computed keys', () => {
    const input = {
      status: { x: 1 },
      attachments: [{ y: 2 }],
      relations: [{ z: 3 }],
      a: 'a',
      metadata: { b: 'b', name: 'name', namespace: 'namespace', uid: 'uid', etag: 'etag', c: 'c' },
      d: 'd',
    };
    expect(flattenLeaves(input)).toEqual([
      { key: 'a', value: 'a' },
      { key: 'metadata.b', value: 'b' },
      { key: 'metadata.c', value: 'c' },
      { key: 'd', value: 'd' },
    ]);
  });
  it('turns scalars into lower-cased strings, keeps the original, drops oversized keys and values', () => {
    expect(
      leavesToRows([
        { key: 'a', value: true },
        { key: 'c', value: 7 },
        { key: 'fOo', value: 'BaR' },
        { key: 'e', value: null },
        { key: 'x'.repeat(10000), value: 'v' },
        { key: 'big', value: 'a'.repeat(10000) },
      ]),
    ).toEqual([
      { key: 'a', value: 'true', original: 'true' },
      { key: 'c', value: '7', original: '7' },
      { key: 'foo', value: 'bar', original: 'BaR' },
      { key: 'e', value: null, original: null },
      { key: 'big', value: null, original: null },
    ]);
  });
  it('adds name, namespace (and "default" when missing), uid and relations', () => {
    const rows = entitySearchRows({
      apiVersion: 'a',
      kind: 'b',
      metadata: { name: 'n' },
      relations: [
        { type: 't1', targetRef: 'k:ns/a' },
        { type: 't2', targetRef: 'k:ns/b' },
      ],
    });
    expect(rows.map((r) => [r.key, r.value])).toEqual([
      ['apiversion', 'a'],
      ['kind', 'b'],
      ['metadata.name', 'n'],
      ['metadata.namespace', null],
      ['metadata.uid', null],
      ['metadata.namespace', 'default'],
      ['relations.t1', 'k:ns/a'],
      ['relations.t2', 'k:ns/b'],
    ]);
  });
  it('keeps one spelling of keys that differ only in case, and each (key, value) once', () => {
    const rows = entitySearchRows({
      kind: 'Component',
      metadata: { name: 'n', namespace: 'default', tags: ['java', 'java'] },
      spec: { owner: 'o', OWNER: 'p' },
    });
    expect(rows.filter((r) => r.key === 'spec.owner')).toEqual([
      { key: 'spec.owner', value: 'o', original: 'o' },
    ]);
    expect(rows.filter((r) => r.key.startsWith('metadata.tags'))).toHaveLength(2);
  });
});

describe('filter, fields and order parameters', () => {
  it('ORs filters and ANDs statements, merging repeated keys (Backstage vectors)', () => {
    expect(parseFilterParams(undefined)).toBeUndefined();
    expect(parseFilterParams(['a=1'])).toEqual([[{ key: 'a', values: ['1'] }]]);
    expect(parseFilterParams(['a=1', 'b=2,b=3,c=4'])).toEqual([
      [{ key: 'a', values: ['1'] }],
      [
        { key: 'b', values: ['2', '3'] },
        { key: 'c', values: ['4'] },
      ],
    ]);
    expect(parseFilterString('')).toBeUndefined();
    expect(parseFilterString(' a = 1 , b = 2 , a = 3 ')).toEqual([
      { key: 'a', values: ['1', '3'] },
      { key: 'b', values: ['2'] },
    ]);
  });
  it('reads a key alone as "has a value", and lower-cases keys and values', () => {
    expect(parseFilterString('Metadata.Annotations.X,Kind=Component')).toEqual([
      { key: 'metadata.annotations.x', exists: true },
      { key: 'kind', values: ['component'] },
    ]);
  });
  it('rejects statements without a key (Backstage vectors)', () => {
    for (const bad of ['x=2,=a', 'x=2,=']) {
      expect(() => parseFilterString(bad)).toThrow(
        `Invalid filter, '${bad.split(',')[1]}' is not a valid statement`,
      );
    }
  });
  it('parses fields and both order notations', () => {
    expect(parseFieldsParams(['kind,metadata.name', 'spec'])).toEqual(['kind', 'metadata.name', 'spec']);
    expect(parseFieldsParams([])).toBeUndefined();
    expect(parseOrderParams(['asc:metadata.name', 'desc:spec.type'])).toEqual([
      { order: 'asc', field: 'metadata.name' },
      { order: 'desc', field: 'spec.type' },
    ]);
    expect(parseOrderFieldParams(['metadata.name,desc', 'kind'])).toEqual([
      { field: 'metadata.name', order: 'desc' },
      { field: 'kind', order: 'asc' },
    ]);
    expect(() => parseOrderParams(['metadata.name'])).toThrow(/asc:field/);
    expect(() => parseOrderFieldParams(['metadata.name,up'])).toThrow(/asc or desc/);
  });
  it('picks dotted paths whole, ignoring paths that lead nowhere', () => {
    const entity = { kind: 'Component', metadata: { name: 'a', tags: ['x'] }, spec: { type: 'service' } };
    expect(pickFields(entity, ['kind', 'metadata.name', 'spec.nothing', 'metadata.name.deeper'])).toEqual({
      kind: 'Component',
      metadata: { name: 'a' },
    });
    expect(pickFields(entity, ['metadata'])).toEqual({ metadata: { name: 'a', tags: ['x'] } });
  });
});
