// The audit of write–audit–publish: a gold table's DQDL gate runs on the rows about to be published, before the
// catalog switches to them — on DuckDB (the table gold_batch runtime/gold/refresh.ts builds) or on Athena (the refresh's
// own query). Metrics go to the table's own history, whichever dataset's run refreshed it.
import type { AuditTarget, GoldAudit, GoldInput } from '../gold/types.ts';
import { goldShape, type GoldPlan } from '../../core/gold/analyze.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { layout } from '../../core/plan/layout.ts';
import { readManifest } from '../table/store.ts';
import { evaluateGate } from './evaluate-gate.ts';
import { hasRules } from '../../core/schema/model.ts';

export const auditGold: GoldAudit = async (ctx: PipelineContext, plan: GoldPlan, input: GoldInput, on: AuditTarget) => {
  if (!hasRules(plan.quality)) return undefined;
  // Nothing to publish into a table that has nothing yet (a join whose other side is not ingested yet): the
  // publish changes nothing, so there is nothing to audit. Every row rule would FAIL on zero rows (DQDL's
  // semantics for an empty batch), which would halt the bootstrap of a lake for no reason. An empty result for a
  // table that has rows is audited as usual: `RowCount > 0` can stop a refresh from emptying a table.
  const [count] = await on.run(`SELECT count(*) AS n FROM ${on.batch}`);
  if (Number(count?.n ?? 0) === 0) {
    // Nor are partitions an incremental refresh empties while the table keeps others: their rows went from silver (an
    // order cancelled), and the gate halted on "no rows to check", leaving gold with rows its SQL no longer gives
    // (newcomer's trial, stop 49). A refresh that would empty the whole table is still audited.
    if (on.othersRemain) return { halted: false, skipped: 'no rows to publish in the partitions it recomputes, and the table keeps its others: nothing to audit', results: [] };
    const current = (await readManifest(ctx.storage, plan.prefix, goldShape(plan))).manifest;
    if (!Object.keys(current.partitions).length) {
      return { halted: false, skipped: 'no rows to publish and none published before: nothing to audit', results: [] };
    }
  }
  const recorded = await evaluateGate(on.run, {
    storage: ctx.storage, rules: plan.quality, prefix: layout.goldMetrics(plan.table), layer: 'gold', table: plan.table,
    runId: input.runId, startedAt: input.startedAt ?? input.now, now: input.now,
  }, {
    dialect: on.dialect,
    batch: on.batch,
    columns: plan.columns.map((c) => ({ name: c.name, type: c.duckdbType })),
    reference: on.reference,
  }, on.parser ? { parser: on.parser } : {});
  return { ...recorded };
};
