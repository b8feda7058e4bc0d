// A staged batch that will not be committed (a rejected file, a quality halt) goes to quarantine whole, so that
// rows in = rows in silver (none) + rows quarantined holds for these outcomes too: the rows that passed validation
// with the batch's reason, the rows superseded within the file (upsert) with the batch's reason before their own,
// and the rows validation quarantined as they are.
import { stat } from 'node:fs/promises';
import { pathList, pathLit, withDuck } from '../engine/duckdb.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { QUARANTINE_COLUMNS } from '../../core/plan/compile.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { PARQUET_CODEC } from '../ingest/validate-file.ts';
import { pendingQuarantine, quarantineKey, settleQuarantine, silverShape } from './commit.ts';
import { committedSource, readManifest } from '../table/store.ts';
import { fault } from '../util/fault.ts';
import type { PipelineContext } from './context.ts';
import { heldRowsSql, type HeldRows } from './held-rows.ts';
import type { StageManifest } from './stage.ts';

export interface BatchReason {
  /** 'rejected' or 'quality'. */
  rule: string;
  /** The file-level cause, e.g. the reject ratio or the halt rules. */
  message: string;
}

/** What became of a batch sent to quarantine whole: its rows are the object's quarantine file, or another run committed the object. */
export type BatchOutcome = { status: 'quarantined'; rows: number } | { status: 'already'; committedBy: string };

/**
 * Write the whole batch to the source object's quarantine file (the key the commit writes, so replaying the object
 * later replaces it), unless another run of the same object commits it: a row is in silver or in quarantine, never
 * both. The batch is written beside the table first (commit.ts pendingQuarantine), published only while the silver
 * manifest holds no commit of the object, and the manifest is read again after publishing: a commit that came
 * between wins, and its run's rows are put back (commit.ts settleQuarantine; its marker stays for this).
 * Before (attack, stop 38), a rejection or halt racing a commit of the object wrote the file in place, so its rows
 * were in silver and in quarantine. `quarantined` rows are the batch's rowsIn; anything else is a Strata.Internal
 * error (nothing may be lost).
 */
export async function quarantineBatch(ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest, runId: string, now: string, reason: BatchReason, held?: HeldRows): Promise<BatchOutcome> {
  // The rows that would have reached silver: read again with their positions (a quality halt), else the staged files.
  const batchKeys = held ? [held.heldKey, ...(held.failsKey ? [held.failsKey] : [])] : staged.files.map((f) => `${staged.stagingPrefix}${f.file}`);
  const rejectedKey = staged.quarantineFile ? `${staged.stagingPrefix}${staged.quarantineFile}` : undefined;
  const supersededKey = staged.supersededFile ? `${staged.stagingPrefix}${staged.supersededFile}` : undefined;
  const keys = [...batchKeys, ...(rejectedKey ? [rejectedKey] : []), ...(supersededKey ? [supersededKey] : [])];
  const pending = pendingQuarantine(plan, staged.sourceId, runId);
  if (!keys.length) return { status: 'quarantined', rows: 0 };
  const written = await ctx.storage.withLocalFiles(keys, (paths) => withDuck(async (db) => {
    const pathOf = new Map(keys.map((k, i) => [k, paths[i]!]));
    const meta = `${str(plan.dataset)} AS dataset, ${str(runId)} AS run_id, ${str(staged.source.key)} AS source`;
    const batchReason = `{'column': NULL::VARCHAR, 'rule': ${str(reason.rule)}, 'value': NULL::VARCHAR, 'message': ${str(reason.message.slice(0, 2000))}}`;
    const at = `CAST(${str(now)} AS TIMESTAMP) AS quarantined_at`;
    const parts = [
      ...(held ? [heldRowsSql(held, `read_parquet(${pathLit(pathOf.get(held.heldKey)!)})`, held.failsKey ? `read_parquet(${pathLit(pathOf.get(held.failsKey)!)})` : undefined, batchReason, meta, at)] : []),
      ...(!held && batchKeys.length ? [`SELECT ${meta}, NULL::BIGINT AS record, NULL::BIGINT AS line,
        CAST(to_json(struct_pack(${plan.columns.map((c) => `${ident(c.name)} := ${ident(c.name)}`).join(', ')})) AS VARCHAR) AS raw,
        [${batchReason}] AS reasons, ${at}
        FROM read_parquet(${pathList(batchKeys.map((k) => pathOf.get(k)!))}, hive_partitioning = false)`] : []),
      ...(supersededKey ? [`SELECT ${meta}, record, line, CAST(raw AS VARCHAR) AS raw, list_prepend(${batchReason}, reasons) AS reasons, ${at}
        FROM read_parquet(${pathLit(pathOf.get(supersededKey)!)})`] : []),
      ...(rejectedKey ? [`SELECT ${QUARANTINE_COLUMNS.map((c) => c.Name).join(', ')} FROM read_parquet(${pathLit(pathOf.get(rejectedKey)!)})`] : []),
    ];
    let n = 0;
    let bytes = 0;
    await ctx.storage.writeTree(pending.prefix, async (dir) => {
      const file = `${dir}/${pending.file.slice(pending.prefix.length)}`;
      const rows = await db.all<{ Count: number }>(`COPY (SELECT * FROM (${parts.join(' UNION ALL BY NAME ')}) ORDER BY record NULLS FIRST) TO ${pathLit(file)} (FORMAT parquet, ${PARQUET_CODEC})`);
      n = Number(rows[0]?.Count ?? 0);
      bytes = (await stat(file)).size;
    }, { list: false, bytes: () => bytes }); // in Lambda the file is in /tmp beside the files read (tmp-budget.ts)
    return n;
  }, ctx.duck));
  if (written !== staged.rowsIn) {
    await ctx.storage.delete([pending.file]);
    throw new StrataError(ERRORS.Internal, `quarantined ${written} rows of ${staged.source.key}, which has ${staged.rowsIn}: the batch would not be whole`);
  }
  return publish(ctx, plan, staged.sourceId, runId, written);
}

/** The batch written to its pending file (`rows` of them), made the object's quarantine file unless a commit of the object wins. */
async function publish(ctx: PipelineContext, plan: DatasetPlan, sourceId: string, runId: string, rows: number): Promise<BatchOutcome> {
  const { storage } = ctx;
  const pending = pendingQuarantine(plan, sourceId, runId);
  const committer = async () => committedSource(storage, plan.prefixes.silver, (await readManifest(storage, plan.prefixes.silver, silverShape(plan))).manifest, sourceId);
  let c = await committer();
  if (!c) {
    const q = quarantineKey(plan, sourceId);
    // Removed meanwhile only by a settlement for a run that committed the object (read again below).
    await storage.copy(pending.file, q).catch(async (e: unknown) => { if (await storage.head(pending.file)) throw e; });
    fault('quarantine.published');
    c = await committer();
    if (!c) {
      if (!await storage.head(q)) throw new StrataError(ERRORS.Internal, `the quarantined rows of ${sourceId} went missing while they were published`);
      await storage.delete([pending.file]);
      return { status: 'quarantined', rows };
    }
  }
  await settleQuarantine(ctx, plan, sourceId, c.runId, [pending.file]);
  return { status: 'already', committedBy: c.runId };
}
