// The cast contract: how a source value becomes a silver value of a column's type, exactly or not at all.
// A value reaches silver only if its source denotes exactly that silver value; otherwise the cast gives NULL and
// the row is quarantined with the cast's message (column, value, rule). README "Casts" has the table; each type's
// file states its grammar and the Athena/Hive behaviour it follows. Sources are either text (CSV fields, JSON
// values read from their literal text, Parquet strings: DuckDB type VARCHAR) or typed Parquet values.
import type { ColumnSpec } from '../../schema/model.ts';
import { str } from '../../sql/quote.ts';
import { decimalCast } from './decimal.ts';
import { floatingCast } from './floating.ts';
import { integerCast } from './integer.ts';
import { BLANK, isInteger, isText, quoted, typedText, type CastPlan } from './sql.ts';
import { dateCast, timestampCast } from './temporal.ts';

export type { CastPlan } from './sql.ts';

/**
 * The cast of source SQL `src` (of DuckDB type `from`, 'VARCHAR' for text) to column `col`'s type.
 * Errors: none; a value that does not cast is NULL, and `message` says why.
 */
export function castPlan(col: ColumnSpec, src: string, from: string): CastPlan {
  const t = col.type;
  switch (t.name) {
    case 'string': return stringCast(src, from);
    case 'boolean': return booleanCast(src, from);
    case 'int': case 'bigint': return integerCast(t.name, src, from);
    case 'double': case 'float': return floatingCast(t.name, src, from);
    case 'decimal': return decimalCast(t.precision ?? 18, t.scale ?? 0, col.round, src, from);
    case 'date': return dateCast(col.format, src, from);
    case 'timestamp': return timestampCast(col.format, col.round, src, from);
  }
}

/**
 * string: text as it is (no trimming: blanks are data); a JSON number as its literal ("1.10" stays "1.10").
 * Typed values as their canonical text (a double as its shortest round-trip text; NaN, Infinity and -Infinity as
 * Athena and strata's output write them); bytes only when valid UTF-8.
 */
function stringCast(src: string, from: string): CastPlan {
  // Text always is a string: what fails is bytes (a Parquet BLOB) that are not UTF-8, whose reasons are written from
  // their text (DuckDB's, \xFF for a byte that is not UTF-8) whatever the type was.
  const message = (text: string) => `${quoted(text)} || ' is not valid UTF-8 text (bytes shown as \\xNN)'`;
  if (isText(from)) return { value: () => src, message };
  if (from === 'BLOB') return { value: () => `TRY(decode(${src}))`, message };
  // NaN and the infinities as Athena's CAST and strata's output write them (DuckDB's own text is nan, inf, -inf).
  if (from === 'DOUBLE' || from === 'FLOAT') {
    return { value: () => `CASE WHEN isnan(${src}) THEN 'NaN' WHEN isinf(${src}) THEN (CASE WHEN ${src} > 0 THEN 'Infinity' ELSE '-Infinity' END) ELSE CAST(${src} AS VARCHAR) END`, message };
  }
  return { value: () => typedText(src, from), message };
}

/**
 * boolean: true, false, t, f, 1, 0 in any case with surrounding blanks (Athena's CAST(varchar AS boolean) reads the
 * same words, without blanks); not yes/no/y/n, which DuckDB would accept. Typed: a boolean, or the integers 0 and 1.
 */
function booleanCast(src: string, from: string): CastPlan {
  const message = (text: string) => `${quoted(text)} || ' is not a boolean: expected true, false, t, f, 1 or 0'`;
  if (isText(from)) {
    const word = `lower(regexp_replace(${src}, ${str(`^${BLANK}|${BLANK}$`)}, '', 'g'))`;
    return {
      value: () => `CASE WHEN ${src} = 'true' THEN true WHEN ${src} = 'false' THEN false ELSE `
        + `CASE ${word} WHEN 'true' THEN true WHEN 't' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN 'f' THEN false WHEN '0' THEN false END END`,
      message,
    };
  }
  if (from === 'BOOLEAN') return { value: () => src, message };
  if (isInteger(from)) return { value: () => `CASE ${src} WHEN 1 THEN true WHEN 0 THEN false END`, message };
  return { value: () => 'CAST(NULL AS BOOLEAN)', message: (text) => `${message(text)} || ${str(` (a ${from.toLowerCase()} value)`)}` };
}
