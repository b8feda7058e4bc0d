// The write of write–audit–publish on Athena (`engine: athena`, for data beyond one Lambda). The gold SQL runs in
// Athena with table names mapped to the Glue databases and the driver restricted to the partitions to recompute:
//   1. one query counts the rows per gold partition (what will be written, and the values to split UNLOADs by);
//   2. the table's gate audits the same rows (the refresh's query is the batch), before anything is written;
//   3. UNLOAD writes them to run-specific folders under the table (gold/<t>/v-<run>-b<i>/), ≤ 100 partitions each.
// Readers never see those folders: Glue partitions and the manifest point only at published version folders, and
// publishing (refresh.ts) copies the files into new version folders, then removes these. A failed UNLOAD removes
// every folder of the run; a retried step empties a folder before writing it again (UNLOAD needs an empty one).
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { Duck } from '../engine/duckdb.ts';
import type { AthenaEngine, PipelineContext } from '../pipeline/context.ts';
import { folderValueProblemOf, parsePartitionPath } from '../../core/plan/partitioning.ts';
import { removePrefix } from '../storage/prefix.ts';
import type { PartitionVersion } from '../table/manifest.ts';
import { recordWrites } from '../table/store.ts';
import { layout } from '../../core/plan/layout.ts';
import type { GoldPlan, Incremental } from '../../core/gold/analyze.ts';
import { parseSql } from '../../core/gold/ast.ts';
import { athenaTableNames, driverFilter, goldRowsSql, unloadStatements } from '../../core/gold/athena.ts';
import type { GoldAudit, GoldInput, Written } from './types.ts';

export interface AthenaRefresh {
  inc: Incremental | undefined;
  /** Gold partition values an incremental refresh recomputes. */
  targets: Set<string | null> | undefined;
  /** The driver's silver partitions that feed them. */
  driverParts: PartitionVersion[];
  audit: GoldAudit;
  /** Silver datasets read whole (gate references may use them). */
  whole: string[];
  /** A DuckDB for parsing the SQL (no data goes through it). */
  db: Duck;
  /** The table keeps rows outside the partitions this refresh recomputes (AuditTarget.othersRemain). */
  othersRemain?: boolean;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function writeOnAthena(ctx: PipelineContext, athena: AthenaEngine, plan: GoldPlan, input: GoldInput, r: AthenaRefresh): Promise<Written> {
  const parsed = await parseSql(r.db, plan.sql);
  if ('error' in parsed) throw new StrataError(ERRORS.Internal, `gold table ${plan.table}: its SQL does not parse: ${parsed.error}`);
  const restrict = r.inc
    ? { table: r.inc.driver, filter: driverFilter(ctx.plans.get(r.inc.driver), r.driverParts.map((p) => p.path), new Map(r.driverParts.map((p) => [p.path, p.values])), r.inc.partition) }
    : undefined;
  const sql = athenaTableNames(plan.sql, parsed.select, athena.names, restrict);
  const rowsSql = goldRowsSql(plan, sql);

  // 1. Rows per gold partition: per tuple of its partition columns' values, as text (the folder names UNLOAD writes;
  // by the first column alone, a table of two gave each partition of a day the whole day's count: an attack, stop 49).
  const pcs = plan.partitionColumns;
  const p = pcs[0];
  const counted = p
    ? await athena.run(`SELECT ${pcs.map((c, i) => `CAST(${q(c.name)} AS varchar) AS v${i}`).join(', ')}, count(*) AS n FROM (${rowsSql}) AS gold_rows GROUP BY ${pcs.map((_, i) => i + 1).join(', ')}`)
    : await athena.run(`SELECT count(*) AS n FROM (${rowsSql}) AS gold_rows`);
  const tupleOf = (c: Record<string, unknown>) => pcs.map((_, i) => (c[`v${i}`] === null || c[`v${i}`] === undefined ? null : String(c[`v${i}`])));
  const rowsOf = new Map(counted.map((c) => {
    const values = tupleOf(c);
    return [JSON.stringify(values), { values, n: Number(c.n) }] as const;
  }));
  const rows = [...rowsOf.values()].reduce((a, t) => a + t.n, 0);
  // A partition value that cannot be a folder name fails the refresh before anything is written, as on DuckDB
  // (runtime/gold/refresh.ts writeGold): UNLOAD wrote '__HIVE_DEFAULT_PARTITION__' and '' into the NULL partition's
  // folder, where they read as NULL (an attack, stop 49).
  for (const { values } of rowsOf.values()) {
    pcs.forEach((c, i) => {
      const why = c.glueType === 'string' ? folderValueProblemOf(c.name, values[i] ?? null) : undefined;
      if (why) throw new StrataError(ERRORS.InvalidInput, `gold table ${plan.table}: its SQL failed: it gives partition ${c.name} the value ${JSON.stringify(values[i]).slice(0, 200)}, which cannot be a folder name (${why}); nothing was published`);
    });
  }

  // 2. The audit, on exactly those rows.
  const silverDb = q(athena.names.databases.silver);
  const quality = await r.audit(ctx, plan, input, {
    run: athena.metrics ?? athena.run, dialect: 'athena', batch: `(${rowsSql}) AS gold_batch`,
    reference: (ds) => (r.whole.includes(ds) ? `${silverDb}.${q(ds)}` : undefined), parser: r.db, othersRemain: r.othersRemain === true,
  });
  const gate = quality ? { quality } : {};
  if (quality?.halted || rows === 0) return { files: [], rows, ...gate, cleanup: [] };

  // 3. UNLOAD, ≤ 100 partitions per statement.
  const batches = unloadStatements(plan, sql, input.runId, athena.names, p ? [...rowsOf.values()].filter((t) => t.n > 0).map((t) => (pcs.length === 1 ? t.values[0] ?? null : t.values)) : undefined);
  const cleanup = batches.map((b) => b.prefix);
  // Each batch folder's write record first (runtime/table/gc.ts deletes a folder left by a crash only by its record).
  const names = batches.map((b) => b.prefix.slice(`${plan.prefix}v-`.length, -1));
  for (const name of names) await recordWrites(ctx.storage, plan.prefix, name, new Date().toISOString());
  try {
    for (const b of batches) {
      await removePrefix(ctx.storage, b.prefix);
      await athena.run(b.sql);
    }
  } catch (e) {
    await Promise.all(cleanup.map((prefix) => removePrefix(ctx.storage, prefix)));
    // Every batch folder is gone: so are their records (gc would delete them after a day).
    await ctx.storage.delete(names.map((name) => layout.writeIntent(plan.prefix, name)));
    throw e;
  }

  // The files UNLOAD wrote, by partition folder (Hive style, as Athena names them).
  const files: Written['files'] = [];
  const withRows = new Set<string>();
  for (const b of batches) {
    for (const o of await ctx.storage.list(b.prefix)) {
      const rel = o.key.slice(b.prefix.length);
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      if (p && !dir) continue; // not a data file of a partition
      const values = p ? parsePartitionPath(dir).map(([, v]) => v) : [];
      const id = JSON.stringify(values);
      // Row counts are per partition: the first file of a partition carries them.
      const n = withRows.has(id) ? 0 : rowsOf.get(JSON.stringify(values))?.n ?? 0;
      withRows.add(id);
      files.push({ key: o.key, rows: n, bytes: o.size, values });
    }
  }
  return { files, rows, ...gate, cleanup };
}
