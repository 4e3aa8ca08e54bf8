// One simulated cluster's Kubernetes API over HTTP on loopback: discovery, list/watch with
// resourceVersion semantics, get/create/update/patch/delete, status subresources, pods/log and
// bearer-token auth. It speaks enough of the API that @kubernetes/client-node and kubectl
// cannot tell it from a real API server for what Portolan uses.
//
// Known limitations: no protobuf, no server-side apply, no aggregated discovery (clients fall
// back to the legacy endpoints), continue tokens page over the live state rather than a
// snapshot, no admission or validation beyond what clients visibly rely on.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { authorize, bearerToken, forbiddenMessage, type Identity, type TokenMap } from './auth.ts';
import { applyCreateDefaults, deleteWithDependents } from './defaults.ts';
import { findByPlural, groupVersion, KIND_BY_NAME, SIM_KINDS, type SimKind } from './kinds.ts';
import { existingLines, LINE_MS, LogError, logLine, logWindow } from './logs.ts';
import { podMetricsList } from './metrics.ts';
import { applyPatch, PatchError } from './patch.ts';
import {
  type FieldRequirement,
  type LabelRequirement,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.ts';
import { type Change, type ClusterStore, type Entry, fieldValue, type Obj, StoreError } from './store.ts';
import { type IncludeObject, tableColumns, tableRow, wantsTable } from './table.ts';

export type Reachability = 'up' | 'refused' | 'hung';

export interface ClusterServerOptions {
  name: string;
  store: ClusterStore;
  tokens: TokenMap;
  /** How often watches that allow bookmarks get one. Real servers: about a minute. */
  bookmarkIntervalMs?: number;
  /** Kubernetes version reported by /version. */
  version?: { major: string; minor: string };
  /** Serve HTTPS with this key and certificate (kubectl sends tokens only over TLS). */
  tls?: { key: string; cert: string };
  /** Serve metrics.k8s.io pod metrics, as a cluster with metrics-server does (default true). */
  metricsApi?: boolean;
}

interface Watcher {
  kind: SimKind;
  ns: string | undefined;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  res: ServerResponse;
  table: IncludeObject | undefined;
  bookmarks: boolean;
}

class HttpError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

const MAX_WATCH_BUFFER = 64 * 1024 * 1024;
const SCALABLE = new Set(['Deployment', 'ReplicaSet', 'StatefulSet']);
/** Kinds `kubectl get all` shows, as on a real server. */
const ALL_CATEGORY = new Set([
  'Pod',
  'Service',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
]);
const LIST_CHUNK = 256 * 1024;

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  const body: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) body.details = details;
  return body;
}

function resourceName(kind: SimKind): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

function notFound(kind: SimKind, name: string): HttpError {
  return new HttpError(404, 'NotFound', `${resourceName(kind)} "${name}" not found`, {
    name,
    group: kind.group,
    kind: kind.plural,
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function write(res: ServerResponse, chunk: string): Promise<void> | undefined {
  if (res.write(chunk)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function encodeContinue(rv: number, key: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: key })).toString('base64url');
}
function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof t.rv === 'number' && typeof t.start === 'string') return t;
  } catch {
    // fall through
  }
  throw new HttpError(
    400,
    'BadRequest',
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** Lowest index i with keys[i] > key. */
function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A write the server accepted. */
export interface AcceptedWrite {
  verb: string;
  /** The plural, with the subresource if any: `deployments`, `deployments/status`. */
  resource: string;
  namespace: string;
  name: string;
  user: string;
  /** The request's body, as sent. */
  body: unknown;
}

export class ClusterServer {
  readonly name: string;
  readonly store: ClusterStore;
  readonly #tokens: TokenMap;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #watchers = new Map<SimKind, Set<Watcher>>();
  readonly #bookmarkMs: number;
  readonly #version: { major: string; minor: string };
  #port = 0;
  readonly #scheme: string;
  #reachability: Reachability = 'up';
  #bookmarkTimer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: () => void;
  readonly #followers = new Set<() => void>();
  readonly #metricsApi: boolean;
  /** Requests seen, for tests and the benchmark. */
  requests = 0;
  /** The writes accepted (update or patch of an object), oldest first, the last 10,000: tests count what changed a cluster. */
  readonly writes: AcceptedWrite[] = [];

  constructor(options: ClusterServerOptions) {
    this.name = options.name;
    this.store = options.store;
    this.#tokens = options.tokens;
    this.#bookmarkMs = options.bookmarkIntervalMs ?? 10_000;
    this.#version = options.version ?? { major: '1', minor: '32' };
    this.#metricsApi = options.metricsApi ?? true;
    for (const k of SIM_KINDS) this.#watchers.set(k, new Set());
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res);
    this.#server = options.tls
      ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
      : createServer(handler);
    this.#scheme = options.tls ? 'https' : 'http';
    this.#server.keepAliveTimeout = 30_000;
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.#unsubscribe = this.store.onChange((c) => this.#dispatch(c));
  }

  get port(): number {
    return this.#port;
  }
  get url(): string {
    return `${this.#scheme}://127.0.0.1:${this.#port}`;
  }
  get reachability(): Reachability {
    return this.#reachability;
  }
  get watcherCount(): number {
    let n = 0;
    for (const s of this.#watchers.values()) n += s.size;
    return n;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.#server.once('error', onError);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    const addr = this.#server.address();
    if (addr && typeof addr === 'object') this.#port = addr.port;
    this.#bookmarkTimer ??= setInterval(() => this.#bookmark(), this.#bookmarkMs);
    this.#bookmarkTimer.unref();
  }

  #dropConnections(): void {
    for (const set of this.#watchers.values()) set.clear();
    for (const stop of this.#followers) stop();
    this.#followers.clear();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  /**
   * Simulates an outage: 'refused' stops listening (connections refused), 'hung' accepts
   * connections but never answers. Back to 'up' listens again on the same port.
   */
  async setReachability(mode: Reachability): Promise<void> {
    if (mode === this.#reachability) return;
    const before = this.#reachability;
    this.#reachability = mode;
    if (mode === 'refused') {
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve());
        this.#dropConnections();
      });
    } else if (mode === 'hung') {
      if (before === 'refused') await this.listen(this.#port);
      // Existing watches go silent: they stay open and receive nothing.
      for (const set of this.#watchers.values()) set.clear();
    } else {
      if (before === 'refused') await this.listen(this.#port);
      else this.#dropConnections();
    }
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    if (this.#bookmarkTimer) clearInterval(this.#bookmarkTimer);
    this.#bookmarkTimer = undefined;
    await new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#dropConnections();
    });
  }

  // ---- request handling ----

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    if (this.#reachability === 'hung') return; // never answer
    this.#route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError)
        return this.#json(res, err.code, status(err.code, err.reason, err.message, err.details));
      if (err instanceof StoreError)
        return this.#json(res, err.code, status(err.code, err.reason, err.message));
      if (err instanceof SelectorError) return this.#json(res, 400, status(400, 'BadRequest', err.message));
      if (err instanceof PatchError) return this.#json(res, 422, status(422, 'Invalid', err.message));
      if (err instanceof LogError)
        return this.#json(res, err.code, status(err.code, 'BadRequest', err.message));
      if (err instanceof SyntaxError) return this.#json(res, 400, status(400, 'BadRequest', err.message));
      this.#json(res, 500, status(500, 'InternalError', String(err)));
    });
  }

  #json(res: ServerResponse, code: number, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  #authenticate(req: IncomingMessage): Identity {
    const token = bearerToken(req.headers.authorization);
    const id = token ? this.#tokens[token] : undefined;
    if (!id) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    return id;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/version') {
      const { major, minor } = this.#version;
      return this.#json(res, 200, {
        major,
        minor,
        gitVersion: `v${major}.${minor}.0-portolan-sim`,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23.0',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
    }
    const id = this.#authenticate(req);
    if (path.startsWith('/openapi/')) {
      // kubectl treats a missing OpenAPI document as "no schema" and carries on.
      return this.#json(
        res,
        404,
        status(404, 'NotFound', 'the server could not find the requested resource'),
      );
    }
    if (path === '/api') {
      return this.#json(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.#port}` }],
      });
    }
    if (path === '/apis') return this.#json(res, 200, this.#groupList());
    const parts = path.split('/').filter((p) => p !== '');
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 2) {
      group = '';
      version = parts[1]!;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 2) {
      group = parts[1]!;
      if (parts.length === 2) {
        const g = this.#groupList().groups.find((x) => x.name === group);
        if (!g) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
        return this.#json(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...g });
      }
      version = parts[2]!;
      rest = parts.slice(3);
    } else {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (rest.length === 0) return this.#json(res, 200, this.#resourceList(group, version));

    let ns: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1]!;
      [plural, name, sub] = [rest[2]!, rest[3], rest[4]];
    } else {
      [plural, name, sub] = [rest[0]!, rest[1], rest[2]];
    }
    if (
      this.#metricsApi &&
      group === 'metrics.k8s.io' &&
      version === 'v1beta1' &&
      plural === 'pods' &&
      !name
    ) {
      if ((req.method ?? 'GET') !== 'GET')
        throw new HttpError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      if (!authorize(id, 'list', 'pods'))
        throw new HttpError(403, 'Forbidden', forbiddenMessage(id, 'list', 'pods', group, ns, undefined), {
          group,
          kind: 'pods',
        });
      return this.#json(res, 200, podMetricsList(this.store, ns, Date.now()));
    }
    const kind = findByPlural(group, version, plural);
    if (!kind || (ns !== undefined && !kind.namespaced)) {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const method = req.method ?? 'GET';
    let verb: string;
    if (method === 'GET')
      verb = name ? 'get' : q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
    else if (method === 'POST') verb = 'create';
    else if (method === 'PUT') verb = 'update';
    else if (method === 'PATCH') verb = 'patch';
    else if (method === 'DELETE') verb = name ? 'delete' : 'deletecollection';
    else
      throw new HttpError(
        405,
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
    const resource = sub ? `${kind.plural}/${sub}` : kind.plural;
    if (!authorize(id, verb, resource)) {
      throw new HttpError(403, 'Forbidden', forbiddenMessage(id, verb, resource, kind.group, ns, name), {
        ...(name ? { name } : {}),
        group: kind.group,
        kind: kind.plural,
      });
    }
    const scalable = SCALABLE.has(kind.kind);
    if (
      sub &&
      !(sub === 'status' && kind.hasStatus) &&
      !(sub === 'log' && kind.kind === 'Pod') &&
      !(sub === 'scale' && scalable)
    ) {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const table = wantsTable(req.headers.accept)
      ? ((q.get('includeObject') as IncludeObject) ?? 'Metadata')
      : undefined;

    if (verb === 'list') return this.#list(res, kind, ns, q, table);
    if (verb === 'watch') return this.#watch(req, res, kind, ns, q, table);
    if (verb === 'create') return this.#create(req, res, kind, ns);
    if (verb === 'deletecollection') {
      throw new HttpError(405, 'MethodNotAllowed', 'deletecollection is not supported by the simulator');
    }
    const objNs = kind.namespaced ? (ns ?? '') : '';
    if (kind.namespaced && ns === undefined)
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (sub === 'log') return this.#log(req, res, kind, objNs, name!, q);
    if (sub === 'scale') return this.#scale(req, res, kind, objNs, name!, verb);
    if (verb === 'get') {
      const entry = this.store.getEntry(kind, objNs, name!);
      if (!entry) throw notFound(kind, name!);
      if (table) {
        return this.#json(res, 200, {
          kind: 'Table',
          apiVersion: 'meta.k8s.io/v1',
          metadata: { resourceVersion: String(entry.rv) },
          columnDefinitions: tableColumns(kind.kind),
          rows: [tableRow(kind.kind, JSON.parse(entry.json), this.store.now(), table)],
        });
      }
      return this.#json(res, 200, entry.json);
    }
    if (verb === 'delete') {
      const obj = deleteWithDependents(this.store, kind, objNs, name!);
      if (!obj) throw notFound(kind, name!);
      return this.#json(res, 200, obj);
    }
    const body = JSON.parse((await readBody(req)) || 'null');
    const current = this.store.get(kind, objNs, name!);
    if (!current) throw notFound(kind, name!);
    // An update, or a patch whose result names a resourceVersion (the patch set it), is refused
    // when the object changed since that version, as the real API server's storage does.
    const next: Obj =
      verb === 'update'
        ? (body as Obj)
        : (applyPatch(req.headers['content-type'] ?? '', current, body) as Obj);
    {
      const want = next?.metadata?.resourceVersion;
      if (want && want !== current.metadata?.resourceVersion) {
        throw new HttpError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resourceName(kind)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name, group: kind.group, kind: kind.plural },
        );
      }
    }
    const saved = this.#save(kind, current, next, sub === 'status');
    this.writes.push({
      verb,
      resource: sub ? `${kind.plural}/${sub}` : kind.plural,
      namespace: objNs,
      name: name!,
      user: id.user,
      body,
    });
    if (this.writes.length > 10_000) this.writes.splice(0, this.writes.length - 10_000);
    return this.#json(res, 200, saved.json);
  }

  /** The scale subresource (kubectl scale, HPAs): an autoscaling/v1 Scale over spec.replicas. */
  async #scale(
    req: IncomingMessage,
    res: ServerResponse,
    kind: SimKind,
    ns: string,
    name: string,
    verb: string,
  ) {
    const current = this.store.get(kind, ns, name) as
      | (Obj & {
          spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
          status?: { replicas?: number };
        })
      | undefined;
    if (!current) throw notFound(kind, name);
    const toScale = (o: typeof current) => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name,
        namespace: ns,
        uid: o.metadata?.uid,
        resourceVersion: o.metadata?.resourceVersion,
        creationTimestamp: o.metadata?.creationTimestamp,
      },
      spec: { replicas: o.spec?.replicas ?? 1 },
      status: {
        replicas: o.status?.replicas ?? 0,
        selector: Object.entries(o.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    });
    if (verb === 'get') return this.#json(res, 200, toScale(current));
    if (verb !== 'update' && verb !== 'patch') {
      throw new HttpError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
    const body = JSON.parse((await readBody(req)) || 'null');
    const scale =
      verb === 'update'
        ? (body as { spec?: { replicas?: number } })
        : (applyPatch(req.headers['content-type'] ?? '', toScale(current), body) as {
            spec?: { replicas?: number };
          });
    const replicas = scale.spec?.replicas;
    if (typeof replicas !== 'number' || replicas < 0) {
      throw new HttpError(
        422,
        'Invalid',
        `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value`,
      );
    }
    const next = { ...current, spec: { ...current.spec, replicas } };
    const saved = this.#save(kind, current, next, false);
    return this.#json(res, 200, toScale(JSON.parse(saved.json)));
  }

  /** Writes an update the way the API server does: status and spec are separate, generation tracks spec. */
  #save(kind: SimKind, current: Obj, next: Obj, statusOnly: boolean): Entry {
    let merged: Obj;
    if (statusOnly) merged = { ...current, status: next.status };
    else {
      merged = { ...next, metadata: { ...next.metadata } };
      if (kind.hasStatus) merged.status = current.status;
      const md = merged.metadata!;
      md.name = current.metadata?.name;
      md.namespace = current.metadata?.namespace;
      md.uid = current.metadata?.uid;
      md.creationTimestamp = current.metadata?.creationTimestamp;
      const specChanged = JSON.stringify(next.spec) !== JSON.stringify(current.spec);
      if (current.metadata?.generation !== undefined) {
        md.generation = current.metadata.generation + (specChanged ? 1 : 0);
      }
    }
    return this.store.update(kind, merged);
  }

  async #create(
    req: IncomingMessage,
    res: ServerResponse,
    kind: SimKind,
    ns: string | undefined,
  ): Promise<void> {
    const obj = JSON.parse((await readBody(req)) || 'null') as Obj;
    if (!obj || typeof obj !== 'object')
      throw new HttpError(400, 'BadRequest', 'the request body must be an object');
    obj.metadata ??= {};
    if (kind.namespaced) {
      if (!ns) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw new HttpError(
          400,
          'BadRequest',
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      obj.metadata.namespace = ns;
      if (!this.store.getEntry(KIND_BY_NAME.get('Namespace')!, '', ns)) {
        throw new HttpError(404, 'NotFound', `namespaces "${ns}" not found`, {
          name: ns,
          kind: 'namespaces',
        });
      }
    }
    applyCreateDefaults(kind, obj, this.store.now());
    const entry = this.store.create(kind, obj);
    this.#json(res, 201, entry.json);
  }

  #parseSelectors(kind: SimKind, q: URLSearchParams) {
    return {
      labels: parseLabelSelector(q.get('labelSelector')),
      fields: parseFieldSelector(q.get('fieldSelector'), [
        'metadata.name',
        'metadata.namespace',
        ...kind.fields,
      ]),
    };
  }

  async #list(
    res: ServerResponse,
    kind: SimKind,
    ns: string | undefined,
    q: URLSearchParams,
    table: IncludeObject | undefined,
  ): Promise<void> {
    const { labels, fields } = this.#parseSelectors(kind, q);
    const limit = Math.max(0, Number.parseInt(q.get('limit') ?? '0', 10) || 0);
    const token = q.get('continue');
    let listRv = this.store.resourceVersion;
    let startAfter: string | undefined;
    if (token) {
      const c = decodeContinue(token);
      if (c.rv < this.store.oldestResumable) {
        throw new HttpError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      listRv = c.rv;
      startAfter = c.start;
    }
    const keys = this.store.sortedKeys(kind);
    const map = this.store.entries(kind);
    // Keys are "namespace/name" and sorted, so one namespace is a contiguous run.
    let i = startAfter !== undefined ? upperBound(keys, startAfter) : ns ? lowerBound(keys, `${ns}/`) : 0;
    const items: Entry[] = [];
    let more = false;
    for (; i < keys.length; i++) {
      const e = map.get(keys[i]!);
      if (!e) continue;
      if (ns !== undefined && e.ns !== ns) {
        if (e.ns > ns) break;
        continue;
      }
      if (!matchLabels(labels, e.labels) || !matchFields(fields, (f) => fieldValue(e, f))) continue;
      if (limit > 0 && items.length === limit) {
        more = true;
        break;
      }
      items.push(e);
    }
    const meta: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (more) meta.continue = encodeContinue(listRv, items[items.length - 1]!.key);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (table) {
      const now = this.store.now();
      const head = JSON.stringify({
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: meta,
        columnDefinitions: tableColumns(kind.kind),
      });
      await this.#streamArray(res, `${head.slice(0, -1)},"rows":[`, items, (e) =>
        JSON.stringify(tableRow(kind.kind, JSON.parse(e.json), now, table)),
      );
      return;
    }
    const head = `{"kind":"${kind.kind}List","apiVersion":"${groupVersion(kind)}","metadata":${JSON.stringify(meta)},"items":[`;
    await this.#streamArray(res, head, items, (e) => e.json);
  }

  async #streamArray(
    res: ServerResponse,
    head: string,
    items: Entry[],
    render: (e: Entry) => string,
  ): Promise<void> {
    let buf = head;
    for (let i = 0; i < items.length; i++) {
      if (i > 0) buf += ',';
      buf += render(items[i]!);
      if (buf.length >= LIST_CHUNK) {
        const wait = write(res, buf);
        buf = '';
        if (wait) await wait;
        if (res.destroyed) return;
      }
    }
    buf += ']}';
    res.end(buf);
  }

  #watchLine(w: Watcher, type: string, e: Entry): string {
    if (!w.table) return `{"type":"${type}","object":${e.json}}\n`;
    const obj = JSON.parse(e.json) as Obj;
    const t = {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: String(e.rv) },
      columnDefinitions: tableColumns(w.kind.kind),
      rows: [tableRow(w.kind.kind, obj, this.store.now(), w.table)],
    };
    return `${JSON.stringify({ type, object: t })}\n`;
  }

  #matches(w: Watcher, e: Entry | undefined): boolean {
    if (!e) return false;
    if (w.ns !== undefined && e.ns !== w.ns) return false;
    return matchLabels(w.labels, e.labels) && matchFields(w.fields, (f) => fieldValue(e, f));
  }

  /** The event a watcher sees for a change, given its selectors (objects can move in or out). */
  #eventFor(w: Watcher, c: Change): string | undefined {
    if (c.type === 'DELETED')
      return this.#matches(w, c.prev) ? this.#watchLine(w, 'DELETED', c.entry) : undefined;
    const now = this.#matches(w, c.entry);
    const before = c.type === 'MODIFIED' && this.#matches(w, c.prev);
    if (now) return this.#watchLine(w, before || c.type === 'ADDED' ? c.type : 'ADDED', c.entry);
    if (before) return this.#watchLine(w, 'DELETED', c.entry);
    return undefined;
  }

  #send(w: Watcher, line: string): void {
    if (w.res.destroyed) return;
    if (w.res.writableLength > MAX_WATCH_BUFFER) {
      // A consumer this far behind is dropped, as the real API server drops slow watchers.
      this.#watchers.get(w.kind)?.delete(w);
      w.res.destroy();
      return;
    }
    w.res.write(line);
  }

  #dispatch(c: Change): void {
    const set = this.#watchers.get(c.entry.kind);
    if (!set || set.size === 0) return;
    for (const w of set) {
      const line = this.#eventFor(w, c);
      if (line) this.#send(w, line);
    }
  }

  #bookmark(): void {
    const rv = String(this.store.resourceVersion);
    for (const [kind, set] of this.#watchers) {
      if (set.size === 0) continue;
      const line = `{"type":"BOOKMARK","object":{"kind":"${kind.kind}","apiVersion":"${groupVersion(kind)}","metadata":{"resourceVersion":"${rv}"}}}\n`;
      for (const w of set) if (w.bookmarks) this.#send(w, line);
    }
  }

  #watch(
    req: IncomingMessage,
    res: ServerResponse,
    kind: SimKind,
    ns: string | undefined,
    q: URLSearchParams,
    table: IncludeObject | undefined,
  ): void {
    const { labels, fields } = this.#parseSelectors(kind, q);
    const rvParam = q.get('resourceVersion') ?? '';
    const w: Watcher = {
      kind,
      ns,
      labels,
      fields,
      res,
      table,
      bookmarks: q.get('allowWatchBookmarks') === 'true',
    };
    // A streaming list (client-go's WatchList; kubectl v1.36's `rollout status` waits on one):
    // the current state as ADDED events, then a bookmark marking their end, then changes. The
    // state sent is the newest, which satisfies any resourceVersionMatch=NotOlderThan.
    const initialEvents = q.get('sendInitialEvents') === 'true';
    let replay: Change[] | undefined = [];
    if (rvParam !== '' && rvParam !== '0' && !initialEvents) {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv))
        throw new HttpError(400, 'BadRequest', `invalid resource version: ${rvParam}`);
      replay = this.store.changesSince(rv);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    if (!replay) {
      // As the real server does: a 200 with one ERROR event carrying a 410 Status, then close.
      const st = status(
        410,
        'Expired',
        `too old resource version: ${rvParam} (${this.store.oldestResumable})`,
      );
      res.end(`${JSON.stringify({ type: 'ERROR', object: st })}\n`);
      return;
    }
    if (rvParam === '' || rvParam === '0' || initialEvents) {
      // "Get state and start at most recent": synthetic ADDED events for what exists now.
      const map = this.store.entries(kind);
      for (const e of map.values()) if (this.#matches(w, e)) this.#send(w, this.#watchLine(w, 'ADDED', e));
      if (initialEvents) {
        const end = {
          type: 'BOOKMARK',
          object: {
            kind: kind.kind,
            apiVersion: groupVersion(kind),
            metadata: {
              resourceVersion: String(this.store.resourceVersion),
              annotations: { 'k8s.io/initial-events-end': 'true' },
            },
          },
        };
        this.#send(w, `${JSON.stringify(end)}\n`);
      }
    } else {
      for (const c of replay) {
        if (c.entry.kind !== kind) continue;
        const line = this.#eventFor(w, c);
        if (line) this.#send(w, line);
      }
    }
    const set = this.#watchers.get(kind)!;
    set.add(w);
    const timeout = Number.parseInt(q.get('timeoutSeconds') ?? '0', 10);
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      set.delete(w);
      if (timer) clearTimeout(timer);
    };
    if (timeout > 0) {
      timer = setTimeout(() => {
        stop();
        res.end();
      }, timeout * 1000);
    }
    req.on('close', stop);
    res.on('close', stop);
  }

  async #log(
    req: IncomingMessage,
    res: ServerResponse,
    kind: SimKind,
    ns: string,
    name: string,
    q: URLSearchParams,
  ): Promise<void> {
    const pod = this.store.get(kind, ns, name);
    if (!pod) throw notFound(kind, name);
    const previous = q.get('previous') === 'true';
    const win = logWindow(pod, q.get('container') ?? undefined, previous);
    const num = (k: string) => {
      const v = q.get(k);
      return v === null || v === '' ? undefined : Number.parseInt(v, 10);
    };
    const query = {
      tailLines: num('tailLines'),
      sinceSeconds: num('sinceSeconds'),
      sinceTime: q.get('sinceTime') ?? undefined,
      timestamps: q.get('timestamps') === 'true',
    };
    const limitBytes = num('limitBytes');
    const { lines, next } = existingLines(win, query, this.store.now());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    let sent = 0;
    const emit = (line: string): boolean => {
      let text = `${line}\n`;
      if (limitBytes !== undefined && sent + text.length > limitBytes)
        text = text.slice(0, limitBytes - sent);
      sent += text.length;
      res.write(text);
      return limitBytes === undefined || sent < limitBytes;
    };
    for (const l of lines) {
      if (!emit(l)) return void res.end();
    }
    if (q.get('follow') !== 'true' || previous || win.end !== undefined) return void res.end();
    res.flushHeaders();
    let i = next;
    const podUid = pod.metadata?.uid;
    const tick = () => {
      const e = this.store.getEntry(kind, ns, name);
      if (!e || e.uid !== podUid) return finish();
      const due = Math.floor((this.store.now() - win.start) / LINE_MS);
      while (i <= due) {
        if (!emit(logLine(win, i++, query.timestamps))) return finish();
      }
    };
    const timer = setInterval(tick, Math.min(LINE_MS, 500));
    const finish = () => {
      clearInterval(timer);
      this.#followers.delete(finish);
      if (!res.destroyed) res.end();
    };
    this.#followers.add(finish);
    req.on('close', finish);
  }

  #groupList() {
    const groups = new Map<string, string[]>();
    for (const k of SIM_KINDS) {
      if (k.group === '') continue;
      const vs = groups.get(k.group) ?? [];
      if (!vs.includes(k.version)) vs.push(k.version);
      groups.set(k.group, vs);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0]! },
      })),
    };
  }

  #resourceList(group: string, version: string) {
    const kinds = SIM_KINDS.filter((k) => k.group === group && k.version === version);
    if (kinds.length === 0)
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const resources: Record<string, unknown>[] = [];
    for (const k of kinds) {
      resources.push({
        name: k.plural,
        singularName: k.singular,
        namespaced: k.namespaced,
        kind: k.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
        ...(ALL_CATEGORY.has(k.kind) ? { categories: ['all'] } : {}),
      });
      if (k.hasStatus) {
        resources.push({
          name: `${k.plural}/status`,
          singularName: '',
          namespaced: k.namespaced,
          kind: k.kind,
          verbs: ['get', 'patch', 'update'],
        });
      }
      if (k.kind === 'Pod') {
        resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
      }
      if (SCALABLE.has(k.kind)) {
        resources.push({
          name: `${k.plural}/scale`,
          singularName: '',
          namespaced: true,
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch', 'update'],
        });
      }
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
