// Backstage's substitution placeholders in descriptors: a mapping with a single key `$text`,
// `$json` or `$yaml` stands for the content of the file or URL it names (as text, or parsed).
// Reading is I/O and belongs to the server; here a document's placeholders are found, replaced by
// the values the caller looked up, and those it could not look up are kept as they are written
// (a reference), so a placeholder never makes an otherwise valid entity invalid.

export type PlaceholderKind = 'text' | 'json' | 'yaml';

export interface Placeholder {
  kind: PlaceholderKind;
  /** As written: a path relative to the descriptor, or a URL. */
  target: string;
}

/** What the caller found for a placeholder: its value, or why there is none (kept as written). */
export type PlaceholderValue = { value: unknown } | { warning: string };

export type PlaceholderLookup = (placeholder: Placeholder) => PlaceholderValue | undefined;

export interface FoundPlaceholder extends Placeholder {
  path: (string | number)[];
}

export interface Substituted {
  /** The document with every placeholder replaced: by its value, or by a stand-in to validate. */
  value: unknown;
  found: FoundPlaceholder[];
  /** Placeholders kept as written, and why. */
  warnings: { path: (string | number)[]; message: string }[];
  /** Puts the placeholders that were kept back into the validated entity. */
  restore<T>(entity: T): T;
}

const KINDS: Record<string, PlaceholderKind> = { $text: 'text', $json: 'json', $yaml: 'yaml' };

export const placeholderKey = (p: Placeholder) => `${p.kind}\0${p.target}`;

function asPlaceholder(node: unknown): Placeholder | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const kind = KINDS[keys[0]!];
  const target = (node as Record<string, unknown>)[keys[0]!];
  return kind && typeof target === 'string' ? { kind, target } : undefined;
}

/** Cheap pre-check on the raw text, so files without placeholders skip the walk. */
export function mayHavePlaceholders(text: string): boolean {
  return /\$(?:text|json|yaml)\b/.test(text);
}

export function substitutePlaceholders(doc: unknown, lookup?: PlaceholderLookup): Substituted {
  const found: FoundPlaceholder[] = [];
  const warnings: Substituted['warnings'] = [];
  const kept: { path: (string | number)[]; original: unknown }[] = [];
  const visit = (node: unknown, path: (string | number)[]): unknown => {
    const placeholder = asPlaceholder(node);
    if (placeholder) {
      found.push({ ...placeholder, path });
      const result = lookup?.(placeholder);
      if (result && 'value' in result) return result.value;
      kept.push({ path, original: node });
      if (result) warnings.push({ path, message: result.warning });
      // A non-empty string stands in while validating: the field is written, only not read yet.
      return placeholder.target || `$${placeholder.kind}`;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, [...path, k])]));
    }
    return node;
  };
  const value = visit(doc, []);
  return {
    value,
    found,
    warnings,
    restore<T>(entity: T): T {
      for (const { path, original } of kept) {
        let parent: unknown = entity;
        for (const part of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)?.[part];
        if (typeof parent === 'object' && parent !== null) {
          (parent as Record<string | number, unknown>)[path.at(-1)!] = original;
        }
      }
      return entity;
    },
  };
}
