// Kubernetes' own quantity vectors (see vectors/k8s-quantity.ts for their source and version).
import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../src/scaling/quantity.ts';
import { INVALID, VALID, WHITESPACE } from './vectors/k8s-quantity.ts';

describe('quantities (k8s.io/apimachinery pkg/api/resource TestQuantityParse)', () => {
  it.each(VALID)('$input = $value', ({ input, value }) => {
    const expected = Number(value);
    expect(parseQuantity(input)).toBe(expected);
    expect(parseQuantity(`+${input}`)).toBe(expected);
    expect(parseQuantity(`-${input}`)).toBe(expected === 0 ? 0 : -expected);
  });
  it.each(INVALID)('"%s" is not a quantity', (input) => {
    expect(parseQuantity(input)).toBeUndefined();
  });
  it.each(WHITESPACE)('"$input" reads as $json, as Kubernetes reads it from JSON', ({ input, json }) => {
    expect(parseQuantity(input)).toBe(json);
  });
});
