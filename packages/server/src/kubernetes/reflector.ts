// List+watch for one (cluster, kind): paginated LIST, then WATCH from the list's resourceVersion
// with bookmarks; on a dropped connection resume from the last resourceVersion seen; on 410 Gone
// relist and replace the cache atomically; back off with jitter; on 401/403 retry slowly, never
// in a hot loop. ResourceVersions are opaque strings: stored and sent back, never compared.
import type { KindInfo, KubeObject } from '@portolan/core';
import type { StaleReason } from '@portolan/core/services/index';
import type { Logger } from '../log.ts';
import { Backoff } from './backoff.ts';
import { type ClusterClient, errorStatus, type WatchEvent } from './client.ts';
import type { Change, KindStore } from './store.ts';
import { type Interner, type Sharer, trimObject } from './trim.ts';

export interface ReflectorState {
  status: 'syncing' | 'synced' | 'stale' | 'forbidden';
  reason?: StaleReason;
  message?: string;
  /** When forbidden by RBAC: the verb the API server refused. */
  verb?: 'list' | 'watch';
}

export interface ReflectorOptions {
  client: ClusterClient;
  kind: KindInfo;
  /** Namespaced mode: list and watch this namespace only; the store's other namespaces are left alone. */
  namespace?: string;
  store: KindStore;
  intern: Interner;
  share?: Sharer;
  pageSize: number;
  onChanges: (changes: Change[]) => void;
  onState: (state: ReflectorState) => void;
  /** Called for every event received (including bookmarks), for "last event" bookkeeping. */
  onActivity?: () => void;
  backoff?: { initialMs: number; maxMs: number };
  /** Delay before retrying after 401/403 (the credentials or RBAC must change first). */
  authRetryMs?: number;
  /** Server-side watch timeout; randomised up to 2x so watches do not all cycle together. */
  watchTimeoutSeconds?: number;
  random?: () => number;
  /** The clock (ms since epoch) by which how long a watch lasted is judged. */
  now: () => number;
  /** Told about relists; a cluster's reflectors share its logger, with the cluster and namespace added. */
  logger?: Pick<Logger, 'info'>;
}

class Gone extends Error {}

/** The RBAC resource of a kind, as a Role names it and kubectl prints it (`deployments.apps`). */
export function rbacResource(kind: KindInfo): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

/**
 * What to grant, in words: cluster-wide, the ClusterRole's verbs and a pointer to namespaced mode
 * (multi-tenant clusters often refuse cluster-wide reads); in one namespace, the Role's verbs there.
 */
export function rbacMessage(
  kind: KindInfo,
  verb: string,
  serverMessage?: string,
  namespace?: string,
): string {
  const resource = rbacResource(kind);
  const server = serverMessage ? ` (API server: ${serverMessage})` : '';
  if (namespace !== undefined)
    return `cannot ${verb} ${resource} in namespace ${namespace}: grant list, watch on ${resource} in namespace ${namespace}${server}`;
  return `cannot ${verb} ${resource}: grant get, list, watch on ${resource}${server}; where cluster-wide reads are refused, watch only the services' namespaces (namespaced mode: \`namespaces: catalog\` with Roles)`;
}

export class Reflector {
  readonly #o: ReflectorOptions;
  readonly #backoff: Backoff;
  #stopped = false;
  #abortWatch: (() => void) | undefined;
  /** Settles the pending #watchOnce when the watch is aborted by us (abort calls no onDone). */
  #endWatch: (() => void) | undefined;
  #listAbort: AbortController | undefined;
  #sleepTimer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #rv = '';
  #state: ReflectorState = { status: 'syncing' };
  #running: Promise<void> | undefined;
  #lists = 0;
  #watchRestarts = 0;

  constructor(options: ReflectorOptions) {
    this.#o = options;
    this.#backoff = new Backoff({
      initialMs: options.backoff?.initialMs ?? 500,
      maxMs: options.backoff?.maxMs ?? 30_000,
      ...(options.random ? { random: options.random } : {}),
    });
  }

  get resourceVersion(): string {
    return this.#rv;
  }
  get state(): ReflectorState {
    return this.#state;
  }
  /** Full LISTs after the first (410 Gone, errors), and watches reopened, for the metrics. */
  get stats(): { relists: number; watchRestarts: number } {
    return { relists: Math.max(0, this.#lists - 1), watchRestarts: this.#watchRestarts };
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abortWatch?.();
    this.#endWatch?.();
    this.#listAbort?.abort();
    if (this.#sleepTimer) clearTimeout(this.#sleepTimer);
    this.#wake?.();
    await this.#running;
  }

  #setState(state: ReflectorState) {
    const s = this.#state;
    if (s.status === state.status && s.reason === state.reason && s.message === state.message) return;
    this.#state = state;
    this.#o.onState(state);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stopped) return resolve();
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(resolve, ms);
      this.#sleepTimer.unref?.();
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#list();
        await this.#watchLoop();
      } catch (error) {
        if (this.#stopped) return;
        await this.#onError(error, 'list');
      }
    }
  }

  /** Mark the state for an error and wait before the next attempt. */
  async #onError(error: unknown, verb: 'list' | 'watch'): Promise<void> {
    const status = errorStatus(error);
    const message = error instanceof Error ? error.message : String(error);
    if (status === 401) {
      this.#setState({ status: 'stale', reason: 'unauthorized', message: `unauthorized: ${message}` });
      await this.#sleep(this.#o.authRetryMs ?? 60_000);
    } else if (status === 403) {
      this.#setState({
        status: 'forbidden',
        reason: 'forbidden',
        verb,
        message: rbacMessage(this.#o.kind, verb, message, this.#o.namespace),
      });
      await this.#sleep(this.#o.authRetryMs ?? 60_000);
    } else if (status === 404) {
      const k = this.#o.kind;
      this.#setState({
        status: 'forbidden',
        reason: 'forbidden',
        message: `${k.plural}.${k.group || 'core'}/${k.version} is not served by this API server`,
      });
      await this.#sleep(this.#o.authRetryMs ?? 60_000);
    } else {
      this.#setState({ status: 'stale', reason: 'unreachable', message });
      await this.#sleep(this.#backoff.next());
    }
  }

  async #list(): Promise<void> {
    const { client, kind, pageSize, intern } = this.#o;
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let rv = '';
    this.#lists++;
    this.#listAbort = new AbortController();
    do {
      let page: Awaited<ReturnType<ClusterClient['list']>>;
      try {
        page = await client.list(kind, {
          ...(this.#o.namespace !== undefined ? { namespace: this.#o.namespace } : {}),
          limit: pageSize,
          ...(cont ? { continue: cont } : {}),
          signal: this.#listAbort.signal,
        });
      } catch (error) {
        // The continue token expired mid-list: start the list over.
        if (errorStatus(error) === 410 && cont) {
          items.length = 0;
          cont = undefined;
          continue;
        }
        throw error;
      }
      for (const item of page.items) items.push(trimObject(kind.kind, item, intern, this.#o.share));
      rv = page.resourceVersion;
      cont = page.continue;
    } while (cont && !this.#stopped);
    if (this.#stopped) return;
    this.#rv = rv;
    const changes = this.#o.store.replace(items, this.#o.namespace);
    this.#backoff.reset();
    // Refused the watch last time: stay so until a watch opens, rather than flap every retry.
    if (!(this.#state.status === 'forbidden' && this.#state.verb === 'watch'))
      this.#setState({ status: 'synced' });
    if (changes.length > 0) this.#o.onChanges(changes);
  }

  #watchOnce(): Promise<{ error?: Error; openedAt?: number }> {
    const { client, kind, intern } = this.#o;
    const base = this.#o.watchTimeoutSeconds ?? 300;
    const random = this.#o.random ?? Math.random;
    const timeoutSeconds = Math.round(base + base * random());
    return new Promise((resolve) => {
      this.#endWatch = () => resolve({});
      let openedAt: number | undefined;
      let gone = false;
      const onEvent = (event: WatchEvent) => {
        this.#o.onActivity?.();
        if (event.type === 'ERROR') {
          const code = event.object?.code;
          if (code === 410) {
            gone = true;
            this.#abortWatch?.();
            resolve({ error: new Gone(event.object?.message ?? 'resourceVersion too old') });
          }
          return;
        }
        const rv = event.object?.metadata?.resourceVersion;
        if (event.type === 'BOOKMARK') {
          if (rv) this.#rv = rv;
          return;
        }
        const obj = trimObject(kind.kind, event.object, intern, this.#o.share);
        const change = this.#o.store.apply(event.type, obj);
        if (rv) this.#rv = rv;
        if (change) this.#o.onChanges([change]);
      };
      this.#abortWatch = client.watch(
        kind,
        {
          ...(this.#o.namespace !== undefined ? { namespace: this.#o.namespace } : {}),
          resourceVersion: this.#rv,
          timeoutSeconds,
          onOpen: () => {
            openedAt = this.#o.now();
            this.#setState({ status: 'synced' });
          },
        },
        onEvent,
        (error) => {
          if (gone) return;
          if (errorStatus(error) === 410) return resolve({ error: new Gone(error?.message) });
          resolve({ ...(error ? { error } : {}), ...(openedAt !== undefined ? { openedAt } : {}) });
        },
      );
    });
  }

  async #watchLoop(): Promise<void> {
    while (!this.#stopped) {
      const { error, openedAt } = await this.#watchOnce();
      this.#abortWatch = undefined;
      if (this.#stopped) return;
      this.#watchRestarts++;
      if (error instanceof Gone) {
        this.#o.logger?.info({ kind: this.#o.kind.plural }, 'watch expired (410 Gone); relisting');
        return;
      }
      const lasted = openedAt !== undefined ? this.#o.now() - openedAt : 0;
      if (lasted > 30_000) this.#backoff.reset();
      if (error) {
        const status = errorStatus(error);
        if (status === 403) {
          // Named as the watch that was refused (the list succeeded); then relist and try again.
          await this.#onError(error, 'watch');
          return;
        }
        if (status === 401 || status === 404) throw error;
        // Keep the cache (last known state, marked stale) and resume from the last RV.
        await this.#onError(error, 'watch');
        continue;
      }
      // A clean close is the normal end of a watch (server timeout). Resume at once unless the
      // server keeps closing immediately.
      if (lasted < 1000) await this.#sleep(this.#backoff.next());
    }
  }
}
