// Append mode with a primary key: a key already in silver repeats, as a key repeated within the file does. The
// check is one join in DuckDB between the batch's keys and the key columns of the silver files that can hold them.
//
// Which files: a key lives in the partition its row computes. When every partition column is computed from key
// columns (partitionBy a key column, or a day of a key timestamp), a key can only be in a partition the file writes,
// so only those are read. Otherwise a key may be in any partition and every file of the table is read. Parquet keeps
// columns apart, so that read is the key columns only: `npm run bench -- append-keys` measures the join for 100k new
// rows against a 1M-row table at about a tenth of staging the file, the same whether it reads 61 days or 1 (the
// batch's side dominates). In AWS the Lambda first downloads those files whole (Storage.withLocalFiles), which grows
// with the table: partition by the key, or use upsert, for tables too big to download at every append.
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { ident } from '../../core/sql/quote.ts';
import type { Duck } from '../engine/duckdb.ts';
import { pathList } from '../engine/duckdb.ts';
import type { TableManifest } from '../table/manifest.ts';
import { damagedFileMessage, firstUnreadable, type HistoryRun } from '../table/damaged-file.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';

/** The silver table's keys as one batch sees them: the partitions of the manifest it read. */
export interface PriorKeys {
  /** "silver.orders", for messages. */
  table: string;
  /** Partition values (partition-key order, as the manifest holds them) and the files of their current version. */
  partitions: Array<{ values: Array<string | null>; files: string[] }>;
  /** Every partition column is computed from key columns: a key can only be in the partition its row writes. */
  keyDeterminesPartition: boolean;
  /** Local paths of storage keys while fn runs (Storage.withLocalFiles). */
  withFiles: <T>(keys: string[], fn: (paths: string[]) => Promise<T>) => Promise<T>;
  /** The table's history in commit order: a damaged file's message names the way back with it. */
  history?: readonly HistoryRun[];
  /**
   * Whether a file is in the table's current version (its manifest read again): a file of the version this batch saw
   * that is gone, and not current, was replaced and collected meanwhile (strata gc with retention.days 0, a
   * compaction) — no damage, and staging again reads the current version.
   */
  stillCurrent?: (key: string) => Promise<boolean>;
}

/** The prior keys an append with a primary key checks against; undefined when there is nothing to check. */
export function priorKeysOf(plan: DatasetPlan, manifest: TableManifest, withFiles: PriorKeys['withFiles'], stillCurrent?: PriorKeys['stillCurrent']): PriorKeys | undefined {
  if (plan.mode !== 'append' || !plan.primaryKey.length) return undefined;
  const partitions = Object.values(manifest.partitions).filter((p) => p.rows > 0).map((p) => ({ values: p.values, files: p.files }));
  if (!partitions.length) return undefined;
  const keyDeterminesPartition = plan.partitions.length > 0 && plan.partitions.every((p) => plan.primaryKey.includes(p.column));
  return { table: `silver.${plan.dataset}`, partitions, keyDeterminesPartition, withFiles, history: manifest.history, ...(stillCurrent ? { stillCurrent } : {}) };
}

/** The files that can hold a batch's keys, given the partition values the batch writes. */
export function filesToRead(prior: PriorKeys, batchValues: ReadonlyArray<ReadonlyArray<string | null>>): string[] {
  if (!prior.keyDeterminesPartition) return prior.partitions.flatMap((p) => p.files);
  const wanted = new Set(batchValues.map((v) => JSON.stringify(v)));
  return prior.partitions.filter((p) => wanted.has(JSON.stringify(p.values))).flatMap((p) => p.files);
}

/**
 * Fill `target` (a table of one BIGINT column `r`) with the ids of the batch rows whose key is in the prior files:
 * `batch` is a relation with a row id column `__r` and the key columns. One hash join in DuckDB, built on the
 * smaller side; the prior files are read by their key columns only. Returns the number of rows found.
 */
export async function markPriorKeys(db: Duck, plan: DatasetPlan, prior: PriorKeys, batch: string, files: string[], target: string): Promise<number> {
  if (!files.length) return 0;
  const pk = plan.primaryKey.map(ident);
  return prior.withFiles(files, async (paths) => {
    const old = `read_parquet(${pathList(paths)}, union_by_name = true, hive_partitioning = false)`;
    // An inner join lets DuckDB build its hash table on the smaller side (usually the batch); DISTINCT because a
    // table written before keys were held across files may hold a key twice.
    try {
      await db.run(`INSERT INTO ${target} SELECT DISTINCT b.__r FROM ${batch} b JOIN ${old} p ON ${pk.map((k) => `p.${k} = b.${k}`).join(' AND ')}`);
    } catch (e) {
      // A silver file DuckDB cannot read: name it and the way back, rather than the engine's words alone. Its footer,
      // then the values (a damaged data page under an intact footer failed the stage as Strata.Internal: an attack,
      // stop 55).
      const bad = await firstUnreadable(db, files.map((key, i) => ({ key, path: paths[i]! })));
      // A file of the version this batch saw, gone and no longer current: collected while it was read (a run staged
      // beside gc with retention.days 0 failed, its message calling the healthy table damaged: an attack, stop 53).
      // Strata.Transient: the step is retried, and reads the current version.
      if (bad && prior.stillCurrent && !(await prior.stillCurrent(bad.key))) {
        throw new StrataError(ERRORS.Transient, `${bad.key} of ${prior.table}, in the version this run read, was replaced and collected while it read it (${bad.problem}): staging again reads the current version`);
      }
      if (bad) throw new StrataError(ERRORS.UnreadableFile, damagedFileMessage('silver', plan.dataset, bad, prior.history));
      // A key column the prior files lack (added since: after a rollback the manifest may still name it) reads NULL
      // there, so no key of theirs matches; it failed with a binder error (an attack, stop 48). Asked only here: the
      // files' footers are read once more, off every run's way.
      const present = new Set((await db.columns(`SELECT * FROM ${old}`)).map((c) => c.name));
      if (plan.primaryKey.every((k) => present.has(k))) throw e;
    }
    return (await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${target}`)).n;
  });
}
