// npm run bench -- web: the service page in Chromium on a simulated 14-cluster fleet whose largest
// service runs 50 pods in each cluster. Prints JSON lines:
//   page-cold   time to a usable service page in a fresh browser context (no cache), goal < 1 s
//   page-in-app time from a click on the service in the team page to a usable page, goal < 300 ms
//   live-update-bytes  bytes on the stream per update that really changes the service (a pod of
//               it restarts), against a whole view per update
//   bundle      the web app's files: a first visit's bytes raw and gzipped, and what loads later
// "Usable": the state is in words at the top, every cluster the service runs in has its card,
// and the findings are evaluated. Times are the page's own clock (performance.now()).
// Everything listens on 127.0.0.1; the run is bounded (RUNS, UPDATES). The probe is evaluated in
// the page, which the portal's CSP forbids to strings, so the contexts bypass CSP.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Pod } from '@portolan/core';
import type { ServiceView } from '@portolan/core/services/types';
import { startSimFleet } from '@portolan/sim';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { parseConfig } from '../packages/server/src/config/load.ts';
import { startPortal } from '../packages/server/src/portal.ts';
import { kindFor } from '../packages/sim/src/apiserver/kinds.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { liveViews } from '../test/support/sse.ts';

const CLUSTERS = 14;
const PODS = Number(process.env.PODS ?? 50);
const RUNS = Number(process.env.RUNS ?? 7);
const UPDATES = Number(process.env.UPDATES ?? 12);
const POD = kindFor('Pod');

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};
const round = (n: number) => Math.round(n);

/** A page-side expression: the page is usable (see above); its value is the page's clock then. */
const usable = (clusters: number) => `(() => {
  const badge = document.querySelector('.glance .state-badge');
  if (!badge || !badge.textContent) return false;
  if (document.querySelectorAll('.kube .cluster[data-cluster]').length < ${clusters}) return false;
  const findings = document.querySelector('#findings');
  if (!findings || findings.textContent.includes('Evaluating')) return false;
  return performance.now();
})()`;

const dir = mkdtempSync(join(tmpdir(), 'portolan-bench-web-'));
const sim = await startSimFleet({
  dir,
  seed: 5,
  clusters: CLUSTERS,
  regions: 3,
  scale: 0.05,
  changeRate: 0,
  outages: false,
  largestServiceReplicas: PODS,
});
const config = parseConfig(
  {
    server: { port: 0, host: '127.0.0.1' },
    database: { client: 'sqlite', connection: ':memory:' },
    catalog: { locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
    kubernetes: { kubeconfig: { path: './kubeconfig.yaml' } },
  },
  'bench',
);
const portal = await startPortal({ config, baseDir: dir, logger: pino({ level: 'silent' }) });
let browser: Browser | undefined;
try {
  await portal.kubernetes!.waitForSync(120_000);
  const name = sim.fleet.plan.placements[0]!.service;
  const entity = sim.fleet.catalog.find((e) => e.kind === 'Component' && e.metadata.name === name)!;
  const ref = `component:default/${name}`;
  const owner = String(entity.spec?.owner ?? '');
  const view = (await (
    await fetch(`${portal.url}/api/services/${encodeURIComponent(ref)}/kubernetes`)
  ).json()) as ServiceView;
  const clusters = view.summary.clusters;
  const servicePath = `/catalog/component/default/${name}`;
  const base = { bench: 'web', service: ref, clusters, pods: view.summary.pods };

  browser = await launchBrowser();
  // Chromium's own first start (its GPU and network processes) is not the page's cost.
  const warm = await browser.newContext();
  await (await warm.newPage()).goto('about:blank');
  await warm.close();
  const waitUsable = async (page: Page) =>
    (await (
      await page.waitForFunction(usable(clusters), undefined, { polling: 'raf', timeout: 30_000 })
    ).jsonValue()) as number;

  // Cold: a fresh context each run (empty HTTP cache, new connections); the first run also meets
  // a server that has not served this page yet (its first view, findings and log tails).
  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${portal.url}${servicePath}`, { waitUntil: 'commit' });
    cold.push(await waitUsable(page));
    await context.close();
  }
  emit({
    ...base,
    figure: 'page-cold',
    goalMs: 1000,
    firstMs: round(cold[0]!),
    medianMs: round(median(cold)),
    maxMs: round(Math.max(...cold)),
    runs: RUNS,
    note: 'navigation start to usable, fresh browser context each run',
  });

  // In-app: from the owner's team page, a click on the service's link (client-side routing).
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  const teamPath = `/teams/${encodeURIComponent(owner.includes(':') ? owner : `group:default/${owner}`)}`;
  await page.goto(`${portal.url}${teamPath}`);
  const link = `a[href="${servicePath}"]`;
  const inApp: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.locator(link).first().waitFor({ timeout: 30_000 });
    const t0 = (await page.evaluate(
      `(() => { const t = performance.now(); document.querySelector(${JSON.stringify(link)}).click(); return t; })()`,
    )) as number;
    inApp.push((await waitUsable(page)) - t0);
    await page.goBack();
  }
  await context.close();
  emit({
    ...base,
    figure: 'page-in-app',
    goalMs: 300,
    firstMs: round(inApp[0]!),
    medianMs: round(median(inApp)),
    maxMs: round(Math.max(...inApp)),
    runs: RUNS,
    note: 'click on the service in its team page to usable',
  });

  // Bytes per update that changes the service: one of its pods restarts, in turn in each cluster.
  const controller = new AbortController();
  const res = await fetch(`${portal.url}/api/services/${encodeURIComponent(ref)}/kubernetes/stream`, {
    signal: controller.signal,
  });
  const updates = liveViews<ServiceView>(res.body!)[Symbol.asyncIterator]();
  const first = await updates.next();
  const firstBytes = first.done ? 0 : first.value.bytes;
  const patches: number[] = [];
  const wholes: number[] = [];
  const byName = new Map(sim.fleet.clusters.map((c) => [c.name, c]));
  const targets = view.clusters.flatMap((c) =>
    c.items.flatMap((w) =>
      w.pods.slice(0, 1).map((p) => ({ cluster: c.cluster, ns: p.namespace, pod: p.name })),
    ),
  );
  for (let i = 0; i < UPDATES && targets.length > 0; i++) {
    const t = targets[i % targets.length]!;
    byName.get(t.cluster)!.store.mutate(POD, t.ns, t.pod, (obj) => {
      const status = (obj as Pod).status;
      const cs = status?.containerStatuses?.[0];
      if (!cs) return false;
      cs.restartCount = (cs.restartCount ?? 0) + 1;
      cs.lastState = {
        terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date().toISOString() },
      };
      return true;
    });
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000));
    const next = await Promise.race([updates.next(), timeout]);
    if (next === 'timeout' || next.done) break;
    patches.push(next.value.bytes);
    wholes.push(JSON.stringify(next.value.view).length);
  }
  controller.abort();
  const avg = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
  emit({
    ...base,
    figure: 'live-update-bytes',
    updates: patches.length,
    firstViewBytes: firstBytes,
    avgPatchBytes: avg(patches),
    p50PatchBytes: median(patches),
    maxPatchBytes: Math.max(0, ...patches),
    avgWholeViewBytes: avg(wholes),
    note: 'each update: one pod of the service restarts (OOMKilled); a whole view is what a snapshot per update would send',
  });
  emit({ bench: 'web', ...bundleSizes() });
} finally {
  await browser?.close();
  await portal.close();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The web app's files as built (what the portal serves): what a first visit loads (the files
 * index.html names) and what loads later when first needed (charts, the object dialog), raw and
 * gzipped.
 */
function bundleSizes() {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '../packages/web/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = readdirSync(join(dist, 'assets')).filter((f) => /\.(js|css)$/.test(f));
  const sized = files.map((f) => {
    const bytes = readFileSync(join(dist, 'assets', f));
    return {
      file: f,
      bytes: bytes.length,
      gzipBytes: gzipSync(bytes, { level: 9 }).length,
      first: html.includes(f),
    };
  });
  const sum = (xs: typeof sized, k: 'bytes' | 'gzipBytes') => xs.reduce((n, x) => n + x[k], 0);
  const first = sized.filter((x) => x.first);
  const later = sized.filter((x) => !x.first);
  return {
    figure: 'bundle',
    firstLoadBytes: sum(first, 'bytes'),
    firstLoadGzipBytes: sum(first, 'gzipBytes'),
    laterGzipBytes: sum(later, 'gzipBytes'),
    files: sized.sort((a, b) => b.gzipBytes - a.gzipBytes),
  };
}
