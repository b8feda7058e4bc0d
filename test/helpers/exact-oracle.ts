// The cast contract (README "Casts"), computed independently of the production SQL: JavaScript regular
// expressions, BigInt arithmetic for decimals, V8's correctly rounded Number() for doubles, an exact
// decimal-vs-dyadic comparison for floats, Date for calendars. What a source value must become in silver: NULL,
// a value (as the exact text strata query prints, or a number to compare), or a quarantined row.

export type Expect =
  | { t: 'null' }
  | { t: 'reject' }
  /** The exact text `strata query` prints (integers, decimals, booleans, dates, timestamps, strings). */
  | { t: 'text'; v: string }
  /** A double (NaN, ±0 and ±Infinity included): the printed text must read back to exactly this number. */
  | { t: 'double'; v: number }
  /** A float: the printed text must round (binary32) to exactly this number. */
  | { t: 'float'; v: number };

export type Rounding = 'half_even' | 'half_up' | undefined;

const REJECT: Expect = { t: 'reject' };
/** RE2's \s, which the contract uses for blanks (JS's \s would also take \v and Unicode spaces). */
const B = '[ \\t\\n\\r\\f]*';
const re = (body: string, flags = '') => new RegExp(`^${B}${body}${B}$`, flags);

// ---------------------------------------------------------------------------------------------------------
// Text sources

export function intFromText(text: string, bits: 32 | 64): Expect {
  const m = re('([+-]?[0-9]+)').exec(text);
  return m ? intValue(BigInt(m[1]!), bits) : REJECT;
}

export function intValue(v: bigint, bits: 32 | 64): Expect {
  const lim = 2n ** BigInt(bits - 1);
  return v >= -lim && v < lim ? { t: 'text', v: v.toString() } : REJECT;
}

interface Rational { neg: boolean; digits: bigint; exp: bigint }

/** A decimal literal (sign, digits, point, exponent, blanks) as digits × 10^exp, or undefined. */
export function parseDecimal(text: string): Rational | undefined {
  const m = re('([+-]?)([0-9]*)(?:\\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?').exec(text);
  if (!m || (m[2]! + (m[3] ?? '')) === '') return undefined;
  return { neg: m[1] === '-', digits: BigInt(m[2]! + (m[3] ?? '') || '0'), exp: BigInt(m[4] ?? '0') - BigInt((m[3] ?? '').length) };
}

const digitCount = (v: bigint) => (v === 0n ? 0 : v.toString().length);

/** decimal(p,s) of a rational: exact, or rounded when asked; undefined when it does not fit. */
export function decimalValue(r: Rational, p: number, s: number, round: Rounding): Expect {
  if (r.digits === 0n) return { t: 'text', v: decimalText(false, 0n, s) };
  const shift = r.exp + BigInt(s); // the value is digits × 10^shift units of 10^-s
  if (BigInt(digitCount(r.digits)) + r.exp > BigInt(p - s)) return REJECT;
  let units: bigint;
  if (shift >= 0n) units = r.digits * 10n ** shift;
  else if (BigInt(digitCount(r.digits)) >= -shift && r.digits % 10n ** -shift === 0n) units = r.digits / 10n ** -shift; // trailing zeros
  else {
    if (!round) return REJECT;
    const k = -shift;
    if (k > BigInt(digitCount(r.digits) + 1)) units = 0n; // below half a unit: rounds to zero either way
    else {
      const div = 10n ** k;
      const q = r.digits / div;
      const rem = r.digits % div;
      const twice = rem * 2n;
      const up = twice > div || (twice === div && (round === 'half_up' || q % 2n === 1n));
      units = q + (up ? 1n : 0n);
    }
  }
  if (units >= 10n ** BigInt(p)) return REJECT;
  return { t: 'text', v: decimalText(r.neg, units, s) };
}

export function decimalText(neg: boolean, units: bigint, s: number): string {
  const digits = units.toString().padStart(s + 1, '0');
  const body = s === 0 ? digits : `${digits.slice(0, -s)}.${digits.slice(-s)}`;
  return neg && units !== 0n ? `-${body}` : body;
}

export function decimalFromText(text: string, p: number, s: number, round: Rounding): Expect {
  const r = parseDecimal(text);
  return r ? decimalValue(r, p, s, round) : REJECT;
}

const FINITE = re('[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?');
const SPECIAL = re('([+-]?)(inf|infinity|nan)', 'i');

export function doubleFromText(text: string): Expect {
  if (FINITE.test(text)) {
    const v = Number(text.replace(/^[ \t\n\r\f]+|[ \t\n\r\f]+$/g, ''));
    return finiteOrReject(text, v);
  }
  return special(text) ?? REJECT;
}

export function floatFromText(text: string): Expect {
  if (FINITE.test(text)) {
    const r = parseDecimal(text)!;
    return finiteOrReject(text, nearestFloat(r, Number(text.replace(/^[ \t\n\r\f]+|[ \t\n\r\f]+$/g, ''))), 'float');
  }
  const s = special(text);
  return s ? { ...s, t: 'float' } as Expect : REJECT;
}

function special(text: string): { t: 'double'; v: number } | undefined {
  const m = SPECIAL.exec(text);
  if (!m) return undefined;
  if (m[2]!.toLowerCase() === 'nan') return { t: 'double', v: NaN };
  return { t: 'double', v: m[1] === '-' ? -Infinity : Infinity };
}

/** A finite text must not round to an infinity, and a non-zero one not to zero. */
function finiteOrReject(text: string, v: number, t: 'double' | 'float' = 'double'): Expect {
  if (!Number.isFinite(v)) return REJECT;
  const mantissa = text.replace(/[eE].*$/, '');
  if (v === 0 && /[1-9]/.test(mantissa)) return REJECT;
  return { t, v: v === 0 ? 0 : v }; // -0 is stored as 0
}

/**
 * The binary32 value nearest to the rational (ties to even), from V8's correctly rounded double `x` of the same
 * text: Math.fround(x) is right unless x sits exactly on the midpoint of two floats (double rounding); then the
 * rational is compared with that midpoint exactly.
 */
export function nearestFloat(r: Rational, x: number): number {
  const f = Math.fround(x);
  if (f === x || !Number.isFinite(x)) return f;
  const [lo, hi] = f < x ? [f, nextFloat(f, x)] : [nextFloat(f, x), f];
  const mid = (lo + hi) / 2; // exact in binary64 for neighbouring floats (and for the float-max/∞ boundary below)
  if (mid !== x) return f;
  const c = compareRationalDouble(r, Math.abs(mid));
  const up = r.neg ? c < 0 : c > 0;
  const down = r.neg ? c > 0 : c < 0;
  if (up) return hi;
  if (down) return lo;
  return f; // exactly the midpoint: Math.fround's ties-to-even is the rule
}

function nextFloat(f: number, towards: number): number {
  if (!Number.isFinite(f)) return f;
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  let bits = buf.getUint32(0);
  const away = (towards > f) === (f >= 0 && !Object.is(f, -0));
  if (f === 0) { buf.setUint32(0, 1); return towards > 0 ? buf.getFloat32(0) : -buf.getFloat32(0); }
  bits = away ? bits + 1 : bits - 1;
  buf.setUint32(0, bits);
  const n = buf.getFloat32(0);
  return Number.isNaN(n) ? (f > 0 ? Infinity : -Infinity) : n;
}

/** Compare |rational| with a non-negative finite double, exactly: -1, 0 or 1. */
function compareRationalDouble(r: Rational, d: number): number {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, d);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2 = e === 0 ? -1074 : e - 1075;
  if (e !== 0) mant |= 1n << 52n;
  // r.digits × 10^r.exp  vs  mant × 2^exp2, scaled to integers
  let left = r.digits;
  let right = mant;
  if (r.exp >= 0n) left *= 10n ** r.exp; else right *= 10n ** -r.exp;
  if (exp2 >= 0) right <<= BigInt(exp2); else left <<= BigInt(-exp2);
  return left === right ? 0 : left > right ? 1 : -1;
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, t: true, '1': true, false: false, f: false, '0': false };

export function booleanFromText(text: string): Expect {
  const w = text.replace(/^[ \t\n\r\f]+|[ \t\n\r\f]+$/g, '').toLowerCase();
  return w in BOOLEAN_WORDS ? { t: 'text', v: String(BOOLEAN_WORDS[w]) } : REJECT;
}

/** A calendar day in 0001-9999 as UTC milliseconds, or undefined. */
function utcDay(y: number, m: number, d: number): number | undefined {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return undefined;
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? t.getTime() : undefined;
}

export function dateFromText(text: string): Expect {
  const m = re('([0-9]{4})-([0-9]{2})-([0-9]{2})').exec(text);
  if (!m) return REJECT;
  const ms = utcDay(Number(m[1]), Number(m[2]), Number(m[3]));
  return ms === undefined ? REJECT : { t: 'text', v: isoDate(ms) };
}

export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const TS = re('([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\\.([0-9]+))?)?(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?');
const MS_MIN = utcDay(1, 1, 1)!;
const MS_MAX = utcDay(9999, 12, 31)! + 86_400_000 - 1;

export function timestampFromText(text: string, round: Rounding): Expect {
  const m = TS.exec(text);
  if (!m) return REJECT;
  const [, y, mo, d, h = '00', mi = '00', s = '00', f = '', , osg, oh = '00', om = '00'] = m;
  const day = utcDay(Number(y), Number(mo), Number(d));
  if (day === undefined || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || f.length > 9 || Number(oh) > 23 || Number(om) > 59) return REJECT;
  const ns = BigInt(f.padEnd(9, '0'));
  const offset = osg ? (osg === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const wallMs = day + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 - offset * 60_000;
  return millisValue(BigInt(wallMs) * 1_000_000n + ns, round);
}

/** Nanoseconds since the epoch → the millisecond instant under the millisecond rule, in 0001-9999. */
export function millisValue(ns: bigint, round: Rounding): Expect {
  let ms = ns / 1_000_000n;
  let rest = ns % 1_000_000n;
  if (rest < 0n) { rest += 1_000_000n; ms -= 1n; }
  if (rest !== 0n) {
    if (!round) return REJECT;
    if (rest > 500_000n || (rest === 500_000n && (round === 'half_up' || ms % 2n !== 0n))) ms += 1n;
  }
  const n = Number(ms);
  return n < MS_MIN || n > MS_MAX ? REJECT : { t: 'text', v: new Date(n).toISOString() };
}
