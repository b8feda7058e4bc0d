// The validation SQL: one pass over the source relation that casts every field to its declared type and
// decides, per row, whether it is valid. Failing rows keep their source values so the reasons can be spelled
// out later for just those rows (reasons are expensive; validity is a cheap boolean).
import type { ColumnSpec, SourceFormat, SourceSpec } from '../schema/model.ts';
import { duckdbType } from '../schema/types.ts';
import { castPlan } from './cast/index.ts';
import { quoted as quotedText, typedText } from './cast/sql.ts';
import { ident, str } from '../sql/quote.ts';
import { partitionValueProblems, type PlannedPartition } from './partitioning.ts';

/** What typedSelect takes of a source's CSV dialect: its decimal separator, and whether a quoted "" may be NULL (emptyAsNull). */
export function decimalOf(source: SourceSpec): { decimalSeparator?: ','; emptyIsNull?: true } {
  return {
    ...(source.format === 'csv' && source.csv.decimalSeparator === ',' ? { decimalSeparator: ',' as const } : {}),
    // (JSON too: a JSON "" is the empty string in a string column, NULL in another when "" is a null value; it was NULL
    // in a string column too, unlike CSV's quoted "" and the README's word: an attack, stop 53.)
    ...(source.format !== 'parquet' && source.nullValues.includes('') ? { emptyIsNull: true as const } : {}),
  };
}

/**
 * A CSV field's text as a column of `col`'s type reads it: a quoted empty field ("") is the empty string, as strata's
 * --format csv writes one (PostgreSQL's convention), so a string column keeps it; a column of another type, whose
 * values no empty text denotes, reads it as NULL when the empty field is one of the source's null values (`emptyIsNull`,
 * decimalOf), as before quoted fields were told apart (runtime/ingest/source-relation.ts reads them with
 * allow_quoted_nulls off: a newcomer's export of "" came back NULL, stop 48).
 */
function emptyAsNull(col: ColumnSpec, field: string, emptyIsNull: boolean | undefined): string {
  return emptyIsNull && col.type.name !== 'string' ? `NULLIF(${field}, '')` : field;
}

/**
 * The text a double, float or decimal column's cast reads when the source writes decimal commas
 * (source.csv.decimalSeparator ","): "39,81" is read as "39.81"; a value holding a "." is read as NULL, so it fails
 * the type rule with its own text shown (a "." might be a thousands separator: exact or quarantined, never a guess).
 */
function decimalText(col: ColumnSpec, src: string, from: string, decimalSeparator: ',' | undefined): string {
  if (decimalSeparator !== ',' || from !== 'VARCHAR' || !['double', 'float', 'decimal'].includes(col.type.name)) return src;
  return `CASE WHEN NOT contains(${src}, '.') THEN replace(${src}, ',', '.') END`;
}

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

/**
 * The column's source value: the field, with the column's own nullValues read as NULL (in addition to the
 * source's, which the reader already applied). For text fields only; typed values have no NULL spelling.
 */
export function columnSource(col: ColumnSpec, field: string, from: string): string {
  if (!col.nullValues?.length || from !== 'VARCHAR') return field;
  return `CASE WHEN ${field} IN (${col.nullValues.map(str).join(', ')}) THEN NULL ELSE ${field} END`;
}

function typedLiteral(col: ColumnSpec, v: string | number | boolean): string {
  const t = col.type.name;
  if (t === 'string') return str(String(v));
  if (t === 'boolean') return v ? 'TRUE' : 'FALSE';
  return `CAST(${str(String(v))} AS ${duckdbType(col.type)})`;
}

/**
 * Every way a value of this column can fail, as NULL-safe predicates over (source value, typed value). With
 * `decimalSeparator` "," a number's type message is about the text as read (its comma a point: "10,5" is out of range
 * for decimal(2,1), not "a decimal comma"), and a text holding a "." says that it is no separator under it.
 */
export function failures(col: ColumnSpec, src: string, val: string, from?: string, decimalSeparator?: ','): Failure[] {
  const out: Failure[] = [];
  const name = col.name;
  const shown = typedText(src, from ?? 'VARCHAR');
  const quoted = quotedText(shown);
  // Text always casts to a string; every other pair can fail. (Without `from`, the source type is not known here.)
  if (!(col.type.name === 'string' && from === 'VARCHAR')) {
    // The message reads the source as text: quarantined rows keep their sources as text, whatever their type was.
    const comma = decimalSeparator === ',' && from === 'VARCHAR' && ['double', 'float', 'decimal'].includes(col.type.name);
    const read = `replace(${shown}, ',', '.')`;
    // Every cast message starts with the quoted text: the text as read is shown as written.
    const message = comma
      ? `CASE WHEN contains(${shown}, '.') THEN ${quoted} || ${str(' holds a ".", which is no decimal separator under source.csv.decimalSeparator "," (it may be a thousands separator): not read')} `
        + `ELSE ${quoted} || substr(${castPlan(col, read, 'VARCHAR').message(read)}, length(${quotedText(read)}) + 1) END`
      : castPlan(col, src, 'VARCHAR').message(shown);
    out.push({ column: name, rule: col.format ? 'format' : 'type', when: `(${src} IS NOT NULL AND ${val} IS NULL)`, value: shown, message });
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

/** Internal name of column i's cast draft. */
const draft = (i: number) => `__d${i}`;

export interface TypedSqlInput {
  columns: readonly ColumnSpec[];
  kind: SourceKind;
  /** DuckDB type of source field `name` (Parquet); text sources hand over VARCHAR for every field (the default). */
  fieldType?: (name: string) => string;
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
  /**
   * The source values kept for failing rows, as a struct keyed by slot (default: the slots themselves), when their
   * text should differ from what the casts read (JSON: the literals as written). Evaluated only for failing rows.
   */
  badValues?: (key: (i: number) => string) => string;
  /** source.csv.decimalSeparator, when it is "," (decimalText). */
  decimalSeparator?: ',';
  /** A CSV whose null values hold the empty field: a quoted "" is NULL in a column of a type other than string (emptyAsNull). */
  emptyIsNull?: boolean;
}

export const ERR_TYPE = 'STRUCT(rule VARCHAR, "column" VARCHAR, message VARCHAR)';
export const REASON_TYPE = 'STRUCT("column" VARCHAR, rule VARCHAR, "value" VARCHAR, message VARCHAR)';

/**
 * SELECT over the source relation: typed columns in schema order, then __ok, and for failing rows only
 * __bad (the source values of the declared fields and the record error) and __raw (the whole record as text).
 * Materialised with CREATE TABLE … AS, the table's rowid is the record index (DuckDB keeps insertion order).
 */
export function typedSelect({ columns, kind, relation, fieldRef, rawExpr, recordError = 'NULL', fieldType = () => 'VARCHAR', partitions = [], badValues, decimalSeparator, emptyIsNull }: TypedSqlInput): string {
  const fields = sourceFields(columns);
  const fromOf = (c: ColumnSpec) => (kind === 'text' ? 'VARCHAR' : fieldType(c.from));
  const srcOf = (c: ColumnSpec) => columnSource(c, emptyAsNull(c, slot(fields.indexOf(c.from)), emptyIsNull), fromOf(c));
  const refs = fields.map((f, i) => `${fieldRef(f)} AS ${slot(i)}`).join(', ');
  // Two layers: a cast's draft (DuckDB's own cast, say) is computed once, then its value decides exactness from it.
  const plans = columns.map((c) => castPlan(c, decimalText(c, srcOf(c), fromOf(c), decimalSeparator), fromOf(c)));
  const drafts = plans.flatMap((p, i) => (p.draft ? [`${p.draft} AS ${draft(i)}`] : []));
  const casts = plans.map((p, i) => `${p.value(draft(i))} AS ${ident(columns[i]!.name)}`).join(', ');
  const fails = [...columns.flatMap((c) => failures(c, srcOf(c), ident(c.name), fromOf(c))), ...partitionFailures(partitions)];
  const ok = `__err IS NULL${fails.length ? ` AND NOT (${fails.map((f) => f.when).join(' OR ')})` : ''}`;
  const values = fields.map((f, i) => `${str(slot(i))}: ${kind === 'text' ? slot(i) : badText(slot(i), fieldType(f))}`);
  const bad = badValues ? `struct_insert(${badValues(slot)}, __err := __err)` : `{${[...values, `'__err': __err`].join(', ')}}`;
  return `SELECT ${columns.map((c) => ident(c.name)).join(', ')}, ${OK}, `
    + `CASE WHEN NOT ${OK} THEN ${bad} END AS ${BAD}, CASE WHEN NOT ${OK} THEN CAST(${rawExpr} AS VARCHAR) END AS ${RAW} `
    + `FROM (SELECT *, ${ok} AS ${OK} FROM (SELECT *, ${casts} FROM (SELECT *${drafts.length ? `, ${drafts.join(', ')}` : ''} `
    + `FROM (SELECT *, ${refs}, CAST(${recordError} AS ${ERR_TYPE}) AS __err FROM ${relation}))))`;
}

/**
 * A typed value as a quarantined row keeps it, for its reasons: its text (typedText), but a whole DOUBLE, FLOAT or
 * DECIMAL as the integer it is. The reasons read values as text, and "3000000000.0" (a DOUBLE into an int column) was
 * said to have a fraction, 9.223372036854776e+18 an exponent, where the value was out of range (an attack, stop 53).
 */
function badText(expr: string, type: string): string {
  const whole = (test: string) => `CASE WHEN ${test} THEN CAST(CAST(${expr} AS HUGEINT) AS VARCHAR) ELSE CAST(${expr} AS VARCHAR) END`;
  if (type === 'DOUBLE' || type === 'FLOAT') return whole(`isfinite(${expr}) AND ${expr} = trunc(${expr}) AND abs(${expr}) < 1e38`);
  if (type.startsWith('DECIMAL')) return whole(`${expr} = trunc(${expr})`);
  return typedText(expr, type);
}

/**
 * For failing rows of the typed relation: the list of reasons, each {column, rule, value, message}.
 * A record-level error (invalid JSON, …) is the only reason of its row; otherwise every failed column check is one.
 */
export function reasonsExpr(columns: readonly ColumnSpec[], kind: SourceKind, partitions: readonly PlannedPartition[] = [], decimalSeparator?: ',', emptyIsNull?: boolean): string {
  const fields = sourceFields(columns);
  const reason = (f: Failure) => `CASE WHEN ${f.when} THEN {'column': ${str(f.column)}, 'rule': ${str(f.rule)}, 'value': ${f.value}, 'message': ${f.message}} END`;
  const columnFailures = columns.flatMap((c) =>
    failures(c, columnSource(c, emptyAsNull(c, `${BAD}.${slot(fields.indexOf(c.from))}`, emptyIsNull), kind === 'text' ? 'VARCHAR' : 'typed'), ident(c.name), kind === 'text' ? 'VARCHAR' : undefined, decimalSeparator));
  const items = [...columnFailures, ...partitionFailures(partitions)].map(reason);
  const columnReasons = items.length ? `list_filter([${items.join(', ')}], x -> x IS NOT NULL)` : `CAST([] AS ${REASON_TYPE}[])`;
  return `CASE WHEN ${BAD}.__err IS NOT NULL THEN [{'column': ${BAD}.__err."column", 'rule': ${BAD}.__err.rule, 'value': CAST(NULL AS VARCHAR), 'message': ${BAD}.__err.message}] `
    + `ELSE CAST(${columnReasons} AS ${REASON_TYPE}[]) END`;
}

