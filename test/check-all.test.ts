// strata check reports every problem of every file in one run (issue 15, item 2), and a schema file with errors
// keeps out only its own dataset and those that read it (item 3).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProjectAsync, runnableProject } from '../core/project.ts';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { openLocalLake } from '../workflows/lake.ts';

// One file with a problem of every stage: an unknown key, two unknown types, a DQDL rule on a missing column, a
// DQDL syntax error and gold SQL naming a missing column.
const WEATHER = `dataset: weather
source: { format: csv }
columns:
  - { name: station, type: string, requried: true }
  - { name: temp_c, type: "decimel(4,1)" }
  - { name: note, type: strng }
  - { name: observed_on, type: date, required: true }
quality:
  silver:
    halt: ['ColumnValues "temperature" > -90', 'IsComplete station']
gold:
  - table: station_days
    sql: SELECT station, count(*) AS days, max(rainfall) AS wettest FROM silver.weather GROUP BY station
`;
const STOCKS = `dataset: stocks
source: { format: csv }
columns:
  - { name: symbol, type: string, required: true }
  - { name: price, type: double }
`;
// Reads weather (its gold SQL): it cannot run while weather's file has errors.
const PORTFOLIO = `dataset: portfolio
source: { format: csv }
columns:
  - { name: symbol, type: string, required: true }
gold:
  - table: exposure
    refresh: full
    sql: SELECT p.symbol, count(*) AS n FROM silver.portfolio p JOIN silver.weather w ON w.station = p.symbol GROUP BY 1
`;

describe('strata check: every problem in one run', () => {
  it('a file with an unknown key, unknown types, bad quality rules and bad gold SQL gets all of them reported', async () => {
    const p = await checkProjectAsync([{ file: 'schemas/weather.yaml', text: WEATHER }, { file: 'schemas/stocks.yaml', text: STOCKS }]);
    const lines = p.diagnostics.map(formatDiagnostic);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^schemas\/weather\.yaml:4:\d+: unknown key "requried" in columns\.0 \(fix: did you mean "required"\?\)/),
      expect.stringMatching(/^schemas\/weather\.yaml:5:\d+: .*decimel/),
      expect.stringMatching(/^schemas\/weather\.yaml:6:\d+: .*strng.*did you mean "string"/),
      expect.stringMatching(/^schemas\/weather\.yaml:10:\d+: quality rule "ColumnValues "temperature" > -90": .*temperature/),
      expect.stringMatching(/^schemas\/weather\.yaml:10:\d+: quality rule "IsComplete station": /),
      expect.stringMatching(/^schemas\/weather\.yaml:13:\d+: gold table station_days: .*rainfall/),
    ]));
    expect(p.diagnostics.every((d) => d.file === 'schemas/weather.yaml')).toBe(true);
    expect(p.schemas.map((s) => s.spec.dataset)).toEqual(['stocks']);
  });

  it('only the datasets whose files (and what they read) check are runnable; the rest are named with their errors', async () => {
    const p = await checkProjectAsync([
      { file: 'schemas/portfolio.yaml', text: PORTFOLIO }, { file: 'schemas/stocks.yaml', text: STOCKS }, { file: 'schemas/weather.yaml', text: WEATHER },
    ]);
    const r = await runnableProject(p);
    expect(r.project.schemas.map((s) => s.spec.dataset)).toEqual(['stocks']);
    expect(r.project.diagnostics).toEqual([]);
    expect(r.excluded.map((x) => x.dataset)).toEqual(['weather', 'portfolio']);
    expect(r.excluded[1]!.diagnostics.map(formatDiagnostic).join('\n')).toMatch(/^schemas\/portfolio\.yaml:\d+:\d+: gold table exposure: .*weather/);
  });
});

describe('one broken schema does not block the others', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('a lake opens with the valid datasets planned and the broken one listed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-check-all-'));
    dirs.push(root);
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas', 'stocks.yaml'), STOCKS);
    await writeFile(join(root, 'schemas', 'weather.yaml'), WEATHER);
    const lake = await openLocalLake({ lake: join(root, 'lake'), schemas: join(root, 'schemas') });
    expect(lake.plans.map((x) => x.dataset)).toEqual(['stocks']);
    expect(lake.excluded.map((x) => x.dataset)).toEqual(['weather']);
    expect(() => lake.ctx.plans.get('stoks')).toThrow('no schema defines dataset "stoks": did you mean "stocks"? (known: stocks)');
  });
});
