// The silver quality gate: between staging and commit, the dataset's DQDL rules run on the staged batch (typed,
// valid rows: exactly what the commit would publish). A halt rule that does not pass ends the run HALTED: the
// halt step (haltBatch) moves the whole batch to quarantine, silver and gold stay as they were, and the bronze
// object can be replayed once the data or the rules are fixed.
import { readColumns } from '../../core/plan/glue-table.ts';
import { createView, viewSelectSql } from '../engine/views.ts';
import { partGroups } from '../../core/dqdl/parts.ts';
import { statementBudgetMs, withUserSqlSession } from '../engine/duckdb.ts';
import { ERRORS } from '../../core/errors.ts';
import { stepSizing } from '../../core/plan/sizing.ts';
import { layout } from '../../core/plan/layout.ts';
import { holdRows } from './held-rows.ts';
import { createReferenceViews, referenceFiles } from './reference-files.ts';
import { evaluateGate, loadGate, type GateSummary, type RecordedGate } from '../quality/evaluate-gate.ts';
import { haltMessage } from '../quality/gate.ts';
import { duckRuleRunner } from '../quality/evaluate-rules.ts';
import { removeStaging } from '../table/staging.ts';
import { quarantineBatch } from './quarantine-batch.ts';
import type { PipelineContext } from './context.ts';
import type { RunState } from './payloads.ts';
import { buildRecord, countWholeBatch, endedAlready, writeRecord, type FailOutput } from './record.ts';
import { registerQuarantine } from './register.ts';
import { readStageManifest } from './stage.ts';
import { silverShape, undoneRuns } from './commit.ts';
import { readManifest } from '../table/store.ts';

/**
 * What the gate hands to the state machine: its verdict, counts and the keys of its metrics and results, the same
 * size whatever the number of rules (rows and per-rule results stay in storage; the run record reads them back).
 */
export type QualityOutput = GateSummary;

export type QualityInput = Pick<RunState, 'dataset' | 'runId' | 'now' | 'startedAt' | 'stage'>;

export async function checkSilverQuality(ctx: PipelineContext, input: QualityInput): Promise<QualityOutput> {
  const plan = ctx.plans.get(input.dataset);
  const staged = await readStageManifest(ctx, input.stage!.stageKey);

  // Reference datasets (ReferentialIntegrity, RowCountMatch) are read as their current silver version.
  const { refFiles } = await referenceFiles(ctx, plan);
  const batchKeys = staged.files.map((f) => `${staged.stagingPrefix}${f.file}`);
  const keys = [...batchKeys, ...[...refFiles.values()].flat()];
  // The rules run in a session of the shared instance locked to the storage's local folder (the lake locally, the
  // temp folder of the downloads in AWS), as gold refreshes do: a database of its own per gate cost opening and
  // closing an instance, and its statements ran on memory new to it (a 10-rule gate over 1M rows: a tenth to a quarter
  // of the step's CPU). The lock is per folder, not per file; writing is kept out by the one-SELECT rule.
  return ctx.storage.withLocalFiles(keys, (paths) => withUserSqlSession(paths, async (db) => {
    const pathOf = new Map(keys.map((k, i) => [k, paths[i]!]));
    await createView(db, 'main', '__batch', plan.tables.silver, batchKeys.map((k) => pathOf.get(k)!), true);
    // The batch's partitions in groups, for frequency rules whose key determines the partition (core/dqdl/parts.ts).
    const groups = plan.partitions.length ? partGroups(staged.files) : undefined;
    const parts = groups && {
      relations: await Promise.all(groups.map(async (g) =>
        `(${await viewSelectSql(db, plan.tables.silver, g.map((f) => pathOf.get(`${staged.stagingPrefix}${f.file}`)!), true)})`)),
      keys: plan.partitions.map((p) => [p.column, p.name]),
    };
    const reference = await createReferenceViews(db, ctx, plan, refFiles, (k) => pathOf.get(k)!);
    // The rules are user SQL: from here on the database reads only these files and writes nothing.
    await db.lockdown({ readable: paths, timeoutMs: statementBudgetMs(ctx.duck, stepSizing(plan, 'quality').timeoutSeconds), memoryMb: stepSizing(plan, 'quality').memoryMb });
    return evaluateGate(duckRuleRunner(db), {
      storage: ctx.storage, rules: plan.quality.silver, prefix: layout.metrics(plan.dataset), layer: 'silver', table: plan.dataset,
      runId: input.runId, startedAt: input.startedAt, now: input.now,
      undone: async () => undoneRuns((await readManifest(ctx.storage, plan.prefixes.silver, silverShape(plan))).manifest),
    }, {
      dialect: 'duckdb',
      batch: '__batch',
      columns: readColumns(plan.tables.silver),
      reference,
      parts,
    }, { parser: db });
  }, ctx.duck, ctx.storage.localRoot));
}

/**
 * The gate halted: nothing is committed. The whole batch goes to quarantine (its valid rows with the halt as their
 * reason, next to the rows validation rejected), staging is removed, and the run is recorded HALTED. Re-ingesting
 * the bronze object later replaces this quarantine file (commit.ts writes the same key).
 */
export async function haltBatch(ctx: PipelineContext, state: RunState): Promise<FailOutput & { halted: true }> {
  const plan = ctx.plans.get(state.dataset);
  const done = await endedAlready(ctx, state, 'HALTED');
  if (done) return { ...done, halted: true };
  const staged = await readStageManifest(ctx, state.stage!.stageKey);
  // The whole gate: which halt rules failed (the message, the held rows' reasons) is in its results.
  const quality = await loadGate(ctx.storage, state.quality as QualityOutput) as RecordedGate;
  // And the way back, as a rejection says it (newcomer's trial, stop 48: a halt said none).
  // A batch of no rows has none to hold: the message said they were in quarantine (newcomer's trial, stop 57: an empty
  // file under RowCount > 0).
  const message = staged.rowsIn === 0
    ? haltMessage(quality, `${staged.source.key}`) + '; nothing was committed (the file has no rows). The way back: upload the file with its rows, '
      + `or change the rule in the schema file's quality.silver if an empty file is right, then ingest this bronze object again`
    : haltMessage(quality, `${staged.source.key}`) + `; nothing was committed, the batch is in quarantine.${plan.dataset}`
      + `. The way back: change the rule in the schema file's quality.silver if the data is right, then ingest this bronze object again (its rows then leave quarantine); `
      + `or upload a corrected file (a new object: this one's rows stay in quarantine as what was sent)`;
  // The rows that would have reached silver keep their record, line and raw, and name the row-level rules they fail.
  const held = await holdRows(ctx, plan, staged, quality, state.now);
  const outcome = await quarantineBatch(ctx, plan, staged, state.runId, state.now, { rule: 'quality', message }, held);
  await registerQuarantine(ctx, plan);
  const s = state.stage!;
  const record = buildRecord({ ...state, quality }, 'HALTED', { name: ERRORS.QualityHalt, message });
  countWholeBatch(record, outcome, s, 'halted', `the quality gate held them back: they are in quarantine.${plan.dataset} with reason "quality"`);
  await writeRecord(ctx, record);
  // Staging goes last: a retry of this step finds it until the record is written, and the record after.
  await removeStaging(ctx.storage, staged.stagingPrefix);
  return { Error: ERRORS.QualityHalt, Cause: message, record: { runId: record.runId, status: 'HALTED' }, halted: true };
}
