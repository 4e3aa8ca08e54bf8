// Rollouts Portolan did not make: an image change on a service's workload that the watch saw
// and no deployment planned. Recorded as external deployments, so the history (and the delivery
// metrics) are the service's, whoever changed it.
import type { ClusterObject, KubeObject } from '../k8s/types.ts';
import { podTemplateOf } from '../k8s/workloads.ts';
import type { DeploymentEvent } from './events.ts';
import { type DeployableKind, isDeployableKind, type Plan } from './plan.ts';

/** `cluster/namespace/Kind/name/container` -> image, for the deployable workloads given. */
export function workloadImages(objects: Iterable<ClusterObject>): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    if (!isDeployableKind(o.kind)) continue;
    const obj = o.object as KubeObject;
    for (const c of podTemplateOf(o.kind, obj)?.spec?.containers ?? []) {
      if (c.name && c.image)
        out.set(
          `${o.cluster}/${obj.metadata?.namespace ?? ''}/${o.kind}/${obj.metadata?.name ?? ''}/${c.name}`,
          c.image,
        );
    }
  }
  return out;
}

export interface ImageChange {
  cluster: string;
  kind: DeployableKind;
  namespace: string;
  name: string;
  container: string;
  from: string;
  to: string;
}

/**
 * Containers whose image changed between two looks, minus those whose new image a deployment
 * Portolan ran planned (`expected`: keys as workloadImages makes them -> images planned or
 * restored). New and removed workloads are not changes of an image.
 */
export function externalChanges(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  expected: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): ImageChange[] {
  const out: ImageChange[] = [];
  for (const [key, to] of after) {
    const from = before.get(key);
    if (from === undefined || from === to || expected.get(key)?.has(to)) continue;
    const [cluster = '', namespace = '', kind = '', name = '', container = ''] = key.split('/');
    if (!isDeployableKind(kind)) continue;
    out.push({ cluster, kind, namespace, name, container, from, to });
  }
  return out;
}

/** The images a deployment's plan sets or restores, keyed as workloadImages keys them. */
export function plannedImages(plan: Plan, into = new Map<string, Set<string>>()): Map<string, Set<string>> {
  for (const c of plan.clusters)
    for (const w of c.workloads)
      for (const x of w.containers) {
        const key = `${c.cluster}/${w.namespace}/${w.kind}/${w.name}/${x.name}`;
        const set = into.get(key) ?? new Set<string>();
        set.add(x.to).add(x.from);
        into.set(key, set);
      }
  return into;
}

/** The events of an external deployment: requested, planned, each cluster changed, completed. */
export function externalDeployment(
  service: string,
  changes: readonly ImageChange[],
  at: string,
): DeploymentEvent[] {
  const clusters = [...new Set(changes.map((c) => c.cluster))].sort();
  const images = Object.fromEntries(changes.map((c) => [c.container, c.to]));
  const plan: Plan = {
    service,
    clusters: clusters.map((cluster) => {
      const mine = changes.filter((c) => c.cluster === cluster);
      const keys = [...new Set(mine.map((c) => `${c.namespace}/${c.kind}/${c.name}`))].sort();
      return {
        cluster,
        workloads: keys.map((k) => {
          const ws = mine.filter((c) => `${c.namespace}/${c.kind}/${c.name}` === k);
          const first = ws[0] as ImageChange;
          return {
            kind: first.kind,
            namespace: first.namespace,
            name: first.name,
            containers: ws.map((c) => ({ name: c.container, from: c.from, to: c.to })),
          };
        }),
      };
    }),
    waves: [
      {
        index: 0,
        name: 'external',
        clusters,
        maxConcurrency: clusters.length,
        soakSeconds: 0,
        progressDeadlineSeconds: 1,
        maxFailures: 0,
        requiresApproval: false,
      },
    ],
    skipped: [],
    unreachableLimitSeconds: 0,
  };
  const actor = 'external';
  return [
    {
      type: 'requested',
      service,
      request: { images },
      reason: 'image change seen by the watch',
      external: true,
      actor,
      at,
    },
    { type: 'planned', plan, actor, at },
    { type: 'wave-started', wave: 0, actor, at },
    ...clusters.map((cluster) => ({ type: 'cluster-changed' as const, cluster, previous: [], actor, at })),
    ...clusters.map((cluster) => ({ type: 'gate-passed' as const, cluster, actor, at })),
    { type: 'completed', actor, at },
  ];
}
