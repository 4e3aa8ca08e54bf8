// One object of a service, as the watch holds it: its YAML, the events of it and of what hangs
// off it (newest first), and its tree. Looked up among the service's own objects only (core's
// selectServiceObjects, through the engine), so a ref can never reach another team's objects;
// Secrets are not a watched kind, so they can never be shown.
import { type ClusterObject, WATCHED_KINDS } from '@portolan/core';
import { NotFoundError } from '@portolan/core/errors';
import type { ServiceLocator } from '@portolan/core/services/index';
import { objectTree, type TreeNode } from '@portolan/core/services/tree';
import type { EventView } from '@portolan/core/services/types';
import { stringify } from 'yaml';
import type { KubernetesEngine } from '../kubernetes/engine.ts';
import { serviceEvents } from '../kubernetes/events.ts';

export interface ObjectRef {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ObjectDetail extends ObjectRef {
  /** The object as the watch keeps it (only the fields Portolan reads), as YAML. */
  yaml: string;
  /** Events of the object and of every object in its tree, newest first. */
  events: EventView[];
  tree: TreeNode;
}

const SHOWN_KINDS: readonly string[] = WATCHED_KINDS.filter((k) => k !== 'Event');
const MAX_EVENTS = 200;

export function objectDetail(
  engine: Pick<KubernetesEngine, 'objectsFor'>,
  locator: ServiceLocator,
  ref: ObjectRef,
): ObjectDetail {
  if (!SHOWN_KINDS.includes(ref.kind))
    throw new NotFoundError(
      `${ref.kind} is not a kind the portal watches (it shows ${SHOWN_KINDS.join(', ')}; never Secrets)`,
      { kind: ref.kind },
    );
  const objects: ClusterObject[] = engine.objectsFor(locator).filter((o) => o.cluster === ref.cluster);
  const tree = objectTree(objects, ref);
  const found =
    tree &&
    objects.find(
      (o) =>
        o.kind === ref.kind &&
        o.object.metadata?.namespace === ref.namespace &&
        o.object.metadata?.name === ref.name,
    );
  if (!tree || !found)
    throw new NotFoundError(
      `${locator.ref} has no ${ref.kind} ${ref.namespace}/${ref.name} in cluster ${ref.cluster}`,
      { ...ref, service: locator.ref },
    );
  const inTree = new Set<string>();
  const walk = (n: TreeNode) => {
    inTree.add(`${n.namespace}/${n.kind}/${n.name}`);
    n.children.forEach(walk);
  };
  walk(tree);
  const events = serviceEvents(objects, Number.MAX_SAFE_INTEGER)
    .filter((e) => inTree.has(`${e.namespace}/${e.object.kind}/${e.object.name}`))
    .slice(0, MAX_EVENTS);
  const { apiVersion, kind: _kind, ...rest } = found.object as { apiVersion?: string; kind?: string };
  const yaml = stringify(
    { ...(apiVersion ? { apiVersion } : {}), kind: ref.kind, ...rest },
    { lineWidth: 0 },
  );
  return { ...ref, yaml, events, tree };
}
