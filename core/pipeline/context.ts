// What a pipeline step needs from the world: the ports and the compiled plans. Built once per process
// (a Lambda container, or the local CLI) and passed to every step.
import type { Catalog } from '../catalog/port.ts';
import type { DuckOptions } from '../engine/duckdb.ts';
import { ERRORS, StrataError } from '../errors.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import type { AthenaNames } from '../gold/athena.ts';
import type { DatasetPlan } from '../plan/compile.ts';
import type { Storage } from '../storage/port.ts';

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

/** Athena for gold tables with `engine: athena` (AWS only; locally those tables run on DuckDB). */
export interface AthenaEngine {
  /** Run one statement to completion and return its rows (core/engine/athena.ts AthenaQueryRunner). */
  run: (sql: string) => Promise<Array<Record<string, unknown>>>;
  names: AthenaNames;
}

export interface PipelineContext {
  storage: Storage;
  catalog: Catalog;
  plans: PlanSet;
  gold: GoldSet;
  duck?: DuckOptions;
  athena?: AthenaEngine;
}

export function goldSet(plans: readonly GoldPlan[]): GoldSet {
  const byName = new Map(plans.map((p) => [p.table, p]));
  return {
    get(table) {
      const p = byName.get(table);
      if (!p) throw new StrataError(ERRORS.UnknownDataset, `no schema defines gold table "${table}"`);
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
      if (!p) throw new StrataError(ERRORS.UnknownDataset, `no schema defines dataset "${dataset}" (known: ${[...byName.keys()].join(', ') || 'none'})`);
      return p;
    },
    list: () => [...byName.values()],
  };
}
