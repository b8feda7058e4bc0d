// The README's pictures of the data docs (docs/img/docs-*.png): the lake of the browser test (the demo plus a rejected
// file and a halted batch), its site, and Debian's chromium taking the screenshots. Run: npm run docs:screenshots
// Where Debian's pngquant is installed (apt-get install pngquant), the PNGs are reduced to 256 colours (a third of
// the size; screenshots of flat pages lose nothing visible).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDocs } from '../cli/commands/docs.ts';
import { launchChromium, watchedPage } from './helpers/browser.ts';
import { docsDemoLake } from './helpers/docs-lake.ts';

const OUT = resolve('docs/img');
const SHOTS = [
  { file: 'docs-overview.png', page: 'index.html', height: 1140 },
  { file: 'docs-dataset.png', page: 'datasets/flights.html', height: 1080 },
  { file: 'docs-state-machine.png', page: 'datasets/flights.html', element: '#state-machine' },
  { file: 'docs-gold.png', page: 'gold/daily_delays.html', height: 1000 },
  { file: 'docs-quality.png', page: 'quality.html', element: '#silver-flights' },
];

const root = await mkdtemp(join(tmpdir(), 'strata-shots-'));
try {
  await docsDemoLake(root);
  const site = join(root, 'site');
  await buildDocs({ global: { lake: join(root, 'lake'), schemas: 'schemas', json: false, verbose: false }, out: site });
  const browser = await launchChromium();
  const { page, watched } = await watchedPage(browser, { width: 1280, height: 900 });
  for (const s of SHOTS) {
    await page.setViewportSize({ width: 1280, height: s.height ?? 900 });
    await page.goto(pathToFileURL(join(site, s.page)).href);
    if (await page.locator('figure.chart').count()) await page.waitForSelector('body[data-charts="drawn"]');
    const path = join(OUT, s.file);
    if (s.element) await page.locator(s.element).screenshot({ path });
    else await page.screenshot({ path });
    try {
      execFileSync('pngquant', ['--force', '--skip-if-larger', '--quality', '80-98', '--output', path, path]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    console.log(`wrote ${path}`);
  }
  await browser.close();
  if (watched.errors.length || watched.blocked.length) throw new Error(`the pages were not clean: ${JSON.stringify(watched)}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
