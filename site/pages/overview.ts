// index.html: every dataset and gold table with owner, freshness, newest run, rows and partitions; what needs
// attention first; the lineage.
import type { Attention, DocsModel } from '../../runtime/docs/model.ts';
import { badge, count, time } from '../format.ts';
import { html, type Html } from '../html.ts';
import { href, type Page } from '../layout.ts';
import { dataTable, freshnessCell, lastRunCell, lineageGraph } from '../parts.ts';

export function overviewPage(model: DocsModel): Page {
  const root = '';
  const datasets = dataTable(
    ['dataset', 'owner', 'last success', 'newest run', 'rows', 'partitions', 'runs', 'quarantined'],
    model.datasets.map((d) => [
      html`<a href="${href.dataset(d.name)}">${d.name}</a>`, d.owner ?? '', freshnessCell(d.freshness, root), lastRunCell(d.freshness, root),
      count(d.table?.totals.rows ?? 0), count(d.table?.totals.partitions ?? 0), count(d.runs), count(d.quarantine.rows),
    ]),
    { numeric: [4, 5, 6, 7], cls: 'tables-overview', empty: 'No schema files.' },
  );
  const gold = dataTable(
    ['gold table', 'owner', 'refresh', 'last success', 'newest refresh', 'rows', 'partitions', ''],
    model.gold.map((g) => [
      html`<a href="${href.gold(g.name)}">${g.name}</a>`, g.owner ?? '', g.refresh, freshnessCell(g.freshness, root), lastRunCell(g.freshness, root),
      count(g.table?.totals.rows ?? 0), count(g.table?.totals.partitions ?? 0), g.stale ? badge('stale') : '',
    ]),
    { numeric: [5, 6], cls: 'tables-overview', empty: 'No gold tables.' },
  );
  const body = html`<h1>Lake overview</h1>
<p class="lead">${count(model.datasets.length)} datasets · ${count(model.gold.length)} gold tables · ${count(model.runs.length)} runs · <code>${model.lake.uri}</code></p>
<section id="attention"><h2>Needs attention</h2>${attentionList(model.attention)}</section>
<section id="datasets"><h2>Datasets</h2>${datasets}</section>
<section id="gold-tables"><h2>Gold tables</h2>${gold}</section>
<section id="lineage"><h2>Lineage</h2><div class="graph-box">${lineageGraph(model, root, 'overview-lineage')}</div></section>`;
  return { path: 'index.html', title: 'Overview', section: 'overview', body, charts: false };
}

function attentionList(items: readonly Attention[]): Html {
  if (!items.length) return html`<p class="all-clear">Nothing needs attention: every dataset's newest run succeeded, no gold table is stale or halted, no quarantine share is rising.</p>`;
  return html`<ul class="attention">${items.map((a) => {
    const to = a.layer === 'silver' ? href.dataset(a.table) : href.gold(a.table);
    return html`<li class="${a.level}" data-kind="${a.kind}"><span class="level">${a.level}</span> <a href="${to}">${a.layer}.${a.table}</a>: ${a.message}
<span class="when">${time(a.at)}${a.runId ? html` · <a href="${href.run(a.runId)}">run</a>` : ''}</span></li>`;
  })}</ul>`;
}
