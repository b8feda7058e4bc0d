// int and bigint. Text is read with the grammar of Athena's (Trino's) CAST(varchar AS integer), Java's
// Long.parseLong: an optional sign and decimal digits, leading zeros allowed; strata also allows surrounding blanks,
// as Hive does since HIVE-17782. A fraction ("2.5", even "2.0") or an exponent ("1e3") is not an integer literal:
// DuckDB's own cast would round 2.5 to 3 and read 1e3 as 1000, so its result is only trusted when the text is
// exactly how DuckDB prints it back (the common case, one comparison) or matches the grammar.
// Typed values (Parquet) are judged by value: an integer that fits, or a decimal/double without a fraction.
import { str } from '../../sql/quote.ts';
import { INTEGER_RANGE } from '../../schema/types.ts';
import { EXPONENT_RE, FRACTION_RE, firstHint, numberHints } from './hints.ts';
import { BLANK, isDecimal, isFloating, isInteger, isText, matches, quoted, type CastPlan } from './sql.ts';

export const INTEGER_RE = `${BLANK}[+-]?[0-9]+${BLANK}`;

const range = (type: 'int' | 'bigint') => `${INTEGER_RANGE[type][0]}..${INTEGER_RANGE[type][1]}`;

export function integerCast(type: 'int' | 'bigint', src: string, from: string): CastPlan {
  const target = type === 'int' ? 'INTEGER' : 'BIGINT';
  const message = (text: string) => `${quoted(text)} || ${str(` is not ${type === 'int' ? 'an int' : 'a bigint'}`)} || ${firstHint([
    `WHEN ${matches(text, INTEGER_RE)} THEN ${str(`: out of range ${range(type)}`)}`,
    `WHEN ${matches(text, EXPONENT_RE)} THEN ': it has an exponent'`,
    `WHEN ${matches(text, FRACTION_RE)} THEN ': it has a fraction'`,
    ...numberHints(text),
  ])}`;
  if (isText(from)) {
    return {
      draft: `TRY_CAST(${src} AS ${target})`,
      value: (d) => `CASE WHEN CAST(${d} AS VARCHAR) = ${src} THEN ${d} WHEN ${matches(src, INTEGER_RE)} THEN ${d} END`,
      message,
    };
  }
  if (isInteger(from)) return { value: () => `TRY_CAST(${src} AS ${target})`, message };
  if (isDecimal(from) || isFloating(from)) {
    const whole = isFloating(from) ? `isfinite(${src}) AND ${src} = trunc(${src})` : `${src} = trunc(${src})`;
    return { value: () => `CASE WHEN ${whole} THEN TRY_CAST(${src} AS ${target}) END`, message };
  }
  return { value: () => `CAST(NULL AS ${target})`, message: (text) => `${message(text)} || ${str(` (a ${from.toLowerCase()} value)`)}` };
}
