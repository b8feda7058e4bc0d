// Schema evolution against what a table was last written with. Additive changes (a new nullable column, int →
// bigint, float → double, a larger decimal precision) let old Parquet files be read as they are; anything else
// would make Athena or DuckDB misread old files, so it is refused with the way to get there instead.
import { formatType, isWidening, parseType, TRANSFORM_FORMATS, type LogicalType } from './types.ts';
import { ERRORS, StrataError } from '../errors.ts';

export interface AppliedColumn {
  name: string;
  /** Glue/Hive type name, e.g. "decimal(12,2)". */
  type: string;
  /**
   * A partition key's source: its transform of its column, "day(created_at)", as the Glue table's partition comment
   * says. Absent on columns, and on partition keys recorded before stop 36 (a commit of the same schema adds it).
   */
  source?: string;
}

export interface AppliedSchema {
  hash: string;
  columns: AppliedColumn[];
  partitionKeys: AppliedColumn[];
  /**
   * What the schema file claimed of the rows' keys when silver was last written: its primary key and its mode (an
   * upsert's key is unique within a partition, an append's across the table). Not in the hash (no file changes with
   * it); absent for gold tables and tables last written before stop 48. A key claim added since (a key narrowed, upsert
   * → append) is counted against the rows (runtime/schema/silver-constraints.ts); required columns are counted from the
   * files' footers whatever was declared.
   */
  declared?: { primaryKey: string[]; mode: 'append' | 'upsert' };
}

export interface SchemaChange {
  kind: 'added' | 'widened' | 'dropped' | 'renamed' | 'retyped' | 'repartitioned' | 'required-added' | 'rekeyed';
  column?: string;
  breaking: boolean;
  message: string;
  /** How to get there without breaking readers. */
  migration?: string;
}

/** The way out of a breaking change: a new dataset of the new schema, fed the old one's bronze objects (named: newcomer's trial, stop 46). */
// In the order they first arrived: a shell's glob of _objects/ is in content-id order, and an upsert keeps the last row
// of a key, an append's key check the first (an attack, stop 48: the glob replayed an upsert table to older values).
export const replay = (dataset: string) => `create a new dataset (e.g. ${dataset}_v2) with the new schema and re-ingest its bronze objects into it in the order they first arrived (locally: strata ingest ${dataset}_v2 <object>… with the objects of strata runs --dataset ${dataset} --limit 100000 --json, oldest first)`;

/** The values each time transform writes (TRANSFORM_FORMATS; a year's four digits), to read the source of a key recorded without one. */
const TRANSFORM_VALUES: Record<string, RegExp> = {
  year: /^\d{4}$/,
  ...Object.fromEntries(Object.entries(TRANSFORM_FORMATS).map(([t, f]) => [t, new RegExp(`^${f.replace('%Y', '\\d{4}').replace(/%[mdH]/g, '\\d{2}')}$`)])),
};

/**
 * The changes from `applied` to `next`, each breaking or not. `values`: the table's partition values (each partition's,
 * in key order), which tell a key recorded without its source (before stop 36) from a time transform that writes
 * other values: a month partition's "2025-06" is no day's.
 */
export function compareSchemas(applied: AppliedSchema, next: AppliedSchema, requiredNow: ReadonlySet<string> = new Set(), values: ReadonlyArray<ReadonlyArray<string | null>> = [], dataset = '<name>'): SchemaChange[] {
  if (applied.hash === next.hash) return [];
  const out: SchemaChange[] = [];
  const before = new Map(applied.columns.map((c) => [c.name, c]));
  const after = new Map(next.columns.map((c) => [c.name, c]));
  const dropped = applied.columns.filter((c) => !after.has(c.name));
  const added = next.columns.filter((c) => !before.has(c.name));
  for (const d of dropped) {
    const twin = added.find((a) => a.type === d.type);
    if (twin) {
      out.push({ kind: 'renamed', column: d.name, breaking: true,
        message: `column ${d.name} looks renamed to ${twin.name}: old files still call it ${d.name}, so ${twin.name} would read as NULL for them`,
        migration: `keep ${d.name} and add ${twin.name} (fill it going forward), or ${replay(dataset)}` });
      added.splice(added.indexOf(twin), 1);
    } else {
      out.push({ kind: 'dropped', column: d.name, breaking: true,
        message: `column ${d.name} (${d.type}) was removed, but silver files and Athena still have it`,
        migration: `keep the column (it may stay NULL for new rows), or ${replay(dataset)}` });
    }
  }
  for (const a of added) {
    const required = requiredNow.has(a.name);
    out.push({ kind: required ? 'required-added' : 'added', column: a.name, breaking: false,
      message: required ? `new required column ${a.name}: rows already in silver read it as NULL` : `new column ${a.name} (${a.type})` });
  }
  // A primary key naming a column the table's files lack: their rows read it as NULL, so no key of theirs matches a
  // new row's (an upsert would add each key beside them; an append's key check could not tell repeats), and the
  // stage and commit failed on it with a binder error (an attack, stop 48).
  const pk = next.declared?.primaryKey ?? [];
  for (const k of pk.filter((k) => !before.has(k))) {
    out.push({ kind: 'rekeyed', column: k, breaking: true,
      message: `primary key (${pk.join(', ')}) names ${k}, a column the table's files were written without: their rows read it as NULL, so no key of theirs can match a new row's`,
      migration: `keep the primary key the table was written under (add ${k} as a column alone), or ${replay(dataset)}` });
  }
  for (const n of next.columns) {
    const b = before.get(n.name);
    if (!b || b.type === n.type) continue;
    const from = parseType(b.type), to = parseType(n.type);
    const ok = !('error' in from) && !('error' in to) && isWidening(from, to);
    // A float key read as a double is not the double its text denotes: the same key sent again (0.1) would match no
    // row already written (0.10000000149011612), and an upsert would add a second row beside each (an attack, stop 50).
    if (ok && b.type === 'float' && pk.includes(n.name)) {
      out.push({ kind: 'rekeyed', column: n.name, breaking: true,
        message: `column ${n.name} is in the primary key (${pk.join(', ')}): widened from float to double, the keys already in silver read as doubles that are not what their text said (0.1 reads 0.10000000149011612), so the same key sent again would match none of them${next.declared?.mode === 'upsert' ? ' and an upsert would add a second row beside each' : ''}`,
        migration: `keep ${n.name} a float, or ${replay(dataset)}` });
      continue;
    }
    out.push(ok
      ? { kind: 'widened', column: n.name, breaking: false, message: `column ${n.name} widened from ${b.type} to ${n.type}${b.type === 'float' && n.type === 'double'
        // Every float is a double, but not the double its text denotes: the rows already written keep their float.
        ? ': rows already in silver read their float values as doubles, not as what their source text said (0.1 written as a float reads 0.10000000149011612); rows ingested from now on hold the double nearest their text'
        : ''}` }
      : { kind: 'retyped', column: n.name, breaking: true,
          message: `column ${n.name} changed type from ${b.type} to ${n.type}: old files hold ${b.type} values${'error' in to ? ''
            // Every old value fits (decimal(12,2) in decimal(14,3)), but a reader does not convert a file's values: it
            // said they could not be read back exactly, which was untrue (newcomer's trial, stop 57).
            : !('error' in from) && valuesFit(from, to)
              ? `, which ${formatType(to)} holds exactly, but readers do not convert them: Athena and Glue read a Parquet file's values as the table's type only for the promotions Iceberg allows (int to bigint, float to double, a decimal's precision at the same scale), so the old files would have to be rewritten`
              : ` that ${formatType(to)} cannot read back exactly`}`,
          migration: `add a new column (e.g. ${n.name}_${n.type.replace(/\W+/g, '_')}) with the new type and keep ${n.name}, or ${replay(dataset)}` });
  }
  const key = (cs: AppliedColumn[]) => cs.map((c) => `${c.name}:${c.type}`).join(',');
  if (key(applied.partitionKeys) !== key(next.partitionKeys)) {
    out.push({ kind: 'repartitioned', breaking: true,
      message: `partitions changed from (${key(applied.partitionKeys) || 'none'}) to (${key(next.partitionKeys) || 'none'}): existing folders cannot be re-read under the new layout`,
      migration: replay(dataset) });
  } else {
    // The same names and types from another source: a month partition become a day one holds "2025-06" beside
    // "2025-09-01", which no reader, gold refresh or rollback can tell apart (newcomer trial, stop 36).
    for (const [i, b] of applied.partitionKeys.entries()) {
      const n = next.partitionKeys[i]!;
      if (b.source && n.source && b.source !== n.source) {
        out.push({ kind: 'repartitioned', breaking: true,
          message: `partition ${n.name} changed from ${b.source} to ${n.source}: its existing folders hold values of ${b.source}, which the new layout would mix with values of ${n.source}`,
          migration: `keep partition ${n.name} as ${b.source}, or ${replay(dataset)}` });
      } else if (!b.source && n.source) {
        const shape = TRANSFORM_VALUES[n.source.slice(0, n.source.indexOf('('))];
        const other = shape && values.map((v) => v[i]).find((v) => v !== null && v !== undefined && !shape.test(v));
        if (other) {
          out.push({ kind: 'repartitioned', breaking: true,
            message: `partition ${n.name} holds values such as "${other}", which ${n.source} does not write: the new layout would mix them`,
            migration: `keep partition ${n.name}'s transform and column as they were, or ${replay(dataset)}` });
        }
      }
    }
  }
  return out;
}

/**
 * Strata.SchemaMismatch when `next` cannot evolve from `applied`, the schema silver.`dataset` was written with (none:
 * nothing to compare), its partitions holding `values()` (compareSchemas; asked for only when the schemas differ):
 * the stage refuses it before any work, the commit before any file moves, the register before the catalog shows it.
 */
export function refuseBreakingChange(applied: AppliedSchema | undefined, next: AppliedSchema, dataset: string, values: () => ReadonlyArray<ReadonlyArray<string | null>> = () => []): void {
  // The same schema (every run but the one after an edit): nothing to compare, and no partition read.
  if (!applied || applied.hash === next.hash) return;
  const breaking = compareSchemas(applied, next, new Set(), values(), dataset).filter((c) => c.breaking);
  if (breaking.length) {
    throw new StrataError(ERRORS.SchemaMismatch, `silver.${dataset} was written with another schema and this change would break its readers: `
      + `${breaking.map((c) => `${c.message} (migration: ${c.migration})`).join('; ')}. Run strata check.`);
  }
}

/**
 * Whether every value of `from` is a value of `to` (a numeric type into a wider one; isWidening's promotions and the
 * ones readers do not make: a decimal into more integer and fraction digits, an integer into a decimal or an int into
 * a double). Only what the refusal's message says; the refusal is isWidening's.
 */
function valuesFit(from: LogicalType, to: LogicalType): boolean {
  // Integer digits of each integer type's range, and the decimals whose every value it holds (scale 0, fewer digits).
  const digits: Record<string, number> = { int: 10, bigint: 19 };
  const holds: Record<string, number> = { int: 9, bigint: 18, float: 7, double: 15 };
  if (from.name === 'decimal') {
    const fp = from.precision ?? 0, fs = from.scale ?? 0;
    if (to.name === 'decimal') return (to.scale ?? 0) >= fs && (to.precision ?? 0) - (to.scale ?? 0) >= fp - fs;
    return fs === 0 && holds[to.name] !== undefined && fp <= holds[to.name]!;
  }
  if (to.name === 'decimal') return digits[from.name] !== undefined && (to.precision ?? 0) - (to.scale ?? 0) >= digits[from.name]!;
  return from.name === 'int' && to.name === 'double';
}
