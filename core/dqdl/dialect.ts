// The few places where DuckDB and Athena (Trino, engine v3) need different SQL. Everything else the compiler writes
// is common to both: count(*) FILTER (WHERE ...), GROUPING SETS with grouping(), stddev_pop, corr, ln, length,
// CAST(... AS DOUBLE), TIMESTAMP/DATE literals, IS NOT DISTINCT FROM. Ratios are divided in TypeScript, never in SQL
// (Trino divides integers as integers).
import { str } from '../sql/quote.ts';
import type { Dialect } from './types.ts';

export interface SqlDialect {
  name: Dialect;
  /** True when the whole string matches the regular expression. */
  fullMatch(expr: string, pattern: string): string;
}

const DUCKDB: SqlDialect = {
  name: 'duckdb',
  fullMatch: (expr, pattern) => `regexp_full_match(${expr}, ${str(pattern)})`,
};

// Trino's regexp_like finds a match anywhere; \A and \z anchor to the whole string (unlike ^ and $, which Joni, the
// default Trino regex library, also matches at line breaks).
const ATHENA: SqlDialect = {
  name: 'athena',
  fullMatch: (expr, pattern) => `regexp_like(${expr}, ${str(`\\A(?:${pattern})\\z`)})`,
};

export function sqlDialect(d: Dialect): SqlDialect {
  return d === 'athena' ? ATHENA : DUCKDB;
}

/** TIMESTAMP 'YYYY-MM-DD HH:MM:SS.mmm' for an instant (lake timestamps are UTC, millisecond precision). */
export function timestampLiteral(ms: number): string {
  return `TIMESTAMP '${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}'`;
}

/** DATE 'YYYY-MM-DD' of the UTC day of an instant, or of a day string. */
export function dateLiteral(day: string | number): string {
  return `DATE '${typeof day === 'number' ? new Date(day).toISOString().slice(0, 10) : day}'`;
}

export function toDouble(expr: string): string {
  return `CAST(${expr} AS DOUBLE)`;
}
