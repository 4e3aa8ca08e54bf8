// Kubernetes label selectors, parsed and matched without a cluster. Both the string form
// (`app=web,tier in (a,b),!canary`) from annotations and the structured LabelSelector form from
// workload specs become one list of requirements, all of which must hold (AND).
import { InputError } from '../errors.ts';
import type { LabelSelector } from '../k8s/types.ts';

export type SelectorOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A parsed selector: every requirement must match. An empty list matches everything. */
export type Selector = Requirement[];

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const VALUE = /^([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?$/;

function checkKey(key: string, source: string): string {
  if (!KEY.test(key) || key.length > 317)
    throw new InputError(`invalid label key "${key}" in selector "${source}"`);
  return key;
}
function checkValue(value: string, source: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new InputError(`invalid label value "${value}" in selector "${source}"`);
  }
  return value;
}

/** Split on commas that are not inside parentheses. */
function splitTerms(input: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of input) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

/** Parse the string form of a label selector (equality-based and set-based). */
export function parseSelector(input: string): Selector {
  const source = input.trim();
  if (source === '') return [];
  const out: Selector = [];
  for (const term of splitTerms(source)) {
    if (term === '') throw new InputError(`empty term in selector "${source}"`);
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .map((v) => checkValue(v, source));
      out.push({ key: checkKey(set[1]!, source), operator: set[2] as 'in' | 'notin', values });
      continue;
    }
    const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (eq) {
      out.push({
        key: checkKey(eq[1]!, source),
        operator: eq[2] === '!=' ? '!=' : '=',
        values: [checkValue(eq[3]!, source)],
      });
      continue;
    }
    const not = /^!\s*(\S+)$/.exec(term);
    if (not) {
      out.push({ key: checkKey(not[1]!, source), operator: '!', values: [] });
      continue;
    }
    if (/^\S+$/.test(term)) {
      out.push({ key: checkKey(term, source), operator: 'exists', values: [] });
      continue;
    }
    throw new InputError(`cannot parse selector term "${term}" in "${source}"`);
  }
  return out;
}

/** Convert a workload's structured selector. An absent selector selects nothing (as in Kubernetes). */
export function fromLabelSelector(selector: LabelSelector | undefined): Selector | undefined {
  if (!selector) return undefined;
  const out: Selector = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    out.push({ key, operator: '=', values: [value] });
  }
  for (const expr of selector.matchExpressions ?? []) {
    const op = expr.operator.toLowerCase();
    const operator: SelectorOperator | undefined =
      op === 'in'
        ? 'in'
        : op === 'notin'
          ? 'notin'
          : op === 'exists'
            ? 'exists'
            : op === 'doesnotexist'
              ? '!'
              : undefined;
    // An unknown operator must not widen the selection: make the requirement unsatisfiable.
    if (!operator) return [{ key: expr.key, operator: 'in', values: [] }];
    out.push({ key: expr.key, operator, values: expr.values ?? [] });
  }
  return out;
}

export function matchesRequirement(req: Requirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  switch (req.operator) {
    case '=':
      return has && value === req.values[0];
    case '!=':
      return !has || value !== req.values[0];
    case 'in':
      return has && req.values.includes(value as string);
    case 'notin':
      return !has || !req.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
  }
}

export function matchesSelector(selector: Selector, labels: Record<string, string> | undefined): boolean {
  for (const req of selector) if (!matchesRequirement(req, labels)) return false;
  return true;
}

/** Canonical string form, stable for use as a key. */
export function formatSelector(selector: Selector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case '=':
        case '!=':
          return `${r.key}${r.operator}${r.values[0] ?? ''}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        default:
          return `!${r.key}`;
      }
    })
    .sort()
    .join(',');
}

/**
 * Equality requirements a cache can use as an index lookup: a selector with `k=v` (or `k in (..)`)
 * can only match objects carrying label k with one of those values.
 */
export function indexableRequirement(selector: Selector): { key: string; values: string[] } | undefined {
  for (const r of selector) {
    if (r.operator === '=') return { key: r.key, values: [r.values[0] ?? ''] };
  }
  for (const r of selector) {
    if (r.operator === 'in') return { key: r.key, values: r.values };
  }
  return undefined;
}
