// decimal(p,s). Text is a decimal literal as Athena's CAST(varchar AS decimal) reads it (Java's BigDecimal): an
// optional sign, digits with an optional point, an optional exponent; strata also allows surrounding blanks.
// Where Athena rounds half-up to the scale, strata keeps the value exactly or quarantines it: "3.05" has 2 decimal
// places and decimal(5,1) keeps 1. Trailing zeros carry no value ("3.10" is 3.1). A column's `round` rounds instead.
// The value is computed on the digits as text, so no digit count and no exponent is ever too large to judge
// exactly; DuckDB's own cast (which rounds half away from zero) is trusted only for text it prints back identically.
// Typed values: a decimal that fits exactly; an integer within range; a double by its shortest round-trip text
// (0.1 is "0.1", not the 55 digits of its binary value).
import type { RoundingMode } from '../../schema/model.ts';
import { str } from '../../sql/quote.ts';
import { firstHint, numberHints } from './hints.ts';
import { BLANK, bind, isDecimal, isInteger, isText, matches, quoted, type CastPlan } from './sql.ts';

const DECIMAL_RE = String.raw`^${BLANK}([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?${BLANK}$`;

/**
 * The text's decimal value as a STRUCT: ok (it is a decimal literal), zero, neg, digits (significant digits,
 * without leading or trailing zeros), exp (value = digits × 10^exp). Exponents beyond ±10^9 are clamped: they are
 * out of range (or all fraction) for any decimal(p ≤ 38, s) either way.
 */
function analyse(text: string): string {
  const exponent = `CASE WHEN _c_m.e = '' THEN 0 WHEN length(ltrim(_c_m.e, '+-0')) > 9 THEN CASE WHEN starts_with(_c_m.e, '-') THEN -1000000000 ELSE 1000000000 END ELSE CAST(_c_m.e AS BIGINT) END`;
  const stripped = bind(
    `{'ok': (_c_m.i || _c_m.f) <> '', 'neg': _c_m.sg = '-', 'd': ltrim(_c_m.i || _c_m.f, '0'), 'e': ${exponent} - length(_c_m.f)}`,
    '_c_a',
    `{'ok': _c_a.ok, 'neg': _c_a.neg, 'zero': _c_a.d = '', 'digits': rtrim(_c_a.d, '0'), 'exp': _c_a.e + length(_c_a.d) - length(rtrim(_c_a.d, '0'))}`,
  );
  return bind(`regexp_extract(${text}, ${str(DECIMAL_RE)}, ['sg', 'i', 'f', 'e'])`, '_c_m', stripped);
}

/** Unscaled digits `u` (a VARCHAR of digits) as the SQL text of a decimal with scale s. */
function withPoint(u: string, s: number): string {
  if (s === 0) return u;
  // (lpad also truncates: only ever widen)
  return bind(`lpad(${u}, CAST(greatest(length(${u}), ${s + 1}) AS INTEGER), '0')`, '_c_u', `substr(_c_u, 1, length(_c_u) - ${s}) || '.' || right(_c_u, ${s})`);
}

/**
 * SQL: the decimal(p,s) value of analysed text `r` (see analyse), exactly, or NULL. With a rounding mode, digits
 * beyond the scale are rounded (half_even: ties to the even digit; half_up: ties away from zero, like Athena).
 */
function valueOf(r: string, p: number, s: number, round: RoundingMode | undefined): string {
  const target = `DECIMAL(${p},${s})`;
  const signed = (digits: string) => `CAST(CASE WHEN ${r}.neg THEN '-' ELSE '' END || ${withPoint(digits, s)} AS ${target})`;
  // shift: where the last significant digit sits relative to the scale's last place (negative: it does not fit).
  const shift = `(${r}.exp + ${s})`;
  let rounded = 'NULL';
  if (round) {
    // k digits are kept; d is the first dropped one; any digit after it is non-zero (digits has no trailing zero).
    const k = `(length(${r}.digits) + ${shift})`;
    const kept = `CASE WHEN ${k} > 0 THEN left(${r}.digits, ${k}) ELSE '0' END`;
    const dropped = `CASE WHEN ${k} >= 0 THEN substr(${r}.digits, ${k} + 1, 1) ELSE '0' END`;
    const more = `(${k} >= 0 AND length(${r}.digits) > ${k} + 1)`;
    const up = round === 'half_up'
      ? `${dropped} >= '5'`
      : `(${dropped} > '5' OR (${dropped} = '5' AND (${more} OR right(${kept}, 1) IN ('1', '3', '5', '7', '9'))))`;
    const unscaled = `CAST(CAST(${kept} AS HUGEINT) + CASE WHEN ${up} THEN 1 ELSE 0 END AS VARCHAR)`;
    rounded = bind(unscaled, '_c_r', `CASE WHEN length(_c_r) <= ${p} THEN ${signed('_c_r')} END`);
  }
  return `CASE WHEN ${r}.ok IS NOT TRUE THEN NULL WHEN ${r}.zero THEN CAST(0 AS ${target}) `
    + `WHEN length(${r}.digits) + ${r}.exp > ${p - s} THEN NULL `
    + `WHEN ${shift} >= 0 THEN ${signed(`${r}.digits || repeat('0', CAST(${shift} AS BIGINT))`)} `
    + `ELSE ${rounded} END`;
}

/** Why text is not a decimal(p,s), or "" when rounding made it overflow (then: out of range once rounded). */
function messageOf(text: string, p: number, s: number, round: RoundingMode | undefined): string {
  const type = `decimal(${p},${s})`;
  const body = `CASE WHEN NOT _c_d.ok THEN ${quoted(text)} || ${str(` is not a ${type}`)} || ${firstHint(numberHints(text))} `
    + `WHEN length(_c_d.digits) + _c_d.exp > ${p - s} THEN ${quoted(text)} || ${str(` is out of range for ${type}: at most ${p - s} digit${p - s === 1 ? '' : 's'} before the point`)} `
    // (An exponent of more than nine digits is held at ±10^9 places: said as more than that, not as that many.)
    + `WHEN ${round ? 'false' : `_c_d.exp + ${s} < 0`} THEN ${quoted(text)} || ' has ' || CASE WHEN -_c_d.exp >= 1000000000 THEN 'more than 999999999' ELSE CAST(-_c_d.exp AS VARCHAR) END || ${str(` decimal places, ${type} keeps ${s}`)} `
    + `ELSE ${quoted(text)} || ${str(` is out of range for ${type} once rounded`)} END`;
  return bind(analyse(text), '_c_d', body);
}

/**
 * The shortest text that reads back to the same float (DuckDB prints 2163341.75f as "2163341.75", but "2163341.8"
 * is the float's shortest decimal): the first of 1..9 significant digits that round-trips.
 */
function shortestFloatText(x: string): string {
  const at = (p: number) => `printf('%.${p}g', ${x})`;
  return `CASE ${[1, 2, 3, 4, 5, 6, 7, 8].map((p) => `WHEN TRY_CAST(${at(p)} AS FLOAT) = ${x} THEN ${at(p)}`).join(' ')} ELSE ${at(9)} END`;
}

export function decimalCast(p: number, s: number, round: RoundingMode | undefined, src: string, from: string): CastPlan {
  const target = `DECIMAL(${p},${s})`;
  const message = (text: string) => messageOf(text, p, s, round);
  const exact = (text: string) => bind(analyse(text), '_c_x', valueOf('_c_x', p, s, round));
  if (isText(from)) {
    // Three tiers of cost: the text DuckDB prints back identically; plain digits with at most s places (trailing
    // zeros aside), which DuckDB's cast reads exactly (it only rounds digits beyond the scale); the full reading.
    const places = s === 0 ? '[.]0*' : `[.][0-9]{0,${s}}0*`;
    const plain = `${BLANK}[+-]?([0-9]+(${places})?|${s === 0 ? '[.]0+' : `[.][0-9]{1,${s}}0*`})${BLANK}`;
    return {
      draft: `TRY_CAST(${src} AS ${target})`,
      value: (d) => `CASE WHEN CAST(${d} AS VARCHAR) = ${src} THEN ${d} WHEN ${d} IS NOT NULL AND ${matches(src, plain)} THEN ${d} ELSE ${exact(src)} END`,
      message,
    };
  }
  if (isInteger(from)) return { value: () => `TRY_CAST(${src} AS ${target})`, message };
  const m = /^DECIMAL\((\d+),(\d+)\)$/.exec(from);
  if (m && Number(m[2]) <= s && Number(m[1]) - Number(m[2]) <= p - s) return { value: () => `CAST(${src} AS ${target})`, message };
  if (isDecimal(from) || from === 'DOUBLE') return { value: () => exact(`CAST(${src} AS VARCHAR)`), message };
  if (from === 'FLOAT') return { value: () => exact(shortestFloatText(src)), message };
  return { value: () => `CAST(NULL AS ${target})`, message: (text) => `${message(text)} || ${str(` (a ${from.toLowerCase()} value)`)}` };
}
