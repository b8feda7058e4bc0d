// A local lake: a folder with bronze/ silver/ quarantine/ gold/ _strata/ and catalog.duckdb, plus the compiled
// plans of a schema folder. What the CLI, `strata dev`, the demo and the tests open.
import { resolve } from 'node:path';
import { LocalCatalog } from '../runtime/catalog/local.ts';
import type { DuckOptions } from '../runtime/engine/duckdb.ts';
import { compile, type DatasetPlan } from '../core/plan/compile.ts';
import { analyzeGold, type GoldPlan } from '../core/gold/analyze.ts';
import { goldSet, planSet } from '../core/plan/sets.ts';
import type { PipelineContext } from '../runtime/pipeline/context.ts';
import { CATALOG_WAY_BACK } from '../runtime/catalog/port.ts';
import { loadProject, runnableProject, type Excluded, type Project } from '../core/project.ts';
import { LocalStorage } from '../runtime/storage/local.ts';

export interface LocalLake {
  dir: string;
  /** Every schema file with every problem (what strata check prints). */
  project: Project;
  /**
   * Datasets left out because their file, or a dataset they read, has errors (runnableProject); the others are
   * planned and run. Empty when the project checks clean.
   */
  excluded: Excluded[];
  plans: DatasetPlan[];
  gold: GoldPlan[];
  ctx: PipelineContext;
  storage: LocalStorage;
  catalog: LocalCatalog;
}

export function defaultLakeDir(flag?: string): string {
  return resolve(flag ?? process.env.STRATA_LAKE ?? '.strata/lake');
}

export async function openLocalLake(opts: { lake?: string; schemas?: string; duck?: DuckOptions }): Promise<LocalLake> {
  const dir = defaultLakeDir(opts.lake);
  const project = await loadProject(resolve(opts.schemas ?? 'schemas'));
  const runnable = await runnableProject(project);
  // Each plan knows its file, so messages name the one --schemas loaded (they said schemas/<dataset>.yaml: newcomer's trial, stop 49).
  const plans = runnable.project.schemas.map((s) => ({ ...compile(s.spec), schemaFile: s.file }));
  const gold = plans.some((p) => p.gold.length) ? (await analyzeGold(plans)).plans : [];
  const storage = new LocalStorage(dir);
  const catalog = new LocalCatalog(dir);
  return {
    dir, project, excluded: runnable.excluded, plans, gold, storage, catalog,
    ctx: { storage, catalog, plans: planSet(plans), gold: goldSet(gold), ...(opts.duck ? { duck: opts.duck } : {}) },
  };
}

/**
 * catalog.duckdb made current after a command's work, for the tools that open it directly. A failure is the command's
 * warning, returned (undefined when it caught up), not its failure: its work stands in the lake, and the next read
 * (strata query) or strata doctor --repair brings the catalog up to date. A rollback paused while it rebuilt the
 * catalog, whose lock another process then took over, exited 1 with DuckDB's "Cannot open file …catalog.duckdb"
 * alone, its rollback done (an attack, stop 58); ingest said it so already (runtime/pipeline/record.ts).
 */
export async function catalogCaughtUp(lake: LocalLake): Promise<string | undefined> {
  try {
    await lake.catalog.materialize();
    return undefined;
  } catch (e) {
    return `the catalog could not catch up (${(e as Error).message.split('\n')[0]}); the lake is right: ${CATALOG_WAY_BACK}`;
  }
}
