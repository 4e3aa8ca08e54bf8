import { type DefinitionView, definitionFormat } from '@portolan/core/apis/definition';
import { firstLine } from './schema.ts';

/** Definitions larger than this are shown as source only. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

/**
 * An API entity's definition as the portal shows it. Never throws: whatever cannot be parsed is
 * a problem on the view, and the source is always kept.
 */
export async function parseDefinition(type: unknown, definition: unknown): Promise<DefinitionView> {
  const typeName = typeof type === 'string' ? type : '';
  const source =
    typeof definition === 'string'
      ? definition
      : definition === undefined
        ? ''
        : JSON.stringify(definition, null, 2);
  const format = definitionFormat(typeName);
  const plain: DefinitionView = {
    type: typeName,
    format: 'text',
    operations: [],
    channels: [],
    source,
    problems: [],
  };
  if (typeof definition !== 'string') {
    plain.problems.push({
      severity: 'warning',
      message: 'spec.definition is not text (an unresolved placeholder?); shown as written',
    });
    return plain;
  }
  if (Buffer.byteLength(source) > MAX_DEFINITION_BYTES) {
    plain.problems.push({
      severity: 'warning',
      message: 'the definition is over 1 MiB; shown as source only',
    });
    return { ...plain, format };
  }
  try {
    // Each parser is loaded when first needed: together they take a second to load, which a
    // CLI command or a catalog without APIs should not pay.
    if (format === 'openapi') return (await import('./openapi.ts')).parseOpenApi(typeName, source);
    if (format === 'asyncapi') return (await import('./asyncapi.ts')).parseAsyncApi(typeName, source);
    if (format === 'graphql') return (await import('./graphql.ts')).parseGraphql(typeName, source);
    if (format === 'grpc') return (await import('./grpc.ts')).parseGrpc(typeName, source);
  } catch (error) {
    // A parser bug on odd input must fail only this definition.
    return { ...plain, format, problems: [{ severity: 'error', message: firstLine(error) }] };
  }
  return plain;
}
