// The reference datasets a dataset's silver rules read (ReferentialIntegrity, RowCountMatch, CustomSql naming
// another dataset), each as the files of its current silver version: for the quality gate and a halt's held rows.
import { referencedDatasets } from '../../core/plan/access.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { layout } from '../../core/plan/layout.ts';
import { readManifest } from '../table/store.ts';
import type { PipelineContext } from './context.ts';

/** refs: the datasets read (those the project defines); refFiles: dataset → storage keys of its current files. */
export async function referenceFiles(ctx: PipelineContext, plan: DatasetPlan): Promise<{ refs: string[]; refFiles: Map<string, string[]> }> {
  const refs = referencedDatasets(plan.quality.silver, plan.dataset).filter((r) => ctx.plans.list().some((p) => p.dataset === r));
  const refFiles = new Map<string, string[]>();
  for (const r of refs) {
    const m = (await readManifest(ctx.storage, layout.silver(r), ctx.plans.get(r))).manifest;
    refFiles.set(r, Object.values(m.partitions).flatMap((p) => p.files));
  }
  return { refs, refFiles };
}
