import type { DefinitionProblem } from '@portolan/core/apis/definition';
import { parseDocument } from 'yaml';

/** A YAML or JSON definition as data; syntax errors become located problems. */
export function parseStructured(source: string, problems: DefinitionProblem[]): unknown {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) {
    for (const e of doc.errors.slice(0, 5)) {
      const line = e.linePos?.[0]?.line;
      problems.push({
        severity: 'error',
        message: e.message.split('\n')[0]!,
        ...(line ? { line } : {}),
      });
    }
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    problems.push({ severity: 'error', message: (error as Error).message.split('\n')[0]! });
    return undefined;
  }
}
