import type {
  Condition,
  HorizontalPodAutoscaler,
  MetricSpec,
  MetricStatus,
  MetricTarget,
  MetricValueStatus,
} from '../k8s/types.ts';
import { parseQuantity } from './quantity.ts';

export type MetricType = 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
export type TargetType = 'Utilization' | 'AverageValue' | 'Value';

export interface MetricAnalysis {
  type: MetricType | string;
  /** cpu / memory for resource metrics, the metric name otherwise. */
  name: string;
  container?: string;
  /** For Object metrics: "Kind/name" of the described object. */
  describedObject?: string;
  targetType?: TargetType | string;
  /** Target as a number: a percentage for Utilization, the parsed quantity otherwise. */
  target?: number;
  /** The target as written in the spec (`70`, `250m`, `1Gi`). */
  targetText?: string;
  current?: number;
  currentText?: string;
  /** current / target. Above 1, the HPA wants more replicas for this metric. */
  ratio?: number;
  aboveTarget: boolean;
}

export interface ConditionState {
  status?: string;
  reason?: string;
  message?: string;
}

export interface HpaAnalysis {
  cluster: string;
  namespace: string;
  name: string;
  target: { kind: string; name: string; apiVersion?: string };
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
  /** Whether the HPA controller has reported status at all (a new HPA has none). */
  observed: boolean;
  headroomReplicas: number;
  /** Headroom as a percentage of maxReplicas (0 at max). */
  headroomPercent: number;
  atMax: boolean;
  nearMax: boolean;
  metrics: MetricAnalysis[];
  /** The highest current/target across metrics, in percent of target: the metric driving scale. */
  loadPercent?: number;
  /** Average CPU utilisation (percent of requests) when the HPA reports it. */
  cpuUtilization?: number;
  ableToScale?: ConditionState;
  scalingActive?: ConditionState;
  scalingLimited?: ConditionState;
}

export interface ScalingOptions {
  /** "Near max": current >= max * (1 - nearMaxFraction) (default 0.1: within 10% of max). */
  nearMaxFraction?: number;
}

function finite(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

function metricIdentity(m: MetricSpec | MetricStatus): {
  type: string;
  name: string;
  container?: string;
  described?: string;
} {
  const type = m.type ?? '';
  switch (type) {
    case 'Resource':
      return { type, name: m.resource?.name ?? '' };
    case 'ContainerResource':
      return { type, name: m.containerResource?.name ?? '', container: m.containerResource?.container ?? '' };
    case 'Pods':
      return { type, name: m.pods?.metric?.name ?? '' };
    case 'Object': {
      const d = m.object?.describedObject;
      return { type, name: m.object?.metric?.name ?? '', described: `${d?.kind ?? ''}/${d?.name ?? ''}` };
    }
    case 'External':
      return { type, name: m.external?.metric?.name ?? '' };
    default:
      return { type, name: '' };
  }
}

function targetOf(m: MetricSpec): MetricTarget | undefined {
  return (
    m.resource?.target ??
    m.containerResource?.target ??
    m.pods?.target ??
    m.object?.target ??
    m.external?.target
  );
}
function currentOf(m: MetricStatus): MetricValueStatus | undefined {
  return (
    m.resource?.current ??
    m.containerResource?.current ??
    m.pods?.current ??
    m.object?.current ??
    m.external?.current
  );
}

function identityKey(i: { type: string; name: string; container?: string; described?: string }): string {
  return `${i.type}|${i.name}|${i.container ?? ''}|${i.described ?? ''}`;
}

function conditionState(conditions: Condition[] | undefined, type: string): ConditionState | undefined {
  if (!Array.isArray(conditions)) return undefined;
  const c = conditions.find((x) => x?.type === type);
  if (!c) return undefined;
  const s: ConditionState = {};
  if (c.status !== undefined) s.status = c.status;
  if (c.reason !== undefined) s.reason = c.reason;
  if (c.message !== undefined) s.message = c.message;
  return s;
}

/** One metric's target and current value. */
export function analyzeMetric(spec: MetricSpec, status: MetricStatus | undefined): MetricAnalysis {
  const id = metricIdentity(spec);
  const target = targetOf(spec);
  const current = status ? currentOf(status) : undefined;
  const out: MetricAnalysis = { type: id.type, name: id.name, aboveTarget: false };
  if (id.container !== undefined) out.container = id.container;
  if (id.described !== undefined) out.describedObject = id.described;
  // A target's type may be omitted in hand-written objects; infer it from the field set.
  const targetType =
    target?.type ??
    (target?.averageUtilization !== undefined
      ? 'Utilization'
      : target?.averageValue !== undefined
        ? 'AverageValue'
        : target?.value !== undefined
          ? 'Value'
          : undefined);
  if (targetType !== undefined) out.targetType = targetType;
  if (targetType === 'Utilization') {
    if (finite(target?.averageUtilization)) {
      out.target = target.averageUtilization;
      out.targetText = `${target.averageUtilization}%`;
    }
    if (finite(current?.averageUtilization)) {
      out.current = current.averageUtilization;
      out.currentText = `${current.averageUtilization}%`;
    }
  } else if (targetType === 'AverageValue' || targetType === 'Value') {
    const field = targetType === 'AverageValue' ? 'averageValue' : 'value';
    const t = target?.[field];
    const parsed = parseQuantity(t);
    if (parsed !== undefined && typeof t === 'string') {
      out.target = parsed;
      out.targetText = t;
    }
    const c = current?.[field] ?? (targetType === 'AverageValue' ? current?.value : current?.averageValue);
    const cp = parseQuantity(c);
    if (cp !== undefined && typeof c === 'string') {
      out.current = cp;
      out.currentText = c;
    }
  }
  if (out.current !== undefined && out.target !== undefined && out.target > 0) {
    out.ratio = out.current / out.target;
    out.aboveTarget = out.ratio > 1;
  }
  return out;
}

/** min/max/current/desired, every metric with current vs target, and headroom to max. */
export function analyzeHpa(
  cluster: string,
  hpa: HorizontalPodAutoscaler,
  options: ScalingOptions = {},
): HpaAnalysis {
  const spec = hpa.spec ?? {};
  const status = hpa.status;
  const min = finite(spec.minReplicas) ? spec.minReplicas : 1;
  const max = finite(spec.maxReplicas) ? spec.maxReplicas : min;
  const current = finite(status?.currentReplicas) ? status.currentReplicas : 0;
  const desired = finite(status?.desiredReplicas) ? status.desiredReplicas : current;
  const statusByKey = new Map<string, MetricStatus>();
  for (const m of Array.isArray(status?.currentMetrics) ? status.currentMetrics : []) {
    if (m) statusByKey.set(identityKey(metricIdentity(m)), m);
  }
  const metrics = (Array.isArray(spec.metrics) ? spec.metrics : [])
    .filter((m): m is MetricSpec => !!m)
    .map((m) => analyzeMetric(m, statusByKey.get(identityKey(metricIdentity(m)))));
  const ratios = metrics.map((m) => m.ratio).filter(finite);
  const cpu = metrics.find(
    (m) => m.type === 'Resource' && m.name === 'cpu' && m.targetType === 'Utilization',
  );
  const fraction = options.nearMaxFraction ?? 0.1;
  const atMax = current >= max && max > 0;
  const out: HpaAnalysis = {
    cluster,
    namespace: hpa.metadata?.namespace ?? '',
    name: hpa.metadata?.name ?? '',
    target: { kind: spec.scaleTargetRef?.kind ?? '', name: spec.scaleTargetRef?.name ?? '' },
    minReplicas: min,
    maxReplicas: max,
    currentReplicas: current,
    desiredReplicas: desired,
    observed: status !== undefined && finite(status.currentReplicas),
    headroomReplicas: Math.max(0, max - current),
    headroomPercent: max > 0 ? round1((Math.max(0, max - current) / max) * 100) : 0,
    atMax,
    nearMax: !atMax && max > 0 && current >= max * (1 - fraction),
    metrics,
  };
  if (spec.scaleTargetRef?.apiVersion) out.target.apiVersion = spec.scaleTargetRef.apiVersion;
  if (ratios.length) out.loadPercent = round1(Math.max(...ratios) * 100);
  if (cpu?.current !== undefined) out.cpuUtilization = cpu.current;
  const conditions = status?.conditions;
  const able = conditionState(conditions, 'AbleToScale');
  const active = conditionState(conditions, 'ScalingActive');
  const limited = conditionState(conditions, 'ScalingLimited');
  if (able) out.ableToScale = able;
  if (active) out.scalingActive = active;
  if (limited) out.scalingLimited = limited;
  return out;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export interface Spread {
  min: number;
  max: number;
  mean: number;
}

function spread(values: number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, max, mean: round1(sum / values.length) };
}

export interface ClusterScaling extends HpaAnalysis {
  /** This cluster's share of the workload's current replicas, in percent. */
  replicaShare: number;
}

/** One workload (namespace + scale target) autoscaled in one or more clusters. */
export interface WorkloadScaling {
  namespace: string;
  target: { kind: string; name: string };
  clusters: ClusterScaling[];
  totalCurrent: number;
  totalDesired: number;
  totalMin: number;
  totalMax: number;
  headroomReplicas: number;
  headroomPercent: number;
  /** The cluster running the most replicas (ties: the higher load). */
  busiestCluster?: string;
  /** The cluster whose metrics are furthest above target. */
  hottestCluster?: string;
  /** Clusters at or within the near-max band of maxReplicas. */
  nearLimit: string[];
  atLimit: string[];
  replicas: Spread;
  /** Spread of loadPercent (current/target across metrics) between clusters. */
  load?: Spread;
  cpuUtilization?: Spread;
  /**
   * Settings that are not the same in every cluster the workload is autoscaled in (max or min
   * replicas, a metric's target, a metric missing somewhere): usually a copy that drifted.
   */
  differences: ScalingDifference[];
}

export interface ScalingDifference {
  setting: 'maxReplicas' | 'minReplicas' | 'target';
  /** For a target: the metric, as `name` or `name (container)` or `name (Kind/name)`. */
  metric?: string;
  /** Each distinct value with the clusters that have it, most clusters first; "none": no such metric. */
  values: { value: string; clusters: string[] }[];
}

function metricLabel(m: MetricAnalysis): string {
  const of = m.container ?? m.describedObject;
  return of ? `${m.name} (${of})` : m.name || m.type;
}

/** Where max, min or a metric target is not the same across the clusters of one workload. */
export function scalingDifferences(list: readonly HpaAnalysis[]): ScalingDifference[] {
  if (list.length < 2) return [];
  const out: ScalingDifference[] = [];
  const differing = (values: Map<string, string[]>) =>
    values.size > 1
      ? [...values]
          .map(([value, clusters]) => ({ value, clusters }))
          .sort((a, b) => b.clusters.length - a.clusters.length || (a.value < b.value ? -1 : 1))
      : undefined;
  const group = (settingOf: (a: HpaAnalysis) => string) => {
    const values = new Map<string, string[]>();
    for (const a of list) {
      const v = settingOf(a);
      values.set(v, [...(values.get(v) ?? []), a.cluster]);
    }
    return differing(values);
  };
  const max = group((a) => String(a.maxReplicas));
  if (max) out.push({ setting: 'maxReplicas', values: max });
  const min = group((a) => String(a.minReplicas));
  if (min) out.push({ setting: 'minReplicas', values: min });
  const metrics = new Map<string, string>();
  for (const a of list) for (const m of a.metrics) metrics.set(metricKey(m), metricLabel(m));
  for (const [k, label] of metrics) {
    const values = group((a) => {
      const m = a.metrics.find((x) => metricKey(x) === k);
      if (!m) return 'none';
      return m.targetText ?? (m.target !== undefined ? String(m.target) : '?');
    });
    if (values) out.push({ setting: 'target', metric: label, values });
  }
  return out;
}

function metricKey(m: MetricAnalysis): string {
  return `${m.type}|${m.name}|${m.container ?? ''}|${m.describedObject ?? ''}|${m.targetType ?? ''}`;
}

/**
 * Groups HPAs by what they scale (namespace + target kind/name) across clusters and says how
 * replicas and load spread: which cluster carries the load, which is near its limit.
 */
export function analyzeScaling(
  hpas: Iterable<{ cluster: string; object: HorizontalPodAutoscaler }>,
  options: ScalingOptions = {},
): WorkloadScaling[] {
  const groups = new Map<string, HpaAnalysis[]>();
  for (const { cluster, object } of hpas) {
    if (!object || typeof object !== 'object') continue;
    const a = analyzeHpa(cluster, object, options);
    const key = `${a.namespace}/${a.target.kind}/${a.target.name || a.name}`;
    const list = groups.get(key);
    if (list) list.push(a);
    else groups.set(key, [a]);
  }
  const out: WorkloadScaling[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
    const totalCurrent = sum(list.map((a) => a.currentReplicas));
    const totalMax = sum(list.map((a) => a.maxReplicas));
    const clusters = list.map((a) => ({
      ...a,
      replicaShare: totalCurrent > 0 ? round1((a.currentReplicas / totalCurrent) * 100) : 0,
    }));
    const first = list[0]!;
    const w: WorkloadScaling = {
      namespace: first.namespace,
      target: { kind: first.target.kind, name: first.target.name || first.name },
      clusters,
      totalCurrent,
      totalDesired: sum(list.map((a) => a.desiredReplicas)),
      totalMin: sum(list.map((a) => a.minReplicas)),
      totalMax,
      headroomReplicas: sum(list.map((a) => a.headroomReplicas)),
      headroomPercent: totalMax > 0 ? round1((sum(list.map((a) => a.headroomReplicas)) / totalMax) * 100) : 0,
      nearLimit: list.filter((a) => a.nearMax || a.atMax).map((a) => a.cluster),
      atLimit: list.filter((a) => a.atMax).map((a) => a.cluster),
      replicas: spread(list.map((a) => a.currentReplicas)) ?? { min: 0, max: 0, mean: 0 },
      differences: scalingDifferences(list),
    };
    const busiest = [...list].sort(
      (a, b) => b.currentReplicas - a.currentReplicas || (b.loadPercent ?? 0) - (a.loadPercent ?? 0),
    )[0];
    if (busiest && busiest.currentReplicas > 0) w.busiestCluster = busiest.cluster;
    const withLoad = list.filter((a) => a.loadPercent !== undefined);
    const hottest = [...withLoad].sort((a, b) => (b.loadPercent ?? 0) - (a.loadPercent ?? 0))[0];
    if (hottest) w.hottestCluster = hottest.cluster;
    const load = spread(withLoad.map((a) => a.loadPercent ?? 0));
    if (load) w.load = load;
    const cpu = spread(list.map((a) => a.cpuUtilization).filter(finite));
    if (cpu) w.cpuUtilization = cpu;
    out.push(w);
  }
  // Workloads closest to their limits first.
  return out.sort(
    (a, b) =>
      b.atLimit.length - a.atLimit.length ||
      b.nearLimit.length - a.nearLimit.length ||
      a.headroomPercent - b.headroomPercent ||
      (a.target.name < b.target.name ? -1 : a.target.name > b.target.name ? 1 : 0),
  );
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
