// Kubernetes resource quantities (`250m`, `1Gi`, `1.5k`, `1e3`) as plain numbers. Numbers lose
// the exactness of the apiserver's decimal representation, which is fine for comparisons and
// ratios; never round-trip a parsed value back into an object.

// The grammar is Kubernetes' (k8s.io/apimachinery resource.ParseQuantity): an optional sign,
// digits with an optional fraction, then a binary suffix (Ki..Ei), a decimal suffix (n u m k M G T
// P E) or a decimal exponent (e3, E-3). Like Kubernetes, the value is rounded up (away from zero)
// to a whole nano, and a binary quantity saturates at the int64 maximum. Surrounding whitespace is
// trimmed, as Kubernetes does when it reads a quantity from JSON (which is where ours come from).
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

const BINARY_POWER: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_POWER: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const INT64_MAX_NANOS = (2n ** 63n - 1n) * 10n ** 9n;

/** The numeric value of a quantity, or undefined when it is not one. */
export function parseQuantity(input: string | number | undefined | null): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m = QUANTITY.exec(input.trim());
  if (!m) return undefined;
  const [, sign, whole = '', fraction = '', exponent, suffix = ''] = m;
  if (
    whole === '' &&
    fraction === '' &&
    !(input.trim().includes('.') && exponent === undefined && suffix === '')
  ) {
    return undefined;
  }
  const negative = sign === '-';
  // Fast path for the usual `250m`, `512Mi`, `2`: an exact integer and one correctly rounded
  // multiplication or division give the same number as the exact path below.
  if (fraction === '' && exponent === undefined && whole.length <= 15) {
    const n = Number(whole);
    const binaryPower = BINARY_POWER[suffix];
    const v =
      binaryPower !== undefined
        ? n * 2 ** Number(binaryPower)
        : (DECIMAL_POWER[suffix] as number) >= 0
          ? n * 10 ** (DECIMAL_POWER[suffix] as number)
          : n / 10 ** -(DECIMAL_POWER[suffix] as number);
    if (v === 0) return 0;
    if (v < 2 ** 62) return negative ? -v : v;
  }
  // value = digits * 10^scale * 2^binary, exactly, in nanos: rounded up away from zero.
  const digits = BigInt(`${whole}${fraction}` || '0');
  let scale = -fraction.length + (exponent !== undefined ? Number(exponent.slice(1)) : 0);
  let binary = 0n;
  if (exponent === undefined) {
    if (suffix in BINARY_POWER) binary = BINARY_POWER[suffix] as bigint;
    else scale += DECIMAL_POWER[suffix] as number;
  }
  if (Math.abs(scale) > 400) return undefined;
  let numerator = digits * 2n ** binary;
  let denominator = 1n;
  const nanoScale = scale + 9;
  if (nanoScale >= 0) numerator *= 10n ** BigInt(nanoScale);
  else denominator = 10n ** BigInt(-nanoScale);
  let nanos = (numerator + denominator - 1n) / denominator;
  // Binary quantities saturate at the int64 maximum; decimal ones do not (as Kubernetes).
  if (binary > 0n && nanos > INT64_MAX_NANOS) nanos = INT64_MAX_NANOS;
  if (nanos === 0n) return 0;
  const value = Number(`${nanos}e-9`);
  return negative ? -value : value;
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
