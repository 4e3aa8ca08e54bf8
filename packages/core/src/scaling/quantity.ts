// Kubernetes resource quantities (`250m`, `1Gi`, `1.5k`, `1e3`) as plain numbers. Numbers lose
// the exactness of the apiserver's decimal representation, which is fine for comparisons and
// ratios; never round-trip a parsed value back into an object.

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The numeric value of a quantity, or undefined when it is not one. */
export function parseQuantity(input: string | number | undefined | null): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = QUANTITY.exec(input.trim());
  if (!match) return undefined;
  const base = Number(match[1]);
  if (!Number.isFinite(base)) return undefined;
  if (match[2]) return base * 10 ** Number(match[2].slice(1));
  const factor = SUFFIX[match[3] ?? ''];
  return factor === undefined ? undefined : base * factor;
}

const BINARY = [
  ['Ei', 1024 ** 6],
  ['Pi', 1024 ** 5],
  ['Ti', 1024 ** 4],
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
] as const;
const DECIMAL = [
  ['E', 1e18],
  ['P', 1e15],
  ['T', 1e12],
  ['G', 1e9],
  ['M', 1e6],
  ['k', 1e3],
  ['', 1],
  ['m', 1e-3],
  ['u', 1e-6],
  ['n', 1e-9],
] as const;

function trim(n: number): string {
  return String(Number(n.toFixed(2)));
}

/** A short human form: bytes in binary units, everything else in decimal units. */
export function formatQuantity(value: number, unit: 'bytes' | 'decimal' = 'decimal'): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (unit === 'bytes') {
    for (const [suffix, factor] of BINARY) if (abs >= factor) return `${trim(value / factor)}${suffix}`;
    return trim(value);
  }
  for (const [suffix, factor] of DECIMAL) if (abs >= factor) return `${trim(value / factor)}${suffix}`;
  return trim(value);
}
