// Partition layout: how a partition value is computed from a row, in DuckDB and in Athena, and its Glue type.
// Values are strings for time transforms (Athena's advice for partition keys) and the column's own type for identity.
import type { ColumnSpec, PartitionSpec, Transform } from '../schema/model.ts';
import { duckdbType, glueType, TRANSFORM_FORMATS, type LogicalType } from '../schema/types.ts';
import { ident, str } from '../sql/quote.ts';

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
  const f = TRANSFORM_FORMATS[p.transform]; // the same in strftime and date_format
  const type: LogicalType = { name: 'string' };
  // A DATE prints as yyyy-MM-dd: the day value without strftime's format parsing (25% cheaper on 3M rows). The month
  // and the hour are printed from the DATE too (and hour()): strftime of a TIMESTAMP goes through nanoseconds, and
  // failed the whole run on any value outside 1677-09-21 .. 2262-04-11, as 9999-12-31 ("Could not convert
  // Timestamp(US) to Timestamp(NS)": an attack, stop 52). Both print what strftime(c, f) printed within that range.
  const day = `CAST(CAST(${c} AS DATE) AS VARCHAR)`;
  const duckdb = p.transform === 'day' ? day
    : p.transform === 'month' ? `strftime(CAST(${c} AS DATE), '${TRANSFORM_FORMATS.month}')`
      : `${day} || '-' || lpad(CAST(hour(${c}) AS VARCHAR), 2, '0')`;
  return { name: p.name, column: p.column, transform: p.transform, type, duckdbType: 'VARCHAR', glueType: 'string',
    duckdb, athena: `date_format(${c}, '${f}')` };
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

/** Longest file or folder name local file systems allow (NAME_MAX of ext4, XFS, APFS, NTFS), in bytes. */
export const MAX_NAME_BYTES = 255;
/** Staging names a partition folder `__p_<name>=<value>` (runtime/ingest/validate-file.ts): those 4 bytes must fit too. */
const STAGING_NAME_BYTES = 4;
/**
 * What the partition folders of one row may take of an S3 key (at most 1024 bytes): the other 256 hold the lake's
 * location prefix, the layer and table (silver/<dataset>/), the version folder (v-<run id>-<attempt>/, 31 bytes) and
 * the file name (part-<run id>-<n>.parquet, up to 45).
 */
export const MAX_PARTITION_PATH_BYTES = 768;

/** One way a partition value cannot name a folder: NULL-safe SQL over the typed row, the value shown, the message. */
export interface PartitionValueProblem {
  partition: PlannedPartition;
  when: string;
  value: string;
  message: string;
}

/** Bytes of `v` once percent-encoded by escapePartitionValue: every byte outside [A-Za-z0-9._-] takes three. */
const encodedBytes = (v: string) => `(strlen(${v}) + 2 * (strlen(${v}) - strlen(regexp_replace(${v}, '[^A-Za-z0-9._-]', '', 'g'))))`;

/**
 * Why a gold partition value (a SQL expression `v` of a string partition column `name`) cannot be a folder name, as
 * a SQL CASE over it, NULL when it can: Hive's folder name for NULL (the two would share one folder: a file written
 * over the other, and a row lost: an attack, stop 45), or a folder name `name=value` over MAX_NAME_BYTES (with
 * staging's prefix) percent-encoded. Control characters are percent-encoded and read back exactly (test/damage.test.ts),
 * so a gold table keeps them, where silver quarantines them by policy (partitionValueProblems).
 */
export function folderValueProblem(name: string, v: string): string {
  const bytes = `(${Buffer.byteLength(name) + 1} + ${encodedBytes(v)})`;
  const [before, after] = FOLDER_REASONS.tooLong;
  return `CASE WHEN ${v} = ${str(HIVE_NULL)} THEN ${str(FOLDER_REASONS.hiveNull)}`
    + ` WHEN ${v} = '' THEN ${str(FOLDER_REASONS.empty(name))}`
    + ` WHEN ${bytes} > ${FOLDER_NAME_FIT} THEN ${str(before)} || ${bytes} || ${str(after)} END`;
}

/** Bytes a gold partition's folder name `name=value` may take, percent-encoded (staging's prefix left room). */
const FOLDER_NAME_FIT = MAX_NAME_BYTES - STAGING_NAME_BYTES;

/** The reasons of folderValueProblem and folderValueProblemOf, in one place (the long one around its byte count). */
const FOLDER_REASONS = {
  hiveNull: `"${HIVE_NULL}" is the folder name Hive gives NULL`,
  empty: (name: string) => `the empty string makes the folder name "${name}=", which Hive and Athena read as NULL`,
  tooLong: ['its folder name takes ', ` bytes percent-encoded; at most ${FOLDER_NAME_FIT} fit`] as const,
};

/**
 * folderValueProblem for one value in hand (the Athena engine counts a gold table's partition values before its
 * UNLOADs, which would write such a value into the NULL partition's folder: an attack, stop 49): the same reasons, in
 * the same words; undefined when the value can be a folder name, and for NULL (Hive's own folder).
 */
export function folderValueProblemOf(name: string, v: string | null): string | undefined {
  if (v === null) return undefined;
  if (v === HIVE_NULL) return FOLDER_REASONS.hiveNull;
  if (v === '') return FOLDER_REASONS.empty(name);
  const b = Buffer.byteLength(v);
  const bytes = Buffer.byteLength(name) + 1 + b + 2 * (b - v.replace(/[^A-Za-z0-9._-]/g, '').length);
  return bytes > FOLDER_NAME_FIT ? `${FOLDER_REASONS.tooLong[0]}${bytes}${FOLDER_REASONS.tooLong[1]}` : undefined;
}

/**
 * Why a row's partition values cannot be folder names, as SQL predicates over the typed row (DuckDB). Only identity
 * partitions of string columns can fail: time transforms, years and the text of numbers, dates and timestamps are
 * short and printable. A value fails when it holds a control character (U+0000-U+001F, U+007F: invisible in folder
 * names, S3 keys and query output, and NUL ends strings in many tools), when it is Hive's folder name for NULL
 * (`__HIVE_DEFAULT_PARTITION__`: it would share the NULL partition's folder), when it is empty (Hive reads `name=` as
 * NULL), when its folder name `name=value`
 * (percent-encoded, as Hive and DuckDB write it) exceeds MAX_NAME_BYTES with staging's prefix, or when the row's
 * partition folders together exceed MAX_PARTITION_PATH_BYTES of an S3 key.
 */
export function partitionValueProblems(partitions: readonly PlannedPartition[]): PartitionValueProblem[] {
  const strings = partitions.filter((p) => p.transform === 'identity' && p.type.name === 'string');
  const out: PartitionValueProblem[] = [];
  const folderLimit = MAX_NAME_BYTES - STAGING_NAME_BYTES;
  for (const p of strings) {
    const v = p.duckdb;
    const label = str(`partition ${p.name}: `);
    const json = `CAST(to_json(${v}) AS VARCHAR)`;
    out.push({
      partition: p, when: `coalesce(regexp_matches(${v}, '[\\x00-\\x1f\\x7f]'), false)`, value: `left(${json}, 200)`,
      message: `${label} || left(${json}, 200) || ' has a control character (U+0000-U+001F or U+007F), which a partition value cannot hold'`,
    });
    // An empty value makes the folder `name=`, which Hive and Athena read as NULL, and DuckDB as '' (an attack, stop 48:
    // a quoted "" in a CSV, the empty string since then, reached one; a JSON "" before).
    out.push({
      partition: p, when: `coalesce(${v} = '', false)`, value: v,
      message: `${label} || ${str('the empty string makes the folder name "' + p.name + '=", which Hive and Athena read as NULL; a partition value cannot be empty')}`,
    });
    out.push({
      partition: p, when: `coalesce(${v} = ${str(HIVE_NULL)}, false)`, value: v,
      message: `${label} || ${str(`"${HIVE_NULL}" is the folder name Hive gives NULL; as a value it would share the NULL partition's folder`)}`,
    });
    const bytes = `(${Buffer.byteLength(p.name) + 1} + ${encodedBytes(v)})`;
    out.push({
      partition: p, when: `coalesce(${bytes} > ${folderLimit}, false)`, value: `left(${v}, 200)`,
      message: `${label} || 'the value (' || length(${v}) || ' characters) makes a folder name of ' || ${bytes} || ${str(` bytes percent-encoded; at most ${folderLimit} fit (folder names hold ${MAX_NAME_BYTES} bytes)`)}`,
    });
  }
  if (strings.length > 1) {
    // The other partitions' values are short (a day, an hour, a number: at most 30 bytes encoded, 32 with "=" and
    // "/"): counting them at that bound keeps the check one expression.
    const fixed = partitions.filter((p) => !strings.includes(p)).reduce((a, p) => a + Buffer.byteLength(p.name) + STAGING_NAME_BYTES + 32, 0);
    const bytes = `(${fixed} + ${strings.map((p) => `${Buffer.byteLength(p.name) + STAGING_NAME_BYTES + 2} + coalesce(${encodedBytes(p.duckdb)}, ${HIVE_NULL.length})`).join(' + ')})`;
    const names = strings.map((p) => p.name).join(', ');
    out.push({
      partition: strings[0]!, when: `coalesce(${bytes} > ${MAX_PARTITION_PATH_BYTES}, false)`, value: `left(${strings.map((p) => `coalesce(${p.duckdb}, 'NULL')`).join(` || '/' || `)}, 200)`,
      message: `${str(`partitions ${names}: their folders take `)} || ${bytes} || ${str(` bytes percent-encoded; at most ${MAX_PARTITION_PATH_BYTES} fit in an S3 key (1024 bytes) with the table, version and file names`)}`,
    });
  }
  return out;
}
