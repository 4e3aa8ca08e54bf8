import type { HorizontalPodAutoscaler } from '../../k8s/types.ts';
import { analyzeHpa, type MetricAnalysis } from '../../scaling/analyze.ts';
import type { Collector, Snapshot } from '../snapshot.ts';
import type { Tagged } from '../types.ts';
import { condition, conditionEvidence, refOf } from '../util.ts';

function describeMetric(m: MetricAnalysis): string {
  const name = m.container ? `${m.name} (container ${m.container})` : m.name;
  return `${name} ${m.currentText ?? '?'} / target ${m.targetText ?? '?'}`;
}

/** Far from max, min < max, and no unhealthy condition: skip the full analysis (most HPAs). */
function quiet(hpa: HorizontalPodAutoscaler, nearMaxFraction: number): boolean {
  const min = hpa.spec?.minReplicas ?? 1;
  const max = hpa.spec?.maxReplicas;
  const current = hpa.status?.currentReplicas;
  if (typeof max !== 'number' || typeof current !== 'number' || min >= max) return false;
  if (current >= max * (1 - nearMaxFraction)) return false;
  const conditions = hpa.status?.conditions;
  if (Array.isArray(conditions)) {
    for (const c of conditions) {
      if (!c) continue;
      if ((c.type === 'AbleToScale' || c.type === 'ScalingActive') && c.status === 'False') return false;
      if (c.type === 'ScalingLimited' && c.status === 'True') return false;
    }
  }
  return true;
}

export function checkHpa(snap: Snapshot, item: Tagged<HorizontalPodAutoscaler>, out: Collector): void {
  const hpa = item.object;
  const ref = refOf(item.cluster, 'HorizontalPodAutoscaler', hpa);
  if (quiet(hpa, snap.options.hpaNearMaxFraction)) return;
  const a = analyzeHpa(item.cluster, hpa, { nearMaxFraction: snap.options.hpaNearMaxFraction });
  const target = `${a.target.kind}/${a.target.name}`;
  const conditions = hpa.status?.conditions;
  const details = {
    minReplicas: a.minReplicas,
    maxReplicas: a.maxReplicas,
    currentReplicas: a.currentReplicas,
    desiredReplicas: a.desiredReplicas,
    headroomReplicas: a.headroomReplicas,
    headroomPercent: a.headroomPercent,
    target,
  };
  const metrics = a.metrics.filter((m) => m.current !== undefined).map(describeMetric);
  const events = () => snap.eventsFor(item.cluster, 'HorizontalPodAutoscaler', ref.namespace, ref.name);

  if (hpa.spec && a.minReplicas === a.maxReplicas) {
    out.add(ref, {
      rule: 'hpa-min-equals-max',
      severity: 'info',
      summary: `minReplicas = maxReplicas = ${a.maxReplicas}: autoscaling is disabled in effect`,
      explanation: 'The HPA can never change the replica count.',
      nextSteps: ['Raise maxReplicas if the workload should scale, or remove the HPA.'],
      evidence: { details },
    });
  }

  let atMaxReported = false;
  if (a.observed && a.atMax && a.minReplicas < a.maxReplicas) {
    atMaxReported = true;
    const above = a.metrics.filter((m) => m.aboveTarget);
    out.add(ref, {
      rule: 'hpa-at-max',
      severity: above.length ? 'critical' : 'warning',
      summary: `at maxReplicas (${a.currentReplicas}/${a.maxReplicas})${above.length ? `, still above target: ${above.map(describeMetric).join(', ')}` : ''}`,
      explanation: above.length
        ? `The autoscaler wants more replicas for ${target} than maxReplicas allows, and the load is above target: the service is short of capacity in this cluster.`
        : `${target} runs at the HPA’s ceiling: any more load cannot be absorbed by scaling.`,
      nextSteps: [
        'Raise maxReplicas (check the cluster has room), or shift traffic to other clusters.',
        'Check whether a recent change made each replica less efficient.',
      ],
      evidence: {
        conditions: conditionEvidence(condition(conditions, 'ScalingLimited')),
        events: events(),
        details: { ...details, metrics },
      },
    });
  } else if (a.observed && a.nearMax && a.minReplicas < a.maxReplicas) {
    out.add(ref, {
      rule: 'hpa-near-max',
      severity: 'warning',
      summary: `near maxReplicas: ${a.currentReplicas}/${a.maxReplicas} (${a.headroomReplicas} replicas, ${a.headroomPercent}% headroom)`,
      explanation: `${target} is within ${Math.round(snap.options.hpaNearMaxFraction * 100)}% of its autoscaling ceiling.`,
      nextSteps: ['Plan a higher maxReplicas before the next peak, or check why load grew.'],
      evidence: { details: { ...details, metrics } },
    });
  }

  const active = condition(conditions, 'ScalingActive');
  // ScalingDisabled: the target was scaled to zero on purpose, so the HPA stands down.
  if (active?.status === 'False' && active.reason !== 'ScalingDisabled') {
    out.add(ref, {
      rule: 'hpa-metrics-unavailable',
      severity: 'warning',
      summary: `cannot compute replicas: ${active.reason ?? 'ScalingActive=False'}`,
      explanation: /FailedGet(Resource|ContainerResource)Metric/.test(active.reason ?? '')
        ? 'The HPA gets no resource metrics: metrics-server is missing or failing, or the pods have no CPU/memory requests to compute utilisation from.'
        : /FailedGet(Pods|Object|External)Metric/.test(active.reason ?? '')
          ? 'The custom or external metrics API does not return this metric (adapter down, metric renamed, or selector wrong).'
          : 'The HPA is not scaling: its metrics cannot be computed.',
      nextSteps: [
        'Check metrics-server / the metrics adapter (kubectl get apiservices | grep metrics).',
        'Check the target pods set resource requests for the metrics used.',
      ],
      evidence: {
        reason: active.reason,
        message: active.message,
        conditions: conditionEvidence(active),
        events: events(),
        details,
      },
    });
  }

  const able = condition(conditions, 'AbleToScale');
  if (able?.status === 'False') {
    out.add(ref, {
      rule: 'hpa-unable-to-scale',
      severity: 'warning',
      summary: `cannot scale ${target}: ${able.reason ?? 'AbleToScale=False'}`,
      explanation:
        able.reason === 'FailedGetScale'
          ? 'The HPA cannot read the target’s scale subresource: the target does not exist or its name/kind is wrong.'
          : 'The HPA cannot update the target’s replica count.',
      nextSteps: [
        'Check scaleTargetRef names an existing workload.',
        'Check the HPA controller’s permissions.',
      ],
      evidence: {
        reason: able.reason,
        message: able.message,
        conditions: conditionEvidence(able),
        events: events(),
        details,
      },
    });
  }

  const limited = condition(conditions, 'ScalingLimited');
  if (limited?.status === 'True' && !(atMaxReported && limited.reason === 'TooManyReplicas')) {
    const tooMany = limited.reason === 'TooManyReplicas';
    out.add(ref, {
      rule: 'hpa-scaling-limited',
      severity: tooMany ? 'warning' : 'info',
      summary: `desired replicas clamped: ${limited.reason ?? 'ScalingLimited'}`,
      explanation: tooMany
        ? 'The metrics ask for more replicas than maxReplicas.'
        : limited.reason === 'TooFewReplicas'
          ? 'The metrics ask for fewer replicas than minReplicas: the workload is over-provisioned at its minimum.'
          : 'The computed replica count was limited by the HPA’s bounds or scaling policies.',
      nextSteps: tooMany ? ['Raise maxReplicas.'] : ['Nothing urgent; consider a lower minReplicas.'],
      evidence: {
        reason: limited.reason,
        message: limited.message,
        conditions: conditionEvidence(limited),
        details,
      },
    });
  }
}
