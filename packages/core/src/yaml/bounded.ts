// The one way untrusted YAML (descriptors, objects piped into `explain`) becomes values. YAML
// aliases let a few hundred bytes describe gigabytes ("billion laughs"): a parser that shares
// the aliased node stays fast, and the blow-up happens later, in whatever walks the value
// (JSON serialisation, validation, storage). So every document is measured as if its aliases
// were expanded, before anyone else walks it, and refused past fixed limits.
import { CORE_SCHEMA, loadAll } from 'js-yaml';

export interface YamlLimits {
  /** Alias nodes (`*name`) in one document, as written. */
  maxAliases: number;
  /** Nesting of collections, counted with aliases expanded. */
  maxDepth: number;
  /**
   * Size of all documents as JSON with aliases expanded: at most this many bytes, or
   * `expansionFactor` times the source, whichever is larger (plain input is never refused
   * for its size alone; only aliases can make the expansion grow faster than the source).
   */
  minExpandedBytes: number;
  expansionFactor: number;
}

export const YAML_LIMITS: YamlLimits = {
  maxAliases: 1000,
  maxDepth: 100,
  minExpandedBytes: 1024 * 1024,
  expansionFactor: 4,
};

/** A document went past a limit. Line and column (1-based) say where, when it can be told. */
export class YamlLimitError extends Error {
  readonly line: number;
  readonly column: number;
  /** Which document of the stream (0-based), when the limit was found by measuring one. */
  readonly documentIndex: number | undefined;
  constructor(
    message: string,
    at: { line: number; column: number } = { line: 1, column: 1 },
    documentIndex?: number,
  ) {
    super(message);
    this.line = at.line;
    this.column = at.column;
    this.documentIndex = documentIndex;
  }
}

/** A YAML syntax error, located (1-based). */
export class YamlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, at: { line: number; column: number }) {
    super(message);
    this.line = at.line;
    this.column = at.column;
  }
}

interface Measure {
  depth: number;
  bytes: number;
}

const CYCLE = Symbol('in progress');

/**
 * Measures a value as if its shared (aliased) nodes were copied: depth and JSON size. Each
 * distinct node is visited once, so the cost is linear in the source, not in the expansion.
 * Throws YamlLimitError when a limit is passed or a node contains itself (`&a [*a]`).
 */
export function measureExpansion(value: unknown, budget: { maxDepth: number; maxBytes: number }): Measure {
  const seen = new Map<object, Measure | typeof CYCLE>();
  const visit = (v: unknown, level: number): Measure => {
    if (typeof v === 'string') return { depth: 0, bytes: v.length + 2 };
    if (v === null || typeof v !== 'object') return { depth: 0, bytes: String(v).length };
    const tooDeep = () =>
      new YamlLimitError(`nesting is deeper than ${budget.maxDepth} levels (aliases expanded)`);
    if (level >= budget.maxDepth) throw tooDeep();
    const known = seen.get(v);
    if (known === CYCLE) throw new YamlLimitError('an alias refers to a node that contains it');
    if (known) {
      // A shared node measured once already: used again, lower down, it may now be too deep.
      if (level + known.depth > budget.maxDepth) throw tooDeep();
      return known;
    }
    seen.set(v, CYCLE);
    let depth = 0;
    let bytes = 2;
    const add = (child: unknown, extra: number) => {
      const m = visit(child, level + 1);
      depth = Math.max(depth, m.depth);
      bytes += m.bytes + extra;
      // A single node's own size can pass the budget long before the total is added up.
      if (bytes > budget.maxBytes) throw tooLarge(budget.maxBytes);
    };
    if (Array.isArray(v)) for (const item of v) add(item, 1);
    else if (v instanceof Map) for (const [k, item] of v) add(item, String(k).length + 4);
    else for (const k of Object.keys(v)) add((v as Record<string, unknown>)[k], k.length + 4);
    const m = { depth: depth + 1, bytes };
    seen.set(v, m);
    return m;
  };
  return visit(value, 0);
}

const tooLarge = (max: number) =>
  new YamlLimitError(`expands to more than ${max} bytes (aliases expanded); it is refused as an alias bomb`);

/** The expanded-size budget for a source text under the limits. */
export function expandedBudget(text: string, limits: YamlLimits = YAML_LIMITS): number {
  return Math.max(limits.minExpandedBytes, text.length * limits.expansionFactor);
}

/**
 * Parses every document of a YAML stream into plain values (YAML 1.2 core schema), bounded by
 * the limits. Throws YamlLimitError past a limit and YamlSyntaxError on invalid YAML; both are
 * located. Empty documents are kept as null.
 */
export function parseYamlBounded(text: string, limits: YamlLimits = YAML_LIMITS): unknown[] {
  let docs: unknown[];
  try {
    docs = loadAll(text, { schema: CORE_SCHEMA, maxAliases: limits.maxAliases, maxDepth: limits.maxDepth });
  } catch (error) {
    const e = error as { reason?: string; message: string; mark?: { line: number; column: number } };
    const at = e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : { line: 1, column: 1 };
    const reason = e.reason ?? e.message;
    if (/^aliases exceeded maxAliases/.test(reason))
      throw new YamlLimitError(`more than ${limits.maxAliases} aliases in one document`, at);
    if (/^nesting exceeded maxDepth/.test(reason))
      throw new YamlLimitError(`nesting is deeper than ${limits.maxDepth} levels`, at);
    if (error instanceof RangeError) throw new YamlLimitError('nesting is too deep', at);
    throw new YamlSyntaxError(reason, at);
  }
  const budget = { maxDepth: limits.maxDepth, maxBytes: expandedBudget(text, limits) };
  let total = 0;
  for (let i = 0; i < docs.length; i++) {
    try {
      total += measureExpansion(docs[i], { ...budget, maxBytes: budget.maxBytes - total }).bytes;
    } catch (error) {
      if (error instanceof YamlLimitError) throw new YamlLimitError(error.message, undefined, i);
      throw error;
    }
  }
  return docs;
}
