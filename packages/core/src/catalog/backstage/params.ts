// The query grammar of Backstage's catalog API, parsed into plain data. The grammar and its error
// cases follow Backstage's catalog backend (plugins/catalog-backend/src/service/request,
// parseEntityFilterParams, parseEntityOrderParams, parseEntityTransformParams, v1.x):
//   filter=kind=component,spec.type=service   one filter: all of its statements must match
//   filter=a=1&filter=b=2                     several filters: any of them may match
//   filter=a=1,a=2                            the same key twice in one filter: either value
//   filter=metadata.annotations.x             a key alone: the entity has a value there
//   fields=kind,metadata.name                 only these parts of each entity
//   order=asc:metadata.name (GET /entities), orderField=metadata.name,asc (by-query)
import { InputError } from '../../errors.ts';

/** One statement of a filter: the key has one of `values`, or (exists) any value at all. */
export interface FieldCondition {
  key: string;
  values?: string[];
  exists?: true;
}

/** Any of the outer entries matches when all of its conditions do. Keys and values lower-case. */
export type FilterQuery = FieldCondition[][];

export interface OrderField {
  field: string;
  order: 'asc' | 'desc';
}

/** A query parameter that may be absent, given once, or repeated. */
export function stringsParam(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string')) throw new InputError(`${name} must be a string or strings`);
  return list as string[];
}

export function parseFilterString(text: string): FieldCondition[] | undefined {
  const statements = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (statements.length === 0) return undefined;
  const byKey = new Map<string, FieldCondition>();
  for (const statement of statements) {
    const eq = statement.indexOf('=');
    const key = (eq === -1 ? statement : statement.slice(0, eq)).trim().toLowerCase();
    if (!key) {
      throw new InputError(
        `Invalid filter, '${statement}' is not a valid statement (expected a string on the form a=b or a= or a)`,
      );
    }
    const condition = byKey.get(key) ?? { key };
    byKey.set(key, condition);
    if (eq === -1) {
      condition.exists = true;
      continue;
    }
    condition.values = [
      ...(condition.values ?? []),
      statement
        .slice(eq + 1)
        .trim()
        .toLowerCase(),
    ];
  }
  return [...byKey.values()];
}

/** `filter` query parameters; undefined when there is nothing to filter on. */
export function parseFilterParams(filters: string[] | undefined): FilterQuery | undefined {
  const parsed = (filters ?? []).map(parseFilterString).filter((f) => f !== undefined);
  return parsed.length > 0 ? parsed : undefined;
}

/** `fields` query parameters (repeated or comma-separated); undefined means whole entities. */
export function parseFieldsParams(fields: string[] | undefined): string[] | undefined {
  const list = (fields ?? [])
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}

const order = (value: string, statement: string): 'asc' | 'desc' => {
  const o = value.trim().toLowerCase();
  if (o !== 'asc' && o !== 'desc') {
    throw new InputError(`Invalid order '${statement}': the direction must be asc or desc`);
  }
  return o;
};

/** GET /entities: `order=asc:metadata.name`, repeatable. */
export function parseOrderParams(values: string[] | undefined): OrderField[] {
  return (values ?? []).map((statement) => {
    const colon = statement.indexOf(':');
    const field = statement.slice(colon + 1).trim();
    if (colon === -1 || !field) {
      throw new InputError(
        `Invalid order '${statement}' (expected a string on the form asc:field or desc:field)`,
      );
    }
    return { order: order(statement.slice(0, colon), statement), field: field.toLowerCase() };
  });
}

/** GET /entities/by-query: `orderField=metadata.name,asc`, repeatable; direction defaults to asc. */
export function parseOrderFieldParams(values: string[] | undefined): OrderField[] {
  return (values ?? []).map((statement) => {
    const [field = '', direction, ...rest] = statement.split(',');
    if (!field.trim() || rest.length > 0) {
      throw new InputError(`Invalid orderField '${statement}' (expected field or field,asc or field,desc)`);
    }
    return {
      field: field.trim().toLowerCase(),
      order: direction === undefined ? 'asc' : order(direction, statement),
    };
  });
}

/**
 * Only the given dotted paths of an object, each copied whole (`metadata` keeps all metadata,
 * `metadata.name` only the name). Paths that lead nowhere add nothing.
 */
export function pickFields<T extends object>(value: T, fields: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const path = field.split('.');
    let from: unknown = value;
    for (const part of path) {
      from =
        typeof from === 'object' && from !== null && Object.hasOwn(from, part)
          ? (from as Record<string, unknown>)[part]
          : undefined;
    }
    if (from === undefined) continue;
    let to = out;
    for (const part of path.slice(0, -1)) {
      if (typeof to[part] !== 'object' || to[part] === null) to[part] = {};
      to = to[part] as Record<string, unknown>;
    }
    to[path.at(-1)!] = from;
  }
  return out as Partial<T>;
}
