// strata ingest, locally: put the file in bronze, then execute the dataset's state machine with the local
// interpreter. There is no other path to silver.
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { ERRORS, StrataError } from '../core/errors.ts';
import { BRONZE_OBJECTS, layout } from '../core/plan/layout.ts';
import type { RunInput } from '../runtime/pipeline/payloads.ts';
import { catalogCatchUp } from '../runtime/pipeline/record.ts';
import type { RunRecord } from '../runtime/runs/record.ts';
import { changesBy } from '../runtime/table/manifest.ts';
import { readManifest } from '../runtime/table/store.ts';
import { fault } from '../runtime/util/fault.ts';
import { renderAsl } from './asl.ts';
import { goldTablesFor } from './gold-order.ts';
import type { LocalLake } from './lake.ts';
import { compactAfterRun, type LocalCompaction } from './compact-local.ts';
import { executeLocal, type LocalExecution, type LocalRunOptions } from './local.ts';
import { DATA_LIMIT_EXCEEDED } from './quotas.ts';
import { newRunId } from './run-id.ts';

export { newRunId } from './run-id.ts';

export interface IngestOptions {
  /** Evaluation clock (ISO), default now. */
  now?: string;
  wrap?: LocalRunOptions['wrap'];
  retryIntervalMs?: number;
  runId?: string;
  onEvent?: LocalRunOptions['onEvent'];
  /** Content id of the object when the caller computed it writing the object (`strata ingest` hashes while copying). */
  contentId?: string;
  /** The object's name under bronze/<dataset>/ (default: the file's base name). */
  name?: string;
  /** After a run that succeeded, compact what the dataset's compaction policy finds due (default true). */
  compact?: boolean;
}

export interface IngestResult {
  record: RunRecord;
  execution: LocalExecution;
  /** The compactions that followed the run (locally the post-run action that stands for AWS's schedules). */
  compactions?: LocalCompaction[];
}

/**
 * Keep a file as a new bronze object (bronze/<dataset>/_objects/<content id>/<name>, keeping its mtime) and ingest
 * it. Nothing in bronze is ever replaced: two files of one name are two objects, so each run reads exactly the bytes
 * it was given, and its quarantine rows name an object that keeps those bytes.
 */
export async function ingestFile(lake: LocalLake, dataset: string, file: string, opts: IngestOptions = {}): Promise<IngestResult> {
  lake.ctx.plans.get(dataset);
  const own = ownBronze(lake, dataset, file);
  // A bronze object of the lake itself (the path strata doctor names): that object, whose source silver may hold.
  if (own?.key) return ingestKey(lake, dataset, own.key, opts);
  const { key, contentId } = await keepBronzeObject(lake, dataset, file, opts.name ?? own?.name ?? basename(file));
  fault('bronze.copied');
  return ingestKey(lake, dataset, key, { ...opts, contentId });
}

/**
 * Where `file` lies in the lake's own bronze/<dataset>/: under _objects/, the object's `key`, ingested as it is; a
 * file elsewhere in it, its `name` there (folders included), the name `strata dev` keeps it under. undefined for a
 * file outside it. A path strata doctor gives back (bronze/<dataset>/_objects/<id>/2026/12/07/07/<name>, as `strata
 * put` and `strata dev` keep objects) was copied to a new object named by its base name, whose source silver did not
 * hold: its rows were appended again, where doctor had said the ingest would be SKIPPED (an attack, stop 53).
 */
function ownBronze(lake: LocalLake, dataset: string, file: string): { key?: string; name?: string } | undefined {
  const bronze = resolve(lake.dir, layout.bronze(dataset));
  const at = relative(bronze, resolve(file));
  if (!at || at.startsWith('..') || isAbsolute(at)) return undefined;
  const parts = at.split(sep);
  if (parts[0] === BRONZE_OBJECTS) return parts.length > 2 ? { key: `${layout.bronze(dataset)}${parts.join('/')}` } : undefined;
  return { name: parts.join('/') };
}

/** What no object key of the lake holds (keepBronzeObject): a backslash, NUL, other control characters, line separators. */
const NOT_IN_KEYS = /[\\\0-\x1f\x7f-\x9f\u2028\u2029]/;

/**
 * Keep a file as the bronze object bronze/<dataset>/_objects/<content id>/<name> (`name` may hold folders), never
 * replacing one. `strata dev` leaves that folder alone: an object kept there is ingested by whoever kept it, once.
 */
export async function keepBronzeObject(lake: LocalLake, dataset: string, file: string, name: string): Promise<{ key: string; contentId: string }> {
  // A name no storage key can hold: the run failed with "invalid storage key" and no way back (an attack, stop 57).
  // (Control characters too: a line end in a name went into the bronze key, and every message that names it: stop 58.)
  const bad = NOT_IN_KEYS.exec(name);
  if (bad) {
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const what = bad[0] === '\\' ? 'a backslash' : bad[0] === '\0' ? 'a NUL character' : `a control character (${code})`;
    throw new StrataError(ERRORS.InvalidInput, `${file}: its name holds ${what}, which no object key of the lake holds (keys are /-separated; strata refuses "\\", NUL and control characters in them): `
      + `rename the file (e.g. ${JSON.stringify(name.replace(new RegExp(NOT_IN_KEYS, 'g'), '_'))}) and ingest it again`);
  }
  const { key, contentId } = await lake.storage.putImmutable((id) => layout.bronzeObject(dataset, id, name), file, `${layout.bronze(dataset)}${BRONZE_OBJECTS}/`);
  return { key, contentId };
}

/** Ingest an object already in bronze (what an S3 event does in AWS, and what `strata dev` does locally). */
export async function ingestKey(lake: LocalLake, dataset: string, key: string, opts: IngestOptions = {}): Promise<IngestResult> {
  const plan = lake.ctx.plans.get(dataset);
  const started = new Date();
  const runId = opts.runId ?? newRunId(started);
  // What an S3 event carries (functions/trigger.ts): the key and the object's size (a run that fails before reading
  // the object records it); locally the content id stands for its ETag.
  const size = (await lake.storage.head(key))?.size;
  const input: RunInput = {
    dataset, runId, source: { key, ...(opts.contentId ? { contentId: opts.contentId } : {}), ...(size !== undefined ? { size } : {}) },
    now: opts.now ?? started.toISOString(), startedAt: started.toISOString(),
  };
  const asl = renderAsl(plan, { goldTables: goldTablesFor(lake.gold, dataset) });
  lake.catalog.prewarm(); // the run ends by catching catalog.duckdb up
  const execution = await executeLocal(asl, input, {
    ctx: lake.ctx, name: runId,
    ...(opts.wrap ? { wrap: opts.wrap } : {}),
    ...(opts.retryIntervalMs !== undefined ? { retryIntervalMs: opts.retryIntervalMs } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  const record = await attachExecution(lake, dataset, runId, execution, input);
  const compactions = opts.compact !== false && record.status === 'SUCCEEDED' ? await compactAfterRun(lake, dataset) : [];
  return { record, execution, ...(compactions.length ? { compactions } : {}) };
}

/**
 * Keep the execution history with the run record (the recorder step cannot see it from inside the execution).
 *
 * Every path of the state machine ends in a step that writes the record (workflows/asl.ts: each Task catches into
 * RecordFailure), so a run without one is either a recorder that failed itself (RecordFailure entered and still no
 * record, a full disk say: then what is known is written here, and the record says so; the silver commit stands if
 * the commit step finished), or a state without that Catch, or an error no Catch matches (States.DataLimitExceeded:
 * a payload over Step Functions' quota, workflows/quotas.ts). Those are defects that AWS would show as a run with no
 * record at all: they are raised here, never papered over. When the record cannot be written at all, the caller
 * still gets it, with that warning.
 */
async function attachExecution(lake: LocalLake, dataset: string, runId: string, ex: LocalExecution, input: RunInput): Promise<RunRecord> {
  const key = layout.run(dataset, runId);
  const text = await lake.storage.readText(key);
  const recorderFailed = ex.path.includes('RecordFailure');
  if (!text && !recorderFailed && ex.error?.name === DATA_LIMIT_EXCEEDED) {
    throw new StrataError(ERRORS.Internal, `run ${runId} of ${dataset} stopped in state ${ex.path.at(-1) ?? '(none)'}: ${ex.error.cause}. `
      + `Step Functions fails such a state with ${DATA_LIMIT_EXCEEDED}, which no Catch matches, so in AWS the run would leave no record`);
  }
  if (!text && !recorderFailed) {
    throw new StrataError(ERRORS.Internal, `run ${runId} of ${dataset} ended ${ex.status} in state ${ex.path.at(-1) ?? '(none)'} without a run record and without `
      + `reaching RecordFailure: that state has no Catch to it (workflows/asl.ts), so in AWS the run would leave no record`
      + `${ex.error ? ` (${ex.error.name}: ${ex.error.cause})` : ''}`);
  }
  // For a run without a record: whether its commit stands is the manifest's to say (read only then). The state after
  // CommitSilver is no answer since a refused commit goes on to CommitConflict (a run refused at every attempt was
  // recorded SUCCEEDED, "the silver commit stands", with nothing in silver: an attack, stop 53). Only when the manifest
  // cannot be read, the path's.
  const plan = lake.ctx.plans.get(dataset);
  const committed = !text && ex.path.includes('CommitSilver') && await readManifest(lake.storage, plan.prefixes.silver, plan).then(
    ({ manifest }) => changesBy(manifest, runId, 'commit') !== undefined,
    () => ex.path[ex.path.lastIndexOf('CommitSilver') + 1] === 'RegisterSilver',
  );
  const error = ex.error ? { name: ex.error.name, message: ex.error.cause } : { name: ERRORS.Internal, message: 'the execution left no run record' };
  const record: RunRecord = text ? JSON.parse(text) : {
    runId, dataset, status: committed ? 'SUCCEEDED' : 'FAILED', source: { key: input.source.key, etag: '', size: 0, sourceId: '' },
    startedAt: input.startedAt, finishedAt: new Date().toISOString(), durationMs: 0, rowsIn: 0, rowsValid: 0,
    rowsQuarantined: 0, rowsSuperseded: 0, partitions: [], timings: [], reasons: [],
    warnings: [
      ...(committed ? [`the silver commit stands, but the run could not record itself (${error.name}: ${error.message}); its counts are not known`] : []),
      'written by the local executor: the recorder step (RecordFailure) failed itself; in AWS this run would have no record',
    ],
    ...(committed ? {} : { error }),
  };
  record.execution = { engine: 'local', name: runId, path: ex.path, events: ex.events };
  try {
    await lake.storage.writeText(key, JSON.stringify(record, null, 2));
  } catch (e) {
    record.warnings.push(`the run record could not be written to ${lake.storage.uri(key)}: ${(e as Error).message}`);
    return record;
  }
  if (await catalogCatchUp(lake.catalog, record)) await lake.storage.writeText(key, JSON.stringify(record, null, 2)).catch(() => undefined);
  return record;
}
