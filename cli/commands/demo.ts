// strata demo: a local lake built from real public data shipped in the vega-datasets npm package (no synthetic
// rows). It runs the example schemas' pipelines, re-ingests a file to show that nothing changes, and queries.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { LAYERS } from '../../core/plan/layout.ts';
import { CATALOG_FILE } from '../../runtime/catalog/local.ts';
import { withDuck, pathLit } from '../../runtime/engine/duckdb.ts';
import type { RunRecord } from '../../runtime/runs/record.ts';
import { ingestFile } from '../../workflows/ingest-local.ts';
import type { LocalLake } from '../../workflows/lake.ts';
import { openLake } from '../lake-options.ts';
import type { Command } from '../command.ts';
import { out, Progress, shellWord, table } from '../output.ts';
import { describeRun } from '../run-summary.ts';
import { queryLocal } from './query.ts';

export const DEMO_LAKE = '.strata/demo';

export const SOURCES = [
  { file: 'airports.csv', about: '3,376 US airports (FAA via data.gov, US government work)' },
  { file: 'flights-20k.json', about: '20,000 US domestic flights, Jan–Mar 2001 (US DOT), split into one file per month' },
  { file: 'movies.json', about: '3,201 films with box office and ratings: messy (numeric titles, gaps, dates in the future)' },
];

export function vegaDataDir(): string {
  // The package exports only its JS entry (build/index.js); its data/ folder sits next to build/.
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  return join(dirname(dirname(entry)), 'data');
}

/** Input files for the demo, derived from the public files without changing a row. */
export async function prepareDemoInputs(dir: string): Promise<{ airports: string; flights: string[]; movies: string }> {
  const data = vegaDataDir();
  await mkdir(dir, { recursive: true });
  const flights = ['01', '02', '03'].map((m) => join(dir, `flights-2001-${m}.json`));
  await withDuck(async (db) => {
    // Keep every field as the source wrote it (dates stay "2001/01/14 21:55"); strata does the typing.
    const src = `read_json(${pathLit(join(data, 'flights-20k.json'))}, format = 'array', columns = {date: 'VARCHAR', delay: 'BIGINT', distance: 'BIGINT', origin: 'VARCHAR', destination: 'VARCHAR'})`;
    for (const [i, f] of flights.entries()) {
      await db.run(`COPY (SELECT * FROM ${src} WHERE date LIKE '2001/0${i + 1}/%') TO ${pathLit(f)} (FORMAT json, ARRAY true)`);
    }
  });
  return { airports: join(data, 'airports.csv'), flights, movies: join(data, 'movies.json') };
}

export interface DemoIngest {
  dataset: string;
  file: string;
  note?: string;
}

/** The demo's ingests in order: airports, the flights month by month, the films, then a re-ingest that changes nothing. */
export async function demoIngests(inputDir: string): Promise<DemoIngest[]> {
  const inputs = await prepareDemoInputs(inputDir);
  return [
    { dataset: 'airports', file: inputs.airports },
    ...inputs.flights.map((file) => ({ dataset: 'flights', file })),
    { dataset: 'movies', file: inputs.movies },
    { dataset: 'flights', file: inputs.flights[0]!, note: 're-ingesting the same object changes nothing' },
  ];
}

/** Written into every demo lake strata creates: only a folder holding it (or an empty one) is ever cleared by the demo. */
export const DEMO_MARKER = '_strata/demo.json';

/**
 * Make `dir` ready for a new demo lake, deleting nothing strata did not create: a missing or empty folder is created
 * and marked (DEMO_MARKER); a folder marked as a demo lake loses what strata writes into a lake (its layer folders and
 * catalog.duckdb with its companions) and keeps everything else; any other folder is refused, with the reason. `own`:
 * the demo's datasets and gold tables; a demo lake that holds others (a user's dataset ingested into it, as the tour's
 * STRATA_LAKE invites) is refused too: the rebuild deleted them without a word (newcomer's trial, stop 48).
 */
export async function prepareDemoLake(dir: string, own?: { datasets: readonly string[]; tables: readonly string[] }): Promise<{ ok: true } | { ok: false; reason: string }> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    if (e.code === 'ENOTDIR') return undefined;
    throw e;
  });
  if (entries === undefined) return { ok: false, reason: `${dir} is a file, not a folder: choose another --lake` };
  if (entries.length && !(await stat(join(dir, DEMO_MARKER)).then((s) => s.isFile(), () => false))) {
    return { ok: false, reason: `${dir} is not empty and is not a demo lake (those hold ${DEMO_MARKER}): strata demo builds its lake only in an empty `
      + 'or new folder, or over a demo lake it made, and never deletes anything else. Choose another --lake, or empty that folder yourself' };
  }
  if (own && entries.length) {
    // (Folders that hold files: strata dev makes an empty bronze/<dataset>/ for every schema file, as the tour runs it.)
    const holding = async (layer: string, n: string) => (await readdir(join(dir, layer, n), { recursive: true, withFileTypes: true }).catch(() => [])).some((e) => e.isFile());
    const others = async (layer: string, own: readonly string[]) => {
      const names = (await readdir(join(dir, layer)).catch(() => [] as string[])).filter((n) => !own.includes(n));
      return (await Promise.all(names.map(async (n) => ((await holding(layer, n)) ? [`${layer}/${n}`] : [])))).flat();
    };
    const theirs = [
      ...(await Promise.all(['bronze', 'silver', 'quarantine', 'staging', '_strata/runs'].map((layer) => others(layer, own.datasets)))).flat(),
      ...await others('gold', own.tables),
    ];
    if (theirs.length) {
      const names = [...new Set(theirs.map((t) => t.split('/').at(-1)!))];
      return { ok: false, reason: `${dir} is a demo lake that holds tables the demo did not make (${theirs.slice(0, 4).join(', ')}${theirs.length > 4 ? ', …' : ''}): `
        + `strata demo rebuilds its lake and would delete them. Ingest ${names.join(', ')} into a lake of their own (--lake, or STRATA_LAKE), then delete ${theirs.length > 1 ? 'those folders' : 'that folder'} here yourself, or build the demo elsewhere (strata demo --lake <an empty folder>)` };
    }
  }
  const strataMade = (name: string) => (LAYERS as readonly string[]).includes(name) || name === CATALOG_FILE || name.startsWith(`${CATALOG_FILE}.`);
  for (const name of entries.filter(strataMade)) await rm(join(dir, name), { recursive: true, force: true });
  await mkdir(join(dir, '_strata'), { recursive: true });
  await writeFile(join(dir, DEMO_MARKER), `${JSON.stringify({ createdBy: 'strata demo', at: new Date().toISOString() })}\n`);
  return { ok: true };
}

export const demo: Command = {
  usage: 'strata demo [--lake dir]   (default lake: .strata/demo, rebuilt each time; another --lake must be empty or a demo lake)',
  options: {
    lake: { type: 'string', description: `the demo lake's folder (default ${DEMO_LAKE}; not STRATA_LAKE): a new or empty folder, or a demo lake` },
  },
  async run({ global }) {
    const lakeDir = resolve(global.lake ?? DEMO_LAKE);
    const lake = await openLake({ ...global, lake: lakeDir });
    const missing = ['airports', 'flights', 'movies'].filter((d) => !lake.plans.some((p) => p.dataset === d));
    if (missing.length) {
      throw new StrataError(ERRORS.InvalidInput, `the demo needs the example schemas ${missing.map((m) => `schemas/${m}.yaml`).join(', ')} (run it from the strata project folder)`);
    }
    const own = ['airports', 'flights', 'movies'];
    const ready = await prepareDemoLake(lakeDir, { datasets: own, tables: lake.gold.filter((g) => own.includes(g.owner)).map((g) => g.table) });
    if (!ready.ok) {
      throw new StrataError(ERRORS.InvalidInput, ready.reason);
    }
    out.info('strata demo: a lake from public data in the vega-datasets npm package');
    for (const s of SOURCES) out.info(`  ${s.file.padEnd(18)} ${s.about}`);
    out.info(`lake: ${lakeDir}\n`);
    const inputDir = await mkdtemp(join(tmpdir(), 'strata-demo-input-'));
    try {
      return await buildDemo(lake, lakeDir, global.lake ?? DEMO_LAKE, global.json === true, await demoIngests(inputDir));
    } finally {
      await rm(inputDir, { recursive: true, force: true });
    }
  },
};

/** Ingest the demo files, query gold, print what to try next; exit code 0 when every run succeeded (or was skipped). */
async function buildDemo(lake: LocalLake, lakeDir: string, typed: string, json: boolean, ingests: DemoIngest[]): Promise<number> {
  const shown = shellWord(typed);
  const progress = new Progress();
  const records: RunRecord[] = [];
  const run = async (dataset: string, file: string, note?: string) => {
    progress.update(`${dataset} ← ${file.split('/').pop()} …`);
    const { record } = await ingestFile(lake, dataset, file, {
      onEvent: (e) => { if (e.type === 'StateEntered' && e.state) progress.update(`${dataset} ← ${file.split('/').pop()} · ${e.state}`); },
    });
    progress.done();
    records.push(record);
    if (!json) out.info(`${describeRun(record, { lake: typed })}${note ? `\n    (${note})` : ''}`);
  };
  for (const i of ingests) await run(i.dataset, i.file, i.note);

  const sql = `SELECT state, sum(flights) AS flights, round(sum(avg_delay_min * flights) / sum(flights), 1) AS avg_delay_min,
      round(100.0 * sum(late_flights) / sum(flights), 1) AS pct_late
    FROM gold.daily_delays GROUP BY state HAVING sum(flights) >= 200 ORDER BY avg_delay_min DESC, state LIMIT 8`;
  const result = await queryLocal(lakeDir, sql);
  const rows = result?.rows ?? [];
  if (!json) {
    out.info('\nOrigin states with the longest average departure delay, Jan–Mar 2001 (gold.daily_delays):');
    out.info(table(rows, result?.columns));
    out.info([
      '',
      'Try next:',
      `  npx strata query --lake ${shown} "select * from gold.genre_box_office order by worldwide_gross desc limit 5"`,
      `  npx strata query --lake ${shown} "select * from quarantine.movies limit 5"`,
      `  npx strata query --lake ${shown} "select run_id, dataset, status, rows_in, rows_quarantined from strata.runs"`,
      `  npx strata query --lake ${shown} "select table_name, rule, outcome, metric, value from strata.quality_metrics where run_id = (select max(run_id) from strata.quality_metrics)"`,
      `  npx strata runs --lake ${shown}`,
      `  npx strata plan flights --asl`,
    ].join('\n'));
  }
  out.result('', { lake: lakeDir, runs: records, query: { sql, rows } });
  const ok = records.every((r) => r.status === 'SUCCEEDED' || r.status === 'SKIPPED');
  return ok ? 0 : 1;
}
