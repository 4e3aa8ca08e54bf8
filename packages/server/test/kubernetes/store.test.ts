import type { KubeObject, Pod } from '@portolan/core';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/kubernetes/backoff.ts';
import { KindStore } from '../../src/kubernetes/store.ts';
import { createInterner, createSharer, trimObject } from '../../src/kubernetes/trim.ts';

const obj = (name: string, rv: string, labels: Record<string, string> = {}, owner?: string): KubeObject => ({
  metadata: {
    name,
    namespace: 'ns',
    uid: `u-${name}`,
    resourceVersion: rv,
    labels,
    ...(owner ? { ownerReferences: [{ uid: owner }] } : {}),
  },
});

describe('KindStore', () => {
  it('applies watch events and reports changes', () => {
    const s = new KindStore({ kind: 'Pod', indexLabels: ['app'] });
    expect(s.apply('ADDED', obj('a', '1', { app: 'x' }))?.type).toBe('added');
    expect(s.apply('MODIFIED', obj('a', '2', { app: 'y' }))?.type).toBe('modified');
    expect([...(s.byLabel('app', 'x') ?? [])]).toEqual([]);
    expect([...(s.byLabel('app', 'y') ?? [])].map((o) => o.metadata?.name)).toEqual(['a']);
    expect(s.apply('DELETED', obj('a', '3'))?.type).toBe('deleted');
    expect(s.size).toBe(0);
    expect(s.apply('DELETED', obj('a', '4'))).toBeUndefined();
  });
  it('treats resourceVersions as opaque: equal means unchanged, anything else is newer', () => {
    const s = new KindStore({ kind: 'Pod', indexLabels: [] });
    s.apply('ADDED', obj('a', '10'));
    expect(s.apply('MODIFIED', obj('a', '10'))).toBeUndefined();
    // "9" < "10" numerically, but the server sent it later: it wins.
    expect(s.apply('MODIFIED', obj('a', '9'))?.type).toBe('modified');
    expect(s.get('ns/a')?.metadata?.resourceVersion).toBe('9');
  });
  it('replace() after a relist yields exactly the list and the diffs to get there', () => {
    const s = new KindStore({ kind: 'Pod', indexLabels: ['app'] });
    s.replace([obj('keep', '1'), obj('change', '1'), obj('gone', '1', { app: 'z' })]);
    const changes = s.replace([obj('keep', '1'), obj('change', '5'), obj('new', '6')]);
    expect(changes.map((c) => `${c.type}:${c.object.metadata?.name}`).sort()).toEqual([
      'added:new',
      'deleted:gone',
      'modified:change',
    ]);
    expect([...s.values()].map((o) => o.metadata?.name).sort()).toEqual(['change', 'keep', 'new']);
    expect([...(s.byLabel('app', 'z') ?? [])]).toEqual([]);
  });
  it('indexes by namespace and owner', () => {
    const s = new KindStore({ kind: 'Pod', indexLabels: [] });
    s.replace([obj('a', '1', {}, 'rs1'), obj('b', '1', {}, 'rs2')]);
    expect([...s.byOwner('rs1')].map((o) => o.metadata?.name)).toEqual(['a']);
    expect([...s.byNamespace('ns')]).toHaveLength(2);
    expect(s.byLabel('unindexed', 'x')).toBeUndefined();
  });
  it('bounds Events by count and age', () => {
    let now = Date.parse('2026-01-01T01:00:00Z');
    const s = new KindStore({ kind: 'Event', indexLabels: [], maxObjects: 2, minTime: () => now - 3600_000 });
    const ev = (name: string, t: string) => ({ ...obj(name, name), lastTimestamp: t }) as KubeObject;
    s.apply('ADDED', ev('old', '2025-12-31T23:00:00Z'));
    expect(s.size).toBe(0);
    s.apply('ADDED', ev('e1', '2026-01-01T00:30:00Z'));
    s.apply('ADDED', ev('e2', '2026-01-01T00:31:00Z'));
    s.apply('ADDED', ev('e3', '2026-01-01T00:32:00Z'));
    expect([...s.values()].map((o) => o.metadata?.name)).toEqual(['e2', 'e3']);
    now += 1;
  });
});

describe('Backoff', () => {
  it('grows exponentially with jitter, caps, and resets', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 1 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    b.reset();
    expect(b.next()).toBe(100);
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect(low.next()).toBe(50);
  });
});

describe('trimObject', () => {
  it('keeps finalizers only while an object is being deleted', () => {
    const meta = { name: 'p', namespace: 'n', finalizers: ['example.com/hold'] };
    expect(trimObject('Pod', { metadata: meta }).metadata?.finalizers).toBeUndefined();
    const deleting = { ...meta, deletionTimestamp: '2026-11-26T10:00:00Z' };
    expect(trimObject('Pod', { metadata: deleting }).metadata?.finalizers).toEqual(['example.com/hold']);
  });

  it('keeps what the health rules need to judge sidecars and overdue deletions', () => {
    const pod = {
      metadata: {
        name: 'p',
        namespace: 'ns',
        deletionTimestamp: '2026-11-26T10:02:00Z',
        deletionGracePeriodSeconds: 120,
      },
      spec: {
        initContainers: [{ name: 'proxy', image: 'envoy:1', restartPolicy: 'Always' }],
        containers: [{ name: 'app', image: 'app:1' }],
      },
    } as unknown as KubeObject;
    // biome-ignore lint/suspicious/noExplicitAny: reading nested fields of a plain object
    const t = trimObject('Pod', pod) as Record<string, any>;
    expect(t.metadata.deletionGracePeriodSeconds).toBe(120);
    expect(t.spec.initContainers[0].restartPolicy).toBe('Always');
    expect(t.spec.containers[0].restartPolicy).toBeUndefined();
  });

  it('drops managedFields, last-applied and large annotations, and unused pod spec fields', () => {
    const pod = {
      metadata: {
        name: 'p',
        namespace: 'ns',
        uid: 'u',
        managedFields: [{ manager: 'x' }],
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
          big: 'x'.repeat(1000),
          small: 'ok',
        },
        labels: { app: 'a' },
      },
      spec: {
        nodeName: 'n',
        containers: [{ name: 'c', image: 'i:1', env: [{ name: 'SECRET', value: 's' }], command: ['x'] }],
        volumes: [
          { name: 'v', configMap: { name: 'cm' } },
          { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
        ],
        tolerations: [{}],
      },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'c',
            ready: true,
            restartCount: 2,
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      },
    } as unknown as KubeObject;
    // biome-ignore lint/suspicious/noExplicitAny: reading nested fields of a plain object
    const t = trimObject('Pod', pod) as Record<string, any>;
    expect(t.metadata).toEqual({
      name: 'p',
      namespace: 'ns',
      uid: 'u',
      labels: { app: 'a' },
      annotations: { small: 'ok' },
    });
    expect(t.spec).toEqual({
      nodeName: 'n',
      containers: [{ name: 'c', image: 'i:1' }],
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
    });
    expect(t.status.containerStatuses[0].lastState.terminated).toEqual({
      exitCode: 137,
      reason: 'OOMKilled',
    });
    expect(JSON.stringify(t)).not.toContain('SECRET');
  });
  it('keeps what the view and health rules read for workloads and HPAs', () => {
    const hpa = {
      metadata: { name: 'h', namespace: 'ns' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'd' },
        minReplicas: 1,
        maxReplicas: 5,
        behavior: {},
      },
      status: { currentReplicas: 5, desiredReplicas: 5 },
    } as unknown as KubeObject;
    expect(trimObject('HorizontalPodAutoscaler', hpa)).toEqual({
      metadata: { name: 'h', namespace: 'ns' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 1, maxReplicas: 5 },
      status: { currentReplicas: 5, desiredReplicas: 5 },
    });
  });
  it('shares equal sub-objects between pods and keeps only the pod conditions that matter', () => {
    const share = createSharer();
    const intern = createInterner();
    const mk = (name: string) =>
      ({
        metadata: {
          name,
          namespace: 'ns',
          labels: { app: 'a', 'pod-template-hash': 'h' },
          ownerReferences: [{ uid: 'rs' }],
        },
        spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { memory: '1Gi' } } }] },
        status: {
          conditions: [
            { type: 'Initialized', status: 'True' },
            { type: 'Ready', status: 'True', lastTransitionTime: 't' },
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable' },
          ],
        },
      }) as unknown as KubeObject;
    const a = trimObject('Pod', mk('a'), intern, share) as Pod;
    const b = trimObject('Pod', mk('b'), intern, share) as Pod;
    expect(b.spec?.containers).toBe(a.spec?.containers);
    expect(b.metadata?.labels).toBe(a.metadata?.labels);
    expect(b.metadata?.ownerReferences).toBe(a.metadata?.ownerReferences);
    expect(Object.isFrozen(a.spec?.containers?.[0])).toBe(true);
    expect(a.status?.conditions?.map((c) => c.type)).toEqual(['Ready', 'PodScheduled']);
  });
});
