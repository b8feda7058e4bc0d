// Schema evolution against what a table was last written with. Additive changes (a new nullable column, int →
// bigint, float → double, a larger decimal precision) let old Parquet files be read as they are; anything else
// would make Athena or DuckDB misread old files, so it is refused with the way to get there instead.
import { formatType, isWidening, parseType } from './types.ts';

export interface AppliedColumn {
  name: string;
  /** Glue/Hive type name, e.g. "decimal(12,2)". */
  type: string;
}

export interface AppliedSchema {
  hash: string;
  columns: AppliedColumn[];
  partitionKeys: AppliedColumn[];
}

export interface SchemaChange {
  kind: 'added' | 'widened' | 'dropped' | 'renamed' | 'retyped' | 'repartitioned' | 'required-added';
  column?: string;
  breaking: boolean;
  message: string;
  /** How to get there without breaking readers. */
  migration?: string;
}

const REPLAY = 'create a new dataset (e.g. <name>_v2) with the new schema and re-ingest its bronze objects into it';

export function compareSchemas(applied: AppliedSchema, next: AppliedSchema, requiredNow: ReadonlySet<string> = new Set()): SchemaChange[] {
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
        migration: `keep ${d.name} and add ${twin.name} (fill it going forward), or ${REPLAY}` });
      added.splice(added.indexOf(twin), 1);
    } else {
      out.push({ kind: 'dropped', column: d.name, breaking: true,
        message: `column ${d.name} (${d.type}) was removed, but silver files and Athena still have it`,
        migration: `keep the column (it may stay NULL for new rows), or ${REPLAY}` });
    }
  }
  for (const a of added) {
    const required = requiredNow.has(a.name);
    out.push({ kind: required ? 'required-added' : 'added', column: a.name, breaking: false,
      message: required ? `new required column ${a.name}: rows already in silver read it as NULL` : `new column ${a.name} (${a.type})` });
  }
  for (const n of next.columns) {
    const b = before.get(n.name);
    if (!b || b.type === n.type) continue;
    const from = parseType(b.type), to = parseType(n.type);
    const ok = !('error' in from) && !('error' in to) && isWidening(from, to);
    out.push(ok
      ? { kind: 'widened', column: n.name, breaking: false, message: `column ${n.name} widened from ${b.type} to ${n.type}` }
      : { kind: 'retyped', column: n.name, breaking: true,
          message: `column ${n.name} changed type from ${b.type} to ${n.type}: old files hold ${b.type} values${'error' in to ? '' : ` that ${formatType(to)} cannot read back exactly`}`,
          migration: `add a new column (e.g. ${n.name}_${n.type.replace(/\W+/g, '_')}) with the new type and keep ${n.name}, or ${REPLAY}` });
  }
  const key = (cs: AppliedColumn[]) => cs.map((c) => `${c.name}:${c.type}`).join(',');
  if (key(applied.partitionKeys) !== key(next.partitionKeys)) {
    out.push({ kind: 'repartitioned', breaking: true,
      message: `partitions changed from (${key(applied.partitionKeys) || 'none'}) to (${key(next.partitionKeys) || 'none'}): existing folders cannot be re-read under the new layout`,
      migration: REPLAY });
  }
  return out;
}
