// Kubernetes label selectors, parsed and matched without a cluster. Both the string form
// (`app=web,tier in (a,b),!canary`) from annotations and the structured LabelSelector form from
// workload specs become one list of requirements, all of which must hold (AND).
import { InputError } from '../errors.ts';
import type { LabelSelector } from '../k8s/types.ts';

export type SelectorOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A parsed selector: every requirement must match. An empty list matches everything. */
export type Selector = Requirement[];

// Label keys and values exactly as Kubernetes validates them (k8s.io/apimachinery
// pkg/util/validation: IsQualifiedName, IsDNS1123Subdomain, IsValidLabelValue).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why `key` is not a valid label key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  // Objects come from clusters and descriptors: untrusted, whatever their declared type says.
  if (typeof key !== 'string') return 'must be a string';
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'its prefix must be a lower-case DNS subdomain of at most 253 characters';
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'its name must be 1 to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value === '') return undefined;
  if (value.length > 63 || !QUALIFIED_NAME.test(value)) {
    return 'must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

const INTEGER = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A base-10 int64 as Kubernetes reads one for `>`/`<`, or undefined. */
function int64(text: string): bigint | undefined {
  if (!INTEGER.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** Builds one requirement, validated as Kubernetes validates it; throws InputError. */
export function requirement(key: string, operator: SelectorOperator, values: string[]): Requirement {
  const fail = (why: string): never => {
    throw new InputError(`invalid selector requirement on "${key}": ${why}`, { key, operator });
  };
  const keyProblem = labelKeyProblem(key);
  if (keyProblem) fail(`key ${keyProblem}`);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) fail(`"${operator}" needs at least one value`);
      break;
    case '=':
    case '!=':
      if (values.length !== 1) fail(`"${operator}" needs exactly one value`);
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) fail('existence takes no values');
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) fail(`"${operator === 'gt' ? '>' : '<'}" needs exactly one value`);
      if (int64(values[0] ?? '') === undefined) fail(`"${values[0]}" is not an integer`);
      break;
    default:
      fail(`unsupported operator "${String(operator)}"`);
  }
  for (const value of values) {
    const problem = labelValueProblem(value);
    if (problem) fail(`value "${String(value).slice(0, 80)}" ${problem}`);
  }
  return { key, operator, values };
}

// The string grammar (Kubernetes' labels.Parse): requirements separated by ",";
//   [!]KEY | KEY (=|==|!=|>|<) VALUE? | KEY (in|notin) "(" VALUE? ("," VALUE?)* ")"
// Tokens are split by whitespace and by the characters = ! ( ) , > < ; the words in/notin are
// operators after a key and ordinary values inside a list.
type Token =
  | { t: 'id'; v: string }
  | { t: 'op'; v: '=' | '==' | '!=' | '!' | '>' | '<' | '(' | ')' | ',' }
  | { t: 'end' };

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const SYMBOLS = ['!=', '==', '=', '!', '>', '<', '(', ')', ','] as const;

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (WHITESPACE.has(ch)) {
      i++;
      continue;
    }
    if (SPECIAL.has(ch)) {
      const symbol = SYMBOLS.find((s) => input.startsWith(s, i));
      if (!symbol) throw new InputError(`unexpected "${ch}" in selector "${input}"`);
      out.push({ t: 'op', v: symbol });
      i += symbol.length;
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j] as string) && !WHITESPACE.has(input[j] as string)) j++;
    out.push({ t: 'id', v: input.slice(i, j) });
    i = j;
  }
  out.push({ t: 'end' });
  return out;
}

const describe = (tok: Token): string => (tok.t === 'end' ? 'the end' : `"${tok.v}"`);

/** Parse the string form of a label selector (equality-based, set-based and `>`/`<`). */
export function parseSelector(input: string): Selector {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;
  const fail = (why: string): never => {
    throw new InputError(`cannot parse selector "${input}": ${why}`);
  };
  const out: Selector = [];
  if (peek().t === 'end') return out;
  for (;;) {
    let tok = next();
    const negated = tok.t === 'op' && tok.v === '!';
    if (negated) tok = next();
    if (tok.t !== 'id') return fail(`expected a key, found ${describe(tok)}`);
    const key = tok.v;
    const problem = labelKeyProblem(key);
    if (problem) fail(`invalid key "${key}": ${problem}`);
    const after = peek();
    if (after.t === 'end' || (after.t === 'op' && after.v === ',')) {
      out.push(requirement(key, negated ? '!' : 'exists', []));
    } else {
      if (negated) fail(`"!${key}" cannot be followed by ${describe(after)}`);
      const op = next();
      if (op.t === 'id' && (op.v === 'in' || op.v === 'notin')) {
        const open = next();
        if (open.t !== 'op' || open.v !== '(') fail(`expected "(" after ${op.v}, found ${describe(open)}`);
        const values = new Set<string>();
        let expectValue = true;
        for (;;) {
          const v = next();
          if (v.t === 'id') {
            if (!expectValue) fail(`expected "," or ")", found "${v.v}"`);
            values.add(v.v);
            expectValue = false;
          } else if (v.t === 'op' && v.v === ',') {
            if (expectValue) values.add('');
            expectValue = true;
          } else if (v.t === 'op' && v.v === ')') {
            if (expectValue) values.add('');
            break;
          } else {
            fail(`expected a value, "," or ")", found ${describe(v)}`);
          }
        }
        out.push(requirement(key, op.v, [...values].sort()));
      } else if (
        op.t === 'op' &&
        (op.v === '=' || op.v === '==' || op.v === '!=' || op.v === '>' || op.v === '<')
      ) {
        const v = peek();
        let value = '';
        if (v.t === 'id') {
          value = v.v;
          pos++;
        } else if (!(v.t === 'end' || (v.t === 'op' && v.v === ','))) {
          fail(`expected a value after "${op.v}", found ${describe(v)}`);
        }
        const operator: SelectorOperator =
          op.v === '!=' ? '!=' : op.v === '>' ? 'gt' : op.v === '<' ? 'lt' : '=';
        out.push(requirement(key, operator, [value]));
      } else {
        fail(`expected an operator after "${key}", found ${describe(op)}`);
      }
    }
    const sep = next();
    if (sep.t === 'end') return out;
    if (sep.t !== 'op' || sep.v !== ',') return fail(`expected "," or the end, found ${describe(sep)}`);
    const following = peek();
    if (!(following.t === 'id' || (following.t === 'op' && following.v === '!'))) {
      fail(`expected a requirement after ",", found ${describe(following)}`);
    }
  }
}

/**
 * Convert a workload's structured selector. An absent selector selects nothing (as in Kubernetes).
 * A requirement Kubernetes would refuse (unknown operator, values where none belong, an invalid
 * key or value) makes the whole selector select nothing: it must never widen the selection.
 */
export function fromLabelSelector(selector: LabelSelector | undefined): Selector | undefined {
  if (!selector) return undefined;
  const out: Selector = [];
  try {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
      out.push(requirement(key, '=', [value]));
    }
    for (const expr of selector.matchExpressions ?? []) {
      const operator = STRUCTURED_OPERATORS[String(expr.operator).toLowerCase()];
      if (!operator) throw new InputError(`unsupported operator "${expr.operator}"`);
      out.push(requirement(expr.key, operator, expr.values ?? []));
    }
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return [{ key: '', operator: 'in', values: [] }];
  }
  return out;
}

const STRUCTURED_OPERATORS: Record<string, SelectorOperator | undefined> = {
  in: 'in',
  notin: 'notin',
  exists: 'exists',
  doesnotexist: '!',
};

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
    case 'gt':
    case 'lt': {
      // As Kubernetes: both sides must be base-10 int64s, else the requirement does not match.
      const actual = has ? int64(value as string) : undefined;
      const bound = int64(req.values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return req.operator === 'gt' ? actual > bound : actual < bound;
    }
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
        case 'gt':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'lt':
          return `${r.key}<${r.values[0] ?? ''}`;
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
