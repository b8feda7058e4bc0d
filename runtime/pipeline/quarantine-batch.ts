// A staged batch that will not be committed (a rejected file, a quality halt) goes to quarantine whole, so that
// rows in = rows in silver (none) + rows quarantined holds for these outcomes too: the rows that passed validation
// with the batch's reason, the rows superseded within the file (upsert) with the batch's reason before their own,
// and the rows validation quarantined as they are.
import { pathList, pathLit, withDuck } from '../engine/duckdb.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { QUARANTINE_COLUMNS } from '../../core/plan/compile.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { PARQUET_CODEC } from '../ingest/validate-file.ts';
import { quarantineKey } from './commit.ts';
import type { PipelineContext } from './context.ts';
import { heldRowsSql, type HeldRows } from './held-rows.ts';
import type { StageManifest } from './stage.ts';

export interface BatchReason {
  /** 'rejected' or 'quality'. */
  rule: string;
  /** The file-level cause, e.g. the reject ratio or the halt rules. */
  message: string;
}

/**
 * Write the whole batch to the source object's quarantine file (the key the commit writes, so replaying the object
 * later replaces it). Returns the number of rows written, which is the batch's rowsIn; anything else is a
 * Strata.Internal error (nothing may be lost).
 */
export async function quarantineBatch(ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest, runId: string, now: string, reason: BatchReason, held?: HeldRows): Promise<number> {
  // The rows that would have reached silver: read again with their positions (a quality halt), else the staged files.
  const batchKeys = held ? [held.heldKey, ...(held.failsKey ? [held.failsKey] : [])] : staged.files.map((f) => `${staged.stagingPrefix}${f.file}`);
  const rejectedKey = staged.quarantineFile ? `${staged.stagingPrefix}${staged.quarantineFile}` : undefined;
  const supersededKey = staged.supersededFile ? `${staged.stagingPrefix}${staged.supersededFile}` : undefined;
  const keys = [...batchKeys, ...(rejectedKey ? [rejectedKey] : []), ...(supersededKey ? [supersededKey] : [])];
  const target = quarantineKey(plan, staged.sourceId);
  if (!keys.length) return 0;
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
    await ctx.storage.writeTree(plan.prefixes.quarantine, async (dir) => {
      const file = `${dir}/${target.slice(plan.prefixes.quarantine.length)}`;
      const rows = await db.all<{ Count: number }>(`COPY (SELECT * FROM (${parts.join(' UNION ALL BY NAME ')}) ORDER BY record NULLS FIRST) TO ${pathLit(file)} (FORMAT parquet, ${PARQUET_CODEC})`);
      n = Number(rows[0]?.Count ?? 0);
    });
    return n;
  }, ctx.duck));
  if (written !== staged.rowsIn) {
    throw new StrataError(ERRORS.Internal, `quarantined ${written} rows of ${staged.source.key}, which has ${staged.rowsIn}: the batch would not be whole`);
  }
  return written;
}
