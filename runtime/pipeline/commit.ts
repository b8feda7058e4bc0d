// Step: commit staged rows to silver. Quarantine first (so no committed run can lack its quarantined rows), then
// the new partition versions, then one compare-and-swap of the manifest. Staging is removed afterwards.
import { basename, join } from 'node:path';
import { withDuck, type Duck } from '../engine/duckdb.ts';
import { pathList, pathLit } from '../engine/duckdb.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { partitionPath } from '../../core/plan/partitioning.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { removePrefix } from '../storage/prefix.ts';
import { partitionValues, type PartitionVersion, type TableManifest } from '../table/manifest.ts';
import { refuseBreakingChange } from '../../core/schema/evolution.ts';
import { ERRORS, StrataError, isStrataError } from '../../core/errors.ts';
import { commitTable, committedSource } from '../table/store.ts';
import { PARQUET_CODEC } from '../ingest/validate-file.ts';
import { markPriorKeys } from '../ingest/prior-keys.ts';
import type { PipelineContext } from './context.ts';
import type { CommitOutput, StageOutput } from './payloads.ts';
import { readStageManifest, type StageManifest } from './stage.ts';
import { plural } from '../../core/text.ts';

/**
 * Appends that leave more files than this in a partition rewrite it as one file, unless the dataset has a compaction
 * policy: then the commit only appends and compaction rewrites the partition off the ingest path, into files near
 * its target size (runtime/table/compact.ts).
 */
const COMPACT_AT_FILES = 32;

export interface CommitInput {
  runId: string;
  now: string;
  stage: StageOutput;
}

export function quarantineKey(plan: DatasetPlan, sourceId: string): string {
  return `${plan.prefixes.quarantine}${sourceId}.parquet`;
}

export async function commitSilver(ctx: PipelineContext, input: CommitInput): Promise<CommitOutput> {
  const started = Date.now();
  const plan = ctx.plans.get(input.stage.dataset);
  const staged = await readStageManifest(ctx, input.stage.stageKey);
  const { storage } = ctx;
  const q = quarantineKey(plan, staged.sourceId);
  const qKey = staged.quarantineFile ? q : undefined;
  // An earlier rejection or quality halt of the same object left the whole batch in quarantine; this run commits
  // it, so that file is replaced by this run's, or removed (a row is in silver or in quarantine, never both). It is
  // kept in staging until the commit is decided: a refused commit puts it back, since its run's record counts it.
  const earlier = await storage.head(q) ? `${staged.stagingPrefix}quarantine-earlier.parquet` : undefined;
  if (earlier) await storage.copy(q, earlier);
  if (qKey) await storage.copy(`${staged.stagingPrefix}${staged.quarantineFile}`, qKey);
  else if (earlier) await storage.delete([q]);

  const names = plan.partitions.map((p) => p.name);
  const byPath = new Map<string, { values: Array<string | null>; files: StageManifest['files'] }>();
  for (const f of staged.files) {
    const path = partitionPath(names, f.values);
    const entry = byPath.get(path) ?? { values: f.values, files: [] };
    entry.files.push(f);
    byPath.set(path, entry);
  }
  const result = await commitTable(storage, {
    root: plan.prefixes.silver,
    shape: { table: plan.dataset, layer: 'silver', schemaHash: plan.schemaHash, partitionKeys: names },
    runId: input.runId,
    // Wall-clock time: retention and rollback windows are about when versions were written, not the rules' clock.
    at: new Date().toISOString(),
    kind: 'commit',
    paths: [...byPath.keys()].sort(),
    source: { id: staged.sourceId, key: staged.source.key, contentId: staged.source.contentId },
    schema: plan.applied,
    guard: async (m) => {
      refuseBreakingChange(m.schema, plan.applied, plan.dataset, () => partitionValues(m));
      await refuseKeysCommittedSince(ctx, plan, staged, m);
    },
    build: (path, base, prefix) => buildVersion(ctx, plan, staged, path, byPath.get(path)!, base, prefix, input),
  }).catch(async (e: unknown) => {
    // Refused (a breaking schema, primary keys committed meanwhile, too many writers): nothing was committed, so
    // quarantine holds again what it held before this run; the record step removes the staging.
    if (isStrataError(e) && (e.name === ERRORS.SchemaMismatch || e.name === ERRORS.CommitConflict)) {
      if (earlier) await storage.copy(earlier, q);
      else if (qKey) await storage.delete([q]);
    }
    throw e;
  });
  // Lost the race to commit this object: the quarantine file (one per object) must name the run that committed it.
  if (result.status === 'already' && qKey) await relabelQuarantine(ctx, qKey, result.committedBy!, staged.stagingPrefix);
  await removePrefix(storage, staged.stagingPrefix);
  return {
    status: result.status,
    ...(result.committedBy ? { committedBy: result.committedBy } : {}),
    version: result.manifest.version,
    partitions: result.changes.length,
    ...(qKey ? { quarantineKey: qKey } : {}),
    ms: Date.now() - started,
  };
}

/**
 * Concurrent runs of one object each copy its quarantine file before their commit, and only one commits: the others
 * rewrite the file with the committing run's id, so every quarantined row points at the run that counts it. Any id
 * but the winner's is replaced, so the last writer leaves it right whatever order the losers come in.
 */
async function relabelQuarantine(ctx: PipelineContext, qKey: string, winner: string, stagingPrefix: string): Promise<void> {
  const out = `${stagingPrefix}relabel/`;
  await ctx.storage.withLocalFile(qKey, (path) => ctx.storage.writeTree(out, (dir) => withDuck((db) =>
    db.run(`COPY (SELECT * REPLACE (${str(winner)} AS run_id) FROM read_parquet(${pathLit(path)})) TO ${pathLit(join(dir, 'q.parquet'))} (FORMAT parquet, ${PARQUET_CODEC})`), ctx.duck)));
  await ctx.storage.copy(`${out}q.parquet`, qKey);
}

/**
 * Append with a primary key: staging held the batch's keys against the silver it read (runtime/ingest/prior-keys.ts).
 * Versions committed since then, by runs staged at the same time, are checked here, inside the compare-and-swap loop:
 * the manifest this commit swaps is the one checked, so no key is committed twice. A key found there fails the run
 * before anything is committed; ingesting the object again quarantines those rows with the reason.
 */
async function refuseKeysCommittedSince(ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest, m: TableManifest): Promise<void> {
  const checked = staged.keysCheckedAgainst;
  if (!checked || !staged.files.length || await committedSource(ctx.storage, plan.prefixes.silver, m, staged.sourceId)) return; // (committed already: the commit says so)
  const since = Object.values(m.partitions).filter((p) => p.rows > 0 && checked[p.path] !== p.location);
  if (!since.length) return;
  const prior = { table: `silver.${plan.dataset}`, partitions: since, keyDeterminesPartition: false, withFiles: ctx.storage.withLocalFiles.bind(ctx.storage) };
  const pk = plan.primaryKey.map(ident).join(', ');
  const found = await ctx.storage.withLocalFiles(staged.files.map((f) => `${staged.stagingPrefix}${f.file}`), (paths) => withDuck(async (db) => {
    await db.run('CREATE OR REPLACE TEMP TABLE __since (r BIGINT)');
    const batch = `(SELECT row_number() OVER () AS __r, ${pk} FROM read_parquet(${pathList(paths)}))`;
    return markPriorKeys(db, plan, prior, batch, since.flatMap((p) => p.files), '__since');
  }, ctx.duck));
  if (found) {
    const runs = [...new Set(since.map((p) => p.runId))].sort();
    throw new StrataError(ERRORS.CommitConflict, `${staged.source.key}: ${plural(found, 'row')} ${found === 1 ? 'has' : 'have'} primary keys (${plan.primaryKey.join(', ')}) that ${runs.length > 1 ? 'runs' : 'run'} `
      + `${runs.join(', ')} committed to silver.${plan.dataset} while this run was staged; nothing was committed: ingest ${staged.source.key} again, `
      + 'and its rows whose keys are in silver go to quarantine');
  }
}

async function buildVersion(
  ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest, path: string,
  part: { values: Array<string | null>; files: StageManifest['files'] },
  base: PartitionVersion | undefined, prefix: string, input: CommitInput,
): Promise<PartitionVersion> {
  const { storage } = ctx;
  const stagedKeys = part.files.map((f) => `${staged.stagingPrefix}${f.file}`);
  const stagedRows = part.files.reduce((a, f) => a + f.rows, 0);
  const common = { path, values: part.values, location: prefix, runId: input.runId, committedAt: new Date().toISOString() };
  const merge = plan.mode === 'upsert' && base && base.rows > 0;
  const compact = !merge && !plan.compaction && base !== undefined && base.files.length + stagedKeys.length > COMPACT_AT_FILES;
  if (!merge && !compact) {
    // Append: the new version shares the old version's immutable files (a hard link or a server-side copy).
    const files: string[] = [];
    for (const f of base?.files ?? []) {
      const to = `${prefix}${basename(f)}`;
      await storage.copy(f, to);
      files.push(to);
    }
    let bytes = base?.bytes ?? 0;
    for (const [i, k] of stagedKeys.entries()) {
      const to = `${prefix}part-${input.runId}-${i}.parquet`;
      await storage.copy(k, to);
      files.push(to);
      bytes += part.files[i]!.bytes;
    }
    // The version is written with today's schema only if every file in it was (old files may lack new columns).
    return { ...common, files, rows: (base?.rows ?? 0) + stagedRows, bytes, schemaHash: base && base.schemaHash !== plan.schemaHash ? 'mixed' : plan.schemaHash };
  }
  // Upsert (or compaction): rewrite the partition as one file. Rows of the base whose key arrives again are
  // replaced; schema evolution is applied on the way (old files lack new columns: they read as NULL).
  const keys = [...(base?.files ?? []), ...stagedKeys];
  return storage.withLocalFiles(keys, async (paths) => {
    const basePaths = paths.slice(0, base?.files.length ?? 0);
    const newPaths = paths.slice(base?.files.length ?? 0);
    const out = await storage.writeTree(prefix, (dir) => withDuck(async (db) => {
      const file = join(dir, `part-${input.runId}-0.parquet`);
      const stats = await db.all<{ count: number; file_size_bytes: number }>(
        `COPY (${await mergeSql(db, plan, basePaths, newPaths, merge === true)}) TO ${pathLit(file)} (FORMAT parquet, ${PARQUET_CODEC}, RETURN_STATS true)`);
      return { rows: Number(stats[0]?.count ?? 0), bytes: Number(stats[0]?.file_size_bytes ?? 0) };
    }, ctx.duck));
    return { ...common, files: out.written.map((w) => w.key), rows: out.result.rows, bytes: out.result.bytes, schemaHash: plan.schemaHash };
  });
}

/**
 * SELECT producing the new version: typed columns in schema order, partition columns last. Old files written
 * before a column was added lack it: it reads as NULL (schema evolution rewrites them with the column).
 */
async function mergeSql(db: Duck, plan: DatasetPlan, basePaths: string[], newPaths: string[], antiJoin: boolean): Promise<string> {
  const read = (ps: string[]) => `read_parquet(${pathList(ps)}, union_by_name = true, hive_partitioning = false)`;
  const colsOf = async (ps: string[]) => {
    const present = new Set((await db.columns(`SELECT * FROM ${read(ps)}`)).map((c) => c.name));
    return [
      ...plan.columns.map((c) => `CAST(${present.has(c.name) ? ident(c.name) : 'NULL'} AS ${c.duckdbType}) AS ${ident(c.name)}`),
      ...plan.partitions.map((p) => `CAST(${present.has(p.name) ? ident(p.name) : 'NULL'} AS ${p.duckdbType}) AS ${ident(p.name)}`),
    ].join(', ');
  };
  const fresh = `SELECT ${await colsOf(newPaths)} FROM ${read(newPaths)}`;
  if (!basePaths.length) return fresh;
  const cols = await colsOf(basePaths);
  const pk = plan.primaryKey.map(ident);
  const old = antiJoin
    ? `SELECT ${cols} FROM ${read(basePaths)} b WHERE NOT EXISTS (SELECT 1 FROM ${read(newPaths)} n WHERE ${pk.map((k) => `n.${k} = b.${k}`).join(' AND ')})`
    : `SELECT ${cols} FROM ${read(basePaths)}`;
  return `${old} UNION ALL ${fresh}`;
}


