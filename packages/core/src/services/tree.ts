// An object of a service and what hangs off it, as a tree: Deployment → ReplicaSets → Pods,
// StatefulSet/DaemonSet/Job → Pods, CronJob → Jobs → Pods, Service and PDB → the pods they
// select, Ingress → its Services (→ their pods), HPA → the workload it scales. Built from one
// cluster's objects of the service (what selectServiceObjects returns), so it never reaches
// beyond the service.
import type { HorizontalPodAutoscaler, Ingress, KubeObject, Pod, WatchedKind } from '../k8s/types.ts';
import { ingressBackendKeys, podSelectorOf, type ServiceObject } from './objects.ts';
import { matchesSelector } from './selector.ts';

export interface ObjectId {
  kind: string;
  namespace: string;
  name: string;
}

export interface TreeNode extends ObjectId {
  /** Pods: phase or waiting reason, and readiness. */
  status?: string;
  ready?: boolean;
  children: TreeNode[];
}

/** Deep enough for Ingress → Service → Pod and CronJob → Job → Pod; a cycle cannot recurse past it. */
const MAX_DEPTH = 4;

function idOf(kind: string, o: KubeObject): ObjectId {
  return { kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' };
}

function podStatus(p: Pod): { status: string; ready: boolean } {
  const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const status = p.metadata?.deletionTimestamp ? 'Terminating' : (waiting ?? p.status?.phase ?? 'Unknown');
  return { status, ready };
}

const byName = (a: TreeNode, b: TreeNode) =>
  a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The tree under one object, or undefined when the object is not among `objects`. */
export function objectTree(objects: readonly ServiceObject[], root: ObjectId): TreeNode | undefined {
  const find = (kind: string, namespace: string, name: string) =>
    objects.find(
      (o) =>
        o.kind === kind && o.object.metadata?.namespace === namespace && o.object.metadata?.name === name,
    );
  const start = find(root.kind, root.namespace, root.name);
  if (!start) return undefined;
  const ownedBy = (uid: string | undefined, kind: WatchedKind) =>
    uid === undefined
      ? []
      : objects.filter(
          (o) => o.kind === kind && (o.object.metadata?.ownerReferences ?? []).some((r) => r.uid === uid),
        );

  const build = (o: ServiceObject, depth: number): TreeNode => {
    const node: TreeNode = { ...idOf(o.kind, o.object), children: [] };
    if (o.kind === 'Pod') Object.assign(node, podStatus(o.object));
    if (depth >= MAX_DEPTH) return node;
    const ns = node.namespace;
    const uid = o.object.metadata?.uid;
    const children: ServiceObject[] = [];
    switch (o.kind) {
      case 'Deployment':
        children.push(...ownedBy(uid, 'ReplicaSet'));
        break;
      case 'CronJob':
        children.push(...ownedBy(uid, 'Job'));
        break;
      case 'ReplicaSet':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'Job':
        children.push(...ownedBy(uid, 'Pod'));
        break;
      case 'Service':
      case 'PodDisruptionBudget': {
        const selector = podSelectorOf(o.kind, o.object);
        if (selector)
          for (const p of objects)
            if (
              p.kind === 'Pod' &&
              p.object.metadata?.namespace === ns &&
              matchesSelector(selector, p.object.metadata?.labels)
            )
              children.push(p);
        break;
      }
      case 'Ingress':
        for (const key of ingressBackendKeys(o.object as Ingress)) {
          const [sns = '', name = ''] = key.split('/');
          const svc = find('Service', sns, name);
          if (svc && !children.includes(svc)) children.push(svc);
        }
        break;
      case 'HorizontalPodAutoscaler': {
        const t = (o.object as HorizontalPodAutoscaler).spec?.scaleTargetRef;
        const target = t?.kind && t.name ? find(t.kind, ns, t.name) : undefined;
        if (target) children.push(target);
        break;
      }
    }
    node.children = children.map((c) => build(c, depth + 1)).sort(byName);
    return node;
  };
  return build(start, 0);
}
