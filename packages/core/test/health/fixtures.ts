// Builders for objects shaped like real API responses (kubectl get -o json), so that the
// tables in the rule tests only spell out what each case is about.

import { expect } from 'vitest';
import {
  type ClusterObject,
  evaluateHealth,
  type Finding,
  type HealthContext,
} from '../../src/health/index.ts';
import { trimObject } from '../../src/k8s/trim.ts';
import type { ContainerStatus, KubeEvent, KubeObject, Pod } from '../../src/k8s/types.ts';

export const NOW = Date.parse('2026-11-26T12:00:00Z');

/** An RFC 3339 timestamp `seconds` before NOW, as the API server writes them. */
export function ago(seconds: number): string {
  return new Date(NOW - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The findings of `objects`. Every rule test also checks that the objects as the watch keeps them
 * (trimmed by core's KEPT declaration) give exactly the same findings: a rule that reads a field
 * the watch drops fails here, not in production.
 */
export function run(objects: ClusterObject[], context?: HealthContext): Finding[] {
  const findings = evaluateHealth(objects, NOW, context);
  const trimmed = objects.map((o) =>
    o ? ({ ...o, object: trimObject(o.kind, structuredClone(o.object) as KubeObject) } as ClusterObject) : o,
  );
  expect(evaluateHealth(trimmed, NOW, context), 'findings on objects as the watch keeps them').toEqual(
    findings,
  );
  return findings;
}

export function rulesOf(findings: Finding[]): string[] {
  return findings.map((f) => `${f.rule}:${f.severity}`).sort();
}

export const running = (name = 'app', extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: 'registry.example.com/shop/web:1.4.2',
  imageID: 'registry.example.com/shop/web@sha256:4f2a',
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: ago(86_400) } },
  ...extra,
});

interface PodOptions {
  name?: string;
  namespace?: string;
  /** ReplicaSet name; the pod-template-hash label follows it. Null: a bare pod. */
  replicaSet?: string | null;
  owner?: { kind: string; name: string };
  phase?: string;
  ready?: boolean;
  readySince?: string;
  containers?: ContainerStatus[];
  initContainers?: ContainerStatus[];
  conditions?: Pod['status'] extends infer S ? (S extends { conditions?: infer C } ? C : never) : never;
  status?: Partial<NonNullable<Pod['status']>>;
  spec?: Partial<NonNullable<Pod['spec']>> & { terminationGracePeriodSeconds?: number };
  metadata?: Partial<NonNullable<Pod['metadata']>>;
  created?: string;
}

export function pod(o: PodOptions = {}): Pod {
  const rs = o.replicaSet === undefined ? 'web-5d9c7b7f8d' : o.replicaSet;
  const hash = rs?.split('-').pop();
  const name = o.name ?? (rs ? `${rs}-x7k2p` : 'debug');
  const ready = o.ready ?? true;
  const owner = o.owner ?? (rs ? { kind: 'ReplicaSet', name: rs } : undefined);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'shop',
      uid: `uid-${name}`,
      creationTimestamp: o.created ?? ago(86_400),
      labels: { app: 'web', ...(rs && hash ? { 'pod-template-hash': hash } : {}) },
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: owner.kind === 'Job' ? 'batch/v1' : 'apps/v1',
                kind: owner.kind,
                name: owner.name,
                uid: `uid-${owner.name}`,
                controller: true,
              },
            ],
          }
        : {}),
      ...o.metadata,
    },
    spec: {
      nodeName: 'node-a1',
      restartPolicy: 'Always',
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/shop/web:1.4.2',
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
          readinessProbe: { periodSeconds: 10, failureThreshold: 3 },
        },
      ],
      ...o.spec,
    },
    status: {
      phase: o.phase ?? 'Running',
      hostIP: '10.0.1.12',
      podIP: '10.244.3.17',
      startTime: ago(86_400),
      qosClass: 'Burstable',
      conditions: o.conditions ?? [
        { type: 'Initialized', status: 'True', lastTransitionTime: ago(86_400) },
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastTransitionTime: o.readySince ?? ago(86_000),
          ...(ready
            ? {}
            : { reason: 'ContainersNotReady', message: 'containers with unready status: [app]' }),
        },
        {
          type: 'ContainersReady',
          status: ready ? 'True' : 'False',
          lastTransitionTime: o.readySince ?? ago(86_000),
        },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: ago(86_400) },
      ],
      containerStatuses: o.containers ?? [running()],
      ...(o.initContainers ? { initContainerStatuses: o.initContainers } : {}),
      ...o.status,
    },
  };
}

export function event(
  involved: { kind: string; name: string; namespace?: string },
  reason: string,
  message: string,
  opts: { type?: string; count?: number; last?: string } = {},
): KubeEvent {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.name}.17f3a2b4c5d6e7f8`, namespace: involved.namespace ?? 'shop' },
    involvedObject: { kind: involved.kind, name: involved.name, namespace: involved.namespace ?? 'shop' },
    reason,
    message,
    type: opts.type ?? 'Warning',
    count: opts.count ?? 1,
    firstTimestamp: ago(3600),
    lastTimestamp: opts.last ?? ago(30),
    source: { component: 'kubelet', host: 'node-a1' },
  };
}

/** Tags objects with a cluster, taking the kind from each object as kubectl prints it. */
export function tag(cluster: string, objects: readonly object[]): ClusterObject[] {
  return objects.map(
    (object) => ({ cluster, kind: (object as { kind?: string }).kind, object }) as ClusterObject,
  );
}
