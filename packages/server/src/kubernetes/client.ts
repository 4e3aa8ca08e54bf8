// The narrow slice of a Kubernetes API server Portolan uses, and its implementation over
// @kubernetes/client-node's KubeConfig (auth: token, client cert, exec, OIDC, in-cluster). The
// simulated fleet serves the same HTTP API, so the same client talks to both.
//
// LIST, WATCH and logs go through raw HTTP (the library's auth and TLS applied to each request)
// rather than the generated typed clients: those turn every timestamp into a Date and every
// object into a class instance, which costs memory we then trim away anyway.
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { collectionPath, type KindInfo, type KubeObject } from '@portolan/core';
import type { PodMetrics } from '@portolan/core/usage/index';
import { type Dispatcher, fetch } from 'undici';

export interface ListOptions {
  /** List within this namespace only (namespaced mode); default every namespace. */
  namespace?: string;
  limit?: number;
  continue?: string;
  signal?: AbortSignal;
}

export interface ListPage {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

export interface WatchOptions {
  /** Watch within this namespace only (namespaced mode); default every namespace. */
  namespace?: string;
  resourceVersion: string;
  /** Server-side timeout; the server then closes the watch cleanly and we resume. */
  timeoutSeconds?: number;
  /** Abort when no byte arrived for this long (a stalled connection). */
  inactivityMs?: number;
  /** Called once the server accepted the watch (HTTP 200). */
  onOpen?: () => void;
}

export interface LogOptions {
  namespace: string;
  pod: string;
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  signal?: AbortSignal;
}

/** How a PATCH body is read: a strategic merge (lists of containers merged by name) or a JSON patch. */
export type PatchType = 'strategic-merge' | 'json';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  'strategic-merge': 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** A workload of apps/v1, by kind (Deployment, StatefulSet, DaemonSet), namespace and name. */
export interface WorkloadRef {
  kind: KindInfo;
  namespace: string;
  name: string;
}

/** What the deploy executor needs from one cluster, through its deploy identity. */
export interface WorkloadClient {
  get(ref: WorkloadRef, signal?: AbortSignal): Promise<KubeObject>;
  patch(ref: WorkloadRef, type: PatchType, body: unknown, signal?: AbortSignal): Promise<KubeObject>;
}

/** What the watch engine (and, through its deploy identity, the executor) needs from one cluster. */
export interface ClusterClient extends WorkloadClient {
  list(kind: KindInfo, options: ListOptions): Promise<ListPage>;
  /**
   * Start a watch. `onEvent` gets each event; `onDone` is called exactly once when the watch ends
   * (undefined error: the server closed it cleanly). The returned function aborts it.
   */
  watch(
    kind: KindInfo,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
    onDone: (error?: Error) => void,
  ): () => void;
  getVersion(signal?: AbortSignal): Promise<{ gitVersion: string }>;
  /** A pod's log as a byte stream. */
  logs(options: LogOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * Every pod's CPU and memory use from metrics.k8s.io (served by metrics-server where it is
   * installed); a KubeApiError with status 404 when the cluster serves no metrics API.
   */
  podMetrics(signal?: AbortSignal, namespace?: string): Promise<PodMetrics[]>;
  /**
   * Ask the cluster whether someone else may do something (a SubjectAccessReview of
   * authorization.k8s.io/v1, sent as this client's identity). Optional: the simulated fleet has no
   * authorizer, and per-user Kubernetes identity cannot be turned on against it.
   */
  reviewAccess?(review: AccessReview, signal?: AbortSignal): Promise<AccessReviewResult>;
  close(): Promise<void>;
}

/** Who asks to do what, as a SubjectAccessReview's spec names it. */
export interface AccessReview {
  user: string;
  groups: readonly string[];
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface AccessReviewResult {
  allowed: boolean;
  /** The authorizer's explanation, when it gives one. */
  reason?: string;
}

/** The metrics API's path for every pod of the cluster. */
export const POD_METRICS_PATH = '/apis/metrics.k8s.io/v1beta1/pods';

/** The metrics API's path for the pods of one namespace. */
export function podMetricsPath(namespace?: string): string {
  return namespace === undefined
    ? POD_METRICS_PATH
    : `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`;
}

/** An error from the API server or the network, with what the engine needs to react. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  /** HTTP status, or undefined for a network failure. */
  readonly status: number | undefined;
  readonly reason: string | undefined;
  constructor(message: string, status?: number, reason?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.reason = reason;
  }
}

export function errorStatus(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.status : undefined;
}

function describeNetworkError(error: unknown): string {
  // fetch wraps the socket error: "fetch failed" { cause: Error{code} | AggregateError{errors} }.
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const err = e as { code?: string; message?: string; errors?: unknown[]; cause?: unknown };
    const text = err.code
      ? `${err.code}${err.message && !err.message.includes(err.code) ? ` ${err.message}` : ''}`
      : err.message;
    if (text && text !== 'fetch failed') parts.push(text);
    e = err.cause ?? err.errors?.[0];
  }
  return parts.length > 0 ? parts.join(': ') : String((error as Error)?.message ?? error);
}

/** The connection closed (or was reset) before any response: nothing of the request was acted on that a GET could not repeat. */
function closedBeforeAnswer(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

async function errorFromResponse(res: {
  status: number;
  statusText: string;
  text(): Promise<string>;
}): Promise<KubeApiError> {
  let message = `${res.status} ${res.statusText}`;
  let reason: string | undefined;
  try {
    const body = JSON.parse(await res.text()) as { message?: string; reason?: string };
    if (body.message) message = body.message;
    reason = body.reason;
  } catch {
    // not a Status object
  }
  return new KubeApiError(message, res.status, reason);
}

const AUTH_CACHE_MS = 30_000;

function objectPath(ref: WorkloadRef): string {
  const base = collectionPath(ref.kind, encodeURIComponent(ref.namespace));
  return `${base}/${encodeURIComponent(ref.name)}`;
}

/** A ClusterClient for one KubeConfig whose current context is the cluster. */
export class KubeConfigClient implements ClusterClient {
  readonly #kc: KubeConfig;
  readonly #server: string;
  #dispatcher: Dispatcher | undefined;
  #authCache: { at: number; headers: Record<string, string> } | undefined;
  readonly #extraDispatchers = new Set<Dispatcher>();

  constructor(kc: KubeConfig) {
    this.#kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.#server = cluster.server.replace(/\/+$/, '');
  }

  get server(): string {
    return this.#server;
  }

  /** Headers are computed per request (exec and OIDC tokens expire); the TLS agent is reused. */
  /**
   * Auth headers and the TLS agent. The library builds a new agent (and TLS context) per call,
   * which at hundreds of LIST pages costs real CPU, so the result is reused for a short while;
   * exec and OIDC tokens are refreshed by the library when we ask again, and a 401 asks again
   * at once (see #request).
   */
  async #auth(): Promise<Record<string, string>> {
    const now = Date.now();
    if (this.#authCache && now - this.#authCache.at < AUTH_CACHE_MS) return this.#authCache.headers;
    const ctx = new RequestContext(this.#server, HttpMethod.GET);
    await this.#kc.applySecurityAuthentication(ctx);
    const fresh = ctx.getDispatcher() as Dispatcher | undefined;
    if (!this.#dispatcher) this.#dispatcher = fresh;
    else if (fresh && fresh !== this.#dispatcher) void fresh.close().catch(() => {});
    const headers = { ...ctx.getHeaders() };
    this.#authCache = { at: now, headers };
    return headers;
  }

  async #request(
    path: string,
    query: Record<string, string | undefined>,
    signal?: AbortSignal,
    retried = false,
    write?: { method: 'PATCH' | 'POST'; contentType: string; body: string },
  ): Promise<Awaited<ReturnType<typeof fetch>>> {
    const url = new URL(this.#server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { ...(await this.#auth()), accept: 'application/json' };
    if (write) headers['content-type'] = write.contentType;
    let res: Awaited<ReturnType<typeof fetch>> | undefined;
    for (let attempt = 0; res === undefined; attempt++) {
      try {
        res = await fetch(url, {
          method: write?.method ?? 'GET',
          headers,
          ...(write ? { body: write.body } : {}),
          ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        // The server closed the connection before answering: most often a kept-alive connection
        // it timed out just as we reused it (on a busy machine the two clocks drift apart). A
        // GET is safe to send again, once, as Go's HTTP client (and so client-go) does; else one
        // such race marks the cluster stale and throws away a half-read paginated LIST.
        if (!write && attempt === 0 && closedBeforeAnswer(error)) continue;
        throw new KubeApiError(
          `cannot reach ${this.#server}: ${describeNetworkError(error)}`,
          undefined,
          undefined,
          {
            cause: error,
          },
        );
      }
    }
    if (res.status === 401 && !retried && this.#authCache) {
      // Maybe only our cached token expired: ask the library once more before reporting it.
      await res.body?.cancel().catch(() => {});
      this.#authCache = undefined;
      return this.#request(path, query, signal, true, write);
    }
    return res;
  }

  async get(ref: WorkloadRef, signal?: AbortSignal): Promise<KubeObject> {
    const res = await this.#request(objectPath(ref), {}, signal);
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.json()) as KubeObject;
  }

  async patch(ref: WorkloadRef, type: PatchType, body: unknown, signal?: AbortSignal): Promise<KubeObject> {
    const res = await this.#request(objectPath(ref), { fieldManager: 'portolan-deploy' }, signal, false, {
      method: 'PATCH',
      contentType: PATCH_CONTENT_TYPE[type],
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.json()) as KubeObject;
  }

  async reviewAccess(review: AccessReview, signal?: AbortSignal): Promise<AccessReviewResult> {
    const { user, groups, verb, group, resource, subresource, namespace, name } = review;
    const body = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user,
        groups,
        resourceAttributes: {
          verb,
          group,
          resource,
          ...(subresource ? { subresource } : {}),
          ...(namespace ? { namespace } : {}),
          ...(name ? { name } : {}),
        },
      },
    };
    const res = await this.#request('/apis/authorization.k8s.io/v1/subjectaccessreviews', {}, signal, false, {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await errorFromResponse(res);
    const status = ((await res.json()) as { status?: { allowed?: boolean; reason?: string } }).status;
    return { allowed: status?.allowed === true, ...(status?.reason ? { reason: status.reason } : {}) };
  }

  async list(kind: KindInfo, options: ListOptions): Promise<ListPage> {
    const res = await this.#request(
      collectionPath(kind, options.namespace && encodeURIComponent(options.namespace)),
      { limit: options.limit?.toString(), continue: options.continue },
      options.signal,
    );
    if (!res.ok) throw await errorFromResponse(res);
    const body = (await res.json()) as {
      items?: KubeObject[];
      metadata?: { resourceVersion?: string; continue?: string };
    };
    const page: ListPage = { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '' };
    if (body.metadata?.continue) page.continue = body.metadata.continue;
    return page;
  }

  watch(
    kind: KindInfo,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
    onDone: (error?: Error) => void,
  ): () => void {
    const controller = new AbortController();
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      controller.abort();
      onDone(error);
    };
    const inactivityMs = options.inactivityMs ?? ((options.timeoutSeconds ?? 300) + 30) * 1000;
    const touch = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        () => finish(new KubeApiError(`watch of ${kind.plural} stalled: no data for ${inactivityMs} ms`)),
        inactivityMs,
      );
      timer.unref?.();
    };
    const run = async () => {
      touch();
      const res = await this.#request(
        collectionPath(kind, options.namespace && encodeURIComponent(options.namespace)),
        {
          watch: '1',
          resourceVersion: options.resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: options.timeoutSeconds?.toString(),
        },
        controller.signal,
      );
      if (!res.ok) throw await errorFromResponse(res);
      if (!res.body) throw new KubeApiError('watch response has no body');
      options.onOpen?.();
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body) {
        if (finished) return;
        touch();
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line !== '') {
            let event: WatchEvent | undefined;
            try {
              event = JSON.parse(line) as WatchEvent;
            } catch {
              // A torn line cannot be applied safely: end the watch and resume from the last RV.
              throw new KubeApiError(`malformed watch event from ${kind.plural}`);
            }
            if (finished) return;
            onEvent(event);
          }
          nl = buffer.indexOf('\n');
        }
      }
    };
    run().then(
      () => finish(),
      (error: unknown) => {
        if (finished) return;
        finish(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return () => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      controller.abort();
    };
  }

  async getVersion(signal?: AbortSignal): Promise<{ gitVersion: string }> {
    const res = await this.#request('/version', {}, signal);
    if (!res.ok) throw await errorFromResponse(res);
    const body = (await res.json()) as { gitVersion?: string };
    return { gitVersion: body.gitVersion ?? 'unknown' };
  }

  async logs(options: LogOptions): Promise<ReadableStream<Uint8Array>> {
    const path = `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods/${encodeURIComponent(options.pod)}/log`;
    const res = await this.#request(
      path,
      {
        container: options.container,
        follow: options.follow ? 'true' : undefined,
        previous: options.previous ? 'true' : undefined,
        tailLines: options.tailLines?.toString(),
        sinceSeconds: options.sinceSeconds?.toString(),
        timestamps: options.timestamps ? 'true' : undefined,
      },
      options.signal,
    );
    if (!res.ok) throw await errorFromResponse(res);
    if (!res.body) throw new KubeApiError('log response has no body');
    return res.body as unknown as ReadableStream<Uint8Array>;
  }

  async podMetrics(signal?: AbortSignal, namespace?: string): Promise<PodMetrics[]> {
    const res = await this.#request(podMetricsPath(namespace), {}, signal);
    if (!res.ok) throw await errorFromResponse(res);
    const body = (await res.json()) as { items?: PodMetrics[] };
    return Array.isArray(body.items) ? body.items : [];
  }

  async close(): Promise<void> {
    const all = [this.#dispatcher, ...this.#extraDispatchers].filter((d) => d !== undefined);
    this.#dispatcher = undefined;
    await Promise.all(all.map((d) => d.destroy().catch(() => {})));
  }
}
