// What a schema file claims of every row of its silver table, counted over the table's current files: each required
// column holds a value, and no two rows share a primary key. A schema file edited under a table that holds rows
// (required: false → true, a key narrowed from [id, region] to [id], upsert → append) can claim what those rows
// contradict: the edit changes no file and no schema hash, so nothing else sees it (an attack, stop 47).
import { pathList, withDuck, type Duck, type DuckOptions } from '../engine/duckdb.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { plural } from '../../core/text.ts';
import type { Storage } from '../storage/port.ts';
import type { TableManifest } from '../table/manifest.ts';
import type { AppliedSchema } from '../../core/schema/evolution.ts';

export interface SilverContradictions {
  /** Rows of the table's current version. */
  rows: number;
  /**
   * Required columns (of the table's schema: a new column is said by compareSchemas) whose files hold NULLs, in schema
   * order: counted from the files' footers (Parquet's null count per column chunk), whatever was declared before. A
   * file written before the column was added lacks it (its rows read NULL, as compareSchemas' required-added allows):
   * not counted.
   */
  nulls: Array<{ column: string; rows: number }>;
  /** Keys held by more than one row, when the key claim was added since (keyClaimAdded) and there are: how many, their rows, one of them ("id=1"). */
  duplicates?: { key: string[]; keys: number; rows: number; example: string };
  /**
   * Whether the table recorded its key claim when it was last written (AppliedSchema.declared): then the key was
   * counted only if that claim changed, and repeats contradict the change. Else it was counted whatever, and a repeat
   * may predate any edit.
   */
  recorded: boolean;
}

/**
 * Whether `plan` claims of silver's keys what the table, last written under `schema`, was not written under: a
 * primary key that does not hold every column of the key then (rows unique under [id] are unique under [id, region]),
 * or the same key made unique across the table (upsert → append: an upsert's key is unique within a partition).
 * Always, for a table that recorded no claim (AppliedSchema.declared).
 */
export function keyClaimAdded(schema: AppliedSchema, plan: Pick<DatasetPlan, 'columns' | 'primaryKey' | 'mode'>): boolean {
  const known = new Set(schema.columns.map((c) => c.name));
  const then = schema.declared;
  if (!plan.primaryKey.length || !plan.primaryKey.every((k) => known.has(k))) return false;
  if (!then || !then.primaryKey.length || !then.primaryKey.every((k) => plan.primaryKey.includes(k))) return true;
  return then.mode === 'upsert' && plan.mode === 'append';
}

/**
 * The rows of silver.`plan.dataset` (its current files, as `manifest` names them) that contradict `plan`: NULLs in a
 * required column (primary key columns are required: core/schema/load.ts), from the files' footers (unless
 * `opts.nulls` is false); and, when the key claim was added (keyClaimAdded), rows that share a primary key. An upsert replaces a key within
 * its partition (runtime/pipeline/commit.ts mergeSql), so its key is unique per partition; an append's is unique across
 * the table (runtime/ingest/prior-keys.ts). undefined when nothing is to be counted (no recorded schema, no rows).
 * Throws DuckDB's error when a file cannot be read (strata doctor names it).
 */
export async function silverContradictions(storage: Storage, plan: DatasetPlan, manifest: TableManifest, duck: DuckOptions = {}, opts: { nulls?: boolean } = {}): Promise<SilverContradictions | undefined> {
  const schema = manifest.schema;
  const parts = Object.values(manifest.partitions).filter((p) => p.rows > 0 && p.files.length);
  if (!schema || !parts.length) return undefined;
  const known = new Set(schema.columns.map((c) => c.name));
  const required = opts.nulls === false ? [] : plan.columns.filter((c) => c.required && known.has(c.name)).map((c) => c.name);
  const pk = keyClaimAdded(schema, plan) ? plan.primaryKey : [];
  if (!required.length && !pk.length) return undefined;
  const keys = parts.flatMap((p) => p.files);
  const partOf = parts.flatMap((p) => p.files.map(() => p.path));
  return storage.withLocalFiles(keys, (paths) => withDuck(async (db) => {
    const out: SilverContradictions = { rows: parts.reduce((a, p) => a + p.rows, 0), nulls: [], recorded: schema.declared !== undefined };
    if (required.length) {
      // Footers only: each column chunk's null count (DuckDB writes it; a chunk without one is read instead).
      const counted = await db.all<{ c: string; n: number | null; unknown: number }>(`SELECT path_in_schema AS c, sum(stats_null_count) AS n, count(*) FILTER (WHERE stats_null_count IS NULL) AS unknown `
        + `FROM parquet_metadata(${pathList(paths)}) WHERE path_in_schema IN (${required.map(str).join(', ')}) GROUP BY 1`);
      const by = new Map(counted.map((r) => [r.c, r]));
      for (const column of required) {
        const r = by.get(column);
        let n = Number(r?.n ?? 0);
        if (r && Number(r.unknown) > 0) {
          const holding = (await db.all<{ f: string }>(`SELECT DISTINCT file_name AS f FROM parquet_metadata(${pathList(paths)}) WHERE path_in_schema = ${str(column)}`)).map((x) => x.f);
          n = Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${pathList(holding)}, union_by_name = true, hive_partitioning = false) WHERE ${ident(column)} IS NULL`)).n);
        }
        if (n > 0) out.nulls.push({ column, rows: n });
      }
    }
    if (!pk.length) return out;
    const rows = await rowsWithPartition(db, paths, partOf);
    if (pk.every((k) => rows.columns.has(k))) {
      // An upsert's key is the key within a partition: each file's partition, from the manifest.
      const upsert = plan.mode === 'upsert' && plan.partitions.length > 0;
      const dup = await repeatedKeys(db, upsert ? rows.from : rows.read, pk, upsert ? { also: [rows.partition] } : {});
      if (dup.keys > 0) out.duplicates = { key: pk, ...dup };
    }
    return out;
  }, duck));
}

/**
 * Parquet files `paths` as one relation whose rows carry their file's partition (`partOf[i]`, the manifest's path of
 * `paths[i]`): `from` to select from, `partition` the expression of a row's partition path; `read`, the files alone
 * (no join, for a count that needs no partition), and the files' columns.
 */
export async function rowsWithPartition(db: Duck, paths: readonly string[], partOf: readonly string[]): Promise<{ from: string; read: string; partition: string; columns: Set<string> }> {
  const read = `read_parquet(${pathList(paths)}, union_by_name = true, hive_partitioning = false, filename = '__file')`;
  await db.run(`CREATE OR REPLACE TEMP TABLE __part AS SELECT unnest(${pathList(paths)}) AS f, unnest(${pathList(partOf)}) AS p`);
  const columns = new Set((await db.columns(`SELECT * FROM ${read}`)).map((c) => c.name));
  return { from: `${read} JOIN __part ON __part.f = __file`, read, partition: '__part.p', columns };
}

/**
 * The keys (`key`, columns of `from`, qualified by `alias`) held by more than one row of relation `from` grouped by
 * `key` and `also` (an upsert's partition), among rows where `where` holds and no key column is NULL: how many keys,
 * their rows, and one of them as text ("id=1, region=EU", each value cut at 100 characters). With `across` (an
 * expression of the row, its partition), the keys held in more than one value of it instead, and those values of the
 * example's key (`places`, "dt=1 and dt=2"). The one count that strata check, the commit's key claim, an upsert's
 * merge (runtime/pipeline/commit.ts refuseAmbiguousUpsert) and strata doctor's look at an upsert table ask.
 */
export async function repeatedKeys(db: Duck, from: string, key: readonly string[], opts: { alias?: string; also?: readonly string[]; where?: string; across?: string } = {}): Promise<{ keys: number; rows: number; example: string; places?: string }> {
  const col = (k: string) => `${opts.alias ? `${opts.alias}.` : ''}${ident(k)}`;
  const shown = key.map((k) => `${str(`${k}=`)} || coalesce(left(CAST(${col(k)} AS VARCHAR), 100), 'NULL')`).join(` || ', ' || `);
  const where = [...key.map((k) => `${col(k)} IS NOT NULL`), ...(opts.where ? [opts.where] : [])].join(' AND ');
  const places = opts.across ? `, string_agg(DISTINCT ${opts.across}, ' and ' ORDER BY ${opts.across}) AS ps` : '';
  const dup = await db.one<{ keys: number; rows: number | null; example: string | null; places: string | null }>(
    `SELECT count(*) AS keys, sum(n) AS rows, min(k) AS example${opts.across ? ', arg_min(ps, k) AS places' : ''} FROM (SELECT count(*) AS n, min(${shown}) AS k${places} FROM ${from} `
    + `WHERE ${where} GROUP BY ${[...key.map(col), ...(opts.also ?? [])].join(', ')} HAVING ${opts.across ? `count(DISTINCT ${opts.across})` : 'count(*)'} > 1)`);
  return { keys: Number(dup.keys), rows: Number(dup.rows ?? 0), example: String(dup.example), ...(opts.across ? { places: String(dup.places) } : {}) };
}

/** Whether `found` holds a contradiction: a NULL in a required column, or a repeated key. */
export function contradicted(found: SilverContradictions | undefined): found is SilverContradictions {
  return Boolean(found && (found.nulls.length || found.duplicates));
}

/**
 * Strata.SchemaMismatch when the schema file claims of silver.`plan.dataset`'s keys what its rows contradict, the claim
 * added since the one recorded when the table was last written (AppliedSchema.declared: a key narrowed, upsert →
 * append; nothing is counted for a table that recorded none, nor while the claim is the one recorded). The commit asks
 * it before any file moves (the stage may not read silver's files: core/plan/access.ts): a commit under a key narrowed
 * from [id, region] to [id] replaced both rows of id 1 with one (an attack, stop 47). Required columns are not asked
 * here: rows holding NULL lose nothing by a commit, the commit may be the upsert that fills them, and strata check
 * counts them from the footers whatever was recorded. An upsert also refuses, by the partition's files, to replace a
 * key more than one row holds (runtime/pipeline/commit.ts refuseAmbiguousUpsert), whatever the table recorded.
 */
export async function refuseContradictedClaims(storage: Storage, plan: DatasetPlan, manifest: TableManifest, duck: DuckOptions = {}): Promise<void> {
  if (!manifest.schema?.declared) return;
  const found = await silverContradictions(storage, plan, manifest, duck, { nulls: false });
  const d = found?.duplicates;
  if (!d) return;
  const was = manifest.schema.declared;
  throw new StrataError(ERRORS.SchemaMismatch, `silver.${plan.dataset} holds rows its schema file now contradicts: primary key (${d.key.join(', ')}) is not unique in silver: `
    + `${plural(d.keys, 'key')} ${d.keys === 1 ? 'is' : 'are'} held by more than one row (e.g. ${d.example}). Nothing was committed: keep the key the table was written under `
    + `(primaryKey: [${was.primaryKey.join(', ')}], mode: ${was.mode}), or create a new dataset with the new one and re-ingest its bronze objects into it. Run strata check.`);
}
