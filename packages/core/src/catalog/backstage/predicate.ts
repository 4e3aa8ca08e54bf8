// Backstage's filter predicates, the JSON query of its catalog API's POST routes (entities
// by-query, entity-facets, locations by-query), parsed into plain data matched against the same
// lower-cased (key, value) rows as `filter=` (search.ts). The grammar is the one
// @backstage/filter-predicates 0.2 defines:
//   { "kind": "component", "spec.type": { "$in": ["service", "website"] } }   every key matches
//   { "$all": [...] }, { "$any": [...] }, { "$not": {...} }                  logic, alone in their object
//   { "$exists": true }, { "$hasPrefix": "team-" }                           value matchers
//   { "metadata.tags": { "$contains": "java" } }                             an item of a list
//   { "relations": { "$contains": { "type": "ownedBy", "targetRef": "group:default/a" } } }
// Matching is case-insensitive and numbers and booleans match their text, as in Backstage.
import { InputError } from '../../errors.ts';
import type { FilterQuery } from './params.ts';

/** A parsed predicate. Keys and values are lower-case, as the rows they are matched against. */
export type Predicate =
  | { all: Predicate[] }
  | { any: Predicate[] }
  | { not: Predicate }
  /** The key has one of these values. */
  | { key: string; values: string[] }
  /** The key has a value. */
  | { key: string; exists: true }
  /** The key has a value starting with this. */
  | { key: string; prefix: string };

/** Bounds on what one request may ask, so a query cannot become an unbounded SQL statement. */
export const MAX_PREDICATE_NODES = 500;
export const MAX_PREDICATE_DEPTH = 32;

type Primitive = string | number | boolean;
const isPrimitive = (v: unknown): v is Primitive =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: Primitive) => String(v).toLowerCase();
const LOGIC = ['$all', '$any', '$not'];

/** Parses `query`; throws InputError saying where and what is wrong. */
export function parsePredicate(input: unknown, name = 'query'): Predicate {
  let nodes = 0;
  const count = (at: string, depth: number, size = 1) => {
    nodes += size;
    if (nodes > MAX_PREDICATE_NODES)
      throw new InputError(`${name} is too large: at most ${MAX_PREDICATE_NODES} conditions`);
    if (depth > MAX_PREDICATE_DEPTH)
      throw new InputError(`${name} nests too deep at ${at}: at most ${MAX_PREDICATE_DEPTH} levels`);
  };

  const predicate = (value: unknown, at: string, depth: number): Predicate => {
    count(at, depth);
    if (!isObject(value)) throw new InputError(`${at} must be an object`);
    const keys = Object.keys(value);
    const logic = keys.find((k) => LOGIC.includes(k));
    if (logic !== undefined) {
      if (keys.length !== 1)
        throw new InputError(
          `${at}: ${logic} must be the only key of its object; wrap in $all to combine it with other conditions`,
        );
      const operand = value[logic];
      if (logic === '$not') return { not: predicate(operand, `${at}.$not`, depth + 1) };
      if (!Array.isArray(operand)) throw new InputError(`${at}.${logic} must be an array`);
      const parts = operand.map((p, i) => predicate(p, `${at}.${logic}[${i}]`, depth + 1));
      return logic === '$all' ? { all: parts } : { any: parts };
    }
    const operator = keys.find((k) => k.startsWith('$'));
    if (operator !== undefined) throw new InputError(`${at}: unknown operator ${operator.slice(0, 50)}`);
    const parts = keys.map((key) => matcher(key.toLowerCase(), value[key], `${at}["${key}"]`, depth + 1));
    return parts.length === 1 ? parts[0]! : { all: parts };
  };

  const matcher = (key: string, value: unknown, at: string, depth: number): Predicate => {
    count(at, depth);
    if (key === '') throw new InputError(`${at}: a key must not be empty`);
    if (isPrimitive(value)) return { key, values: [text(value)] };
    if (!isObject(value)) throw new InputError(`${at} must be a string, number, boolean or one matcher`);
    const ops = Object.keys(value);
    if (ops.length !== 1 || !ops[0]!.startsWith('$'))
      throw new InputError(`${at} must hold exactly one of $exists, $in, $hasPrefix, $contains`);
    const op = ops[0]!;
    const operand = value[op];
    switch (op) {
      case '$exists':
        if (typeof operand !== 'boolean') throw new InputError(`${at}.$exists must be true or false`);
        return operand ? { key, exists: true } : { not: { key, exists: true } };
      case '$in':
        if (!Array.isArray(operand) || !operand.every(isPrimitive))
          throw new InputError(`${at}.$in must be an array of strings, numbers or booleans`);
        count(at, depth, operand.length);
        return { key, values: [...new Set(operand.map(text))] };
      case '$hasPrefix':
        if (typeof operand !== 'string') throw new InputError(`${at}.$hasPrefix must be a string`);
        return { key, prefix: operand.toLowerCase() };
      case '$contains':
        return contains(key, operand, `${at}.$contains`, depth + 1);
      default:
        throw new InputError(`${at}: unknown matcher ${op.slice(0, 50)}`);
    }
  };

  /**
   * An item of a list. The rows hold a list of strings under its own key, one row per item, and
   * relations as `relations.<type>` = target; other item shapes have no rows to match.
   */
  const contains = (key: string, operand: unknown, at: string, depth: number): Predicate => {
    count(at, depth);
    if (isPrimitive(operand)) return { key, values: [text(operand)] };
    if (isObject(operand)) {
      const keys = Object.keys(operand);
      if (
        keys.length === 1 &&
        (keys[0] === '$any' || keys[0] === '$all') &&
        Array.isArray(operand[keys[0]])
      ) {
        const items = operand[keys[0]] as unknown[];
        const parts = items.map((item, i) => contains(key, item, `${at}.${keys[0]}[${i}]`, depth + 1));
        return keys[0] === '$any' ? { any: parts } : { all: parts };
      }
      if (keys.length === 1 && keys[0] === '$not')
        return { not: contains(key, operand.$not, `${at}.$not`, depth + 1) };
      const type = operand.type;
      const target = operand.targetRef;
      if (
        key === 'relations' &&
        typeof type === 'string' &&
        type &&
        keys.every((k) => k === 'type' || k === 'targetRef')
      )
        return typeof target === 'string'
          ? { key: `relations.${type.toLowerCase()}`, values: [target.toLowerCase()] }
          : { key: `relations.${type.toLowerCase()}`, exists: true };
    }
    throw new InputError(
      `${at}: $contains takes a string, number or boolean (or $any/$all/$not of them), or on relations {"type", "targetRef"}`,
    );
  };

  return predicate(input, name, 0);
}

/** The `filter=` parameters as a predicate: any of the filters, all of each one's statements. */
export function filterToPredicate(filter: FilterQuery): Predicate {
  return {
    any: filter.map((statements) => ({
      all: statements.map((c) =>
        c.exists || !c.values ? { key: c.key, exists: true as const } : { key: c.key, values: c.values },
      ),
    })),
  };
}

/** Both, when both are given (Backstage's client sends `filter` and `query` as `$all` of them). */
export function bothPredicates(a: Predicate | undefined, b: Predicate | undefined): Predicate | undefined {
  return a && b ? { all: [a, b] } : (a ?? b);
}

/** Whether rows (key → lower-case values present) match: the same answer the store's SQL gives. */
export function matchesPredicate(p: Predicate, rows: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  if ('all' in p) return p.all.every((q) => matchesPredicate(q, rows));
  if ('any' in p) return p.any.some((q) => matchesPredicate(q, rows));
  if ('not' in p) return !matchesPredicate(p.not, rows);
  const values = rows.get(p.key);
  if (!values || values.size === 0) return false;
  if ('exists' in p) return true;
  if ('prefix' in p) return [...values].some((v) => v.startsWith(p.prefix));
  return p.values.some((v) => values.has(v));
}
