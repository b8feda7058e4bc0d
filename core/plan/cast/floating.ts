// double and float. A double column holds IEEE 754 binary64 values, so a decimal text denotes the nearest one
// (round half to even), as every reader does (Athena: Java's Double.parseDouble; DuckDB's parser is correctly
// rounded, and reads a float directly, never through a double). Text: an optional sign, digits with an optional
// point, an optional exponent, surrounding blanks; NaN, Inf and Infinity in any case and with an optional sign
// (a NaN's sign carries nothing). A finite text that rounds to an infinity, or a non-zero one that rounds to zero, is out of range.
// Hexadecimal floats, digit separators and Java's d/f suffixes are not read.
// Typed values: the nearest value too (exact for float → double and integers up to 2^53); decimals and huge
// integers go through their exact text, so they are rounded once, correctly.
import { str } from '../../sql/quote.ts';
import { firstHint, numberHints } from './hints.ts';
import { BLANK, isDecimal, isInteger, isText, matches, quoted, type CastPlan } from './sql.ts';

const FINITE_RE = `${BLANK}[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?${BLANK}`;
const SPECIAL_RE = `(?i)${BLANK}[+-]?(inf|infinity|nan)${BLANK}`;
/** A mantissa with a non-zero digit: such a text cannot denote zero. */
const NONZERO_RE = String.raw`^\s*[+-]?[0-9]*[.]?[0-9]*[1-9]`;

export function floatingCast(type: 'double' | 'float', src: string, from: string): CastPlan {
  const target = type === 'double' ? 'DOUBLE' : 'FLOAT';
  // -0 is stored as 0, the same number: DuckDB's Parquet writer merges them in its dictionary anyway (whichever
  // comes first wins), and a value must not depend on its neighbours. IEEE 754: -0 + 0 = +0; NaN and ±∞ stay.
  const unsigned = (v: string) => `(${v} + CAST(0 AS ${target}))`;
  const fits = (text: string, v: string) => `(isfinite(${v}) AND NOT (${v} = 0 AND regexp_matches(${text}, ${str(NONZERO_RE)})))`;
  const message = (text: string) => `${quoted(text)} || ${str(` is not a ${type}`)} || ${firstHint([
    `WHEN ${matches(text, FINITE_RE)} THEN ${str(`: out of range for ${type}`)}`,
    ...numberHints(text).filter((h) => !h.includes('finite number')),
  ])}`;
  const fromText = (text: string, d: string) =>
    `CASE WHEN ${matches(text, FINITE_RE)} AND ${fits(text, d)} THEN ${d} WHEN ${matches(text, SPECIAL_RE)} THEN ${d} END`;
  if (isText(from)) {
    return {
      draft: `TRY_CAST(${src} AS ${target})`,
      value: (d) => unsigned(`CASE WHEN CAST(${d} AS VARCHAR) = ${src} THEN ${d} ELSE ${fromText(src, d)} END`),
      message,
    };
  }
  if (from === 'DOUBLE' || from === 'FLOAT') {
    // A non-zero double that rounds to a float zero is out of range, as its text is (1e-46 was stored as 0: an
    // attack, stop 53).
    const v = `TRY_CAST(${src} AS ${target})`;
    return { value: () => unsigned(`CASE WHEN (isfinite(${v}) OR NOT isfinite(${src})) AND NOT (${v} = 0 AND ${src} <> 0) THEN ${v} END`), message };
  }
  if (isInteger(from) && !from.endsWith('HUGEINT')) return { value: () => `CAST(${src} AS ${target})`, message };
  if (isDecimal(from) || isInteger(from)) {
    // (The largest UHUGEINT, 2^128 - 1, is past the largest float.)
    const text = `CAST(${src} AS VARCHAR)`;
    return { value: () => unsigned(`CASE WHEN isfinite(TRY_CAST(${text} AS ${target})) THEN TRY_CAST(${text} AS ${target}) END`), message };
  }
  return { value: () => `CAST(NULL AS ${target})`, message: (text) => `${message(text)} || ${str(` (a ${from.toLowerCase()} value)`)}` };
}
