// Issue 16 figures: 1,000 micro-batches of 1,000 rows into one day (what a stream buffered every minute or so
// leaves), the files that day holds before and after compaction, an analyst's query over the day before vs after,
// and the compaction against a bare DuckDB rewrite of the same files. (Synthetic rows generated here: this is a
// cost measurement, not a demo.)
//
// The 1,000 micro-batches go through the pipeline's own stage and commit steps (validation into staging, then the
// append's commit: the previous version's files linked into a new version folder, one compare-and-swap of the
// manifest), not the whole state machine: a sample of full ingests gives the cost per micro-batch of the full local
// pipeline, from which the bench states what 1,000 of them would take. No gc runs meanwhile (the default retention
// keeps every replaced version for 7 days): the manifest keeps each replaced version by its folder, the number of
// its files and a fingerprint of their names, not the names (runtime/table/manifest.ts RetiredVersion), so it grows
// by the same few hundred bytes per append; with the names it would hold ~500,000 of them after a thousand appends,
// rewritten at every commit.
import { readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { commitSilver } from '../runtime/pipeline/commit.ts';
import { registerSilver } from '../runtime/pipeline/register.ts';
import { stage } from '../runtime/pipeline/stage.ts';
import { PARQUET_CODEC } from '../runtime/ingest/validate-file.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { ingestKey } from '../workflows/ingest-local.ts';
import { openLocalLake, type LocalLake } from '../workflows/lake.ts';
import { fmt, freshDir, median } from './lib.ts';

const SCHEMA = `dataset: events
source: { format: jsonl }
columns:
  - { name: event_id, type: bigint, required: true }
  - { name: user_id, type: bigint, required: true }
  - { name: kind, type: string, allowed: [view, click, buy] }
  - { name: amount, type: "decimal(12,2)", min: 0 }
  - { name: at, type: timestamp, required: true }
mode: append
partitionBy:
  - { name: dt, column: at, transform: day }
stream: { buffer: { seconds: 60, megabytes: 64 } }
# Compaction by hand in this bench: after a run, a policy would compact as soon as the day held minFiles files.
compaction: { minFiles: 100000 }
`;

/** The day's analyst query: activity per kind for a slice of users, over the whole day. */
const QUERY = `SELECT kind, count(*) AS events, count(DISTINCT user_id) AS users, sum(amount) AS amount
  FROM silver.events WHERE dt = '2025-06-15' AND user_id % 10 = 3 GROUP BY 1 ORDER BY 1`;

export interface CompactionBench {
  batches: number;
  rowsPerBatch: number;
  fullIngestMs: number;
  commitPathMs: number;
  /** Size of the table's manifest after every append, no gc (bytes). */
  manifestBytes: number;
  /** Size of the manifest after `strata gc` past the retention window (bytes), and that gc's time (ms). */
  manifestAfterGcBytes: number;
  gcMs: number;
  firstCommits: number;
  lastCommits: number;
  filesBefore: number;
  filesAfter: number;
  queryBeforeMs: number;
  queryAfterMs: number;
  compactMs: number;
  bareMs: number;
}

export async function benchCompaction(log: (s: string) => void, batches = 1000, rowsPerBatch = 1000, sample = 20): Promise<CompactionBench> {
  const dir = await freshDir('compaction');
  await mkdir(join(dir, 'schemas'), { recursive: true });
  await writeFile(join(dir, 'schemas', 'events.yaml'), SCHEMA);
  const lake = await openLocalLake({ lake: join(dir, 'lake'), schemas: join(dir, 'schemas') });
  // Every micro-batch as a JSON-lines object in bronze, as a stream delivers them: 1,000 events of one day each.
  await mkdir(join(dir, 'lake', 'bronze', 'events'), { recursive: true });
  const keys = Array.from({ length: batches }, (_, b) => `bronze/events/batch-${String(b).padStart(4, '0')}.json`);
  await withDuck(async (db) => {
    await db.run(`CREATE TABLE events AS SELECT i AS event_id, (i * 7919) % 100000 AS user_id, ['view', 'click', 'buy'][1 + i % 3] AS kind,
      round((i * 31 % 10000) / 100.0, 2) AS amount, TIMESTAMP '2025-06-15 00:00:00' + INTERVAL (i * 86400 // ${batches * rowsPerBatch}) SECOND AS at
      FROM range(${batches * rowsPerBatch}) t(i)`);
    for (const [b, key] of keys.entries()) {
      await db.run(`COPY (SELECT * FROM events WHERE event_id // ${rowsPerBatch} = ${b} ORDER BY event_id) TO ${pathLit(join(dir, 'lake', key))} (FORMAT json)`);
    }
  });

  // A sample through the whole local pipeline (state machine, validation, commit, catalog, run record).
  const t0 = performance.now();
  for (const key of keys.slice(0, sample)) {
    const { record } = await ingestKey(lake, 'events', key, { compact: false });
    if (record.status !== 'SUCCEEDED') throw new Error(record.error?.message);
  }
  const fullIngestMs = (performance.now() - t0) / sample;

  // The rest through the stage and commit steps themselves; the commit's time per hundred, as the day fills up.
  const t1 = performance.now();
  const commitMs: number[] = [];
  for (const [i, key] of keys.entries()) {
    if (i < sample) continue;
    const runId = `mb-${String(i).padStart(4, '0')}`;
    const now = new Date().toISOString();
    const staged = await stage(lake.ctx, { dataset: 'events', runId, source: { key }, now, startedAt: now });
    if (staged.rowsQuarantined || staged.rowsValid !== rowsPerBatch) throw new Error(`micro-batch ${i}: ${staged.rowsQuarantined} rows quarantined`);
    commitMs.push((await commitSilver(lake.ctx, { runId, now, stage: staged })).ms);
  }
  const commitPathMs = (performance.now() - t1) / (batches - sample);
  const firstCommits = mean(commitMs.slice(0, 100));
  const lastCommits = mean(commitMs.slice(-100));
  // The register step makes the catalog follow the manifest (the full pipeline's runs did that themselves).
  await registerSilver(lake.ctx, { dataset: 'events' });
  await lake.catalog.materialize();
  const before = manifest(lake).partitions['dt=2025-06-15']!;
  log(`  ${batches.toLocaleString('en-US')} micro-batches × ${rowsPerBatch.toLocaleString('en-US')} rows into one day (JSON lines, validated and committed one by one)`);
  log(`  the whole local pipeline takes ${fmt(fullIngestMs)} per micro-batch (${sample} measured): ${batches.toLocaleString('en-US')} would take ${fmt(fullIngestMs * batches)};`
    + ` so the other ${(batches - sample).toLocaleString('en-US')} went through the stage and commit steps directly, ${fmt(commitPathMs)} each`);
  const span = Math.min(100, commitMs.length);
  log(`  an append links every file the day already holds into its new version: the commit step took ${fmt(firstCommits)} on average with ${sample}–${sample + span - 1} files`
    + ` in the day, ${fmt(lastCommits)} with ${batches - span}–${batches - 1} (${(lastCommits / firstCommits).toFixed(1)}×); a compaction policy keeps that number small`);
  const manifestBytes = statSync(join(lake.dir, 'silver/events/_strata/manifest.json')).size;
  const names = (batches * (batches - 1)) / 2;
  log(`  the table's manifest after ${batches.toLocaleString('en-US')} appends, no gc (every replaced version kept, as for the default 7 days): ${(manifestBytes / 1024).toFixed(0)} KiB,`
    + ` ${(manifestBytes / batches).toFixed(0)} bytes per append (replaced versions kept by folder, file count and a fingerprint of the names; by file name they would add ${names.toLocaleString('en-US')} names)`);

  // The analyst's query, before and after (median of 5, catalog views over exactly the version's files).
  const query = async () => median(5, () => timedQuery(lake));
  const queryBeforeMs = await query();
  const bareMs = await bareRewrite(lake, before.files, join(dir, 'bare'));
  const t2 = performance.now();
  const [run] = await compactLocal(lake, ['events'], { minFiles: 2 });
  const compactMs = performance.now() - t2;
  if (!run?.output) throw new Error(`compaction failed: ${run?.execution.error?.cause}`);
  const after = manifest(lake).partitions['dt=2025-06-15']!;
  const queryAfterMs = await query();
  log(`  files in the day: ${before.files.length.toLocaleString('en-US')} before (${(before.bytes / 2 ** 20).toFixed(1)} MiB), ${after.files.length} after (${(after.bytes / 2 ** 20).toFixed(1)} MiB, target 128 MiB)`);
  log(`  analyst query over the day: ${fmt(queryBeforeMs)} on ${before.files.length.toLocaleString('en-US')} files · ${fmt(queryAfterMs)} after compaction → ${(queryBeforeMs / queryAfterMs).toFixed(1)}× faster`);
  log(`  strata compact of the day ${fmt(compactMs)} (its state machine: read, rewrite, verify rows and checksums, publish, catalog)`
    + ` · bare DuckDB rewrite of the same files ${fmt(bareMs)} → ${(compactMs / bareMs).toFixed(2)}×`);
  // What stays once every commit is past the retention window (gc as if run 30 days later, the default 7-day window).
  const t3 = performance.now();
  const gc = (await garbageCollect(lake, { now: new Date(Date.now() + 30 * 86_400_000) })).tables.find((t) => t.table === 'silver.events')!;
  const gcMs = performance.now() - t3;
  const manifestAfterGcBytes = statSync(join(lake.dir, 'silver/events/_strata/manifest.json')).size;
  const m = manifest(lake);
  log(`  strata gc past the window (as 30 days later) ${fmt(gcMs)}, most of it deleting the ${gc.expiredVersions.toLocaleString('en-US')} replaced versions' folders`
    + ` (every append's version linked all the day's files then): the manifest ${(manifestAfterGcBytes / 1024).toFixed(1)} KiB (${m.history.length} history entries kept;`
    + ` ${(gc.archivedSources ?? 0).toLocaleString('en-US')} committed sources moved into markers, ${(gc.archivedHistory ?? 0).toLocaleString('en-US')} history entries into an archive),`
    + ` ${(manifestBytes / manifestAfterGcBytes).toFixed(0)}× smaller than before it`);
  return {
    batches, rowsPerBatch, fullIngestMs, commitPathMs, manifestBytes, manifestAfterGcBytes, gcMs, firstCommits, lastCommits, filesBefore: before.files.length, filesAfter: after.files.length,
    queryBeforeMs, queryAfterMs, compactMs, bareMs,
  };
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);

function manifest(lake: LocalLake): TableManifest {
  return JSON.parse(readFileSync(join(lake.dir, 'silver/events/_strata/manifest.json'), 'utf8')) as TableManifest;
}

async function timedQuery(lake: LocalLake): Promise<number> {
  return withDuck(async (db) => {
    await lake.catalog.attachTo(db);
    const t = performance.now();
    await db.all(QUERY);
    return performance.now() - t;
  });
}

/** The baseline: one COPY of the day's files into one file, nothing else. */
async function bareRewrite(lake: LocalLake, files: string[], out: string): Promise<number> {
  await mkdir(out, { recursive: true });
  return withDuck(async (db) => {
    const t = performance.now();
    await db.run(`COPY (SELECT * FROM read_parquet([${files.map((f) => pathLit(join(lake.dir, f))).join(', ')}], union_by_name = true, hive_partitioning = false))
      TO ${pathLit(join(out, 'day.parquet'))} (FORMAT parquet, ${PARQUET_CODEC})`);
    return performance.now() - t;
  });
}
