// A run that hit a limit of its functions says which limit, its value and the schema setting that raises it.
// Such failures are not retried (workflows/asl.ts TRANSIENT_ERRORS): the same file would hit the same limit again.
//
// How they arrive (AWS: "Handle Lambda service exceptions" in the Step Functions guide; Lambda's troubleshooting
// pages): a function killed for memory or time is reported by Step Functions as Lambda.Unknown, its Cause carrying
// Lambda's error (errorType Runtime.OutOfMemory / Runtime.ExitError "signal: killed", or Sandbox.Timedout / "Task
// timed out after N seconds"); DuckDB over its memory_limit throws "Out of Memory Error" (or "could not allocate block of size", when the buffer manager cannot evict); a full /tmp is ENOSPC
// ("No space left on device") from Node or DuckDB. The last two reach the run as Strata.Internal.
import { largestSourceBytes, LIMIT_SETTINGS, STEP_WORK, stepSizing, tmpFileBytes } from '../../core/plan/sizing.ts';
import { schemaFileOf, type DatasetPlan } from '../../core/plan/compile.ts';
import type { StepName } from '../../core/plan/steps.ts';
import { thousands } from '../../core/text.ts';

export type LimitKind = 'memory' | 'timeout' | 'tmp';

/** Which limit an error (name and message as recorded) reports, if any. */
export function limitHit(name: string, message: string): LimitKind | undefined {
  // "failed to offload data block": memory full and the spill past its quota (a 1.2 GB CSV gzipped to 1.9 MB).
  if (/ENOSPC|No space left on device|max_temp_directory_size|failed to offload data block/i.test(message)) return 'tmp';
  if (/Out of Memory Error|could not allocate block of size|Runtime\.OutOfMemory|JavaScript heap out of memory|signal: killed/i.test(message)) return 'memory';
  if (/Sandbox\.Timedout|Task timed out after/i.test(message) || name === 'States.Timeout') return 'timeout';
  return undefined;
}

/** Columns from which a dataset's memory is its columns' more than its rows' (explainLimit's advice). */
const WIDE_COLUMNS = 200;

/** Lambda's own ceilings for the settings (MB, s). */
const MAXIMUM = { memory: 10240, timeout: 900, tmp: 10240 } as const;

/**
 * The message of a failed run, followed by what to change when it hit a limit. The limits named are those of the
 * dataset's DuckDB steps (stage, quality, halt, reject, commit, gold): the steps that hold data, and the only ones the
 * schema sizes (core/plan/sizing.ts). `committed`: the run's commit stood, so the file is not to be uploaded again.
 */
export function explainLimit(plan: Pick<DatasetPlan, 'dataset' | 'lambda'> & Partial<Pick<DatasetPlan, 'columns' | 'schemaFile'>>, name: string, message: string, committed = false): string {
  const kind = limitHit(name, message);
  if (!kind) return message;
  // The steps of an ingest run (compact runs in the compaction state machine, whose failures are not run records).
  const heavy = (Object.keys(STEP_WORK) as StepName[]).filter((s) => STEP_WORK[s] === 'duckdb' && s !== 'compact');
  const size = stepSizing(plan, heavy[0]!);
  const file = schemaFileOf(plan);
  const setting = LIMIT_SETTINGS[kind];
  const [what, value, current] = kind === 'memory'
    ? ['ran out of memory', `${size.memoryMb} MB, of which DuckDB may use ${size.duckdbMemoryMb} MB`, size.memoryMb]
    : kind === 'timeout'
      ? ['ran out of time', `${size.timeoutSeconds} s`, size.timeoutSeconds]
      : ['filled its /tmp', `${size.ephemeralStorageMb} MB`, size.ephemeralStorageMb];
  // A wide dataset's memory goes to its columns (DuckDB reads and writes column by column, each with its buffers)
  // whatever the file's rows: fewer rows per file may not help, so splitting the file is not the first way out.
  const wide = kind === 'memory' && (plan.columns?.length ?? 0) >= WIDE_COLUMNS ? plan.columns!.length : 0;
  const split = wide ? ` (each of its ${wide} columns takes memory whatever the number of rows: a smaller file may not fit either)` : ', or split the file into smaller ones';
  const fix = current >= MAXIMUM[kind]
    ? `${setting} is at Lambda's maximum (${MAXIMUM[kind]}): split the file into smaller ones${wide ? `, or the dataset into datasets of fewer columns` : ''}`
    : `raise ${setting} in ${file} (now ${current}, at most ${MAXIMUM[kind]})${split}`;
  // DuckDB's words after its first line (its advice to its own users: SET threads, SET memory_limit, PRAGMA
  // max_temp_directory_size, a link; or the SQL it was running, LINE 1: …) are not a run's: the settings it names are
  // strata's to choose, and the way out is the one below.
  const engine = message.split('\n')[0]!;
  // (After the run's commit stood, the file is the table's: uploaded again it is SKIPPED. What brings the rest up to
  // date is said by the record around this: an attack, stop 58.)
  return `${engine}\n${plan.dataset}: a step ${what} (the DuckDB steps ${heavy.join(', ')} have ${value}; ${setting}). Not retried: the same file would hit the same limit. Fix: ${fix}${committed ? '' : ', then upload the file again'}.`;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;

/**
 * The message refusing a source file over the largest a run takes (core/plan/sizing.ts largestSourceBytes), or
 * undefined when it fits. Names the object, both sizes (bytes and MB of 2^20 bytes), the setting behind the limit and
 * the way out; a run refused so has read nothing.
 */
export function fileOverEnvelope(plan: Pick<DatasetPlan, 'dataset' | 'lambda'> & Partial<Pick<DatasetPlan, 'schemaFile'>>, key: string, bytes: number): string | undefined {
  const limit = largestSourceBytes(plan);
  if (bytes <= limit) return undefined;
  const tmp = stepSizing(plan, 'stage').ephemeralStorageMb;
  const most = largestSourceBytes({ lambda: { ...plan.lambda, ephemeralStorageMb: MAXIMUM.tmp } });
  const fix = bytes > most || tmp >= MAXIMUM.tmp
    ? `split the file into files of at most ${mb(most)}${tmp >= MAXIMUM.tmp ? '' : ` with ${LIMIT_SETTINGS.tmp}: ${MAXIMUM.tmp}`}`
    : `raise ${LIMIT_SETTINGS.tmp} in ${schemaFileOf(plan)} (now ${tmp}, at most ${MAXIMUM.tmp}: files up to ${mb(most)}), or split the file into smaller ones`;
  return `${key} is ${thousands(bytes)} bytes (${mb(bytes)}), over the largest file ${plan.dataset} takes, ${thousands(limit)} bytes (${mb(limit)}): `
    + `the half of the stage step's /tmp (${LIMIT_SETTINGS.tmp}: ${tmp}) that is not DuckDB's spill, where AWS downloads the file. `
    + `Refused before reading it. Fix: ${fix}, then upload again.`;
}

/**
 * The message refusing to rewrite a partition whose files need more of a step's /tmp than its function has for files
 * (core/plan/sizing.ts tmpFileBytes), or undefined when they fit. `bytes`: the files the rewrite reads (the partition's
 * version, and for a commit the batch's files of the partition), as the manifests give them. In AWS the step
 * downloads them into /tmp and writes the new version there beside them, about as many bytes again, so twice `bytes`
 * must fit: the check is arithmetic on the manifests, the same locally, so a rewrite that would fill /tmp in Lambda
 * (a failure naming no partition, after the download) is refused locally too, before any work. Names the table, the
 * partition, the sizes, the setting behind the limit and the way out. `table` as readers name it (silver.orders).
 */
export function rewriteOverEnvelope(plan: Pick<DatasetPlan, 'dataset' | 'lambda'> & Partial<Pick<DatasetPlan, 'schemaFile'>>, step: 'commit' | 'compact', table: string, path: string, bytes: number): string | undefined {
  const limit = tmpFileBytes(plan, step);
  if (2 * bytes <= limit) return undefined;
  const tmp = stepSizing(plan, step).ephemeralStorageMb;
  const most = Math.floor(tmpFileBytes({ lambda: { ...plan.lambda, ephemeralStorageMb: MAXIMUM.tmp } }, step) / 2);
  const finer = `partition ${table} more finely (partitionBy), so that no partition holds more than ${mb(most)}`;
  const fix = bytes > most || tmp >= MAXIMUM.tmp
    ? `${finer}${tmp >= MAXIMUM.tmp ? '' : `, with ${LIMIT_SETTINGS.tmp}: ${MAXIMUM.tmp} in ${schemaFileOf(plan)}`}`
    : `raise ${LIMIT_SETTINGS.tmp} in ${schemaFileOf(plan)} (now ${tmp}, at most ${MAXIMUM.tmp}: partitions up to ${mb(most)}), or ${finer}`;
  return `${table} partition ${path || '(unpartitioned)'} was not rewritten: its files are ${thousands(bytes)} bytes (${mb(bytes)}), and the ${step} step `
    + `downloads them and writes the new version beside them, about ${mb(2 * bytes)} of /tmp, over the ${thousands(limit)} bytes (${mb(limit)}) its `
    + `function has for files: the half of ${LIMIT_SETTINGS.tmp} (${tmp}) that is not DuckDB's spill. Fix: ${fix}.`;
}

/**
 * The message refusing a gold refresh on DuckDB whose inputs need more of the gold step's /tmp than its function has
 * for files (core/plan/sizing.ts tmpFileBytes), or undefined when they fit. `owner`: the dataset whose state machine
 * refreshes the table (its `lambda:` settings size the step); `bytes`: the silver and gold files the refresh reads, as
 * the manifests give them. In Lambda the step downloads them into /tmp and writes the table's new files there too, so
 * the inputs alone must fit: checked from the manifests before any work, locally as in AWS. A table with `engine:
 * athena` reads in Athena and is not checked. Names the table, the sizes, the setting and the ways out.
 */
export function goldReadOverEnvelope(owner: Pick<DatasetPlan, 'dataset' | 'lambda'> & Partial<Pick<DatasetPlan, 'schemaFile'>>, table: string, bytes: number): string | undefined {
  const limit = tmpFileBytes(owner, 'gold');
  if (bytes <= limit) return undefined;
  const tmp = stepSizing(owner, 'gold').ephemeralStorageMb;
  const most = tmpFileBytes({ lambda: { ...owner.lambda, ephemeralStorageMb: MAXIMUM.tmp } }, 'gold');
  const raise = tmp < MAXIMUM.tmp && bytes <= most ? `, raise ${LIMIT_SETTINGS.tmp} in ${schemaFileOf(owner)} (now ${tmp}, at most ${MAXIMUM.tmp}: reads up to ${mb(most)})` : '';
  return `gold table ${table} was not refreshed: it reads ${thousands(bytes)} bytes (${mb(bytes)}) of files, which the gold step of ${owner.dataset} `
    + `downloads into /tmp and writes the table's new files beside, over the ${thousands(limit)} bytes (${mb(limit)}) its function has for files: the half of `
    + `${LIMIT_SETTINGS.tmp} (${tmp}) that is not DuckDB's spill. Fix: give it \`engine: athena\` (the refresh then runs in Athena, which reads S3 itself)${raise}, `
    + 'or refresh it incrementally, so that a run reads only the partitions it changed.';
}

/**
 * The message for a step that would hold `bytes` of files in its function's /tmp at once (the files it downloads, and
 * those it writes before uploading them: runtime/storage/tmp-budget.ts), over the part its function has for files
 * (core/plan/sizing.ts tmpFileBytes). Names the step, both sizes, the setting behind the limit and the way out.
 */
export function tmpOverEnvelope(plan: Pick<DatasetPlan, 'dataset' | 'lambda'> & Partial<Pick<DatasetPlan, 'schemaFile'>>, step: StepName, bytes: number): string {
  const limit = tmpFileBytes(plan, step);
  const tmp = stepSizing(plan, step).ephemeralStorageMb;
  // What it holds may be the file sent or the tables it reads (an append's key check, a gate's reference tables).
  const smaller = 'send smaller files, or partition the tables it reads more finely (partitionBy)';
  const fix = tmp >= MAXIMUM.tmp
    ? `${LIMIT_SETTINGS.tmp} is at Lambda's maximum (${MAXIMUM.tmp}): ${smaller}`
    : `raise ${LIMIT_SETTINGS.tmp} in ${schemaFileOf(plan)} (now ${tmp}, at most ${MAXIMUM.tmp}), or ${smaller}`;
  return `the ${step} step of ${plan.dataset} would hold ${thousands(bytes)} bytes (${mb(bytes)}) of files in /tmp at once (those it downloads, and those it `
    + `writes before uploading them), over the ${thousands(limit)} bytes (${mb(limit)}) its function has for files: the half of ${LIMIT_SETTINGS.tmp} (${tmp}) `
    + `that is not DuckDB's spill. Not retried: the same files would fill it again. Fix: ${fix}.`;
}
