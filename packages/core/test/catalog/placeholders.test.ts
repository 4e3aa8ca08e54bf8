import { describe, expect, it } from 'vitest';
import { parseDescriptorFile, substitutePlaceholders } from '../../src/catalog/index.ts';

const API = `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition:
    $text: https://specs.example.com/orders.yaml
`;

describe('substitution placeholders', () => {
  it('keeps an entity whose definition is a URL placeholder, with the reference as written', () => {
    const parsed = parseDescriptorFile('api.yaml', API);
    expect(parsed.problems).toEqual([]);
    expect(parsed.documents[0]?.entity.spec?.definition).toEqual({
      $text: 'https://specs.example.com/orders.yaml',
    });
    expect(parsed.placeholders).toEqual([
      { kind: 'text', target: 'https://specs.example.com/orders.yaml', line: 10, column: 5 },
    ]);
  });

  it('puts looked-up values in, and locates a warning for one kept as written', () => {
    const found = parseDescriptorFile('api.yaml', API, { placeholders: () => ({ value: 'openapi: 3.0.0' }) });
    expect(found.documents[0]?.entity.spec?.definition).toBe('openapi: 3.0.0');
    const kept = parseDescriptorFile('api.yaml', API, { placeholders: () => ({ warning: 'not fetched' }) });
    expect(kept.documents).toHaveLength(1);
    expect(kept.problems).toEqual([
      {
        file: 'api.yaml',
        severity: 'warning',
        message: 'not fetched',
        line: 10,
        column: 5,
        entityRef: 'api:default/orders',
      },
    ]);
  });

  it('recognises only single-key $text, $json and $yaml mappings', () => {
    const doc = { a: { $text: 'x' }, b: { $json: 'y', other: 1 }, c: [{ $yaml: 'z' }], d: { $env: 'e' } };
    const s = substitutePlaceholders(doc, (p) => ({ value: `<${p.kind}:${p.target}>` }));
    expect(s.value).toEqual({
      a: '<text:x>',
      b: { $json: 'y', other: 1 },
      c: ['<yaml:z>'],
      d: { $env: 'e' },
    });
    expect(s.found.map((f) => f.path)).toEqual([['a'], ['c', 0]]);
  });
});
