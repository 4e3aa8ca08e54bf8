import { describe, expect, it } from 'vitest';
import {
  filterToPredicate,
  MAX_PREDICATE_NODES,
  matchesPredicate,
  parsePredicate,
} from '../../src/catalog/backstage/index.ts';

const rows = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, new Set(v)]));

describe('filter predicates', () => {
  it('parses keys and values to lower case, numbers and booleans as their text', () => {
    expect(parsePredicate({ Kind: 'Component', 'spec.replicas': 3, 'spec.public': true })).toEqual({
      all: [
        { key: 'kind', values: ['component'] },
        { key: 'spec.replicas', values: ['3'] },
        { key: 'spec.public', values: ['true'] },
      ],
    });
  });

  it('reads $contains as the rows a list or a relation leaves', () => {
    expect(parsePredicate({ 'metadata.tags': { $contains: 'Java' } })).toEqual({
      key: 'metadata.tags',
      values: ['java'],
    });
    expect(
      parsePredicate({ relations: { $contains: { type: 'ownedBy', targetRef: 'group:default/A' } } }),
    ).toEqual({ key: 'relations.ownedby', values: ['group:default/a'] });
    expect(() => parsePredicate({ 'spec.ports': { $contains: { port: 80 } } })).toThrow(
      /\$contains takes a string/,
    );
  });

  it('matches rows as the store does: $exists false and $not see a missing key', () => {
    const entity = rows({ kind: ['component'], 'metadata.tags': ['java', 'go'], 'spec.owner': ['team-a'] });
    const yes = [
      { kind: 'component' },
      { 'metadata.tags': { $contains: 'go' } },
      { 'spec.system': { $exists: false } },
      { 'spec.owner': { $hasPrefix: 'TEAM-' } },
      { $not: { kind: 'api' } },
      { $all: [] },
    ];
    const no = [
      { kind: 'api' },
      { 'spec.system': { $exists: true } },
      { $any: [] },
      { 'spec.owner': { $in: [] } },
    ];
    for (const p of yes) expect(matchesPredicate(parsePredicate(p), entity), JSON.stringify(p)).toBe(true);
    for (const p of no) expect(matchesPredicate(parsePredicate(p), entity), JSON.stringify(p)).toBe(false);
  });

  it('turns filter= parameters into the same predicate shape', () => {
    expect(
      filterToPredicate([
        [
          { key: 'kind', values: ['user'] },
          { key: 'spec.profile', exists: true },
        ],
      ]),
    ).toEqual({
      any: [
        {
          all: [
            { key: 'kind', values: ['user'] },
            { key: 'spec.profile', exists: true },
          ],
        },
      ],
    });
  });

  it('bounds the size of a query', () => {
    const wide = { $any: Array.from({ length: MAX_PREDICATE_NODES + 1 }, (_, i) => ({ kind: `k${i}` })) };
    expect(() => parsePredicate(wide)).toThrow(/too large/);
    const many = { kind: { $in: Array.from({ length: MAX_PREDICATE_NODES + 1 }, (_, i) => `k${i}`) } };
    expect(() => parsePredicate(many)).toThrow(/too large/);
  });
});
