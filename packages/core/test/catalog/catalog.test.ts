import { describe, expect, it } from 'vitest';
import {
  computeRelations,
  type Entity,
  formatProblem,
  MAX_DOCUMENTS,
  parseDescriptorFile,
  parseEntityRef,
  stringifyEntityRef,
  validateEntity,
} from '../../src/catalog/index.ts';
import { humanizeEntityRef, shortEntityRef } from '../../src/catalog/ref.ts';

describe('entity references', () => {
  it.each([
    ['component:default/checkout', {}, 'component:default/checkout'],
    ['Component:Checkout', {}, 'component:default/checkout'],
    ['team-a', { defaultKind: 'group' }, 'group:default/team-a'],
    ['payments/team-a', { defaultKind: 'group' }, 'group:payments/team-a'],
    ['team-a', { defaultKind: 'group', defaultNamespace: 'ops' }, 'group:ops/team-a'],
    ['api:orders-v1.2', {}, 'api:default/orders-v1.2'],
  ])('%s → %s', (ref, defaults, expected) => {
    expect(stringifyEntityRef(parseEntityRef(ref, defaults))).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['checkout', /needs a kind/],
    ['component:', /name ""/],
    ['component:default/bad name', /name "bad name"/],
    ['component:Not_A_NS/x', /namespace/],
    [`component:${'a'.repeat(64)}`, /1 to 63/],
    ['comp-onent:x', /kind/],
  ])('rejects %j', (ref, message) => {
    expect(() => parseEntityRef(ref)).toThrow(message);
  });

  it('shows a reference without its kind, and its namespace only when it is not the default', () => {
    expect(shortEntityRef('component:default/checkout')).toBe('checkout');
    expect(shortEntityRef('group:payments/team-a', 'group')).toBe('payments/team-a');
    expect(shortEntityRef('user:default/jane', 'user')).toBe('jane');
    expect(shortEntityRef('team-a', 'group')).toBe('team-a');
    // Not a reference: shown as it is, never an error on a page.
    expect(shortEntityRef('not a ref')).toBe('not a ref');
    expect(humanizeEntityRef(parseEntityRef('group:default/team-a'), { defaultKind: 'user' })).toBe(
      'group:team-a',
    );
  });
});

const component = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout', ...metadata },
  spec: { type: 'service', lifecycle: 'production', owner: 'payments', ...spec },
});

describe('validateEntity', () => {
  it('accepts a valid component and defaults its namespace', () => {
    const result = validateEntity(component({}));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.entity.metadata.namespace).toBe('default');
  });

  it.each([
    ['missing owner', component({ owner: undefined }), 'spec.owner: is required'],
    ['unknown kind', { ...component({}), kind: 'Widget' }, 'kind: unknown kind "Widget"'],
    ['unknown apiVersion', { ...component({}), apiVersion: 'example.com/v9' }, 'unknown apiVersion'],
    ['invalid name', component({}, { name: 'check out!' }), 'metadata.name: must be letters, digits'],
    ['bad tag', component({}, { tags: ['Has Space'] }), 'metadata.tags.0'],
    ['api without definition', { ...component({}), kind: 'API' }, 'spec.definition: is required'],
    // A value of the wrong type is there: saying "is required" sends the author looking for nothing.
    ['owner of the wrong type', component({ owner: 42 }), 'spec.owner: must be a string, not a number'],
    ['name of the wrong type', component({}, { name: ['x'] }), 'metadata.name: must be a string, not a list'],
    ['tags as one string', component({}, { tags: 'a' }), 'metadata.tags: must be a list, not a string'],
    [
      'definition as a mapping',
      { ...component({ definition: { a: 1 } }), kind: 'API' },
      'spec.definition: must be a string, not a mapping',
    ],
    ['group without children', { ...component({}), kind: 'Group', spec: { type: 'team' } }, 'spec.children'],
    [
      'location without target',
      { ...component({}), kind: 'Location', spec: {} },
      'needs "target" or "targets"',
    ],
    ['not a mapping', 'just a string', 'must be a mapping'],
    [
      'no metadata',
      { apiVersion: 'backstage.io/v1alpha1', kind: 'System', spec: { owner: 'x' } },
      'metadata',
    ],
  ])('reports %s', (_label, doc, message) => {
    const result = validateEntity(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});

describe('parseDescriptorFile', () => {
  it('reads several documents and locates each', () => {
    const text = [
      '# a comment',
      'apiVersion: backstage.io/v1alpha1',
      'kind: Group',
      'metadata: { name: payments }',
      'spec: { type: team, children: [] }',
      '---',
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: checkout',
      'spec:',
      '  type: service',
      '  lifecycle: production',
      '  owner: payments',
      '---',
    ].join('\n');
    const parsed = parseDescriptorFile('catalog-info.yaml', text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.documents.map((d) => [d.entity.metadata.name, d.position.line])).toEqual([
      ['payments', 2],
      ['checkout', 7],
    ]);
  });

  it('reports malformed YAML with line and column and fails the whole file', () => {
    const parsed = parseDescriptorFile(
      'bad.yaml',
      'apiVersion: backstage.io/v1alpha1\nkind: [Component\nmetadata: {}\n',
    );
    expect(parsed.failed).toBe(true);
    expect(parsed.problems[0]).toMatchObject({ file: 'bad.yaml', severity: 'error' });
    expect(parsed.problems[0]!.line).toBeGreaterThanOrEqual(2);
    expect(formatProblem(parsed.problems[0]!)).toMatch(/^bad\.yaml:\d+:\d+: YAML: /);
  });

  it('points a validation error at the offending field', () => {
    const text =
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\nspec:\n  type: service\n  lifecycle: 42\n  owner: x\n';
    const parsed = parseDescriptorFile('c.yaml', text);
    expect(parsed.failed).toBe(false);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({
      line: 7,
      column: 14,
      entityRef: 'component:default/checkout',
    });
    expect(parsed.invalidRefs).toEqual(['component:default/checkout']);
  });

  it('keeps valid documents next to an invalid one', () => {
    const good =
      'apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: { name: shop }\nspec: { owner: payments }\n';
    const parsed = parseDescriptorFile(
      'm.yaml',
      `${good}---\nkind: Nope\n---\n${good.replace('shop', 'shop2')}`,
    );
    expect(parsed.documents.map((d) => d.entity.metadata.name)).toEqual(['shop', 'shop2']);
    expect(parsed.problems.map((p) => p.line)).toEqual([6, 6, 6]);
  });

  it('refuses files over 1 MiB and with too many documents', () => {
    const big = parseDescriptorFile('big.yaml', `# ${'x'.repeat(1024 * 1024)}`);
    expect(big.problems[0]!.message).toMatch(/at most 1048576 bytes/);
    const many = parseDescriptorFile('many.yaml', '---\na: 1\n'.repeat(MAX_DOCUMENTS + 1));
    expect(many.problems[0]!.message).toMatch(/at most 1000 are allowed/);
  });
});

describe('computeRelations', () => {
  const entity = (kind: string, name: string, spec: Record<string, unknown>): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name, namespace: 'default' },
    spec,
  });

  const entities = [
    entity('Group', 'payments', { type: 'team', children: ['payments-web'], members: ['alice'] }),
    entity('Group', 'payments-web', { type: 'team', children: [], parent: 'payments' }),
    entity('User', 'alice', { memberOf: ['payments'] }),
    entity('System', 'shop', { owner: 'payments', domain: 'commerce' }),
    entity('Component', 'checkout', {
      type: 'service',
      lifecycle: 'production',
      owner: 'payments',
      system: 'shop',
      providesApis: ['checkout-api'],
      consumesApis: ['api:default/missing-api'],
      dependsOn: ['resource:orders-db'],
    }),
    entity('API', 'checkout-api', {
      type: 'openapi',
      lifecycle: 'production',
      owner: 'group:payments',
      definition: '',
    }),
    entity('Resource', 'orders-db', { type: 'database', owner: 'payments' }),
  ];
  const { relations, warnings } = computeRelations(entities);
  const of = (ref: string) => relations.get(ref)!.map((r) => `${r.type} ${r.targetRef}`);

  it('computes both directions', () => {
    expect(of('component:default/checkout')).toEqual([
      'consumesApi api:default/missing-api',
      'dependsOn resource:default/orders-db',
      'ownedBy group:default/payments',
      'partOf system:default/shop',
      'providesApi api:default/checkout-api',
    ]);
    expect(of('api:default/checkout-api')).toContain('apiProvidedBy component:default/checkout');
    expect(of('resource:default/orders-db')).toContain('dependencyOf component:default/checkout');
    expect(of('group:default/payments')).toEqual([
      'hasMember user:default/alice',
      'ownerOf api:default/checkout-api',
      'ownerOf component:default/checkout',
      'ownerOf resource:default/orders-db',
      'ownerOf system:default/shop',
      'parentOf group:default/payments-web',
    ]);
    expect(of('group:default/payments-web')).toEqual(['childOf group:default/payments']);
    expect(of('user:default/alice')).toEqual(['memberOf group:default/payments']);
    expect(of('system:default/shop')).toContain('hasPart component:default/checkout');
  });

  it('keeps references to missing entities and warns about them', () => {
    expect(of('system:default/shop')).toContain('partOf domain:default/commerce');
    expect(warnings.get('component:default/checkout')).toEqual([
      'spec.consumesApis: api:default/missing-api does not exist in the catalog',
    ]);
    expect(warnings.get('system:default/shop')).toEqual([
      'spec.domain: domain:default/commerce does not exist in the catalog',
    ]);
    expect(warnings.has('group:default/payments')).toBe(false);
  });
});
