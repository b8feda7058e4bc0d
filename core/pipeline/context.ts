// What a pipeline step needs from the world: the ports and the compiled plans. Built once per process
// (a Lambda container, or the local CLI) and passed to every step.
import type { Catalog } from '../catalog/port.ts';
import type { DuckOptions } from '../engine/duckdb.ts';
import { ERRORS, StrataError } from '../errors.ts';
import type { DatasetPlan } from '../plan/compile.ts';
import type { Storage } from '../storage/port.ts';

export interface PlanSet {
  get(dataset: string): DatasetPlan;
  list(): DatasetPlan[];
}

export interface PipelineContext {
  storage: Storage;
  catalog: Catalog;
  plans: PlanSet;
  duck?: DuckOptions;
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
