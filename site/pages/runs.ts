// runs.html: the run history, newest first: status, rows in / valid / quarantined, duration, the path through the
// state machine with the time in each state, and each failure with its reason.
import type { DocsModel } from '../../runtime/docs/model.ts';
import { count } from '../format.ts';
import { html } from '../html.ts';
import type { Page } from '../layout.ts';
import { runsTable } from '../parts.ts';

/** Runs on the page; older ones stay in the model (model.json) and in the lake. */
export const RUNS_PAGE_LIMIT = 500;

export function runsPage(model: DocsModel): Page {
  const shown = model.runs.slice(0, RUNS_PAGE_LIMIT);
  const by = (s: string) => model.runs.filter((r) => r.status === s).length;
  const statuses = ['SUCCEEDED', 'SKIPPED', 'REJECTED', 'HALTED', 'FAILED'].filter(by);
  const body = html`<h1>Runs</h1>
<p class="lead" id="run-counts">${count(model.runs.length)} runs${statuses.length ? html`: ${statuses.map((s, i) => html`${i ? ', ' : ''}<span data-status="${s}">${count(by(s))} ${s.toLowerCase()}</span>`)}` : ''}.
Each run is one execution of a dataset's state machine on one bronze object.${model.runs.length > shown.length ? ` The newest ${count(shown.length)} are listed.` : ''}</p>
${runsTable(shown, '', { dataset: true, anchors: true })}`;
  return { path: 'runs.html', title: 'Runs', section: 'runs', body, charts: false };
}
