// The quality dashboard's data: per guarded table, every gate evaluation (score, halted) and per rule its outcome
// over time and the trend of each metric it recorded. Read from the metric lines every evaluation writes
// (runtime/quality/metrics.ts; strata.quality_metrics), so halted evaluations are shown too.
import type { RuleList } from '../../core/schema/model.ts';
import type { MetricLine } from '../quality/metrics.ts';
import type { EvaluationDoc, QualityTable, RuleSeries } from './model.ts';

export interface GuardedTable {
  layer: 'silver' | 'gold';
  table: string;
  rules: RuleList;
}

/**
 * One entry per guarded table, in the order given. A table is listed when it has rules or recorded evaluations;
 * rules are in the schema's order (halt, then warn), then rules only the history knows (since edited or removed).
 */
export function qualityTables(metrics: readonly MetricLine[], guarded: readonly GuardedTable[]): QualityTable[] {
  const byTable = new Map<string, MetricLine[]>();
  for (const l of metrics) {
    const k = `${l.layer}:${l.table_name}`;
    const list = byTable.get(k);
    if (list) list.push(l); else byTable.set(k, [l]);
  }
  return guarded
    .map((g) => tableQuality(g, byTable.get(`${g.layer}:${g.table}`) ?? []))
    .filter((t) => t.evaluations.length || t.rules.halt.length + t.rules.warn.length);
}

function tableQuality(g: GuardedTable, lines: readonly MetricLine[]): QualityTable {
  // One evaluation per run: a retried step rewrites the same metrics file, so a run never counts twice.
  const byRun = new Map<string, MetricLine[]>();
  for (const l of lines) {
    const list = byRun.get(l.run_id);
    if (list) list.push(l); else byRun.set(l.run_id, [l]);
  }
  const runs = [...byRun.entries()]
    .map(([runId, ls]) => ({ runId, at: ls[0]!.evaluated_at, halted: ls[0]!.halted, lines: ls }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.runId.localeCompare(b.runId)));

  const series = new Map<string, RuleSeries>();
  const key = (severity: string, rule: string) => `${severity}\u0000${rule}`;
  for (const severity of ['halt', 'warn'] as const) {
    for (const rule of g.rules[severity]) series.set(key(severity, rule), { rule, severity, outcomes: [], metrics: [] });
  }
  const evaluations: EvaluationDoc[] = runs.map((run) => {
    const seen = new Set<string>();
    for (const l of run.lines) {
      const k = key(l.severity, l.rule);
      let s = series.get(k);
      if (!s) series.set(k, s = { rule: l.rule, severity: l.severity, outcomes: [], metrics: [] });
      // A rule with several metrics has one line per metric, each carrying the rule's outcome.
      if (!seen.has(k)) s.outcomes.push({ runId: run.runId, at: run.at, outcome: l.outcome, message: l.message });
      seen.add(k);
      if (l.metric !== null && l.value !== null) {
        let m = s.metrics.find((x) => x.metric === l.metric);
        if (!m) s.metrics.push(m = { metric: l.metric, points: [] });
        m.points.push({ runId: run.runId, at: run.at, value: l.value });
      }
    }
    const outcomes = [...seen].map((k) => series.get(k)!.outcomes.at(-1)!.outcome);
    const passed = outcomes.filter((o) => o === 'PASS').length;
    return { runId: run.runId, at: run.at, halted: run.halted, passed, total: outcomes.length, score: outcomes.length ? passed / outcomes.length : 1 };
  });
  return { layer: g.layer, table: g.table, rules: g.rules, evaluations, series: [...series.values()] };
}
