// How big each step is, from what it does. One place for everything that follows from it: the Lambda function's
// memory, /tmp and timeout (stacks/pipeline.ts), the Task's timeout (workflows/asl.ts), DuckDB's memory limit in the
// function (its environment) and in the local executor (workflows/local.ts), and the limit an out-of-memory or
// timeout failure names (runtime/pipeline/limits.ts). Pure: plans in, numbers out.
import type { DatasetPlan } from './compile.ts';
import type { StepName } from './steps.ts';

/**
 * What a step does, which decides its size:
 *   duckdb — downloads a batch to /tmp and reads or rewrites it in DuckDB (which may spill to /tmp): sized from the
 *            schema's `lambda:` settings;
 *   light  — moves objects, catalog entries and run records, never opens DuckDB (the local executor refuses DuckDB
 *            to these steps, so a step that starts using it fails locally until it is sized here).
 */
export const STEP_WORK: Readonly<Record<StepName, 'duckdb' | 'light'>> = {
  stage: 'duckdb',
  quality: 'duckdb',
  // Halting and rejecting rewrite the whole staged batch into quarantine (runtime/pipeline/quarantine-batch.ts).
  halt: 'duckdb',
  reject: 'duckdb',
  commit: 'duckdb',
  gold: 'duckdb',
  // Compaction reads a partition's files and writes them again (runtime/table/compact.ts).
  compact: 'duckdb',
  register: 'light',
  record: 'light',
  fail: 'light',
};

/** DuckDB steps without `lambda:` settings: 1,769 MB is one full vCPU in Lambda; 900 s is Lambda's maximum. */
export const DUCKDB_DEFAULTS = { memoryMb: 1769, ephemeralStorageMb: 2048, timeoutSeconds: 900 } as const;
export const LIGHT_SIZE = { memoryMb: 512, ephemeralStorageMb: 512 } as const;
/** Light steps' timeouts: a catalog sync of many partitions (register), a record. */
export const LIGHT_TIMEOUT_SECONDS: Readonly<Record<string, number>> = { register: 300, record: 120, fail: 120 };
/**
 * A Task waits this much longer than its function may run: Lambda's own timeout error (which says which limit was
 * hit) then arrives first, and an execution never moves on while a step still writes.
 */
export const TASK_MARGIN_SECONDS = 10;
/** Share of the function's memory DuckDB may use; the rest is Node, the AWS SDK and transfer buffers. */
export const DUCKDB_MEMORY_SHARE = 0.45;
/**
 * Share of the function's /tmp DuckDB may spill into (its max_temp_directory_size). The rest holds the files the step
 * downloads and writes there itself (the batch, the Parquet it stages, a gold refresh's inputs and output), so a spill
 * that would fill /tmp stops at DuckDB's own quota error first: an error that names max_temp_directory_size, which a
 * run reports as the /tmp limit and lambda.ephemeralStorageMb (runtime/pipeline/limits.ts), not a half-written file.
 */
export const DUCKDB_TEMP_SHARE = 0.5;

export interface StepSizing {
  step: StepName;
  work: 'duckdb' | 'light';
  /** Lambda memory (MB): `lambda.memory` for DuckDB steps. */
  memoryMb: number;
  /** Lambda /tmp (MB): `lambda.ephemeralStorageMb` for DuckDB steps. */
  ephemeralStorageMb: number;
  /** The function's timeout (s, at most 900): `lambda.timeoutSeconds` for DuckDB steps. */
  timeoutSeconds: number;
  /** The Task state's TimeoutSeconds: the function's plus TASK_MARGIN_SECONDS. */
  taskTimeoutSeconds: number;
  /** DuckDB's memory_limit (MB) for DuckDB steps, always below memoryMb; absent for light steps. */
  duckdbMemoryMb?: number;
  /** DuckDB's max_temp_directory_size (MB) for DuckDB steps: DUCKDB_TEMP_SHARE of ephemeralStorageMb; absent for light steps. */
  duckdbTempMb?: number;
}

/** The size of one step of a dataset (throws for a step name that is not in STEP_WORK). */
export function stepSizing(plan: Pick<DatasetPlan, 'lambda'>, step: StepName): StepSizing {
  const work = STEP_WORK[step];
  if (!work) throw new Error(`step ${step} has no sizing in core/plan/sizing.ts`);
  if (work === 'light') {
    const timeoutSeconds = LIGHT_TIMEOUT_SECONDS[step] ?? 300;
    return { step, work, ...LIGHT_SIZE, timeoutSeconds, taskTimeoutSeconds: timeoutSeconds + TASK_MARGIN_SECONDS };
  }
  const memoryMb = plan.lambda.memory ?? DUCKDB_DEFAULTS.memoryMb;
  const timeoutSeconds = plan.lambda.timeoutSeconds ?? DUCKDB_DEFAULTS.timeoutSeconds;
  const ephemeralStorageMb = plan.lambda.ephemeralStorageMb ?? DUCKDB_DEFAULTS.ephemeralStorageMb;
  return {
    step, work, memoryMb, ephemeralStorageMb,
    timeoutSeconds,
    taskTimeoutSeconds: timeoutSeconds + TASK_MARGIN_SECONDS,
    duckdbMemoryMb: duckdbMemoryMb(memoryMb),
    duckdbTempMb: Math.floor(ephemeralStorageMb * DUCKDB_TEMP_SHARE),
  };
}

/**
 * The largest source file (bytes) a run takes: the part of the stage step's /tmp that is not DuckDB's spill,
 * (ephemeralStorageMb − duckdbTempMb) MiB; 1,073,741,824 bytes with the defaults (2048 MB of /tmp). In Lambda the
 * stage step downloads the object into /tmp (runtime/storage/s3.ts withSourceFile) beside DuckDB's spill, which may
 * take DUCKDB_TEMP_SHARE of it (AWS Lambda Developer Guide, "Configure ephemeral storage": /tmp is 512–10,240 MB). A
 * larger file cannot be downloaded whatever it holds, so the run refuses it before any work, locally as in AWS. A file
 * below it may still reach the memory or the spill quota (the README's file-size envelope).
 */
export function largestSourceBytes(plan: Pick<DatasetPlan, 'lambda'>): number {
  return tmpFileBytes(plan, 'stage');
}

/**
 * Bytes of /tmp a DuckDB step's function has for the files it downloads and writes itself: (ephemeralStorageMb −
 * duckdbTempMb) MiB, the part that is not DuckDB's spill (DUCKDB_TEMP_SHARE); 1,073,741,824 bytes with the defaults.
 * The stage step's is largestSourceBytes; a commit or a compaction that rewrites a partition downloads its files and
 * writes the new version beside them (runtime/pipeline/limits.ts rewriteOverEnvelope). Throws for a light step.
 */
export function tmpFileBytes(plan: Pick<DatasetPlan, 'lambda'>, step: StepName): number {
  const s = stepSizing(plan, step);
  if (s.duckdbTempMb === undefined) throw new Error(`step ${step} is a light step: it keeps no files in /tmp`);
  return (s.ephemeralStorageMb - s.duckdbTempMb) * 1024 * 1024;
}

/** DuckDB's share of a function's memory (MB): 45%, at least 64 MB, always less than the function has (≥ 128 MB). */
export function duckdbMemoryMb(functionMemoryMb: number): number {
  return Math.min(functionMemoryMb - 64, Math.max(64, Math.floor(functionMemoryMb * DUCKDB_MEMORY_SHARE)));
}

/** The schema settings behind each limit, as a data engineer writes them (for error messages). */
export const LIMIT_SETTINGS = { memory: 'lambda.memory', timeout: 'lambda.timeoutSeconds', tmp: 'lambda.ephemeralStorageMb' } as const;
