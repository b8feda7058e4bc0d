// The frame of every page: head (the bundled stylesheet and scripts, a policy that forbids every request but to the
// site's own files), the navigation, the list of tables, the footer saying where and when the model was read. Links
// are relative, so the site works opened from disk and from any prefix it is uploaded to.
import type { DocsModel } from '../runtime/docs/model.ts';
import { time } from './format.ts';
import { html, raw, type Html } from './html.ts';

export type Section = 'overview' | 'lineage' | 'runs' | 'quality' | 'dataset' | 'gold';

/** Links between pages, relative to the site's root (pages prefix them with their `root`). */
export const href = {
  overview: () => 'index.html',
  lineage: () => 'lineage.html',
  runs: () => 'runs.html',
  run: (runId: string) => `runs.html#run-${runId}`,
  quality: (layer?: string, table?: string) => `quality.html${layer && table ? `#${layer}-${table}` : ''}`,
  dataset: (name: string) => `datasets/${name}.html`,
  gold: (name: string) => `gold/${name}.html`,
};

/** Libraries the pages load, in order (copied into assets/ by site/assets.ts). */
export const SCRIPTS = ['assets/vega.min.js', 'assets/vega-lite.min.js', 'assets/vega-embed.min.js', 'assets/docs.js'];

/**
 * No request leaves the site: scripts, styles and images only from the site itself ('self' when served, file: when
 * opened from disk), no fetch/XHR at all. Vega compiles its expressions with Function(): 'unsafe-eval'. Vega-embed
 * adds its tooltip's <style>: 'unsafe-inline' for styles only.
 */
export const CSP = "default-src 'none'; script-src 'self' file: 'unsafe-eval'; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:; connect-src 'none'; base-uri 'none'; form-action 'none'";

export interface Page {
  /** Path inside the site, '/'-separated ("datasets/flights.html"). */
  path: string;
  title: string;
  section: Section;
  body: Html;
  /** The page has charts: load the libraries. */
  charts: boolean;
}

export function renderPage(model: DocsModel, p: Page): string {
  const root = '../'.repeat(p.path.split('/').length - 1);
  const nav = (section: Section, label: string, to: string) => html`<a href="${root}${to}"${p.section === section ? raw(' aria-current="page"') : ''}>${label}</a>`;
  const tables = html`<nav class="tables" aria-label="tables">
<h2>Datasets</h2><ul>${model.datasets.map((d) => html`<li><a href="${root}${href.dataset(d.name)}">${d.name}</a></li>`)}</ul>
${model.gold.length ? html`<h2>Gold tables</h2><ul>${model.gold.map((g) => html`<li><a href="${root}${href.gold(g.name)}">${g.name}</a></li>`)}</ul>` : ''}
</nav>`;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="strata docs">
<title>${p.title} · strata data docs</title>
<link rel="stylesheet" href="${root}assets/style.css">
</head>
<body data-page="${p.section}">
<header class="top"><a class="brand" href="${root}index.html">strata <span>data docs</span></a>
<nav class="main">${nav('overview', 'Overview', href.overview())}${nav('lineage', 'Lineage', href.lineage())}${nav('runs', 'Runs', href.runs())}${nav('quality', 'Quality', href.quality())}</nav></header>
<div class="frame">${tables}<main>${p.body}</main></div>
<footer>Built ${time(model.generatedAt)} from <code>${model.lake.uri}</code> by <code>strata docs</code>. Ages are as of that time.</footer>
${p.charts ? SCRIPTS.map((s) => html`<script src="${root}${s}"></script>\n`) : ''}</body>
</html>
`;
  return doc.text;
}
