// The audit of write–audit–publish: a gold table's DQDL gate runs on the rows about to be published, before the
// catalog switches to them — on DuckDB (the table gold_batch core/gold/refresh.ts builds) or on Athena (the refresh's
// own query). Metrics go to the table's own history, whichever dataset's run refreshed it.
import type { AuditTarget, GoldAudit, GoldInput } from '../gold/refresh.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { layout } from '../plan/layout.ts';
import { readManifest } from '../table/store.ts';
import { hasRules, historyDepth, parseGate, runGate } from './gate.ts';
import { loadHistory, metricLines, metricsKey, writeMetrics } from './metrics.ts';

export const auditGold: GoldAudit = async (ctx: PipelineContext, plan: GoldPlan, input: GoldInput, on: AuditTarget) => {
  if (!hasRules(plan.quality)) return undefined;
  // Nothing to publish into a table that has nothing yet (a join whose other side is not ingested yet): the
  // publish changes nothing, so there is nothing to audit. Every row rule would FAIL on zero rows (DQDL's
  // semantics for an empty batch), which would halt the bootstrap of a lake for no reason. An empty result for a
  // table that has rows is audited as usual: `RowCount > 0` can stop a refresh from emptying a table.
  const [count] = await on.run(`SELECT count(*) AS n FROM ${on.batch}`);
  if (Number(count?.n ?? 0) === 0) {
    const shape = { table: plan.table, layer: 'gold' as const, schemaHash: plan.schemaHash, partitionKeys: plan.partitionBy };
    const current = (await readManifest(ctx.storage, plan.prefix, shape)).manifest;
    if (!Object.keys(current.partitions).length) {
      return { halted: false, skipped: 'no rows to publish and none published before: nothing to audit', results: [] };
    }
  }
  const prefix = layout.goldMetrics(plan.table);
  const history = await loadHistory(ctx.storage, prefix, historyDepth(parseGate(plan.quality).rules.map((r) => r.rule)), input.runId);
  const gate = await runGate(on.run, plan.quality, {
    dialect: on.dialect,
    batch: on.batch,
    columns: plan.columns.map((c) => ({ name: c.name, type: c.duckdbType })),
    now: input.now,
    reference: on.reference,
    history,
  });
  await writeMetrics(ctx.storage, metricsKey(prefix, input.startedAt ?? input.now, input.runId),
    metricLines(gate, { layer: 'gold', table_name: plan.table, run_id: input.runId, evaluated_at: input.now }));
  return { ...gate, results: gate.results.map((r) => ({ ...r, message: r.message.slice(0, 500) })) };
};
