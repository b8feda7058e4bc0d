// Small SQL building blocks shared by the casts: the plan a cast compiles to, a "let" for expressions used more
// than once, and the whitespace rule. Everything here is DuckDB SQL evaluated column-wise, never row by row in JS.
import { str } from '../../sql/quote.ts';

/**
 * What one column's cast compiles to. `draft` is evaluated once per row in a layer of its own (typically DuckDB's
 * own, lenient cast), `value` then decides from the source and that draft whether the source denotes exactly a
 * value of the column's type: the value if it does, NULL if it does not. `message` spells out why a non-NULL source
 * gave NULL; it reads only the source's text, so it also serves quarantined rows, whose sources are kept as text.
 */
export interface CastPlan {
  draft?: string;
  value: (draft: string) => string;
  message: (text: string) => string;
}

/**
 * `body` with `name` bound to `expr`, evaluated once (a one-element list and a lambda: DuckDB has no LET).
 * Used only on slow paths, for rows whose text is not canonical: a lambda costs more than a plain expression.
 */
export function bind(expr: string, name: string, body: string): string {
  return `list_transform([${expr}], ${name} -> ${body})[1]`;
}

/** Surrounding blanks a number, boolean, date or timestamp may carry (RE2 \s: space, tab, CR, LF, FF). */
export const BLANK = String.raw`\s*`;

/** A whole-text regular-expression match (RE2, as everywhere in strata). */
export function matches(text: string, re: string): string {
  return `regexp_full_match(${text}, ${str(re)})`;
}

/** `"<text>"` (at most 200 characters of it) as SQL text, for messages. */
export function quoted(text: string): string {
  return `'"' || left(${text}, 200) || '"'`;
}

/**
 * SQL: the text of a value of DuckDB type `from`, as CAST(… AS VARCHAR) writes it, for every value of the type.
 * DuckDB cannot write a TIMESTAMP_NS of its first day, 1677-09-21 (from -9223372036854775808 ns, 00:12:43.145224192):
 * its cast fails ("Date out of range in timestamp_ns conversion"), and with it the whole file (an attack, stop 53).
 * That day is written here from its nanoseconds since midnight, in the same form (fraction without trailing zeros).
 */
export function typedText(expr: string, from: string): string {
  if (from !== 'TIMESTAMP_NS') return `CAST(${expr} AS VARCHAR)`;
  const off = `(CAST(epoch_ns(${expr}) AS HUGEINT) + CAST('9223372800000000000' AS HUGEINT))`; // ns since 1677-09-21 00:00
  const two = (n: string) => `lpad(CAST(${n} AS VARCHAR), 2, '0')`;
  const day = `'1677-09-21 ' || ${two(`${off} // 3600000000000`)} || ':' || ${two(`${off} // 60000000000 % 60`)} || ':' || ${two(`${off} // 1000000000 % 60`)} `
    + `|| CASE WHEN ${off} % 1000000000 = 0 THEN '' ELSE '.' || rtrim(lpad(CAST(${off} % 1000000000 AS VARCHAR), 9, '0'), '0') END`;
  return `CASE WHEN epoch_ns(${expr}) < -9223286400000000000 THEN ${day} ELSE CAST(${expr} AS VARCHAR) END`;
}

/** "a date", "an int". */
export function article(typeText: string): string {
  return /^[aeiou]/.test(typeText) ? `an ${typeText}` : `a ${typeText}`;
}

/** The source is handed over as text (CSV fields, JSON values), as opposed to a typed Parquet value. */
export const isText = (from: string): boolean => from === 'VARCHAR';

export const INTEGER_TYPES = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT'];
export const isInteger = (from: string): boolean => INTEGER_TYPES.includes(from);
export const isDecimal = (from: string): boolean => from.startsWith('DECIMAL');
export const isFloating = (from: string): boolean => from === 'DOUBLE' || from === 'FLOAT';
