import type { Ingress, IngressBackend, PodDisruptionBudget, Service } from '../../k8s/types.ts';
import type { Collector, Snapshot } from '../snapshot.ts';
import type { ObjectRef, Tagged } from '../types.ts';
import { condition, formatDuration, num, refOf, time } from '../util.ts';
import type { PodLabelIndex } from './podIndex.ts';

export function checkService(
  snap: Snapshot,
  item: Tagged<Service>,
  out: Collector,
  pods: () => PodLabelIndex,
): void {
  const svc = item.object;
  const ref = refOf(item.cluster, 'Service', svc);
  const type = svc.spec?.type ?? 'ClusterIP';
  const selector = svc.spec?.selector;
  // Endpoints can only be judged when the input holds this cluster's pods.
  if (
    type !== 'ExternalName' &&
    selector &&
    Object.keys(selector).length > 0 &&
    snap.has('Pod', item.cluster)
  ) {
    const { matching, ready } = pods().match(item.cluster, ref.namespace, selector);
    if (ready === 0) {
      const sel = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      out.add(ref, {
        rule: 'service-no-ready-endpoints',
        severity: matching > 0 ? 'critical' : 'warning',
        summary:
          matching > 0
            ? `none of the ${matching} pods matching ${sel} is ready`
            : `selector ${sel} matches no pod`,
        explanation:
          matching > 0
            ? 'The Service has no ready endpoints: every matching pod fails readiness, so requests to it fail.'
            : 'The selector matches no pod in the namespace: a label typo, or the workload is not deployed here.',
        nextSteps:
          matching > 0
            ? ['Look at the findings on the matching pods.']
            : [
                'Compare the Service selector with the pod template labels.',
                `kubectl get pods -n ${ref.namespace} -l ${sel}`,
              ],
        evidence: { details: { selector: sel, matchingPods: matching, readyPods: 0 } },
      });
    }
  }
  if (type === 'LoadBalancer') {
    const ingress = svc.status?.loadBalancer?.ingress;
    const created = time(svc.metadata?.creationTimestamp);
    const age = created === undefined ? undefined : (snap.now - created) / 1000;
    if (
      (!Array.isArray(ingress) || ingress.length === 0) &&
      age !== undefined &&
      age > snap.options.loadBalancerPendingSeconds
    ) {
      out.add(ref, {
        rule: 'service-lb-pending',
        severity: 'warning',
        summary: `LoadBalancer has no external address after ${formatDuration(age)}`,
        explanation:
          'No load balancer was provisioned: the cluster has no load-balancer controller, the cloud quota is exhausted, or an annotation is invalid.',
        nextSteps: [
          'Read the Service’s events (SyncLoadBalancerFailed).',
          'Check the cloud controller / load balancer controller logs.',
        ],
        evidence: { events: snap.eventsFor(item.cluster, 'Service', ref.namespace, ref.name) },
      });
    }
  }
}

function backends(ing: Ingress): IngressBackend[] {
  const out: IngressBackend[] = [];
  if (ing.spec?.defaultBackend) out.push(ing.spec.defaultBackend);
  for (const rule of Array.isArray(ing.spec?.rules) ? ing.spec.rules : []) {
    for (const path of Array.isArray(rule?.http?.paths) ? rule.http.paths : [])
      if (path?.backend) out.push(path.backend);
  }
  return out;
}

export function checkIngress(snap: Snapshot, item: Tagged<Ingress>, out: Collector): void {
  if (!snap.has('Service', item.cluster)) return;
  const ing = item.object;
  const ref = refOf(item.cluster, 'Ingress', ing);
  const missing = new Set<string>();
  for (const b of backends(ing)) {
    const name = b.service?.name;
    if (name && !snap.get(item.cluster, 'Service', ref.namespace, name)) missing.add(name);
  }
  if (missing.size === 0) return;
  const names = [...missing].sort();
  out.add(ref, {
    rule: 'ingress-missing-service',
    severity: 'critical',
    summary: `routes to Service${names.length > 1 ? 's' : ''} that do not exist: ${names.join(', ')}`,
    explanation: 'Requests routed to a missing Service fail (usually 503 from the ingress controller).',
    nextSteps: ['Fix the backend service name in the Ingress, or deploy the Service.'],
    evidence: { details: { missingServices: names } },
  });
}

export function checkPdb(_snap: Snapshot, item: Tagged<PodDisruptionBudget>, out: Collector): void {
  const pdb = item.object;
  const s = pdb.status;
  if (!s || typeof s.disruptionsAllowed !== 'number' || s.disruptionsAllowed > 0) return;
  const expected = num(s.expectedPods);
  if (expected === 0) return;
  const healthy = num(s.currentHealthy);
  const desired = num(s.desiredHealthy);
  const ref: ObjectRef = {
    cluster: item.cluster,
    namespace: pdb.metadata?.namespace ?? '',
    kind: 'PodDisruptionBudget',
    name: pdb.metadata?.name ?? '',
  };
  const unhealthy = healthy < desired;
  out.add(ref, {
    rule: 'pdb-zero-disruptions',
    severity: 'warning',
    summary: `allows no disruptions (${healthy} healthy, ${desired} required, ${expected} expected): node drains are blocked`,
    explanation: unhealthy
      ? 'Fewer pods are healthy than the budget requires, so no pod may be evicted; node drains and cluster upgrades hang until they recover.'
      : 'The budget is as strict as the replica count (minAvailable equal to replicas, or maxUnavailable 0): no pod can ever be evicted voluntarily.',
    nextSteps: unhealthy
      ? ['Fix the unhealthy pods first.']
      : ['Set maxUnavailable: 1 (or minAvailable below the replica count), or run more replicas.'],
    evidence: {
      conditions: (() => {
        const c = condition(s.conditions, 'DisruptionAllowed');
        return c ? [{ type: c.type, status: c.status, reason: c.reason, message: c.message }] : [];
      })(),
      details: {
        minAvailable: pdb.spec?.minAvailable ?? null,
        maxUnavailable: pdb.spec?.maxUnavailable ?? null,
        currentHealthy: healthy,
        desiredHealthy: desired,
        expectedPods: expected,
      },
    },
  });
}
