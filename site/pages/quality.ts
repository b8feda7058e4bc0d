// quality.html: the quality dashboard. Per guarded table: the gate's score per evaluation, each rule's outcome over
// time, the trend of every metric the rules recorded; then the top quarantine reasons across datasets.
import type { DocsModel, QualityTable } from '../../runtime/docs/model.ts';
import { chart, metricsSpec, outcomesSpec, reasonsSpec, scoreSpec } from '../charts.ts';
import { badge, count, time } from '../format.ts';
import { html, type Html } from '../html.ts';
import { href, type Page } from '../layout.ts';
import { dataTable } from '../parts.ts';

export function qualityPage(model: DocsModel): Page {
  const reasons = model.datasets.flatMap((d) => d.quarantine.reasons.map((r) => ({ ...r, dataset: d.name })))
    .sort((a, b) => b.count - a.count).slice(0, 15);
  const body = html`<h1>Quality</h1>
<p class="lead">Every evaluation of every gate: silver gates on the incoming batch, gold gates on the rows about to be published. Read from the metrics each evaluation writes (<code>strata.quality_metrics</code>).</p>
${dataTable(['table', 'evaluations', 'newest score', 'newest evaluation', 'rules'], model.quality.map((q) => {
    const e = q.evaluations.at(-1);
    return [html`<a href="#${q.layer}-${q.table}">${q.layer}.${q.table}</a>`, count(q.evaluations.length),
      e ? html`${e.score.toFixed(2)} (${e.passed}/${e.total})${e.halted ? html` ${badge('HALTED')}` : ''}` : '—', e ? time(e.at) : 'never', q.rules.halt.length + q.rules.warn.length];
  }), { numeric: [1, 4], empty: 'No quality rules in any schema.' })}
${model.quality.map(tableSection)}
<section id="quarantine-reasons"><h2>Top quarantine reasons</h2>
<p>Rows quarantined per reason, summed over the run records of each dataset (each record keeps its run's ten most common reasons).</p>
${reasons.length ? chart('reasons-all', reasonsSpec(reasons), 'Rows quarantined per dataset and reason.') : ''}
${dataTable(['dataset', 'column', 'rule', 'rows', 'runs', 'example'], reasons.map((r) => [
    html`<a href="${href.dataset(r.dataset)}#quarantine">${r.dataset}</a>`, r.column ? html`<code>${r.column}</code>` : 'record', r.rule, count(r.count), count(r.runs), r.example,
  ]), { numeric: [3, 4], empty: 'No row was quarantined.' })}</section>`;
  return { path: 'quality.html', title: 'Quality', section: 'quality', body, charts: true };
}

function tableSection(q: QualityTable): Html {
  const id = `${q.layer}-${q.table}`;
  const page = q.layer === 'silver' ? href.dataset(q.table) : href.gold(q.table);
  const hasMetrics = q.series.some((s) => s.metrics.length);
  return html`<section class="gate" id="${id}"><h2><span class="layer ${q.layer}">${q.layer}</span> <a href="${page}">${q.table}</a></h2>
${q.evaluations.length ? html`<div class="charts">
${chart(`score-${id}`, scoreSpec(q), 'Score (rules passed / rules) per evaluation; red: the gate halted.')}
${chart(`outcomes-${id}`, outcomesSpec(q), 'Outcome of each rule per evaluation.')}
${hasMetrics ? chart(`metrics-${id}`, metricsSpec(q), 'Metrics recorded by the rules (Glue names), per evaluation.') : ''}
</div>` : html`<p class="empty">Not evaluated yet.</p>`}
${dataTable(['list', 'rule (DQDL)', 'evaluations', 'newest outcome', 'message'], q.series.map((s) => {
    const o = s.outcomes.at(-1);
    return [s.severity, html`<code>${s.rule}</code>`, count(s.outcomes.length), o ? badge(o.outcome) : html`<span class="muted">not evaluated</span>`, o?.message ?? ''];
  }), { numeric: [2] })}</section>`;
}
