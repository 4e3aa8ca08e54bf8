// `portolan demo`: the portal on a simulated fleet, so a newcomer sees it work within a minute
// with no cluster of their own. Everything it writes stays under ./data/demo.
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimFleet } from '@portolan/sim';
import { generateDeployHistory, historyServices } from '@portolan/sim/fleet/history';
import { parseConfig } from '../config/load.ts';
import { importDeployments } from '../deploy/store/importDeployments.ts';
import { createLogger } from '../log.ts';
import { type Portal, startPortal } from '../portal.ts';
import type { Io } from './io.ts';

export interface DemoOptions {
  port?: number;
  seed: number;
  /** Where the demo keeps its kubeconfig, catalog and database. */
  dir?: string;
  /** Catalog size; 1.0 is the 20,000-entity reference organisation. */
  scale?: number;
  clusters?: number;
}

/**
 * The hand-written example catalog (docs and API definitions of every type) shown beside the
 * generated one, so the demo's Docs and API tabs and its search have real content.
 */
const EXAMPLES = fileURLToPath(new URL('../../../../examples/catalog', import.meta.url));

export async function runDemo(options: DemoOptions, io: Io): Promise<Portal> {
  const dir = resolve(options.dir ?? 'data/demo');
  const started = performance.now();
  // The demo's data is generated anew each time; so is its database.
  await rm(join(dir, 'portolan.sqlite'), { force: true });
  await rm(join(dir, 'portolan.sqlite-wal'), { force: true });
  await rm(join(dir, 'portolan.sqlite-shm'), { force: true });
  io.stdout.write('Starting a simulated fleet...\n');
  const sim = await startSimFleet({
    dir,
    seed: options.seed,
    scale: options.scale ?? 0.1,
    clusters: options.clusters ?? 14,
  });
  try {
    const examples = existsSync(EXAMPLES);
    if (examples) {
      await rm(join(dir, 'examples'), { recursive: true, force: true });
      await cp(EXAMPLES, join(dir, 'examples'), { recursive: true });
    }
    const config = parseConfig(
      {
        app: {
          title: 'Portolan demo',
          banner: 'Simulated fleet: generated services and clusters, not real ones',
        },
        server: { port: options.port ?? 7007 },
        database: { client: 'sqlite', connection: './portolan.sqlite' },
        catalog: {
          root: '.',
          locations: [
            { type: 'file', target: './catalog/catalog-info.yaml' },
            ...(examples
              ? [
                  { type: 'file', target: './examples/org/*.yaml' },
                  { type: 'dir', target: './examples/services' },
                ]
              : []),
          ],
        },
        kubernetes: {
          kubeconfig: {
            path: './kubeconfig.yaml',
            // The simulated fleet's contexts may write: its guest deploys through them.
            deployContexts: Object.fromEntries(sim.clusters.map((c) => [c.name, c.name])),
          },
        },
        // Anyone may deploy on the simulated fleet, as the demo's guest.
        // Short soaks, so a visitor watches the waves go by.
        deploy: {
          guest: true,
          strategy: {
            waves: [
              { name: 'canary', select: { count: 1 }, soakSeconds: 10, progressDeadlineSeconds: 60 },
              { select: { each: 'region' }, soakSeconds: 5, maxConcurrency: 3, progressDeadlineSeconds: 60 },
            ],
          },
        },
      },
      'the demo',
    );
    // A person at a terminal reads the log; anything else (a pipe, a file, CI) parses it.
    const logger = createLogger({
      level: process.env.LOG_LEVEL ?? config.server.log.level,
      pretty: io.stdout.isTTY === true,
      destination: io.stdout,
    });
    const portal = await startPortal({ config, baseDir: dir, logger, guest: true });
    // Twelve weeks of deployments, so the delivery charts have shapes on first start.
    const history = generateDeployHistory({
      seed: options.seed,
      now: Date.now(),
      services: historyServices(sim.fleet.plan, sim.clusters),
    });
    await importDeployments({ db: portal.db, deployments: history });
    const close = portal.close;
    portal.close = async () => {
      await close();
      await sim.stop();
    };
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.stdout.write(
      [
        '',
        `Portolan demo is running at ${portal.url}  (ready in ${seconds} s)`,
        `  ${sim.clusters.length} simulated clusters in ${new Set(sim.clusters.map((c) => c.region)).size} regions`,
        ...(examples ? ['  With the example catalog: docs at /catalog/component/default/checkout/docs'] : []),
        `  kubectl works too: kubectl --kubeconfig ${join(dir, 'kubeconfig.yaml')} --context ${sim.clusters[0]?.name} get pods -A`,
        '  Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
    return portal;
  } catch (error) {
    await sim.stop();
    throw error;
  }
}
