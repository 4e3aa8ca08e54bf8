// Pod logs of a service: one pod's log as bytes, or the merged log of every pod of a workload in
// every cluster, line by line. A pod must belong to the service to be read.
import { InputError, NotFoundError, type Pod } from '@portolan/core';
import { isWorkloadKind, WORKLOAD_KINDS } from '@portolan/core/k8s/workloads';
import { type ServiceLocator, type ServiceView, selectServiceObjects } from '@portolan/core/services/index';
import type { LogOptions } from './client.ts';
import type { ClusterSet } from './cluster.ts';
import { mapClusterError } from './errors.ts';

export interface PodLogOptions extends LogOptions {
  cluster: string;
}

export interface WorkloadLogOptions
  extends Pick<LogOptions, 'container' | 'follow' | 'previous' | 'tailLines' | 'sinceSeconds' | 'signal'> {
  /** `Kind/name`, e.g. `Deployment/checkout`. */
  workload: string;
}

export interface LogLine {
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
  line?: string;
  /** Set instead of `line` when this pod's stream failed. */
  error?: string;
}

/** Bytes to lines: each complete line as it arrives, then the unterminated rest, if any. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of chunks) {
    buf += decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl = buf.indexOf('\n', start);
    while (nl >= 0) {
      yield buf.slice(start, nl);
      start = nl + 1;
      nl = buf.indexOf('\n', start);
    }
    buf = buf.slice(start);
  }
  buf += decoder.decode();
  if (buf !== '') yield buf;
}

export interface LogReaderOptions {
  clusters: ClusterSet;
  /** The service's view with every pod listed. */
  view: (locator: ServiceLocator) => ServiceView;
}

export class LogReader {
  readonly #clusters: ClusterSet;
  readonly #view: (locator: ServiceLocator) => ServiceView;

  constructor(options: LogReaderOptions) {
    this.#clusters = options.clusters;
    this.#view = options.view;
  }

  #requirePod(locator: ServiceLocator, cluster: string, namespace: string, pod: string): Pod {
    const watcher = this.#clusters.get(cluster);
    if (!watcher) throw new NotFoundError(`unknown cluster "${cluster}"`, { cluster });
    const found = selectServiceObjects(locator, watcher).find(
      (o) =>
        o.kind === 'Pod' && o.object.metadata?.namespace === namespace && o.object.metadata?.name === pod,
    );
    if (!found) {
      throw new NotFoundError(`pod ${namespace}/${pod} is not part of ${locator.ref} in cluster ${cluster}`, {
        cluster,
        namespace,
        name: pod,
      });
    }
    return found.object as Pod;
  }

  /** One pod's log (the pod must belong to the service), as bytes. */
  async pod(locator: ServiceLocator, options: PodLogOptions): Promise<ReadableStream<Uint8Array>> {
    const { cluster: clusterName, ...logOptions } = options;
    const pod = this.#requirePod(locator, clusterName, options.namespace, options.pod);
    const containers = (pod.spec?.containers ?? []).map((c) => c.name ?? '');
    if (
      options.container &&
      !containers.includes(options.container) &&
      !(pod.spec?.initContainers ?? []).some((c) => c.name === options.container)
    ) {
      throw new NotFoundError(
        `pod ${options.namespace}/${options.pod} has no container "${options.container}"`,
        {
          cluster: clusterName,
          namespace: options.namespace,
          name: options.pod,
        },
      );
    }
    // A pod of several containers needs one named; the first is the main one by convention.
    const container = options.container ?? (containers.length > 1 ? containers[0] : undefined);
    const client = this.#clusters.get(clusterName)!.client;
    try {
      return await client.logs({ ...logOptions, ...(container ? { container } : {}) });
    } catch (error) {
      throw mapClusterError(error, clusterName, `logs of ${options.namespace}/${options.pod}`);
    }
  }

  /**
   * The merged log of every pod of a workload in every cluster, line by line, each tagged with
   * cluster, pod and container. One pod failing yields an error entry, never ends the others.
   * Limitation: pods created after the stream opened are not added to it.
   */
  async *workload(locator: ServiceLocator, options: WorkloadLogOptions): AsyncGenerator<LogLine> {
    const slash = options.workload.indexOf('/');
    const kind = options.workload.slice(0, slash);
    const name = options.workload.slice(slash + 1);
    if (slash < 0 || !isWorkloadKind(kind) || name === '') {
      throw new InputError(`workload must be Kind/name with Kind one of ${WORKLOAD_KINDS.join(', ')}`);
    }
    const targets: { cluster: string; namespace: string; pod: string; container: string }[] = [];
    for (const c of this.#view(locator).clusters) {
      for (const w of c.items) {
        if (w.kind !== kind || w.name !== name) continue;
        for (const p of w.pods) {
          const container = options.container ?? p.containers[0]?.name;
          if (container) targets.push({ cluster: c.cluster, namespace: p.namespace, pod: p.name, container });
        }
      }
    }
    if (targets.length === 0) throw new NotFoundError(`no pods of ${options.workload} in ${locator.ref}`);
    const queue: LogLine[] = [];
    let wake: (() => void) | undefined;
    let open = targets.length;
    const push = (l: LogLine) => {
      queue.push(l);
      wake?.();
    };
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const { workload: _w, container: _c, signal: _s, ...common } = options;
    for (const t of targets) {
      void (async () => {
        try {
          const stream = await this.pod(locator, { ...t, ...common, signal });
          for await (const line of splitLines(stream as unknown as AsyncIterable<Uint8Array>))
            push({ ...t, line });
        } catch (error) {
          if (!signal.aborted) push({ ...t, error: error instanceof Error ? error.message : String(error) });
        } finally {
          open--;
          wake?.();
        }
      })();
    }
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (open === 0 || signal.aborted) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    } finally {
      controller.abort();
    }
  }
}
