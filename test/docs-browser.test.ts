// The data docs in a real browser: Debian's chromium, driven by playwright-core, opens the site of the demo lake
// (plus a rejected file and a halted batch) from disk. Every page kind is checked for its content, the lineage and
// state machine graphs and the charts are drawn, no console error, and no request but file:// (every other one is
// intercepted and recorded). Skipped only where chromium is missing outside CI; in CI (CI set) a missing chromium fails.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocs } from '../cli/commands/docs.ts';
import type { RunRecord } from '../runtime/runs/record.ts';
import { CHROMIUM, chromiumPresent, launchChromium, watchedPage, type Watched } from './helpers/browser.ts';
import { docsDemoLake } from './helpers/docs-lake.ts';

const missing = chromiumPresent() ? undefined : `${CHROMIUM} is missing: install it with apt-get install -y chromium (.ci/run does)`;
if (missing && !process.env.CI) console.warn(`test/docs-browser.test.ts skipped: ${missing}`);

let root: string;
let site: string;
let records: RunRecord[];
let launching: Promise<Browser> | undefined;
let browser: Browser;
let page: Page;
let watched: Watched;

const url = (path: string) => pathToFileURL(join(site, path)).href;

/** Open a page; wait until its charts are drawn when it has any. */
async function open(path: string): Promise<void> {
  await page.goto(url(path));
  if (await page.locator('figure.chart').count()) await page.waitForSelector('body[data-charts="drawn"]', { timeout: 20_000 });
}

/** Every link of the open page points at a file of the site (and at an element, for #fragments). */
async function linksResolve(): Promise<number> {
  // SVG links too: their href is an attribute to resolve against the page.
  const base = page.url();
  const links = (await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!))).map((h) => new URL(h, base).href);
  for (const l of links) {
    expect(l.startsWith('file://'), l).toBe(true);
    const [file, fragment] = l.split('#');
    expect(existsSync(fileURLToPath(file!)), `${l} from ${base}`).toBe(true);
    if (fragment && file === base.split('#')[0]) expect(await page.locator(`[id="${fragment}"]`).count(), l).toBe(1);
  }
  return links.length;
}

describe.skipIf(missing !== undefined && !process.env.CI)('strata docs in chromium', () => {
  beforeAll(async () => {
    if (missing) throw new Error(`CI is set but ${missing}`);
    launching = launchChromium(); // starts while the lake is built
    root = await mkdtemp(join(tmpdir(), 'strata-docs-'));
    ({ records } = await docsDemoLake(root));
    site = join(root, 'site');
    await buildDocs({ global: { lake: join(root, 'lake'), schemas: 'schemas', json: false, verbose: false }, out: site });
    browser = await launching;
    ({ page, watched } = await watchedPage(browser));
  });
  afterAll(async () => {
    await (await launching?.catch(() => undefined))?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('the lake behind it: the demo runs plus one rejected file and one halted batch', () => {
    expect(records.map((r) => `${r.dataset} ${r.status}`)).toEqual([
      'airports SUCCEEDED', 'flights SUCCEEDED', 'flights SUCCEEDED', 'flights SUCCEEDED', 'movies SUCCEEDED', 'flights SKIPPED',
      'airports REJECTED', 'flights HALTED',
    ]);
  });

  it('overview: every dataset and gold table with owner and rows, what needs attention first, the lineage', async () => {
    await open('index.html');
    const datasets = await page.$$eval('#datasets tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(datasets.map((r) => [r[0], r[1], r[3], r[4], r[6]])).toEqual([
      ['airports', 'reference-data@example.com', 'REJECTED', '3,376', '2'],
      ['flights', 'ops-analytics@example.com', 'HALTED', '20,000', '5'],
      ['movies', 'content-data@example.com', 'SUCCEEDED', '3,178', '1'],
    ]);
    const gold = await page.$$eval('#gold-tables tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
    expect(gold).toEqual(['daily_delays', 'genre_box_office']);
    // Errors first (newest first), then warnings: the halted batch came after the rejected file.
    const attention = await page.$$eval('ul.attention li', (lis) => lis.map((li) => `${li.className} ${li.getAttribute('data-kind')} ${li.querySelector('a')!.textContent}`));
    expect(attention).toEqual(['error halted silver.flights', 'error rejected silver.airports', 'warning rising-quarantine silver.airports']);
    expect(await page.locator('ul.attention li[data-kind="rejected"]').textContent()).toContain('Strata.RejectedFile');
    expect(await page.locator('#overview-lineage g.node').count()).toBe(8);
    expect(await linksResolve()).toBeGreaterThan(20);
  });

  it('lineage: bronze → silver → gold laid out by dagre, each node a link that opens its page', async () => {
    await open('lineage.html');
    const nodes = await page.$$eval('#lineage-graph g.node', (gs) => gs.map((g) => g.getAttribute('data-id')));
    expect(nodes.sort()).toEqual(['bronze:airports', 'bronze:flights', 'bronze:movies', 'gold:daily_delays', 'gold:genre_box_office', 'silver:airports', 'silver:flights', 'silver:movies']);
    const edges = await page.$$eval('#lineage-graph g.edge', (gs) => gs.map((g) => `${g.getAttribute('data-from')} → ${g.getAttribute('data-to')}`));
    expect(edges.sort()).toEqual([
      'bronze:airports → silver:airports', 'bronze:flights → silver:flights', 'bronze:movies → silver:movies',
      'silver:airports → gold:daily_delays', 'silver:flights → gold:daily_delays', 'silver:movies → gold:genre_box_office',
    ]);
    // Laid out left to right: each edge's target node sits right of its source.
    const x = Object.fromEntries(await page.$$eval('#lineage-graph g.node', (gs) => gs.map((g) => [g.getAttribute('data-id'), g.getBoundingClientRect().x])));
    for (const e of edges) {
      const [from, to] = e.split(' → ') as [string, string];
      expect(x[to]!).toBeGreaterThan(x[from]!);
    }
    await linksResolve();
    await page.click('#lineage-graph g.node[data-id="gold:daily_delays"]');
    await page.waitForURL(/gold\/daily_delays\.html$/);
    expect(await page.locator('h1').textContent()).toContain('daily_delays');
  });

  it('dataset page: columns with types, descriptions and checks; partitions; schema history; the state machine and the newest path', async () => {
    await open('datasets/flights.html');
    const columns = await page.$$eval('#columns tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(columns[0]).toEqual(['departed_at', 'timestamp', 'Scheduled departure (UTC)', 'date', 'required · format %Y/%m/%d %H:%M']);
    expect(columns.map((c) => c[0])).toEqual(['departed_at', 'origin', 'destination', 'delay', 'distance']);
    expect(await page.locator('#partitions .totals').textContent()).toMatch(/^90 partitions · 90 files · [\d.]+ KiB · 20,000 rows/);
    expect(await page.locator('#schema-history tbody tr').count()).toBe(1);
    // The ASL's 22 states, drawn; the halted batch's path highlighted.
    expect(await page.locator('#sm-flights g.node').count()).toBe(22);
    const visited = await page.$$eval('#sm-flights g.node.visited', (gs) => gs.map((g) => g.getAttribute('data-id')));
    expect(visited).toEqual(expect.arrayContaining(['Prepare', 'Stage', 'Route', 'SilverQuality', 'QualityGate', 'HaltBatch', 'Halted']));
    expect(visited).toHaveLength(7);
    expect(await page.locator('#sm-flights g.edge.visited').count()).toBe(6);
    expect(await page.locator('#rows-flights.drawn svg .mark-rect path').count()).toBeGreaterThan(0);
    expect(await page.locator('#source tbody tr.run').count()).toBe(5);
    await linksResolve();
  });

  it('gold page: its SQL, refresh mode, what it reads, columns, refreshes', async () => {
    await open('gold/daily_delays.html');
    expect(await page.locator('#sql pre').textContent()).toContain('JOIN silver.airports a ON a.iata = f.origin');
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toContain('incremental (driven by the partitions of silver.flights)');
    expect(facts).toContain('silver.flights, silver.airports');
    expect(await page.$$eval('#columns tbody td:first-child', (tds) => tds.map((td) => td.textContent))).toEqual(['day', 'state', 'flights', 'avg_delay_min', 'late_flights']);
    // Refreshed by the airports run and the three flights runs; the re-ingest (SKIPPED) checked it was current; the
    // rejected and the halted run committed nothing.
    const refreshes = await page.$$eval('#refreshes tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(refreshes.map((r) => `${r[1]} ${r[3]}`)).toEqual(['flights UNCHANGED', 'flights PUBLISHED', 'flights PUBLISHED', 'flights PUBLISHED', 'airports PUBLISHED']);
    await linksResolve();
  });

  it('runs page: every run with status, rows and duration; each failure with its reason; the path through the state machine', async () => {
    await open('runs.html');
    expect(await page.locator('#run-counts').textContent()).toMatch(/^8 runs: 5 succeeded, 1 skipped, 1 rejected, 1 halted\./);
    expect(await page.locator('table.runs tr.run').count()).toBe(8);
    const rejected = records.find((r) => r.status === 'REJECTED')!;
    const halted = records.find((r) => r.status === 'HALTED')!;
    const detail = (id: string) => page.locator(`tr[id="run-${id}"] + tr.detail`);
    expect(await detail(rejected.runId).textContent()).toContain('Strata.RejectedFile');
    expect(await detail(rejected.runId).textContent()).toContain('2 of 3 rows');
    expect(await detail(halted.runId).textContent()).toContain('Strata.QualityHalt');
    expect(await detail(halted.runId).textContent()).toContain('ColumnValues "distance" between -1 and 6000');
    expect(await detail(halted.runId).locator('.path').textContent()).toBe('Prepare → Stage → Route → SilverQuality → QualityGate → HaltBatch → Halted');
    const cells = await page.$$eval(`tr[id="run-${halted.runId}"] td`, (tds) => tds.map((td) => td.textContent!.trim()));
    expect(cells.slice(-4)).toEqual(['2', '0', '2', '0']);
    await linksResolve();
  });

  it('quality dashboard: score, outcomes and metric trends per gate, drawn; the halted rule in red; top quarantine reasons', async () => {
    await open('quality.html');
    expect(await page.$$eval('section.gate', (ss) => ss.map((s) => s.id))).toEqual(['silver-airports', 'silver-flights', 'silver-movies', 'gold-daily_delays']);
    const charts = await page.locator('figure.chart').count();
    expect(charts).toBe(4 * 3 + 1);
    expect(await page.locator('figure.chart.drawn').count()).toBe(charts);
    // Vega draws rect marks as paths: the flights outcomes hold 4 evaluations × 6 rules, 2 of them FAIL in the newest.
    const outcome = page.locator('#outcomes-silver-flights svg .mark-rect path');
    expect(await outcome.count()).toBe(24);
    expect(await page.locator('#outcomes-silver-flights svg .mark-rect path[fill="#cf222e"]').count()).toBe(2);
    expect(await page.locator('#metrics-silver-flights svg .mark-line path').count()).toBeGreaterThan(5);
    const reasons = await page.$$eval('#quarantine-reasons tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent!.trim())));
    expect(reasons).toContainEqual(['movies', 'release_date', 'max', '22']);
    expect(await page.locator('#reasons-all.drawn svg .mark-rect path').count()).toBe(reasons.length);
    await linksResolve();
  });

  it('no page logged an error or asked for anything but its own files', () => {
    expect(watched.errors).toEqual([]);
    expect(watched.blocked).toEqual([]);
  });
});
