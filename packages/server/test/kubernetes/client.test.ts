// KubeConfigClient over a loopback API server. A connection the server closes before it answers
// (a kept-alive connection it timed out as the client reused it) costs one more GET, not a stale
// cluster; a server that keeps doing it is still reported, after one retry, and a write is never
// sent twice. A watch reads its events whole however the stream is cut into chunks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KIND_INFO } from '@portolan/core';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeConfigClient } from '../../src/kubernetes/client.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** Starts `api` on a loopback port and gives a client of it, as a kubeconfig names a cluster. */
async function clientOf(api: Server): Promise<KubeConfigClient> {
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const { port } = api.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return new KubeConfigClient(kc);
}

/** A loopback API server whose first `drop` requests have their connection closed unanswered. */
async function flakyServer(drop: number): Promise<{ client: KubeConfigClient; requests: () => string[] }> {
  const seen: string[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    if (seen.length <= drop) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'PodList',
        metadata: { resourceVersion: '7' },
        items: [{ metadata: { name: 'web-1', namespace: 'shop', resourceVersion: '7' } }],
      }),
    );
  });
  return { client: await clientOf(server), requests: () => seen };
}

describe('KubeConfigClient when the server closes the connection unanswered', () => {
  it('sends a GET again once and returns its answer', async () => {
    const { client, requests } = await flakyServer(1);
    const page = await client.list(KIND_INFO.Pod, { limit: 500 });
    expect(page.items.map((p) => p.metadata?.name)).toEqual(['web-1']);
    expect(page.resourceVersion).toBe('7');
    expect(requests()).toHaveLength(2);
    await client.close();
  });

  it('reports the failure when the retry is closed too', async () => {
    const { client, requests } = await flakyServer(2);
    const error = await client.list(KIND_INFO.Pod, { limit: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+: /);
    expect((error as KubeApiError).status).toBeUndefined();
    expect(requests()).toHaveLength(2);
    await client.close();
  });

  it('never sends a write twice', async () => {
    const { client, requests } = await flakyServer(1);
    const ref = { kind: KIND_INFO.Deployment, namespace: 'shop', name: 'web' };
    await expect(client.patch(ref, 'strategic-merge', { spec: { replicas: 2 } })).rejects.toBeInstanceOf(
      KubeApiError,
    );
    expect(requests()).toEqual([
      'PATCH /apis/apps/v1/namespaces/shop/deployments/web?fieldManager=portolan-deploy',
    ]);
    await client.close();
  });
});

describe('KubeConfigClient watch', () => {
  it('delivers every event once, in order, whatever the chunks: several lines in one, a line over three', async () => {
    const events = Array.from({ length: 6 }, (_, i) => ({
      type: i === 5 ? 'DELETED' : 'MODIFIED',
      object: { metadata: { name: `web-${i}`, namespace: 'shop', resourceVersion: String(10 + i) } },
    }));
    const text = `${events.map((e) => JSON.stringify(e)).join('\n')}\n\n`;
    const cuts = [0, 3, text.indexOf('web-3') + 2, text.indexOf('web-3') + 9, text.length - 1, text.length];
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      void (async () => {
        for (let i = 1; i < cuts.length; i++) {
          res.write(text.slice(cuts[i - 1], cuts[i]));
          await new Promise((r) => setTimeout(r, 15));
        }
        res.end();
      })();
    });
    const client = await clientOf(server);
    const seen: { type: string; name: string | undefined }[] = [];
    const error = await new Promise<Error | undefined>((resolve) => {
      client.watch(
        KIND_INFO.Pod,
        { resourceVersion: '9' },
        (e) => seen.push({ type: e.type, name: e.object.metadata?.name }),
        resolve,
      );
    });
    expect(error).toBeUndefined();
    expect(seen).toEqual(events.map((e) => ({ type: e.type, name: e.object.metadata.name })));
    await client.close();
  });
});
