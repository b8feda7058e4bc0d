// lineage.html: bronze prefixes → silver tables → gold tables (gold reading gold), laid out by dagre; each node
// links to its table's page.
import type { DocsModel } from '../../runtime/docs/model.ts';
import { html } from '../html.ts';
import { href, type Page } from '../layout.ts';
import { dataTable, lineageGraph } from '../parts.ts';

export function lineagePage(model: DocsModel): Page {
  const label = (id: string) => {
    const [layer, name] = id.split(':') as [string, string];
    const to = layer === 'gold' ? href.gold(name) : href.dataset(name);
    return html`<a href="${to}">${layer === 'bronze' ? `bronze/${name}/` : `${layer}.${name}`}</a>`;
  };
  const body = html`<h1>Lineage</h1>
<p class="lead">Uploads land in a bronze prefix; the dataset's state machine validates them into its silver table; gold tables are computed by SQL from silver and from other gold tables. Click a table to open its page.</p>
<div class="graph-box">${lineageGraph(model, '')}</div>
<h2>Edges</h2>
${dataTable(['from', 'to'], model.lineage.edges.map((e) => [label(e.from), label(e.to)]))}
<h2>Where they live</h2>
${dataTable(['node', 'location'], model.lineage.nodes.map((n) => [label(n.id), html`<code>${n.uri}</code>`]))}`;
  return { path: 'lineage.html', title: 'Lineage', section: 'lineage', body, charts: false };
}
