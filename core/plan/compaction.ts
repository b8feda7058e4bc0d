// What a dataset's compaction compacts, from its plan: its silver table when the schema has `compaction:`, and each
// gold table the schema file defines with a `compaction:` key. One execution per dataset does them all (in AWS on
// the dataset's schedule, locally after a run: workflows/compact-local.ts). Pure: plans in, lists out.
import { DEFAULT_COMPACTION, type CompactionSpec } from '../schema/model.ts';
import type { DatasetPlan } from './compile.ts';

export interface CompactionTarget {
  layer: 'silver' | 'gold';
  /** The dataset (silver) or the gold table. */
  table: string;
  policy: CompactionSpec;
}

export function compactionTargets(plan: Pick<DatasetPlan, 'dataset' | 'compaction' | 'gold'>): CompactionTarget[] {
  const silver: CompactionTarget[] = plan.compaction
    ? [{ layer: 'silver', table: plan.dataset, policy: { minFiles: plan.compaction.minFiles, targetMb: plan.compaction.targetMb, sortBy: plan.compaction.sortBy } }]
    : [];
  const gold = plan.gold.flatMap((g): CompactionTarget[] => (g.compaction ? [{ layer: 'gold', table: g.table, policy: g.compaction }] : []));
  return [...silver, ...gold];
}

/** When AWS runs the dataset's compaction; undefined when there is nothing to compact. */
export function compactionSchedule(plan: Pick<DatasetPlan, 'dataset' | 'compaction' | 'gold'>): string | undefined {
  if (!compactionTargets(plan).length) return undefined;
  return plan.compaction?.schedule ?? DEFAULT_COMPACTION.schedule;
}

/** The policy `strata compact` applies to a table that has none: any partition of two or more small files. */
export const MANUAL_COMPACTION: CompactionSpec = { minFiles: 2, targetMb: DEFAULT_COMPACTION.targetMb, sortBy: [] };
