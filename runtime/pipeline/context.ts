// What a pipeline step needs from the world: the ports and the compiled plans. Built once per process
// (a Lambda container, or the local CLI) and passed to every step.
import type { Catalog } from '../catalog/port.ts';
import type { DuckOptions } from '../engine/duckdb.ts';
import type { AthenaNames } from '../../core/gold/athena.ts';
import type { GoldSet, PlanSet } from '../../core/plan/sets.ts';
import type { Storage } from '../storage/port.ts';

/** Athena for gold tables with `engine: athena` (AWS only; locally those tables run on DuckDB). */
export interface AthenaEngine {
  /** Run one statement to completion and return its rows (runtime/engine/athena.ts AthenaQueryRunner). */
  run: (sql: string) => Promise<Array<Record<string, unknown>>>;
  /** The same for DQDL rules: a REAL cell as a Binary32 (runtime/aws/athena-values.ts metricRows); run where absent. */
  metrics?: (sql: string) => Promise<Array<Record<string, unknown>>>;
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

