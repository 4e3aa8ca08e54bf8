// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for on `get`. Columns follow
// kubectl's for the kinds it shows most; the rest get Name and Age.

import type { Obj } from './store.ts';

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (o: Any, now: number) => string | number;
}
// biome-ignore lint/suspicious/noExplicitAny: printing reads deep optional fields of any kind
type Any = any;

export function humanAge(fromIso: string | undefined, now: number): string {
  if (!fromIso) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const name: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  cell: (o) => o.metadata?.name ?? '',
};
const age: Column = {
  name: 'Age',
  type: 'string',
  cell: (o, now) => humanAge(o.metadata?.creationTimestamp, now),
};

export function podStatusReason(p: Any): string {
  if (p.metadata?.deletionTimestamp) return 'Terminating';
  let reason: string = p.status?.reason ?? p.status?.phase ?? 'Unknown';
  for (const cs of p.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
  }
  return reason;
}

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (p) => {
        const cs = p.status?.containerStatuses ?? [];
        return `${cs.filter((c: Any) => c.ready).length}/${p.spec?.containers?.length ?? cs.length}`;
      },
    },
    { name: 'Status', type: 'string', cell: podStatusReason },
    {
      name: 'Restarts',
      type: 'string',
      cell: (p) =>
        String(
          (p.status?.containerStatuses ?? []).reduce((n: number, c: Any) => n + (c.restartCount ?? 0), 0),
        ),
    },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (p) => p.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (p) => p.spec?.nodeName ?? '<none>' },
  ],
  Deployment: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.availableReplicas ?? 0 },
    age,
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      cell: (d) => (d.spec?.template?.spec?.containers ?? []).map((c: Any) => c.name).join(','),
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      cell: (d) => (d.spec?.template?.spec?.containers ?? []).map((c: Any) => c.image).join(','),
    },
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (r) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r) => r.status?.readyReplicas ?? 0 },
    age,
  ],
  StatefulSet: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (s) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`,
    },
    age,
  ],
  DaemonSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (d) => d.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', cell: (d) => d.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', cell: (d) => d.status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.numberAvailable ?? 0 },
    age,
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: (s) => s.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (s) => s.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (s) =>
        (s.spec?.ports ?? []).map((p: Any) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
    },
    age,
  ],
  Ingress: [
    name,
    { name: 'Class', type: 'string', cell: (i) => i.spec?.ingressClassName ?? '<none>' },
    {
      name: 'Hosts',
      type: 'string',
      cell: (i) => (i.spec?.rules ?? []).map((r: Any) => r.host ?? '*').join(','),
    },
    {
      name: 'Address',
      type: 'string',
      cell: (i) => (i.status?.loadBalancer?.ingress ?? []).map((x: Any) => x.ip ?? x.hostname).join(','),
    },
    { name: 'Ports', type: 'string', cell: (i) => (i.spec?.tls?.length ? '80, 443' : '80') },
    age,
  ],
  HorizontalPodAutoscaler: [
    name,
    {
      name: 'Reference',
      type: 'string',
      cell: (h) => `${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`,
    },
    {
      name: 'Targets',
      type: 'string',
      cell: (h) => {
        const cur = h.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization;
        const tgt = h.spec?.metrics?.[0]?.resource?.target?.averageUtilization;
        return `cpu: ${cur === undefined ? '<unknown>' : `${cur}%`}/${tgt ?? '?'}%`;
      },
    },
    { name: 'MinPods', type: 'integer', cell: (h) => h.spec?.minReplicas ?? 1 },
    { name: 'MaxPods', type: 'integer', cell: (h) => h.spec?.maxReplicas ?? 0 },
    { name: 'Replicas', type: 'integer', cell: (h) => h.status?.currentReplicas ?? 0 },
    age,
  ],
  Job: [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (j) => (j.status?.succeeded ? 'Complete' : j.status?.failed ? 'Failed' : 'Running'),
    },
    {
      name: 'Completions',
      type: 'string',
      cell: (j) => `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}`,
    },
    age,
  ],
  CronJob: [
    name,
    { name: 'Schedule', type: 'string', cell: (c) => c.spec?.schedule ?? '' },
    { name: 'Suspend', type: 'boolean', cell: (c) => String(c.spec?.suspend ?? false) },
    { name: 'Active', type: 'integer', cell: (c) => c.status?.active?.length ?? 0 },
    {
      name: 'Last Schedule',
      type: 'string',
      cell: (c, now) => (c.status?.lastScheduleTime ? humanAge(c.status.lastScheduleTime, now) : '<none>'),
    },
    age,
  ],
  PodDisruptionBudget: [
    name,
    { name: 'Min Available', type: 'string', cell: (p) => String(p.spec?.minAvailable ?? 'N/A') },
    { name: 'Max Unavailable', type: 'string', cell: (p) => String(p.spec?.maxUnavailable ?? 'N/A') },
    { name: 'Allowed Disruptions', type: 'integer', cell: (p) => p.status?.disruptionsAllowed ?? 0 },
    age,
  ],
  Event: [
    {
      name: 'Last Seen',
      type: 'string',
      cell: (e, now) => humanAge(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp, now),
    },
    { name: 'Type', type: 'string', cell: (e) => e.type ?? '' },
    { name: 'Reason', type: 'string', cell: (e) => e.reason ?? '' },
    {
      name: 'Object',
      type: 'string',
      cell: (e) => `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
    },
    { name: 'Message', type: 'string', cell: (e) => e.message ?? '' },
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (n) => n.status?.phase ?? 'Active' }, age],
  Node: [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (n) =>
        (n.status?.conditions ?? []).find((c: Any) => c.type === 'Ready')?.status === 'True'
          ? 'Ready'
          : 'NotReady',
    },
    { name: 'Roles', type: 'string', cell: () => '<none>' },
    age,
    { name: 'Version', type: 'string', cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? '' },
  ],
};

export function tableColumns(kind: string) {
  return (COLUMNS[kind] ?? [name, age]).map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: '',
    priority: c.priority ?? 0,
  }));
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function tableRow(
  kind: string,
  obj: Obj,
  now: number,
  include: IncludeObject,
): Record<string, unknown> {
  const cols = COLUMNS[kind] ?? [name, age];
  const row: Record<string, unknown> = { cells: cols.map((c) => c.cell(obj, now)) };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') {
    row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
  return row;
}

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}
