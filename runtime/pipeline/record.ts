// The recorders at the ends of the state machine: success, rejected file, failure. Each writes the run record
// (storage is the source of truth; the catalog's strata.runs mirrors it).
import { schemaFileOf } from '../../core/plan/compile.ts';
import { ERRORS } from '../../core/errors.ts';
import { exactPercent, roundedPercent } from '../../core/text.ts';
import { CATALOG_WAY_BACK, type Catalog } from '../catalog/port.ts';
import { goldShape } from '../../core/gold/analyze.ts';
import { layout } from '../../core/plan/layout.ts';
import { changesBy, changeSummary } from '../table/manifest.ts';
import { readManifest } from '../table/store.ts';
import type { RunRecord, RunStatus } from '../runs/record.ts';
import { removeStaging } from '../table/staging.ts';
import { quarantineBatch, type BatchOutcome } from './quarantine-batch.ts';
import { commitOf, settleAfterFailure } from './commit.ts';
import { rereadBatch } from './held-rows.ts';
import type { PipelineContext } from './context.ts';
import type { CaughtError, RunState } from './payloads.ts';
import { explainLimit, limitHit } from './limits.ts';
import { registerQuarantine } from './register.ts';
import { fault } from '../util/fault.ts';
import { loadGate } from '../quality/evaluate-gate.ts';
import { readStageManifest } from './stage.ts';

export interface FailOutput {
  Error: string;
  Cause: string;
  record: Pick<RunRecord, 'runId' | 'status'>;
}

/** The paths a run changed, which the state machine's payloads only count (readChanges). */
export interface RunChanges {
  /** Silver partitions its commit gave a new version. */
  partitions: string[];
  /** The Gold state's results with each table's published and removed partition paths. */
  gold?: unknown[];
}

/**
 * The paths a run changed, read back from the tables' manifests: the silver partitions of its commit (history entry
 * `commit` of runId) and, for each gold table it published, the partitions given a new version and those removed
 * (history entry `publish`). The payloads carry counts only: a state may hold at most 256 KiB (workflows/quotas.ts).
 */
export async function readChanges(ctx: PipelineContext, state: RunState): Promise<RunChanges> {
  // Only a commit that stood changed silver: a lost race ('already') or a run that never committed changed nothing.
  const plan = ctx.plans.get(state.dataset);
  const silver = state.commit?.status === 'committed'
    ? changesBy((await readManifest(ctx.storage, plan.prefixes.silver, plan)).manifest, state.runId, 'commit') ?? []
    : [];
  const partitions = silver.map((c) => c.path);
  if (!Array.isArray(state.gold)) return { partitions };
  const gold = await Promise.all((state.gold as Array<{ table: string; status: string }>).map(async (g) => {
    if (g.status !== 'published') return { ...g, partitions: [], removed: [] };
    const table = ctx.gold.get(g.table);
    const changes = changesBy((await readManifest(ctx.storage, table.prefix, goldShape(table))).manifest, state.runId, 'publish') ?? [];
    const { partitions, removed } = changeSummary(changes);
    return { ...g, partitions: partitions.sort(), removed: removed.sort() };
  }));
  return { partitions, gold };
}

export function buildRecord(state: RunState, status: RunStatus, error?: { name: string; message: string }, changes?: RunChanges): RunRecord {
  // Lost the race to commit the same object: another run committed it while this one staged it. Its rows are that
  // run's; this one counts none (the runs of one object add up to it once).
  const lost = state.commit?.status === 'already';
  const s = lost ? undefined : state.stage;
  const committedBy = state.stage?.committedBy ?? state.commit?.committedBy;
  const finishedAt = new Date().toISOString();
  const timings = [
    ['stage', s?.ms], ['commit', state.commit?.ms], ['register', state.register?.ms],
    ...(Array.isArray(state.gold) ? (state.gold as Array<{ table: string; ms?: number }>).map((g) => [`gold:${g.table}`, g.ms]) : []),
  ].filter((t): t is [string, number] => typeof t[1] === 'number').map(([step, ms]) => ({ step, ms }));
  return {
    runId: state.runId,
    dataset: state.dataset,
    status,
    source: { key: state.source.key, etag: state.stage?.source.etag ?? state.source.etag ?? state.source.contentId ?? '', size: state.stage?.source.size ?? state.source.size ?? 0, sourceId: state.stage?.sourceId ?? '' },
    startedAt: state.startedAt,
    finishedAt,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(state.startedAt)),
    rowsIn: s?.rowsIn ?? 0,
    rowsValid: s?.rowsValid ?? 0,
    rowsQuarantined: s?.rowsQuarantined ?? 0,
    rowsSuperseded: s?.rowsSuperseded ?? 0,
    // What this run's commit made visible, whatever happened after it (read back from the manifest: readChanges).
    partitions: state.commit?.status === 'committed' ? changes?.partitions ?? [] : [],
    timings,
    warnings: lost
      ? [`${state.source.key} was committed by run ${committedBy} while this run staged it; nothing changed (its rows are counted by that run)`]
      : [...restagedWarning(state), ...(s?.fileProblems ?? []), ...(s?.warnings ?? [])],
    reasons: s?.topReasons ?? [],
    ...(s?.reasonKinds !== undefined && s.reasonKinds > (s.topReasons?.length ?? 0) ? { reasonKinds: s.reasonKinds } : {}),
    ...(committedBy ? { committedBy } : {}),
    ...(error ? { error } : {}),
    ...(state.quality !== undefined ? { quality: state.quality } : {}),
    ...(state.gold !== undefined ? { gold: changes?.gold ?? state.gold } : {}),
  };
}

/** A run staged again because other runs' commits refused its commit: why, and what it means for its rows. */
function restagedWarning(state: RunState): string[] {
  const n = state.restaged?.count;
  if (!n) return [];
  const why = describeCaught(state.conflict).message.replace(/; nothing was committed[^]*$/, '');
  return [`${state.source.key}: its commit was refused ${n === 1 ? 'once' : `${n} times`} because other runs committed first (${why}); it was staged again against the silver they made, whose keys its rows may not repeat (those are quarantined)`];
}

/**
 * Write the run record, then let the catalog catch up with the run (locally: materialise catalog.duckdb). The record
 * is the truth about the run; catalog.duckdb is derived from the catalog entries, so a failure to rebuild it (a full
 * disk) does not change the run's outcome: it becomes a warning, and the next read or strata doctor --repair rebuilds it.
 */
export async function writeRecord(ctx: PipelineContext, record: RunRecord): Promise<void> {
  const key = layout.run(record.dataset, record.runId);
  await ctx.storage.writeText(key, JSON.stringify(record)); // one line: Athena reads strata.runs with a JSON SerDe, one record per line
  fault('record.written');
  if (await catalogCatchUp(ctx.catalog, record)) await ctx.storage.writeText(key, JSON.stringify(record)).catch(() => undefined);
}

const CATALOG_BEHIND = 'the catalog could not catch up with this run';

/** Let the catalog catch up with a recorded run. A failure becomes a warning of the record (once); true when it failed. */
export async function catalogCatchUp(catalog: Catalog, record: RunRecord): Promise<boolean> {
  try {
    await catalog.putRun(record);
    return false;
  } catch (e) {
    if (!record.warnings.some((w) => w.startsWith(CATALOG_BEHIND))) {
      record.warnings.push(`${CATALOG_BEHIND} (${(e as Error).message.split('\n')[0]}); `
        + `the lake and this record are right: ${CATALOG_WAY_BACK}`);
    }
    return true;
  }
}

/**
 * The state with every gate's results (silver, and each gold table's) read back from storage: the state machine
 * carries a gate's summary and the key of its results (runtime/quality/evaluate-gate.ts), the run record has them all.
 */
export async function withGateResults(ctx: PipelineContext, state: RunState): Promise<RunState> {
  const quality = state.quality === undefined ? undefined : await loadGate(ctx.storage, state.quality);
  const gold = Array.isArray(state.gold)
    ? await Promise.all((state.gold as unknown[]).map(async (g) => (g && typeof g === 'object' && 'quality' in g ? { ...g, quality: await loadGate(ctx.storage, g.quality) } : g)))
    : state.gold;
  return { ...state, ...(quality !== undefined ? { quality } : {}), ...(gold !== undefined ? { gold } : {}) };
}

/** The end of a run that got through silver. A gold gate that halted makes it HALTED (silver stays committed). */
export async function recordSuccess(ctx: PipelineContext, carried: RunState): Promise<{ runId: string; status: RunStatus; halted: boolean; Error?: string; Cause?: string }> {
  const state = await withGateResults(ctx, carried);
  type Halted = { table: string; status: string; quality?: { results?: Array<{ rule: string; severity: string; outcome: string; message?: string }> } };
  const halted = (Array.isArray(state.gold) ? state.gold as Halted[] : []).filter((g) => g.status === 'halted');
  const changes = await readChanges(ctx, state);
  if (halted.length) {
    // Which rules blocked, and the way back, as a silver halt says them (newcomer's trial, stop 50: it named no rule
    // and no next step).
    const rules = halted.flatMap((g) => (g.quality?.results ?? []).filter((r) => r.severity === 'halt' && r.outcome !== 'PASS')
      .slice(0, 3).map((r) => `${g.table}: ${r.rule} → ${r.outcome}${r.message ? ` (${r.message})` : ''}`));
    const tables = halted.map((g) => g.table);
    const message = `gold quality gate halted ${tables.join(', ')}${rules.length ? `: ${rules.join('; ')}` : ''}. Silver is committed; ${tables.length === 1 ? 'that gold table is' : 'those gold tables are'} unchanged. `
      + `The way back: fix the rows the rule names (strata query) or the rule, then strata refresh ${tables[0]}${tables.length > 1 ? ' (and the others)' : ''}; the run record's gold results and strata.quality_metrics hold every rule's outcome`;
    const record = buildRecord(state, 'HALTED', { name: ERRORS.QualityHalt, message }, changes);
    await writeRecord(ctx, record);
    return { runId: record.runId, status: 'HALTED', halted: true, Error: ERRORS.QualityHalt, Cause: message };
  }
  const status: RunStatus = state.stage?.alreadyIngested || state.commit?.status === 'already' ? 'SKIPPED' : 'SUCCEEDED';
  const record = buildRecord(state, status, undefined, changes);
  await writeRecord(ctx, record);
  return { runId: record.runId, status, halted: false };
}

/**
 * The file does not fit the schema or has too many bad rows: commit nothing and put the whole file in quarantine,
 * its good rows with the reason "rejected" (naming the file-level cause), so that every row is somewhere.
 */
export async function rejectFile(ctx: PipelineContext, state: RunState): Promise<FailOutput> {
  const plan = ctx.plans.get(state.dataset);
  const s = state.stage!;
  const done = await endedAlready(ctx, state, 'REJECTED');
  if (done) return done;
  const staged = await readStageManifest(ctx, s.stageKey);
  const message = rejectMessage(s, plan.maxRejectRatio, schemaFileOf(plan), plan.source.format);
  // Its valid rows keep their record, line and source record as the other quarantined rows do (read again from bronze).
  const heldKey = s.rowsValid > 0 ? await rereadBatch(ctx, plan, staged).catch(() => undefined) : undefined;
  const outcome = await quarantineBatch(ctx, plan, staged, state.runId, state.now, { rule: 'rejected', message: `the file was rejected: ${rejectCause(s, plan.maxRejectRatio)}` },
    heldKey ? { heldKey, rules: [] } : undefined);
  await registerQuarantine(ctx, plan);
  const name = s.schemaMismatch ? ERRORS.SchemaMismatch : ERRORS.RejectedFile;
  const record = buildRecord(state, 'REJECTED', { name, message });
  countWholeBatch(record, outcome, s, 'rejected', `the file was rejected: they are in quarantine.${plan.dataset} with reason "rejected"`);
  await writeRecord(ctx, record);
  // Staging goes last: a retry of this step finds it until the record is written, and the record after.
  await removeStaging(ctx.storage, staged.stagingPrefix);
  return { Error: name, Cause: message, record: { runId: record.runId, status: 'REJECTED' } };
}

/**
 * The outcome of the step that ends a run (reject, halt) when an earlier attempt of it ran to its end: Step Functions
 * retries a step whose Lambda did its work and lost its answer, and the staging that step removes last is gone. Then
 * this run's record, written before staging was removed, gives the outcome again; undefined while staging is there.
 */
export async function endedAlready(ctx: PipelineContext, state: RunState, status: 'REJECTED' | 'HALTED'): Promise<FailOutput | undefined> {
  if (await ctx.storage.head(state.stage!.stageKey)) return undefined;
  const text = await ctx.storage.readText(layout.run(state.dataset, state.runId));
  const record = text ? JSON.parse(text) as RunRecord : undefined;
  if (record?.status !== status || !record.error) return undefined;
  // The attempt that ended the run may have died between removing the staging folder and its record.
  await removeStaging(ctx.storage, layout.staging(state.dataset, state.runId));
  return { Error: record.error.name, Cause: record.error.message, record: { runId: record.runId, status } };
}

/**
 * The counts of a run whose whole batch went to quarantine (rejected or halted): rows in = rows valid (none reached
 * silver) + rows quarantined (the whole batch, superseded rows included), the valid rows' fate in a warning (`held`:
 * why they are in quarantine). Unless another run of the same object committed it meanwhile: that run's outcome
 * stands (its rows are silver's and its quarantine's), and this one counts none, as a run that lost a race to commit.
 */
export function countWholeBatch(record: RunRecord, outcome: BatchOutcome, s: { rowsIn: number; rowsValid: number }, did: 'rejected' | 'halted', held: string): void {
  if (outcome.status === 'already') {
    Object.assign(record, { rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, rowsSuperseded: 0, committedBy: outcome.committedBy });
    record.warnings = [`${record.source.key} was committed by run ${outcome.committedBy} while this run ${did} it; nothing changed (its rows are counted by that run)`];
    return;
  }
  Object.assign(record, { rowsValid: 0, rowsQuarantined: s.rowsIn, rowsSuperseded: 0 });
  if (s.rowsValid) record.warnings.unshift(`${s.rowsValid === 1 ? '1 row' : `${s.rowsValid} rows`} passed validation but ${held}`);
}

/** Why a file was rejected, in one clause. */
function rejectCause(s: NonNullable<RunState['stage']>, maxRatio: number): string {
  return s.schemaMismatch
    ? `it does not fit the schema (${s.fileProblems[0] ?? 'see the run record'})`
    : `${s.rowsQuarantined} of ${s.rowsIn} rows (${roundedPercent(s.rejectRatio, maxRatio)}) failed validation, more than rejects.maxRatio ${exactPercent(maxRatio)}`;
}

export function rejectMessage(s: NonNullable<RunState['stage']>, maxRatio: number, schemaFile = `schemas/${s.dataset}.yaml`, format = 'csv'): string {
  const top = s.topReasons.slice(0, 3).map((r) =>
    `${r.column ?? 'record'} ${r.rule} ×${r.count} (first at ${r.line !== null ? `line ${r.line}` : `record ${r.record}`}: ${r.message})`);
  const where = s.rowsIn === 1 ? `its 1 row is in quarantine.${s.dataset}` : s.rowsIn ? `all ${s.rowsIn} rows are in quarantine.${s.dataset}` : 'it has no rows';
  const verdict = s.schemaMismatch
    ? `${s.source.key}: the file does not fit the schema; nothing was committed, ${where}`
    : `${s.source.key}: ${rejectCause(s, maxRatio)}; nothing was committed, ${where}`;
  // The way back (a newcomer's trial, stop 45: the summary gave none).
  const way = s.schemaMismatch
    // (A JSON file has keys, not a header: newcomer's trial, stop 57.)
    ? `way back: fix the file's ${format === 'csv' ? 'header' : format === 'parquet' ? 'columns' : 'keys'}, or the schema in ${schemaFile} (strata check), then upload the file again`
    : `way back: fix the rows and upload the file again, or raise rejects.maxRatio in ${schemaFile} if such a share of bad rows is expected (they are then quarantined, the others committed)`;
  return [
    ...s.fileProblems,
    verdict,
    ...(top.length ? [`most common: ${top.join('; ')}`] : []),
    way,
  ].join('\n');
}

/** Any other error: record it and end the execution with it. Bronze is never touched. */
export async function recordFailure(ctx: PipelineContext, carried: RunState): Promise<FailOutput> {
  // The gates' results are read back as for any record; if that fails too, the record keeps their summaries.
  let resultsUnread: string | undefined;
  const gated = await withGateResults(ctx, carried).catch((e: Error) => { resultsUnread = e.message.split('\n')[0]; return carried; });
  // A commit step that failed after its manifest swap (its staging's removal, a lost answer, a Lambda timed out, which
  // is not retried): the commit stands, and the manifest's history says so. The run was recorded FAILED "as if nothing
  // was committed", its catalog and gold behind without a word (an attack, stop 57).
  const plan = ctx.plans.list().find((p) => p.dataset === gated.dataset);
  const recovered = plan && !gated.commit && gated.stage
    ? await readManifest(ctx.storage, plan.prefixes.silver, plan).then(({ manifest }) => commitOf(manifest, gated.runId), () => undefined)
    : undefined;
  const state: RunState = recovered ? { ...gated, commit: { ...recovered, ms: 0 } as RunState['commit'] } : gated;
  const caught = describeCaught(state.error);
  // A function that ran out of memory, time or /tmp: say which limit and the setting that raises it. Reading a file
  // says so itself (Strata.LimitExceeded, runtime/ingest/source-relation.ts unreadable); out of memory or /tmp
  // elsewhere reaches the step as Strata.Internal (or, from a path that has no words for it, Strata.UnreadableFile):
  // the file may be fine, so the run is named for the limit (dashboards count damaged files apart).
  const limit = limitHit(caught.name, caught.message);
  const name = (limit === 'memory' || limit === 'tmp') && (caught.name === ERRORS.UnreadableFile || caught.name === ERRORS.Internal) ? ERRORS.LimitExceeded : caught.name;
  const explained = plan ? explainLimit(plan, caught.name, caught.message, state.commit?.status === 'committed') : caught.message;
  // A failure after the silver commit does not undo it: say what stands, and what brings the rest up to date.
  // A gold table whose own SQL failed is brought up to date by nothing but a fixed SQL.
  const goldSql = /^gold table (\S+): its SQL failed/.exec(caught.message)?.[1];
  const message = state.commit?.status === 'committed'
    ? `the silver commit stands (silver.${state.dataset} version ${state.commit.version} holds this run's rows); what failed after it: ${explained}. `
      + (goldSql
        ? `Fix the SQL of gold table ${goldSql} (strata check), then strata refresh ${goldSql}, or the next run of ${state.dataset}, brings it up to date.`
        // A schema file a table cannot evolve to is refused by every later run and by doctor --repair alike.
        : caught.name === ERRORS.SchemaMismatch
          ? `Gold stays as it was while that schema file is refused: make it one its table can evolve to (strata check says what it refuses), then the next run of ${state.dataset}, or strata doctor --repair, brings the catalog and gold up to date.`
          : `The next run of ${state.dataset}, or strata doctor --repair, brings the catalog and gold up to date.`)
    : explained;
  // The paths the commit made visible are read back from the manifest; the failure may be that it cannot be read,
  // and the record is written all the same (its partitions then empty, with a warning saying why).
  let unread: string | undefined;
  // The gold step failed on one table: the tables it published before stand, and the record says so.
  const withGold = plan && state.commit?.status === 'committed' && !Array.isArray(state.gold)
    ? { ...state, gold: await goldAfterFailure(ctx, state, goldSql, caught.message).catch(() => undefined) }
    : state;
  const changes = plan && state.commit?.status === 'committed'
    ? await readChanges(ctx, withGold).catch((e: Error) => { unread = e.message.split('\n')[0]; return undefined; })
    : undefined;
  // The commit step failed: its quarantined rows, waiting beside the quarantine table, are published if the commit
  // went through after all, else dropped (runtime/pipeline/commit.ts).
  const unsettled = plan && state.stage && (!state.commit || recovered)
    ? await settleAfterFailure(ctx, plan, state.stage.sourceId, state.runId)
      // A commit that stood: its quarantine file, published now, is shown in the quarantine table too.
      .then(() => (recovered ? registerQuarantine(ctx, plan, { settle: true }) : undefined))
      .then(() => undefined, (e: Error) => e.message.split('\n')[0])
    : undefined;
  // A run that ended leaves no staging (strata doctor): nothing of a failed run's batch is committed after this, and
  // its rows are in bronze, ingested again from there. A folder that cannot be removed is strata gc's after a day.
  const unremoved = plan
    ? await removeStaging(ctx.storage, layout.staging(plan.dataset, state.runId), { recordedOnly: true }).then(() => undefined, (e: Error) => e.message.split('\n')[0])
    : undefined;
  const record = buildRecord(withGold, 'FAILED', { name, message }, changes);
  if (unsettled) record.warnings.push(`its quarantined rows waiting in ${plan!.prefixes.quarantine}_strata/pending/ could not be settled (${unsettled}): ingesting the file again settles them`);
  if (unremoved) record.warnings.push(`its staging folder ${layout.staging(state.dataset, state.runId)} could not be removed (${unremoved}): strata gc removes it after a day`);
  if (unread) record.warnings.push(`the partitions this run committed could not be read back from silver.${state.dataset}'s manifest (${unread}): strata doctor shows its state`);
  if (resultsUnread) record.warnings.push(`the quality gates' results could not be read back (${resultsUnread}): the record has their verdicts and counts; their metrics are in strata.quality_metrics`);
  await writeRecord(ctx, record);
  return { Error: name, Cause: message, record: { runId: record.runId, status: 'FAILED' } };
}

/**
 * What each gold table of the dataset became in a run that failed after its commit: published when its manifest holds
 * a publish by the run (the gold step refreshes tables one by one, and one that failed leaves those before it
 * published), else not refreshed, with the error for the table it failed on. undefined when the dataset has no gold.
 */
async function goldAfterFailure(ctx: PipelineContext, state: RunState, failed: string | undefined, error: string): Promise<Array<{ table: string; status: string; error?: string; partitions?: string[]; removed?: string[]; rows?: number }> | undefined> {
  const tables = ctx.gold.forDataset(state.dataset);
  if (!tables.length) return undefined;
  return Promise.all(tables.map(async (t) => {
    const changes = changesBy((await readManifest(ctx.storage, t.prefix, goldShape(t))).manifest, state.runId, 'publish');
    // What the publish changed, from the manifest (the step's own output went with its failure): the summary said
    // "published 0 rows" of a table that had published its rows (newcomer's trial, stop 50).
    return changes ? { table: t.table, status: 'published', ...changeSummary(changes) } : { table: t.table, status: 'not refreshed', ...(t.table === failed ? { error } : {}) };
  }));
}

/** Step Functions hands Lambda errors over as a JSON Cause; local handlers as a plain message. */
export function describeCaught(e: CaughtError | undefined): { name: string; message: string } {
  if (!e) return { name: ERRORS.Internal, message: 'unknown error' };
  let message = e.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string; errorType?: string };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch { /* a plain message */ }
  return { name: e.Error, message: message || e.Error };
}
