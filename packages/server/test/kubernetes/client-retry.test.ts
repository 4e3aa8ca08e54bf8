// A connection the API server closes before it answers (a kept-alive connection it timed out as
// the client reused it) costs one more GET, not a stale cluster; a server that keeps doing it is
// still reported, after one retry, and a write is never sent twice.
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
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return { client: new KubeConfigClient(kc), requests: () => seen };
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
