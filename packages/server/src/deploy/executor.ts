// The deploy executor: moves each active deployment along, one step at a time. Every step is
// recorded before it acts (the `cluster-changed` event, with the templates read from the cluster,
// lands before the PATCH), and every decision is made afresh from the stored state and the
// clusters' live state. So a portal killed at any moment resumes where it was when it starts
// again, and a cluster whose workloads already run the new images is not patched again.
//
// With several replicas it runs on the lease's holder, and every write it makes carries the
// lease's fencing token: an event, and the per-cluster "patch intended" / "patch applied" records
// around each patch (store/clusterWrites.ts). The database refuses them in the same transaction
// once a newer token exists, and a refused write ends this executor's work on the deployment, so
// a paused or partitioned former leader cannot record progress or claim a cluster after its
// successor started. A cluster recorded as applied is never patched again for the deployment (the
// new leader observes its rollout); each patch carries the workload's resourceVersion as read, so
// a former leader's late PATCH and its successor's cannot both land.
import {
  type ClusterObservation,
  type DeploymentEventBody,
  type DeploymentState,
  type DeployStep,
  decideNext,
  hasImagesOf,
  hasNewImages,
  type PlannedCluster,
  type RecordedTemplate,
} from '@portolan/core/deploy/index';
import { ConflictError } from '@portolan/core/errors';
import { KIND_INFO, type KubeObject } from '@portolan/core/k8s/types';
import type { ServiceLocator } from '@portolan/core/services/index';
import type { Database } from '../db/database.ts';
import { errorStatus, type WorkloadRef } from '../kubernetes/client.ts';
import type { Logger } from '../log.ts';
import { type Fence, LeaseLostError } from '../replicas/lease.ts';
import type { DeployWriters } from './identities.ts';
import type { LiveServices } from './service.ts';
import { appendEvents } from './store/appendEvents.ts';
import {
  type ClusterWriteAction,
  getClusterWrite,
  intendClusterWrite,
  markClusterWriteApplied,
} from './store/clusterWrites.ts';
import { getDeployment } from './store/getDeployment.ts';
import { listDeployments } from './store/listDeployments.ts';
import type { StoredDeployment } from './store/rows.ts';

export interface DeployExecutorOptions {
  db: Database;
  live: Pick<LiveServices, 'objectsFor'>;
  /** The service's locator, for the findings on its new pods. */
  locate: (serviceRef: string) => Promise<ServiceLocator>;
  writers: DeployWriters;
  pollIntervalMs: number;
  now?: () => number;
  logger?: Logger;
}

const ACTOR = 'portolan';

const refOf = (w: { kind: string; namespace: string; name: string }): WorkloadRef => ({
  kind: KIND_INFO[w.kind as 'Deployment'],
  namespace: w.namespace,
  name: w.name,
});

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A refusal that retrying will not fix: the identity may not do it, or the request is invalid. */
function isRefusal(error: unknown): boolean {
  const status = errorStatus(error);
  return status === 401 || status === 403 || status === 422 || status === 400 || status === 404;
}

export class DeployExecutor {
  readonly #o: DeployExecutorOptions;
  readonly #running = new Map<string, Promise<void>>();
  readonly #wakers = new Map<string, () => void>();
  #stopped = false;
  #fence: Fence | undefined;

  constructor(options: DeployExecutorOptions) {
    this.#o = options;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /**
   * Resume every active deployment (after a restart, or a leader change). With `fence` (the lease
   * this replica won, and its token), every write is refused once another replica took the lease.
   */
  async start(fence?: Fence): Promise<void> {
    this.#stopped = false;
    this.#fence = fence;
    for (const d of await listDeployments({ db: this.#o.db, active: true, limit: 100_000 })) this.wake(d.id);
  }

  /** Run (or nudge) the loop of one deployment. */
  wake(id: string): void {
    if (this.#stopped) return;
    const waker = this.#wakers.get(id);
    if (waker) {
      waker();
      return;
    }
    if (this.#running.has(id)) return;
    const run = this.#loop(id)
      .catch((error) => this.#o.logger?.warn({ deployment: id, err: error }, 'deploy executor loop ended'))
      .finally(() => this.#running.delete(id));
    this.#running.set(id, run);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#wakers.values()) w();
    await Promise.allSettled([...this.#running.values()]);
  }

  /** Resolves when the deployment's loop has ended (tests, the CLI's --wait in-process). */
  async settled(id: string): Promise<void> {
    await this.#running.get(id);
  }

  #sleep(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Woken or timed out, the sleep leaves no waker behind: one left after the loop ends would
      // swallow the next wake (a rollback asked of a completed deployment) instead of starting it.
      const done = () => {
        clearTimeout(timer);
        if (this.#wakers.get(id) === done) this.#wakers.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.set(id, done);
    });
  }

  async #loop(id: string): Promise<void> {
    try {
      while (!this.#stopped) {
        const d = await getDeployment({ db: this.#o.db, id });
        const steps = decideNext(d.state, await this.#observe(d), this.#now());
        if (steps.some((s) => s.type === 'done')) return;
        const acted = await this.#act(d, steps);
        if (!acted) await this.#sleep(id, this.#o.pollIntervalMs);
      }
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      // Another replica leads now and carries the deployment on: touch nothing more.
      this.#o.logger?.warn({ deployment: id, reason: error.message }, 'deploy: lease lost, leaving it');
    }
  }

  get #fenced(): { fence?: Fence } {
    return this.#fence ? { fence: this.#fence } : {};
  }

  /**
   * Patch one cluster at most once for this deployment: claim it ("intended", fenced), run
   * `patch`, then record it applied (fenced). Returns false, without patching, when it was applied
   * already, by this leader or an earlier one.
   */
  async #once(id: string, cluster: string, action: ClusterWriteAction, patch: () => Promise<void>) {
    const key = { db: this.#o.db, id, cluster, action };
    if ((await getClusterWrite(key))?.appliedAt) return false;
    const at = () => new Date(this.#now()).toISOString();
    const claim = await intendClusterWrite({ ...key, ...this.#fenced, at: at() });
    if (claim?.appliedAt) return false;
    await patch();
    await markClusterWriteApplied({ ...key, ...this.#fenced, at: at() });
    return true;
  }

  /** Performs the steps; false when there was nothing to do but wait. */
  async #act(d: StoredDeployment, steps: DeployStep[]): Promise<boolean> {
    let seq = d.lastSeq;
    let state = d.state;
    const record = async (event: DeploymentEventBody) => {
      const after = await appendEvents({
        db: this.#o.db,
        id: d.id,
        expectSeq: seq,
        events: [{ ...event, actor: ACTOR, at: new Date(this.#now()).toISOString() } as never],
        ...this.#fenced,
      });
      seq = after.lastSeq;
      state = after.state;
    };
    let acted = false;
    try {
      for (const step of steps) {
        if (step.type === 'record') await record(step.event);
        else if (step.type === 'change') await this.#change(d.id, state, step.cluster, record);
        else if (step.type === 'restore') await this.#restore(d.id, state, step.cluster, record);
        else continue;
        acted = true;
      }
    } catch (error) {
      // Someone (an API call) appended meanwhile: decide again on the new state. A lost lease
      // is not that: it ends the work on the deployment.
      if (error instanceof ConflictError && !(error instanceof LeaseLostError)) return true;
      throw error;
    }
    return acted;
  }

  async #observe(d: StoredDeployment): Promise<Map<string, ClusterObservation>> {
    const out = new Map<string, ClusterObservation>();
    const plan = d.state.plan;
    if (!plan) return out;
    const wanted = clustersToObserve(d.state);
    if (wanted.length === 0) return out;
    let objects: ReturnType<LiveServices['objectsFor']> = [];
    try {
      objects = this.#o.live.objectsFor(await this.#o.locate(d.service));
    } catch (error) {
      this.#o.logger?.warn({ deployment: d.id, err: error }, 'cannot read the service’s pods for the gate');
    }
    await Promise.all(
      wanted.map(async (cluster) => {
        const target = plan.clusters.find((c) => c.cluster === cluster);
        if (!target) return;
        try {
          const client = this.#o.writers(cluster);
          const workloads = await Promise.all(
            target.workloads.map(async (w) => {
              try {
                return { ...w, object: await client.get(refOf(w)) };
              } catch (error) {
                if (errorStatus(error) === 404) return { ...w };
                throw error;
              }
            }),
          );
          out.set(cluster, { workloads, objects: objects.filter((o) => o.cluster === cluster) });
        } catch (error) {
          out.set(cluster, { error: message(error), workloads: [], objects: [] });
        }
      }),
    );
    return out;
  }

  /** Record the templates (once), then patch each workload not yet on the new images, once. */
  async #change(
    id: string,
    state: DeploymentState,
    cluster: string,
    record: (e: DeploymentEventBody) => Promise<void>,
  ) {
    const target = state.plan?.clusters.find((c) => c.cluster === cluster) as PlannedCluster;
    const current = state.clusters.find((c) => c.cluster === cluster);
    try {
      const client = this.#o.writers(cluster);
      const live = await Promise.all(
        target.workloads.map(async (w) => ({ w, obj: await client.get(refOf(w)) })),
      );
      if (current?.status === 'pending') {
        const previous: RecordedTemplate[] = live.map(({ w, obj }) => ({
          kind: w.kind,
          namespace: w.namespace,
          name: w.name,
          template: (obj as { spec?: { template?: Record<string, unknown> } }).spec?.template ?? {},
        }));
        await record({ type: 'cluster-changed', cluster, previous });
      }
      const stale = live.filter(({ w, obj }) => !hasNewImages(w, obj));
      const patched = await this.#once(id, cluster, 'change', async () => {
        for (const { w, obj } of stale) {
          const containers = w.containers.map((c) => ({ name: c.name, image: c.to }));
          await client.patch(refOf(w), 'strategic-merge', {
            ...precondition(obj),
            spec: { template: { spec: { containers } } },
          });
          this.#o.logger?.info(
            { cluster, workload: `${w.namespace}/${w.kind}/${w.name}` },
            'deploy: patched',
          );
        }
      });
      const first = stale[0];
      if (!patched && first) {
        // Applied before, yet not on the new images: someone changed it since. Never patched twice.
        await record({
          type: 'cluster-failed',
          cluster,
          reason: `${first.w.kind} ${first.w.namespace}/${first.w.name} was changed outside this deployment after it was patched`,
        });
      }
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      if (isRefusal(error) || (error as { name?: string }).name === 'ForbiddenError') {
        // Recorded as this cluster's failure: the wave's failure budget and the rollback follow.
        await record({
          type: 'cluster-failed',
          cluster,
          reason: `cannot change the cluster: ${message(error)}`,
        });
        return;
      }
      // Unreachable or failing: the next look sees it and reports it as such.
      this.#o.logger?.warn({ cluster, err: error }, 'deploy: change failed, will look again');
    }
  }

  /** Patch each workload back to exactly its recorded template, then record the cluster restored. */
  async #restore(
    id: string,
    state: DeploymentState,
    cluster: string,
    record: (e: DeploymentEventBody) => Promise<void>,
  ) {
    const c = state.clusters.find((x) => x.cluster === cluster);
    try {
      const client = this.#o.writers(cluster);
      await this.#once(id, cluster, 'restore', async () => {
        for (const p of c?.previous ?? []) {
          let obj: KubeObject;
          try {
            obj = await client.get(refOf(p));
          } catch (error) {
            if (errorStatus(error) === 404) continue; // gone: nothing to restore
            throw error;
          }
          if (hasImagesOf(p.template, obj, p.kind)) continue;
          const rv = obj.metadata?.resourceVersion;
          await client.patch(refOf(p), 'json', [
            ...(rv ? [{ op: 'replace', path: '/metadata/resourceVersion', value: rv }] : []),
            { op: 'replace', path: '/spec/template', value: p.template },
          ]);
          this.#o.logger?.info(
            { cluster, workload: `${p.namespace}/${p.kind}/${p.name}` },
            'deploy: restored',
          );
        }
      });
      await record({ type: 'cluster-rolled-back', cluster });
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      this.#o.logger?.warn({ cluster, err: error }, 'deploy: restore failed, will try again');
    }
  }
}

/**
 * The workload's resourceVersion as read, sent with the patch: the cluster refuses it (409) when
 * anything changed the workload since, as it does any update that names an older version.
 */
function precondition(obj: KubeObject): { metadata?: { resourceVersion: string } } {
  const rv = obj.metadata?.resourceVersion;
  return rv ? { metadata: { resourceVersion: rv } } : {};
}

/** The clusters whose live state the next decision needs. */
export function clustersToObserve(state: DeploymentState): string[] {
  if (state.status === 'rolling-back' || state.status === 'running')
    return state.clusters
      .filter(
        (c) =>
          (c.changedAt !== undefined && c.status !== 'rolled-back' && c.status !== 'passed') ||
          (c.status === 'passed' && state.status === 'rolling-back') ||
          (c.status === 'pending' && c.wave === state.wave),
      )
      .map((c) => c.cluster);
  return [];
}
