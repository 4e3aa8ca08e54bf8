// GraphQL schemas (SDL) with the reference implementation's parser: the source is shown
// highlighted, and the root fields (queries, mutations, subscriptions) are its operations.
import type { ApiOperation, DefinitionView } from '@portolan/core/apis/definition';
import { type FieldDefinitionNode, Kind, parse, print } from 'graphql';
import { GraphQLError } from 'graphql/error';

const ROOTS: Record<string, string> = { Query: 'QUERY', Mutation: 'MUTATION', Subscription: 'SUBSCRIPTION' };

export function parseGraphql(type: string, source: string): DefinitionView {
  const view: DefinitionView = {
    type,
    format: 'graphql',
    operations: [],
    channels: [],
    source,
    language: 'graphql',
    problems: [],
  };
  let document: ReturnType<typeof parse>;
  try {
    document = parse(source, { noLocation: false, maxTokens: 200_000 });
  } catch (error) {
    const line = error instanceof GraphQLError ? error.locations?.[0]?.line : undefined;
    view.problems.push({
      severity: 'error',
      message: (error as Error).message.split('\n')[0]!,
      ...(line ? { line } : {}),
    });
    return view;
  }
  // `schema { query: RootQuery }` renames the roots.
  const roots = new Map(Object.entries(ROOTS));
  for (const def of document.definitions) {
    if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION) {
      for (const op of def.operationTypes ?? []) roots.set(op.type.name.value, op.operation.toUpperCase());
    }
  }
  for (const def of document.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const method = roots.get(def.name.value);
    if (!method) continue;
    for (const field of def.fields ?? []) view.operations.push(operation(method, field));
  }
  return view;
}

function operation(method: string, field: FieldDefinitionNode): ApiOperation {
  const op: ApiOperation = {
    method,
    path: field.name.value,
    parameters: (field.arguments ?? []).map((a) => ({
      name: a.name.value,
      in: 'argument',
      required: a.type.kind === Kind.NON_NULL_TYPE,
      schema: { type: print(a.type) },
      ...(a.description ? { description: a.description.value } : {}),
    })),
    requestBody: [],
    responses: [
      { status: 'result', content: [{ contentType: 'graphql', schema: { type: print(field.type) } }] },
    ],
  };
  if (field.description) op.summary = field.description.value.split('\n')[0]!;
  if (field.directives?.some((d) => d.name.value === 'deprecated')) op.deprecated = true;
  return op;
}
