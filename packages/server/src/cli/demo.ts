// `portolan demo`: the portal on generated data, so a newcomer sees it work within a minute.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateCatalog, writeCatalog } from '@portolan/sim';
import { parseConfig } from '../config/load.ts';
import { type Portal, startPortal } from '../portal.ts';
import type { Io } from './io.ts';

export interface DemoOptions {
  port?: number;
  seed: number;
  /** Where the demo keeps its generated files and database. */
  dir?: string;
  /** Catalog size; 1.0 is the 20,000-entity reference organisation. */
  scale?: number;
}

export async function runDemo(options: DemoOptions, io: Io): Promise<Portal> {
  const dir = resolve(options.dir ?? 'data/demo');
  const scale = options.scale ?? 0.1;
  const marker = join(dir, 'catalog', '.generated');
  const want = JSON.stringify({ seed: options.seed, scale });
  if (!existsSync(marker) || (await readFile(marker, 'utf8')) !== want) {
    await rm(join(dir, 'catalog'), { recursive: true, force: true });
    await mkdir(join(dir, 'catalog'), { recursive: true });
    await writeCatalog(generateCatalog({ seed: options.seed, scale }), join(dir, 'catalog'));
    await writeFile(marker, want);
  }
  const config = parseConfig(
    {
      app: {
        title: 'Portolan demo',
        banner: 'Simulated fleet: generated services and clusters, not real ones',
      },
      server: { port: options.port ?? 7007 },
      database: { client: 'sqlite', connection: './portolan.sqlite' },
      catalog: { root: '.', locations: [{ type: 'file', target: './catalog/catalog-info.yaml' }] },
    },
    'the demo',
  );
  const portal = await startPortal({ config, baseDir: dir });
  io.stdout.write(`\nPortolan demo is running at ${portal.url}\n(simulated data; stop with Ctrl-C)\n`);
  return portal;
}
