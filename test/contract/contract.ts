// Portolan's cluster-facing behaviour as a contract, using only @kubernetes/client-node: run
// against the simulated fleet (sim.test.ts) and the real test fleet (real.int.test.ts), so the
// simulation cannot drift from real Kubernetes unnoticed.

import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  KubeConfig,
  Log,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
  type V1Service,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface ContractTarget {
  kubeconfigPath: string;
  /** Context with an identity that may create, patch and delete (test objects are made through the API). */
  adminContext: string;
  /** Read-only identity. */
  readContext: string;
  /** Read-only identity that may not list horizontalpodautoscalers. */
  limitedContext: string;
  /**
   * Whether pods/log returns container output. When not, the reason: the log case then checks that
   * the failure is a proper API error rather than a hang.
   */
  logs: true | { unsupported: string };
  /**
   * Gives a pod's container a log before the log case, for fleets whose fake kubelets serve only
   * logs they were given (kwok); and appends a line while a follow is open.
   */
  givePodLogs?: (pod: PodRef, lines: string[]) => Promise<void>;
  appendPodLog?: (pod: PodRef, line: string) => Promise<void>;
  /** How long a rollout of 3 pods may take. */
  rolloutTimeoutMs?: number;
}

export interface PodRef {
  namespace: string;
  name: string;
  container: string;
}

function config(path: string, context: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  kc.setCurrentContext(context);
  return kc;
}

async function eventually<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

interface ApiErrorLike {
  code?: number;
  statusCode?: number;
  body?: unknown;
}
function statusBody(err: unknown): { reason?: string; message?: string; code?: number } {
  const body = (err as ApiErrorLike).body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return {};
    }
  }
  return (body as object) ?? {};
}

const APP = 'contract-web';

function deployment(namespace: string, image: string): V1Deployment {
  const labels = {
    'app.kubernetes.io/name': APP,
    'app.kubernetes.io/part-of': 'contract',
    'backstage.io/kubernetes-id': APP,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP, namespace, labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: { 'app.kubernetes.io/name': APP } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }],
          // kwok places pods on its fake nodes only when they tolerate the kwok taint.
          tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
    },
  };
}

function rolledOut(d: V1Deployment | undefined): boolean {
  const s = d?.status;
  const want = d?.spec?.replicas ?? 1;
  return (
    !!d &&
    (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    (s?.updatedReplicas ?? 0) === want &&
    (s?.replicas ?? 0) === want &&
    (s?.availableReplicas ?? 0) === want
  );
}

export function contractSuite(name: string, getTarget: () => ContractTarget | Promise<ContractTarget>): void {
  describe(`cluster contract: ${name}`, { timeout: 120_000 }, () => {
    let target: ContractTarget;
    let admin: KubeConfig;
    let reader: KubeConfig;
    let core: CoreV1Api;
    let apps: AppsV1Api;
    let readCore: CoreV1Api;
    const namespace = `portolan-contract-${randomBytes(3).toString('hex')}`;

    beforeAll(async () => {
      target = await getTarget();
      admin = config(target.kubeconfigPath, target.adminContext);
      reader = config(target.kubeconfigPath, target.readContext);
      core = admin.makeApiClient(CoreV1Api);
      apps = admin.makeApiClient(AppsV1Api);
      readCore = reader.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await apps.createNamespacedDeployment({
        namespace,
        body: deployment(namespace, 'registry.example.com/contract/web:1.0.0'),
      });
      await eventually('the deployment to become available', target.rolloutTimeoutMs ?? 60_000, async () => {
        const d = await apps.readNamespacedDeployment({ name: APP, namespace });
        return rolledOut(d) ? d : undefined;
      });
    }, 180_000);

    afterAll(async () => {
      await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
    });

    it('lists pods by label, across namespaces and in one, with an opaque collection resourceVersion', async () => {
      const selector = `app.kubernetes.io/name=${APP}`;
      const all = await readCore.listPodForAllNamespaces({ labelSelector: selector });
      expect(typeof all.metadata?.resourceVersion).toBe('string');
      expect(all.metadata?.resourceVersion).not.toBe('');
      const mine = all.items.filter((p) => p.metadata?.namespace === namespace);
      expect(mine).toHaveLength(3);
      for (const p of mine) {
        expect(p.metadata?.labels?.['backstage.io/kubernetes-id']).toBe(APP);
        expect(p.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
        expect(p.metadata?.labels?.['pod-template-hash']).toBeTruthy();
      }
      const ns = await readCore.listNamespacedPod({
        namespace,
        labelSelector: `${selector},app.kubernetes.io/part-of in (contract)`,
      });
      expect(ns.items).toHaveLength(3);
      const none = await readCore.listNamespacedPod({
        namespace,
        labelSelector: `${selector},!app.kubernetes.io/part-of`,
      });
      expect(none.items).toHaveLength(0);
      const running = await readCore.listNamespacedPod({ namespace, fieldSelector: 'status.phase=Running' });
      expect(running.items.length).toBe(3);
      // Pagination: one item per page, following continue tokens to the end.
      const names: string[] = [];
      let cont: string | undefined;
      do {
        const page = await readCore.listNamespacedPod({ namespace, limit: 1, _continue: cont });
        names.push(...page.items.map((p) => p.metadata!.name!));
        cont = page.metadata?._continue || undefined;
      } while (cont);
      expect(new Set(names).size).toBe(3);
    });

    it('resumes a watch from a resourceVersion and sees only later changes', async () => {
      const list = await readCore.listNamespacedService({ namespace });
      const rv = list.metadata!.resourceVersion!;
      const svc: V1Service = {
        metadata: { name: 'contract-svc', namespace, labels: { 'app.kubernetes.io/name': APP } },
        spec: { selector: { 'app.kubernetes.io/name': APP }, ports: [{ port: 80, targetPort: 8080 }] },
      };
      await core.createNamespacedService({ namespace, body: svc });
      const events: { type: string; name?: string; rv?: string }[] = [];
      const watch = new Watch(reader);
      const req = await watch.watch(
        `/api/v1/namespaces/${namespace}/services`,
        { resourceVersion: rv, allowWatchBookmarks: true, labelSelector: `app.kubernetes.io/name=${APP}` },
        (type, obj) => events.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion }),
        () => undefined,
      );
      try {
        await eventually('ADDED for the new service', 10_000, async () =>
          events.find((e) => e.type === 'ADDED' && e.name === 'contract-svc') ? true : undefined,
        );
        await core.deleteNamespacedService({ name: 'contract-svc', namespace });
        await eventually('DELETED for the service', 10_000, async () =>
          events.find((e) => e.type === 'DELETED' && e.name === 'contract-svc') ? true : undefined,
        );
      } finally {
        req.abort();
      }
      expect(events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    });

    it('answers a watch from a too-old resourceVersion with 410 Gone, and a relist recovers', async ({
      skip,
    }) => {
      const watch = new Watch(reader);
      let request: AbortController | undefined;
      const outcome = await new Promise<{ code?: number; reason?: string; replayed?: boolean }>((resolve) => {
        let seen: { code?: number; reason?: string } | undefined;
        void watch
          .watch(
            `/api/v1/namespaces/${namespace}/pods`,
            { resourceVersion: '1' },
            (type, obj) => {
              if (type === 'ERROR') seen = { code: obj?.code, reason: obj?.reason };
              // The server still holds history back to version 1 and replays it.
              else resolve({ replayed: true });
            },
            (err: unknown) => resolve(seen ?? { code: (err as ApiErrorLike)?.statusCode }),
          )
          .then((r) => {
            request = r;
          });
      });
      request?.abort();
      if (outcome.replayed) {
        // A real API server answers 410 only once etcd has compacted that far back (every few
        // minutes); a freshly started cluster still has all its history, so no client can make
        // it say 410 yet. The simulated fleet always can (its history starts after generation).
        skip('this cluster has not compacted its history yet: version 1 is still served');
      }
      expect(outcome.code).toBe(410);
      if (outcome.reason !== undefined) expect(outcome.reason).toMatch(/Expired|Gone/);
      // An informer (list + watch) built the way Portolan's caches are keeps working after a relist.
      const informer = makeInformer(reader, `/api/v1/namespaces/${namespace}/pods`, () =>
        readCore.listNamespacedPod({ namespace }),
      );
      await informer.start();
      try {
        await eventually('the informer to hold the pods', 10_000, async () =>
          informer.list(namespace).length === 3 ? true : undefined,
        );
      } finally {
        await informer.stop();
      }
    });

    it('streams pod logs (tail and follow), or fails them as an API error', async () => {
      const pods = await readCore.listNamespacedPod({ namespace });
      const pod = pods.items.find((p: V1Pod) => p.status?.phase === 'Running')!;
      expect(pod).toBeTruthy();
      const log = new Log(reader);
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => {
        text += c.toString();
      });
      if (target.logs === true) {
        const ref = { namespace, name: pod.metadata!.name!, container: 'web' };
        await target.givePodLogs?.(ref, [
          'starting web',
          'listening on :8080',
          'GET /healthz 200',
          'GET /v1/items 200',
        ]);
        // client-node v2 never calls the done callback; the piped stream ending is the signal.
        const ended = new Promise<void>((resolve) => out.on('end', () => resolve()));
        await log.log(namespace, ref.name, 'web', out, { tailLines: 2, timestamps: true });
        await ended;
        const lines = text.trim().split('\n');
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.length).toBeLessThanOrEqual(2);
        expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
        // Follow until the server ends the stream at limitBytes: aborting a client-node log request
        // mid-stream surfaces as an unhandled AbortError inside the library.
        const follow = new PassThrough();
        let followed = '';
        follow.on('data', (c: Buffer) => {
          followed += c.toString();
        });
        let done = false;
        const followEnded = new Promise<void>((resolve) =>
          follow.on('end', () => {
            done = true;
            resolve();
          }),
        );
        await log.log(namespace, ref.name, 'web', follow, { follow: true, tailLines: 0, limitBytes: 16 });
        for (let i = 0; i < 40 && !done && target.appendPodLog; i++) {
          await target.appendPodLog(ref, `appended line ${i} while following`);
          await new Promise((r) => setTimeout(r, 250));
        }
        await followEnded;
        expect(followed.length).toBeGreaterThan(0);
        expect(followed.length).toBeLessThanOrEqual(16);
        const err = await readCore
          .readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: 'nope' })
          .catch((e) => e);
        expect((err as ApiErrorLike).code).toBe(400);
      } else {
        // The API server must still answer promptly with an error Status, never hang.
        const err = await readCore
          .readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: 'web', tailLines: 2 })
          .then(() => undefined)
          .catch((e: unknown) => e);
        expect(err, target.logs.unsupported).toBeDefined();
        expect((err as ApiErrorLike).code).toBeGreaterThanOrEqual(400);
      }
    });

    it('patches a Deployment image and reports the rollout through to completion', async () => {
      const before = await apps.readNamespacedDeployment({ name: APP, namespace });
      const seen = new Set<string>();
      const watch = new Watch(reader);
      const req = await watch.watch(
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
        { resourceVersion: before.metadata!.resourceVersion!, fieldSelector: `metadata.name=${APP}` },
        (type, obj: V1Deployment) => {
          if (type !== 'MODIFIED') return;
          const s = obj.status;
          seen.add(`${s?.updatedReplicas ?? 0}/${s?.replicas ?? 0}/${s?.availableReplicas ?? 0}`);
        },
        () => undefined,
      );
      try {
        const patched = await apps.patchNamespacedDeployment(
          {
            name: APP,
            namespace,
            body: {
              spec: {
                template: {
                  spec: { containers: [{ name: 'web', image: 'registry.example.com/contract/web:1.1.0' }] },
                },
              },
            },
          },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        );
        expect(patched.metadata?.generation).toBe((before.metadata?.generation ?? 1) + 1);
        expect(patched.spec?.template?.spec?.containers?.[0]?.image).toBe(
          'registry.example.com/contract/web:1.1.0',
        );
        await apps.patchNamespacedDeployment(
          {
            name: APP,
            namespace,
            body: { metadata: { annotations: { 'portolan.dev/deploy-id': 'contract-1' } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        const done = await eventually(
          'the rollout to complete',
          target.rolloutTimeoutMs ?? 60_000,
          async () => {
            const d = await apps.readNamespacedDeployment({ name: APP, namespace });
            return rolledOut(d) ? d : undefined;
          },
        );
        expect(done.metadata?.annotations?.['portolan.dev/deploy-id']).toBe('contract-1');
        const progressing = done.status?.conditions?.find((c) => c.type === 'Progressing');
        expect(progressing?.status).toBe('True');
        expect(progressing?.reason).toBe('NewReplicaSetAvailable');
        const rss = await apps.listNamespacedReplicaSet({
          namespace,
          labelSelector: `app.kubernetes.io/name=${APP}`,
        });
        expect(rss.items).toHaveLength(2);
        const current = rss.items.find((rs) =>
          rs.spec?.template?.spec?.containers?.[0]?.image?.endsWith(':1.1.0'),
        );
        expect(current?.status?.readyReplicas).toBe(3);
        expect(current?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
        const pods = await readCore.listNamespacedPod({
          namespace,
          labelSelector: `app.kubernetes.io/name=${APP}`,
        });
        const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
        expect(live.every((p) => p.spec?.containers?.[0]?.image?.endsWith(':1.1.0'))).toBe(true);
        // The watch saw intermediate progress, not just the end state.
        await eventually('the watch to see the end state', 5000, async () =>
          seen.has('3/3/3') ? true : undefined,
        );
        expect(seen.size).toBeGreaterThan(1);
      } finally {
        req.abort();
      }
    });

    it('forbids a kind the identity may not list, with a real-looking Status, and rejects writes from readers', async () => {
      const limited = config(target.kubeconfigPath, target.limitedContext).makeApiClient(AutoscalingV2Api);
      const err = await limited.listHorizontalPodAutoscalerForAllNamespaces().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as ApiErrorLike)?.code).toBe(403);
      const body = statusBody(err);
      expect(body.reason).toBe('Forbidden');
      expect(body.message).toMatch(
        /^horizontalpodautoscalers\.autoscaling is forbidden: User ".+" cannot list resource "horizontalpodautoscalers" in API group "autoscaling" at the cluster scope/,
      );
      const limitedCore = config(target.kubeconfigPath, target.limitedContext).makeApiClient(CoreV1Api);
      expect((await limitedCore.listNamespacedPod({ namespace })).items.length).toBeGreaterThanOrEqual(3);
      const watchErr = await new Promise<unknown>((resolve) => {
        void new Watch(config(target.kubeconfigPath, target.limitedContext)).watch(
          '/apis/autoscaling/v2/horizontalpodautoscalers',
          {},
          () => undefined,
          (e: unknown) => resolve(e),
        );
      });
      expect((watchErr as ApiErrorLike).statusCode).toBe(403);
      const write = await reader
        .makeApiClient(AppsV1Api)
        .patchNamespacedDeployment(
          { name: APP, namespace, body: { metadata: { annotations: { x: 'y' } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((write as ApiErrorLike)?.code).toBe(403);
    });

    it('rejects an unknown token with 401', async () => {
      const kc = config(target.kubeconfigPath, target.readContext);
      const user = kc.getCurrentUser()!;
      const users = kc.users.map((u) => (u.name === user.name ? { ...u, token: 'not-a-valid-token' } : u));
      const bad = new KubeConfig();
      bad.loadFromOptions({
        clusters: kc.clusters,
        users,
        contexts: kc.contexts,
        currentContext: kc.currentContext,
      });
      const err = await bad
        .makeApiClient(CoreV1Api)
        .listNamespacedPod({ namespace })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((err as ApiErrorLike)?.code).toBe(401);
    });
  });
}
