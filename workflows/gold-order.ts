// Which gold tables a dataset's run refreshes, in dependency order.
import type { GoldPlan } from '../core/gold/analyze.ts';
import { goldSet } from '../core/plan/sets.ts';

export function goldTablesFor(gold: readonly GoldPlan[], dataset: string): string[] {
  return goldSet(gold).forDataset(dataset).map((g) => g.table);
}
