// The files every site carries besides its pages: the stylesheet and client script (site/client/), and the chart
// libraries copied from node_modules (Vega, Vega-Lite, vega-embed: their minified browser builds), with their
// licences. Nothing is loaded from a CDN: the site is complete on disk.
import { findPackageJSON } from 'node:module';
import { dirname, join } from 'node:path';

export interface Asset {
  /** Path inside the site. */
  path: string;
  /** Absolute path of the file to copy. */
  from: string;
}

/** The browser build of each chart library; vega-embed expects the globals `vega` and `vegaLite` the others define. */
const LIBRARIES = [
  { pkg: 'vega', file: 'build/vega.min.js' },
  { pkg: 'vega-lite', file: 'build/vega-lite.min.js' },
  { pkg: 'vega-embed', file: 'build/vega-embed.min.js' },
];

// site/, found from the project's package.json rather than from this module's own location: the compiled CLI
// (cli/build.js) runs this code from dist/.
const here = join(dirname(findPackageJSON(import.meta.url)!), 'site');

export function packageDir(pkg: string): string {
  // The packages' export maps hide build/*.min.js and package.json; findPackageJSON finds the folder regardless.
  const found = findPackageJSON(pkg, import.meta.url);
  if (!found) throw new Error(`the npm package ${pkg} is not installed (run npm install)`);
  return dirname(found);
}

export function siteAssets(): { copies: Asset[]; licenses: Array<{ pkg: string; file: string }> } {
  const copies: Asset[] = [
    { path: 'assets/style.css', from: join(here, 'client', 'style.css') },
    { path: 'assets/docs.js', from: join(here, 'client', 'docs.js') },
    ...LIBRARIES.map((l) => ({ path: `assets/${l.file.split('/').pop()}`, from: join(packageDir(l.pkg), l.file) })),
  ];
  return { copies, licenses: LIBRARIES.map((l) => ({ pkg: l.pkg, file: join(packageDir(l.pkg), 'LICENSE') })) };
}
