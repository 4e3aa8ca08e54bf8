import { NotFoundError } from '@portolan/core/errors';
import type { FastifyInstance } from 'fastify';
import { needs } from '../../auth/permission.ts';
import type { OpenApiRegistry } from '../../http/openapi.ts';
import type { CatalogService } from '../service.ts';

type Params = { kind: string; namespace: string; name: string };
const BASE = '/api/catalog/entities/by-name/:kind/:namespace/:name';
const refOf = ({ kind, namespace, name }: Params) => `${kind}:${namespace}/${name}`.toLowerCase();

export function definitionRoutes(
  app: FastifyInstance,
  openapi: OpenApiRegistry,
  { catalog }: { catalog: CatalogService },
): void {
  const definition = async (params: Params) => {
    const ref = refOf(params);
    const view = await catalog.definition(ref);
    if (!view) throw new NotFoundError(`no API definition for ${ref} in the catalog`, { ref });
    return view;
  };

  openapi.add({
    method: 'get',
    path: `${BASE}/definition`,
    tag: 'catalog',
    summary:
      "An API entity's definition, parsed: OpenAPI and Swagger as operations (parameters, request and response schemas), AsyncAPI as channels and messages, GraphQL root fields and gRPC methods as operations; with the source and the parser's problems",
    responses: { '200': 'the definition', '404': 'no such API entity' },
  });
  app.get<{ Params: Params }>(`${BASE}/definition`, needs('catalog.read'), async (request) => {
    const view = await definition(request.params);
    const { highlightCode, sanitizeDocHtml } = await import('../docs/html.ts');
    return { ...view, highlighted: sanitizeDocHtml(highlightCode(view.source, view.language)) };
  });

  openapi.add({
    method: 'get',
    path: `${BASE}/definition/raw`,
    tag: 'catalog',
    summary: "An API entity's definition exactly as written, as plain text",
    responses: { '200': 'the source', '404': 'no such API entity' },
  });
  app.get<{ Params: Params }>(`${BASE}/definition/raw`, needs('catalog.read'), async (request, reply) => {
    const view = await definition(request.params);
    // Plain text, never sniffed: a definition is untrusted and must not render as a page.
    return reply.type('text/plain; charset=utf-8').header('content-disposition', 'inline').send(view.source);
  });

  openapi.add({
    method: 'get',
    path: `${BASE}/api-relations`,
    tag: 'catalog',
    summary:
      'The entities its API relations name: for a Component the APIs it provides and consumes with their operation counts, for an API its providers and consumers',
    responses: { '200': '{providesApi, consumesApi, apiProvidedBy, apiConsumedBy}', '404': 'no such entity' },
  });
  app.get<{ Params: Params }>(`${BASE}/api-relations`, needs('catalog.read'), async (request) => {
    const ref = refOf(request.params);
    const relations = await catalog.apiRelations(ref);
    if (!relations) throw new NotFoundError(`no entity ${ref} in the catalog`, { ref });
    return relations;
  });
}
