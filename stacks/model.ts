// What a stage is built from: the compiled plans of every schema file and the analysed gold tables.
//
// Analysing gold SQL needs DuckDB, a native module. SST bundles sst.config.ts and everything it imports with
// esbuild, which cannot bundle a native module, so the model is computed in a child process (stacks/describe-cli.ts,
// run by the project's Node 24) and comes back as JSON — the same plans `strata check` and the Lambda handlers compile.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GoldPlan } from '../core/gold/analyze.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import type { GlueTableInput } from '../core/plan/glue-table.ts';
import { goldTablesFor } from '../workflows/gold-order.ts';

export interface LakeModel {
  plans: DatasetPlan[];
  /** Gold tables in dependency order. */
  gold: GoldPlan[];
  /** strata.runs over the run records, as the Glue adapter defines it (lake-relative location). */
  runsTable: GlueTableInput;
  /** strata.quality_metrics over the gates' metric files (runtime/catalog/metrics-table.ts). */
  metricsTable: GlueTableInput;
  /** npm packages every pipeline function installs instead of bundling (DuckDB), name → exact version (stacks/bundle.ts). */
  lambdaPackages: Record<string, string>;
}

/** Gold tables a run of the dataset refreshes, in order (what its state machine's Gold map iterates). */
export function goldTablesOf(model: LakeModel, dataset: string): string[] {
  return goldTablesFor(model.gold, dataset);
}

/** The model of the schema folder under root; throws with `strata check`'s messages when a schema has errors. */
export function loadModel(root: string, schemas = 'schemas'): LakeModel {
  const pinned = join(root, 'node_modules', '.bin', 'node');
  const node = existsSync(pinned) ? pinned : process.execPath;
  const r = spawnSync(node, [join(root, 'stacks', 'describe-cli.ts'), resolve(root, schemas)], {
    cwd: root, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, STRATA_LOG_LEVEL: 'SILENT' },
  });
  if (r.error) throw new Error(`could not run ${node} stacks/describe-cli.ts: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`the schema files have errors; nothing was deployed (run npx strata check):\n${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as LakeModel;
}
