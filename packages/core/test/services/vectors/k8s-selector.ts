// Test vectors for label selectors, carried over as facts from Kubernetes' own tests:
//   repository  github.com/kubernetes/apimachinery (module k8s.io/apimachinery)
//   version     v0.36.3 (the version of the real test fleet, Kubernetes v1.36.3)
//   paths       pkg/labels/selector_test.go (TestSelectorParse, TestSelectorMatches,
//               TestSetSelectorParser, TestRequirementConstructor, TestRequirementSelectorMatching)
//               pkg/apis/meta/v1/helpers_test.go (TestLabelSelectorAsSelector)
// Requirements are written as [key, operator, values] with Kubernetes' operator names; values of
// `in`/`notin` are a set (sorted, duplicates removed), as Kubernetes keeps them.

export type Op = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
export type Req = [key: string, op: Op, values: string[]];

/** Strings that parse (with the requirements they give, where the upstream test states them) or do not. */
export const PARSE: { input: string; valid: boolean; requirements?: Req[] }[] = [
  // TestSelectorParse
  { input: 'x=a,y=b,z=c', valid: true },
  { input: '', valid: true, requirements: [] },
  { input: 'x!=a,y=b', valid: true },
  { input: 'x=', valid: true, requirements: [['x', '=', ['']]] },
  { input: 'x= ', valid: true, requirements: [['x', '=', ['']]] },
  { input: 'x=,z= ', valid: true },
  { input: 'x= ,z= ', valid: true },
  { input: '!x', valid: true, requirements: [['x', '!', []]] },
  { input: 'x>1', valid: true, requirements: [['x', 'gt', ['1']]] },
  {
    input: 'x>1,z<5',
    valid: true,
    requirements: [
      ['x', 'gt', ['1']],
      ['z', 'lt', ['5']],
    ],
  },
  { input: 'x=a||y=b', valid: false },
  { input: 'x==a==b', valid: false },
  { input: '!x=a', valid: false },
  { input: 'x<a', valid: false },
  // TestSetSelectorParser
  { input: '\rx', valid: true, requirements: [['x', 'exists', []]] },
  {
    input: 'this-is-a-dns.domain.com/key-with-dash',
    valid: true,
    requirements: [['this-is-a-dns.domain.com/key-with-dash', 'exists', []]],
  },
  {
    input: 'this-is-another-dns.domain.com/key-with-dash in (so,what)',
    valid: true,
    requirements: [['this-is-another-dns.domain.com/key-with-dash', 'in', ['so', 'what']]],
  },
  {
    input: '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
    valid: true,
    requirements: [['0.1.2.domain/99', 'notin', ['10.10.100.1', 'tick.tack.clock']]],
  },
  { input: 'foo  in\t (abc)', valid: true, requirements: [['foo', 'in', ['abc']]] },
  { input: 'x notin\n (abc)', valid: true, requirements: [['x', 'notin', ['abc']]] },
  { input: 'x  notin\t\t\t(abc,def)', valid: true, requirements: [['x', 'notin', ['abc', 'def']]] },
  { input: 'x in (abc,def)', valid: true, requirements: [['x', 'in', ['abc', 'def']]] },
  { input: 'x in (abc,)', valid: true, requirements: [['x', 'in', ['', 'abc']]] },
  { input: 'x in (abc,abc)', valid: true, requirements: [['x', 'in', ['abc']]] },
  { input: 'x in ()', valid: true, requirements: [['x', 'in', ['']]] },
  { input: 'x in (a,,)', valid: true, requirements: [['x', 'in', ['', 'a']]] },
  { input: 'x in (a,,,)', valid: true, requirements: [['x', 'in', ['', 'a']]] },
  { input: 'x in (a,,,,,,)', valid: true, requirements: [['x', 'in', ['', 'a']]] },
  { input: 'x in (a,,a,,a,,a,,)', valid: true, requirements: [['x', 'in', ['', 'a']]] },
  {
    input: 'x notin (abc,,def),bar,z in (),w',
    valid: true,
    requirements: [
      ['bar', 'exists', []],
      ['w', 'exists', []],
      ['x', 'notin', ['', 'abc', 'def']],
      ['z', 'in', ['']],
    ],
  },
  { input: 'x,y in (a)', valid: true },
  { input: 'x=a', valid: true, requirements: [['x', '=', ['a']]] },
  { input: 'x>1', valid: true, requirements: [['x', 'gt', ['1']]] },
  { input: 'x<7', valid: true, requirements: [['x', 'lt', ['7']]] },
  {
    input: 'x=a,y!=b',
    valid: true,
    requirements: [
      ['x', '=', ['a']],
      ['y', '!=', ['b']],
    ],
  },
  {
    input: 'x=a,y!=b,z in (h,i,j)',
    valid: true,
    requirements: [
      ['x', '=', ['a']],
      ['y', '!=', ['b']],
      ['z', 'in', ['h', 'i', 'j']],
    ],
  },
  { input: 'x,,y', valid: false },
  { input: ',x,y', valid: false },
  { input: 'x nott in (y)', valid: false },
  { input: 'x notin ( )', valid: true, requirements: [['x', 'notin', ['']]] },
  { input: 'x notin (, a)', valid: true, requirements: [['x', 'notin', ['', 'a']]] },
  { input: 'a in (xyz),', valid: false },
  { input: 'a in (xyz)b notin ()', valid: false },
  { input: 'a ', valid: true, requirements: [['a', 'exists', []]] },
  {
    input: 'a in (x,y,notin, z,in)',
    valid: true,
    requirements: [['a', 'in', ['in', 'notin', 'x', 'y', 'z']]],
  },
  { input: 'a in (xyz abc)', valid: false },
  { input: 'a notin(', valid: false },
  { input: 'a (', valid: false },
  { input: '(', valid: false },
];

/** Selector strings against label sets (TestSelectorMatches). */
export const MATCH: { selector: string; labels: Record<string, string>; matches: boolean }[] = [
  { selector: '', labels: { x: 'y' }, matches: true },
  { selector: 'x=y', labels: { x: 'y' }, matches: true },
  { selector: 'x=y,z=w', labels: { x: 'y', z: 'w' }, matches: true },
  { selector: 'x!=y,z!=w', labels: { x: 'z', z: 'a' }, matches: true },
  { selector: 'notin=in', labels: { notin: 'in' }, matches: true },
  { selector: 'x', labels: { x: 'z' }, matches: true },
  { selector: '!x', labels: { y: 'z' }, matches: true },
  { selector: 'x>1', labels: { x: '2' }, matches: true },
  { selector: 'x<1', labels: { x: '0' }, matches: true },
  { selector: 'x=z', labels: {}, matches: false },
  { selector: 'x=y', labels: { x: 'z' }, matches: false },
  { selector: 'x=y,z=w', labels: { x: 'w', z: 'w' }, matches: false },
  { selector: 'x!=y,z!=w', labels: { x: 'z', z: 'w' }, matches: false },
  { selector: 'x', labels: { y: 'z' }, matches: false },
  { selector: '!x', labels: { x: 'z' }, matches: false },
  { selector: 'x>1', labels: { x: '0' }, matches: false },
  { selector: 'x<1', labels: { x: '2' }, matches: false },
  { selector: 'foo=bar', labels: { foo: 'bar', baz: 'blah' }, matches: true },
  { selector: 'baz=blah', labels: { foo: 'bar', baz: 'blah' }, matches: true },
  { selector: 'foo=bar,baz=blah', labels: { foo: 'bar', baz: 'blah' }, matches: true },
  { selector: 'foo=blah', labels: { foo: 'bar', baz: 'blah' }, matches: false },
  { selector: 'baz=bar', labels: { foo: 'bar', baz: 'blah' }, matches: false },
  { selector: 'foo=bar,foobar=bar,baz=blah', labels: { foo: 'bar', baz: 'blah' }, matches: false },
];

/** Requirements built from parts (TestRequirementConstructor, TestRequirementSelectorMatching). */
export const REQUIREMENT: { key: string; op: Op | 'unsupportedOp'; values: string[]; valid: boolean }[] = [
  { key: 'x1', op: 'in', values: [], valid: false },
  { key: 'x2', op: 'notin', values: [], valid: false },
  { key: 'x3', op: 'in', values: ['foo'], valid: true },
  { key: 'x4', op: 'notin', values: ['foo'], valid: true },
  { key: 'x5', op: '=', values: ['bar', 'foo'], valid: false },
  { key: 'x6', op: 'exists', values: [], valid: true },
  { key: 'x7', op: '!', values: [], valid: true },
  { key: 'x8', op: 'exists', values: ['foo'], valid: false },
  { key: 'x9', op: 'in', values: ['bar'], valid: true },
  { key: 'x10', op: 'in', values: ['bar'], valid: true },
  { key: 'x11', op: 'gt', values: ['1'], valid: true },
  { key: 'x12', op: 'lt', values: ['6'], valid: true },
  { key: 'x13', op: 'gt', values: [], valid: false },
  { key: 'x14', op: 'gt', values: ['bar'], valid: false },
  { key: 'x15', op: 'lt', values: ['bar'], valid: false },
  { key: 'a'.repeat(254), op: 'exists', values: [], valid: false },
  { key: 'x16', op: '=', values: ['a'.repeat(254)], valid: false },
  { key: 'x17', op: '=', values: ['a b'], valid: false },
  { key: 'x18', op: 'unsupportedOp', values: [], valid: false },
];

export const REQUIREMENT_MATCH: { labels: Record<string, string>; requirements: Req[]; matches: boolean }[] =
  [
    {
      labels: { x: 'foo', y: 'baz' },
      requirements: [
        ['x', 'in', ['foo']],
        ['y', 'notin', ['alpha']],
      ],
      matches: true,
    },
    {
      labels: { x: 'foo', y: 'baz' },
      requirements: [
        ['x', 'in', ['foo']],
        ['y', 'in', ['alpha']],
      ],
      matches: false,
    },
    {
      labels: { y: '' },
      requirements: [
        ['x', 'notin', ['']],
        ['y', 'exists', []],
      ],
      matches: true,
    },
    {
      labels: { y: '' },
      requirements: [
        ['x', '!', []],
        ['y', 'exists', []],
      ],
      matches: true,
    },
    {
      labels: { y: '' },
      requirements: [
        ['x', 'notin', ['']],
        ['y', '!', []],
      ],
      matches: false,
    },
    { labels: { y: 'baz' }, requirements: [['x', 'in', ['']]], matches: false },
    { labels: { z: '2' }, requirements: [['z', 'gt', ['1']]], matches: true },
    { labels: { z: 'v2' }, requirements: [['z', 'gt', ['1']]], matches: false },
  ];

/**
 * Structured LabelSelectors (TestLabelSelectorAsSelector). `out` is the selector string it equals;
 * `nothing` selects no object; `error` is a selector Kubernetes refuses to convert.
 * Portolan differs on `error`: an apiserver never stores such a selector (validation refuses it),
 * and Portolan reads only stored objects, so it does not raise; it selects nothing instead, so a
 * malformed selector can never widen what a workload claims.
 */
export const LABEL_SELECTOR: {
  in: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  } | null;
  out?: string;
  nothing?: true;
  error?: true;
}[] = [
  { in: null, nothing: true },
  { in: {}, out: '' },
  { in: { matchLabels: { foo: 'bar' } }, out: 'foo=bar' },
  {
    in: { matchExpressions: [{ key: 'baz', operator: 'In', values: ['qux', 'norf'] }] },
    out: 'baz in (norf,qux)',
  },
  {
    in: {
      matchLabels: { foo: 'bar' },
      matchExpressions: [{ key: 'baz', operator: 'In', values: ['qux', 'norf'] }],
    },
    out: 'baz in (norf,qux),foo=bar',
  },
  { in: { matchExpressions: [{ key: 'baz', operator: 'Exists', values: ['qux', 'norf'] }] }, error: true },
];
