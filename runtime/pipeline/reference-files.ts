// The reference datasets a dataset's silver rules read (ReferentialIntegrity, RowCountMatch, CustomSql naming a
// dataset), each as the files of its current silver version: for the quality gate and a halt's held rows. A rule may
// name the dataset itself (a manager_id that must be an id of the same table): that reference is the table as the
// batch's commit would leave it.
import { declaredReferences } from '../../core/dqdl/ast.ts';
import { parseRules } from '../../core/dqdl/parse.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { layout } from '../../core/plan/layout.ts';
import { ident } from '../../core/sql/quote.ts';
import type { Duck } from '../engine/duckdb.ts';
import { createView } from '../engine/views.ts';
import { readManifest } from '../table/store.ts';
import type { PipelineContext } from './context.ts';

/** refs: the datasets read (those the project defines); refFiles: dataset → storage keys of its current files. */
export async function referenceFiles(ctx: PipelineContext, plan: DatasetPlan): Promise<{ refs: string[]; refFiles: Map<string, string[]> }> {
  const rules = plan.quality.silver;
  const refs = declaredReferences(parseRules([...rules.halt, ...rules.warn]).rules).filter((r) => ctx.plans.list().some((p) => p.dataset === r));
  const refFiles = new Map<string, string[]>();
  for (const r of refs) {
    const m = (await readManifest(ctx.storage, layout.silver(r), ctx.plans.get(r))).manifest;
    refFiles.set(r, Object.values(m.partitions).flatMap((p) => p.files));
  }
  return { refs, refFiles };
}

/**
 * The reference datasets as views silver."<name>" in `db`, for rules over the batch (the view `batch`), and the
 * relation each is read through. Another dataset is its current silver version. The dataset itself is its table as
 * the batch's commit would leave it: its current rows (for an upsert, less those whose primary key the batch brings
 * again into the same partition) and the batch's rows. `pathOf`: storage key → local path.
 */
export async function createReferenceViews(db: Duck, ctx: PipelineContext, plan: DatasetPlan, refFiles: ReadonlyMap<string, string[]>, pathOf: (key: string) => string, batch = '__batch'): Promise<(ds: string) => string | undefined> {
  if (refFiles.size) await db.run('CREATE SCHEMA IF NOT EXISTS silver');
  for (const [r, files] of refFiles) {
    const name = r === plan.dataset ? '__self_committed' : r;
    await createView(db, r === plan.dataset ? 'main' : 'silver', name, ctx.plans.get(r).tables.silver, files.map(pathOf), false);
  }
  if (refFiles.has(plan.dataset)) {
    // An upsert replaces a key within the partition its row belongs to (commit.ts): a key moved to another partition
    // leaves its old row where it was.
    const key = plan.mode === 'upsert' ? [...plan.primaryKey, ...plan.partitions.map((p) => p.name)].map(ident) : [];
    const kept = key.length
      ? `SELECT * FROM main.__self_committed AS c WHERE NOT EXISTS (SELECT 1 FROM ${batch} AS b WHERE ${key.map((k) => `b.${k} IS NOT DISTINCT FROM c.${k}`).join(' AND ')})`
      : 'SELECT * FROM main.__self_committed';
    await db.run(`CREATE OR REPLACE VIEW silver.${ident(plan.dataset)} AS ${kept} UNION ALL BY NAME SELECT * FROM ${batch}`);
  }
  return (ds) => (refFiles.has(ds) ? `silver.${ident(ds)}` : undefined);
}
