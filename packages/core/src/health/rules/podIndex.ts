import type { Pod } from '../../k8s/types.ts';
import type { Tagged } from '../types.ts';
import { condition } from '../util.ts';

/**
 * Pods by (cluster, namespace, label=value), for Service selectors: each selector is answered
 * from its rarest label instead of scanning the namespace.
 */
export class PodLabelIndex {
  private readonly postings = new Map<string, number[]>();
  private readonly pods: Pod[] = [];
  private readonly ready: boolean[] = [];

  constructor(pods: readonly Tagged<Pod>[]) {
    for (const { cluster, object } of pods) {
      const meta = object.metadata;
      const phase = object.status?.phase;
      if (!meta?.labels || meta.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') continue;
      const i = this.pods.length;
      this.pods.push(object);
      this.ready.push(condition(object.status?.conditions, 'Ready')?.status === 'True');
      const prefix = `${cluster}\u0000${meta.namespace ?? ''}\u0000`;
      for (const [k, v] of Object.entries(meta.labels)) {
        const key = `${prefix}${k}=${v}`;
        const list = this.postings.get(key);
        if (list) list.push(i);
        else this.postings.set(key, [i]);
      }
    }
  }

  match(
    cluster: string,
    namespace: string,
    selector: Record<string, string>,
  ): { matching: number; ready: number } {
    const prefix = `${cluster}\u0000${namespace}\u0000`;
    let smallest: number[] | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const list = this.postings.get(`${prefix}${k}=${v}`);
      if (!list) return { matching: 0, ready: 0 };
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    let matching = 0;
    let ready = 0;
    for (const i of smallest ?? []) {
      const labels = this.pods[i]?.metadata?.labels ?? {};
      let ok = true;
      for (const [k, v] of Object.entries(selector)) {
        if (labels[k] !== v) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      matching++;
      if (this.ready[i]) ready++;
    }
    return { matching, ready };
  }
}
