// The whole site from the model: one page per overview, lineage, runs, quality, dataset and gold table, the model
// itself as model.json, the libraries' licences, and the assets to copy. The CLI writes the files (cli/docs-files.ts).
import { readFile } from 'node:fs/promises';
import type { DocsModel } from '../runtime/docs/model.ts';
import { siteAssets, type Asset } from './assets.ts';
import { renderPage } from './layout.ts';
import { datasetPage } from './pages/dataset.ts';
import { goldPage } from './pages/gold.ts';
import { lineagePage } from './pages/lineage.ts';
import { overviewPage } from './pages/overview.ts';
import { qualityPage } from './pages/quality.ts';
import { runsPage } from './pages/runs.ts';

export interface SiteFile {
  /** Path inside the site, '/'-separated. */
  path: string;
  content: string;
}

export interface RenderedSite {
  files: SiteFile[];
  copies: Asset[];
}

export async function renderSite(model: DocsModel): Promise<RenderedSite> {
  const pages = [
    overviewPage(model), lineagePage(model), runsPage(model), qualityPage(model),
    ...model.datasets.map((d) => datasetPage(model, d)),
    ...model.gold.map((g) => goldPage(model, g)),
  ];
  const { copies, licenses } = siteAssets();
  const notices = await Promise.all(licenses.map(async (l) => `== ${l.pkg} (copied into assets/ from the npm package) ==\n\n${(await readFile(l.file, 'utf8')).trim()}\n`));
  return {
    files: [
      ...pages.map((p) => ({ path: p.path, content: renderPage(model, p) })),
      { path: 'model.json', content: `${JSON.stringify(model, null, 1)}\n` },
      { path: 'assets/LICENSES.txt', content: `Third-party code in this folder and its licences.\n\n${notices.join('\n')}` },
    ],
    copies,
  };
}
