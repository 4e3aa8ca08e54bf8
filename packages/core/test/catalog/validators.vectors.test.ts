// Backstage catalog-model's own vectors (see vectors/backstage-validators.ts for sources).
import { describe, expect, it } from 'vitest';
import { validateEntity } from '../../src/catalog/entity.ts';
import * as validators from '../../src/catalog/validators.ts';
import { BASE_ENTITY, POLICY, VALIDATORS } from './vectors/backstage-validators.ts';

const rows = Object.entries(VALIDATORS).flatMap(([fn, cases]) =>
  cases.map(([value, valid]) => ({
    fn,
    value,
    valid,
    shown: typeof value === 'string' ? value.slice(0, 40) : value,
  })),
);

describe('field validators (Backstage KubernetesValidatorFunctions, CommonValidatorFunctions)', () => {
  it.each(rows)('$fn($shown) -> $valid', ({ fn, value, valid }) => {
    const check = (validators as Record<string, unknown>)[fn];
    expect(typeof check).toBe('function');
    expect((check as (v: unknown) => boolean)(value)).toBe(valid);
  });
});

/** Sets `path` (dots separate all but a label or annotation key) on a copy of the base entity. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const doc = structuredClone({
    ...BASE_ENTITY,
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  });
  const m = /^metadata\.(labels|annotations)\.(.+)$/.exec(path);
  const metadata = doc.metadata as Record<string, unknown>;
  if (m) (metadata[m[1] as string] as Record<string, unknown>)[m[2] as string] = value;
  else metadata[path.slice('metadata.'.length)] = value;
  return doc;
}

describe('whole entities (Backstage FieldFormatEntityPolicy)', () => {
  it('accepts the happy path', () => {
    expect(validateEntity(withField('metadata.title', 'x')).ok).toBe(true);
  });
  it.each(POLICY)('$name', ({ path, value, valid }) => {
    expect(validateEntity(withField(path, value)).ok).toBe(valid);
  });
});
