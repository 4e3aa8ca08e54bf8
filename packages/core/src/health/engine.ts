import type { KubeObject, WatchedKind } from '../k8s/types.ts';
import { checkFleet } from './rules/fleet.ts';
import { checkHpa } from './rules/hpa.ts';
import { checkCronJob, checkJob } from './rules/jobs.ts';
import { checkIngress, checkPdb, checkService } from './rules/network.ts';
import { PodLabelIndex } from './rules/podIndex.ts';
import { checkPod } from './rules/pods.ts';
import { checkDaemonSet, checkDeployment, checkReplicaSet, checkStatefulSet } from './rules/workloads.ts';
import { Collector, Snapshot } from './snapshot.ts';
import type { ClusterObject, Finding, HealthContext, KindObjects, ObjectRef, Tagged } from './types.ts';
import { toMillis } from './util.ts';

/**
 * Runs every rule over a set of objects (one service, or the whole fleet) and returns the
 * findings, worst first. Pure: `now` is an input, and no rule throws — a rule that fails on a
 * malformed object yields a `rule-error` info finding for that object instead.
 */
export function evaluateHealth(
  objects: Iterable<ClusterObject>,
  now: Date | number,
  context: HealthContext = {},
): Finding[] {
  const snap = new Snapshot(objects, toMillis(now), context);
  const out = new Collector(snap);
  const each = <K extends WatchedKind>(kind: K, check: (item: Tagged<KindObjects[K]>) => void) => {
    for (const item of snap.byKind[kind]) {
      try {
        check(item);
      } catch (error) {
        out.add(refOf(item.cluster, kind, item.object), ruleError(error));
      }
    }
  };
  each('Pod', (i) => checkPod(snap, i, out));
  each('Deployment', (i) => checkDeployment(snap, i, out));
  each('ReplicaSet', (i) => checkReplicaSet(snap, i, out));
  each('StatefulSet', (i) => checkStatefulSet(snap, i, out));
  each('DaemonSet', (i) => checkDaemonSet(snap, i, out));
  each('Job', (i) => checkJob(snap, i, out));
  each('CronJob', (i) => checkCronJob(snap, i, out));
  each('HorizontalPodAutoscaler', (i) => checkHpa(snap, i, out));
  let podIndex: PodLabelIndex | undefined;
  const pods = () => {
    podIndex ??= new PodLabelIndex(snap.byKind.Pod);
    return podIndex;
  };
  each('Service', (i) => checkService(snap, i, out, pods));
  each('Ingress', (i) => checkIngress(snap, i, out));
  each('PodDisruptionBudget', (i) => checkPdb(snap, i, out));
  try {
    checkFleet(snap, out);
  } catch (error) {
    out.add({ cluster: '*', namespace: '', kind: 'Fleet', name: '' }, ruleError(error));
  }
  return out.finish();
}

function refOf(cluster: string, kind: string, o: KubeObject): ObjectRef {
  return { cluster, namespace: o?.metadata?.namespace ?? '', kind, name: o?.metadata?.name ?? '' };
}

function ruleError(error: unknown) {
  return {
    rule: 'rule-error' as const,
    severity: 'info' as const,
    summary: 'Portolan could not evaluate this object',
    explanation: 'The object has a shape the rules did not expect; other objects were evaluated normally.',
    nextSteps: ['Report this with the object’s YAML.'],
    evidence: { message: error instanceof Error ? error.message : String(error) },
  };
}

/** Tags a cluster's objects for evaluateHealth, from the per-kind lists a watch cache holds. */
export function* clusterObjects(
  cluster: string,
  byKind: { [K in WatchedKind]?: Iterable<KindObjects[K]> },
): Generator<ClusterObject> {
  for (const kind of Object.keys(byKind) as WatchedKind[]) {
    const list = byKind[kind];
    if (!list) continue;
    for (const object of list) yield { cluster, kind, object } as ClusterObject;
  }
}
