import { z } from 'zod';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Fastify path, e.g. /api/catalog/entities/by-name/:kind/:namespace/:name */
  path: string;
  summary: string;
  tag: string;
  query?: z.ZodObject;
  responses?: Record<string, string>;
  produces?: string;
}

/** Collects route descriptions as routes are declared, and renders an OpenAPI 3.1 document. */
export class OpenApiRegistry {
  readonly #routes: RouteDoc[] = [];

  add(doc: RouteDoc): void {
    this.#routes.push(doc);
  }

  document(info: { title: string; version: string }) {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.#routes) {
      const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const params: unknown[] = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      if (r.query) {
        const schema = z.toJSONSchema(r.query, { io: 'input', unrepresentable: 'any' }) as {
          properties?: Record<string, { description?: string }>;
          required?: string[];
        };
        for (const [name, s] of Object.entries(schema.properties ?? {})) {
          params.push({
            name,
            in: 'query',
            required: schema.required?.includes(name) ?? false,
            schema: s,
            ...(s.description ? { description: s.description } : {}),
          });
        }
      }
      const responses: Record<string, unknown> = {};
      for (const [code, description] of Object.entries(r.responses ?? { '200': 'OK' })) {
        responses[code] = {
          description,
          content: { [code.startsWith('2') ? (r.produces ?? 'application/json') : 'application/json']: {} },
        };
      }
      responses.default = {
        description: 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
      paths[path] ??= {};
      paths[path][r.method] = { summary: r.summary, tags: [r.tag], parameters: params, responses };
    }
    return {
      openapi: '3.1.0',
      info,
      paths,
      components: {
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['name', 'message'],
                properties: {
                  name: {
                    enum: [
                      'InputError',
                      'NotFoundError',
                      'ConflictError',
                      'ForbiddenError',
                      'UnavailableError',
                      'InternalError',
                    ],
                  },
                  message: { type: 'string' },
                  context: { type: 'object' },
                },
              },
            },
          },
        },
      },
    };
  }
}
