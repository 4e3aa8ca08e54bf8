import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createApp } from '../../src/http/app.ts';

const logger = pino({ level: 'silent' });
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da6364f8ffbf1e000502027f3d1e6a590000000049454e44ae426082',
  'hex',
);
const component = (name: string, annotations = '') =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n${annotations}spec: { type: service, lifecycle: production, owner: team-a }\n`;

describe.each(TEST_DATABASES)('docs on $id', (engine) => {
  let root: string;
  let outside: string;
  let app: FastifyInstance;
  let catalog: CatalogService;
  let drop: () => Promise<void>;
  const write = (path: string, text: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  beforeEach(async () => {
    const created = await engine.create();
    drop = created.drop;
    root = mkdtempSync(join(tmpdir(), 'portolan-docs-'));
    outside = mkdtempSync(join(tmpdir(), 'portolan-outside-'));
    write(
      'shop/catalog-info.yaml',
      component('shop', "  annotations: { backstage.io/techdocs-ref: 'dir:.' }\n"),
    );
    write(
      'shop/mkdocs.yml',
      'site_name: Shop\nnav:\n  - Home: index.md\n  - Guides:\n      - Setup: guide/setup.md\n      - Missing: guide/missing.md\n  - Site: https://example.com\nmarkdown_extensions:\n  - pymdownx.emoji: { emoji_index: !!python/name:material.extensions.emoji.twemoji }\n',
    );
    write(
      'shop/docs/index.md',
      '# Shop\n\nSee [setup](guide/setup.md#run-it).\n\n![diagram](img/diagram.png)\n',
    );
    write('shop/docs/guide/setup.md', '# Setup\n\n## Run it\n\n```sh\nnpm start\n```\n');
    write('shop/docs/img/diagram.png', PNG);
    write('shop/docs/notes.txt', 'not an image');
    writeFileSync(join(outside, 'secret.png'), PNG);
    symlinkSync(join(outside, 'secret.png'), join(root, 'shop/docs/img/leak.png'));
    // No annotation: a mkdocs.yml beside the descriptor is enough.
    write('cart/catalog-info.yaml', component('cart'));
    write('cart/mkdocs.yml', 'site_name: Cart\n');
    write('cart/docs/index.md', '# Cart\n');
    write('plain/catalog-info.yaml', component('plain'));
    const config = parseConfig({ catalog: { locations: [{ type: 'dir', target: '.' }] } }, 'test');
    catalog = new CatalogService({ db: created.db, logger, baseDir: root, catalog: config.catalog });
    await catalog.refresh();
    app = await createApp({ logger, catalog });
  });
  afterEach(async () => {
    await app.close();
    await drop();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  const get = (path: string) => app.inject({ method: 'GET', url: `/api/catalog/entities/by-name/${path}` });

  it('reads the nav from mkdocs.yml and names a page it lacks as a located problem', async () => {
    const site = (await get('component/default/shop/docs')).json();
    expect(site.title).toBe('Shop');
    expect(site.nav).toEqual([
      { title: 'Home', page: 'index' },
      {
        title: 'Guides',
        children: [
          { title: 'Setup', page: 'guide/setup' },
          { title: 'Missing', page: 'guide/missing' },
        ],
      },
      { title: 'Site', url: 'https://example.com' },
    ]);
    expect(site.pages).toEqual(['index', 'guide/setup', 'guide/missing']);
    expect(site.problems).toContainEqual({
      severity: 'error',
      file: 'shop/mkdocs.yml',
      message: 'nav names guide/missing.md, which is not in the docs folder',
    });
    const missing = (await get('component/default/shop/docs/pages/guide/missing')).json();
    expect(missing).toMatchObject({
      title: 'Missing',
      problem: { file: 'shop/docs/guide/missing.md', message: 'the page does not exist' },
    });
    expect(missing.html).toBeUndefined();
  });

  it('serves pages rendered with working links and images, and only images from the docs folder', async () => {
    const index = (await get('component/default/shop/docs/pages/index')).json();
    expect(index.html).toContain(
      '<a href="/catalog/component/default/shop/docs/guide/setup#run-it">setup</a>',
    );
    expect(index.html).toContain(
      'src="/api/catalog/entities/by-name/component/default/shop/docs/assets/img/diagram.png"',
    );
    const setup = (await get('component/default/shop/docs/pages/guide/setup')).json();
    expect(setup.html).toContain('<h2 id="run-it">Run it</h2>');
    const image = await get('component/default/shop/docs/assets/img/diagram.png');
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['content-security-policy']).toContain('sandbox');
    expect(image.rawPayload.equals(PNG)).toBe(true);
    expect((await get('component/default/shop/docs/assets/notes.txt')).statusCode).toBe(404);
    expect((await get('component/default/shop/docs/assets/img/leak.png')).statusCode).toBe(404);
    expect((await get('component/default/shop/docs/assets/..%2F..%2Fplain%2Fx.png')).statusCode).toBe(404);
  });

  it('finds docs beside a descriptor without the annotation, and none where there are none', async () => {
    expect((await get('component/default/cart/docs')).json()).toMatchObject({
      title: 'Cart',
      pages: ['index'],
    });
    expect((await get('component/default/plain/docs')).statusCode).toBe(404);
  });

  it('refreshes docs with the catalog, though the descriptor did not change', async () => {
    write('shop/docs/guide/setup.md', '# Setup\n\nNow with **more**.\n');
    write('shop/docs/guide/missing.md', '# Found\n');
    await catalog.refresh();
    expect((await get('component/default/shop/docs/pages/guide/setup')).json().html).toContain(
      '<strong>more</strong>',
    );
    const site = (await get('component/default/shop/docs')).json();
    expect(site.problems).toEqual([]);
    write('shop/mkdocs.yml', 'nav: [\n');
    await catalog.refresh();
    const broken = (await get('component/default/shop/docs')).json();
    expect(broken.problems[0]).toMatchObject({
      severity: 'error',
      file: 'shop/mkdocs.yml',
      line: expect.any(Number),
    });
    // The pages are still there, in the default order.
    expect(broken.pages).toContain('guide/setup');
    rmSync(join(root, 'shop'), { recursive: true });
    await catalog.refresh();
    expect((await get('component/default/shop/docs')).statusCode).toBe(404);
  });
});
