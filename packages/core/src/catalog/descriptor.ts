// Parses descriptor files: several YAML documents per file, each validated as an entity, with
// every problem located by line and column so that `file:line:column: message` can be printed.
import { type Document, isMap, isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';
import {
  expandedBudget,
  measureExpansion,
  parseYamlBounded,
  YAML_LIMITS,
  YamlLimitError,
} from '../yaml/bounded.ts';
import { type Entity, validateEntity } from './entity.ts';
import {
  mayHavePlaceholders,
  type Placeholder,
  type PlaceholderLookup,
  substitutePlaceholders,
} from './placeholders.ts';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_DOCUMENTS = 1000;

export interface Position {
  line: number;
  column: number;
}

export interface Problem extends Position {
  file: string;
  severity: 'error' | 'warning';
  message: string;
  /** The entity this problem belongs to, when it could be told. */
  entityRef?: string;
}

export interface ParsedDocument {
  entity: Entity;
  position: Position;
}

export interface ParsedFile {
  file: string;
  documents: ParsedDocument[];
  problems: Problem[];
  /** Refs of documents that were recognisable (kind + name) but invalid. */
  invalidRefs: string[];
  /** True when the file as a whole could not be read as YAML: no document in it can be trusted. */
  failed: boolean;
  /** Substitution placeholders (`$text`, `$json`, `$yaml`) in valid documents, for the reader to look up. */
  placeholders?: (Placeholder & Position)[];
}

export interface ParseOptions {
  /** Values of placeholders; those it does not answer are kept as written. */
  placeholders?: PlaceholderLookup;
}

/** Where the node at `path` starts in the file (or its nearest ancestor that has a place). */
export function positionOf(doc: Document, path: (string | number)[], lines: LineCounter): Position {
  // Walk up the path until a node with a source range is found.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const { line, col } = lines.linePos(range[0]);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

function refGuess(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof r.kind !== 'string' || typeof r.metadata?.name !== 'string') return undefined;
  const ns = typeof r.metadata.namespace === 'string' ? r.metadata.namespace : 'default';
  return `${r.kind}:${ns}/${r.metadata.name}`.toLowerCase();
}

const MARKER = /^---(?:[ \t]|$)/;
const CONTENT = /^\s*(?:#|$)/;

/**
 * Where each non-empty document of a stream starts, found by splitting on `---` lines. In valid
 * YAML a line starting with `---` is always a document marker (scalars that span lines must be
 * indented or cannot contain it), so this agrees with a parser; the caller checks that it does.
 */
function documentStarts(text: string): Position[] {
  const starts: Position[] = [];
  let seeking = true;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (MARKER.test(line)) {
      seeking = true;
      line = line.slice(3);
      if (CONTENT.test(line)) continue;
      starts.push({ line: i + 1, column: 4 + (line.length - line.trimStart().length) });
      seeking = false;
    } else if (line.startsWith('...')) {
      seeking = true;
    } else if (seeking && !CONTENT.test(line) && !line.startsWith('%')) {
      starts.push({ line: i + 1, column: 1 + (line.length - line.trimStart().length) });
      seeking = false;
    }
  }
  return starts;
}

/**
 * The common case, fast: a well-formed file whose documents are all valid. The bounded js-yaml
 * parse is several times faster than the \`yaml\` parser but reports no positions, so anything
 * unusual (a problem to locate, a document count that the marker scan does not confirm, a limit
 * passed) takes the slow, precise path instead.
 */
function parseFast(file: string, text: string): ParsedFile | undefined {
  // Placeholders are rare and their warnings need positions: the precise path handles them.
  if (mayHavePlaceholders(text)) return undefined;
  let docs: unknown[];
  try {
    docs = parseYamlBounded(text).filter((d) => d !== null && d !== undefined);
  } catch {
    return undefined;
  }
  const starts = documentStarts(text);
  if (starts.length !== docs.length || docs.length > MAX_DOCUMENTS) return undefined;
  const documents: ParsedDocument[] = [];
  for (let i = 0; i < docs.length; i++) {
    const validated = validateEntity(docs[i]);
    if (!validated.ok) return undefined;
    documents.push({ entity: validated.entity, position: starts[i]! });
  }
  return { file, documents, problems: [], invalidRefs: [], failed: false };
}

export function parseDescriptorFile(file: string, text: string, options: ParseOptions = {}): ParsedFile {
  return (
    (byteLength(text) <= MAX_FILE_BYTES && parseFast(file, text)) ||
    parseDescriptorFileExactly(file, text, options)
  );
}

function byteLength(text: string): number {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short texts need no encoding to be measured.
  return text.length * 3 <= MAX_FILE_BYTES ? text.length : new TextEncoder().encode(text).length;
}

/** The precise path: every problem located by line and column. */
export function parseDescriptorFileExactly(
  file: string,
  text: string,
  options: ParseOptions = {},
): ParsedFile {
  const result: ParsedFile = { file, documents: [], problems: [], invalidRefs: [], failed: false };
  const fail = (message: string, at: Position = { line: 1, column: 1 }) => {
    result.problems.push({ file, severity: 'error', message, ...at });
    result.failed = true;
    return result;
  };
  const bytes = byteLength(text);
  if (bytes > MAX_FILE_BYTES) {
    return fail(`file is ${bytes} bytes; descriptor files may be at most ${MAX_FILE_BYTES} bytes (1 MiB)`);
  }
  // The bounded parse comes first: a file past a YAML limit fails here, located, before the
  // precise parser (whose values share aliased nodes too) is asked for anything.
  let syntaxOnly = false;
  try {
    parseYamlBounded(text);
  } catch (error) {
    if (error instanceof YamlLimitError) {
      const at =
        error.documentIndex === undefined
          ? { line: error.line, column: error.column }
          : (documentStarts(text)[error.documentIndex] ?? { line: 1, column: 1 });
      return fail(`YAML: ${error.message}`, at);
    }
    syntaxOnly = true;
  }
  const lines = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false }) as Document.Parsed[];
  } catch (error) {
    return fail(`YAML: ${(error as Error).message}`);
  }
  if (!Array.isArray(docs)) docs = [docs];
  if (docs.length > MAX_DOCUMENTS) {
    return fail(`file has ${docs.length} documents; at most ${MAX_DOCUMENTS} are allowed`);
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const at = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
        result.problems.push({
          file,
          severity: 'error',
          message: `YAML: ${error.message.split('\n')[0]}`,
          line: at.line,
          column: at.col,
        });
      }
      result.failed = true;
    }
  }
  if (result.failed) return result;
  for (const doc of docs) {
    // An empty document, e.g. after a trailing `---`.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    const start = positionOf(doc, [], lines);
    if (!isMap(doc.contents)) {
      result.problems.push({ file, severity: 'error', message: 'a descriptor must be a mapping', ...start });
      continue;
    }
    let raw: unknown;
    try {
      // The two parsers disagree on a few syntax corner cases; where only this one accepted the
      // text, the limits are checked again on what it built.
      if (syntaxOnly) checkAliasCount(doc);
      raw = doc.toJS({ maxAliasCount: -1 });
      if (syntaxOnly)
        measureExpansion(raw, { maxDepth: YAML_LIMITS.maxDepth, maxBytes: expandedBudget(text) });
    } catch (error) {
      result.problems.push({
        file,
        severity: 'error',
        message: `YAML: ${(error as Error).message}`,
        ...start,
      });
      continue;
    }
    const substituted = substitutePlaceholders(raw, options.placeholders);
    const validated = validateEntity(substituted.value);
    if (validated.ok) {
      result.documents.push({ entity: substituted.restore(validated.entity), position: start });
      const entityRef = refGuess(raw);
      for (const w of substituted.warnings) {
        const at = positionOf(doc, w.path, lines);
        result.problems.push({
          file,
          severity: 'warning',
          message: w.message,
          ...at,
          ...(entityRef ? { entityRef } : {}),
        });
      }
      if (substituted.found.length > 0) {
        result.placeholders = [
          ...(result.placeholders ?? []),
          ...substituted.found.map(({ kind, target, path }) => ({
            kind,
            target,
            ...positionOf(doc, path, lines),
          })),
        ];
      }
      continue;
    }
    const ref = refGuess(raw);
    if (ref) result.invalidRefs.push(ref);
    for (const issue of validated.issues) {
      result.problems.push({
        file,
        severity: 'error',
        message: issue.message,
        ...positionOf(doc, issue.path, lines),
        ...(ref ? { entityRef: ref } : {}),
      });
    }
  }
  return result;
}

function checkAliasCount(doc: Document.Parsed): void {
  let aliases = 0;
  visit(doc, {
    Alias() {
      aliases++;
    },
  });
  if (aliases > YAML_LIMITS.maxAliases)
    throw new YamlLimitError(`more than ${YAML_LIMITS.maxAliases} aliases in one document`);
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}
