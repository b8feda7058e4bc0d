// Issue 14 figures: what users wait for, through the README's own commands, timed as whole processes in the same
// run as their baselines (interleaved, min/median/max of wall time; CPU and peak RSS from /usr/bin/time).
//   start-up: `npx strata --help` against Node's own start and npx's own cost to start any command of the project;
//   ingest:   `npx strata ingest` of flights-3m against a bare DuckDB COPY of the same file in a process of its own;
//   compiled: a 2-row ingest (and the flights-3m one) through the compiled CLI (dist/, cli/build.js) and the sources.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FLIGHTS_SCHEMA, flightsCsv, freshDir, interleave, line, wallMedian, timeProcess, type ProcessTime, type Row } from './lib.ts';
// @ts-expect-error: plain JavaScript (the launcher's own check)
import { compiledEntry } from '../cli/compiled.js';

const NODE = process.execPath; // the project's Node 24 (npm run puts node_modules/.bin first)

const median = wallMedian;

export interface CommandsBench {
  help: { nodeMs: number; strataNodeMs: number; npxNoopMs: number; npxSelfMs: number; npxHelpMs: number; coldMs: number; targetMs: number };
  ingest: { bareCopyMs: number; npxMs: number; nodeMs: number; ratio: number; nodeRatio: number; peakRssMB?: number };
  /** A 2-row ingest through the launcher: the compiled CLI (when current) and the sources. */
  compiled: { current: boolean; smallIngestMs: number; smallIngestSourcesMs: number; nodeSourcesMs: number };
}

export async function benchCommands(log: (s: string) => void, runs = 7, ingestRuns = 5): Promise<CommandsBench> {
  const cli = resolve('cli/strata.js');
  const caches = await freshDir('compile-caches');
  let cold = 0;
  type Timed = Row & { run: () => Promise<ProcessTime> };
  const row = (label: string, note: string, run: () => Promise<ProcessTime>): Timed => ({ label, note, times: [], run });
  const node = row('node -e 0', "(Node's own start)", () => timeProcess(NODE, ['-e', '0']));
  const strataNode = row('node cli/strata.js --help', '', () => timeProcess(NODE, [cli, '--help']));
  const coldRow = row('  the same, compile cache empty (first run)', '', () => timeProcess(NODE, [cli, '--help'], { NODE_COMPILE_CACHE: join(caches, String(cold++)) }));
  const npxNoop = row('npx node -e 0', "(npx's own cost to start a command in node_modules/.bin)", () => timeProcess('npx', ['node', '-e', '0']));
  // What `npx strata` cost while `strata` was the root package's own bin: npm 11 then installs the project into its npx
  // cache and reads both node_modules trees on every call. `-p .` takes that path still; `--yes` because on a fresh
  // checkout npx would otherwise ask before that install, and with no terminal it exits 1 ("npx canceled").
  const npxSelf = row('npx --yes -p . node -e 0', "(npx's cost when the command is the project's own package bin)", () => timeProcess('npx', ['--yes', '-p', '.', 'node', '-e', '0']));
  const npxHelp = row('npx strata --help', '', () => timeProcess('npx', ['strata', '--help']));
  const npmRun = row('npm run -s strata -- --help', '', () => timeProcess('npm', ['run', '-s', 'strata', '--', '--help']));
  await interleave(runs, [node, strataNode, coldRow, npxNoop, npxSelf, npxHelp, npmRun]);
  const targetMs = 600;
  log(`  start-up, ${runs} interleaved runs (wall min/median/max; median CPU; peak RSS)`);
  log(line(node));
  log(line(strataNode, `  → ${(median(strataNode) / median(node)).toFixed(2)}× node -e 0`));
  log(line(coldRow));
  log(line(npxNoop));
  log(line(npxSelf));
  log(line(npxHelp, `  → ${(median(npxHelp) / median(npxNoop)).toFixed(2)}× npx's own cost; target ≤ ${(targetMs / 1000).toFixed(1)} s: ${median(npxHelp) <= targetMs ? 'met' : 'not met'}`));
  log(line(npmRun));

  // The compiled CLI (dist/, built by npm install: cli/build.js) against the sources, on a command that loads the
  // pipeline: a 2-row ingest into a new lake each time. Without a current build both rows run the sources.
  const compiled = compiledEntry(`${resolve('.')}/`) !== undefined;
  const small = await freshDir('commands-small');
  await mkdir(join(small, 'schemas'), { recursive: true });
  await writeFile(join(small, 'schemas', 'flights_bench.yaml'), FLIGHTS_SCHEMA);
  const twoRows = join(small, 'two.csv');
  await writeFile(twoRows, 'date,delay,distance,origin,destination\n2001-01-01 06:00:00,5,300,LAX,SFO\n2001-01-01 07:00:00,-2,300,SFO,LAX\n');
  let lakes = 0;
  const smallIngest = (env: Record<string, string>) => () => timeProcess(NODE, [cli, 'ingest', 'flights_bench', twoRows, '--lake', join(small, `lake-${lakes++}`), '--schemas', join(small, 'schemas')], env);
  const ingestCompiled = row('node cli/strata.js ingest (2 rows)', compiled ? '(the compiled CLI, dist/)' : '(no current build: the sources)', smallIngest({}));
  const ingestSources = row('  the same, STRATA_CLI=sources', '(the TypeScript sources)', smallIngest({ STRATA_CLI: 'sources' }));
  await interleave(runs, [ingestCompiled, ingestSources]);
  log(`  a command that loads the pipeline, ${runs} interleaved runs`);
  log(line(ingestCompiled, `  → ${(median(ingestCompiled) / median(ingestSources)).toFixed(2)}× the sources`));
  log(line(ingestSources));

  const file = await flightsCsv(3_000_000);
  const work = await freshDir('commands');
  await mkdir(join(work, 'schemas'), { recursive: true });
  await writeFile(join(work, 'schemas', 'flights_bench.yaml'), FLIGHTS_SCHEMA);
  const lake = async () => { await rm(join(work, 'lake'), { recursive: true, force: true }); return join(work, 'lake'); };
  const ingestArgs = async () => ['ingest', 'flights_bench', file, '--lake', await lake(), '--schemas', join(work, 'schemas')];
  const bare = row('bare DuckDB COPY (node bench/copy-child.js)', '', async () => timeProcess(NODE, [resolve('bench/copy-child.js'), file, await freshDir('bare')]));
  const npx = row('npx strata ingest flights_bench flights.csv', '', async () => timeProcess('npx', ['strata', ...await ingestArgs()]));
  const direct = row('node cli/strata.js ingest …', '', async () => timeProcess(NODE, [cli, ...await ingestArgs()]));
  const directSources = row('  the same, STRATA_CLI=sources', '', async () => timeProcess(NODE, [cli, ...await ingestArgs()], { STRATA_CLI: 'sources' }));
  await interleave(ingestRuns, [bare, npx, direct, directSources]);
  const ratio = median(npx) / median(bare);
  const nodeRatio = median(direct) / median(bare);
  log(`  strata ingest of flights-3m (106 MB CSV, 3M rows, 182 day partitions) against a bare COPY of it, ${ingestRuns} interleaved runs`);
  log(line(bare));
  log(line(npx, `  → ${ratio.toFixed(2)}× (target ≤ 1.5×)`));
  log(line(direct, `  → ${nodeRatio.toFixed(2)}×`));
  log(line(directSources, `  → ${(median(directSources) / median(bare)).toFixed(2)}×`));
  await rm(caches, { recursive: true, force: true });
  const rss = npx.times.every((t) => t.maxRssMB !== undefined) ? Math.max(...npx.times.map((t) => t.maxRssMB!)) : undefined;
  return {
    help: { nodeMs: median(node), strataNodeMs: median(strataNode), npxNoopMs: median(npxNoop), npxSelfMs: median(npxSelf), npxHelpMs: median(npxHelp), coldMs: median(coldRow), targetMs },
    ingest: { bareCopyMs: median(bare), npxMs: median(npx), nodeMs: median(direct), ratio, nodeRatio, ...(rss === undefined ? {} : { peakRssMB: rss }) },
    compiled: { current: compiled, smallIngestMs: median(ingestCompiled), smallIngestSourcesMs: median(ingestSources), nodeSourcesMs: median(directSources) },
  };
}
