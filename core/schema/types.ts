// The logical column types of a schema file, each mapped once to its DuckDB, Glue/Hive and Parquet type.
// Every other module asks this file; nothing else spells a type name.

export type TypeName = 'string' | 'boolean' | 'int' | 'bigint' | 'double' | 'float' | 'decimal' | 'date' | 'timestamp';

export interface LogicalType {
  name: TypeName;
  precision?: number;
  scale?: number;
}

/** The values an int (32 bits) and a bigint (64 bits) hold, as in DuckDB, Athena and Parquet: [lowest, highest]. */
export const INTEGER_RANGE: Record<'int' | 'bigint', readonly [bigint, bigint]> = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * Whether a wall time names a real instant of the proleptic Gregorian calendar of years 1–9999, as DuckDB's date and
 * timestamp types hold it: month 1–12, a day its month has (29 February in leap years only), hours 0–23, minutes and
 * seconds 0–59. Years 1–99 are years 1–99 (`Date.UTC` alone would read them as 1901–1999).
 */
export function isCalendarTime(y: number, mo: number, d: number, h = 0, mi = 0, sec = 0): boolean {
  if (![y, mo, d, h, mi, sec].every(Number.isInteger) || y < 1 || y > 9999) return false;
  const at = new Date(Date.UTC(2000, mo - 1, d, h, mi, sec));
  at.setUTCFullYear(y, mo - 1, d);
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d && at.getUTCHours() === h
    && at.getUTCMinutes() === mi && at.getUTCSeconds() === sec;
}

/**
 * The text each time partition transform writes for a partition, as a strftime (DuckDB) and date_format (Trino)
 * format: core/plan/partitioning.ts writes it, core/schema/evolution.ts reads it back. A year is an int, not text.
 */
export const TRANSFORM_FORMATS = { month: '%Y-%m', day: '%Y-%m-%d', hour: '%Y-%m-%d-%H' } as const;

export interface ParquetType {
  physical: 'BYTE_ARRAY' | 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'FLOAT' | 'FIXED_LEN_BYTE_ARRAY';
  /** Parquet logical (or converted) annotation, when there is one. */
  logical?: 'STRING' | 'DECIMAL' | 'DATE' | 'TIMESTAMP_MILLIS';
}

import { closest } from './diagnostics.ts';

const SIMPLE: readonly TypeName[] = ['string', 'boolean', 'int', 'bigint', 'double', 'float', 'date', 'timestamp'];

export const TYPE_NAMES: readonly string[] = [...SIMPLE, 'decimal(p,s)'];

export function parseType(text: string): LogicalType | { error: string } {
  const t = text.trim().toLowerCase();
  if ((SIMPLE as readonly string[]).includes(t)) return { name: t as TypeName };
  const m = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(t);
  if (m) {
    const precision = Number(m[1]);
    const scale = Number(m[2]);
    if (precision < 1 || precision > 38) return { error: `decimal precision must be 1..38, got ${precision}` };
    if (scale > precision) return { error: `decimal scale ${scale} exceeds precision ${precision}` };
    return { name: 'decimal', precision, scale };
  }
  if (t === 'decimal') return { error: 'decimal needs precision and scale, e.g. "decimal(12,2)"' };
  // `{ name: e, type: decimal(3,1) }` unquoted: in a { … } mapping the comma ends the value, which is then "decimal(3"
  // (and "1)" a key of its own). It said only "did you mean decimal(p,s)?" (newcomer's trial, stop 57).
  const cut = /^decimal\s*\(\s*(\d+)\s*$/.exec(t);
  if (cut) return { error: `unknown type "${text}": in a { … } mapping a comma ends the value; quote the type: type: "decimal(${cut[1]},s)"` };
  const alias: Record<string, string> = {
    varchar: 'string', text: 'string', integer: 'int', long: 'bigint', real: 'float', bool: 'boolean', datetime: 'timestamp',
  };
  const guess = alias[t] ?? closest(t, [...SIMPLE, 'decimal']);
  const hint = guess ? `did you mean "${guess === 'decimal' ? 'decimal(p,s)' : guess}"?` : `use one of ${TYPE_NAMES.join(', ')}`;
  return { error: `unknown type "${text}": ${hint}` };
}

export function formatType(t: LogicalType): string {
  return t.name === 'decimal' ? `decimal(${t.precision},${t.scale})` : t.name;
}

/** The DuckDB type silver values are cast to before they are written. Timestamps are written at millisecond
 *  precision because Athena reads Hive-table timestamps as milliseconds (see athena-duckdb-notes §4.4). */
export function duckdbType(t: LogicalType): string {
  switch (t.name) {
    case 'string': return 'VARCHAR';
    case 'boolean': return 'BOOLEAN';
    case 'int': return 'INTEGER';
    case 'bigint': return 'BIGINT';
    case 'double': return 'DOUBLE';
    case 'float': return 'FLOAT';
    case 'decimal': return `DECIMAL(${t.precision},${t.scale})`;
    case 'date': return 'DATE';
    case 'timestamp': return 'TIMESTAMP_MS';
  }
}

/** The type a reader sees in the local catalog: the same values, in DuckDB's everyday type. */
export function duckdbReadType(t: LogicalType): string {
  return t.name === 'timestamp' ? 'TIMESTAMP' : duckdbType(t);
}

/** Hive DDL type name as Glue stores it. */
export function glueType(t: LogicalType): string {
  return t.name === 'decimal' ? `decimal(${t.precision},${t.scale})` : t.name;
}

/** Trino (Athena DML) type name, for CASTs in Athena SQL. */
export function trinoType(t: LogicalType): string {
  switch (t.name) {
    case 'string': return 'varchar';
    case 'int': return 'integer';
    case 'float': return 'real';
    case 'timestamp': return 'timestamp(3)';
    case 'decimal': return `decimal(${t.precision},${t.scale})`;
    default: return t.name;
  }
}

/** What DuckDB writes for the duckdbType (checked against real files in test/parquet-types.test.ts). */
export function parquetType(t: LogicalType): ParquetType {
  switch (t.name) {
    case 'string': return { physical: 'BYTE_ARRAY', logical: 'STRING' };
    case 'boolean': return { physical: 'BOOLEAN' };
    case 'int': return { physical: 'INT32' };
    case 'bigint': return { physical: 'INT64' };
    case 'double': return { physical: 'DOUBLE' };
    case 'float': return { physical: 'FLOAT' };
    case 'date': return { physical: 'INT32', logical: 'DATE' };
    case 'timestamp': return { physical: 'INT64', logical: 'TIMESTAMP_MILLIS' };
    case 'decimal': {
      const p = t.precision ?? 18;
      const physical = p <= 9 ? 'INT32' : p <= 18 ? 'INT64' : 'FIXED_LEN_BYTE_ARRAY';
      return { physical, logical: 'DECIMAL' };
    }
  }
}

export function isNumeric(t: LogicalType): boolean {
  return ['int', 'bigint', 'double', 'float', 'decimal'].includes(t.name);
}

export function isTemporal(t: LogicalType): boolean {
  return t.name === 'date' || t.name === 'timestamp';
}

/** Additive type changes Glue and Parquet readers accept without rewriting old files. */
export function isWidening(from: LogicalType, to: LogicalType): boolean {
  if (from.name === to.name && from.name !== 'decimal') return true;
  if (from.name === 'int' && to.name === 'bigint') return true;
  if (from.name === 'float' && to.name === 'double') return true;
  if (from.name === 'decimal' && to.name === 'decimal') {
    const fp = from.precision ?? 0, fs = from.scale ?? 0, tp = to.precision ?? 0, ts = to.scale ?? 0;
    return ts === fs && tp >= fp;
  }
  return false;
}
