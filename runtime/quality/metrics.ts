// Quality metrics as history. Every gate evaluation writes one JSON-lines file under the stage's metrics prefix
// (layout.metrics / layout.goldMetrics), named so that keys sort by time: dynamic rules (last(k)) read the newest
// files, and strata.quality_metrics (local view, or a Glue table with the OpenX JSON SerDe) reads them all.
// Re-running a step rewrites the same key (run id and start time come from the execution input), so a retry never
// counts twice. Evaluations that halted are kept for inspection but are not history: a blocked batch is not part
// of the data whose trend dynamic rules follow.
import type { Storage } from '../storage/port.ts';
import type { RuleResult } from '../../core/dqdl/types.ts';
import { parseRule } from '../../core/dqdl/parse.ts';
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
  /** A composite rule's metrics are its operands': the leaf rule (as written) this metric is of; null otherwise (absent in lines written before stop 35). */
  operand?: string | null;
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

/**
 * One line per rule and metric; a composite rule's metrics are its leaves', one line per leaf and metric, named by
 * the leaf (`operand`). A rule without metrics is one line with metric null.
 */
export function metricLines(gate: GateResult, meta: Pick<MetricLine, 'layer' | 'table_name' | 'run_id' | 'evaluated_at'>): MetricLine[] {
  return gate.results.flatMap((r): MetricLine[] => {
    const base = { ...meta, halted: gate.halted, severity: r.severity, rule: r.rule, outcome: r.outcome, message: r.message };
    const lines = (r.operands ? leafResults(r) : [r]).flatMap((leaf) => Object.entries(leaf.metrics).map(([metric, value]) =>
      ({ ...base, operand: r.operands ? leaf.rule : null, metric, value: Number.isFinite(value) ? value : null })));
    return lines.length ? lines : [{ ...base, operand: null, metric: null, value: null }];
  });
}

function leafResults(r: RuleResult): RuleResult[] {
  return r.operands ? r.operands.flatMap(leafResults) : [r];
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
 * (the current run excluded), nor were undone (`undone`: runs whose rows a rollback took out of the table since, read
 * only when a rule needs history: their batch is no longer part of the data whose trend the rule follows, as a
 * halted one never was; newcomer's trial, stop 46). A leaf rule's history is the same metric of the same measurement: a leaf (a rule as
 * listed, or an operand of a composite rule) of the same type, parameters and where clause, the first in each
 * evaluation. Its condition may differ (an edited threshold keeps its history); its rows may not: the RowCount of
 * `RowCount > 0 where "status = 'CANCELLED'"` is never the history of `RowCount > avg(last(3)) * 0.5`. Lines of a
 * composite rule written before they named their operand (before stop 35) are not history.
 */
export async function loadHistory(storage: Storage, prefix: string, depth: number, currentRunId: string, undone?: () => Promise<ReadonlySet<string>>): Promise<HistoryLookup> {
  if (depth <= 0) return () => [];
  const skip = undone ? await undone() : new Set<string>();
  const keys = (await storage.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.jsonl') && !k.endsWith(`-${currentRunId}.jsonl`)).sort().reverse();
  const bySubject = new Map<string, number[]>();
  let used = 0;
  // Read in small batches, newest first, until `depth` usable evaluations are found.
  for (let i = 0; i < keys.length && used < depth; i += 8) {
    const texts = await Promise.all(keys.slice(i, i + 8).map((k) => storage.readText(k)));
    for (const text of texts) {
      if (used >= depth || !text) continue;
      const lines = parseMetricLines(text);
      if (!lines.length || lines[0]!.halted || skip.has(lines[0]!.run_id)) continue;
      used++;
      const seen = new Set<string>();
      for (const l of lines) {
        const subject = subjectOf(l.operand ?? l.rule);
        if (l.metric === null || l.value === null || subject === undefined) continue;
        const k = `${subject}\u0000${l.metric}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const values = bySubject.get(k);
        if (values) values.push(l.value);
        else bySubject.set(k, [l.value]);
      }
    }
  }
  return (metric, rule) => bySubject.get(`${subjectOf(rule)}\u0000${metric}`) ?? [];
}

const subjects = new Map<string, string | undefined>();

/** What a leaf rule's text measures: its type, parameters and where clause; undefined for a composite or a text that does not parse. */
function subjectOf(text: string): string | undefined {
  if (!subjects.has(text)) {
    const { rule } = parseRule(text);
    if (subjects.size > 10_000) subjects.clear();
    subjects.set(text, rule?.kind === 'rule' ? JSON.stringify([rule.type, rule.params, rule.where ?? null]) : undefined);
  }
  return subjects.get(text);
}
