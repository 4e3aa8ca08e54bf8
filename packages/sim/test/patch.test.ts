import { describe, expect, it } from 'vitest';
import { applyPatch, jsonPatch, mergePatch, strategicMergePatch } from '../src/apiserver/patch.ts';

const deployment = {
  metadata: { name: 'web', annotations: { a: '1' } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] },
          { name: 'envoy', image: 'envoy:1' },
        ],
      },
    },
  },
};

describe('patches', () => {
  it('strategic merge patches containers by name (kubectl set image)', () => {
    const out = strategicMergePatch(deployment, {
      spec: { template: { spec: { $setElementOrder: 1, containers: [{ name: 'web', image: 'web:2' }] } } },
    }) as typeof deployment;
    expect(out.spec.template.spec.containers.map((c) => c.image)).toEqual(['web:2', 'envoy:1']);
    expect(out.spec.template.spec.containers[0]!.ports).toEqual([{ containerPort: 8080 }]);
    expect(deployment.spec.template.spec.containers[0]!.image).toBe('web:1');
  });

  it('strategic merge honours $patch: delete and null', () => {
    const out = strategicMergePatch(deployment, {
      metadata: { annotations: { a: null, b: '2' } },
      spec: { template: { spec: { containers: [{ name: 'envoy', $patch: 'delete' }] } } },
    }) as typeof deployment;
    expect(out.metadata.annotations).toEqual({ b: '2' });
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['web']);
  });

  it('merge patch replaces lists and removes nulls', () => {
    const out = mergePatch(deployment, {
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'x', image: 'x:1' }] } } },
    }) as typeof deployment;
    expect(out.spec.replicas).toBe(3);
    expect(out.spec.template.spec.containers).toEqual([{ name: 'x', image: 'x:1' }]);
  });

  it('json patch replaces by pointer, tests and fails on missing paths', () => {
    const out = jsonPatch(deployment, [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'web:3' },
      { op: 'add', path: '/metadata/annotations/c~1d', value: 'e' },
    ]) as typeof deployment & { metadata: { annotations: Record<string, string> } };
    expect(out.spec.template.spec.containers[0]!.image).toBe('web:3');
    expect(out.metadata.annotations['c/d']).toBe('e');
    expect(() => jsonPatch(deployment, [{ op: 'replace', path: '/spec/nope', value: 1 }])).toThrow();
    expect(() => applyPatch('application/apply-patch+yaml', deployment, {})).toThrow(/not supported/);
  });
});
