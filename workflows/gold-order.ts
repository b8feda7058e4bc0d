// Which gold tables a dataset's run refreshes, in dependency order. (Gold support lands with core/gold.)
import type { DatasetPlan } from '../core/plan/compile.ts';

export function goldTablesFor(_plans: readonly DatasetPlan[], _dataset: string): string[] {
  return [];
}
