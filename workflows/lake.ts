// A local lake: a folder with bronze/ silver/ quarantine/ gold/ _strata/ and catalog.duckdb, plus the compiled
// plans of a schema folder. What the CLI, `strata dev`, the demo and the tests open.
import { resolve } from 'node:path';
import { LocalCatalog } from '../core/catalog/local.ts';
import type { DuckOptions } from '../core/engine/duckdb.ts';
import { compile, type DatasetPlan } from '../core/plan/compile.ts';
import { planSet, type PipelineContext } from '../core/pipeline/context.ts';
import { hasErrors } from '../core/schema/diagnostics.ts';
import { loadProject, type Project } from '../core/schema/project.ts';
import { LocalStorage } from '../core/storage/local.ts';

export interface LocalLake {
  dir: string;
  project: Project;
  plans: DatasetPlan[];
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
  const plans = hasErrors(project.diagnostics) ? [] : project.schemas.map((s) => compile(s.spec));
  const storage = new LocalStorage(dir);
  const catalog = new LocalCatalog(dir);
  return { dir, project, plans, storage, catalog, ctx: { storage, catalog, plans: planSet(plans), ...(opts.duck ? { duck: opts.duck } : {}) } };
}
