// Quality metrics as history. Every gate evaluation writes one JSON-lines file under the stage's metrics prefix
// (layout.metrics / layout.goldMetrics), named so that keys sort by time: dynamic rules (last(k)) read the newest
// files, and strata.quality_metrics (local view, or a Glue table with the OpenX JSON SerDe) reads them all.
// Re-running a step rewrites the same key (run id and start time come from the execution input), so a retry never
// counts twice. Evaluations that halted are kept for inspection but are not history: a blocked batch is not part
// of the data whose trend dynamic rules follow.
import type { Storage } from '../storage/port.ts';
import type { GateResult } from './gate.ts';

export interface MetricLine {
  layer: 'silver' | 'gold';
  /** Dataset (silver) or gold table. */
  table_name: string;
  run_id: string;
  evaluated_at: string;
  halted: boolean;
  severity: string;
  rule: string;
  outcome: string;
  /** Glue metric name; null for rules without a metric (ColumnExists, ColumnCount's schema check). */
  metric: string | null;
  value: number | null;
  message: string;
}

/** startedAt without separators, then the run id: lexical order is time order. */
export function metricsKey(prefix: string, startedAt: string, runId: string): string {
  return `${prefix}${startedAt.replace(/[-:.]/g, '')}-${runId}.jsonl`;
}

export function metricLines(gate: GateResult, meta: Pick<MetricLine, 'layer' | 'table_name' | 'run_id' | 'evaluated_at'>): MetricLine[] {
  return gate.results.flatMap((r): MetricLine[] => {
    const base = { ...meta, halted: gate.halted, severity: r.severity, rule: r.rule, outcome: r.outcome, message: r.message };
    const metrics = Object.entries(r.metrics);
    return metrics.length
      ? metrics.map(([metric, value]) => ({ ...base, metric, value: Number.isFinite(value) ? value : null }))
      : [{ ...base, metric: null, value: null }];
  });
}

export async function writeMetrics(storage: Storage, key: string, lines: readonly MetricLine[]): Promise<void> {
  await storage.writeText(key, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** The lines of one metrics file (JSON lines; blank lines are ignored). */
export function parseMetricLines(text: string): MetricLine[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricLine);
}

export type HistoryLookup = (metric: string, rule: string) => number[];

/**
 * The previous values of each metric, most recent first, from the newest `depth` evaluations that did not halt
 * (the current run excluded). A metric's history is what the same rule text recorded; when no previous evaluation
 * has that rule (it was edited), the same metric from any rule.
 */
export async function loadHistory(storage: Storage, prefix: string, depth: number, currentRunId: string): Promise<HistoryLookup> {
  if (depth <= 0) return () => [];
  const keys = (await storage.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.jsonl') && !k.endsWith(`-${currentRunId}.jsonl`)).sort().reverse();
  const byRule = new Map<string, number[]>();
  const byMetric = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number) => { const a = m.get(k); if (a) a.push(v); else m.set(k, [v]); };
  let used = 0;
  // Read in small batches, newest first, until `depth` usable evaluations are found.
  for (let i = 0; i < keys.length && used < depth; i += 8) {
    const texts = await Promise.all(keys.slice(i, i + 8).map((k) => storage.readText(k)));
    for (const text of texts) {
      if (used >= depth || !text) continue;
      const lines = parseMetricLines(text);
      if (!lines.length || lines[0]!.halted) continue;
      used++;
      const seen = new Set<string>();
      for (const l of lines) {
        if (l.metric === null || l.value === null) continue;
        push(byRule, `${l.rule}\u0000${l.metric}`, l.value);
        if (!seen.has(l.metric)) push(byMetric, l.metric, l.value);
        seen.add(l.metric);
      }
    }
  }
  return (metric, rule) => byRule.get(`${rule}\u0000${metric}`) ?? byMetric.get(metric) ?? [];
}
