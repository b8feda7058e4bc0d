// Pieces several pages share: data tables, freshness, rule lists with their newest outcome, partitions, schema
// history, run rows, and the lineage graph.
import type { DocsModel, Freshness, QualityTable, RunDoc, TableState } from '../runtime/docs/model.ts';
import type { RuleList } from '../core/schema/model.ts';
import { age, badge, bytes, count, duration, time } from './format.ts';
import { graphSvg, type GraphEdge, type GraphNode } from './graph.ts';
import { html, type Html, type Value } from './html.ts';
import { href } from './layout.ts';

/** A table; `numeric` columns are right-aligned. */
export function dataTable(headers: readonly string[], rows: readonly Value[][], opts: { numeric?: readonly number[]; cls?: string; empty?: string } = {}): Html {
  if (!rows.length) return html`<p class="empty">${opts.empty ?? 'Nothing yet.'}</p>`;
  const num = new Set(opts.numeric ?? []);
  return html`<div class="scroll"><table class="${opts.cls ?? ''}"><thead><tr>${headers.map((h, i) => html`<th${num.has(i) ? html` class="num"` : ''}>${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c, i) => html`<td${num.has(i) ? html` class="num"` : ''}>${c}</td>`)}</tr>\n`)}</tbody></table></div>`;
}

export function freshnessCell(f: Freshness, root: string): Html {
  return f.lastSuccess
    ? html`<a href="${root}${href.run(f.lastSuccess.runId)}" title="${time(f.lastSuccess.at)}">${age(f.lastSuccess.ageMs)}</a>`
    : html`<span class="muted">never</span>`;
}

export function lastRunCell(f: Freshness, root: string): Html {
  return f.lastRun ? html`<a href="${root}${href.run(f.lastRun.runId)}">${badge(f.lastRun.status)}</a>` : html`<span class="muted">no run</span>`;
}

/** The rules of a gate with the outcome of their newest evaluation. */
export function rulesTable(rules: RuleList, q: QualityTable | undefined, root: string, layer: string, table: string): Html {
  const all = [...rules.halt.map((r) => ['halt', r] as const), ...rules.warn.map((r) => ['warn', r] as const)];
  if (!all.length) return html`<p class="empty">No quality rules.</p>`;
  const latest = (severity: string, rule: string) => q?.series.find((s) => s.severity === severity && s.rule === rule)?.outcomes.at(-1);
  return html`${dataTable(['list', 'rule (DQDL)', 'newest outcome', 'message'], all.map(([severity, rule]) => {
    const o = latest(severity, rule);
    return [severity, html`<code>${rule}</code>`, o ? badge(o.outcome) : html`<span class="muted">not evaluated</span>`, o?.message ?? ''];
  }))}<p><a href="${root}${href.quality(layer, table)}">Outcomes and metrics over time →</a></p>`;
}

export function partitionsSection(t: TableState | undefined, root: string, limit = 100): Html {
  if (!t) return html`<p class="empty">Nothing committed yet.</p>`;
  const shown = t.partitions.slice(0, limit);
  return html`<p class="totals"><b>${count(t.totals.partitions)}</b> partitions · <b>${count(t.totals.files)}</b> files · <b>${bytes(t.totals.bytes)}</b> · <b>${count(t.totals.rows)}</b> rows · manifest version ${t.version}${t.partitionKeys.length ? html` · partitioned by <code>${t.partitionKeys.join(', ')}</code>` : ''}</p>
<details><summary>Partitions (newest first${t.partitions.length > limit ? `, ${limit} of ${count(t.partitions.length)}` : ''})</summary>
${dataTable(['partition', 'files', 'bytes', 'rows', 'committed', 'run'], shown.map((p) => [
    html`<code>${p.path || '(unpartitioned)'}</code>`, count(p.files), bytes(p.bytes), count(p.rows), time(p.committedAt), html`<a href="${root}${href.run(p.runId)}"><code>${p.runId}</code></a>`,
  ]), { numeric: [1, 2, 3] })}</details>`;
}

export function schemaHistory(t: TableState | undefined, root: string): Html {
  const versions = t?.schemaHistory ?? [];
  return dataTable(['#', 'applied', 'run', 'columns', 'change'], versions.map((v, i) => [
    i + 1, time(v.appliedAt), html`<a href="${root}${href.run(v.runId)}"><code>${v.runId}</code></a>`,
    html`<code>${[...v.columns, ...v.partitionKeys].map((c) => `${c.name} ${c.type}`).join(', ')}</code>`,
    v.changes.length ? html`<ul class="tight">${v.changes.map((c) => html`<li>${c}</li>`)}</ul>` : i === 0 ? 'first version' : '',
  ]), { empty: 'No files written yet.' });
}

/** Runs as table rows; each failure with its reason under it. */
export function runsTable(runs: readonly RunDoc[], root: string, opts: { dataset?: boolean; anchors?: boolean } = {}): Html {
  if (!runs.length) return html`<p class="empty">No runs yet.</p>`;
  const head = ['run', ...(opts.dataset ? ['dataset'] : []), 'status', 'source', 'started', 'duration', 'rows in', 'valid', 'quarantined', 'partitions'];
  const body = runs.map((r) => {
    const runCell = opts.anchors ? html`<code>${r.runId}</code>` : html`<a href="${root}${href.run(r.runId)}"><code>${r.runId}</code></a>`;
    const cells: Value[] = [runCell, ...(opts.dataset ? [html`<a href="${root}${href.dataset(r.dataset)}">${r.dataset}</a>`] : []), badge(r.status),
      html`<code>${r.source.split('/').pop()}</code>`, time(r.startedAt), duration(r.durationMs), count(r.rowsIn), count(r.rowsValid), count(r.rowsQuarantined), count(r.partitions)];
    const row = html`<tr${opts.anchors ? html` id="run-${r.runId}"` : ''} class="run ${r.status.toLowerCase()}">${cells.map((c, i) => html`<td${i >= cells.length - 4 ? html` class="num"` : ''}>${c}</td>`)}</tr>`;
    const detail = opts.anchors ? runDetail(r, root, cells.length) : r.error ? html`<tr class="why"><td colspan="${cells.length}"><b>${r.error.name}</b>: ${firstLines(r.error.message)}</td></tr>` : '';
    return html`${row}${detail}\n`;
  });
  return html`<div class="scroll"><table class="runs"><thead><tr>${head.map((h, i) => html`<th${i >= head.length - 4 ? html` class="num"` : ''}>${h}</th>`)}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function firstLines(s: string, n = 3): string {
  const lines = s.split('\n');
  return lines.slice(0, n).join(' · ') + (lines.length > n ? ' …' : '');
}

/** Under each run on the runs page: its failure, warnings, path through the state machine and time per state. */
function runDetail(r: RunDoc, root: string, span: number): Html {
  const gold = r.gold.length ? html`<p>Gold: ${r.gold.map((g, i) => html`${i ? ', ' : ''}<a href="${root}${href.gold(g.table)}">${g.table}</a> ${badge(g.status)} (${count(g.partitions)} partitions, ${count(g.rows)} rows)`)}</p>` : '';
  const quality = r.quality ? html`<p>Silver gate: score ${r.quality.score.toFixed(2)} (${r.quality.passed}/${r.quality.total} rules passed)${r.quality.halted ? html` ${badge('HALTED')}` : ''}</p>` : '';
  return html`<tr class="detail"><td colspan="${span}">
${r.error ? html`<div class="error"><b>${r.error.name}</b><pre>${r.error.message}</pre></div>` : ''}
${r.committedBy ? html`<p>Already ingested by run <a href="#run-${r.committedBy}"><code>${r.committedBy}</code></a>: nothing changed.</p>` : ''}
${r.warnings.length ? html`<ul class="warnings">${r.warnings.slice(0, 5).map((w) => html`<li>${w}</li>`)}</ul>` : ''}
${quality}${gold}
<details><summary>Path: <span class="path">${r.path.join(' → ') || '(no execution history)'}</span></summary>
${dataTable(['state', 'time', 'retries', 'error'], r.states.map((s) => [s.state, duration(s.ms), s.retries || '', s.error ?? '']), { numeric: [1, 2], empty: 'No execution history in the record.' })}
</details></td></tr>`;
}

/**
 * bronze prefixes → silver tables → gold tables, each node a link to its page. With `around`, only that node and its
 * direct inputs and readers (a table page's neighbourhood).
 */
export function lineageGraph(model: DocsModel, root: string, id = 'lineage-graph', around?: string): Html {
  const datasets = new Map(model.datasets.map((d) => [d.name, d]));
  const gold = new Map(model.gold.map((g) => [g.name, g]));
  const near = around ? new Set([around, ...model.lineage.edges.flatMap((e) => (e.from === around ? [e.to] : e.to === around ? [e.from] : []))]) : undefined;
  const nodes: GraphNode[] = model.lineage.nodes.filter((n) => !near || near.has(n.id)).map((n) => {
    if (n.layer === 'bronze') {
      const d = datasets.get(n.name);
      return { id: n.id, cls: 'bronze', lines: [`bronze/${n.name}/`, `${count(d?.runs ?? 0)} run${d?.runs === 1 ? '' : 's'}`], href: `${root}${href.dataset(n.name)}#source`, title: n.uri };
    }
    const t = n.layer === 'silver' ? datasets.get(n.name)?.table : gold.get(n.name)?.table;
    const stale = n.layer === 'gold' && gold.get(n.name)?.stale;
    return {
      id: n.id, cls: `${n.layer}${stale ? ' stale' : ''}${n.id === around ? ' visited' : ''}`, lines: [`${n.layer}.${n.name}`, t ? `${count(t.totals.rows)} row${t.totals.rows === 1 ? '' : 's'} · ${count(t.totals.partitions)} part${t.totals.partitions === 1 ? '' : 's'}` : 'empty'],
      href: `${root}${n.layer === 'silver' ? href.dataset(n.name) : href.gold(n.name)}`, title: n.uri,
    };
  });
  const edges: GraphEdge[] = model.lineage.edges.filter((e) => !near || (near.has(e.from) && near.has(e.to))).map((e) => ({ from: e.from, to: e.to }));
  return graphSvg(nodes, edges, { id, rankdir: 'LR', title: 'lineage: bronze prefixes, silver tables, gold tables' });
}
