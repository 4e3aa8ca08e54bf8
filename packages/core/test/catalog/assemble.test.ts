import { describe, expect, it } from 'vitest';
import { assembleCatalog, type CatalogRecord, parseDescriptorFile } from '../../src/catalog/index.ts';

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec: ${spec}\n`;
const team = doc('Group', 'payments', '{ type: team, children: [] }');
const checkout = doc('Component', 'checkout', '{ type: service, lifecycle: production, owner: payments }');

const file = (location: string, name: string, text: string) => ({
  location,
  parsed: parseDescriptorFile(name, text),
});
const keepNothing = () => 'delete' as const;

function previousOf(records: Map<string, CatalogRecord>) {
  return new Map([...records].map(([ref, r]) => [ref, { entity: r.entity, origin: r.origin }]));
}

describe('assembleCatalog', () => {
  const first = assembleCatalog({
    files: [file('loc-a', 'a.yaml', `${team}---\n${checkout}`)],
    unreadable: [],
    previous: new Map(),
    orphanStrategy: keepNothing,
  });

  it('records where each entity came from, with relations', () => {
    const record = first.records.get('component:default/checkout')!;
    expect(record.origin).toEqual({ location: 'loc-a', file: 'a.yaml', line: 7 });
    expect(record.relations).toEqual([{ type: 'ownedBy', targetRef: 'group:default/payments' }]);
    expect(record.problems).toEqual([]);
  });

  it('keeps the first definition of a ref and reports the conflict on both sides', () => {
    const result = assembleCatalog({
      files: [
        file('loc-a', 'a.yaml', checkout),
        file('loc-b', 'b.yaml', checkout.replace('production', 'experimental')),
      ],
      unreadable: [],
      previous: new Map(),
      orphanStrategy: keepNothing,
    });
    const kept = result.records.get('component:default/checkout')!;
    expect(kept.origin.file).toBe('a.yaml');
    expect(kept.entity.spec?.lifecycle).toBe('production');
    expect(kept.problems.map((p) => p.message)).toContainEqual(
      expect.stringContaining('also defined in b.yaml:1'),
    );
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        file: 'b.yaml',
        message: expect.stringContaining('already defined in a.yaml:1'),
      }),
    );
  });

  it('keeps the last good version when the file no longer parses', () => {
    const result = assembleCatalog({
      files: [file('loc-a', 'a.yaml', `${team}---\nkind: [oops`)],
      unreadable: [],
      previous: previousOf(first.records),
      orphanStrategy: keepNothing,
    });
    expect([...result.records.keys()].sort()).toEqual([
      'component:default/checkout',
      'group:default/payments',
    ]);
    const record = result.records.get('group:default/payments')!;
    expect(record.problems[0]!.message).toMatch(/cannot be read right now .*showing the last good version/);
    expect(result.problems[0]!.message).toMatch(/^YAML: /);
  });

  it('keeps the last good version of a document that became invalid', () => {
    const result = assembleCatalog({
      files: [file('loc-a', 'a.yaml', `${team}---\n${checkout.replace('owner: payments', 'owner: ""')}`)],
      unreadable: [],
      previous: previousOf(first.records),
      orphanStrategy: keepNothing,
    });
    const record = result.records.get('component:default/checkout')!;
    expect(record.entity.spec?.owner).toBe('payments');
    expect(record.problems.map((p) => p.message)).toEqual([
      'spec.owner: must not be empty',
      'the descriptor is invalid; showing the last good version',
    ]);
  });

  it('keeps entities of an unreadable file', () => {
    const result = assembleCatalog({
      files: [],
      unreadable: [{ location: 'loc-a', file: 'a.yaml', message: 'permission denied' }],
      previous: previousOf(first.records),
      orphanStrategy: keepNothing,
    });
    expect(result.records.size).toBe(2);
  });

  it('removes entities no longer emitted, or keeps them as orphans when the location says so', () => {
    const input = {
      files: [file('loc-a', 'a.yaml', team)],
      unreadable: [],
      previous: previousOf(first.records),
    };
    const removed = assembleCatalog({ ...input, orphanStrategy: keepNothing });
    expect([...removed.records.keys()]).toEqual(['group:default/payments']);
    const kept = assembleCatalog({ ...input, orphanStrategy: () => 'keep' });
    expect(kept.records.get('component:default/checkout')).toMatchObject({ status: 'orphan' });
    expect(kept.records.get('group:default/payments')).toMatchObject({ status: 'ok' });
  });

  it('reports an invalid document without a previous version against its file', () => {
    const result = assembleCatalog({
      files: [file('loc-a', 'a.yaml', checkout.replace('lifecycle: production, ', ''))],
      unreadable: [],
      previous: new Map(),
      orphanStrategy: keepNothing,
    });
    expect(result.records.size).toBe(0);
    expect(result.problems).toEqual([
      expect.objectContaining({ file: 'a.yaml', line: 5, message: 'spec.lifecycle: is required' }),
    ]);
  });

  it('reports a conflict and a dangling owner from independent sources once each, located, keeping the first', () => {
    const ghost = checkout.replace('owner: payments', 'owner: ghost');
    const result = assembleCatalog({
      files: [
        file('git:repo', 'svc.yaml', ghost),
        file('dir:services', 'copy.yaml', ghost),
        file('file:org', 'org.yaml', team),
      ],
      unreadable: [],
      previous: new Map(),
      orphanStrategy: keepNothing,
    });
    const record = result.records.get('component:default/checkout')!;
    expect(record.origin).toEqual({ location: 'git:repo', file: 'svc.yaml', line: 1 });
    expect(record.problems.filter((p) => !p.conflict)).toEqual([
      {
        severity: 'warning',
        message: 'spec.owner: group:default/ghost does not exist in the catalog',
        file: 'svc.yaml',
        line: 1,
      },
    ]);
    expect(result.problems.map((p) => [p.file, p.line, p.message])).toEqual([
      [
        'copy.yaml',
        1,
        'component:default/checkout is already defined in svc.yaml:1 (location git:repo); this definition is ignored',
      ],
    ]);
  });
});
