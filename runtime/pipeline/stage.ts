// Step 1: validate a bronze object into staging. Nothing here is visible to readers; the commit step decides.
import { withDuck } from '../engine/duckdb.ts';
import { validatedBytes, validateFile, type ValidateResult } from '../ingest/validate-file.ts';
import { hashOf } from '../../core/plan/compile.ts';
import { layout } from '../../core/plan/layout.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { committedContent, committedSource, readManifest } from '../table/store.ts';
import { refuseUnevolvable, type SourceEntry } from '../table/manifest.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { priorKeysOf } from '../ingest/prior-keys.ts';
import { recordStaging } from '../table/staging.ts';
import { fileOverEnvelope } from './limits.ts';
import type { TableManifest } from '../table/manifest.ts';
import type { PipelineContext } from './context.ts';
import { payloadMessage, type RunInput, type StageOutput } from './payloads.ts';

/** The full staging result, kept in storage next to the staged files. */
export interface StageManifest extends ValidateResult {
  dataset: string;
  runId: string;
  sourceId: string;
  source: StageOutput['source'];
  stagingPrefix: string;
  now: string;
  /**
   * Append with a primary key: the partition versions (path → location) whose keys the batch was checked against.
   * The commit checks the keys of versions committed since (runtime/pipeline/commit.ts).
   */
  keysCheckedAgainst?: Record<string, string>;
}

/**
 * A source: an object's key and the content id of its bytes (SHA-256, runtime/storage/content-id.ts). Not its ETag,
 * which differs between uploads of identical bytes under SSE-KMS and with the part size of a multipart upload.
 * (The field keeps its name `etag`: locally it always held the content id, so local manifests keep their sources.)
 */
export function sourceIdOf(key: string, contentId: string): string {
  return hashOf({ key, etag: contentId });
}

export async function stage(ctx: PipelineContext, input: RunInput): Promise<StageOutput> {
  const started = Date.now();
  const plan = ctx.plans.get(input.dataset);
  const { storage } = ctx;
  if (!input.source.key.startsWith(plan.prefixes.bronze)) {
    throw new StrataError(ERRORS.InvalidInput, `${input.source.key} is not under ${plan.prefixes.bronze}`);
  }
  // staging/<dataset>/_strata/ holds the records of its staging folders (layout.stagingRecord): no run is named so.
  if (input.runId.startsWith('_')) throw new StrataError(ERRORS.InvalidInput, `run id ${JSON.stringify(input.runId)} begins with "_": run ids name staging folders, and staging/${plan.dataset}/_strata/ is strata's own`);
  const stagingPrefix = layout.staging(plan.dataset, input.runId);
  const stageKey = `${stagingPrefix}stage.json`;
  const { manifest } = await readManifest(storage, plan.prefixes.silver, plan);
  // A schema the table cannot evolve to is refused before any work, as the commit would refuse it: not after the file
  // was validated and gated, its rows then in neither silver nor quarantine (newcomer trial, stop 36); and not skipped
  // as already ingested either, whose resync would register the refused schema (third attack, stop 36).
  refuseUnevolvable(manifest, plan);

  // Exactly the object version the run was started for, and the content id of its bytes, computed as they are read
  // (S3: while downloading; locally `strata ingest` computed it while copying). The content id decides whether the
  // object is already in silver, before any DuckDB work.
  const { versionId, etag, contentId } = input.source;
  // Larger than the function's /tmp can hold beside DuckDB's spill: refused before any download or DuckDB work.
  const bytes = input.source.size ?? (await storage.head(input.source.key))?.size;
  const over = bytes === undefined ? undefined : fileOverEnvelope(plan, input.source.key, bytes);
  if (over) throw new StrataError(ERRORS.InvalidInput, over);
  return storage.withSourceFile(input.source.key, { ...(versionId ? { versionId } : {}), ...(etag ? { etag } : {}), ...(contentId ? { contentId } : {}) }, async (file) => {
    const source = { key: input.source.key, etag: etag ?? file.contentId, size: file.size, ...(versionId ? { versionId } : {}), contentId: file.contentId };
    const sourceId = sourceIdOf(source.key, file.contentId);
    const base = { dataset: plan.dataset, runId: input.runId, sourceId, source, stageKey };
    const prior = await committedSource(storage, plan.prefixes.silver, manifest, sourceId);
    if (prior) {
      return { ...base, alreadyIngested: true, committedBy: prior.runId, rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, rowsSuperseded: 0,
        rejectRatio: 0, schemaMismatch: false, partitions: 0, warnings: [`${source.key} was already committed by run ${prior.runId}; nothing changed`],
        fileProblems: [], topReasons: [], ms: Date.now() - started };
    }

    const priorKeys = priorKeysOf(plan, manifest, (keys, fn) => storage.withLocalFiles(keys, fn), async (key) => {
      const { manifest: now } = await readManifest(storage, plan.prefixes.silver, plan);
      return Object.values(now.partitions).some((p) => p.files.includes(key));
    });
    await recordStaging(storage, stagingPrefix);
    const result = await storage.writeTree(stagingPrefix, (dir) =>
      withDuck((db) => validateFile({ db, plan, path: file.path, key: source.key, runId: input.runId, now: input.now, outDir: dir, ...(priorKeys ? { priorKeys } : {}) }), ctx.duck),
      // DuckDB's RETURN_STATS named the files written (v.files), and their bytes, which count in the step's /tmp.
      // So are the copy of the file it read from, when it made one, and its quarantined and superseded rows' files.
      { list: false, bytes: validatedBytes });
    const v = result.result;
    const twin = sameContent(await committedContent(storage, plan.prefixes.silver, manifest, source.contentId, source.key), source, plan, manifest);
    if (twin) v.warnings.unshift(twin);
    const staged: StageManifest = {
      ...v, dataset: plan.dataset, runId: input.runId, sourceId, source, stagingPrefix, now: input.now,
      ...(plan.mode === 'append' && plan.primaryKey.length ? { keysCheckedAgainst: Object.fromEntries(Object.values(manifest.partitions).map((p) => [p.path, p.location])) } : {}),
    };
    await storage.writeText(stageKey, JSON.stringify(staged));
    const partitions = new Set(v.files.map((f) => JSON.stringify(f.values))).size;
    return {
      ...base,
      alreadyIngested: false,
      rowsIn: v.rowsIn,
      rowsValid: v.rowsValid,
      rowsQuarantined: v.rowsQuarantined,
      rowsSuperseded: v.rowsSuperseded,
      rejectRatio: v.rowsIn === 0 ? 0 : v.rowsQuarantined / v.rowsIn,
      schemaMismatch: v.fileProblems.length > 0,
      partitions,
      // Counted and cut (payloadMessage): a message may quote a value of any length; stage.json keeps them whole.
      warnings: v.warnings.slice(0, 20).map(payloadMessage),
      fileProblems: v.fileProblems.slice(0, 20).map(payloadMessage),
      topReasons: v.reasons.slice(0, 10).map((r) => ({ ...r, message: payloadMessage(r.message) })),
      reasonKinds: v.reasons.length,
      ms: Date.now() - started,
    };
  });
}

/**
 * A warning when the table already holds an object with the same content under another key, `twin` (sent twice under
 * two names). Upsert: the last file ingested wins, so when commits came after the twin's, its rows take back the
 * values they had then (the words said 'replace the same rows' while a newer value of a key was overwritten by the
 * older one: newcomer's trial, stop 44).
 */
function sameContent(twin: SourceEntry | undefined, source: { key: string; contentId: string }, plan: DatasetPlan, manifest: TableManifest): string | undefined {
  if (!twin) return undefined;
  // The twin's commit moved into an archive by gc is older than every entry left.
  const at = manifest.history.find((x) => x.runId === twin.runId && x.kind === 'commit')?.version ?? -Infinity;
  const since = manifest.history.filter((h) => h.kind === 'commit' && h.version > at).length;
  const effect = plan.mode === 'upsert'
    ? since
      ? `its rows replace the rows of their keys with the values they had in ${twin.key}: whatever the ${since === 1 ? 'commit' : `${since} commits`} since changed in those keys is undone (upsert: the last file ingested wins)`
      : 'its rows replace the same rows with the same values'
    : plan.primaryKey.length ? 'its keys are in silver already, so its rows go to quarantine' : 'its rows are appended again';
  return `${source.key} has the same content as ${twin.key}, committed by run ${twin.runId}: ${effect}`;
}

export async function readStageManifest(ctx: PipelineContext, stageKey: string): Promise<StageManifest> {
  const text = await ctx.storage.readText(stageKey);
  if (!text) throw new StrataError(ERRORS.Internal, `staging result ${stageKey} is missing (was staging cleaned up?)`);
  return JSON.parse(text) as StageManifest;
}
