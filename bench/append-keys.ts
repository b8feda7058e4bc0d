// Issue 12 item 14: what holding a primary key across files costs an append. A 100k-row file of new keys is staged
// for a 1M-row silver table partitioned by day; its keys are joined against the key columns of the table's files
// (Parquet reads those columns only). Reported: that join alone, against the staging of the file it is part of, in
// the same run (median of 5 each), for a key that may be in any day (every file read) and for a key that determines
// its day (key [id, date], partitioned by day of date: only the days the file writes are read).
import { join } from 'node:path';
import { withDuck, pathLit } from '../runtime/engine/duckdb.ts';
import { filesToRead, markPriorKeys, priorKeysOf } from '../runtime/ingest/prior-keys.ts';
import { readStageManifest, stage } from '../runtime/pipeline/stage.ts';
import { readManifest } from '../runtime/table/store.ts';
import { ingestKey } from '../workflows/ingest-local.ts';
import { DATA, FLIGHTS_SCHEMA, flightsCsv, flightsLake, fmt, median } from './lib.ts';

const keyed = (pk: string) => FLIGHTS_SCHEMA
  .replace('columns:\n', 'columns:\n  - { name: id, type: bigint, required: true }\n')
  .replace('mode: append', `mode: append\nprimaryKey: [${pk}]`);

/** flights with a row number as id: the first `base` rows, and the `more` rows after them. */
async function numbered(base: number, more: number): Promise<{ baseFile: string; moreFile: string }> {
  const src = await flightsCsv(base + more);
  const baseFile = join(DATA, `keyed-${base}.csv`);
  const moreFile = join(DATA, `keyed-${base}-${more}.csv`);
  await withDuck(async (db) => {
    await db.run(`CREATE TABLE t AS SELECT row_number() OVER () AS id, * FROM read_csv(${pathLit(src)}, header = true, all_varchar = true)`);
    await db.run(`COPY (SELECT * FROM t WHERE id <= ${base}) TO ${pathLit(baseFile)} (HEADER)`);
    await db.run(`COPY (SELECT * FROM t WHERE id > ${base}) TO ${pathLit(moreFile)} (HEADER)`);
  });
  return { baseFile, moreFile };
}

interface Measured { stageMs: number; joinMs: number; filesRead: number; partitions: number }

async function measure(schema: string, folder: string, baseFile: string, moreFile: string, runs: number): Promise<Measured> {
  const { lake, key } = await flightsLake(baseFile, folder, schema);
  const base = await ingestKey(lake, 'flights_bench', key);
  if (base.record.status !== 'SUCCEEDED') throw new Error(base.record.error?.message);
  const moreKey = 'bronze/flights_bench/more.csv';
  await lake.storage.putFile(moreKey, moreFile);
  const plan = lake.ctx.plans.get('flights_bench');
  let n = 0;
  const stageOnce = async () => {
    const runId = `bench-${++n}`;
    const now = new Date().toISOString();
    const out = await stage(lake.ctx, { dataset: 'flights_bench', runId, source: { key: moreKey }, now, startedAt: now });
    if (out.rowsQuarantined || out.rowsValid !== 100_000) throw new Error(`staging: ${out.rowsValid} valid, ${out.rowsQuarantined} quarantined`);
    return out.stageKey;
  };
  const stageMs = await median(runs, async () => {
    const t = performance.now();
    const stageKey = await stageOnce();
    const ms = performance.now() - t;
    await lake.storage.deletePrefix(stageKey.replace(/stage\.json$/, ''));
    return ms;
  });
  // The join alone, on the staged rows of one more staging.
  const staged = await readStageManifest(lake.ctx, await stageOnce());
  const prior = priorKeysOf(plan, (await readManifest(lake.storage, plan.prefixes.silver, plan)).manifest, (keys, fn) => lake.storage.withLocalFiles(keys, fn))!;
  const files = filesToRead(prior, staged.files.map((f) => f.values));
  const batch = `(SELECT 0 AS __r, ${plan.primaryKey.map((k) => `"${k}"`).join(', ')} FROM read_parquet([${staged.files.map((f) => pathLit(lake.storage.path(`${staged.stagingPrefix}${f.file}`))).join(', ')}]))`;
  const joinMs = await median(runs, () => withDuck(async (db) => {
    await db.run('CREATE TEMP TABLE __prior (r BIGINT)');
    const t = performance.now();
    const found = await markPriorKeys(db, plan, prior, batch, files, '__prior');
    if (found) throw new Error('new keys were found in silver');
    return performance.now() - t;
  }));
  return { stageMs, joinMs, filesRead: files.length, partitions: prior.partitions.length };
}

export async function benchAppendKeys(log: (s: string) => void, runs = 5): Promise<{ anyDay: Measured; ownDay: Measured }> {
  const { baseFile, moreFile } = await numbered(1_000_000, 100_000);
  const anyDay = await measure(keyed('id'), 'append-keys-id', baseFile, moreFile, runs);
  const ownDay = await measure(keyed('id, date'), 'append-keys-id-date', baseFile, moreFile, runs);
  const share = (m: Measured) => `${((m.joinMs / m.stageMs) * 100).toFixed(1)}%`;
  log(`  100k new rows staged for a 1M-row append table with a primary key (${anyDay.partitions} days):`);
  log(`    key [id] (may be in any day): the key join reads ${anyDay.filesRead} files' key column in ${fmt(anyDay.joinMs)} · staging ${fmt(anyDay.stageMs)} → ${share(anyDay)} of it`);
  log(`    key [id, date] (determines the day): the join reads the file's ${ownDay.filesRead} days in ${fmt(ownDay.joinMs)} · staging ${fmt(ownDay.stageMs)} → ${share(ownDay)} of it`);
  return { anyDay, ownDay };
}
