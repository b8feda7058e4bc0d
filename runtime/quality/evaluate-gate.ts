// A gate as the pipeline runs it, for silver and gold alike: the metric history its dynamic rules need, the
// evaluation on whichever engine holds the batch, and this evaluation's metrics written as the next run's history.
import type { EvaluateOptions, QueryRunner } from './evaluate-rules.ts';
import type { RuleContext } from '../../core/dqdl/types.ts';
import type { RuleList } from '../../core/schema/model.ts';
import type { Storage } from '../storage/port.ts';
import { historyDepth, parseGate, runGate, type GateResult } from './gate.ts';
import { layout } from '../../core/plan/layout.ts';
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
  /** Runs whose rows a rollback took out of the table: not history (metrics.ts loadHistory). */
  undone?: () => Promise<ReadonlySet<string>>;
}

export interface RecordedGate extends GateResult {
  /** Where this evaluation's metrics were written. */
  metricsKey: string;
  /** Where this evaluation's results (this object, as JSON) were written. */
  resultsKey: string;
}

/**
 * A gate as the state machine holds it: the verdict, the counts and the keys, the same size for 1 rule or 10,000
 * (a state's input and output are at most 256 KiB: workflows/quotas.ts). The results are at resultsKey: loadGate.
 */
export type GateSummary = Omit<RecordedGate, 'results'>;

/** Messages are cut so that the run record stays readable (one line per rule). */
const MESSAGE_MAX = 500;

/**
 * Evaluate a gate, write its metrics (history, strata.quality_metrics) and its results (the run record's), and
 * return the summary the state machine carries.
 */
export async function evaluateGate(run: QueryRunner, g: GateRun, ctx: Omit<RuleContext, 'now' | 'history' | 'sql'>, options: EvaluateOptions = {}): Promise<GateSummary> {
  const parsed = parseGate(g.rules);
  const history = await loadHistory(g.storage, g.prefix, historyDepth(parsed.rules.map((r) => r.rule)), g.runId, g.undone);
  const gate = await runGate(run, parsed, { ...ctx, now: g.now, history }, options);
  const key = metricsKey(g.prefix, g.startedAt, g.runId);
  const resultsKey = metricsKey(layout.qualityResults(g.layer, g.table), g.startedAt, g.runId).replace(/\.jsonl$/, '.json');
  const recorded: RecordedGate = { ...gate, results: gate.results.map((r) => ({ ...r, message: r.message.slice(0, MESSAGE_MAX) })), metricsKey: key, resultsKey };
  await Promise.all([
    writeMetrics(g.storage, key, metricLines(gate, { layer: g.layer, table_name: g.table, run_id: g.runId, evaluated_at: g.now })),
    g.storage.writeText(resultsKey, JSON.stringify(recorded)),
  ]);
  const { results: _, ...summary } = recorded;
  return summary;
}

/**
 * The whole gate (with every rule's result) of a summary the state machine carried, read from its resultsKey. A gate
 * that carries its results (a gold audit that had nothing to audit) is returned as it is.
 */
export async function loadGate<T>(storage: Storage, gate: T): Promise<T | RecordedGate> {
  if (!gate || typeof gate !== 'object' || 'results' in gate || typeof (gate as { resultsKey?: unknown }).resultsKey !== 'string') return gate;
  const key = (gate as unknown as GateSummary).resultsKey;
  const text = await storage.readText(key);
  if (text === undefined) throw new Error(`the quality gate's results ${key} are missing`);
  return JSON.parse(text) as RecordedGate;
}
