// gold/<name>.html: one gold table — its SQL and refresh mode, what it reads and what reads it, columns,
// partitions, schema history, quality rules, refreshes, and whether it is stale.
import type { DocsModel, GoldDoc } from '../../runtime/docs/model.ts';
import { badge, count, duration, time } from '../format.ts';
import { html, type Value } from '../html.ts';
import { href, type Page } from '../layout.ts';
import { dataTable, freshnessCell, lastRunCell, lineageGraph, partitionsSection, rulesTable, schemaHistory } from '../parts.ts';

const REFRESHES_SHOWN = 50;

export function goldPage(model: DocsModel, g: GoldDoc): Page {
  const root = '../';
  const quality = model.quality.find((q) => q.layer === 'gold' && q.table === g.name);
  const reads = [...g.reads.silver.map((d) => html`<a href="${root}${href.dataset(d)}">silver.${d}</a>`), ...g.reads.gold.map((x) => html`<a href="${root}${href.gold(x)}">gold.${x}</a>`)];
  const facts: Array<[string, Value]> = [
    ['defined in', html`<a href="${root}${href.dataset(g.dataset)}">schemas/${g.dataset}.yaml</a>`],
    ['owner', g.owner ?? '—'],
    ['refresh', html`${g.refresh}${g.driver ? html` (driven by the partitions of <a href="${root}${href.dataset(g.driver)}">silver.${g.driver}</a>)` : ''}`],
    ['engine', g.engine],
    ['partitioned by', g.partitionBy.length ? html`<code>${g.partitionBy.join(', ')}</code>` : 'not partitioned'],
    ['reads', reads.map((r, i) => html`${i ? ', ' : ''}${r}`)],
    ['read by', g.readBy.length ? g.readBy.map((x, i) => html`${i ? ', ' : ''}<a href="${root}${href.gold(x)}">gold.${x}</a>`) : 'no gold table'],
    ['last success', freshnessCell(g.freshness, root)],
    ['newest refresh', lastRunCell(g.freshness, root)],
  ];
  const body = html`<h1><span class="layer gold">gold</span> ${g.name}</h1>
${g.description ? html`<p class="lead">${g.description}</p>` : ''}
${g.stale ? html`<p class="stale-note">${badge('stale')} ${g.stale.reason}. A run of an input dataset or <code>strata refresh ${g.name}</code> brings it up to date.</p>` : ''}
<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
<div class="graph-box near">${lineageGraph(model, root, `lineage-${g.name}`, `gold:${g.name}`)}</div>
<section id="sql"><h2>SQL</h2><pre class="sql"><code>${g.sql.trimEnd()}</code></pre></section>
<section id="columns"><h2>Columns</h2>
${dataTable(['column', 'type (as stored)', ''], g.columns.map((c) => [html`<code>${c.name}</code>`, html`<code>${c.type}</code>`, c.checks.join(', ')]))}</section>
<section id="partitions"><h2>Partitions</h2>${partitionsSection(g.table, root)}</section>
<section id="quality"><h2>Quality rules (audit before publish)</h2>${rulesTable(g.quality, quality, root, 'gold', g.name)}</section>
<section id="refreshes"><h2>Refreshes</h2>
${dataTable(['run', 'of dataset', 'finished', 'status', 'mode', 'partitions', 'rows', 'time'], g.refreshes.slice(0, REFRESHES_SHOWN).map((r) => [
    r.by ? html`<code>${r.runId}</code>` : html`<a href="${root}${href.run(r.runId)}"><code>${r.runId}</code></a>`,
    r.by ? html`${r.by}` : html`<a href="${root}${href.dataset(r.dataset)}">${r.dataset}</a>`, time(r.at), badge(r.status),
    r.mode ?? '', count(r.partitions), count(r.rows), r.ms !== undefined ? duration(r.ms) : '',
  ]), { numeric: [5, 6, 7], empty: 'Not refreshed by any run yet.' })}</section>
<section id="schema-history"><h2>Schema history</h2>${schemaHistory(g.table, root)}</section>`;
  return { path: href.gold(g.name), title: `gold.${g.name}`, section: 'gold', body, charts: false };
}
