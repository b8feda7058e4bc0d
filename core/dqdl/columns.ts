// Column names in rules → the batch's columns and their logical types. An unknown column is an ERROR outcome with a
// "did you mean", found before any SQL runs.
import { ident } from '../sql/quote.ts';
import { closest } from '../schema/diagnostics.ts';
import { parseType, type LogicalType } from '../schema/types.ts';

export interface ResolvedColumn {
  name: string;
  sql: string;
  type: LogicalType | undefined;
}

export class ColumnError extends Error {}

export class Columns {
  private readonly byName = new Map<string, ResolvedColumn>();
  private readonly byLower = new Map<string, ResolvedColumn>();
  readonly names: string[];

  constructor(columns: ReadonlyArray<{ name: string; type: string }>) {
    this.names = columns.map((c) => c.name);
    for (const c of columns) {
      const r: ResolvedColumn = { name: c.name, sql: ident(c.name), type: logicalType(c.type) };
      this.byName.set(c.name, r);
      if (!this.byLower.has(c.name.toLowerCase())) this.byLower.set(c.name.toLowerCase(), r);
    }
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** Exact name first; SQL engines match names case-insensitively, so a different case is the same column. */
  find(name: string): ResolvedColumn | undefined {
    return this.byName.get(name) ?? this.byLower.get(name.toLowerCase());
  }

  get(name: string): ResolvedColumn {
    const c = this.find(name);
    if (c) return c;
    const guess = closest(name, this.names);
    throw new ColumnError(`column "${name}" does not exist in the batch${guess ? ` (did you mean "${guess}"?)` : ''}`);
  }
}

const DUCKDB_TYPES: Record<string, string> = {
  varchar: 'string', text: 'string', integer: 'int', smallint: 'int', tinyint: 'int', utinyint: 'int', usmallint: 'int',
  uinteger: 'bigint', hugeint: 'bigint', ubigint: 'bigint', real: 'float', bool: 'boolean', timestamp_ms: 'timestamp',
  timestamp_s: 'timestamp', timestamp_ns: 'timestamp', 'timestamp with time zone': 'timestamp', timestamptz: 'timestamp',
};

/** A logical type from a schema type ('decimal(12,2)') or a DuckDB type name ('VARCHAR', 'DECIMAL(12,2)'). */
export function logicalType(text: string): LogicalType | undefined {
  const t = text.trim().toLowerCase();
  const direct = parseType(DUCKDB_TYPES[t] ?? t);
  return 'error' in direct ? undefined : direct;
}

export function isNumericType(t: LogicalType | undefined): boolean {
  return !!t && ['int', 'bigint', 'double', 'float', 'decimal'].includes(t.name);
}

export function isTemporalType(t: LogicalType | undefined): boolean {
  return !!t && (t.name === 'date' || t.name === 'timestamp');
}
