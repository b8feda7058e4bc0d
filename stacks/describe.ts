// The lake model of a schema folder, computed in-process (DuckDB binds the gold SQL). Used by describe-cli.ts
// (the child process sst.config.ts runs) and by the tests.
import { runsTableInput } from '../runtime/catalog/glue.ts';
import { metricsTableInput } from '../runtime/catalog/metrics-table.ts';
import { analyzeGold, type GoldPlan } from '../core/gold/analyze.ts';
import { compile, type DatasetPlan } from '../core/plan/compile.ts';
import type { GlueTableInput } from '../core/plan/glue-table.ts';
import { loadProject } from '../core/project.ts';
import { formatDiagnostic, hasErrors } from '../core/schema/diagnostics.ts';
import { lambdaPackages } from './bundle.ts';
import type { LakeModel } from './model.ts';

export async function describeProject(dir: string): Promise<{ model?: LakeModel; errors: string[] }> {
  const project = await loadProject(dir);
  if (hasErrors(project.diagnostics)) {
    return { errors: project.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic) };
  }
  if (!project.schemas.length) return { errors: [`no schema files (*.yaml) in ${dir}: a lake needs at least one dataset`] };
  const plans = project.schemas.map((s) => compile(s.spec));
  const gold = plans.some((p) => p.gold.length) ? (await analyzeGold(plans)).plans : [];
  return { model: lakeModel(plans, gold), errors: [] };
}

/** The model of compiled plans and analysed gold tables, with the run-record table the runtime expects. */
export function lakeModel(plans: DatasetPlan[], gold: GoldPlan[]): LakeModel {
  // The Glue adapter defines strata.runs (runtime/catalog/glue.ts); locations stay lake-relative like the plans'.
  const runsTable = runsTableInput('', (key) => key).TableInput as GlueTableInput;
  const metricsTable = metricsTableInput('', (key) => key).TableInput as GlueTableInput;
  // The DuckDB the project runs, so the functions run the same one.
  return { plans, gold, runsTable, metricsTable, lambdaPackages: lambdaPackages(import.meta.filename) };
}
