// The three patch flavours the API server accepts. Strategic merge patch is approximated by
// merge keys chosen by field name (what kubectl set image / rollout restart / annotate send);
// lists without a known merge key are replaced, as real SMP does for atomic lists.

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

export class PatchError extends Error {}

/** RFC 7386. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  if (field === 'ports') {
    const first = items.find(isObject);
    if (first && 'containerPort' in first) return 'containerPort';
    if (first && 'port' in first) return 'port';
    return undefined;
  }
  return MERGE_KEYS[field];
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v)) {
      const key = mergeKeyFor(k, [...v, ...(Array.isArray(cur) ? cur : [])]);
      if (key && Array.isArray(cur)) {
        const merged = cur.slice();
        for (const item of v) {
          if (!isObject(item)) continue;
          const idx = merged.findIndex((m) => isObject(m) && m[key] === item[key]);
          if (item.$patch === 'delete') {
            if (idx >= 0) merged.splice(idx, 1);
          } else if (idx >= 0) merged[idx] = strategicMergePatch(merged[idx], item);
          else merged.push(stripDirectives(item));
        }
        out[k] = merged;
      } else {
        out[k] = v.map(stripDirectives);
      }
      continue;
    }
    const next = strategicMergePatch(cur, v);
    if (next === undefined) delete out[k];
    else out[k] = next;
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[]): { parent: Json; last: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else throw new PatchError(`path not found: /${parts.join('/')}`);
    if (cur === undefined) throw new PatchError(`doc is missing path: /${parts.join('/')}`);
  }
  return { parent: cur, last: parts[parts.length - 1]! };
}

function getAt(doc: Json, path: string): Json {
  let cur = doc;
  for (const p of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** RFC 6902, applied to a deep copy. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of ops as JsonPatchOp[]) {
    const parts = pointer(raw.path);
    const remove = () => {
      const { parent, last } = parentOf(doc, parts);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (isObject(parent) && last in parent) delete parent[last];
      else throw new PatchError(`unable to remove nonexistent key: ${last}`);
    };
    const add = (value: Json) => {
      if (parts.length === 0) {
        doc = value;
        return;
      }
      const { parent, last } = parentOf(doc, parts);
      if (Array.isArray(parent)) {
        if (last === '-') parent.push(value);
        else parent.splice(Number(last), 0, value);
      } else if (isObject(parent)) parent[last] = value;
      else throw new PatchError(`add operation does not apply: doc is missing path: ${raw.path}`);
    };
    switch (raw.op) {
      case 'add':
        add(structuredClone(raw.value));
        break;
      case 'remove':
        remove();
        break;
      case 'replace': {
        if (getAt(doc, raw.path) === undefined) {
          throw new PatchError(`replace operation does not apply: doc is missing key: ${raw.path}`);
        }
        if (parts.length === 0) {
          doc = structuredClone(raw.value);
          break;
        }
        const { parent, last } = parentOf(doc, parts);
        if (Array.isArray(parent)) parent[Number(last)] = structuredClone(raw.value);
        else (parent as JsonObject)[last] = structuredClone(raw.value);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new PatchError(`testing value ${raw.path} failed`);
        }
        break;
      case 'move':
      case 'copy': {
        const value = structuredClone(getAt(doc, raw.from ?? ''));
        if (raw.op === 'move') {
          const from = pointer(raw.from ?? '');
          const { parent, last } = parentOf(doc, from);
          if (Array.isArray(parent)) parent.splice(Number(last), 1);
          else if (isObject(parent)) delete parent[last];
        }
        add(value);
        break;
      }
      default:
        throw new PatchError(`unexpected op ${raw.op}`);
    }
  }
  return doc;
}

export function applyPatch(contentType: string, target: Json, patch: Json): Json {
  const ct = contentType.split(';')[0]!.trim();
  if (ct === 'application/json-patch+json') return jsonPatch(target, patch);
  if (ct === 'application/merge-patch+json') return mergePatch(target, patch);
  if (ct === 'application/strategic-merge-patch+json') return strategicMergePatch(target, patch);
  if (ct === 'application/apply-patch+yaml')
    throw new PatchError('server-side apply is not supported by the simulator');
  throw new PatchError(`the server does not support patch type ${ct}`);
}
