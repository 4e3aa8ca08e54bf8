// Replicas per HPA over the last hours, kept by the server from the moment it starts watching
// (not from when a page opened): every HPA change the watches apply feeds core's bounded
// ReplicaHistory. A service's series are looked up through its own objects only.
import type { HorizontalPodAutoscaler } from '@portolan/core';
import type { AccessDenials } from '@portolan/core/auth/kubernetes';
import { ReplicaHistory, type ReplicaHistoryOptions, type ReplicaSeries } from '@portolan/core/scaling/index';
import type { ServiceLocator } from '@portolan/core/services/index';
import type { KubernetesEngine } from '../kubernetes/engine.ts';

export type HistoryEngine = Pick<KubernetesEngine, 'onObjectChanges' | 'objectsFor'>;

export interface HpaSeries extends ReplicaSeries {
  target: { kind: string; name: string };
  minReplicas?: number;
  maxReplicas?: number;
}

export interface ScalingHistoryView {
  windowMs: number;
  generatedAt: string;
  items: HpaSeries[];
}

export class ScalingHistory {
  readonly #engine: HistoryEngine;
  readonly #history: ReplicaHistory;
  readonly #now: () => number;
  readonly #stop: () => void;

  constructor(options: { engine: HistoryEngine; now?: () => number } & ReplicaHistoryOptions) {
    this.#engine = options.engine;
    this.#now = options.now ?? Date.now;
    this.#history = new ReplicaHistory(options);
    this.#stop = this.#engine.onObjectChanges((cluster, changes) => {
      for (const c of changes) {
        if (c.kind !== 'HorizontalPodAutoscaler' || c.type === 'deleted') continue;
        const hpa = c.object as HorizontalPodAutoscaler;
        const current = hpa.status?.currentReplicas;
        // An HPA the controller has not reported on yet has no replicas to draw.
        if (typeof current !== 'number') continue;
        this.#history.record(cluster, hpa.metadata?.namespace ?? '', hpa.metadata?.name ?? '', {
          at: this.#now(),
          current,
          desired: typeof hpa.status?.desiredReplicas === 'number' ? hpa.status.desiredReplicas : current,
        });
      }
    });
  }

  /** Every HPA of the service (but where `denials` forbid listing them), each with its replicas over the window. */
  service(locator: ServiceLocator, denials?: AccessDenials): ScalingHistoryView {
    const now = this.#now();
    const items: HpaSeries[] = [];
    for (const o of this.#engine.objectsFor(locator)) {
      if (o.kind !== 'HorizontalPodAutoscaler') continue;
      const hpa = o.object as HorizontalPodAutoscaler;
      const ns = hpa.metadata?.namespace ?? '';
      if (denials && !denials.allows(o.cluster, o.kind, ns)) continue;
      const name = hpa.metadata?.name ?? '';
      const series = this.#history.series(o.cluster, ns, name, now) ?? {
        cluster: o.cluster,
        namespace: ns,
        name,
        points: [],
      };
      items.push({
        ...series,
        target: { kind: hpa.spec?.scaleTargetRef?.kind ?? '', name: hpa.spec?.scaleTargetRef?.name ?? name },
        ...(typeof hpa.spec?.minReplicas === 'number' ? { minReplicas: hpa.spec.minReplicas } : {}),
        ...(typeof hpa.spec?.maxReplicas === 'number' ? { maxReplicas: hpa.spec.maxReplicas } : {}),
      });
    }
    items.sort((a, b) =>
      `${a.namespace}/${a.name}/${a.cluster}` < `${b.namespace}/${b.name}/${b.cluster}` ? -1 : 1,
    );
    return { windowMs: this.#history.windowMs, generatedAt: new Date(now).toISOString(), items };
  }

  close(): void {
    this.#stop();
  }
}
