// The validation SQL: one pass over the source relation that casts every field to its declared type and
// decides, per row, whether it is valid. Failing rows keep their source values so the reasons can be spelled
// out later for just those rows (reasons are expensive; validity is a cheap boolean).
import type { ColumnSpec, SourceFormat } from '../schema/model.ts';
import { duckdbType, formatType } from '../schema/types.ts';
import { ident, str } from '../sql/quote.ts';
import { partitionValueProblems, type PlannedPartition } from './partitioning.ts';

/** Text sources hand every field over as VARCHAR; Parquet hands over typed values. */
export type SourceKind = 'text' | 'typed';

export const sourceKindOf = (format: SourceFormat): SourceKind => (format === 'parquet' ? 'typed' : 'text');

/** Names of the internal columns of the typed relation. User columns are lower_snake_case, so "__" never clashes. */
export const OK = '__ok';
export const BAD = '__bad';
export const RAW = '__raw';

export interface Failure {
  column: string;
  rule: 'type' | 'required' | 'allowed' | 'min' | 'max' | 'pattern' | 'maxLength' | 'format' | 'partition';
  /** true when the row fails; NULL-safe */
  when: string;
  /** SQL producing the offending value as text (for failing rows only) */
  value: string;
  /** SQL producing the message (for failing rows only) */
  message: string;
}

const TZ_SUFFIX = String.raw`(Z|[+-]\d{2}(:?\d{2})?|\s*[A-Za-z]{2,5}|\s+[A-Za-z_]+/[A-Za-z_]+)$`;

/** Cast of one source field to the column's DuckDB type. Returns NULL (never an error) when it does not cast. */
export function castExpr(col: ColumnSpec, src: string, kind: SourceKind): string {
  const t = col.type;
  const target = duckdbType(t);
  if (t.name === 'string') return kind === 'text' ? src : `CAST(${src} AS VARCHAR)`;
  if (t.name === 'timestamp') {
    if (col.format) {
      const fmts = `[${col.format.map(str).join(', ')}]`;
      const zoned = col.format.some((f) => /%z|%Z/.test(f));
      const parsed = `TRY_STRPTIME(${src}, ${fmts})`;
      return zoned ? `CAST(timezone('UTC', CAST(${parsed} AS TIMESTAMPTZ)) AS TIMESTAMP_MS)` : `CAST(${parsed} AS TIMESTAMP_MS)`;
    }
    if (kind === 'typed') return `TRY_CAST(TRY_CAST(${src} AS TIMESTAMPTZ) AS TIMESTAMP_MS)`;
    // Casting "10:00+02:00" straight to TIMESTAMP silently drops the offset, so strings with a zone take the
    // (slower) TIMESTAMPTZ path and are converted to UTC. Plain ISO strings (the common case) stay on the fast path.
    return `CAST(CASE WHEN length(${src}) > 19 AND regexp_matches(${src}, ${str(TZ_SUFFIX)}) `
      + `THEN timezone('UTC', TRY_CAST(${src} AS TIMESTAMPTZ)) ELSE TRY_CAST(${src} AS TIMESTAMP) END AS TIMESTAMP_MS)`;
  }
  if (t.name === 'date' && col.format) {
    return `CAST(TRY_STRPTIME(${src}, [${col.format.map(str).join(', ')}]) AS DATE)`;
  }
  if (t.name === 'date' && kind === 'text') {
    // TRY_CAST('2025-06-15T10:00:00Z' AS DATE) would keep the day of a timestamp; a date column wants a date.
    return `CASE WHEN length(${src}) <= 10 THEN TRY_CAST(${src} AS DATE) END`;
  }
  return `TRY_CAST(${src} AS ${target})`;
}

function typedLiteral(col: ColumnSpec, v: string | number | boolean): string {
  const t = col.type.name;
  if (t === 'string') return str(String(v));
  if (t === 'boolean') return v ? 'TRUE' : 'FALSE';
  return `CAST(${str(String(v))} AS ${duckdbType(col.type)})`;
}

/** Every way a value of this column can fail, as NULL-safe predicates over (source value, typed value). */
export function failures(col: ColumnSpec, src: string, val: string): Failure[] {
  const out: Failure[] = [];
  const name = col.name;
  const shown = `CAST(${src} AS VARCHAR)`;
  const quoted = `'"' || left(${shown}, 200) || '"'`;
  const typeRule = col.format ? 'format' : 'type';
  const expected = col.format ? `format ${col.format.join(' or ')}` : `a ${formatType(col.type)}`;
  if (col.type.name !== 'string') {
    out.push({ column: name, rule: typeRule, when: `(${src} IS NOT NULL AND ${val} IS NULL)`, value: shown,
      message: `${quoted} || ${str(` is not ${expected}`)}` });
  }
  if (col.required) {
    out.push({ column: name, rule: 'required', when: `(${src} IS NULL)`, value: 'NULL', message: str('required value is missing') });
  }
  if (col.allowed) {
    const values = col.allowed.map((v) => typedLiteral(col, v)).join(', ');
    out.push({ column: name, rule: 'allowed', when: `coalesce(${val} NOT IN (${values}), false)`, value: shown,
      message: `${quoted} || ${str(` is not one of ${col.allowed.join(', ')}`)}` });
  }
  if (col.min !== undefined) {
    out.push({ column: name, rule: 'min', when: `coalesce(${val} < ${typedLiteral(col, col.min)}, false)`, value: shown,
      message: `${shown} || ${str(` is below min ${col.min}`)}` });
  }
  if (col.max !== undefined) {
    out.push({ column: name, rule: 'max', when: `coalesce(${val} > ${typedLiteral(col, col.max)}, false)`, value: shown,
      message: `${shown} || ${str(` is above max ${col.max}`)}` });
  }
  if (col.pattern !== undefined) {
    out.push({ column: name, rule: 'pattern', when: `coalesce(NOT regexp_full_match(${val}, ${str(col.pattern)}), false)`, value: shown,
      message: `${quoted} || ${str(` does not match pattern ${col.pattern}`)}` });
  }
  if (col.maxLength !== undefined) {
    out.push({ column: name, rule: 'maxLength', when: `coalesce(length(${val}) > ${col.maxLength}, false)`, value: `left(${shown}, 200)`,
      message: `'length ' || length(${val}) || ${str(` exceeds maxLength ${col.maxLength}`)}` });
  }
  return out;
}

/** Partition values that cannot be folder names (core/plan/partitioning.ts), as failures of the row's column. */
export function partitionFailures(partitions: readonly PlannedPartition[]): Failure[] {
  return partitionValueProblems(partitions).map((p) => ({ column: p.partition.column, rule: 'partition', when: p.when, value: p.value, message: p.message }));
}

/** Distinct source fields in column order; a field read by two columns is read once. */
export function sourceFields(columns: readonly ColumnSpec[]): string[] {
  return [...new Set(columns.map((c) => c.from))];
}

/** Internal name of source field i inside the typed relation. User columns are lower_snake_case, never "__…". */
export const slot = (i: number) => `__s${i}`;

export interface TypedSqlInput {
  columns: readonly ColumnSpec[];
  kind: SourceKind;
  /** The source relation (a table or view). */
  relation: string;
  /** SQL reading source field `name` from the relation (e.g. "__f3", or NULL::VARCHAR when the field is absent). */
  fieldRef: (name: string) => string;
  /** SQL for the raw record text over the relation's columns; evaluated only for failing rows. */
  rawExpr: string;
  /** A record-level error over the relation's columns (STRUCT(rule, "column", message) or NULL), e.g. invalid JSON. */
  recordError?: string;
  /** The silver partitions: a row whose partition value cannot be a folder name is not valid. */
  partitions?: readonly PlannedPartition[];
}

export const ERR_TYPE = 'STRUCT(rule VARCHAR, "column" VARCHAR, message VARCHAR)';
export const REASON_TYPE = 'STRUCT("column" VARCHAR, rule VARCHAR, "value" VARCHAR, message VARCHAR)';

/**
 * SELECT over the source relation: typed columns in schema order, then __ok, and for failing rows only
 * __bad (the source values of the declared fields and the record error) and __raw (the whole record as text).
 * Materialised with CREATE TABLE … AS, the table's rowid is the record index (DuckDB keeps insertion order).
 */
export function typedSelect({ columns, kind, relation, fieldRef, rawExpr, recordError = 'NULL', partitions = [] }: TypedSqlInput): string {
  const fields = sourceFields(columns);
  const srcOf = (c: ColumnSpec) => slot(fields.indexOf(c.from));
  const refs = fields.map((f, i) => `${fieldRef(f)} AS ${slot(i)}`).join(', ');
  const casts = columns.map((c) => `${castExpr(c, srcOf(c), kind)} AS ${ident(c.name)}`).join(', ');
  const fails = [...columns.flatMap((c) => failures(c, srcOf(c), ident(c.name))), ...partitionFailures(partitions)];
  const ok = `__err IS NULL${fails.length ? ` AND NOT (${fails.map((f) => f.when).join(' OR ')})` : ''}`;
  const values = fields.map((_, i) => `${str(slot(i))}: ${kind === 'text' ? slot(i) : `CAST(${slot(i)} AS VARCHAR)`}`);
  const bad = `{${[...values, `'__err': __err`].join(', ')}}`;
  return `SELECT ${columns.map((c) => ident(c.name)).join(', ')}, ${OK}, `
    + `CASE WHEN NOT ${OK} THEN ${bad} END AS ${BAD}, CASE WHEN NOT ${OK} THEN CAST(${rawExpr} AS VARCHAR) END AS ${RAW} `
    + `FROM (SELECT *, ${ok} AS ${OK} FROM (SELECT *, ${casts} FROM (SELECT *, ${refs}, CAST(${recordError} AS ${ERR_TYPE}) AS __err FROM ${relation})))`;
}

/**
 * For failing rows of the typed relation: the list of reasons, each {column, rule, value, message}.
 * A record-level error (invalid JSON, …) is the only reason of its row; otherwise every failed column check is one.
 */
export function reasonsExpr(columns: readonly ColumnSpec[], partitions: readonly PlannedPartition[] = []): string {
  const fields = sourceFields(columns);
  const reason = (f: Failure) => `CASE WHEN ${f.when} THEN {'column': ${str(f.column)}, 'rule': ${str(f.rule)}, 'value': ${f.value}, 'message': ${f.message}} END`;
  const items = [...columns.flatMap((c) => failures(c, `${BAD}.${slot(fields.indexOf(c.from))}`, ident(c.name))), ...partitionFailures(partitions)].map(reason);
  const columnReasons = items.length ? `list_filter([${items.join(', ')}], x -> x IS NOT NULL)` : `CAST([] AS ${REASON_TYPE}[])`;
  return `CASE WHEN ${BAD}.__err IS NOT NULL THEN [{'column': ${BAD}.__err."column", 'rule': ${BAD}.__err.rule, 'value': CAST(NULL AS VARCHAR), 'message': ${BAD}.__err.message}] `
    + `ELSE CAST(${columnReasons} AS ${REASON_TYPE}[]) END`;
}

