// A gate as the pipeline runs it, for silver and gold alike: the metric history its dynamic rules need, the
// evaluation on whichever engine holds the batch, and this evaluation's metrics written as the next run's history.
import type { EvaluateOptions, QueryRunner } from './evaluate-rules.ts';
import type { RuleContext } from '../../core/dqdl/types.ts';
import type { RuleList } from '../../core/schema/model.ts';
import type { Storage } from '../storage/port.ts';
import { historyDepth, parseGate, runGate, type GateResult } from './gate.ts';
import { loadHistory, metricLines, metricsKey, writeMetrics, type MetricLine } from './metrics.ts';

export interface GateRun {
  storage: Storage;
  rules: RuleList;
  /** Metrics prefix of the guarded table (layout.metrics / layout.goldMetrics). */
  prefix: string;
  layer: MetricLine['layer'];
  table: string;
  runId: string;
  /** Names the metrics file (keys sort by time). */
  startedAt: string;
  /** The evaluation clock. */
  now: string;
}

export interface RecordedGate extends GateResult {
  /** Where this evaluation's metrics were written. */
  metricsKey: string;
}

/** Messages are cut so that a gate's result stays small in the state machine's payload (256 KB in all). */
const MESSAGE_MAX = 500;

export async function evaluateGate(run: QueryRunner, g: GateRun, ctx: Omit<RuleContext, 'now' | 'history' | 'sql'>, options: EvaluateOptions = {}): Promise<RecordedGate> {
  const parsed = parseGate(g.rules);
  const history = await loadHistory(g.storage, g.prefix, historyDepth(parsed.rules.map((r) => r.rule)), g.runId);
  const gate = await runGate(run, parsed, { ...ctx, now: g.now, history }, options);
  const key = metricsKey(g.prefix, g.startedAt, g.runId);
  await writeMetrics(g.storage, key, metricLines(gate, { layer: g.layer, table_name: g.table, run_id: g.runId, evaluated_at: g.now }));
  return { ...gate, results: gate.results.map((r) => ({ ...r, message: r.message.slice(0, MESSAGE_MAX) })), metricsKey: key };
}
