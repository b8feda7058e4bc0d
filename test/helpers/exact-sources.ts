// Silver columns under test and the source values fed to them, canonical and odd: every text a CSV field, a JSON
// string or a Parquet string may hold, JSON number and boolean literals, and typed Parquet values. Each source
// value knows what the contract (exact-oracle.ts) says it must become in each column.
import fc from 'fast-check';
import {
  booleanFromText, dateFromText, decimalFromText, decimalText, decimalValue, doubleFromText, floatFromText, intFromText, intValue,
  isoDate, millisValue, nearestFloat, parseDecimal, timestampFromText, type Expect, type Rounding,
} from './exact-oracle.ts';

export interface SilverColumn {
  name: string;
  type: string;
  round?: 'half_even' | 'half_up';
  /** The contract for a text source (CSV field, JSON string or number literal, Parquet string). */
  fromText: (text: string) => Expect;
}

const decimalColumn = (name: string, p: number, s: number, round?: 'half_even' | 'half_up'): SilverColumn =>
  ({ name, type: `decimal(${p},${s})`, ...(round ? { round } : {}), fromText: (t) => decimalFromText(t, p, s, round) });

export const COLUMNS: SilverColumn[] = [
  { name: 's', type: 'string', fromText: (t) => ({ t: 'text', v: t }) },
  { name: 'b', type: 'boolean', fromText: booleanFromText },
  { name: 'i', type: 'int', fromText: (t) => intFromText(t, 32) },
  { name: 'l', type: 'bigint', fromText: (t) => intFromText(t, 64) },
  { name: 'd', type: 'double', fromText: doubleFromText },
  { name: 'f', type: 'float', fromText: floatFromText },
  decimalColumn('n', 9, 2),
  decimalColumn('w', 38, 10),
  decimalColumn('r', 7, 2, 'half_even'),
  decimalColumn('u', 5, 0, 'half_up'),
  { name: 'dt', type: 'date', fromText: dateFromText },
  { name: 'ts', type: 'timestamp', fromText: (t) => timestampFromText(t, undefined) },
  { name: 'tr', type: 'timestamp', round: 'half_even', fromText: (t) => timestampFromText(t, 'half_even') },
];

export const column = (name: string): SilverColumn => COLUMNS.find((c) => c.name === name)!;

// ---------------------------------------------------------------------------------------------------------
// Texts

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const digits = (min: number, max: number) => fc.string({ unit: pick(...'0123456789'), minLength: min, maxLength: max });
const blank = pick('', '', '', ' ', '  ', '\t', ' \t');
const sign = pick('', '', '-', '+');
const withBlanks = (a: fc.Arbitrary<string>) => fc.tuple(blank, a, blank).map(([x, v, y]) => `${x}${v}${y}`);
const randomCase = (w: string) => fc.array(fc.boolean(), { minLength: w.length, maxLength: w.length }).map((up) => [...w].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

const integerText = fc.oneof(
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
  fc.integer({ min: -2_147_483_649, max: 2_147_483_648 }).map(String),
  pick('2147483647', '-2147483648', '2147483648', '-2147483649', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '0', '-0', '+0'),
  fc.tuple(blank, sign, pick('', '0', '000'), digits(1, 20), blank).map((x) => x.join('')),
  fc.tuple(sign, digits(1, 6), pick('.', '.0', '.5', '.00', '.25'), ).map((x) => x.join('')),
  fc.tuple(sign, digits(1, 3), pick('e', 'E'), pick('', '+', '-'), digits(1, 2)).map((x) => x.join('')),
  fc.tuple(pick('0x', '0X', '0b', '0o'), fc.string({ unit: pick(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 8 })).map((x) => x.join('')),
  fc.tuple(digits(1, 3), pick(',', '_', ' ', "'"), digits(3, 3)).map((x) => x.join('')),
  digits(25, 60),
);

const decimalTextArb = fc.oneof(
  fc.tuple(blank, sign, digits(0, 12), fc.option(fc.tuple(pick('.'), digits(0, 14)).map((x) => x.join('')), { nil: '' }),
    fc.option(fc.tuple(pick('e', 'E'), pick('', '+', '-'), digits(1, 3)).map((x) => x.join('')), { nil: '' }), blank).map((x) => x.join('')),
  fc.tuple(sign, digits(1, 30), pick('.'), digits(1, 30)).map((x) => x.join('')),
  fc.tuple(digits(1, 5), pick('.'), digits(1, 3), pick('5', '50', '500', '49', '51')).map((x) => x.join('')),
  pick('3.05', '6.15', '0.25', '-0.25', '0.35', '2.5e-1', '9999.95', '99999.5', '1e-9999999999', '1e9999999999', '.5', '5.', '-.0', '1.5E+3', '0e99'),
);

const doubleTextArb = fc.oneof(
  fc.double().map(String),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 })).map(([v, k]) => v.toExponential(k)),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 21 })).map(([v, k]) => v.toPrecision(k)),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }), fc.integer({ min: 0, max: 25 })).map(([v, k]) => v.toFixed(k)),
  fc.float().map(String),
  fc.tuple(blank, pick('', '+', '-'), pick('nan', 'NaN', 'inf', 'Inf', 'infinity', 'Infinity', 'INF', 'NAN'), blank).map((x) => x.join('')),
  pick('1e400', '-1e400', '1e-400', '4.9e-324', '2.4e-324', '3.4028235e38', '3.4028236e38', '3.5e38', '1e-46', '1.4e-45', '0.1', '1.10', '1e2', '1E2',
    '0x1p3', '1.5d', '1.5f', '1,5', '+.5', '5.', '.', '-', 'e5', '16777217', '9007199254740993'),
);

const booleanTextArb = fc.oneof(
  withBlanks(pick('true', 'false', 't', 'f', '1', '0').chain(randomCase)),
  pick('yes', 'no', 'y', 'n', 'on', 'off', '2', '-1', 'truth', 'tru', '01'),
);

/** Calendar components, mostly valid, formatted mostly canonically. */
const dateParts = fc.tuple(
  fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 9999 }) }, { weight: 1, arbitrary: pick(0, 10000) }),
  fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: pick(0, 13) }),
  fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 28 }) }, { weight: 2, arbitrary: fc.integer({ min: 29, max: 32 }) }, { weight: 1, arbitrary: pick(0) }),
);
const dateTextOf = ([y, m, d]: [number, number, number]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

const dateTextArb = fc.oneof(
  withBlanks(dateParts.map(dateTextOf)),
  fc.tuple(dateParts, pick('2025-6-5', '2025/06/05', '20250605', '2025-06-05T00:00:00', '2025-06-05 10:00', 'infinity', '-infinity', '+2025-06-05'))
    .map(([p, odd]) => (odd.startsWith('2025') || odd.includes('inf') ? odd : dateTextOf(p))),
);

const timestampTextArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(
    blank, dateParts, pick('T', 't', ' ', ' '),
    fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 23 }) }, { weight: 1, arbitrary: pick(24) }),
    fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: pick(60) }),
    fc.option(fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: pick(60) }), { nil: undefined, freq: 6 }),
    fc.option(digits(1, 10), { nil: '', freq: 2 }),
    pick('', '', 'Z', 'z', '+00:00', '-00:00', '+02', '+0230', '+05:30', '-11:45', '-08', '+14:00', '+23:59', '+24:00', ' +02:00', '+2:00', 'UTC', ' UTC'),
    blank,
  ).map(([a, day, sep, h, mi, s, f, off, b]) => `${a}${dateTextOf(day)}${sep}${pad(h)}:${pad(mi)}${s === undefined ? '' : `:${pad(s)}${f ? `.${f}` : ''}`}${off}${b}`) },
  { weight: 1, arbitrary: withBlanks(dateParts.map(dateTextOf)) },
  { weight: 1, arbitrary: pick('20250615T100000Z', '2025-06-15T10:00:00,5Z', '2025-W24-7', '2025-166', '2025-06-15T10', '2025-06-15 10:00:00 Europe/Paris', '2025-06-15T1:2:3') },
);

const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: pick('a', 'é', '"', ',', "'", ' ', '\n', '\r', '\t', '\\', '~', '0', '1', '.', '-', '{', '}', '[', ']', ':', '😀'), maxLength: 10 }),
  pick('', ' ', 'NULL', 'null', 'NA', '\\N', '~', 'x~', '~1'),
);

/** Any text a field may hold, biased towards the shapes of `target`'s type and of the other types. */
export function textFor(target: SilverColumn): fc.Arbitrary<string> {
  const own: Record<string, fc.Arbitrary<string>> = {
    string: anyText, boolean: booleanTextArb, int: integerText, bigint: integerText, double: doubleTextArb, float: doubleTextArb,
    date: dateTextArb, timestamp: timestampTextArb,
  };
  const mine = own[target.type] ?? decimalTextArb;
  return fc.oneof(
    { weight: 6, arbitrary: mine },
    { weight: 1, arbitrary: fc.oneof(integerText, decimalTextArb, doubleTextArb, booleanTextArb, dateTextArb, timestampTextArb) },
    { weight: 1, arbitrary: anyText },
  );
}

/** JSON number literals (RFC 8259 grammar), and what their text means. */
export const jsonNumberArb = fc.oneof(
  fc.tuple(pick('', '-'), fc.oneof(pick('0'), fc.tuple(pick(...'123456789'), digits(0, 22)).map((x) => x.join(''))),
    fc.option(fc.tuple(pick('.'), digits(1, 22)).map((x) => x.join('')), { nil: '' }),
    fc.option(fc.tuple(pick('e', 'E'), pick('', '+', '-'), digits(1, 3)).map((x) => x.join('')), { nil: '' })).map((x) => x.join('')),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  pick('3.7', '0.6', '650.7', '12345678901234567.89', '1.10', '1e2', '-0.0', '-0', '1E400', '9223372036854775808'),
);

// ---------------------------------------------------------------------------------------------------------
// Typed Parquet values

export interface TypedSource {
  key: string;
  /** DuckDB type of the Parquet field. */
  sql: string;
  arb: fc.Arbitrary<unknown>;
  /** SQL literal of a value. */
  literal: (v: any) => string;
  /** What the value must become in column c; undefined when the pair is not part of the suite. */
  expect: (c: SilverColumn, v: any) => Expect;
}

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** The exact decimal digits of a finite double: value = digits × 10^exp. */
function exactDecimal(v: number): { neg: boolean; digits: string; exp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const hi = buf.getUint32(0);
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(buf.getUint32(4));
  if (e !== 0) mant |= 1n << 52n;
  const exp2 = (e === 0 ? -1074 : e - 1075);
  const neg = hi >>> 31 === 1;
  return exp2 >= 0 ? { neg, digits: (mant << BigInt(exp2)).toString(), exp: 0 } : { neg, digits: (mant * 5n ** BigInt(-exp2)).toString(), exp: exp2 };
}

/**
 * A float's shortest decimal text that reads back to it; when two candidates of that length are equally near
 * (2740325.25 → 2740325.2 or 2740325.3), the one with the even last digit, as correctly rounded printers choose.
 */
function floatShort(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const { neg, digits, exp } = exactDecimal(v);
  for (let p = 1; p <= 9; p++) {
    let kept = BigInt(digits.slice(0, p));
    const rest = digits.slice(p);
    const half = rest !== '' && (rest[0]! > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || kept % 2n === 1n)));
    if (half) kept += 1n;
    const text = `${neg ? '-' : ''}${kept}e${exp + rest.length}`;
    if (Math.fround(Number(text)) === v) return text;
  }
  return v.toPrecision(9);
}
const doubleLiteral = (v: number) => (Number.isNaN(v) ? `'nan'::DOUBLE` : !Number.isFinite(v) ? `'${v > 0 ? 'inf' : '-inf'}'::DOUBLE` : Object.is(v, -0) ? `'-0.0'::DOUBLE` : `CAST('${v}' AS DOUBLE)`);

/** What an integer value becomes in each column. */
function fromInteger(c: SilverColumn, v: bigint): Expect {
  switch (c.type) {
    case 'int': return intValue(v, 32);
    case 'bigint': return intValue(v, 64);
    case 'double': return { t: 'double', v: Number(v) }; // BigInt → Number rounds to nearest, ties to even
    case 'float': return floatFromText(v.toString());
    case 'string': return { t: 'text', v: v.toString() };
    case 'boolean': return v === 0n ? { t: 'text', v: 'false' } : v === 1n ? { t: 'text', v: 'true' } : { t: 'reject' };
    case 'date': case 'timestamp': return { t: 'reject' };
    default: return c.fromText(v.toString());
  }
}

/** A finite double as a rational (its exact binary value); for doubles into integer columns. */
function isWhole(v: number): boolean {
  return Number.isFinite(v) && Number.isInteger(v);
}

function fromDouble(c: SilverColumn, v: number, asFloat: boolean): Expect {
  const text = asFloat ? floatShort(v) : String(v);
  switch (c.type) {
    case 'int': case 'bigint': return isWhole(v) ? intValue(BigInt(v), c.type === 'int' ? 32 : 64) : { t: 'reject' };
    case 'double': return { t: 'double', v: v === 0 ? 0 : v }; // -0 is stored as 0
    case 'float': {
      // Out of range both ways, as the value's text is: past the largest float, or non-zero rounding to a float zero.
      const f = Math.fround(v);
      return Number.isFinite(v) && (!Number.isFinite(f) || (f === 0 && v !== 0)) ? { t: 'reject' } : { t: 'float', v: f === 0 ? 0 : f };
    }
    case 'string':
      // NaN and the infinities as Athena's CAST writes them (DuckDB's own text is nan, inf, -inf: attack, stop 38).
      if (!Number.isFinite(v)) return { t: 'text', v: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
      return asFloat ? { t: 'float', v } : { t: 'double', v };
    case 'boolean': case 'date': case 'timestamp': return { t: 'reject' };
    default: return Number.isFinite(v) ? c.fromText(text) : { t: 'reject' }; // decimals: by the shortest round-trip text
  }
}

function fromDecimalText(c: SilverColumn, text: string): Expect {
  switch (c.type) {
    case 'int': case 'bigint': {
      const r = parseDecimal(text)!;
      const whole = r.exp >= 0n || r.digits % 10n ** -r.exp === 0n;
      return whole ? intValue((r.neg ? -1n : 1n) * (r.exp >= 0n ? r.digits * 10n ** r.exp : r.digits / 10n ** -r.exp), c.type === 'int' ? 32 : 64) : { t: 'reject' };
    }
    case 'double': return { t: 'double', v: Number(text) };
    case 'float': return floatFromText(text);
    case 'string': return { t: 'text', v: text };
    case 'boolean': case 'date': case 'timestamp': return { t: 'reject' };
    default: return c.fromText(text);
  }
}

const utc = (y: number) => { const d = new Date(0); d.setUTCFullYear(y, 0, 1); return d.getTime(); };
const MS_0001 = utc(1);
const MS_9999 = utc(10000) - 1;

function fromInstant(c: SilverColumn, ns: bigint): Expect {
  if (c.type === 'timestamp') return millisValue(ns, c.round);
  if (c.type === 'date') return ns % 86_400_000_000_000n === 0n ? { t: 'text', v: isoDate(Number(ns / 1_000_000n)) } : { t: 'reject' };
  return { t: 'reject' };
}

const decimalSource = (key: string, p: number, s: number): TypedSource => ({
  key, sql: `DECIMAL(${p},${s})`,
  arb: fc.oneof(fc.bigInt({ min: -(10n ** BigInt(p)) + 1n, max: 10n ** BigInt(p) - 1n }), fc.bigInt({ min: -100000n, max: 100000n })).map((u) => decimalText(u < 0n, u < 0n ? -u : u, s)),
  literal: (t: string) => `CAST('${t}' AS DECIMAL(${p},${s}))`,
  expect: (c, t: string) => fromDecimalText(c, t),
});

const instantSource = (key: string, sql: string, unitNs: bigint, lit: (n: bigint) => string, years: [number, number] = [1, 10000]): TypedSource => ({
  key, sql,
  arb: fc.oneof(
    fc.bigInt({ min: BigInt(utc(years[0])) * 1_000_000n / unitNs, max: BigInt(utc(years[1]) - 1) * 1_000_000n / unitNs }),
    fc.bigInt({ min: BigInt(Date.UTC(2020, 0, 1)) * 1_000_000n / unitNs, max: BigInt(Date.UTC(2030, 0, 1)) * 1_000_000n / unitNs }).map((n) => (unitNs < 1_000_000n ? n - (n % (1_000_000n / unitNs)) : n)),
  ),
  literal: lit,
  expect: (c, n: bigint) => fromInstant(c, n * unitNs),
});

export const TYPED: TypedSource[] = [
  { key: 'i32', sql: 'INTEGER', arb: fc.integer().map(BigInt), literal: (v: bigint) => `CAST(${v} AS INTEGER)`, expect: fromInteger },
  { key: 'i64', sql: 'BIGINT', arb: fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 53n + 2n })), literal: (v: bigint) => `CAST('${v}' AS BIGINT)`, expect: fromInteger },
  { key: 'i128', sql: 'HUGEINT', arb: fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n }), literal: (v: bigint) => `CAST('${v}' AS HUGEINT)`, expect: fromInteger },
  { key: 'u64', sql: 'UBIGINT', arb: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), literal: (v: bigint) => `CAST('${v}' AS UBIGINT)`, expect: fromInteger },
  { key: 'f64', sql: 'DOUBLE', arb: fc.oneof(fc.double(), fc.integer().map((n) => n / 4), pick(3.0, 3.5, 0.1, 2 ** 53 + 2, 1e300)), literal: doubleLiteral, expect: (c, v: number) => fromDouble(c, v, false) },
  { key: 'f32', sql: 'FLOAT', arb: fc.float(), literal: (v: number) => (Number.isFinite(v) && !Object.is(v, -0) ? `CAST('${v}' AS FLOAT)` : `CAST(${doubleLiteral(v)} AS FLOAT)`), expect: (c, v: number) => fromDouble(c, v, true) },
  decimalSource('d18', 18, 4),
  decimalSource('d38', 38, 12),
  { key: 'str', sql: 'VARCHAR', arb: fc.constant(undefined), literal: (v: string) => sqlText(v), expect: (c, v: string) => c.fromText(v) },
  { key: 'bool', sql: 'BOOLEAN', arb: fc.boolean(), literal: (v: boolean) => (v ? 'true' : 'false'),
    expect: (c, v: boolean) => (c.type === 'boolean' || c.type === 'string' ? { t: 'text', v: String(v) } : { t: 'reject' }) },
  { key: 'date', sql: 'DATE', arb: fc.integer({ min: Math.ceil(MS_0001 / 86_400_000), max: Math.floor(MS_9999 / 86_400_000) }), literal: (d: number) => `DATE '${isoDate(d * 86_400_000)}'`,
    expect: (c, d: number) => (c.type === 'date' || c.type === 'string' ? { t: 'text', v: isoDate(d * 86_400_000) } : c.type === 'timestamp' ? fromInstant(c, BigInt(d) * 86_400_000_000_000n) : { t: 'reject' }) },
  instantSource('ts', 'TIMESTAMP', 1000n, (n) => `make_timestamp(${n}::BIGINT)`),
  instantSource('tsms', 'TIMESTAMP_MS', 1_000_000n, (n) => `CAST(make_timestamp(${n * 1000n}::BIGINT) AS TIMESTAMP_MS)`),
  instantSource('tsns', 'TIMESTAMP_NS', 1n, (n) => `make_timestamp_ns(${n}::BIGINT)`, [1678, 2262]), // what 64 bits of nanoseconds hold
  instantSource('tss', 'TIMESTAMP_S', 1_000_000_000n, (n) => `CAST(make_timestamp(${n * 1_000_000n}::BIGINT) AS TIMESTAMP_S)`),
  // From 1900: DuckDB's cast to TIMESTAMPTZ (ICU) shifts earlier wall times, which would change the test's input.
  instantSource('tstz', 'TIMESTAMPTZ', 1000n, (n) => `CAST(make_timestamp(${n}::BIGINT) AS TIMESTAMPTZ)`, [1900, 10000]),
];

/** Which Parquet field types each silver column is fed from. */
export const PAIRS: Record<string, string[]> = {
  s: ['i64', 'f64', 'f32', 'd18', 'str', 'bool', 'date'],
  b: ['bool', 'i32', 'str', 'f64'],
  i: ['i32', 'i64', 'i128', 'f64', 'f32', 'd18', 'str', 'bool'],
  l: ['i64', 'i128', 'u64', 'f64', 'd38', 'str'],
  d: ['f64', 'f32', 'i64', 'd18', 'd38', 'str'],
  f: ['f32', 'f64', 'i64', 'd38', 'str'],
  n: ['d18', 'd38', 'i64', 'f64', 'f32', 'str'],
  w: ['d38', 'i128', 'f64', 'str'],
  r: ['d18', 'f64', 'str'],
  u: ['d18', 'i64', 'f64', 'str'],
  dt: ['date', 'ts', 'tstz', 'str', 'i32'],
  ts: ['ts', 'tsms', 'tsns', 'tss', 'tstz', 'date', 'str', 'i64'],
  tr: ['ts', 'tsns', 'str'],
};

export const typedSource = (key: string): TypedSource => TYPED.find((t) => t.key === key)!;

export { decimalValue, nearestFloat, type Rounding };
