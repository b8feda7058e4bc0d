// What a schema file claims of every row of its silver table, counted over the table's current files: each required
// column holds a value, and no two rows share a primary key. A schema file edited under a table that holds rows
// (required: false → true, a key narrowed from [id, region] to [id]) can claim what those rows contradict: the edit
// changes no file and no schema hash, so nothing else sees it (an attack, stop 47).
import { pathList, withDuck, type DuckOptions } from '../engine/duckdb.ts';
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
  /** Required columns (of the table's schema: a new column is said by compareSchemas) whose rows hold NULL, in schema order. */
  nulls: Array<{ column: string; rows: number }>;
  /** Keys held by more than one row, when there are: how many, their rows, one of them ("id=1"). */
  duplicates?: { key: string[]; keys: number; rows: number; example: string };
  /**
   * Whether the table recorded what was declared when it was last written (AppliedSchema.declared): then only claims
   * added since were counted, each a change the rows contradict. Else every claim was, and a NULL may be a required
   * column's added since (its old rows read NULL: compareSchemas' required-added), a repeated key one written before
   * keys were held across files.
   */
  recorded: boolean;
}

/**
 * The claims of `plan` that silver, last written under `schema`, was not written under: required columns of the
 * table's schema not required then, and the primary key unless it holds every column of the key then (rows unique
 * under [id] are unique under [id, region]). Every claim when the table recorded none (AppliedSchema.declared).
 */
export function claimsAdded(schema: AppliedSchema, plan: Pick<DatasetPlan, 'columns' | 'primaryKey'>): { required: string[]; key: boolean } {
  const known = new Set(schema.columns.map((c) => c.name));
  const then = schema.declared;
  const required = plan.columns.filter((c) => c.required && known.has(c.name) && !then?.required.includes(c.name)).map((c) => c.name);
  const key = plan.primaryKey.length > 0 && plan.primaryKey.every((k) => known.has(k))
    && (!then || !then.primaryKey.length || !then.primaryKey.every((k) => plan.primaryKey.includes(k)));
  return { required, key };
}

/**
 * The rows of silver.`plan.dataset` (its current files, as `manifest` names them) that contradict a claim `plan` adds
 * (claimsAdded): NULLs in a required column (primary key columns are required: core/schema/load.ts), and rows that
 * share a primary key. An upsert replaces a key within its partition (runtime/pipeline/commit.ts mergeSql), so its
 * key is unique per partition; an append's is unique across the table (runtime/ingest/prior-keys.ts). A column the
 * table's files lack reads as NULL in every one of them (as silver's readers read it). undefined when nothing is to be
 * counted (no recorded schema, no rows, no claim added). Throws DuckDB's error when a file cannot be read (strata
 * doctor names it).
 */
export async function silverContradictions(storage: Storage, plan: DatasetPlan, manifest: TableManifest, duck: DuckOptions = {}): Promise<SilverContradictions | undefined> {
  const schema = manifest.schema;
  const parts = Object.values(manifest.partitions).filter((p) => p.rows > 0 && p.files.length);
  if (!schema || !parts.length) return undefined;
  const added = claimsAdded(schema, plan);
  const required = added.required;
  const pk = added.key ? plan.primaryKey : [];
  if (!required.length && !pk.length) return undefined;
  const keys = parts.flatMap((p) => p.files);
  const partOf = parts.flatMap((p) => p.files.map(() => p.path));
  return storage.withLocalFiles(keys, (paths) => withDuck(async (db) => {
    const read = `read_parquet(${pathList(paths)}, union_by_name = true, hive_partitioning = false, filename = '__file')`;
    const present = new Set((await db.columns(`SELECT * FROM ${read}`)).map((c) => c.name));
    const col = (c: string) => (present.has(c) ? ident(c) : 'NULL');
    const counts = await db.one<Record<string, number>>(`SELECT count(*) AS __rows${required.map((c, i) => `, count(*) FILTER (WHERE ${col(c)} IS NULL) AS n${i}`).join('')} FROM ${read}`);
    const out: SilverContradictions = {
      rows: Number(counts.__rows),
      nulls: required.map((column, i) => ({ column, rows: Number(counts[`n${i}`]) })).filter((n) => n.rows > 0),
      recorded: schema.declared !== undefined,
    };
    if (pk.length && pk.every((k) => present.has(k))) {
      // An upsert's key is the key within a partition: each file's partition, from the manifest.
      const upsert = plan.mode === 'upsert' && plan.partitions.length > 0;
      if (upsert) {
        await db.run(`CREATE OR REPLACE TEMP TABLE __part AS SELECT unnest(${pathList(paths)}) AS f, unnest(${pathList(partOf)}) AS p`);
      }
      const by = [...pk.map(ident), ...(upsert ? ['__part.p'] : [])];
      const shown = pk.map((k) => `${str(`${k}=`)} || coalesce(left(CAST(${ident(k)} AS VARCHAR), 100), 'NULL')`).join(` || ', ' || `);
      const from = upsert ? `${read} JOIN __part ON __part.f = __file` : read;
      const dup = await db.one<{ keys: number; rows: number | null; example: string | null }>(
        `SELECT count(*) AS keys, sum(n) AS rows, min(k) AS example FROM (SELECT count(*) AS n, min(${shown}) AS k FROM ${from} `
        + `WHERE ${pk.map((k) => `${ident(k)} IS NOT NULL`).join(' AND ')} GROUP BY ${by.join(', ')} HAVING count(*) > 1)`);
      if (Number(dup.keys) > 0) out.duplicates = { key: pk, keys: Number(dup.keys), rows: Number(dup.rows), example: String(dup.example) };
    }
    return out;
  }, duck));
}

/** Whether `found` holds a contradiction: a NULL in a required column, or a repeated key. */
export function contradicted(found: SilverContradictions | undefined): found is SilverContradictions {
  return Boolean(found && (found.nulls.length || found.duplicates));
}

/**
 * Strata.SchemaMismatch when the schema file claims of silver.`plan.dataset`'s rows what they contradict, since a
 * claim recorded when it was last written (AppliedSchema.declared; nothing is counted for a table that recorded none,
 * nor while the claims are those recorded). The commit asks it before any file moves (the stage may not read
 * silver's files: core/plan/access.ts): a commit under a key narrowed from
 * [id, region] to [id] replaced both rows of id 1 with one, and under a column made required it committed, the
 * table's old NULLs then under a schema that says there are none (an attack, stop 47).
 */
export async function refuseContradictedClaims(storage: Storage, plan: DatasetPlan, manifest: TableManifest, duck: DuckOptions = {}): Promise<void> {
  if (!manifest.schema?.declared) return;
  const found = await silverContradictions(storage, plan, manifest, duck);
  if (!contradicted(found)) return;
  const what = [
    ...found.nulls.map((n) => `column ${n.column} is now required, but ${plural(n.rows, 'row')} already in silver ${n.rows === 1 ? 'holds' : 'hold'} NULL in it`),
    ...(found.duplicates ? [`primary key (${found.duplicates.key.join(', ')}) is not unique in silver: ${plural(found.duplicates.keys, 'key')} ${found.duplicates.keys === 1 ? 'is' : 'are'} held by more than one row (e.g. ${found.duplicates.example})`] : []),
  ];
  throw new StrataError(ERRORS.SchemaMismatch, `silver.${plan.dataset} holds rows its schema file now contradicts: ${what.join('; ')}. Nothing was committed: `
    + `keep the declaration the table was written under, or create a new dataset with the new one and re-ingest its bronze objects into it. Run strata check.`);
}
