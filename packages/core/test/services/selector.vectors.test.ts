// Kubernetes' own selector vectors (see vectors/k8s-selector.ts for their source and version).
import { describe, expect, it } from 'vitest';
import {
  fromLabelSelector,
  matchesSelector,
  parseSelector,
  type Requirement,
  requirement,
  type Selector,
} from '../../src/services/selector.ts';
import {
  LABEL_SELECTOR,
  MATCH,
  PARSE,
  REQUIREMENT,
  REQUIREMENT_MATCH,
  type Req,
} from './vectors/k8s-selector.ts';

/** Our requirements in the fixtures' form, sorted by key as Kubernetes sorts them. */
function asReqs(selector: Selector): Req[] {
  return selector
    .map((r: Requirement): Req => [r.key, r.operator, [...new Set(r.values)].sort()])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function fromReqs(reqs: Req[]): Selector {
  return reqs.map(([key, op, values]) => requirement(key, op === '==' ? '=' : op, values));
}

describe('label selector strings (k8s.io/apimachinery pkg/labels TestSelectorParse, TestSetSelectorParser)', () => {
  it.each(PARSE)('$input -> valid $valid', ({ input, valid, requirements }) => {
    if (!valid) {
      expect(() => parseSelector(input)).toThrow();
      return;
    }
    const parsed = parseSelector(input);
    if (requirements) expect(asReqs(parsed)).toEqual(requirements);
  });
});

describe('label selector matching (TestSelectorMatches)', () => {
  it.each(MATCH)('$selector on $labels -> $matches', ({ selector, labels, matches }) => {
    expect(matchesSelector(parseSelector(selector), labels)).toBe(matches);
  });
});

describe('requirements (TestRequirementConstructor, TestRequirementSelectorMatching)', () => {
  it.each(REQUIREMENT)('$key $op $values -> valid $valid', ({ key, op, values, valid }) => {
    const make = () => requirement(key, op as Requirement['operator'], values);
    if (valid) expect(make()).toMatchObject({ key });
    else expect(make).toThrow();
  });
  it.each(REQUIREMENT_MATCH)('$requirements on $labels -> $matches', ({ labels, requirements, matches }) => {
    expect(matchesSelector(fromReqs(requirements), labels)).toBe(matches);
  });
});

describe('structured LabelSelector (pkg/apis/meta/v1 TestLabelSelectorAsSelector)', () => {
  it.each(LABEL_SELECTOR)('%j', (vector) => {
    const got = fromLabelSelector(vector.in ?? undefined);
    if (vector.nothing) {
      expect(got).toBeUndefined();
    } else if (vector.error) {
      // Portolan's written difference: selects nothing rather than raising (see the fixture).
      expect(got).toBeDefined();
      expect(matchesSelector(got as Selector, { baz: 'qux' })).toBe(false);
      expect(matchesSelector(got as Selector, {})).toBe(false);
    } else {
      expect(asReqs(got as Selector)).toEqual(asReqs(parseSelector(vector.out ?? '')));
    }
  });
});
