import { describe, expect, it } from 'vitest';
import { aliasBomb } from '../../../../test/support/hostile.ts';
import { parseDescriptorFile } from '../../src/catalog/descriptor.ts';
import { parseYamlBounded, YAML_LIMITS, YamlLimitError, YamlSyntaxError } from '../../src/yaml/bounded.ts';

const limitError = (text: string): YamlLimitError => {
  try {
    parseYamlBounded(text);
  } catch (error) {
    if (error instanceof YamlLimitError) return error;
    throw error;
  }
  throw new Error('no limit error');
};

describe('bounded YAML parsing', () => {
  it('refuses an alias bomb quickly, however deep, without expanding it', () => {
    for (const levels of [7, 10, 30]) {
      const started = performance.now();
      const error = limitError(aliasBomb(levels));
      expect(error.message).toMatch(/expands to more than 1048576 bytes/);
      expect(performance.now() - started).toBeLessThan(500);
    }
    // The reported sizes: 7 levels in well under 600 bytes.
    expect(aliasBomb(7).length).toBeLessThan(600);
  });

  it('keeps small, honest aliases', () => {
    const [doc] = parseYamlBounded(aliasBomb(3)) as [{ spec: { a2: string[][][] } }];
    expect(JSON.stringify(doc.spec.a2).length).toBeGreaterThan(3000);
    expect(doc.spec.a2[9]![9]![9]).toBe('lol');
  });

  it('counts aliases as written, and says where the one too many is', () => {
    const text = `anchor: &x 1\nuses:\n${'  - *x\n'.repeat(YAML_LIMITS.maxAliases + 1)}`;
    const error = limitError(text);
    expect(error.message).toBe(`more than ${YAML_LIMITS.maxAliases} aliases in one document`);
    expect(error.line).toBe(YAML_LIMITS.maxAliases + 3);
    expect(() =>
      parseYamlBounded(`anchor: &x 1\nuses:\n${'  - *x\n'.repeat(YAML_LIMITS.maxAliases)}`),
    ).not.toThrow();
  });

  it('bounds nesting as written and as expanded through aliases', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(limitError(deep(YAML_LIMITS.maxDepth + 1)).message).toMatch(/deeper than 100 levels/);
    expect(limitError(deep(100_000)).message).toMatch(/deeper than 100 levels/);
    // 60 + 60 levels, each fine alone, chained through an alias.
    const inner = `a: &a ${deep(60)}\nb: ${'['.repeat(60)}*a${']'.repeat(60)}\n`;
    expect(limitError(inner).message).toMatch(/deeper than 100 levels \(aliases expanded\)/);
  });

  it('refuses a node that contains itself', () => {
    expect(limitError('a: &a [*a]\n').message).toMatch(/refers to a node that contains it/);
    expect(limitError('a: &a {b: *a}\n').message).toMatch(/refers to a node that contains it/);
  });

  it('never refuses plain input for its size: only expansion beyond the source is bounded', () => {
    const items = Array.from(
      { length: 30_000 },
      (_, i) => `- {name: pod-${i}, phase: Running, restarts: ${i}}`,
    );
    const text = `${items.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(YAML_LIMITS.minExpandedBytes);
    expect((parseYamlBounded(text)[0] as unknown[]).length).toBe(30_000);
  });

  it('reports syntax errors located, apart from limits', () => {
    try {
      parseYamlBounded('a: b\n c: [');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(YamlSyntaxError);
      expect((error as YamlSyntaxError).line).toBe(2);
    }
  });
});

describe('descriptors past the YAML limits', () => {
  it('become one located problem on that file, not an entity', () => {
    const parsed = parseDescriptorFile('bomb.yaml', aliasBomb(10));
    expect(parsed.failed).toBe(true);
    expect(parsed.documents).toEqual([]);
    expect(parsed.problems).toEqual([
      {
        file: 'bomb.yaml',
        severity: 'error',
        line: 1,
        column: 1,
        message:
          'YAML: expands to more than 1048576 bytes (aliases expanded); it is refused as an alias bomb',
      },
    ]);
  });

  it('point at the document that is too large in a stream', () => {
    const good =
      'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n';
    const parsed = parseDescriptorFile('two.yaml', `${good}---\n${aliasBomb(8)}`);
    expect(parsed.problems.map((p) => [p.line, p.column])).toEqual([[8, 1]]);
  });

  it('are caught on the precise path too, where only it accepts the syntax', () => {
    // A tab after the anchor is accepted by the precise parser only, so the limits must hold there.
    const text = aliasBomb(9).replace('&a8 ', '&a8\t');
    const parsed = parseDescriptorFile('tab.yaml', text);
    expect(parsed.documents).toEqual([]);
    expect(parsed.problems[0]?.message).toMatch(/^YAML: /);
  });
});
