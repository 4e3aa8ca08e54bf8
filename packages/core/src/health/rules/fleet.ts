import { rolloutOf } from '../../k8s/rollout.ts';
import type { DaemonSet, Deployment, StatefulSet } from '../../k8s/types.ts';
import type { Collector, Snapshot } from '../snapshot.ts';
import type { ObjectRef } from '../types.ts';
import { num, templateSignature } from '../util.ts';

interface Instance {
  cluster: string;
  images: string;
  ready: number;
  desired: number;
  rolling: boolean;
}

/** The median of a sorted list with one occurrence of `without` left out. */
function medianWithout(sorted: readonly number[], without: number): number {
  const at = sorted.indexOf(without);
  const n = sorted.length - 1;
  const get = (i: number) => sorted[i >= at ? i + 1 : i]!;
  const mid = n >> 1;
  return n % 2 ? get(mid) : (get(mid - 1) + get(mid)) / 2;
}

/**
 * Cross-cluster rules: the same workload (kind, namespace, name) in several clusters should run
 * the same images outside a rollout, and no cluster should have far fewer ready replicas.
 */
export function checkFleet(snap: Snapshot, out: Collector): void {
  const groups = new Map<string, { kind: string; namespace: string; name: string; instances: Instance[] }>();
  const add = (
    kind: string,
    cluster: string,
    o: Deployment | StatefulSet | DaemonSet,
    inst: Omit<Instance, 'cluster' | 'images'>,
  ) => {
    const namespace = o.metadata?.namespace ?? '';
    const name = o.metadata?.name;
    if (!name) return;
    const key = `${kind}\u0000${namespace}\u0000${name}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind, namespace, name, instances: [] };
      groups.set(key, g);
    }
    g.instances.push({ cluster, images: templateSignature(o.spec?.template), ...inst });
  };
  for (const { cluster, object } of snap.byKind.Deployment) {
    add('Deployment', cluster, object, {
      ready: num(object.status?.readyReplicas),
      desired: num(object.spec?.replicas, 1),
      rolling: rolloutOf('Deployment', object).updating,
    });
  }
  for (const { cluster, object } of snap.byKind.StatefulSet) {
    add('StatefulSet', cluster, object, {
      ready: num(object.status?.readyReplicas),
      desired: num(object.spec?.replicas, 1),
      rolling: rolloutOf('StatefulSet', object).updating,
    });
  }
  for (const { cluster, object } of snap.byKind.DaemonSet) {
    add('DaemonSet', cluster, object, {
      ready: num(object.status?.numberReady),
      desired: num(object.status?.desiredNumberScheduled),
      rolling: rolloutOf('DaemonSet', object).updating,
    });
  }

  for (const g of groups.values()) {
    if (g.instances.length < 2) continue;
    const ref = (cluster: string): ObjectRef => ({
      cluster,
      namespace: g.namespace,
      kind: g.kind,
      name: g.name,
    });
    versionDrift(g, ref, out);
    if (g.kind !== 'DaemonSet') imbalance(snap, g, ref, out);
  }
}

function versionDrift(g: { instances: Instance[] }, ref: (c: string) => ObjectRef, out: Collector): void {
  const first = g.instances[0]!.images;
  if (g.instances.every((i) => i.images === first)) return;
  const withImages = g.instances.filter((i) => i.images !== '');
  if (withImages.length < 2 || withImages.some((i) => i.rolling)) return;
  const byImages = new Map<string, string[]>();
  for (const i of withImages) {
    const list = byImages.get(i.images);
    if (list) list.push(i.cluster);
    else byImages.set(i.images, [i.cluster]);
  }
  if (byImages.size < 2) return;
  const ranked = [...byImages.entries()].sort((a, b) => b[1].length - a[1].length);
  const top = ranked[0]!;
  const strictMajority = top[1].length > (ranked[1]?.[1].length ?? 0);
  const perCluster: Record<string, string> = {};
  for (const i of withImages) perCluster[i.cluster] = i.images;
  for (const i of withImages) {
    if (strictMajority && i.images === top[0]) continue;
    out.add(ref(i.cluster), {
      rule: 'version-drift',
      severity: 'warning',
      summary: strictMajority
        ? `runs ${i.images} while ${top[1].length} other cluster(s) run ${top[0]}`
        : `runs ${i.images}; other clusters run different images (no majority)`,
      explanation:
        'The same workload runs different images in different clusters and no rollout is in progress: a deploy stopped part-way, or a cluster was changed by hand.',
      nextSteps: [
        'Deploy the intended version to every cluster.',
        'Check the deploy history for a halted or rolled-back wave.',
      ],
      evidence: { image: i.images, details: { imagesByCluster: perCluster } },
    });
  }
}

function imbalance(
  snap: Snapshot,
  g: { instances: Instance[] },
  ref: (c: string) => ObjectRef,
  out: Collector,
): void {
  if (g.instances.some((i) => i.rolling)) return;
  const sorted = g.instances.map((i) => i.ready).sort((a, b) => a - b);
  // Only the lowest values can be far below the others' median.
  if (sorted[0]! >= medianWithout(sorted, sorted[0]!) * snap.options.imbalanceRatio) return;
  const perCluster: Record<string, number> = {};
  for (const i of g.instances) perCluster[i.cluster] = i.ready;
  const peerCount = g.instances.length - 1;
  for (const inst of g.instances) {
    const m = medianWithout(sorted, inst.ready);
    if (m < 2 || inst.ready >= m * snap.options.imbalanceRatio) continue;
    out.add(ref(inst.cluster), {
      rule: 'replica-imbalance',
      severity: inst.ready === 0 ? 'critical' : 'warning',
      summary: `${inst.ready} ready replicas here vs a median of ${m} in ${peerCount} other cluster(s)`,
      explanation:
        inst.ready < inst.desired
          ? 'This cluster runs far fewer ready replicas than its peers and fewer than it wants: pods here fail or cannot be scheduled.'
          : 'This cluster runs far fewer replicas than its peers: its autoscaler or replica count differs, so load is not spread evenly.',
      nextSteps: [
        'Look at this cluster’s pod and HPA findings.',
        'Compare replicas, HPA bounds and traffic weights between clusters.',
      ],
      evidence: { details: { readyByCluster: perCluster, desired: inst.desired } },
    });
  }
}
