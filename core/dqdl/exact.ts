// Decimal text compared exactly, for metrics a double cannot hold: a sum of integers or decimals beyond 2^53, a
// CustomSql value of BIGINT, HUGEINT or DECIMAL(38, s). The engine gives such a metric as text too (DuckDB's VARCHAR
// of the sum, Athena's result cell), and a DQDL literal is text as written; both become an integer scaled by a power
// of ten (BigInt), so `Sum "qty" = 9007199254740993` fails at 9007199254740992, which as doubles are one number.

/**
 * A FLOAT (Athena: REAL) cell, a binary32 value, as an engine's rule runner hands it over. SQL compares a FLOAT with
 * a literal written without an exponent as a FLOAT too, the literal rounded to binary32 (DuckDB and Trino alike:
 * `CAST(0.1 AS REAL) = 0.1` is true), and with a DOUBLE (a literal with an exponent, `1e-1`) as doubles.
 */
export class Binary32 {
  readonly value: number;
  constructor(value: number) { this.value = value; }
}

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
 * A number literal as written, without the parentheses around all of it and with its signs, however spaced or
 * nested, folded into one: `(9007199254740993)` → `9007199254740993`, `- 9007199254740993` and `-(9007199254740993)`
 * → `-9007199254740993`, `-(-5)` → `5`; undefined when what remains is not a decimal (arithmetic such as `1 + 2` or
 * `(1) + (2)`, a function, a dynamic value).
 */
export function plainLiteral(text: string): string | undefined {
  let t = text.trim();
  let negative = false;
  for (;;) {
    if (t.startsWith('(') && t.endsWith(')') && closesAtEnd(t)) t = t.slice(1, -1).trim();
    else if (/^[+-]/.test(t)) {
      if (t[0] === '-') negative = !negative;
      t = t.slice(1).trim();
    } else break;
  }
  if (!/^[\d.]/.test(t) || !parseDecimal(t)) return undefined;
  return negative ? `-${t}` : t;
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

/** The double `n` (finite) as the decimal it is exactly: every double is M × 2^E, and 2^-k = 5^k × 10^-k. */
export function doubleDecimal(n: number): Decimal {
  let k = 0;
  let x = n;
  while (!Number.isInteger(x)) { x *= 2; k++; } // exact: doubling only moves the exponent
  return { m: BigInt(x) * 5n ** BigInt(k), scale: k };
}

/** The largest finite binary32: (2 − 2^-23) × 2^127. */
const MAX_BINARY32 = (2 - 2 ** -23) * 2 ** 127;

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** The binary32 next to the finite binary32 `f`, one step up or down. */
function nextBinary32(f: number, up: boolean): number {
  if (f === 0) return (up ? 1 : -1) * 2 ** -149;
  F32[0] = f;
  U32[0]! += (f > 0) === up ? 1 : -1;
  return F32[0]!;
}

/**
 * The binary32 nearest the decimal `text` (ties to even), rounded once, as IEEE 754 and a VARCHAR → FLOAT cast round
 * it: Math.fround(Number(text)) rounds twice, and errs where the text lies just off a midpoint between two binary32
 * values that its nearest double is exactly (0.10000000521540641784667968749999 reads as the double of the midpoint
 * between 0.1's binary32 and the next, which ties to even, up, though the text is below it). Beyond binary32's range: ±Infinity. undefined for
 * text that is not a decimal (parseDecimal).
 */
export function nearestBinary32(text: string): number | undefined {
  const d = parseDecimal(text);
  if (!d) return undefined;
  const x = Number(text.trim());
  const f = Math.fround(x);
  if (!Number.isFinite(f) && Number.isFinite(x)) {
    // Past the largest binary32 by half its last unit or more: ±∞, unless x is that bound exactly (2^128 − 2^103)
    // and the text is below it, which fround ties to ∞ (the even side).
    const bound = 2 ** 128 - 2 ** 103;
    return Math.abs(x) === bound && compareDecimal(d.m < 0n ? { m: -d.m, scale: d.scale } : d, doubleDecimal(bound)) < 0 ? Math.sign(x) * MAX_BINARY32 : f;
  }
  if (f === x || !Number.isFinite(f) || !Number.isFinite(x)) return f;
  const g = nextBinary32(f, x > f);
  if ((f + g) / 2 !== x) return f; // x is not a midpoint: one rounding, the nearest
  const side = compareDecimal(d, doubleDecimal(x));
  if (side === 0) return f; // a true tie, which fround broke to even
  return (side > 0) === (g > f) ? g : f;
}


/** A rational number n / d (d > 0): a dynamic condition's arithmetic, exactly (core/dqdl/dynamic.ts). */
export interface Rational {
  n: bigint;
  d: bigint;
}

/** A rational as text, `n/d` (a compiled ruleset is plain data: core/dqdl/expectation.ts Expectation.exact). */
export function rationalString(r: Rational): string {
  return `${r.n}/${r.d}`;
}

/** The rational of rationalString's text. */
export function parseRational(text: string): Rational {
  const [n, d] = text.split('/');
  return { n: BigInt(n!), d: BigInt(d!) };
}

export function rationalOf(x: Decimal): Rational {
  return reduced({ n: x.m, d: 10n ** BigInt(x.scale) });
}

/** The rational in lowest terms. */
export function reduced(r: Rational): Rational {
  let a = r.n < 0n ? -r.n : r.n;
  let b = r.d;
  while (b) [a, b] = [b, a % b];
  return a > 1n ? { n: r.n / a, d: r.d / a } : r;
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function compareRational(a: Rational, b: Rational): -1 | 0 | 1 {
  const x = a.n * b.d;
  const y = b.n * a.d;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The rational as decimal text when its expansion ends within `maxDigits` digits after the point (3/8 → 0.375), else
 * undefined (1/3).
 */
export function rationalText(r: Rational, maxDigits = 40): string | undefined {
  let { n, d } = r;
  const negative = n < 0n;
  if (negative) n = -n;
  let scale = 0;
  while (n % d !== 0n) {
    if (scale === maxDigits) return undefined;
    n *= 10n;
    scale++;
  }
  const digits = (n / d).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative && text !== '0' ? `-${text}` : text;
}

/**
 * The double nearest the rational (ties to even): its decimal text read once by Number, exact where the decimal
 * ends; else 60 significant digits of it (a value that does not end is no tie between two doubles).
 */
export function nearestDouble(r: Rational): number {
  return Number(approximateText(r));
}

/** The rational as decimal text: exactly where it ends within 400 digits, else its first 60 significant digits. */
export function approximateText(r: Rational): string {
  const exact = rationalText(r, 400);
  if (exact !== undefined) return exact;
  const negative = r.n < 0n;
  const n = negative ? -r.n : r.n;
  const shift = 60 + Math.max(0, r.d.toString().length - n.toString().length);
  const digits = ((n * 10n ** BigInt(shift)) / r.d).toString();
  return `${negative ? '-' : ''}${digits}e-${shift}`;
}
