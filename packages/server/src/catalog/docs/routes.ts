import { extname } from 'node:path';
import { NotFoundError } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import { needs } from '../../auth/permission.ts';
import type { OpenApiRegistry } from '../../http/openapi.ts';
import type { CatalogService } from '../service.ts';

type Params = { kind: string; namespace: string; name: string; '*'?: string };
const BASE = '/api/catalog/entities/by-name/:kind/:namespace/:name/docs';
const refOf = ({ kind, namespace, name }: Params) => `${kind}:${namespace}/${name}`.toLowerCase();

/** Images only: a docs folder is untrusted, and nothing from it may run as a page or a script. */
const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.avif': 'image/avif',
};

export function docsRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  { catalog }: { catalog: CatalogService },
) {
  openapi.add({
    method: 'get',
    path: BASE,
    tag: 'catalog',
    summary:
      "An entity's docs site: its navigation (from mkdocs.yml), its pages and the problems found reading them",
    responses: { '200': 'the site', '404': 'the entity has no docs' },
  });
  app.get<{ Params: Params }>(BASE, needs('catalog.read'), async (request) => {
    const ref = refOf(request.params);
    const site = await catalog.docsSite(ref);
    if (!site) throw new NotFoundError(`${ref} has no docs`, { ref });
    return site;
  });

  openapi.add({
    method: 'get',
    path: `${BASE}/pages/*`,
    tag: 'catalog',
    summary:
      'One docs page, rendered from Markdown and sanitised on the server; or the located problem that kept it from rendering',
    responses: { '200': 'the page', '404': 'no such page' },
  });
  app.get<{ Params: Params }>(`${BASE}/pages/*`, needs('catalog.read'), async (request) => {
    const ref = refOf(request.params);
    const path = request.params['*'] ?? '';
    const page = await catalog.docsPage(ref, path);
    if (!page) throw new NotFoundError(`${ref} has no docs page ${path}`, { ref, page: path });
    return page;
  });

  openapi.add({
    method: 'get',
    path: `${BASE}/assets/*`,
    tag: 'catalog',
    summary: 'An image of the docs folder (png, jpeg, gif, webp, svg, avif)',
    responses: { '200': 'the image', '404': 'no such image' },
  });
  app.get<{ Params: Params }>(`${BASE}/assets/*`, needs('catalog.read'), async (request, reply) => {
    const ref = refOf(request.params);
    const path = request.params['*'] ?? '';
    const type = IMAGE_TYPES[extname(path).toLowerCase()];
    const bytes = type ? await catalog.docsAsset(ref, path) : undefined;
    if (!type || !bytes) throw new NotFoundError(`${ref} has no docs image ${path}`, { ref, path });
    return (
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        // Opened on its own, an SVG is a document: it gets no script and no origin.
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        .send(bytes)
    );
  });
}
