// Server-side defaulting on create and garbage collection on delete: the parts of the real API
// server and controller manager that clients observe directly.

import { randomUUID } from 'node:crypto';
import { createRandom, safeSuffix } from '../random.ts';
import { KIND_BY_NAME, type SimKind } from './kinds.ts';
import type { ClusterStore, Obj } from './store.ts';

const genRandom = createRandom(randomUUID());

// biome-ignore lint/suspicious/noExplicitAny: defaulting writes deep optional fields
type Any = any;

export function applyCreateDefaults(kind: SimKind, obj: Obj, now: number): void {
  const o = obj as Any;
  o.metadata ??= {};
  if (!o.metadata.name && o.metadata.generateName)
    o.metadata.name = `${o.metadata.generateName}${safeSuffix(genRandom, 5)}`;
  delete o.metadata.resourceVersion;
  delete o.metadata.uid;
  delete o.metadata.deletionTimestamp;
  if (kind.kind !== 'Event' && kind.kind !== 'Namespace' && kind.kind !== 'Node' && kind.kind !== 'Service') {
    o.metadata.generation = 1;
  }
  const template = o.spec?.template;
  if (template) {
    template.metadata ??= {};
    template.spec ??= {};
    for (const c of template.spec.containers ?? []) {
      c.imagePullPolicy ??= 'IfNotPresent';
      c.terminationMessagePath ??= '/dev/termination-log';
    }
    template.spec.restartPolicy ??= kind.kind === 'Job' || kind.kind === 'CronJob' ? 'Never' : 'Always';
  }
  switch (kind.kind) {
    case 'Deployment':
      o.spec.replicas ??= 1;
      o.spec.progressDeadlineSeconds ??= 600;
      o.spec.revisionHistoryLimit ??= 10;
      o.spec.strategy ??= { type: 'RollingUpdate' };
      if (o.spec.strategy.type === 'RollingUpdate') {
        o.spec.strategy.rollingUpdate ??= {};
        o.spec.strategy.rollingUpdate.maxSurge ??= '25%';
        o.spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      }
      o.spec.selector ??= { matchLabels: template?.metadata?.labels ?? {} };
      o.status = {};
      break;
    case 'ReplicaSet':
    case 'StatefulSet':
      o.spec.replicas ??= 1;
      o.status = { replicas: 0 };
      break;
    case 'Pod':
      o.spec ??= {};
      o.spec.restartPolicy ??= 'Always';
      o.spec.schedulerName ??= 'default-scheduler';
      o.spec.serviceAccountName ??= 'default';
      for (const c of o.spec.containers ?? []) c.imagePullPolicy ??= 'IfNotPresent';
      o.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'Namespace':
      o.spec ??= { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
      break;
    case 'Service':
      o.spec ??= {};
      o.spec.type ??= 'ClusterIP';
      o.spec.clusterIP ??= `10.96.${genRandom.int(0, 255)}.${genRandom.int(1, 254)}`;
      o.status ??= { loadBalancer: {} };
      break;
    case 'Event': {
      const ts = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
      o.firstTimestamp ??= ts;
      o.lastTimestamp ??= ts;
      o.count ??= 1;
      break;
    }
    default:
      o.status ??= {};
  }
}

/** Background cascading deletion: dependents (by controller ownerReference) go too. */
export function deleteWithDependents(
  store: ClusterStore,
  kind: SimKind,
  ns: string,
  name: string,
): Obj | undefined {
  const obj = store.delete(kind, ns, name);
  if (!obj) return undefined;
  const uid = obj.metadata?.uid;
  if (uid) {
    for (const k of KIND_BY_NAME.values()) {
      for (const dep of store.ownedBy(k, uid)) deleteWithDependents(store, k, dep.ns, dep.name);
    }
  }
  if (kind.kind === 'Namespace') {
    for (const k of KIND_BY_NAME.values()) {
      if (!k.namespaced) continue;
      for (const e of [...store.entries(k).values()]) if (e.ns === name) store.delete(k, e.ns, e.name);
    }
  }
  return obj;
}
