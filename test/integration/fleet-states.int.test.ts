// The workload states the test fleet's helpers produce are real API objects that stay as made:
// what Portolan's rules engine will read from a real cluster. One cluster is enough here; the
// smoke test (fleet.int.test.ts) covers every cluster.
import { randomBytes } from 'node:crypto';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendPodLog,
  coreApi,
  exceedProgressDeadline,
  fleetClusters,
  kubeConfigFor,
  makeCrashLoop,
  makeImagePullBackOff,
  makeOOMKilled,
  makeReadinessFailing,
  makeUnschedulable,
  STATUS_ANNOTATION,
  setPodLogs,
  strategicMergePatch,
  waitFor,
} from '../cluster/helpers.ts';

const cluster = fleetClusters()[1] ?? fleetClusters()[0]!;
const namespace = `states-${randomBytes(3).toString('hex')}`;

/** A bare pod, left to kwok until it runs, as a pod of any workload would be. */
async function runningPod(name: string): Promise<{ context: string; namespace: string; name: string }> {
  const core = coreApi(cluster);
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { app: name } },
      spec: { containers: [{ name: 'app', image: `example.test/${name}:1.0` }] },
    },
  });
  await waitFor(`${name} Running`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace });
    return pod.status?.phase === 'Running' ? true : undefined;
  });
  return { context: cluster, namespace, name };
}

/**
 * Follows a container log over the real pods/log API. (Not with the client's Log class: ending
 * its stream by aborting leaves an unhandled AbortError in client-node 2.0.1.)
 */
function followLog(
  context: string,
  pod: { namespace: string; name: string },
  onData: (text: string) => void,
): ClientRequest {
  const kc = kubeConfigFor(context);
  const server = kc.getCurrentCluster()!;
  const url = new URL(
    `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/log?follow=true&tailLines=1`,
    server.server,
  );
  const req = request(url, {
    ca: Buffer.from(server.caData!, 'base64'),
    headers: { authorization: `Bearer ${kc.getCurrentUser()!.token}` },
  });
  req.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', onData);
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return req;
}

/** Reads the pod again after kwok had time to act on it, to prove the status stays. */
async function afterAWhile(name: string): Promise<V1Pod> {
  await sleep(1500);
  return coreApi(`${cluster}-portolan`).readNamespacedPod({ name, namespace });
}

async function eventReasons(name: string): Promise<string[]> {
  const events = await coreApi(cluster).listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return events.items.map((e) => e.reason ?? '');
}

describe(`workload states on ${cluster}`, () => {
  beforeAll(async () => {
    await coreApi(cluster).createNamespace({ body: { metadata: { name: namespace } } });
    await waitFor('default ServiceAccount', () =>
      coreApi(cluster)
        .readNamespacedServiceAccount({ name: 'default', namespace })
        .then(() => true),
    );
  });
  afterAll(async () => {
    await coreApi(cluster)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
  });

  it('kwok overwrites a status written without the helpers (why they annotate pods first)', async () => {
    const ref = await runningPod('unguarded');
    await coreApi(cluster).patchNamespacedPodStatus(
      {
        ...ref,
        body: {
          status: {
            phase: 'Pending',
            conditions: [{ type: 'Ready', status: 'False' }],
            containerStatuses: [
              {
                name: 'app',
                image: 'example.test/unguarded:1.0',
                imageID: '',
                ready: false,
                restartCount: 0,
                state: { waiting: { reason: 'ImagePullBackOff' } },
              },
            ],
          },
        },
      },
      strategicMergePatch,
    );
    await waitFor(
      'kwok to run the pod again',
      async () => {
        const pod = await coreApi(cluster).readNamespacedPod(ref);
        return pod.status?.phase === 'Running' && pod.status.containerStatuses?.[0]?.state?.running
          ? true
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
  });

  it('makeCrashLoop: CrashLoopBackOff with restarts and the last exit code', async () => {
    const ref = await runningPod('crasher');
    await makeCrashLoop(ref, { restarts: 4, exitCode: 3 });
    const pod = await afterAWhile(ref.name);
    expect(pod.metadata?.annotations?.[STATUS_ANNOTATION]).toBe('crash-loop');
    const status = pod.status?.containerStatuses?.[0];
    expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(status?.restartCount).toBe(4);
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(pod.status?.phase).toBe('Running');
    expect(await eventReasons(ref.name)).toContain('BackOff');
  });

  it('makeImagePullBackOff: Pending, waiting in ImagePullBackOff, with Failed and BackOff events', async () => {
    const ref = await runningPod('puller');
    await makeImagePullBackOff(ref);
    const pod = await afterAWhile(ref.name);
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ImagePullBackOff');
    expect(await eventReasons(ref.name)).toEqual(expect.arrayContaining(['Failed', 'BackOff']));
  });

  it('makeOOMKilled: last terminated with exit 137, reason OOMKilled', async () => {
    const ref = await runningPod('hog');
    await makeOOMKilled(ref, { restarts: 2 });
    const pod = await afterAWhile(ref.name);
    const status = pod.status?.containerStatuses?.[0];
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect(status?.restartCount).toBe(2);
  });

  it('makeReadinessFailing: running but not ready, with an Unhealthy event', async () => {
    const ref = await runningPod('sluggish');
    await makeReadinessFailing(ref);
    const pod = await afterAWhile(ref.name);
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(await eventReasons(ref.name)).toContain('Unhealthy');
  });

  it('makeUnschedulable: the real scheduler refuses the pod and records FailedScheduling', async () => {
    const { pod, event } = await makeUnschedulable({ context: cluster, namespace, name: 'giant' });
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.status?.phase).toBe('Pending');
    expect(event.reason).toBe('FailedScheduling');
    expect(event.message).toMatch(/Insufficient cpu/);
  });

  it('exceedProgressDeadline: the real Deployment controller gives up on the rollout', async () => {
    const deployment = await exceedProgressDeadline(
      { context: cluster, namespace, name: 'stuck' },
      { progressDeadlineSeconds: 3, replicas: 2 },
    );
    const progressing = deployment.status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing?.reason).toBe('ProgressDeadlineExceeded');
    expect(deployment.status?.availableReplicas ?? 0).toBe(0);
    const pods = await coreApi(cluster).listNamespacedPod({ namespace, labelSelector: 'app=stuck' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) expect(pod.status?.phase).toBe('Pending');
  });

  it('answers a log request for a pod without logs with a prompt API error', async () => {
    const ref = await runningPod('quiet');
    const started = Date.now();
    const error = await coreApi(`${cluster}-portolan`)
      .readNamespacedPodLog({ ...ref, tailLines: 2 })
      .then(() => undefined)
      .catch((e: unknown) => e as { code?: number });
    expect(error?.code).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('setPodLogs: a crashed container’s previous log, and a current log that streams new lines', async () => {
    const ref = await runningPod('panicker');
    await makeCrashLoop(ref);
    await setPodLogs(ref, {
      lines: ['starting', 'connecting to db:5432'],
      previousLines: ['starting', 'panic: assignment to entry in nil map', 'goroutine 1 [running]:'],
    });
    const reader = coreApi(`${cluster}-portolan`);
    const previous = await reader.readNamespacedPodLog({ ...ref, previous: true });
    expect(previous).toContain('panic: assignment to entry in nil map');
    expect(await reader.readNamespacedPodLog(ref)).not.toContain('panic');

    let received = '';
    const follow = followLog(`${cluster}-portolan`, ref, (chunk) => {
      received += chunk;
    });
    try {
      await waitFor('the followed log to start', async () =>
        received.includes('connecting to db') ? true : undefined,
      );
      await appendPodLog(ref, 'db connection refused, retrying');
      await waitFor('the appended line to stream', async () =>
        received.includes('db connection refused') ? true : undefined,
      );
    } finally {
      follow.destroy();
    }
    expect(received).not.toContain('starting');
  });
});
