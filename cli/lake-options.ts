// Opening the local lake for a command. A schema file with errors keeps out its own dataset and those that read it,
// not the others: the command names what was left out, and fails only when it was asked for a dataset left out.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { StrataError } from '../core/errors.ts';
import { CATALOG_FILE } from '../runtime/catalog/local.ts';
import { BRONZE_OBJECTS } from '../core/plan/layout.ts';
import { defaultLakeDir, openLocalLake, type LocalLake } from '../workflows/lake.ts';
import type { GlobalOptions } from './command.ts';
import { out } from './output.ts';

/**
 * The lake of `global`, with the plans of every dataset that checks. `wanted` (a dataset or gold table the command
 * works on) that was left out throws Strata.InvalidInput with its file's errors; any other exclusion is a warning on
 * stderr naming the dataset and its file.
 */
export async function openLake(global: GlobalOptions, wanted?: string): Promise<LocalLake> {
  // A lake is a folder: a file there got the file system's words (ENOTDIR) and no way back (newcomer's trial, stop 48).
  const dir = defaultLakeDir(global.lake);
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new StrataError('Strata.InvalidInput', `${dir} is a file, not a lake's folder: name a folder with --lake <dir> (or STRATA_LAKE), a new one or a lake`);
  }
  const lake = await openLocalLake({ ...(global.lake ? { lake: global.lake } : {}), ...(global.schemas ? { schemas: global.schemas } : {}) });
  const hit = lake.excluded.find((x) => x.dataset === wanted);
  if (hit) {
    throw new StrataError('Strata.InvalidInput', `dataset "${hit.dataset}" cannot run: ${hit.file} has errors (run strata check):\n${hit.diagnostics.map(formatDiagnostic).join('\n')}`);
  }
  for (const x of lake.excluded) {
    out.error(`warning: left out dataset "${x.dataset}": ${x.file} has ${x.diagnostics.length === 1 ? 'an error' : `${x.diagnostics.length} errors`} (run strata check), the first: ${formatDiagnostic(x.diagnostics[0]!)}`);
  }
  return lake;
}

/**
 * Whether a folder holds a lake: its catalog, strata's own folder (runs, manifests' markers), or a bronze object that
 * strata ingest copied in (bronze/<dataset>/_objects/): a first run stopped before it wrote anything else (killed, or
 * stopped by a Step Functions quota) leaves only that and its staging, which strata doctor and gc are for.
 */
export function isLake(dir: string): boolean {
  if (existsSync(join(dir, CATALOG_FILE)) || existsSync(join(dir, '_strata'))) return true;
  let datasets: string[];
  try {
    datasets = readdirSync(join(dir, 'bronze'));
  } catch {
    return false;
  }
  return datasets.some((d) => existsSync(join(dir, 'bronze', d, BRONZE_OBJECTS)));
}

/**
 * The lake folder of `global` must hold a lake (isLake). Commands that examine or collect (doctor, gc, runs) refuse a
 * folder without one, so that a mistyped --lake is not reported healthy: Strata.InvalidInput, naming the folder.
 */
export function requireLake(global: GlobalOptions, what: string): void {
  const dir = defaultLakeDir(global.lake);
  if (isLake(dir)) return;
  throw new StrataError('Strata.InvalidInput', `no lake at ${dir} yet, so nothing to ${what}: ${noLakeWayBack(global.lake)}`);
}

/**
 * The way back from "no lake here": the lake of a folder above, when the command was run from inside a project
 * without naming one (`strata runs` from docs/ said only "no lake at …/docs/.strata/lake": newcomer's trial, stop 57);
 * else how to make one, or name it.
 */
export function noLakeWayBack(flag: string | undefined): string {
  const above = flag === undefined && process.env.STRATA_LAKE === undefined ? lakeAbove(process.cwd()) : undefined;
  if (above) return `there is one at ${above}: run the command from ${dirname(dirname(above))}, or name it with --lake ${above}`;
  return 'ingest something first (strata ingest <dataset> <file>, or strata demo), or name the lake with --lake <dir>';
}

/** The nearest .strata/lake above `dir` (not `dir`'s own) that holds a lake (isLake), or undefined. */
function lakeAbove(dir: string): string | undefined {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const lake = join(d, '.strata', 'lake');
    if (isLake(lake)) return lake;
    if (dirname(d) === d) return undefined;
  }
}
