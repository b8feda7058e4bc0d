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
    forDataset(dataset) {
      // plans come in dependency order; a table is refreshed if it reads the dataset or a table refreshed before it.
      const hit = new Set<string>();
      for (const p of plans) {
        if (p.reads.silver.includes(dataset) || p.reads.gold.some((g) => hit.has(g))) hit.add(p.table);
      }
      return plans.filter((p) => hit.has(p.table));
    },
  };
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
