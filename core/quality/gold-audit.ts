// The audit of write–audit–publish: a gold table's DQDL gate runs on the rows about to be published (the view
// gold_batch that core/gold/refresh.ts builds), before the catalog switches to them. Metrics go to the table's own
// history, whichever dataset's run refreshed it.
import type { Duck } from '../engine/duckdb.ts';
import type { GoldAudit, GoldInput } from '../gold/refresh.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { goldShape } from '../gold/refresh.ts';
import { layout } from '../plan/layout.ts';
import { readManifest } from '../table/store.ts';
import { hasRules, historyDepth, parseGate, runGate } from './gate.ts';
import { loadHistory, metricLines, metricsKey, writeMetrics } from './metrics.ts';

export function goldAudit(ctx: PipelineContext): GoldAudit {
  return async (db: Duck, plan: GoldPlan, input: GoldInput) => {
    if (!hasRules(plan.quality)) return undefined;
    // Nothing to publish into a table that has nothing yet (a join whose other side is not ingested yet): the
    // publish changes nothing, so there is nothing to audit. Every row rule would FAIL on zero rows (DQDL's
    // semantics for an empty batch), which would halt the bootstrap of a lake for no reason. An empty result for a
    // table that has rows is audited as usual: `RowCount > 0` can stop a refresh from emptying a table.
    const { n } = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM gold_batch');
    if (n === 0) {
      const current = (await readManifest(ctx.storage, plan.prefix, goldShape(plan))).manifest;
      if (!Object.keys(current.partitions).length) {
        return { halted: false, skipped: 'no rows to publish and none published before: nothing to audit', results: [] };
      }
    }
    const prefix = layout.goldMetrics(plan.table);
    const history = await loadHistory(ctx.storage, prefix, historyDepth(parseGate(plan.quality).rules.map((r) => r.rule)), input.runId);
    // Reference tables are the silver views the refresh created. The driver of an incremental refresh only holds
    // the partitions being recomputed, so a reference to it would be partial: it is refused (an ERROR saying so).
    const whole = plan.reads.silver.filter((ds) => ds !== plan.incremental?.driver || plan.refresh === 'full');
    const gate = await runGate((sql) => db.all(sql), plan.quality, {
      dialect: 'duckdb',
      batch: 'gold_batch',
      columns: plan.columns.map((c) => ({ name: c.name, type: c.duckdbType })),
      now: input.now,
      reference: (ds) => (whole.includes(ds) ? `silver."${ds}"` : undefined),
      history,
    });
    const startedAt = input.startedAt ?? input.now;
    await writeMetrics(ctx.storage, metricsKey(prefix, startedAt, input.runId),
      metricLines(gate, { layer: 'gold', table_name: plan.table, run_id: input.runId, evaluated_at: input.now }));
    return { ...gate, results: gate.results.map((r) => ({ ...r, message: r.message.slice(0, 500) })) };
  };
}
