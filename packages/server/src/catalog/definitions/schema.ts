// Dereferenced schemas can be cyclic (a Node refers to its children, which are Nodes) and very
// large (one shared schema expanded under every operation). What is stored and sent is bounded.

const MAX_DEPTH = 12;
const MAX_NODES = 4000;

/** A JSON-safe copy of a schema: cycles become `{$ref: '(circular)'}`, depth and size are capped. */
export function boundedSchema(value: unknown): unknown {
  let nodes = 0;
  const onPath = new Set<object>();
  const copy = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') {
      return typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint' ? String(v) : v;
    }
    if (onPath.has(v)) return { $ref: '(circular)' };
    if (depth >= MAX_DEPTH || nodes >= MAX_NODES) return { '…': 'truncated' };
    nodes++;
    onPath.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => copy(item, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = copy(item, depth + 1);
      return out;
    } finally {
      onPath.delete(v);
    }
  };
  return copy(value, 0);
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const optionalString = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 500);
}
