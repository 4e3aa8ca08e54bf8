// The kinds the simulated API server serves: every kind Portolan watches (from core), plus
// Namespaces and Nodes, which kubectl and the fleet view need.

import { KIND_INFO, WATCHED_KINDS } from '@portolan/core';

export interface SimKind {
  kind: string;
  group: string;
  version: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Has a status subresource (and so PUT/PATCH of the main resource ignores status). */
  hasStatus: boolean;
  /** Field selectors beyond metadata.name / metadata.namespace. */
  fields: string[];
  /** The subset of fields kept alongside each stored object; the rest are read from its JSON. */
  indexedFields: string[];
}

const SHORT: Record<string, string[]> = {
  Deployment: ['deploy'],
  ReplicaSet: ['rs'],
  StatefulSet: ['sts'],
  DaemonSet: ['ds'],
  Pod: ['po'],
  Service: ['svc'],
  Ingress: ['ing'],
  HorizontalPodAutoscaler: ['hpa'],
  Job: [],
  CronJob: ['cj'],
  PodDisruptionBudget: ['pdb'],
  Event: ['ev'],
};

const FIELDS: Record<string, string[]> = {
  Pod: ['status.phase', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'status.podIP'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  ReplicaSet: ['status.replicas'],
  Job: ['status.successful'],
  Service: ['spec.type'],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
};

export const SIM_KINDS: SimKind[] = [
  ...WATCHED_KINDS.map((k) => {
    const info = KIND_INFO[k];
    return {
      kind: k,
      group: info.group,
      version: info.version,
      plural: info.plural,
      singular: k.toLowerCase(),
      namespaced: true,
      shortNames: SHORT[k] ?? [],
      hasStatus: k !== 'Event',
      fields: FIELDS[k] ?? [],
      indexedFields: k === 'Pod' ? ['status.phase', 'spec.nodeName'] : [],
    };
  }),
  {
    kind: 'Namespace',
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    hasStatus: true,
    fields: FIELDS.Namespace!,
    indexedFields: [],
  },
  {
    kind: 'Node',
    group: '',
    version: 'v1',
    plural: 'nodes',
    singular: 'node',
    namespaced: false,
    shortNames: ['no'],
    hasStatus: true,
    fields: FIELDS.Node!,
    indexedFields: [],
  },
];

export const KIND_BY_NAME = new Map(SIM_KINDS.map((k) => [k.kind, k]));

export function kindFor(kind: string): SimKind {
  const k = KIND_BY_NAME.get(kind);
  if (!k) throw new Error(`unknown kind ${kind}`);
  return k;
}

export function groupVersion(k: SimKind): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

export function findByPlural(group: string, version: string, plural: string): SimKind | undefined {
  return SIM_KINDS.find((k) => k.group === group && k.version === version && k.plural === plural);
}
