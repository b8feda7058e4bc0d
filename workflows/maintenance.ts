// Maintenance of a local lake: rollback, garbage collection, forced gold refresh. Each works on manifests through
// the same core functions the pipeline uses, then brings the catalog in line.
import { goldShape, type GoldPlan } from '../core/gold/analyze.ts';
import { refreshGold } from '../runtime/gold/refresh.ts';
import { loadGate } from '../runtime/quality/evaluate-gate.ts';
import type { GoldOutput } from '../runtime/gold/types.ts';
import { layout } from '../core/plan/layout.ts';
import { registerQuarantine, syncToLatest } from '../runtime/pipeline/register.ts';
import { gcPending, settleRollback, silverShape, type PendingGc } from '../runtime/pipeline/commit.ts';
import { gcCompactionResults, gcStaging, gcTable, type CompactionResultsGc, type GcResult, type StagingGc } from '../runtime/table/gc.ts';
import { CHANGED_AFTER, retiredVersionName, rollbackTable, rollbackTarget, schemaAfterRollback, type RollbackResult } from '../runtime/table/rollback.ts';
import { refuseBreakingChange, type AppliedSchema } from '../core/schema/evolution.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import { damagedFileMessage, readFooters } from '../runtime/table/damaged-file.ts';
import { readManifest } from '../runtime/table/store.ts';
import { refuseUnevolvable, stateAfterRun, type TableManifest } from '../runtime/table/manifest.ts';
import { plural, thousands } from '../core/text.ts';
import { withDuck } from '../runtime/engine/duckdb.ts';
import type { TableShape } from '../core/plan/table-shape.ts';
import { StrataError, ERRORS } from '../core/errors.ts';
import { fault } from '../runtime/util/fault.ts';
import { newRunId } from './ingest-local.ts';
import { closest } from '../core/schema/diagnostics.ts';
import { silverContradictions } from '../runtime/schema/silver-constraints.ts';
import { catalogCaughtUp, type LocalLake } from './lake.ts';

export interface RollbackReport extends RollbackResult {
  table: string;
  layer: 'silver' | 'gold';
  runId: string;
  /** Gold tables recomputed because they read the rolled-back silver table. */
  refreshed: GoldOutput[];
  /** Why catalog.duckdb is behind the lake after the command (catalogCaughtUp), when it is. */
  catalogBehind?: string;
}

/** strata rollback <dataset|gold table> --to <run>. It also recomputes the gold tables that read the table rolled back. */
export async function rollback(lake: LocalLake, name: string, toRun: string): Promise<RollbackReport> {
  try {
    return await rollbackTo(lake, name, toRun);
  } catch (e) {
    // A run that never changed the table: what that run was, when its record says (newcomer's trial, stop 50: a run
    // of another dataset, or one that halted, was only "never changed table").
    if (!(e instanceof StrataError) || !/never changed table/.test(e.message)) throw e;
    const records = await Promise.all(lake.plans.map((p) => lake.storage.readText(layout.run(p.dataset, toRun)).catch(() => undefined)));
    const text = records.find((t) => t !== undefined);
    const isDataset = lake.plans.some((p) => p.dataset === name);
    let said = '';
    try {
      const r = text ? JSON.parse(text) as { dataset?: string; status?: string } : undefined;
      if (isDataset && r?.dataset && r.dataset !== name) said = `: it is a run of dataset ${r.dataset}`;
      // (A run that halted at a gold gate, or failed after its commit, committed its rows: what hides it then is gc,
      // which collected the history a rollback replays; it said "committed nothing": an attack, stop 57.)
      else if (r?.status && r.status !== 'SUCCEEDED') {
        // (Partitions the record could not read back leave its list empty, and say so in a warning.)
        const rec = r as { partitions?: unknown; warnings?: unknown };
        const committed = (Array.isArray(rec.partitions) && rec.partitions.length > 0)
          || (Array.isArray(rec.warnings) && rec.warnings.some((w) => typeof w === 'string' && w.includes('this run committed could not be read back')));
        said = `: it was ${r.status}${isDataset && !committed ? ' and committed nothing' : isDataset ? ', after its commit, whose history strata gc has collected since (past retention.days)' : ''}`;
      }
    } catch { /* no record to say more */ }
    // (A gold table's runs are its datasets': strata runs lists them all; --dataset takes a dataset's name.)
    throw new StrataError(e.name as typeof ERRORS.InvalidInput, `${e.message}${said}; ${isDataset ? `strata runs --dataset ${name}` : `strata history of gold.${name} (strata query "select * from strata.history where table_name = '${name}'")`} lists the runs that did`);
  }
}

async function rollbackTo(lake: LocalLake, name: string, toRun: string): Promise<RollbackReport> {
  const runId = newRunId();
  const dataset = lake.plans.find((p) => p.dataset === name);
  const gold = lake.gold.find((g) => g.table === name);
  if (!dataset && !gold) {
    // As ingest and refresh say it (newcomer's trial, stop 48: a typo got no suggestion here).
    const guess = closest(name, [...lake.plans.map((p) => p.dataset), ...lake.gold.map((g) => g.table)]);
    throw new StrataError(ERRORS.UnknownDataset, `no dataset or gold table named "${name}"${guess ? `: did you mean "${guess}"?` : ''}`);
  }
  if (dataset) {
    const shape = silverShape(dataset);
    await refuseDamagedTarget(lake, dataset.prefixes.silver, shape, toRun);
    const current = (await readManifest(lake.storage, dataset.prefixes.silver, shape)).manifest;
    // A schema file the table cannot evolve to is refused before anything changes, as ingest refuses it: the rollback
    // committed, then failed at its registration, half done (an attack, stop 47). The table it is asked of is the one
    // the rollback leaves, whose files were all written by the time of run `toRun`, under the schema it had then
    // (schemaAfterRollback: a column added after the run and dropped from the schema file since is in none of them).
    // A run that cannot be returned to is said by rollbackTable.
    const after = schemaAfterRollback(current, toRun);
    const target = after ? stateAfterRun(current, toRun) : undefined;
    if (after && target && 'state' in target) refuseBreakingChange(after, dataset.applied, dataset.dataset, () => Object.values(target.state).map((v) => v.values));
    else refuseUnevolvable(current, dataset);
    await refuseContradictedRollback(lake, dataset, current, toRun, after);
    const before = current.sources;
    // The key it records is the schema file's, which the rows it returns to were just counted against.
    const declared = dataset.applied.declared;
    const r = await rollbackTable(lake.storage, dataset.prefixes.silver, shape, toRun, runId, {
      schema: (m) => { const s = schemaAfterRollback(m, toRun); return s && { ...s, ...(declared ? { declared } : {}) }; },
    });
    await syncToLatest(lake.ctx, dataset.prefixes.silver, dataset, { layer: 'silver', name: dataset.dataset, glue: dataset.tables.silver });
    // The objects whose committing run changed get that run's quarantined rows back. Then the register step's
    // settlement: a forgotten object's file holding the forgotten commit's rows goes (told by its marker's bytes,
    // commit.ts staleQuarantine), also what an earlier rollback to the same run stopped before settling (run again,
    // this one changes nothing).
    await settleRollback(lake.ctx, dataset, before, (await readManifest(lake.storage, dataset.prefixes.silver, shape)).manifest);
    await registerQuarantine(lake.ctx, dataset, { settle: true });
    fault('rollback.committed');
    const refreshed = await refreshInOrder(lake, lake.ctx.gold.forDataset(dataset.dataset), runId, true, dataset.dataset);
    const catalogBehind = await catalogCaughtUp(lake);
    return { ...r, table: dataset.dataset, layer: 'silver', runId, refreshed, ...(catalogBehind ? { catalogBehind } : {}) };
  }
  const g = gold!;
  await refuseDamagedTarget(lake, g.prefix, goldShape(g), toRun);
  const r = await rollbackTable(lake.storage, g.prefix, goldShape(g), toRun, runId, { applied: g.applied });
  await syncToLatest(lake.ctx, g.prefix, goldShape(g), { layer: 'gold', name: g.table, glue: g.glue });
  // The gold tables reading this one are recomputed from the rows it holds now, as a silver rollback's are.
  const refreshed = await refreshInOrder(lake, lake.ctx.gold.readersOf(g.table), runId, true);
  const catalogBehind = await catalogCaughtUp(lake);
  return { ...r, table: g.table, layer: 'gold', runId, refreshed, ...(catalogBehind ? { catalogBehind } : {}) };
}

/**
 * Strata.SchemaMismatch when the rows a rollback to `toRun` returns silver.<dataset> to hold a primary key more than
 * once where the schema file's key says it is unique (an append: across the table; an upsert: within a partition),
 * before anything changes. A key narrowed since that run, then a rollback to it, brought back rows the key contradicts,
 * and strata check, doctor and the ingests after it took the table as it was (an attack, stop 52). Counted whatever
 * the table recorded of its key (silver-constraints.ts, as for a table that recorded none). `after`: the schema the
 * rollback leaves (schemaAfterRollback), when the history tells it.
 */
async function refuseContradictedRollback(lake: LocalLake, dataset: DatasetPlan, current: TableManifest, toRun: string, after: AppliedSchema | undefined): Promise<void> {
  if (!dataset.primaryKey.length || !current.schema) return;
  const found = await rollbackTarget(lake.storage, current, toRun);
  if ('error' in found) return; // (rollbackTable says why)
  const { declared: _, ...schema } = after ?? current.schema;
  const then: TableManifest = { ...current, schema, partitions: Object.fromEntries(Object.values(found.state).map((v) => [v.path, v])) };
  const d = (await silverContradictions(lake.storage, dataset, then, lake.ctx.duck, { nulls: false }))?.duplicates;
  if (!d) return;
  throw new StrataError(ERRORS.SchemaMismatch, `silver.${dataset.dataset} was not rolled back to run ${toRun}: the rows it left hold ${plural(d.keys, 'key')} of the schema file's primary key (${d.key.join(', ')}) `
    + `more than once (e.g. ${d.example}), where ${dataset.mode === 'append' ? 'an append key is unique across the table' : 'an upsert key is unique within its partition'}. Nothing was changed. `
    + 'The way back: put in the schema file the primary key the table had at that run, then roll back again (strata check compares the key with the rows)');
}

/**
 * A rollback that would point a partition at a damaged file is refused before anything changes: locally the versions
 * of a partition share the files they did not change (hard links), so the version a run left may hold the same
 * damaged bytes as the current one. The error names the file and the way back (runtime/table/damaged-file.ts).
 * A replaced version's files come from a listing of its folder (runtime/table/rollback.ts): a folder holding more or
 * fewer files than the version had is refused first, then one whose readable files do not hold the version's rows
 * (the footers' counts), with the folder named and the way back.
 */
async function refuseDamagedTarget(lake: LocalLake, root: string, shape: TableShape, toRun: string, attempt = 1): Promise<void> {
  const { manifest, etag } = await readManifest(lake.storage, root, shape);
  const refusal = await damagedTargetRefusal(lake, manifest, shape, toRun);
  if (refusal === undefined) return;
  // gc may have collected the target while its files were checked (a folder listed or read as gc deleted it; gc swaps
  // the manifest first): with the manifest changed since, look again at the one now, where the target may be gone,
  // which rollbackTable then says, instead of blaming damage.
  const now = await readManifest(lake.storage, root, shape);
  if (now.etag !== etag && attempt < 3) return refuseDamagedTarget(lake, root, shape, toRun, attempt + 1);
  throw new StrataError(ERRORS.UnreadableFile, refusal);
}

/** Why a rollback of `manifest` to `toRun` would point a partition at damaged or changed files; undefined if it would not. */
async function damagedTargetRefusal(lake: LocalLake, manifest: TableManifest, shape: TableShape, toRun: string): Promise<string | undefined> {
  const found = await rollbackTarget(lake.storage, manifest, toRun);
  if ('error' in found) return undefined; // rollbackTable says why
  if (found.changed.length) return found.changed.join('; ');
  const switched = Object.values(found.state).filter((p) => manifest.partitions[p.path]?.location !== p.location);
  const files = switched.flatMap((p) => p.files).map((key) => ({ key, path: lake.storage.path(key) }));
  const { bad, rows } = await withDuck((db) => readFooters(db, files));
  if (bad.length) {
    return `${shape.layer}.${shape.table} was not rolled back to run ${toRun}: the version it left holds a damaged file. `
      + damagedFileMessage(shape.layer, shape.table, bad[0]!, manifest.history);
  }
  for (const p of switched.filter((v) => found.listed.includes(v.path))) {
    const held = p.files.reduce((a, f) => a + (rows.get(f) ?? 0), 0);
    if (held !== p.rows) {
      return `${retiredVersionName(lake.storage, shape, p)} now holds ${plural(held, 'row')} in its files `
        + `where it was committed with ${thousands(p.rows)}: ${CHANGED_AFTER}`;
    }
  }
  return undefined;
}

/**
 * strata gc over every table. A table that cannot be collected (a damaged manifest, say) is reported with the reason
 * in `error` and left as it is; the other tables are collected all the same.
 */
export async function garbageCollect(lake: LocalLake, opts: { retentionDays?: number; dryRun?: boolean; now?: Date; keepCollected?: number } = {}): Promise<{ tables: GcReport[]; staging: StagingGc; pendingQuarantine: PendingGc; compactionResults: CompactionResultsGc }> {
  const now = opts.now ?? new Date();
  const tables: GcReport[] = [];
  const collect = async (table: string, run: () => Promise<GcResult>) => {
    tables.push(await run().catch((e: Error): GcReport => ({ table, expiredVersions: 0, orphanFolders: 0, bytes: 0, error: { name: e.name, message: e.message } })));
  };
  const gcOpts = (layer: 'silver' | 'gold', name: string) => ({ now, dryRun: opts.dryRun === true, ...(opts.keepCollected !== undefined ? { keepCollected: opts.keepCollected } : {}), catalogLocations: async () => (await lake.catalog.shown(layer, name))?.locations ?? [] });
  for (const d of lake.plans) {
    await collect(`silver.${d.dataset}`, () => gcTable(lake.storage, d.prefixes.silver, d, `silver.${d.dataset}`, opts.retentionDays ?? d.retentionDays, gcOpts('silver', d.dataset)));
  }
  for (const g of lake.gold) {
    const days = opts.retentionDays ?? lake.plans.find((p) => p.dataset === g.owner)?.retentionDays ?? 7;
    await collect(`gold.${g.table}`, () => gcTable(lake.storage, layout.gold(g.table), goldShape(g), `gold.${g.table}`, days, gcOpts('gold', g.table)));
  }
  // Quarantined rows left pending by runs that were killed (runtime/pipeline/commit.ts gcPending).
  const pendingQuarantine: PendingGc = { published: 0, dropped: 0, markers: 0, stale: 0 };
  for (const d of lake.plans) {
    // A silver table whose manifest cannot be read is reported above (tables) and left as it is, its pending rows too.
    const r = await gcPending(lake.ctx, lake.ctx.plans.get(d.dataset), now, opts.dryRun === true, opts.retentionDays ?? d.retentionDays).catch((): PendingGc => ({ published: 0, dropped: 0, markers: 0, stale: 0 }));
    pendingQuarantine.published += r.published;
    pendingQuarantine.dropped += r.dropped;
    pendingQuarantine.markers += r.markers;
    pendingQuarantine.stale += r.stale;
    // A file published where there was none, or removed: the quarantine table's file list changed.
    if (!opts.dryRun && (r.published || r.stale)) await registerQuarantine(lake.ctx, lake.ctx.plans.get(d.dataset)).catch(() => undefined);
  }
  return { tables, staging: await gcStaging(lake.storage, now, opts.dryRun), pendingQuarantine, compactionResults: await gcCompactionResults(lake.storage, now, opts.dryRun) };
}

/** What gc did to one table, or why it left it alone. */
export interface GcReport extends GcResult {
  error?: { name: string; message: string };
}

/**
 * strata refresh: recompute a gold table (every partition when full; else what it is behind its inputs by), then the
 * gold tables that read it, directly or through others, in dependency order (`dependents`), as a run refreshes the
 * tables reading its dataset: a table over this one was left computed from its old rows (stop 50). A refresh halted
 * by its gate published nothing, and its readers are left as they are.
 */
export async function refresh(lake: LocalLake, table: string, full: boolean): Promise<GoldOutput & { dependents: Array<GoldOutput & { reads: string[] }>; catalogBehind?: string }> {
  // A dataset's name: said so, with the gold tables there are (it was "no schema defines gold table": newcomer's trial, stop 50).
  if (lake.plans.some((p) => p.dataset === table) && !lake.gold.some((g) => g.table === table)) {
    const list = lake.gold.map((g) => g.table);
    throw new StrataError(ERRORS.UnknownDataset, `"${table}" is a dataset, not a gold table: strata refresh recomputes a gold table${list.length ? ` (${list.join(', ')})` : ', and the project defines none'}; silver.${table} changes through strata ingest (or strata rollback)`);
  }
  const runId = newRunId();
  const [out] = await refreshInOrder(lake, [lake.ctx.gold.get(table)], runId, full);
  // (Each with the gold tables it reads itself, which its line names: a reader through another reads that one.)
  const readers = out!.status === 'halted' ? [] : lake.ctx.gold.readersOf(table);
  const dependents = (await refreshInOrder(lake, readers, runId, full)).map((o, i) => ({ ...o, reads: readers[i]!.reads.gold }));
  const catalogBehind = await catalogCaughtUp(lake);
  return { ...out!, dependents, ...(catalogBehind ? { catalogBehind } : {}) };
}

/**
 * Refresh gold tables one after another, in the order given (dependency order), under run `runId`, each with its
 * gate's results read back: a rollback's readers, a refresh's table and its readers. `dataset`: the dataset whose
 * change they follow (default: each table's driver, else its owner).
 */
async function refreshInOrder(lake: LocalLake, tables: readonly GoldPlan[], runId: string, full: boolean, dataset?: string): Promise<GoldOutput[]> {
  const out: GoldOutput[] = [];
  for (const t of tables) {
    out.push(await withGateResults(lake, await refreshGold(lake.ctx, { table: t.table, dataset: dataset ?? t.incremental?.driver ?? t.owner, runId, now: new Date().toISOString() }, { full })));
  }
  return out;
}

/** A refresh's outcome with its gate's results read back (the refresh returns the gate's summary and results key). */
async function withGateResults(lake: LocalLake, out: GoldOutput): Promise<GoldOutput> {
  return out.quality ? { ...out, quality: { ...await loadGate(lake.storage, out.quality) } } : out;
}
