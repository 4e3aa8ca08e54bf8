// What Portolan calls a workload, and where each kind keeps its pod template: the one answer
// the service locator, the view, discovery, the change router and the deploy planner read.
import type { CronJob, KubeObject, PodTemplate, WatchedKind } from './types.ts';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const WORKLOADS: ReadonlySet<string> = new Set(WORKLOAD_KINDS);

export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return WORKLOADS.has(kind);
}

/** The pod template of a workload (a CronJob's is inside its job template). */
export function podTemplateOf(kind: WatchedKind, obj: KubeObject): PodTemplate | undefined {
  if (kind === 'CronJob') return (obj as CronJob).spec?.jobTemplate?.spec?.template;
  if (!isWorkloadKind(kind)) return undefined;
  return (obj as { spec?: { template?: PodTemplate } }).spec?.template;
}
