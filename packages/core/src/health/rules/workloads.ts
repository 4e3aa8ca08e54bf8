import { rolloutOf } from '../../k8s/rollout.ts';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../k8s/types.ts';
import type { Collector, Snapshot } from '../snapshot.ts';
import type { Tagged } from '../types.ts';
import { condition, conditionEvidence, controllerOf, intOrPercent, num, plural, refOf } from '../util.ts';

export function checkDeployment(snap: Snapshot, item: Tagged<Deployment>, out: Collector): void {
  const d = item.object;
  const ref = refOf(item.cluster, 'Deployment', d);
  const desired = num(d.spec?.replicas, 1);
  const events = () => snap.eventsFor(item.cluster, 'Deployment', ref.namespace, ref.name);

  if (d.spec?.replicas === 0) {
    const lifecycle = snap.lifecycleOf(ref);
    if (lifecycle === 'production') {
      out.add(ref, {
        rule: 'deployment-zero-replicas',
        severity: 'warning',
        summary: 'scaled to zero replicas, but the catalog lists the service as production',
        explanation:
          'A production service with zero replicas serves nothing: someone scaled it down, or a deploy set replicas: 0.',
        nextSteps: [
          'Check who scaled it down (audit log, deploy history).',
          'Scale it back up if unintended.',
        ],
        evidence: { details: { replicas: 0, lifecycle } },
      });
    }
  }

  const s = d.status;
  if (!s) return;
  // The same judgement as the view's pill: a new template going out, not merely unavailable pods.
  const rollout = rolloutOf('Deployment', d);
  const conditions = s.conditions;
  const progressing = condition(conditions, 'Progressing');
  const replicaFailure = condition(conditions, 'ReplicaFailure');
  const deadline = progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
  const updated = num(s.updatedReplicas);
  const available = num(s.availableReplicas);
  const ready = num(s.readyReplicas);

  if (deadline) {
    out.add(ref, {
      rule: 'deployment-progress-deadline',
      severity: 'critical',
      summary: `rollout stuck: progress deadline exceeded (${updated}/${desired} updated, ${available} available)`,
      explanation:
        'The new ReplicaSet made no progress within progressDeadlineSeconds: its pods do not become available (crash loop, image pull, failing readiness, no room to schedule, or quota).',
      nextSteps: [
        'Look at the findings on the new pods (crash loop, image pull, unschedulable).',
        `Roll back if the new version is broken: kubectl rollout undo deployment/${ref.name} -n ${ref.namespace}`,
      ],
      evidence: {
        reason: progressing.reason,
        message: progressing.message,
        conditions: conditionEvidence(progressing),
        events: events(),
        details: {
          desired,
          updated,
          available,
          progressDeadlineSeconds: num(d.spec?.progressDeadlineSeconds, 600),
        },
      },
    });
  }

  if (replicaFailure?.status === 'True') {
    const message = replicaFailure.message ?? '';
    const quota = /exceeded quota/i.test(message);
    const admission = /admission webhook|denied the request|forbidden/i.test(message) && !quota;
    out.add(ref, {
      rule: 'deployment-replica-failure',
      severity: 'critical',
      summary: `cannot create pods${quota ? ': resource quota exceeded' : admission ? ': denied by admission' : ''}`,
      explanation: quota
        ? 'The namespace ResourceQuota has no room for another pod with these requests/limits.'
        : admission
          ? 'An admission controller (policy, webhook, pod security) rejects the pods this Deployment creates.'
          : 'The ReplicaSet controller fails to create pods; the condition message says why.',
      nextSteps: quota
        ? [
            'Compare the quota usage with the pods’ requests (kubectl describe quota).',
            'Raise the quota or lower requests.',
          ]
        : ['Read the rejection message; fix the pod spec or the policy.'],
      evidence: {
        reason: replicaFailure.reason,
        message,
        conditions: conditionEvidence(replicaFailure),
        events: events(),
      },
    });
  }

  const strategy = d.spec?.strategy;
  const maxUnavailable =
    strategy?.type === 'Recreate'
      ? 0
      : intOrPercent(strategy?.rollingUpdate?.maxUnavailable, desired, '25%', 'down');
  // status.unavailableReplicas counts surge pods too (total - available); what the strategy
  // bounds is how far availability falls below the desired count.
  const unavailable = Math.max(0, desired - available);
  if (desired > 0 && (available === 0 || unavailable > maxUnavailable)) {
    const none = available === 0;
    out.add(ref, {
      rule: 'deployment-unavailable',
      severity: none ? 'critical' : 'warning',
      summary: none
        ? `no available replicas (0/${desired})`
        : `${unavailable} of ${desired} replicas unavailable (maxUnavailable ${maxUnavailable})`,
      explanation: none
        ? 'No pod of this Deployment is available: the service is down in this cluster.'
        : 'More replicas are unavailable than the rollout strategy allows: capacity is reduced beyond plan.',
      nextSteps: [
        'Look at the pod findings of this Deployment for the cause.',
        'Check recent changes (deploys, node drains, config).',
      ],
      evidence: {
        conditions: conditionEvidence(condition(conditions, 'Available')),
        details: { desired, available, ready, unavailable, maxUnavailable },
      },
    });
  }

  if (d.spec?.paused) {
    out.add(ref, {
      rule: 'deployment-paused',
      severity: 'info',
      summary: `rollout paused${updated < desired ? ` with ${updated}/${desired} replicas updated` : ''}`,
      explanation:
        'The Deployment is paused: changes to its template are not rolled out until it is resumed.',
      nextSteps: [`Resume when ready: kubectl rollout resume deployment/${ref.name} -n ${ref.namespace}`],
      evidence: { details: { desired, updated, available } },
    });
  } else if (rollout.updating && rollout.state === 'progressing') {
    const percent = desired > 0 ? Math.round((Math.min(updated, desired) / desired) * 100) : 100;
    out.add(ref, {
      rule: 'deployment-rollout',
      severity: 'info',
      summary: `rollout in progress: ${updated}/${desired} updated (${percent}%), ${available} available`,
      explanation: 'A new version is being rolled out.',
      nextSteps: [`Follow it: kubectl rollout status deployment/${ref.name} -n ${ref.namespace}`],
      evidence: {
        conditions: conditionEvidence(progressing),
        details: { desired, updated, available, percent, replicas: num(s.replicas) },
      },
    });
  }
}

/** A ReplicaFailure on a ReplicaSet that no watched Deployment owns (a Deployment reports it itself). */
export function checkReplicaSet(snap: Snapshot, item: Tagged<ReplicaSet>, out: Collector): void {
  const rs = item.object;
  const failure = condition(rs.status?.conditions, 'ReplicaFailure');
  if (failure?.status !== 'True') return;
  const owner = controllerOf(rs.metadata);
  if (owner?.kind === 'Deployment' && owner.name) {
    if (snap.get(item.cluster, 'Deployment', rs.metadata?.namespace ?? '', owner.name)) return;
  }
  const ref = refOf(item.cluster, 'ReplicaSet', rs);
  out.add(ref, {
    rule: 'deployment-replica-failure',
    severity: 'critical',
    summary: `cannot create pods: ${failure.reason ?? 'ReplicaFailure'}`,
    explanation: 'The ReplicaSet controller fails to create pods (quota, admission or a bad pod spec).',
    nextSteps: ['Read the condition message and the FailedCreate events.'],
    evidence: {
      reason: failure.reason,
      message: failure.message,
      conditions: conditionEvidence(failure),
      events: snap.eventsFor(item.cluster, 'ReplicaSet', ref.namespace, ref.name),
    },
  });
}

export function checkStatefulSet(snap: Snapshot, item: Tagged<StatefulSet>, out: Collector): void {
  const s = item.object;
  const st = s.status;
  if (!st) return;
  const ref = refOf(item.cluster, 'StatefulSet', s);
  const desired = num(s.spec?.replicas, 1);
  const ready = num(st.readyReplicas);
  const updated = num(st.updatedReplicas);
  const events = snap.eventsFor(item.cluster, 'StatefulSet', ref.namespace, ref.name);
  if (ready < desired) {
    out.add(ref, {
      rule: 'statefulset-not-ready',
      severity: ready === 0 ? 'critical' : 'warning',
      summary: `${ready}/${desired} replicas ready`,
      explanation:
        'Some StatefulSet pods are not ready. With the default OrderedReady policy the controller creates and updates pods one at a time, so one stuck pod blocks the ones after it.',
      nextSteps: [
        'Look at the findings of the lowest-ordinal unready pod first.',
        'Check its PersistentVolumeClaim is bound.',
      ],
      evidence: { events, details: { desired, ready, current: num(st.currentReplicas), updated } },
    });
  }
  const partition = num(s.spec?.updateStrategy?.rollingUpdate?.partition);
  const rolling = rolloutOf('StatefulSet', s).updating;
  if (rolling && ready < desired) {
    out.add(ref, {
      rule: 'statefulset-rollout-stuck',
      severity: 'warning',
      summary: `rollout blocked at ${updated}/${desired - partition} updated: ${desired - ready} not ready`,
      explanation:
        'The rolling update waits for every pod to be ready before replacing the next one; an unready pod (often one on the new revision) holds it.',
      nextSteps: [
        'Fix or roll back the revision the unready pod runs; a pod broken by the new revision may need deleting after the rollback.',
      ],
      evidence: {
        events,
        details: {
          currentRevision: st.currentRevision ?? null,
          updateRevision: st.updateRevision ?? null,
          updated,
          desired,
          ready,
          partition,
        },
      },
    });
  }
}

export function checkDaemonSet(snap: Snapshot, item: Tagged<DaemonSet>, out: Collector): void {
  const d = item.object;
  const s = d.status;
  if (!s) return;
  const ref = refOf(item.cluster, 'DaemonSet', d);
  const desired = num(s.desiredNumberScheduled);
  const available = num(s.numberAvailable);
  const scheduled = num(s.currentNumberScheduled);
  const unavailable =
    typeof s.numberUnavailable === 'number' ? s.numberUnavailable : Math.max(0, desired - available);
  const misscheduled = num(s.numberMisscheduled);
  const rolling = rolloutOf('DaemonSet', d).updating;
  const maxUnavailable = intOrPercent(
    d.spec?.updateStrategy?.rollingUpdate?.maxUnavailable,
    desired,
    1,
    'up',
  );
  const events = () => snap.eventsFor(item.cluster, 'DaemonSet', ref.namespace, ref.name);
  const details = {
    desired,
    scheduled,
    available,
    unavailable,
    misscheduled,
    updated: num(s.updatedNumberScheduled),
    maxUnavailable,
  };

  if (desired > 0 && unavailable > (rolling ? maxUnavailable : 0)) {
    out.add(ref, {
      rule: 'daemonset-unavailable',
      severity: available === 0 ? 'critical' : 'warning',
      summary: `${unavailable} of ${desired} pods unavailable${scheduled < desired ? ` (${desired - scheduled} not scheduled)` : ''}`,
      explanation:
        scheduled < desired
          ? 'Some nodes that should run this DaemonSet have no pod: resources on those nodes are exhausted, or the pod cannot be created.'
          : 'Some of the DaemonSet’s pods are not available on their nodes.',
      nextSteps: [
        'Look at the pod findings for this DaemonSet.',
        'Check the nodes without a pod (kubectl describe ds).',
      ],
      evidence: { events: events(), details },
    });
  }
  if (misscheduled > 0) {
    out.add(ref, {
      rule: 'daemonset-misscheduled',
      severity: 'warning',
      summary: `${plural(misscheduled, 'pod')} running on nodes where the DaemonSet should not run`,
      explanation:
        'Node labels or taints changed, or the DaemonSet’s nodeSelector/affinity changed, and pods still run on nodes that no longer qualify.',
      nextSteps: ['Compare the DaemonSet’s nodeSelector/tolerations with the nodes’ labels and taints.'],
      evidence: { details },
    });
  }
  if (rolling && unavailable >= Math.max(1, maxUnavailable)) {
    out.add(ref, {
      rule: 'daemonset-rollout-stuck',
      severity: 'warning',
      summary: `rollout blocked at ${num(s.updatedNumberScheduled)}/${desired} updated: ${unavailable} unavailable (maxUnavailable ${maxUnavailable})`,
      explanation:
        'The rolling update replaces at most maxUnavailable pods at a time and waits for them to become available; updated pods that never become available stop it.',
      nextSteps: ['Check the new pods’ findings; roll the DaemonSet back if the new revision is broken.'],
      evidence: { events: events(), details },
    });
  }
}
