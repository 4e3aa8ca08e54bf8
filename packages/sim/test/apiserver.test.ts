// The simulated API server in-process over plain HTTP: resourceVersion semantics, selectors,
// pagination, bookmarks, 410, tables, logs, auth and outages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindFor } from '../src/apiserver/kinds.ts';
import { ClusterServer } from '../src/apiserver/server.ts';
import { ClusterStore, type Obj } from '../src/apiserver/store.ts';
import { ClusterSimulator } from '../src/controllers/simulator.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary API JSON
type Json = any;

const POD = kindFor('Pod');
const NS = kindFor('Namespace');
const TOKEN = 'admin-token';

function pod(name: string, labels: Record<string, string>, phase = 'Running'): Obj {
  return {
    metadata: { name, namespace: 'team-a', labels },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'app:1' }] },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'app',
          ready: phase === 'Running',
          restartCount: 2,
          state: { running: { startedAt: new Date(Date.now() - 60_000).toISOString() } },
          lastState: {
            terminated: {
              exitCode: 137,
              reason: 'OOMKilled',
              finishedAt: new Date(Date.now() - 61_000).toISOString(),
            },
          },
        },
      ],
    },
  } as Obj;
}

let store: ClusterStore;
let server: ClusterServer;
let sim: ClusterSimulator;
let tick: NodeJS.Timeout;

async function api(path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${init.token ?? TOKEN}`, ...(init.headers ?? {}) },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text
  }
  return { status: res.status, body: body as Record<string, Json> };
}

/** Reads watch events until `until` says stop (or the stream ends). */
async function watch(path: string, until: (events: Json[]) => boolean, timeoutMs = 5000): Promise<Json[]> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  const events: Json[] = [];
  try {
    const res = await fetch(`${server.url}${path}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
      signal: ctrl.signal,
    });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value);
      let i = buf.indexOf('\n');
      while (i >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
  return events;
}

beforeAll(async () => {
  store = new ClusterStore({ historySize: 100 });
  store.create(NS, { metadata: { name: 'team-a' } } as Obj, { silent: true });
  for (let i = 0; i < 5; i++)
    store.create(POD, pod(`web-${i}`, { app: 'web', idx: String(i) }), { silent: true });
  store.create(POD, pod('batch-0', { app: 'batch' }, 'Succeeded'), { silent: true });
  server = new ClusterServer({
    name: 'test',
    store,
    tokens: {
      [TOKEN]: { user: 'admin' },
      reader: { user: 'reader', readOnly: true },
      limited: { user: 'limited', readOnly: true, forbidden: ['horizontalpodautoscalers'] },
    },
    bookmarkIntervalMs: 200,
  });
  await server.listen(0);
  sim = new ClusterSimulator({ store, seed: 't', podStartMs: 100, crashLoopMs: 300 });
  tick = setInterval(() => sim.tick(), 50);
});
afterAll(async () => {
  clearInterval(tick);
  sim.stop();
  await server.close();
});

describe('simulated API server', () => {
  it('serves discovery and version', async () => {
    expect((await api('/version')).body.gitVersion).toMatch(/^v1\./);
    expect((await api('/api')).body.versions).toEqual(['v1']);
    const groups = (await api('/apis')).body.groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(
      expect.arrayContaining(['apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io']),
    );
    const core = (await api('/api/v1')).body.resources.map((r: { name: string }) => r.name);
    expect(core).toEqual(
      expect.arrayContaining([
        'pods',
        'pods/log',
        'pods/status',
        'services',
        'events',
        'namespaces',
        'nodes',
      ]),
    );
    const apps = (await api('/apis/apps/v1')).body.resources.find(
      (r: { name: string }) => r.name === 'deployments',
    );
    expect(apps.verbs).toEqual(expect.arrayContaining(['list', 'watch', 'patch']));
  });

  it('lists with label and field selectors and pages with continue tokens', async () => {
    const all = await api('/api/v1/namespaces/team-a/pods?labelSelector=app%3Dweb');
    expect(all.body.kind).toBe('PodList');
    expect(all.body.items).toHaveLength(5);
    expect(typeof all.body.metadata.resourceVersion).toBe('string');
    expect((await api('/api/v1/pods?fieldSelector=status.phase%3DSucceeded')).body.items).toHaveLength(1);
    expect((await api('/api/v1/pods?labelSelector=idx+in+(1,3)')).body.items).toHaveLength(2);
    expect((await api('/api/v1/pods?fieldSelector=metadata.name%3Dweb-2')).body.items[0].metadata.name).toBe(
      'web-2',
    );
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const page = await api(`/api/v1/pods?limit=2${cont ? `&continue=${cont}` : ''}`);
      names.push(...page.body.items.map((p: Obj) => p.metadata!.name));
      cont = page.body.metadata.continue ?? '';
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(names).toEqual(['batch-0', 'web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
    expect((await api('/api/v1/pods?labelSelector=a%3D%3Db%3Dc')).status).toBe(400);
  });

  it('replays changes after a resourceVersion, turns selector exits into DELETED, and sends bookmarks', async () => {
    const rv = (await api('/api/v1/namespaces/team-a/pods')).body.metadata.resourceVersion;
    store.mutate(POD, 'team-a', 'web-0', (p) => {
      p.metadata!.labels = { app: 'moved' };
    });
    store.mutate(POD, 'team-a', 'web-1', (p) => {
      p.metadata!.annotations = { touched: 'yes' };
    });
    const events = await watch(
      `/api/v1/namespaces/team-a/pods?watch=true&labelSelector=app%3Dweb&allowWatchBookmarks=true&resourceVersion=${rv}`,
      (ev) => ev.some((e) => e.type === 'BOOKMARK'),
    );
    const real = events.filter((e) => e.type !== 'BOOKMARK');
    expect(real.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'DELETED web-0',
      'MODIFIED web-1',
    ]);
    const bookmark = events.find((e) => e.type === 'BOOKMARK');
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(real[1].object.metadata.resourceVersion),
    );
  });

  it('streams a list on a watch with sendInitialEvents: the objects, then a bookmark marking their end', async () => {
    // What client-go's WatchList sends (KEP-3157), and kubectl v1.36's `rollout status` waits for.
    const rv = (await api('/api/v1/namespaces/team-a/pods')).body.metadata.resourceVersion;
    const events = await watch(
      `/api/v1/namespaces/team-a/pods?watch=true&labelSelector=app%3Dweb&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${rv}`,
      (ev) => ev.some((e) => e.type === 'BOOKMARK'),
    );
    const end = events.findIndex((e) => e.type === 'BOOKMARK');
    const initial = events.slice(0, end);
    expect(initial.length).toBeGreaterThan(0);
    expect(initial.every((e) => e.type === 'ADDED' && e.object.metadata.labels.app === 'web')).toBe(true);
    expect(initial.map((e) => e.object.metadata.name)).toEqual(
      (await api('/api/v1/namespaces/team-a/pods?labelSelector=app%3Dweb')).body.items.map(
        (p: Obj) => p.metadata!.name,
      ),
    );
    expect(events[end].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(Number(events[end].object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
  });

  it('answers a too-old resourceVersion with a 410 ERROR event, and an expired continue token with 410', async () => {
    const page = await api('/api/v1/pods?limit=1');
    const old = page.body.metadata.resourceVersion;
    store.mutate(POD, 'team-a', 'web-3', (p) => {
      p.metadata!.annotations = { z: '1' };
    });
    // History before this point is gone: resuming from `old` would miss the change above.
    store.compact();
    const events = await watch(`/api/v1/pods?watch=true&resourceVersion=${old}`, () => false);
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('ERROR');
    expect(events[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    store.mutate(POD, 'team-a', 'web-2', (p) => {
      p.metadata!.annotations = { x: '1' };
    });
    const expired = await api(`/api/v1/pods?limit=1&continue=${page.body.metadata.continue}`);
    expect(expired.status).toBe(410);
    // Watching from the current version still works.
    const now = (await api('/api/v1/pods')).body.metadata.resourceVersion;
    store.mutate(POD, 'team-a', 'web-3', (p) => {
      p.metadata!.annotations = { y: '1' };
    });
    const later = await watch(`/api/v1/pods?watch=true&resourceVersion=${now}`, (ev) => ev.length > 0);
    expect(later[0].type).toBe('MODIFIED');
  });

  it('authenticates, authorizes per identity and words 403s like the real authorizer', async () => {
    expect((await api('/api/v1/pods', { token: 'nope' })).status).toBe(401);
    const forbidden = await api('/apis/autoscaling/v2/namespaces/team-a/horizontalpodautoscalers', {
      token: 'limited',
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toBe(
      'horizontalpodautoscalers.autoscaling is forbidden: User "limited" cannot list resource "horizontalpodautoscalers" in API group "autoscaling" in the namespace "team-a"',
    );
    const write = await api('/api/v1/namespaces/team-a/pods/web-4', {
      token: 'reader',
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: '{"metadata":{"labels":{"x":"y"}}}',
    });
    expect(write.status).toBe(403);
    expect(write.body.message).toContain('cannot patch resource "pods"');
  });

  it('refuses a patch that names an older resourceVersion (409) and records the writes it accepts', async () => {
    const path = '/api/v1/namespaces/team-a/pods/web-4';
    const patch = (body: unknown) =>
      api(path, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify(body),
      });
    const rv = (await api(path)).body.metadata.resourceVersion as string;
    const accepted = server.writes.length;
    const first = await patch({ metadata: { resourceVersion: rv, labels: { tier: 'one' } } });
    expect(first.status).toBe(200);
    // The same precondition again: the object moved on, so a second writer's patch is refused.
    const second = await patch({ metadata: { resourceVersion: rv, labels: { tier: 'two' } } });
    expect(second.status).toBe(409);
    expect(second.body.reason).toBe('Conflict');
    expect((await api(path)).body.metadata.labels.tier).toBe('one');
    expect(server.writes.slice(accepted)).toEqual([
      {
        verb: 'patch',
        resource: 'pods',
        namespace: 'team-a',
        name: 'web-4',
        user: expect.any(String),
        body: { metadata: { resourceVersion: rv, labels: { tier: 'one' } } },
      },
    ]);
  });

  it('serves tables for kubectl', async () => {
    const t = await api('/api/v1/namespaces/team-a/pods', {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    expect(t.body.kind).toBe('Table');
    expect(t.body.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(t.body.rows[0].object.kind).toBe('PartialObjectMetadata');
  });

  it('serves logs: tail, previous, and the kubelet’s errors', async () => {
    const tail = await api('/api/v1/namespaces/team-a/pods/web-4/log?tailLines=3');
    expect(String(tail.body).trim().split('\n')).toHaveLength(3);
    const prev = await api('/api/v1/namespaces/team-a/pods/web-4/log?previous=true');
    expect(String(prev.body)).toMatch(/FATAL/);
    const wrong = await api('/api/v1/namespaces/team-a/pods/web-4/log?container=nope');
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe('container nope is not valid for pod web-4');
    expect(
      (await api('/api/v1/namespaces/team-a/pods/batch-0/log?previous=false&sinceSeconds=1')).status,
    ).toBe(200);
  });

  it('creates pods through the API and runs them; a bad image never becomes ready', async () => {
    const mk = (name: string, image: string) =>
      api('/api/v1/namespaces/team-a/pods', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name }, spec: { containers: [{ name: 'c', image }] } }),
      });
    expect((await mk('good', 'app:1')).status).toBe(201);
    expect((await mk('bad', 'app:1-bad')).status).toBe(201);
    expect((await mk('good', 'app:1')).status).toBe(409);
    expect(
      (await api('/api/v1/namespaces/nope/pods', { method: 'POST', body: '{"metadata":{"name":"x"}}' }))
        .status,
    ).toBe(404);
    await until(
      async () => (await api('/api/v1/namespaces/team-a/pods/good')).body.status.phase === 'Running',
    );
    await until(
      async () =>
        (await api('/api/v1/namespaces/team-a/pods/bad')).body.status.containerStatuses?.[0]?.state.waiting
          ?.reason === 'ErrImagePull',
    );
    const bad = await api('/api/v1/namespaces/team-a/pods/bad/log');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/is waiting to start: trying and failing to pull image/);
    expect((await api('/api/v1/namespaces/team-a/pods/good', { method: 'DELETE' })).status).toBe(200);
    expect((await api('/api/v1/namespaces/team-a/pods/good')).status).toBe(404);
  });

  it('goes unreachable: refused, then hung, then back', async () => {
    await server.setReachability('refused');
    await expect(fetch(`${server.url}/version`)).rejects.toThrow();
    await server.setReachability('hung');
    const hung = await fetch(`${server.url}/version`, { signal: AbortSignal.timeout(300) }).catch(
      (e: Error) => e.name,
    );
    expect(hung).toBe('TimeoutError');
    await server.setReachability('up');
    expect((await fetch(`${server.url}/version`)).status).toBe(200);
  });
});

async function until(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
