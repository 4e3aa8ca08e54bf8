// The metrics API (metrics.k8s.io/v1beta1 PodMetrics), as metrics-server serves it: every running
// pod's containers with their CPU (nanocores) and memory (Ki) over the last window. The figures
// are made up but steady: each container runs at its own share of its requests, drifting slowly.
import { parseQuantity } from '@portolan/core/scaling/quantity';
import { hashString } from '../random.ts';
import { kindFor } from './kinds.ts';
import type { ClusterStore } from './store.ts';

const POD = kindFor('Pod');

interface SimContainer {
  name?: string;
  resources?: { requests?: { cpu?: string; memory?: string } };
}

function share(seed: string, low: number, high: number, now: number): number {
  const h = hashString(seed);
  const base = low + ((h % 1000) / 1000) * (high - low);
  // A slow wave (about 20 minutes), phase-shifted per container.
  const drift = 1 + 0.15 * Math.sin(now / 190_000 + (h % 628) / 100);
  return base * drift;
}

/** A PodMetricsList of the pods in `namespace` (all pods when undefined), at `now`. */
export function podMetricsList(store: ClusterStore, namespace: string | undefined, now: number) {
  const items: unknown[] = [];
  for (const entry of store.entries(POD).values()) {
    if (namespace !== undefined && entry.ns !== namespace) continue;
    if (entry.terminating) continue;
    const pod = JSON.parse(entry.json) as {
      status?: { phase?: string };
      spec?: { containers?: SimContainer[] };
    };
    if (pod.status?.phase !== 'Running') continue;
    items.push({
      metadata: { name: entry.name, namespace: entry.ns, labels: entry.labels ?? {} },
      timestamp: new Date(now).toISOString(),
      window: '15s',
      containers: (pod.spec?.containers ?? []).map((c) => {
        const cpuRequest = parseQuantity(c.resources?.requests?.cpu) ?? 0.1;
        const memRequest = parseQuantity(c.resources?.requests?.memory) ?? 128 * 1024 * 1024;
        const cpu = cpuRequest * share(`${entry.uid}/${c.name}/cpu`, 0.1, 1.05, now);
        const memory = memRequest * share(`${entry.uid}/${c.name}/mem`, 0.35, 1.1, now);
        return {
          name: c.name ?? '',
          usage: { cpu: `${Math.round(cpu * 1e9)}n`, memory: `${Math.round(memory / 1024)}Ki` },
        };
      }),
    });
  }
  return { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items };
}
