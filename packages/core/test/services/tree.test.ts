import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/k8s/types.ts';
import type { ServiceObject } from '../../src/services/objects.ts';
import { objectTree, type TreeNode } from '../../src/services/tree.ts';

const meta = (name: string, uid: string, owner?: string, labels?: Record<string, string>) => ({
  name,
  namespace: 'shop',
  uid,
  ...(labels ? { labels } : {}),
  ...(owner ? { ownerReferences: [{ kind: 'X', name: 'x', uid: owner, controller: true }] } : {}),
});
const o = (kind: string, object: KubeObject) => ({ kind, object }) as ServiceObject;
const pod = (name: string, owner: string, ready: boolean, waiting?: string) =>
  o('Pod', {
    metadata: meta(name, `uid-${name}`, owner, { app: 'web' }),
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      ...(waiting ? { containerStatuses: [{ name: 'app', state: { waiting: { reason: waiting } } }] } : {}),
    },
  } as KubeObject);

const objects: ServiceObject[] = [
  o('Deployment', { metadata: meta('web', 'd1') }),
  o('ReplicaSet', { metadata: meta('web-new', 'rs2', 'd1') }),
  o('ReplicaSet', { metadata: meta('web-old', 'rs1', 'd1') }),
  pod('web-new-a', 'rs2', true),
  pod('web-new-b', 'rs2', false, 'CrashLoopBackOff'),
  pod('web-old-a', 'rs1', true),
  o('Service', { metadata: meta('web', 's1'), spec: { selector: { app: 'web' } } } as KubeObject),
  o('Service', { metadata: meta('admin', 's2'), spec: { selector: { app: 'admin' } } } as KubeObject),
  o('Ingress', {
    metadata: meta('web', 'i1'),
    spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'web' } } }] } }] },
  } as KubeObject),
  o('HorizontalPodAutoscaler', {
    metadata: meta('web', 'h1'),
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 },
  } as KubeObject),
];

const shape = (n: TreeNode): unknown => [
  `${n.kind}/${n.name}${n.status ? ` ${n.status}${n.ready ? ' ready' : ''}` : ''}`,
  ...n.children.map(shape),
];
const root = (kind: string, name: string) => objectTree(objects, { kind, namespace: 'shop', name });

describe('objectTree', () => {
  it('walks a Deployment down to its ReplicaSets and their pods, with each pod state', () => {
    expect(shape(root('Deployment', 'web')!)).toEqual([
      'Deployment/web',
      ['ReplicaSet/web-new', ['Pod/web-new-a Running ready'], ['Pod/web-new-b CrashLoopBackOff']],
      ['ReplicaSet/web-old', ['Pod/web-old-a Running ready']],
    ]);
  });

  it('gives a Service the pods it selects, an Ingress its Services, an HPA its workload', () => {
    expect(shape(root('Service', 'web')!)).toEqual([
      'Service/web',
      ['Pod/web-new-a Running ready'],
      ['Pod/web-new-b CrashLoopBackOff'],
      ['Pod/web-old-a Running ready'],
    ]);
    expect(shape(root('Service', 'admin')!)).toEqual(['Service/admin']);
    const ingress = root('Ingress', 'web')!;
    expect(ingress.children.map((c) => `${c.kind}/${c.name}`)).toEqual(['Service/web']);
    expect(ingress.children[0]!.children).toHaveLength(3);
    expect(root('HorizontalPodAutoscaler', 'web')!.children.map((c) => c.kind)).toEqual(['Deployment']);
  });

  it('knows only the objects it is given: an object outside them has no tree', () => {
    expect(root('Deployment', 'elsewhere')).toBeUndefined();
    expect(objectTree(objects, { kind: 'Deployment', namespace: 'other', name: 'web' })).toBeUndefined();
  });
});
