// OpenAPI 3.x and Swagger 2.0 definitions as operations, with @apidevtools/swagger-parser:
// it validates the document against its specification and dereferences internal `$ref`s.
// External references (files, URLs) are never followed: a definition is untrusted input, and
// following them would let a descriptor make the portal read files or call hosts.
import SwaggerParser from '@apidevtools/swagger-parser';
import type {
  ApiOperation,
  DefinitionProblem,
  DefinitionView,
  OperationBody,
  OperationParameter,
  OperationResponse,
} from '@portolan/core/apis/definition';
import { boundedSchema, isRecord, optionalString } from './schema.ts';
import { parseStructured } from './structured.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const OPTIONS = {
  resolve: { external: false },
  dereference: { circular: true },
} as const;

export async function parseOpenApi(type: string, source: string): Promise<DefinitionView> {
  const view: DefinitionView = {
    type,
    format: 'openapi',
    operations: [],
    channels: [],
    source,
    language: /^\s*[{[]/.test(source) ? 'json' : 'yaml',
    problems: [],
  };
  const doc = parseStructured(source, view.problems);
  if (!isRecord(doc)) return view;
  let api: Record<string, unknown> | undefined;
  try {
    api = (await SwaggerParser.validate(structuredClone(doc) as never, OPTIONS as never)) as never;
  } catch (error) {
    view.problems.push(...validationProblems(error));
    try {
      // Not valid, but often still readable: show what can be shown.
      api = (await SwaggerParser.dereference(structuredClone(doc) as never, OPTIONS as never)) as never;
    } catch {
      api = doc;
    }
  }
  if (!isRecord(api)) return view;
  const info = isRecord(api.info) ? api.info : {};
  setOptional(view, 'title', optionalString(info.title));
  setOptional(view, 'version', info.version === undefined ? undefined : String(info.version));
  setOptional(view, 'description', optionalString(info.description));
  const swagger2 = typeof api.swagger === 'string';
  const globalConsumes = stringList(api.consumes);
  const globalProduces = stringList(api.produces);
  const paths = isRecord(api.paths) ? api.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isRecord(op)) continue;
      const params = mergeParameters(shared, Array.isArray(op.parameters) ? op.parameters : []);
      const operation: ApiOperation = {
        method: method.toUpperCase(),
        path,
        parameters: [],
        requestBody: [],
        responses: [],
      };
      setOptional(operation, 'summary', optionalString(op.summary));
      setOptional(operation, 'description', optionalString(op.description));
      setOptional(operation, 'operationId', optionalString(op.operationId));
      if (op.deprecated === true) operation.deprecated = true;
      const tags = stringList(op.tags);
      if (tags.length > 0) operation.tags = tags;
      const consumes = stringList(op.consumes ?? globalConsumes);
      const produces = stringList(op.produces ?? globalProduces);
      for (const p of params) {
        if (swagger2 && (p.in === 'body' || p.in === 'formData')) {
          if (p.in === 'body') {
            for (const contentType of consumes.length > 0 ? consumes : ['application/json'])
              operation.requestBody.push(body(contentType, p.schema));
          }
          if (p.in === 'formData') operation.parameters.push(parameter(p));
          continue;
        }
        operation.parameters.push(parameter(p));
      }
      if (isRecord(op.requestBody) && isRecord(op.requestBody.content)) {
        for (const [contentType, media] of Object.entries(op.requestBody.content))
          operation.requestBody.push(body(contentType, isRecord(media) ? media.schema : undefined));
      }
      if (isRecord(op.responses)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!isRecord(response)) continue;
          const r: OperationResponse = { status, content: [] };
          setOptional(r, 'description', optionalString(response.description));
          if (isRecord(response.content)) {
            for (const [contentType, media] of Object.entries(response.content))
              r.content.push(body(contentType, isRecord(media) ? media.schema : undefined));
          } else if (response.schema !== undefined) {
            for (const contentType of produces.length > 0 ? produces : ['application/json'])
              r.content.push(body(contentType, response.schema));
          }
          operation.responses.push(r);
        }
      }
      view.operations.push(operation);
    }
  }
  return view;
}

/** Operation-level parameters override path-level ones with the same name and location. */
function mergeParameters(shared: unknown[], own: unknown[]): Record<string, unknown>[] {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const p of [...shared, ...own]) if (isRecord(p)) byKey.set(`${String(p.in)}:${String(p.name)}`, p);
  return [...byKey.values()];
}

function parameter(p: Record<string, unknown>): OperationParameter {
  const out: OperationParameter = {
    name: String(p.name ?? ''),
    in: String(p.in ?? ''),
    required: p.required === true,
  };
  setOptional(out, 'description', optionalString(p.description));
  // Swagger 2 puts a non-body parameter's type on the parameter itself.
  const schema =
    p.schema ?? (p.type !== undefined ? { type: p.type, format: p.format, items: p.items } : undefined);
  if (schema !== undefined) out.schema = boundedSchema(schema);
  return out;
}

function body(contentType: string, schema: unknown): OperationBody {
  return schema === undefined ? { contentType } : { contentType, schema: boundedSchema(schema) };
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** swagger-parser puts one finding per line after its headline ("#/info must have ..."). */
function validationProblems(error: unknown): DefinitionProblem[] {
  const lines = (error instanceof Error ? error.message : String(error)).split('\n').map((l) => l.trim());
  const details = lines.slice(1).filter(Boolean).slice(0, 20);
  return (details.length > 0 ? details : [lines[0]!]).map((message) => ({
    severity: 'error',
    message: message.slice(0, 500),
  }));
}

export type { DefinitionProblem };
