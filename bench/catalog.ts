// Catalog benchmark: ingest the 20,000-entity reference organisation, with 5,000 docs pages, into
// SQLite and PostgreSQL, refresh again with nothing changed, then measure the catalog's search
// and filtered lists, and the search box's /api/search, through HTTP.
// The search box is measured in rounds alternating between the engines (BENCH_SEARCH_ROUNDS,
// default 3); its figures per engine are the medians of the rounds' p50 and p99.
// Prints JSON lines. Run: npm run bench -- catalog  (PostgreSQL: set PORTOLAN_TEST_PG_URL or
// let test/support/postgres.ts start the local one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCatalog, generateDocs, writeCatalog, writeDocsFiles } from '@portolan/sim';
import pino from 'pino';
import { CatalogService } from '../packages/server/src/catalog/service.ts';
import { parseConfig } from '../packages/server/src/config/load.ts';
import { createApp } from '../packages/server/src/http/app.ts';
import { TEST_DATABASES } from '../test/support/databases.ts';
import { ensurePostgres } from '../test/support/postgres.ts';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const print = (record: Record<string, unknown>) =>
  console.log(JSON.stringify({ bench: 'catalog', ...record }));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = mkdtempSync(join(tmpdir(), 'portolan-bench-catalog-'));
const docs = generateDocs(generateCatalog({ seed: 42, scale }), {
  seed: 42,
  pages: Math.round(5000 * scale),
});
const entities = docs.entities;
const written = await writeCatalog(entities, dir);
await writeDocsFiles(docs.files, dir);
print({
  step: 'generate',
  entities: entities.length,
  files: written.files.length + 1,
  docsPages: docs.pages,
  docsFiles: docs.files.length,
});
process.env.PORTOLAN_TEST_PG_URL ??= await ensurePostgres();

const config = parseConfig(
  { catalog: { locations: [{ type: 'file', target: './catalog-info.yaml' }] } },
  'bench',
);
const logger = pino({ level: 'silent' });
const only = process.env.BENCH_ENGINE;

const searches = (owner: string) => [
  '/api/search?q=player',
  '/api/search?q=payment+service',
  '/api/search?q=playlist+royalty',
  '/api/search?q=rollout+status',
  '/api/search?q=items',
  '/api/search?q=refund&kind=api',
  '/api/search?q=stream&hit=docs',
  '/api/search?q=ledger&type=service',
  '/api/search?q=get+%2Fv1',
  '/api/search?q=changed&hit=operation',
  `/api/search?q=mix&owner=${owner}`,
  '/api/search?q=wallet&limit=50',
];
// Each engine's portal stays up until every one is measured: the search box is then measured in
// rounds that alternate between the engines, so a busy moment of the machine falls on both.
const portals: { engine: string; app: Awaited<ReturnType<typeof createApp>> }[] = [];
const drops: (() => Promise<void>)[] = [];
try {
  for (const engine of TEST_DATABASES.filter((e) => !only || e.id === only)) {
    const { db, drop } = await engine.create();
    drops.push(drop);
    const catalog = new CatalogService({ db, logger, baseDir: dir, catalog: config.catalog });
    let t = performance.now();
    const first = await catalog.refresh();
    const ingestMs = performance.now() - t;
    print({
      engine: engine.id,
      step: 'ingest',
      entities: first.entities,
      problems: first.problems,
      ms: Math.round(ingestMs),
    });
    t = performance.now();
    const again = await catalog.refresh();
    print({
      engine: engine.id,
      step: 'refresh-unchanged',
      unchanged: again.unchanged,
      written: again.added + again.updated,
      ms: Math.round(performance.now() - t),
    });

    const app = await createApp({ logger, catalog });
    const queries = [
      '/api/catalog/entities?q=player',
      '/api/catalog/entities?q=payment+service',
      '/api/catalog/entities?kind=component&type=service&lifecycle=production',
      '/api/catalog/entities?kind=component&tag=java',
      '/api/catalog/entities?kind=api&limit=100',
      '/api/catalog/entities?kind=component&type=data-pipeline&limit=20',
    ];
    const owners = entities.filter((e) => e.kind === 'Group').map((e) => e.metadata.name);
    const latencies: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const url =
        i % 7 === 6
          ? `/api/catalog/entities?owner=${owners[i % owners.length]}`
          : queries[i % queries.length]!;
      const start = performance.now();
      const res = await app.inject({ method: 'GET', url });
      latencies.push(performance.now() - start);
      if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`);
    }
    if (process.env.BENCH_DETAIL) {
      for (const url of [...queries, `/api/catalog/entities?owner=${owners[0]}`]) {
        const times: number[] = [];
        for (let i = 0; i < 50; i++) {
          const start = performance.now();
          await app.inject({ method: 'GET', url });
          times.push(performance.now() - start);
        }
        times.sort((a, b) => a - b);
        print({
          engine: engine.id,
          step: 'query-detail',
          url,
          p50_ms: +percentile(times, 50).toFixed(2),
          p99_ms: +percentile(times, 99).toFixed(2),
        });
      }
    }
    latencies.sort((a, b) => a - b);
    print({
      engine: engine.id,
      step: 'search-and-filter-http',
      requests: latencies.length,
      p50_ms: +percentile(latencies, 50).toFixed(2),
      p99_ms: +percentile(latencies, 99).toFixed(2),
      max_ms: +latencies.at(-1)!.toFixed(2),
    });

    portals.push({ engine: engine.id, app });
  }

  // The search box: entities, docs pages and operations, ranked, with facets and highlights.
  const owner = entities.find((e) => e.kind === 'Group')!.metadata.name;
  const urls = searches(owner);
  const rounds = Number(process.env.BENCH_SEARCH_ROUNDS ?? 3);
  const counts = new Map<string, Map<string, number>>();
  const figures = new Map<string, { p50: number; p99: number; max: number }[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const { engine, app } of round % 2 ? portals : [...portals].reverse()) {
      const latencies: number[] = [];
      for (let i = 0; i < 1200; i++) {
        const url = urls[i % urls.length]!;
        const start = performance.now();
        const res = await app.inject({ method: 'GET', url });
        latencies.push(performance.now() - start);
        if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode} ${res.body}`);
        if (round === 1 && i < urls.length) {
          if (!counts.has(engine)) counts.set(engine, new Map());
          counts.get(engine)!.set(url, (res.json() as { totalItems: number }).totalItems);
        }
      }
      latencies.sort((a, b) => a - b);
      const figure = {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1)!,
      };
      figures.set(engine, [...(figures.get(engine) ?? []), figure]);
      print({
        engine,
        step: 'search-round',
        round,
        requests: latencies.length,
        p50_ms: +figure.p50.toFixed(2),
        p99_ms: +figure.p99.toFixed(2),
      });
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  for (const { engine, app } of portals) {
    if (process.env.BENCH_DETAIL) {
      for (const url of urls) {
        const times: number[] = [];
        for (let i = 0; i < 50; i++) {
          const start = performance.now();
          await app.inject({ method: 'GET', url });
          times.push(performance.now() - start);
        }
        times.sort((a, b) => a - b);
        print({
          engine,
          step: 'search-detail',
          url,
          results: counts.get(engine)?.get(url),
          p50_ms: +percentile(times, 50).toFixed(2),
          p99_ms: +percentile(times, 99).toFixed(2),
        });
      }
    }
    const measured = figures.get(engine) ?? [];
    // The search figures: the median over the rounds of each round's p50 and p99.
    print({
      engine,
      step: 'search-everything-http',
      rounds: measured.length,
      requests: measured.length * 1200,
      results_per_query: Object.fromEntries(counts.get(engine) ?? []),
      p50_ms: +median(measured.map((f) => f.p50)).toFixed(2),
      p99_ms: +median(measured.map((f) => f.p99)).toFixed(2),
      max_ms: +Math.max(...measured.map((f) => f.max)).toFixed(2),
    });
  }
} finally {
  for (const { app } of portals) await app.close();
  for (const drop of drops) await drop();
}
rmSync(dir, { recursive: true, force: true });
