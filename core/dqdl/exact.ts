// Decimal text compared exactly, for metrics a double cannot hold: a sum of integers or decimals beyond 2^53, a
// CustomSql value of BIGINT, HUGEINT or DECIMAL(38, s). The engine gives such a metric as text too (DuckDB's VARCHAR
// of the sum, Athena's result cell), and a DQDL literal is text as written; both become an integer scaled by a power
// of ten (BigInt), so `Sum "qty" = 9007199254740993` fails at 9007199254740992, which as doubles are one number.

/** A decimal as an integer and a power of ten: value = m × 10^-scale. */
export interface Decimal {
  m: bigint;
  scale: number;
}

/** Exponents beyond this are not aligned digit by digit (10^±4000 would be a 13,000-bit integer): not a decimal here. */
const MAX_EXPONENT = 400;

/**
 * `text` as a Decimal: an optional sign, digits with an optional fraction, an optional exponent (`-12.50`, `1e21`,
 * `.5`, `+3E-2`); surrounding blanks ignored. undefined for anything else (NaN, Infinity, hex, an empty string) and for
 * exponents beyond ±400.
 */
export function parseDecimal(text: string): Decimal | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  if (int === '' && frac === '') return undefined;
  const e = exp === undefined ? 0 : Number(exp);
  if (!Number.isSafeInteger(e) || Math.abs(e) > MAX_EXPONENT) return undefined;
  let digits = BigInt(`${int}${frac}` || '0');
  let scale = frac.length - e;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { m: sign === '-' ? -digits : digits, scale };
}

/**
 * A number literal as written, without the parentheses around all of it: `(9007199254740993)` → `9007199254740993`;
 * undefined when what remains is not a decimal (arithmetic such as `1 + 2` or `(1) + (2)`, a function, a dynamic value).
 */
export function plainLiteral(text: string): string | undefined {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')') && closesAtEnd(t)) t = t.slice(1, -1).trim();
  return parseDecimal(t) ? t : undefined;
}

/** Whether the parenthesis opening `t` is the one closing it. */
function closesAtEnd(t: string): boolean {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0) return i === t.length - 1;
  }
  return false;
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const s = Math.max(a.scale, b.scale);
  const x = a.m * 10n ** BigInt(s - a.scale);
  const y = b.m * 10n ** BigInt(s - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether the double `n` reads as the value `d`: its shortest text (what messages print) denotes exactly that value.
 * 0.1 does for 0.1; 9007199254740992 does not for 9007199254740993.
 */
export function readsAs(n: number, d: Decimal): boolean {
  if (!Number.isFinite(n)) return false;
  const shortest = parseDecimal(String(n));
  return shortest !== undefined && compareDecimal(shortest, d) === 0;
}
