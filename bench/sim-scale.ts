// Scale benchmark of the simulated fleet: 20 clusters x 10,000 pods in one process.
// Prints JSON lines: generation time and memory, time for a client to LIST every pod of every
// cluster (whole and paged), and the object changes per second that watchers on every watched
// kind actually receive while the fleet churns. Bounded: stops itself in well under 3 minutes.
// The clients run in a worker thread (their own heap and CPU), so that the fleet's memory and
// the clients' parsing cost are not mixed up.
//
//   node bench/sim-scale.ts [--clusters 20] [--pods 10000] [--rate 1500] [--seconds 30]

import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { collectionPath, KIND_INFO, WATCHED_KINDS } from '@portolan/core';
import { startSimFleet } from '@portolan/sim';

const { values } = isMainThread
  ? parseArgs({
      options: {
        clusters: { type: 'string', default: '20' },
        pods: { type: 'string', default: '10000' },
        rate: { type: 'string', default: '1500' },
        seconds: { type: 'string', default: '30' },
      },
    })
  : { values: { clusters: '0', pods: '0', rate: '0', seconds: '0' } };
const clusters = Number(values.clusters);
const podsPerCluster = Number(values.pods);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'sim-scale', ...o }));
const mb = (n: number) => Math.round(n / 1024 / 1024);
const hardStop = setTimeout(() => {
  emit({ error: 'hard time limit reached' });
  process.exit(2);
}, 170_000);
hardStop.unref();
if (!isMainThread) clearTimeout(hardStop);

interface ClientData {
  urls: string[];
  token: string;
  ca: string | undefined;
}

/** Reads the whole body bytes-only (the server's share of the cost) and returns its length. */
function drain(c: ClientData, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Bearer ${c.token}`, Accept: 'application/json' };
    const req = request(url, { ca: c.ca, headers }, (res) => {
      let n = 0;
      res.on('data', (b: Buffer) => {
        n += b.length;
      });
      res.on('end', () => resolve(n));
    });
    req.on('error', reject);
    req.end();
  });
}

function get(
  c: ClientData,
  url: string,
  onLine?: (line: string) => void,
): Promise<{ body: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: c.ca, headers: { Authorization: `Bearer ${c.token}`, Accept: 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        res.setEncoding('utf8');
        if (onLine) {
          let buf = '';
          res.on('data', (chunk: string) => {
            buf += chunk;
            let i = buf.indexOf('\n');
            while (i >= 0) {
              onLine(buf.slice(0, i));
              buf = buf.slice(i + 1);
              i = buf.indexOf('\n');
            }
          });
          resolve({ body: '', close: () => req.destroy() });
          return;
        }
        const chunks: string[] = [];
        res.on('data', (chunk: string) => chunks.push(chunk));
        res.on('end', () => resolve({ body: chunks.join(''), close: () => undefined }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function client(c: ClientData): Promise<void> {
  let received = 0;
  let bookmarks = 0;
  const watches: { close: () => void }[] = [];
  parentPort!.on('message', async (m: { cmd: string; limit?: number; parse?: boolean }) => {
    if (m.cmd === 'list') {
      // LIST every pod of every cluster, all clusters in parallel, parsing each response.
      const t = performance.now();
      let pods = 0;
      let bytes = 0;
      await Promise.all(
        c.urls.map(async (url) => {
          let cont = '';
          if (m.parse === false) {
            const n = await drain(c, `${url}/api/v1/pods`);
            bytes += n;
            return;
          }
          do {
            const q = m.limit
              ? `?limit=${m.limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`
              : '';
            const { body } = await get(c, `${url}/api/v1/pods${q}`);
            bytes += body.length;
            const list = JSON.parse(body) as { items: unknown[]; metadata: { continue?: string } };
            pods += list.items.length;
            cont = list.metadata.continue ?? '';
          } while (cont);
        }),
      );
      parentPort!.postMessage({ ms: Math.round(performance.now() - t), pods, bytes });
    } else if (m.cmd === 'watch') {
      for (const url of c.urls) {
        for (const kind of WATCHED_KINDS) {
          const path = collectionPath(KIND_INFO[kind]);
          const { body } = await get(c, `${url}${path}?limit=1`);
          const rv = (JSON.parse(body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
          watches.push(
            await get(
              c,
              `${url}${path}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
              (line) => {
                // Parse like a real client would.
                const ev = JSON.parse(line) as { type: string };
                if (ev.type === 'BOOKMARK') bookmarks++;
                else received++;
              },
            ),
          );
        }
      }
      parentPort!.postMessage({ watches: watches.length });
    } else if (m.cmd === 'count') {
      parentPort!.postMessage({ received, bookmarks });
    } else if (m.cmd === 'stop') {
      for (const w of watches) w.close();
      parentPort!.close();
    }
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-scale-'));
  const t0 = performance.now();
  const handle = await startSimFleet({
    dir,
    seed: 'bench',
    clusters,
    regions: 3,
    scale: 1,
    podsPerCluster,
    changeRate: 0,
    outages: false,
    rolloutEveryMs: 0,
    failingRollout: false,
  });
  const startMs = performance.now() - t0;
  const stats = handle.fleet.stats();
  const mem = process.memoryUsage();
  emit({
    metric: 'generate',
    clusters: stats.clusters,
    pods: stats.pods,
    objects: stats.objects,
    generateMs: Math.round(handle.fleet.generateMs),
    startMs: Math.round(startMs),
    rssMB: mb(mem.rss),
    heapUsedMB: mb(mem.heapUsed),
  });

  const data: ClientData = {
    urls: handle.clusters.map((c) => c.url),
    token: handle.fleet.namedTokens!.portolan,
    ca: handle.fleet.tls?.cert,
  };
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const ask = <T>(m: object): Promise<T> =>
    new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(m);
    });

  for (const [limit, parse] of [
    [0, false],
    [0, true],
    [500, true],
  ] as const) {
    const r = await ask<{ ms: number; pods: number; bytes: number }>({ cmd: 'list', limit, parse });
    emit({
      parsed: parse,
      metric: 'list-all-pods',
      limit: limit || 'none',
      ms: r.ms,
      pods: parse ? r.pods : undefined,
      MB: mb(r.bytes),
      processRssMB: mb(process.memoryUsage().rss),
    });
  }

  // Watch every watched kind on every cluster, then turn the churn on and count what arrives.
  const { watches } = await ask<{ watches: number }>({ cmd: 'watch' });
  const fleet = handle.fleet;
  const before = await ask<{ received: number }>({ cmd: 'count' });
  fleet.setChangeRate(rate);
  const changesBefore = fleet.changes;
  const tw = performance.now();
  const perSecond: number[] = [];
  let last = before.received;
  let bookmarks = 0;
  for (let s = 0; s < seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await ask<{ received: number; bookmarks: number }>({ cmd: 'count' });
    perSecond.push(now.received - last);
    last = now.received;
    bookmarks = now.bookmarks;
  }
  const wallS = (performance.now() - tw) / 1000;
  const sorted = [...perSecond].sort((a, b) => a - b);
  emit({
    metric: 'sustained-changes',
    targetPerSec: rate,
    seconds: Math.round(wallS),
    watches,
    madePerSec: Math.round((fleet.changes - changesBefore) / wallS),
    observedPerSec: Math.round((last - before.received) / wallS),
    minSecond: sorted[0],
    p50Second: sorted[Math.floor(sorted.length / 2)],
    bookmarks,
    // Process-wide: the fleet plus the client worker's parsed lists.
    processRssMB: mb(process.memoryUsage().rss),
    pods: fleet.stats().pods,
  });
  fleet.setChangeRate(0);
  worker.postMessage({ cmd: 'stop' });
  await worker.terminate();
  await handle.stop();
  await rm(dir, { recursive: true, force: true });
  clearTimeout(hardStop);
}

if (isMainThread) await main();
else await client(workerData as ClientData);
