// The recorders at the ends of the state machine: success, rejected file, failure. Each writes the run record
// (storage is the source of truth; the catalog's strata.runs mirrors it).
import { ERRORS } from '../../core/errors.ts';
import { layout } from '../../core/plan/layout.ts';
import type { RunRecord, RunStatus } from '../runs/record.ts';
import { removePrefix } from '../storage/prefix.ts';
import { quarantineBatch } from './quarantine-batch.ts';
import type { PipelineContext } from './context.ts';
import type { CaughtError, RunState } from './payloads.ts';
import { explainLimit } from './limits.ts';
import { registerQuarantine } from './register.ts';
import { readStageManifest } from './stage.ts';

export interface FailOutput {
  Error: string;
  Cause: string;
  record: Pick<RunRecord, 'runId' | 'status'>;
}

export function buildRecord(state: RunState, status: RunStatus, error?: { name: string; message: string }): RunRecord {
  const s = state.stage;
  const finishedAt = new Date().toISOString();
  const timings = [
    ['stage', s?.ms], ['commit', state.commit?.ms], ['register', state.register?.ms],
    ...(Array.isArray(state.gold) ? (state.gold as Array<{ table: string; ms?: number }>).map((g) => [`gold:${g.table}`, g.ms]) : []),
  ].filter((t): t is [string, number] => typeof t[1] === 'number').map(([step, ms]) => ({ step, ms }));
  return {
    runId: state.runId,
    dataset: state.dataset,
    status,
    source: { key: state.source.key, etag: s?.source.etag ?? state.source.etag ?? '', size: s?.source.size ?? state.source.size ?? 0, sourceId: s?.sourceId ?? '' },
    startedAt: state.startedAt,
    finishedAt,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(state.startedAt)),
    rowsIn: s?.rowsIn ?? 0,
    rowsValid: s?.rowsValid ?? 0,
    rowsQuarantined: s?.rowsQuarantined ?? 0,
    rowsSuperseded: s?.rowsSuperseded ?? 0,
    partitions: status === 'SUCCEEDED' || status === 'HALTED' ? state.commit?.partitions ?? [] : [],
    timings,
    warnings: [...(s?.fileProblems ?? []), ...(s?.warnings ?? [])],
    reasons: s?.topReasons ?? [],
    ...(s?.committedBy ? { committedBy: s.committedBy } : {}),
    ...(error ? { error } : {}),
    ...(state.quality !== undefined ? { quality: state.quality } : {}),
    ...(state.gold !== undefined ? { gold: state.gold } : {}),
  };
}

export async function writeRecord(ctx: PipelineContext, record: RunRecord): Promise<void> {
  await ctx.storage.writeText(layout.run(record.dataset, record.runId), JSON.stringify(record));  // one line: Athena reads strata.runs with a JSON SerDe, one record per line
  await ctx.catalog.putRun(record);
}

/** The end of a run that got through silver. A gold gate that halted makes it HALTED (silver stays committed). */
export async function recordSuccess(ctx: PipelineContext, state: RunState): Promise<{ runId: string; status: RunStatus; halted: boolean; Error?: string; Cause?: string }> {
  const halted = (Array.isArray(state.gold) ? state.gold as Array<{ table: string; status: string }> : []).filter((g) => g.status === 'halted');
  if (halted.length) {
    const message = `gold quality gate halted ${halted.map((g) => g.table).join(', ')}: silver is committed, those gold tables are unchanged (see the run record's gold results)`;
    const record = buildRecord(state, 'HALTED', { name: ERRORS.QualityHalt, message });
    await writeRecord(ctx, record);
    return { runId: record.runId, status: 'HALTED', halted: true, Error: ERRORS.QualityHalt, Cause: message };
  }
  const status: RunStatus = state.stage?.alreadyIngested ? 'SKIPPED' : 'SUCCEEDED';
  const record = buildRecord(state, status);
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
  const staged = await readStageManifest(ctx, s.stageKey);
  const message = rejectMessage(s, plan.maxRejectRatio);
  await quarantineBatch(ctx, plan, staged, state.runId, state.now, { rule: 'rejected', message: `the file was rejected: ${rejectCause(s, plan.maxRejectRatio)}` });
  await removePrefix(ctx.storage, staged.stagingPrefix);
  await registerQuarantine(ctx, plan);
  const name = s.schemaMismatch ? ERRORS.SchemaMismatch : ERRORS.RejectedFile;
  const record = buildRecord(state, 'REJECTED', { name, message });
  // Rows in = rows valid (none reached silver) + rows quarantined (the whole file, superseded rows included).
  record.rowsValid = 0;
  record.rowsQuarantined = s.rowsIn;
  record.rowsSuperseded = 0;
  if (s.rowsValid) record.warnings.unshift(`${s.rowsValid} rows passed validation but the file was rejected: they are in quarantine.${plan.dataset} with reason "rejected"`);
  await writeRecord(ctx, record);
  return { Error: name, Cause: message, record: { runId: record.runId, status: 'REJECTED' } };
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;

/** Why a file was rejected, in one clause. */
function rejectCause(s: NonNullable<RunState['stage']>, maxRatio: number): string {
  return s.schemaMismatch
    ? `it does not fit the schema (${s.fileProblems[0] ?? 'see the run record'})`
    : `${s.rowsQuarantined} of ${s.rowsIn} rows (${pct(s.rejectRatio)}) failed validation, more than rejects.maxRatio ${pct(maxRatio)}`;
}

export function rejectMessage(s: NonNullable<RunState['stage']>, maxRatio: number): string {
  const top = s.topReasons.slice(0, 3).map((r) =>
    `${r.column ?? 'record'} ${r.rule} ×${r.count} (first at ${r.line !== null ? `line ${r.line}` : `record ${r.record}`}: ${r.message})`);
  const where = s.rowsIn ? `all ${s.rowsIn} rows are in quarantine.${s.dataset}` : 'it has no rows';
  const verdict = s.schemaMismatch
    ? `${s.source.key}: the file does not fit the schema; nothing was committed, ${where}`
    : `${s.source.key}: ${rejectCause(s, maxRatio)}; nothing was committed, ${where}`;
  return [
    ...s.fileProblems,
    verdict,
    ...(top.length ? [`most common: ${top.join('; ')}`] : []),
  ].join('\n');
}

/** Any other error: record it and end the execution with it. Bronze is never touched. */
export async function recordFailure(ctx: PipelineContext, state: RunState): Promise<FailOutput> {
  const caught = describeCaught(state.error);
  const { name } = caught;
  // A function that ran out of memory, time or /tmp: say which limit and the setting that raises it.
  const plan = ctx.plans.list().find((p) => p.dataset === state.dataset);
  const message = plan ? explainLimit(plan, name, caught.message) : caught.message;
  const record = buildRecord(state, 'FAILED', { name, message });
  await writeRecord(ctx, record);
  return { Error: name, Cause: message, record: { runId: record.runId, status: 'FAILED' } };
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
