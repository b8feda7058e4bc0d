// Gold SQL for Athena (engine v3). The user's SQL is kept as written; only table names change — silver.orders
// becomes the silver Glue database's table — found through the parser's offsets, so nothing else is re-printed.
// An incremental refresh reads only the driver's changed partitions (a partition filter Athena prunes on), and
// writes with UNLOAD into run-specific folders, at most 100 partitions per statement (Athena's writer limit).
import type { DatasetPlan } from '../plan/compile.ts';
import { str } from '../sql/quote.ts';
import type { Node } from './ast.ts';
import { tableRefs } from './ast.ts';
import type { GoldPlan } from './analyze.ts';

export interface AthenaNames {
  /** Glue database per layer. */
  databases: { silver: string; gold: string };
  /** Lake-relative key → s3:// URI. */
  locationOf: (key: string) => string;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Replace every silver.x / gold.x reference (located by the parser) with its Glue database name. */
export function athenaTableNames(sql: string, select: Node, names: AthenaNames, restrict?: { table: string; filter: string }): string {
  const refs = tableRefs(select).filter((r) => ['silver', 'gold'].includes(r.schema.toLowerCase())).sort((a, b) => b.offset - a.offset);
  let out = sql;
  for (const r of refs) {
    const m = /^("?)(silver|gold)\1\s*\.\s*("?)([A-Za-z_][A-Za-z0-9_]*)\3/i.exec(out.slice(r.offset));
    if (!m) throw new Error(`cannot locate table reference ${r.schema}.${r.table} at offset ${r.offset}`);
    const db = r.schema.toLowerCase() === 'silver' ? names.databases.silver : names.databases.gold;
    let replacement = `${q(db)}.${q(r.table)}`;
    if (restrict && r.schema.toLowerCase() === 'silver' && r.table === restrict.table) {
      // Keep the reference's alias working: an unaliased reference was addressed by its table name. Whether it has
      // one is the parser's word: a regex after the name took a quoted alias or one after a comment for none, and
      // gave the subquery a second alias, a syntax error on Athena (an attack, stop 57).
      replacement = `(SELECT * FROM ${replacement} WHERE ${restrict.filter})${r.aliased ? '' : ` AS ${q(r.table)}`}`;
    }
    out = out.slice(0, r.offset) + replacement + out.slice(r.offset + m[0].length);
  }
  return out;
}

export interface UnloadBatch {
  /** Gold partition values (text) this statement writes: one per partition, a tuple for a table of several partition columns. */
  values: Array<string | null | Array<string | null>>;
  /** Run-specific folder; its <partition>=<value>/ subfolders become the new partition versions. */
  prefix: string;
  sql: string;
}

/** Trino type for a gold column's Glue type (casts in the UNLOAD select keep the files' types = the table's). */
export function trinoOfGlue(t: string): string {
  const map: Record<string, string> = { string: 'varchar', int: 'integer', bigint: 'bigint', double: 'double', float: 'real', boolean: 'boolean', date: 'date', timestamp: 'timestamp(3)' };
  return map[t] ?? t;
}

/** The gold rows as they are written: every column cast to its Glue type, partition columns last (UNLOAD's rule). */
export function goldRowsSql(plan: GoldPlan, athenaSql: string): string {
  const data = plan.columns.filter((c) => !plan.partitionBy.includes(c.name));
  const select = [...data, ...plan.partitionColumns].map((c) => `CAST(${q(c.name)} AS ${trinoOfGlue(c.glueType)}) AS ${q(c.name)}`).join(', ');
  return `SELECT ${select} FROM (\n${athenaSql.trim()}\n) AS gold_source`;
}

/** The column UNLOAD partitions by: a copy of the partition column, so the files keep the column itself. */
export const unloadPartitionColumn = (name: string) => `__p_${name}`;

/**
 * UNLOAD statements refreshing a gold table on Athena: partition columns last (Athena writes partitions from the
 * trailing columns), ≤ 100 partition values per statement, each into its own empty run-specific folder.
 */
export function unloadStatements(plan: GoldPlan, athenaSql: string, runId: string, names: AthenaNames, targets?: Array<string | null | Array<string | null>>): UnloadBatch[] {
  const parts = plan.partitionColumns;
  // UNLOAD leaves partition columns out of the files. strata's gold files carry them (as the DuckDB engine writes
  // them, and as every reader of the version folders expects), so UNLOAD partitions by a copy of each instead.
  // The folder names it produces (__p_day=...) are only read by the publish, which copies the files into version
  // folders named like any other.
  const copies = parts.map((c) => `, CAST(${q(c.name)} AS ${trinoOfGlue(c.glueType)}) AS ${q(unloadPartitionColumn(c.name))}`).join('');
  const base = goldRowsSql(plan, athenaSql).replace(/ FROM \(\n/, `${copies} FROM (\n`);
  const folder = (i: number) => `${plan.prefix}v-${runId}-b${i}/`;
  const unload = (sql: string, prefix: string) => `UNLOAD (${sql}) TO ${str(names.locationOf(prefix))} WITH (format = 'PARQUET', compression = 'ZSTD'${parts.length ? `, partitioned_by = ARRAY[${parts.map((p) => str(unloadPartitionColumn(p.name))).join(', ')}]` : ''})`;
  if (!parts.length) return [{ values: [], prefix: folder(0), sql: unload(base, folder(0)) }];
  const p = parts[0]!;
  const literal = (v: string | null) => (v === null ? 'NULL' : `CAST(${str(v)} AS ${trinoOfGlue(p.glueType)})`);
  if (!targets) {
    // A full refresh: the partition values are only known after computing; the caller first asks Athena for them
    // (distinctPartitionsSql) and passes them in, so every statement stays within the 100-partition limit.
    throw new Error('unloadStatements needs the target partition values (run distinctPartitionsSql first)');
  }
  const batches: UnloadBatch[] = [];
  // Qualified: the select list re-declares the column under the same name (Trino resolves WHERE against the
  // source anyway; DuckDB would try the alias).
  const colOf = (c: { name: string }) => `gold_source.${q(c.name)}`;
  for (let i = 0; i < targets.length; i += 100) {
    const values = targets.slice(i, i + 100);
    let where: string;
    if (parts.length === 1) {
      const one = values.map((v) => (Array.isArray(v) ? v[0] ?? null : v));
      const nonNull = one.filter((v): v is string => v !== null);
      const col = colOf(p);
      where = [nonNull.length ? `${col} IN (${nonNull.map(literal).join(', ')})` : '', one.includes(null) ? `${col} IS NULL` : ''].filter(Boolean).join(' OR ');
    } else {
      // A table of several partition columns: each statement writes at most 100 partitions, each a tuple of values
      // (bounded by the first column alone, one day could hold any number of partitions: an attack, stop 49).
      where = values.map((t) => {
        const tuple = Array.isArray(t) ? t : [t];
        return `(${parts.map((c, k) => {
          const v = tuple[k] ?? null;
          return v === null ? `${colOf(c)} IS NULL` : `${colOf(c)} = CAST(${str(v)} AS ${trinoOfGlue(c.glueType)})`;
        }).join(' AND ')})`;
      }).join(' OR ');
    }
    batches.push({ values, prefix: folder(batches.length), sql: unload(`${base} WHERE ${where}`, folder(batches.length)) });
  }
  return batches;
}

/** The gold partition values a full refresh produces (to split it into UNLOADs of ≤ 100). */
export function distinctPartitionsSql(plan: GoldPlan, athenaSql: string): string | undefined {
  const p = plan.partitionColumns[0];
  if (!p) return undefined;
  return `SELECT DISTINCT CAST(${q(p.name)} AS varchar) AS value FROM (\n${athenaSql.trim()}\n) AS gold_source ORDER BY 1`;
}

/**
 * The longest query string Athena takes, bytes: 262,144, a quota AWS does not raise ("The maximum allowed query string
 * length is 262,144 bytes": Athena service quotas; StartQueryExecution's QueryString constraint). runtime/engine/athena.ts
 * refuses a longer one before sending it.
 */
export const ATHENA_QUERY_MAX = 262_144;

/**
 * The longest driver filter (driverFilter) an incremental refresh on Athena sends, bytes: a quarter of ATHENA_QUERY_MAX,
 * which leaves the rest to the gold SQL, the audit's rules around it and UNLOAD's own list of partitions. A refresh
 * whose changed partitions need a longer filter (a backfill of some 4,700 days of a day partition, each written
 * '2025-06-12'; fewer of longer values) recomputes the table whole instead (runtime/gold/refresh.ts): the same rows, in
 * a query Athena takes.
 */
export const DRIVER_FILTER_MAX = ATHENA_QUERY_MAX / 4;

/**
 * Filter on the driver's partition column selecting the silver partitions an incremental run reads: the key the gold
 * partition comes from (Incremental.partition; default the first). Every partition with a listed value of that key is
 * listed, so the filter reads exactly them; on another key it read more (a gold table by status over [day, status]
 * read whole days).
 */
export function driverFilter(driver: DatasetPlan, paths: string[], values: Map<string, Array<string | null>>, key = driver.partitions[0]?.name): string {
  const at = Math.max(0, driver.partitions.findIndex((x) => x.name === key));
  const p = driver.partitions[at]!;
  const vals = paths.map((path) => values.get(path)?.[at] ?? null);
  const nonNull = [...new Set(vals.filter((v): v is string => v !== null))]; // each value once (many days hold one status)
  const lit = (v: string) => (p.glueType === 'string' ? str(v) : `CAST(${str(v)} AS ${trinoOfGlue(p.glueType)})`);
  return [nonNull.length ? `${q(p.name)} IN (${nonNull.map(lit).join(', ')})` : '', vals.includes(null) ? `${q(p.name)} IS NULL` : ''].filter(Boolean).join(' OR ') || 'false';
}
