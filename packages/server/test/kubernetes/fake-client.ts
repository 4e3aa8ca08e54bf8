// An in-memory ClusterClient with real watch semantics (resourceVersions, history with
// compaction -> 410, pagination, auth failures), for unit-testing the engine's logic.
import type { KindInfo, KubeObject } from '@portolan/core';
import type { WatchNamespaces } from '@portolan/core/services/index';
import type { PodMetrics } from '@portolan/core/usage/index';
import { applyPatch } from '@portolan/sim/apiserver/patch';
import {
  type ClusterClient,
  KubeApiError,
  type ListOptions,
  type ListPage,
  type LogOptions,
  type PatchType,
  type WatchEvent,
  type WatchOptions,
  type WorkloadRef,
} from '../../src/kubernetes/client.ts';
import type { KubernetesConfigInput } from '../../src/kubernetes/config.ts';
import { createKubernetesEngine, type KubernetesEngineOptions } from '../../src/kubernetes/engine.ts';

interface Watcher {
  kind: string;
  onEvent: (e: WatchEvent) => void;
  onDone: (e?: Error) => void;
}

export class FakeCluster implements ClusterClient {
  rv = 100;
  readonly objects = new Map<string, Map<string, KubeObject>>();
  /** Events by rv (as a string: opaque to the client). */
  readonly history: { rv: number; kind: string; event: WatchEvent }[] = [];
  compactedBefore = 0;
  readonly watchers = new Set<Watcher>();
  down = false;
  unauthorized = false;
  forbidden = new Set<string>();
  /** RBAC as a multi-tenant cluster has it: `<verb> <plural> <namespace>` refused (`*`: cluster-wide). */
  readonly denied = new Set<string>();
  /** Refuse every LIST and WATCH across all namespaces (only Roles are granted). */
  clusterWideForbidden = false;
  /** The namespace of each LIST and WATCH (`*` for cluster-wide), in order. */
  readonly requests: string[] = [];
  listCalls = 0;
  watchCalls = 0;
  watchRvs: string[] = [];
  logText = 'line 1\nline 2\n';
  /** What metrics.k8s.io answers; undefined: the cluster serves no metrics API (404). */
  metrics: PodMetrics[] | undefined;
  metricsCalls = 0;

  #kindMap(kind: string) {
    let m = this.objects.get(kind);
    if (!m) {
      m = new Map();
      this.objects.set(kind, m);
    }
    return m;
  }

  #check(kind: KindInfo, verb?: 'list' | 'watch', namespace?: string) {
    if (this.down) throw new KubeApiError('cannot reach fake: ECONNREFUSED');
    if (this.unauthorized) throw new KubeApiError('Unauthorized', 401, 'Unauthorized');
    if (this.forbidden.has(kind.plural))
      throw new KubeApiError(`${kind.plural} is forbidden`, 403, 'Forbidden');
    if (verb === undefined) return;
    const where = namespace ?? '*';
    if (
      (namespace === undefined && this.clusterWideForbidden) ||
      this.denied.has(`${verb} ${kind.plural} ${where}`)
    )
      throw new KubeApiError(
        `${kind.plural} is forbidden: cannot ${verb} resource "${kind.plural}" in ${namespace === undefined ? 'the cluster scope' : `the namespace "${namespace}"`}`,
        403,
        'Forbidden',
      );
  }

  put(kind: string, obj: KubeObject): KubeObject {
    const m = this.#kindMap(kind);
    const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
    const exists = m.has(key);
    this.rv++;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } };
    m.set(key, stored);
    this.#emit(kind, { type: exists ? 'MODIFIED' : 'ADDED', object: stored });
    return stored;
  }

  /** PATCH requests received, for tests that count changes. */
  readonly patches: { ref: WorkloadRef; type: PatchType; body: unknown }[] = [];
  /** Kinds whose PATCH is refused with 403 (a read-only identity). */
  readonly patchForbidden = new Set<string>();

  async get(ref: WorkloadRef): Promise<KubeObject> {
    this.#check(ref.kind);
    const obj = this.#kindMap(ref.kind.kind).get(`${ref.namespace}/${ref.name}`);
    if (!obj) throw new KubeApiError(`${ref.kind.plural} "${ref.name}" not found`, 404, 'NotFound');
    return structuredClone(obj);
  }

  async patch(ref: WorkloadRef, type: PatchType, body: unknown): Promise<KubeObject> {
    this.#check(ref.kind);
    if (this.patchForbidden.has(ref.kind.plural))
      throw new KubeApiError(`${ref.kind.plural} "${ref.name}" is forbidden: cannot patch`, 403, 'Forbidden');
    const current = await this.get(ref);
    this.patches.push({ ref, type, body });
    const contentType =
      type === 'json' ? 'application/json-patch+json' : 'application/strategic-merge-patch+json';
    const next = applyPatch(contentType, current as never, body as never) as KubeObject & { spec?: unknown };
    const changed = JSON.stringify(next.spec) !== JSON.stringify((current as { spec?: unknown }).spec);
    const generation = (current.metadata?.generation ?? 1) + (changed ? 1 : 0);
    return this.put(ref.kind.kind, { ...next, metadata: { ...next.metadata, generation } });
  }

  remove(kind: string, namespace: string, name: string) {
    const m = this.#kindMap(kind);
    const key = `${namespace}/${name}`;
    const obj = m.get(key);
    if (!obj) return;
    m.delete(key);
    this.rv++;
    this.#emit(kind, {
      type: 'DELETED',
      object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } },
    });
  }

  #emit(kind: string, event: WatchEvent) {
    this.history.push({ rv: this.rv, kind, event });
    for (const w of this.watchers) if (w.kind === kind) w.onEvent(event);
  }

  /** Drop every open watch as a dead connection would. */
  dropWatches(error = true) {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.onDone(error ? new KubeApiError('socket hang up') : undefined);
    }
  }

  /** Forget history: watches from older resourceVersions now get 410. */
  compact() {
    this.compactedBefore = this.rv;
    this.history.length = 0;
  }

  async list(kind: KindInfo, options: ListOptions): Promise<ListPage> {
    this.listCalls++;
    this.requests.push(`list ${kind.plural} ${options.namespace ?? '*'}`);
    this.#check(kind, 'list', options.namespace);
    const all = [...this.#kindMap(kind.kind).values()].filter(
      (o) => options.namespace === undefined || o.metadata?.namespace === options.namespace,
    );
    const start = options.continue ? Number(options.continue) : 0;
    const limit = options.limit ?? all.length;
    const items = all.slice(start, start + limit);
    const page: ListPage = { items: structuredClone(items), resourceVersion: String(this.rv) };
    if (start + limit < all.length) page.continue = String(start + limit);
    return page;
  }

  watch(
    kind: KindInfo,
    options: WatchOptions,
    onEvent: (e: WatchEvent) => void,
    onDone: (e?: Error) => void,
  ): () => void {
    this.watchCalls++;
    this.watchRvs.push(options.resourceVersion);
    this.requests.push(`watch ${kind.plural} ${options.namespace ?? '*'}`);
    let closed = false;
    const inScope = (e: WatchEvent) =>
      options.namespace === undefined || e.object?.metadata?.namespace === options.namespace;
    const w: Watcher = {
      kind: kind.kind,
      onEvent: (e) => {
        if (!closed && inScope(e)) onEvent(structuredClone(e));
      },
      onDone: (e) => {
        if (closed) return;
        closed = true;
        onDone(e);
      },
    };
    queueMicrotask(() => {
      try {
        this.#check(kind, 'watch', options.namespace);
      } catch (error) {
        return w.onDone(error as Error);
      }
      const from = Number(options.resourceVersion);
      if (from < this.compactedBefore) {
        return w.onDone(new KubeApiError('too old resource version', 410, 'Expired'));
      }
      options.onOpen?.();
      for (const h of this.history) if (h.kind === kind.kind && h.rv > from) w.onEvent(h.event);
      this.watchers.add(w);
    });
    return () => {
      closed = true;
      this.watchers.delete(w);
    };
  }

  async getVersion() {
    if (this.down) throw new KubeApiError('down');
    return { gitVersion: 'v1.36.3-fake' };
  }

  async logs(options: LogOptions): Promise<ReadableStream<Uint8Array>> {
    const text = `${options.pod}/${options.container ?? ''}: ${this.logText}`;
    return new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(text));
        c.close();
      },
    });
  }

  async podMetrics(_signal?: AbortSignal, namespace?: string): Promise<PodMetrics[]> {
    this.metricsCalls++;
    if (this.down) throw new KubeApiError('cannot reach fake: ECONNREFUSED');
    if (!this.metrics)
      throw new KubeApiError('the server could not find the requested resource', 404, 'NotFound');
    if (namespace === undefined && this.clusterWideForbidden)
      throw new KubeApiError('pods.metrics.k8s.io is forbidden', 403, 'Forbidden');
    return this.metrics.filter((m) => namespace === undefined || m.metadata?.namespace === namespace);
  }

  async close() {
    this.dropWatches(false);
  }
}

let uid = 0;
export function deployment(
  name: string,
  ns: string,
  labels: Record<string, string>,
  image = 'reg/app:1.0.0',
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ns,
      uid: `dep-${name}-${ns}-${uid++}`,
      labels,
      managedFields: [{ manager: 'kubectl' }],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(5000), keep: 'yes' },
    } as KubeObject['metadata'],
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'main', image, env: [{ name: 'A', value: 'b' }] }] },
      },
    },
    status: { replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  } as KubeObject;
}

export function pod(
  name: string,
  ns: string,
  owner: KubeObject,
  labels: Record<string, string> = {},
): KubeObject {
  return {
    metadata: {
      name,
      namespace: ns,
      uid: `pod-${name}-${uid++}`,
      labels,
      ownerReferences: [
        { kind: owner.kind, name: owner.metadata?.name, uid: owner.metadata?.uid, controller: true },
      ],
    },
    spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'reg/app:1.0.0' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  } as KubeObject;
}

/** The pod, crash-looping: not ready, its container waiting in CrashLoopBackOff after an error exit. */
export function crashLoop(p: KubeObject, restarts = 7): KubeObject {
  return {
    ...p,
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'main',
          image: 'reg/app:1.0.0',
          ready: false,
          restartCount: restarts,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
          },
          lastState: {
            terminated: {
              exitCode: 3,
              reason: 'Error',
              finishedAt: new Date(Date.now() - 30_000).toISOString(),
            },
          },
        },
      ],
    },
  } as KubeObject;
}

/** An HPA on the Deployment of the same name, at `current` of 1..`max` replicas, CPU over its target. */
export function hpa(name: string, ns: string, current = 2, max = 5): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: ns, uid: `hpa-${name}-${ns}`, labels: { app: name } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1,
      maxReplicas: max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
    status: {
      currentReplicas: current,
      desiredReplicas: current,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 95 } } }],
    },
  } as KubeObject;
}

export function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error('timed out waiting for condition'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/**
 * A watch engine whose clusters are the given fakes, one per name. The URLs are never dialled:
 * every client comes from the fakes.
 */
export function engineOverFakes(
  fakes: Map<string, FakeCluster>,
  options: {
    config?: Partial<KubernetesConfigInput>;
    region?: (name: string) => string;
    /** Each cluster's `namespaces:` (default: cluster-wide). */
    namespaces?: (name: string) => WatchNamespaces;
    tuning?: KubernetesEngineOptions['tuning'];
    logger?: KubernetesEngineOptions['logger'];
  } = {},
) {
  return createKubernetesEngine({
    config: {
      clusters: [...fakes.keys()].map((name) => ({
        name,
        url: `https://${name}.invalid`,
        auth: { type: 'token' as const, tokenEnv: 'TOKEN' },
        ...(options.region ? { region: options.region(name) } : {}),
        ...(options.namespaces ? { namespaces: options.namespaces(name) } : {}),
      })),
      ...options.config,
    },
    configDir: '/tmp',
    env: { TOKEN: 't' },
    clientFactory: (spec) => fakes.get(spec.name)!,
    ...(options.tuning ? { tuning: options.tuning } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
