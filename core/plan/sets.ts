// The compiled plans of a project, looked up by name: datasets, and gold tables in dependency order.
import { ERRORS, StrataError } from '../errors.ts';
import { closest } from '../schema/diagnostics.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import type { DatasetPlan } from './compile.ts';

export interface PlanSet {
  get(dataset: string): DatasetPlan;
  list(): DatasetPlan[];
}

export interface GoldSet {
  get(table: string): GoldPlan;
  list(): GoldPlan[];
  /** Gold tables a run of this dataset refreshes (they read it, directly or through other gold tables), in order. */
  forDataset(dataset: string): GoldPlan[];
  /** Gold tables that read gold table `table`, directly or through other gold tables, in dependency order (not `table`). */
  readersOf(table: string): GoldPlan[];
}

export function goldSet(plans: readonly GoldPlan[]): GoldSet {
  const byName = new Map(plans.map((p) => [p.table, p]));
  return {
    get(table) {
      const p = byName.get(table);
      if (!p) {
        const guess = closest(table, [...byName.keys()]);
        throw new StrataError(ERRORS.UnknownDataset, `no schema defines gold table "${table}"${guess ? `: did you mean "${guess}"?` : ''}`);
      }
      return p;
    },
    list: () => [...plans],
    forDataset: (dataset) => reading(plans, (p) => p.reads.silver.includes(dataset)),
    readersOf: (table) => reading(plans, (p) => p.reads.gold.includes(table)),
  };
}

/** The plans `reads` holds for, and those reading them through other gold tables: plans come in dependency order. */
function reading(plans: readonly GoldPlan[], reads: (p: GoldPlan) => boolean): GoldPlan[] {
  const hit = new Set<string>();
  for (const p of plans) {
    if (reads(p) || p.reads.gold.some((g) => hit.has(g))) hit.add(p.table);
  }
  return plans.filter((p) => hit.has(p.table));
}

export function planSet(plans: readonly DatasetPlan[]): PlanSet {
  const byName = new Map(plans.map((p) => [p.dataset, p]));
  return {
    get(dataset) {
      const p = byName.get(dataset);
      if (!p) {
        const guess = closest(dataset, [...byName.keys()]);
        throw new StrataError(ERRORS.UnknownDataset, `no schema defines dataset "${dataset}"${guess ? `: did you mean "${guess}"?` : ''} (known: ${[...byName.keys()].join(', ') || 'none'})`);
      }
      return p;
    },
    list: () => [...byName.values()],
  };
}
