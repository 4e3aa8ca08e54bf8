// Substitution placeholders as real catalogs use them: read beside the descriptor, fetched from an
// allowed host (a server on 127.0.0.1 here), or kept as a reference with a located warning; the
// entity is never lost.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasBomb } from '../../../../test/support/hostile.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';

const api = (name: string, definition: string) =>
  `---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: ${name}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team\n  definition:\n    ${definition}\n`;

describe('descriptor placeholders', () => {
  const root = mkdtempSync(join(tmpdir(), 'portolan-placeholders-'));
  let server: Server;
  let host: string;
  let db: Database;
  let catalog: CatalogService;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/spec.json') res.end(JSON.stringify({ openapi: '3.0.0', paths: {} }));
      else if (req.url === '/huge') res.end('x'.repeat(5000));
      else if (req.url === '/moved') res.writeHead(302, { location: 'http://example.com/' }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    mkdirSync(join(root, 'svc'), { recursive: true });
    writeFileSync(join(root, 'svc/openapi.yaml'), 'openapi: 3.0.0\npaths: {}\n');
    writeFileSync(join(root, 'svc/meta.yaml'), 'team: payments\nlinks: [a, b]\n');
    writeFileSync(join(root, 'svc/pinned.json'), '[1, 2]');
    writeFileSync(join(root, 'secret.txt'), 'outside the catalog root');
    writeFileSync(join(root, 'svc/bomb.yaml'), aliasBomb(10));
    writeFileSync(
      join(root, 'svc/catalog-info.yaml'),
      [
        api('local', '$text: ./openapi.yaml'),
        api('remote-allowed', `$text: http://${host}/spec.json`),
        api('remote-elsewhere', '$text: https://specs.example.com/orders.yaml'),
        api('missing', '$text: ./nope.yaml'),
        api('too-big', `$text: http://${host}/huge`),
        api('redirected', `$text: http://${host}/moved`),
        api('outside', '$text: ../secret.txt'),
        '---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team }\nspec: { type: team, children: [] }\n',
        '---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n  meta: { $yaml: ./meta.yaml }\n  pinned: { $json: ./pinned.json }\n',
        '---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bombed\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n  meta: { $yaml: ./bomb.yaml }\n',
      ].join(''),
    );
    db = await openDatabase({ client: 'sqlite', connection: ':memory:' });
    catalog = new CatalogService({
      db,
      logger: pino({ level: 'silent' }),
      baseDir: join(root, 'svc'),
      catalog: parseConfig(
        {
          catalog: {
            root: '.',
            locations: [{ type: 'file', target: './catalog-info.yaml' }],
            placeholders: { allowedHosts: [host], maxBytes: 1000 },
          },
        },
        'test',
      ).catalog,
    });
  });
  afterAll(async () => {
    await db.destroy();
    server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('reads, fetches or keeps each placeholder, and loses no entity', async () => {
    // The root is the config's folder (svc/): catalog.root bounds every read, placeholders included.
    const summary = await catalog.refresh();
    expect((await catalog.problems()).items).toEqual([]);
    const get = async (name: string) => (await catalog.get(`api:default/${name}`))!;

    expect((await get('local')).entity.spec?.definition).toBe('openapi: 3.0.0\npaths: {}\n');
    expect((await get('local')).problems).toEqual([]);
    expect((await get('remote-allowed')).entity.spec?.definition).toBe('{"openapi":"3.0.0","paths":{}}');

    const elsewhere = await get('remote-elsewhere');
    expect(elsewhere.entity.spec?.definition).toEqual({ $text: 'https://specs.example.com/orders.yaml' });
    expect(elsewhere.problems).toEqual([
      {
        severity: 'warning',
        message:
          '$text https://specs.example.com/orders.yaml: not fetched, specs.example.com is not in catalog.placeholders.allowedHosts; kept as a reference',
        file: 'catalog-info.yaml',
        line: 33,
        column: 5,
      },
    ]);
    expect((await get('missing')).problems[0]?.message).toBe(
      '$text ./nope.yaml: no such file; kept as a reference',
    );
    expect((await get('too-big')).problems[0]?.message).toMatch(
      /larger than 1000 bytes; kept as a reference$/,
    );
    expect((await get('redirected')).problems[0]?.message).toMatch(/kept as a reference$/);
    const outside = await get('outside');
    expect(outside.entity.spec?.definition).toEqual({ $text: '../secret.txt' });
    expect(outside.problems[0]?.message).toMatch(/outside the catalog root; kept as a reference$/);

    const svc = (await catalog.get('component:default/svc'))!;
    expect(svc.entity.spec?.meta).toEqual({ team: 'payments', links: ['a', 'b'] });
    expect(svc.entity.spec?.pinned).toEqual([1, 2]);
    // A placeholder's YAML is held to the same limits as the descriptor's own.
    const bombed = (await catalog.get('component:default/bombed'))!;
    expect(bombed.entity.spec?.meta).toEqual({ $yaml: './bomb.yaml' });
    expect(bombed.problems[0]?.message).toMatch(
      /^\$yaml \.\/bomb\.yaml: not valid YAML \(expands to more than 1048576 bytes .*\); kept as a reference$/,
    );
    expect(summary.entities).toBe(10);
  });

  it('reads a placeholder again when only the file it names changed', async () => {
    writeFileSync(join(root, 'svc/openapi.yaml'), 'openapi: 3.1.0\n');
    await catalog.refresh();
    expect((await catalog.get('api:default/local'))!.entity.spec?.definition).toBe('openapi: 3.1.0\n');
  });
});
