// Vega-Lite specifications of the charts, with their data inline (a chart never loads anything). The pages embed each
// spec as JSON; site/client/docs.js draws them with vega-embed as SVG. Evaluations and runs are numbered oldest
// first (#1, #2, …) on the x axes; the tooltip names the run and the time.
import type { DatasetDoc, QualityTable, ReasonTotal, RunDoc } from '../runtime/docs/model.ts';
import { html, jsonScript, type Html } from './html.ts';

type Spec = Record<string, unknown>;

const OUTCOME = { domain: ['PASS', 'FAIL', 'ERROR'], range: ['#2da44e', '#cf222e', '#d4a72c'] };
const CONFIG = { view: { stroke: null }, font: 'system-ui, -apple-system, "Segoe UI", sans-serif', axis: { labelFontSize: 11, titleFontSize: 11 } };
const base = (description: string): Spec => ({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', description, config: CONFIG, background: 'transparent' });

/** A chart on a page: its spec as inline JSON and the element it is drawn into. */
export function chart(id: string, spec: Spec, caption: string): Html {
  return html`<figure class="chart" id="${id}"><div class="vis"></div>${jsonScript(spec)}<figcaption>${caption}</figcaption></figure>`;
}

/** The gate's score per evaluation (halted evaluations in red). */
export function scoreSpec(t: QualityTable): Spec {
  return {
    ...base(`quality score of ${t.layer}.${t.table} per evaluation`),
    width: 420, height: 110,
    data: { values: t.evaluations.map((e, i) => ({ n: i + 1, at: e.at, run: e.runId, score: e.score, passed: `${e.passed}/${e.total}`, halted: e.halted ? 'halted' : 'passed the gate' })) },
    layer: [
      { mark: { type: 'line', color: '#8a94a6' } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { color: { field: 'halted', type: 'nominal', scale: { domain: ['passed the gate', 'halted'], range: ['#2da44e', '#cf222e'] }, legend: { title: null, orient: 'bottom' } } } },
    ],
    encoding: {
      x: { field: 'n', type: 'ordinal', title: 'evaluation (oldest → newest)', axis: { labelAngle: 0 } },
      y: { field: 'score', type: 'quantitative', scale: { domain: [0, 1] }, title: 'score' },
      tooltip: [{ field: 'run' }, { field: 'at', title: 'evaluated at' }, { field: 'score', format: '.2f' }, { field: 'passed' }, { field: 'halted', title: 'gate' }],
    },
  };
}

/** Each rule's outcome per evaluation: a row per rule, a cell per evaluation. */
export function outcomesSpec(t: QualityTable): Spec {
  const n = new Map(t.evaluations.map((e, i) => [e.runId, i + 1]));
  const values = t.series.flatMap((s) => s.outcomes.map((o) => ({ n: n.get(o.runId), rule: `${s.severity}: ${s.rule}`, outcome: o.outcome, message: o.message, run: o.runId, at: o.at })));
  return {
    ...base(`outcome of each rule of ${t.layer}.${t.table} per evaluation`),
    width: { step: 22 },
    height: { step: 20 },
    data: { values },
    mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
    encoding: {
      x: { field: 'n', type: 'ordinal', title: 'evaluation (oldest → newest)', axis: { labelAngle: 0 } },
      y: { field: 'rule', type: 'nominal', title: null, sort: null, axis: { labelLimit: 420 } },
      color: { field: 'outcome', type: 'nominal', scale: OUTCOME, legend: { title: null, orient: 'bottom' } },
      tooltip: [{ field: 'rule' }, { field: 'outcome' }, { field: 'message' }, { field: 'run' }, { field: 'at', title: 'evaluated at' }],
    },
  };
}

/** Every recorded metric over the evaluations (x: evaluation number), one small panel per metric with its own scale. */
export function metricsSpec(t: QualityTable): Spec {
  const n = new Map(t.evaluations.map((e, i) => [e.runId, i + 1]));
  const values = t.series.flatMap((s) => s.metrics.flatMap((m) => m.points.map((p) => ({ n: n.get(p.runId), metric: m.metric, rule: s.rule, value: p.value, run: p.runId, at: p.at }))));
  return {
    ...base(`metric trends of ${t.layer}.${t.table}`),
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null, header: { labelFontSize: 11, labelFont: 'ui-monospace, monospace', labelLimit: 250 } },
    columns: 3,
    spec: {
      width: 240, height: 60,
      layer: [{ mark: { type: 'line', color: '#1f6feb' } }, { mark: { type: 'point', filled: true, color: '#1f6feb' } }],
      encoding: {
        x: { field: 'n', type: 'ordinal', title: null, axis: { labelAngle: 0 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false }, axis: { tickCount: 3, format: ',.4~g' } },
        tooltip: [{ field: 'metric' }, { field: 'value', format: ',.4~f' }, { field: 'rule' }, { field: 'run' }, { field: 'at', title: 'evaluated at' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Quarantine reasons as bars, most rows first. */
export function reasonsSpec(rows: ReadonlyArray<ReasonTotal & { dataset: string }>): Spec {
  return {
    ...base('rows quarantined per reason'),
    width: 360, height: { step: 20 },
    data: { values: rows.map((r) => ({ reason: `${r.dataset}: ${r.column ?? 'record'} ${r.rule}`, rows: r.count, runs: r.runs, example: r.example })) },
    mark: { type: 'bar', color: '#bf8700' },
    encoding: {
      y: { field: 'reason', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 320 } },
      x: { field: 'rows', type: 'quantitative', title: 'rows quarantined' },
      tooltip: [{ field: 'reason' }, { field: 'rows', format: ',' }, { field: 'runs' }, { field: 'example' }],
    },
  };
}

/** Rows per run of a dataset, oldest first: valid and quarantined stacked. */
export function rowsSpec(d: DatasetDoc, runs: readonly RunDoc[]): Spec {
  const judged = runs.filter((r) => r.status !== 'SKIPPED').toReversed();
  const values = judged.flatMap((r, i) => [
    { n: i + 1, kind: 'valid', rows: r.rowsValid, run: r.runId, status: r.status, source: r.source },
    { n: i + 1, kind: 'quarantined', rows: r.rowsQuarantined, run: r.runId, status: r.status, source: r.source },
  ]);
  return {
    ...base(`rows per run of ${d.name}`),
    width: { step: 26 }, height: 120,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'n', type: 'ordinal', title: 'run (oldest → newest)', axis: { labelAngle: 0 } },
      y: { field: 'rows', type: 'quantitative', title: 'rows', stack: true },
      color: { field: 'kind', type: 'nominal', scale: { domain: ['valid', 'quarantined'], range: ['#2da44e', '#bf8700'] }, legend: { title: null, orient: 'bottom' } },
      tooltip: [{ field: 'run' }, { field: 'status' }, { field: 'source' }, { field: 'kind' }, { field: 'rows', format: ',' }],
    },
  };
}
