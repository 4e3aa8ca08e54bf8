// What a live stream sends after its first document: the changes, not the whole document again.
//
// The format is a subset of JSON Patch (RFC 6902), so any JSON Patch library can apply it too:
// an array of operations, applied in order, each with a JSON Pointer `path` (RFC 6901: `/`
// between keys, `~1` for a `/` and `~0` for a `~` inside a key; `""` is the whole document):
//
//   { "op": "replace", "path": "/clusters/3/items/0/replicas/ready", "value": 2 }
//   { "op": "add",     "path": "/clusters/3/errors/0/kind", "value": "Pod" }   (a new object key)
//   { "op": "remove",  "path": "/summary/drift" }                              (an object key gone)
//
// How `diffJson` chooses operations, so that a small change to a large document is a small patch:
// - objects are compared key by key: a key only in `after` is `add`, a key only in `before` is
//   `remove`, a key in both is compared recursively;
// - arrays of the same length are compared index by index; an array whose length changed is
//   replaced whole (no index shifting, so operations never depend on each other's order);
// - anything else that differs (numbers, strings, booleans, null, a type change) is `replace`d;
// - a value whose operations would take more bytes than the value itself is replaced whole.
// Values are plain JSON (what JSON.parse returns); `undefined` members are treated as absent, as
// JSON.stringify does.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type PatchOp =
  | { op: 'replace'; path: string; value: Json }
  | { op: 'add'; path: string; value: Json }
  | { op: 'remove'; path: string };

export type JsonPatch = PatchOp[];

function escapeKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapeKey(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The size a value takes in JSON, roughly: what `replace` would cost. */
function size(v: Json): number {
  return JSON.stringify(v)?.length ?? 0;
}

function opsSize(ops: JsonPatch): number {
  let n = 0;
  for (const o of ops) n += o.path.length + (o.op === 'remove' ? 20 : 30 + size(o.value));
  return n;
}

function diffInto(before: Json, after: Json, path: string, out: JsonPatch): void {
  if (before === after) return;
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) {
      out.push({ op: 'replace', path, value: after });
      return;
    }
    const mine: JsonPatch = [];
    for (let i = 0; i < after.length; i++) diffInto(before[i]!, after[i]!, `${path}/${i}`, mine);
    pushSmaller(mine, path, after, out);
    return;
  }
  if (isObject(before) && isObject(after)) {
    const mine: JsonPatch = [];
    for (const key of Object.keys(before)) {
      if (before[key] === undefined) continue;
      if (after[key] === undefined) mine.push({ op: 'remove', path: `${path}/${escapeKey(key)}` });
    }
    for (const key of Object.keys(after)) {
      const a = after[key];
      if (a === undefined) continue;
      const b = before[key];
      const p = `${path}/${escapeKey(key)}`;
      if (b === undefined) mine.push({ op: 'add', path: p, value: a });
      else diffInto(b, a, p, mine);
    }
    pushSmaller(mine, path, after, out);
    return;
  }
  // Numbers, strings, booleans and null compare by value; anything else is a type change.
  if (before !== after) out.push({ op: 'replace', path, value: after });
}

function pushSmaller(ops: JsonPatch, path: string, after: Json, out: JsonPatch): void {
  if (ops.length > 1 && opsSize(ops) > size(after) + path.length + 30)
    out.push({ op: 'replace', path, value: after });
  else for (const o of ops) out.push(o);
}

/** The operations that turn `before` into `after` (empty when they are equal). */
export function diffJson(before: Json, after: Json): JsonPatch {
  const out: JsonPatch = [];
  diffInto(before, after, '', out);
  return out;
}

function parsePath(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new Error(`JSON Pointer "${path}" does not start with "/"`);
  return path.slice(1).split('/').map(unescapeKey);
}

function arrayIndex(token: string, length: number, forAdd: boolean): number {
  if (forAdd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > length || (!forAdd && i === length)) throw new Error(`index ${i} is out of bounds`);
  return i;
}

/** One operation on `node` at `tokens`, returning the new node; never changes `node`. */
function applyAt(node: Json, tokens: string[], op: PatchOp): Json {
  if (tokens.length === 0) {
    if (op.op === 'remove') throw new Error('cannot remove the whole document');
    return op.value;
  }
  const [head, ...rest] = tokens as [string, ...string[]];
  const last = rest.length === 0;
  if (Array.isArray(node)) {
    const i = arrayIndex(head, node.length, last && op.op === 'add');
    const copy = node.slice();
    if (!last) copy[i] = applyAt(node[i]!, rest, op);
    else if (op.op === 'add') copy.splice(i, 0, op.value);
    else if (op.op === 'remove') copy.splice(i, 1);
    else copy[i] = op.value;
    return copy;
  }
  if (isObject(node)) {
    const has = Object.hasOwn(node, head);
    if (!last) {
      if (!has) throw new Error(`no member "${head}"`);
      return { ...node, [head]: applyAt(node[head]!, rest, op) };
    }
    if (op.op === 'add') return { ...node, [head]: op.value };
    if (!has) throw new Error(`no member "${head}" to ${op.op}`);
    if (op.op === 'replace') return { ...node, [head]: op.value };
    const { [head]: _removed, ...others } = node;
    return others;
  }
  throw new Error(`cannot reach "${head}" inside a ${node === null ? 'null' : typeof node}`);
}

/**
 * `doc` with the operations applied in order; `doc` itself is not changed, and the parts the
 * patch does not touch are shared (a UI re-renders only what changed). Throws on an operation
 * that does not fit the document (a stream that lost its place must start over from a view).
 */
export function applyPatch<T extends Json>(doc: T, patch: readonly PatchOp[]): T {
  let out: Json = doc;
  for (const op of patch) out = applyAt(out, parsePath(op.path), op);
  return out as T;
}
