// datasets/<name>.html: one dataset — its schema (columns, types, descriptions, checks), partitions, schema history,
// quality rules, quarantine reasons, its state machine drawn from the ASL, its runs, the gold tables reading it.
import type { DatasetDoc, DocsModel } from '../../runtime/docs/model.ts';
import { chart, reasonsSpec, rowsSpec } from '../charts.ts';
import { exactPercent } from '../../core/text.ts';
import { count } from '../format.ts';
import { html, type Value } from '../html.ts';
import { href, type Page } from '../layout.ts';
import { dataTable, freshnessCell, lastRunCell, lineageGraph, partitionsSection, rulesTable, runsTable, schemaHistory } from '../parts.ts';
import { stateMachineSvg } from '../state-machine.ts';

/** Runs listed on a dataset's page (all of them are on the runs page). */
const RUNS_SHOWN = 50;

export function datasetPage(model: DocsModel, d: DatasetDoc): Page {
  const root = '../';
  const runs = model.runs.filter((r) => r.dataset === d.name);
  const quality = model.quality.find((q) => q.layer === 'silver' && q.table === d.name);
  const facts: Array<[string, Value]> = [
    ['owner', d.owner ?? '—'],
    ['last success', freshnessCell(d.freshness, root)],
    ['newest run', lastRunCell(d.freshness, root)],
    ['source', html`${d.source.format}${d.source.compression !== 'auto' ? `, ${d.source.compression}` : ''}; uploads to <code>${d.source.bronze}</code>`],
    ['mode', html`${d.mode}${d.primaryKey.length ? html`, primary key <code>${d.primaryKey.join(', ')}</code>` : ''}`],
    ['partitioned by', d.partitionBy.length ? html`<code>${d.partitionBy.map((p) => `${p.name} = ${p.transform}(${p.column})`).join(', ')}</code>` : 'not partitioned'],
    ['rejects a file above', exactPercent(d.maxRejectRatio)],
    ['keeps replaced versions', `${d.retentionDays} days`],
    ['read by', d.readBy.length ? html`${d.readBy.map((g, i) => html`${i ? ', ' : ''}<a href="${root}${href.gold(g)}">gold.${g}</a>`)}` : 'no gold table'],
  ];
  const judged = runs.filter((r) => r.status !== 'SKIPPED');
  const body = html`<h1><span class="layer silver">silver</span> ${d.name}</h1>
${d.description ? html`<p class="lead">${d.description}</p>` : ''}
<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
<div class="graph-box near">${lineageGraph(model, root, `lineage-${d.name}`, `silver:${d.name}`)}</div>
<section id="columns"><h2>Columns</h2>
${dataTable(['column', 'type', 'description', 'source field', 'checks'], d.columns.map((c) => [
    html`<code>${c.name}</code>`, html`<code>${c.type}</code>`, c.description ?? '', c.from ? html`<code>${c.from}</code>` : '', c.checks.map((x, i) => html`${i ? ' · ' : ''}<code>${x}</code>`),
  ]))}</section>
<section id="partitions"><h2>Partitions</h2>${partitionsSection(d.table, root)}</section>
<section id="quality"><h2>Quality rules (silver gate)</h2>${rulesTable(d.quality, quality, root, 'silver', d.name)}</section>
<section id="rows"><h2>Rows per run</h2>${judged.length ? chart(`rows-${d.name}`, rowsSpec(d, runs), 'Rows of each run that read a file: valid (to silver) and quarantined.') : html`<p class="empty">No runs yet.</p>`}</section>
<section id="quarantine"><h2>Quarantine</h2>
<p>${count(d.quarantine.rows)} rows in quarantine, from ${count(d.quarantine.runs)} runs (per file, the newest run that read it; not runs a rollback undid). Reasons, summed over those runs' records (each keeps its run's ten most common):</p>
${d.quarantine.reasons.length ? chart(`reasons-${d.name}`, reasonsSpec(d.quarantine.reasons.map((r) => ({ ...r, dataset: d.name }))), 'Rows per reason.') : ''}
${dataTable(['column', 'rule', 'rows', 'runs', 'example'], d.quarantine.reasons.map((r) => [r.column ? html`<code>${r.column}</code>` : 'record', r.rule, count(r.count), count(r.runs), r.example]), { numeric: [2, 3], empty: 'No row was quarantined.' })}</section>
<section id="schema-history"><h2>Schema history</h2>${schemaHistory(d.table, root)}</section>
<section id="state-machine"><h2>State machine</h2>
<p>The ASL strata renders for this dataset (<code>strata plan ${d.name} --asl</code>); highlighted: the path of its newest run that read its file. Dashed: every Task catches errors into the failure recorder.</p>
<div class="graph-box">${stateMachineSvg(d.stateMachine, d.lastPath ?? [], `sm-${d.name}`)}</div></section>
<section id="source"><h2>Runs</h2>${runsTable(runs.slice(0, RUNS_SHOWN), root)}${runs.length > RUNS_SHOWN ? html`<p><a href="${root}${href.runs()}">All ${count(runs.length)} runs →</a></p>` : ''}</section>`;
  return { path: href.dataset(d.name), title: d.name, section: 'dataset', body, charts: true };
}
