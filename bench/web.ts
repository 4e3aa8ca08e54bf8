// npm run bench -- web: bytes per live update of the busiest service's page on a simulated
// 14-cluster fleet that keeps changing, as the stream sends them (the view once, then patches),
// against what a whole view per update would cost. Prints JSON lines.
// Not measured here yet: time to a usable service page in Chromium (cold and in-app).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceView } from '@portolan/core/services/types';
import { startSimFleet } from '@portolan/sim';
import pino from 'pino';
import { parseConfig } from '../packages/server/src/config/load.ts';
import { startPortal } from '../packages/server/src/portal.ts';
import { liveViews } from '../test/support/sse.ts';

const WINDOW_S = Number(process.env.WINDOW_S ?? 30);
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const dir = mkdtempSync(join(tmpdir(), 'portolan-bench-web-'));
const sim = await startSimFleet({ dir, seed: 5, clusters: 14, regions: 3, scale: 0.05, changeRate: 40 });
const config = parseConfig(
  {
    server: { port: 0 },
    database: { client: 'sqlite', connection: ':memory:' },
    catalog: { locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
    kubernetes: { kubeconfig: { path: './kubeconfig.yaml' } },
  },
  'bench',
);
const portal = await startPortal({ config, baseDir: dir, logger: pino({ level: 'silent' }) });
try {
  await portal.kubernetes!.waitForSync(120_000);
  // The service with the most pods: its page is the heaviest stream.
  const summary = (await (await fetch(`${portal.url}/api/findings/summary?top=500`)).json()) as {
    worstServices: { key: string }[];
  };
  let busiest = { ref: '', pods: -1, clusters: 0 };
  for (const { key } of summary.worstServices) {
    const v = (await (
      await fetch(`${portal.url}/api/services/${encodeURIComponent(key)}/kubernetes`)
    ).json()) as ServiceView;
    if (v.summary.pods > busiest.pods)
      busiest = { ref: key, pods: v.summary.pods, clusters: v.summary.clusters };
  }
  const controller = new AbortController();
  const res = await fetch(`${portal.url}/api/services/${encodeURIComponent(busiest.ref)}/kubernetes/stream`, {
    signal: controller.signal,
  });
  let first = 0;
  const patches: number[] = [];
  const wholes: number[] = [];
  const deadline = Date.now() + WINDOW_S * 1000;
  const timer = setTimeout(() => controller.abort(), WINDOW_S * 1000 + 1000);
  try {
    for await (const { view, event, bytes } of liveViews<ServiceView>(res.body!)) {
      if (event === 'view') first = bytes;
      else {
        patches.push(bytes);
        // What the same update cost before: the whole view, as streamed (and with pod ages).
        wholes.push(JSON.stringify(view).length);
      }
      if (Date.now() > deadline) break;
    }
  } catch {
    // aborted at the end of the window
  }
  clearTimeout(timer);
  controller.abort();
  const avg = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
  const sorted = [...patches].sort((a, b) => a - b);
  emit({
    bench: 'web',
    figure: 'live-update-bytes',
    service: busiest.ref,
    pods: busiest.pods,
    clusters: busiest.clusters,
    windowS: WINDOW_S,
    updates: patches.length,
    firstViewBytes: first,
    avgPatchBytes: avg(patches),
    p50PatchBytes: sorted[Math.floor(sorted.length / 2)] ?? 0,
    maxPatchBytes: sorted.at(-1) ?? 0,
    avgWholeViewBytes: avg(wholes),
    note: 'streamedView leaves pod ages out; the whole view with them is larger still',
  });
} finally {
  await portal.close();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
