// Step: commit staged rows to silver. Quarantine first (so no committed run can lack its quarantined rows), then
// the new partition versions, then one compare-and-swap of the manifest. Staging is removed afterwards.
import { basename, join } from 'node:path';
import { withDuck, type Duck } from '../engine/duckdb.ts';
import { pathList, pathLit } from '../engine/duckdb.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { partitionPath } from '../../core/plan/partitioning.ts';
import { ident } from '../../core/sql/quote.ts';
import { removeStaging } from '../table/staging.ts';
import { damagedFileMessage, firstDamaged } from '../table/damaged-file.ts';
import { layout } from '../../core/plan/layout.ts';
import { refuseUnevolvable, type PartitionVersion, type TableManifest } from '../table/manifest.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { commitTable, committedSource, fullHistory, readManifest } from '../table/store.ts';
import { PARQUET_CODEC } from '../ingest/validate-file.ts';
import { markPriorKeys } from '../ingest/prior-keys.ts';
import { refuseContradictedClaims, repeatedKeys } from '../schema/silver-constraints.ts';
import type { PipelineContext } from './context.ts';
import type { ObjectInfo } from '../storage/port.ts';
import type { CommitOutput, StageOutput } from './payloads.ts';
import { readStageManifest, type StageManifest } from './stage.ts';
import { plural } from '../../core/text.ts';
import { oneAtATime } from '../util/limit.ts';
import { rewriteOverEnvelope } from './limits.ts';

/**
 * Appends that leave more files than this in a partition rewrite it as one file, unless the dataset has a compaction
 * policy: then the commit only appends and compaction rewrites the partition off the ingest path, into files near
 * its target size (runtime/table/compact.ts).
 */
const COMPACT_AT_FILES = 32;

export interface CommitInput {
  runId: string;
  now: string;
  stage: StageOutput;
}

export function quarantineKey(plan: DatasetPlan, sourceId: string): string {
  return `${plan.prefixes.quarantine}${sourceId}.parquet`;
}

/**
 * Whether `key` is a quarantine file strata writes (quarantineKey: <16 hex digits of the source id>.parquet, directly
 * in the dataset's quarantine folder). Any other file there is not strata's: never registered in quarantine.<dataset>
 * (a foreign Parquet file of another shape failed every read of the table once doctor --repair adopted it: an attack,
 * stop 53) and never deleted.
 */
export function isQuarantineFile(plan: DatasetPlan, key: string): boolean {
  return quarantineSourceId(plan, key) !== undefined;
}

/** The source id a quarantine file is named by (quarantineKey's inverse); undefined for a key that is none (isQuarantineFile). */
export function quarantineSourceId(plan: DatasetPlan, key: string): string | undefined {
  const name = key.startsWith(plan.prefixes.quarantine) ? key.slice(plan.prefixes.quarantine.length) : '';
  return /^[0-9a-f]{16}\.parquet$/.test(name) ? name.slice(0, -'.parquet'.length) : undefined;
}

export async function commitSilver(ctx: PipelineContext, input: CommitInput): Promise<CommitOutput> {
  const started = Date.now();
  const plan = ctx.plans.get(input.stage.dataset);
  // Staging gone: this step ran to its end already and is retried (its Lambda lost its answer). The manifest says
  // whether this run committed; then the commit stands as this run's, else the staging was lost (an error).
  // A first attempt that lost the race to another run ended the same way: the object is that run's.
  let staged: StageManifest;
  try {
    staged = await readStageManifest(ctx, input.stage.stageKey);
  } catch (e) {
    const { manifest } = await readManifest(ctx.storage, plan.prefixes.silver, silverShape(plan));
    const own = commitOf(manifest, input.runId);
    const q = quarantineKey(plan, input.stage.sourceId);
    // The attempt that ran to its end may have died between removing the staging folder and its record.
    const settled = () => removeStaging(ctx.storage, layout.staging(plan.dataset, input.runId));
    if (own) {
      await settled();
      return { ...own, ...(await ctx.storage.head(q) ? { quarantineKey: q } : {}), ms: Date.now() - started };
    }
    const other = await committedSource(ctx.storage, plan.prefixes.silver, manifest, input.stage.sourceId);
    if (!other) throw e;
    await settled();
    return { status: 'already', committedBy: other.runId, version: manifest.version, partitions: 0, ms: Date.now() - started };
  }
  const { storage } = ctx;
  const qKey = staged.quarantineFile ? quarantineKey(plan, staged.sourceId) : undefined;
  // This run's quarantined rows wait beside the quarantine table (its hidden _strata/ folder, outside staging, so a
  // crash loses nothing) until the commit decides which run's rows the object's quarantine file holds: then
  // settleQuarantine publishes the committing run's. Nothing visible changes before the swap, so a refused, failed
  // or losing run leaves quarantine as it found it. A run without quarantined rows leaves a marker saying the
  // object has none once it commits (an earlier rejection's or halt's file, or a concurrent one's, then goes). The
  // committing run's marker stays for the retention window (gcPending): what the object's quarantine file must hold, for any run
  // that races it (a rejection or halt of the same object publishing late puts it back: quarantine-batch.ts).
  // One marker per run: a run staged again (its commit refused: the ASL's CommitConflict) may have had quarantined
  // rows before and none now, or the reverse; the other marker of its earlier attempt is removed first (its stale
  // rows were published, the row in silver and in quarantine too: an attack, stop 53).
  const pending = pendingQuarantine(plan, staged.sourceId, input.runId);
  if (staged.quarantineFile) {
    await storage.delete([pending.none]);
    await storage.copy(`${staged.stagingPrefix}${staged.quarantineFile}`, pending.file);
  } else {
    await storage.delete([pending.file]);
    await storage.writeText(pending.none, '');
  }

  const names = plan.partitions.map((p) => p.name);
  const byPath = new Map<string, { values: Array<string | null>; files: StageManifest['files'] }>();
  for (const f of staged.files) {
    const path = partitionPath(names, f.values);
    const entry = byPath.get(path) ?? { values: f.values, files: [] };
    entry.files.push(f);
    byPath.set(path, entry);
  }
  // Partitions rewritten in DuckDB (an upsert's merge, an inline compaction), one at a time: sixteen at once took as
  // long and twice the memory (16 partitions of 300k rows: 582–769 ms and +122–138 MB against 765–871 ms and +260–277
  // MB, bench/.work), each with the step's whole DuckDB budget.
  const rewrites = oneAtATime({ stopAfterFailure: true });
  const result = await commitTable(storage, {
    root: plan.prefixes.silver,
    shape: { table: plan.dataset, layer: 'silver', schemaHash: plan.schemaHash, partitionKeys: names },
    runId: input.runId,
    // Wall-clock time: retention and rollback windows are about when versions were written, not the rules' clock.
    at: new Date().toISOString(),
    kind: 'commit',
    paths: [...byPath.keys()].sort(),
    // With what the run's record will say of the object: a run that dies before its record is recorded from it (doctor).
    source: { id: staged.sourceId, key: staged.source.key, contentId: staged.source.contentId,
      run: { rowsIn: staged.rowsIn, rowsValid: staged.rowsValid, rowsQuarantined: staged.rowsQuarantined, rowsSuperseded: staged.rowsSuperseded, size: staged.source.size, etag: staged.source.etag } },
    schema: plan.applied,
    guard: async (m) => {
      refuseUnevolvable(m, plan);
      // A key claim the schema file added since the table was last written (a key narrowed, upsert → append) that
      // silver's rows contradict: refused before any file moves (the stage may not read silver's files).
      await refuseContradictedClaims(storage, plan, m, ctx.duck);
      await refuseKeysCommittedSince(ctx, plan, staged, m);
    },
    build: (path, base, prefix) => buildVersion(ctx, plan, staged, path, byPath.get(path)!, base, prefix, input, rewrites),
  });
  // Committed by this run, or by another run of the same object first (which a run killed after its swap may not
  // have settled): the committing run's rows are the object's quarantine file, this run's are dropped if it lost
  // (other attempts' leftovers go at the register step: settlePending). A commit that threw leaves this run's pending
  // file for recordFailure, which settles by what the manifest says.
  const committer = result.status === 'committed' ? input.runId : result.committedBy!;
  if (committer === input.runId) await settleQuarantine(ctx, plan, staged.sourceId, committer, [], staged.quarantineFile ? 'rows' : 'none');
  else await settleQuarantine(ctx, plan, staged.sourceId, committer, [pending.file, pending.none]);
  await removeStaging(storage, staged.stagingPrefix);
  // This very run committed the object already: its step is a retry (Step Functions retries a step whose Lambda did
  // its work and then lost its answer). The commit stands as this run's, with the partitions its history entry names.
  const own = result.status === 'already' && result.committedBy === input.runId ? commitOf(result.manifest, input.runId) : undefined;
  return {
    ...(own ?? {
      status: result.status,
      ...(result.committedBy ? { committedBy: result.committedBy } : {}),
      version: result.manifest.version,
      partitions: result.changes.length,
    }),
    ...(qKey ? { quarantineKey: qKey } : {}),
    ms: Date.now() - started,
  };
}

/** Run `runId`'s commit as the commit step reports it, read back from its history entry; undefined if it made none. */
export function commitOf(m: TableManifest, runId: string): Pick<CommitOutput, 'status' | 'version' | 'partitions'> | undefined {
  const h = m.history.findLast((x) => x.runId === runId && x.kind === 'commit');
  return h && { status: 'committed', version: h.version, partitions: h.collected?.partitions ?? h.changes.length };
}

/** Where a run's quarantined rows for an object wait until its commit is decided (commitSilver). */
export function pendingQuarantine(plan: DatasetPlan, sourceId: string, runId: string): { prefix: string; file: string; none: string } {
  const prefix = `${plan.prefixes.quarantine}_strata/pending/`;
  return { prefix, file: `${prefix}${sourceId}.${runId}.parquet`, none: `${prefix}${sourceId}.${runId}.none` };
}

/**
 * The object's quarantine file after run `committer` committed it: that run's pending rows, or none (an earlier
 * rejection's or halt's file removed: a row is in silver or in quarantine, never both), as the committer's marker
 * says; then `others` (pending files of other attempts at the object: refused, failed, losing, rejected or halted
 * after it; none of them counts) go. The committer's marker stays (strata gc drops it past the retention window), so
 * this is idempotent and gives the same file from any run at any time after the commit (the committer, a loser, a
 * retry, a failed run's record, the register step finishing what a run killed after its swap began, a rejection of
 * the same object that published its batch too late). With the marker gone (collected), the file is left as it is.
 */
export async function settleQuarantine(ctx: PipelineContext, plan: DatasetPlan, sourceId: string, committer: string, others: readonly string[] = [], marker?: 'rows' | 'none'): Promise<void> {
  const { storage } = ctx;
  const own = pendingQuarantine(plan, sourceId, committer);
  const q = quarantineKey(plan, sourceId);
  // `marker`: which marker the committer wrote, when the caller is the committer and knows (no need to look).
  if (marker === 'rows' || (marker === undefined && await storage.head(own.file))) {
    // strata gc may collect it between the head and the copy (past retention): then the file was published long before.
    await storage.copy(own.file, q).catch(async (e: unknown) => { if (await storage.head(own.file)) throw e; });
  } else if (marker === 'none' || (marker === undefined && await storage.head(own.none))) {
    await storage.delete([q]);
  }
  const rest = others.filter((k) => k !== own.file && k !== own.none);
  if (rest.length) await storage.delete(rest);
}

/**
 * The runs whose commits a rollback took out of the table (history entries' `forgot`) and whose rows are not the
 * table's now (no source of the manifest is theirs): a run forgotten, its object committed again by another run and
 * forgotten again, stays undone; a run a later rollback brought back is not (an attack on a first version, which kept
 * one run per object). The entries gc collects keep those runs (`undid`), and those it archives leave them in the
 * manifest (`undone`): a rollback older than the retention window made its runs count as history again (noticed in
 * stop 46); gc records only runs whose rows were out of the table then, and none can come back after.
 */
export function undoneRuns(m: TableManifest): Set<string> {
  const standing = new Set(Object.values(m.sources).map((s) => s.runId));
  const undid = [...(m.undone ?? []), ...m.history.flatMap((h) => [...Object.values(h.forgot ?? {}).map((e) => e.runId), ...(h.undid ?? [])])];
  return new Set(undid.filter((r) => !standing.has(r)));
}

/**
 * The runs that committed an object to the table (its history's `commit` entries): their pending files are markers,
 * what an object's quarantine file holds while that run's commit stands, kept for a rollback that brings it back
 * (settleRollback) until strata gc's retention window; any other run's pending file is a loser's, a refused or
 * failed run's, or a rejection's or halt's in flight.
 */
export function committingRuns(m: TableManifest): Set<string> {
  return new Set([...m.history.filter((h) => h.kind === 'commit').map((h) => h.runId), ...Object.values(m.sources).map((s) => s.runId)]);
}

/**
 * Whether run `runId`'s marker for object `sourceId` may still be needed: its commit's history entry is within the
 * retention window (not collected), or an entry within it forgot or brought back the object (a rollback to a version
 * between them makes a commit of the object stand again, and any such version is at least as recent). Its entry moved
 * into an archive by gc (history past its length): `aged`, the marker older than the retention window, decides.
 */
function markerNeeded(m: TableManifest, runId: string, sourceId: string, aged: boolean): boolean {
  const commit = m.history.find((h) => h.runId === runId && h.kind === 'commit');
  if (commit ? !commit.collected : !aged) return true;
  return m.history.some((h) => !h.collected && (h.forgot?.[sourceId] !== undefined || h.restored?.includes(sourceId)));
}

/**
 * committingRuns with the history gc moved into archives too, read only when a pending file's run is not among the
 * manifest's own (`pending`: the pending files' keys): a run that committed long ago keeps its marker all the same.
 */
export async function committingRunsOf(storage: PipelineContext['storage'], root: string, m: TableManifest, pending: readonly string[]): Promise<Set<string>> {
  const runs = committingRuns(m);
  if (pending.every((k) => runs.has(pendingRun(k)))) return runs;
  for (const h of await fullHistory(storage, root, m)) if (h.kind === 'commit') runs.add(h.runId);
  return runs;
}

/** The object and the run a pending file belongs to (pendingQuarantine: `<sourceId>.<runId>.parquet|none`). */
export const pendingSource = (key: string): string => key.slice(key.lastIndexOf('/') + 1).split('.')[0]!;
export const pendingRun = (key: string): string => key.slice(key.lastIndexOf('/') + 1).split('.')[1] ?? '';

/**
 * Whether objects `a` and `b` hold the same bytes: locally the same file (a copy is a hard link); in S3 the same size
 * and ETag (S3's copy of an object uploaded in one part keeps its ETag, the MD5 of its bytes); else, at the same size,
 * the same content id (runtime/storage/content-id.ts: one read of each; a local size and mtime can be equal for two
 * files, and S3's copy of a multipart upload has another ETag).
 */
export async function sameBytes(storage: PipelineContext['storage'], a: ObjectInfo, b: ObjectInfo): Promise<boolean> {
  if (a.size !== b.size) return false;
  if (a.file !== undefined && a.file === b.file) return true;
  if (storage.kind === 's3' && a.etag === b.etag) return true;
  const [x, y] = await Promise.all([storage.contentId(a.key), storage.contentId(b.key)]).catch(() => [undefined, null]);
  return x === y;
}

/**
 * Whether a committed object's quarantine is settled (`listing`: the quarantine folder by key; `pending`: the
 * object's pending files; `committers`: committingRuns): none of a run that never committed, and the quarantine file
 * agrees with the committer's marker: its rows there (the same bytes: a copy of them), or no file where it had none.
 * Before, the file and the marker were compared by size alone, so another run's rows of the same size passed.
 */
export async function settled(storage: PipelineContext['storage'], listing: ReadonlyMap<string, ObjectInfo>, plan: DatasetPlan, sourceId: string, committer: string, pending: readonly string[], committers: ReadonlySet<string>): Promise<boolean> {
  if (pending.some((k) => !committers.has(pendingRun(k)))) return false;
  const own = pendingQuarantine(plan, sourceId, committer);
  const q = listing.get(quarantineKey(plan, sourceId));
  const rows = listing.get(own.file);
  if (rows !== undefined) return q !== undefined && await sameBytes(storage, q, rows);
  if (listing.has(own.none)) return q === undefined;
  return true; // the marker collected: nothing to compare with
}

/**
 * Whether an object no commit of which stands has a stale quarantine file: the bytes of a marker of a run that
 * committed it (`committers`), so the rows of a commit a rollback forgot, where the object's rows are bronze's again
 * (a rollback killed after its swap, before it settled: running it again changes nothing, so it cannot finish it).
 * A rejection's or halt's file holds its own run id in every row, so it is never a committer's marker; one published
 * after this looked is not removed (dropStale removes only the file looked at).
 */
export async function staleQuarantine(storage: PipelineContext['storage'], listing: ReadonlyMap<string, ObjectInfo>, plan: DatasetPlan, sourceId: string, pending: readonly string[], committers: ReadonlySet<string>): Promise<boolean> {
  const q = listing.get(quarantineKey(plan, sourceId));
  if (!q) return false;
  for (const k of pending) {
    const o = listing.get(k);
    if (o && k.endsWith('.parquet') && committers.has(pendingRun(k)) && await sameBytes(storage, q, o)) return true;
  }
  return false;
}

/**
 * Pending quarantined rows of objects committed since (a run killed after its swap, before it settled; a rejection
 * or halt of the same object that published its batch after the commit): settled for the run that committed each,
 * where the quarantine file disagrees with that run's marker or other runs' pending files are left. Of objects not
 * committed, the pending files are left (their runs may be committing still), and a stale quarantine file
 * (staleQuarantine: a forgotten commit's rows) is removed once the manifest, read again, still holds no commit of the
 * object. The register step runs it before listing the quarantine table's files, so the next run of the object, or
 * any run of the dataset, finishes what a killed run or rollback began; `objects`: the quarantine folder's listing,
 * read once for both. Returns whether it changed anything.
 */
export async function settlePending(ctx: PipelineContext, plan: DatasetPlan, objects: readonly ObjectInfo[]): Promise<boolean> {
  const { prefix } = pendingQuarantine(plan, '', '');
  const bySource = Map.groupBy(objects.map((o) => o.key).filter((k) => k.startsWith(prefix)), pendingSource);
  if (!bySource.size) return false;
  const listing = new Map(objects.map((o) => [o.key, o]));
  const { manifest } = await readManifest(ctx.storage, plan.prefixes.silver, silverShape(plan));
  const committers = await committingRunsOf(ctx.storage, plan.prefixes.silver, manifest, [...bySource.values()].flat());
  let changed = false;
  for (const [sourceId, pending] of bySource) {
    const committed = await committedSource(ctx.storage, plan.prefixes.silver, manifest, sourceId);
    if (!committed) {
      if (await staleQuarantine(ctx.storage, listing, plan, sourceId, pending, committers) && await dropStale(ctx, plan, listing.get(quarantineKey(plan, sourceId))!, sourceId)) changed = true;
      continue;
    }
    if (await settled(ctx.storage, listing, plan, sourceId, committed.runId, pending, committers)) continue;
    await settleQuarantine(ctx, plan, sourceId, committed.runId, pending.filter((k) => !committers.has(pendingRun(k))));
    changed = true;
  }
  return changed;
}

/**
 * The stale quarantine file of an object (`seen`: it, as staleQuarantine looked at it) removed, unless a commit of the
 * object stands now (the manifest read again) or the file changed since (a rejection of the object that published its
 * batch meanwhile: Storage.deleteIfMatch leaves it). A commit of the object that stands once it is removed (it came
 * between the read and the delete) is settled for at once: its run's rows are put back from its marker; and if that
 * commit was forgotten again meanwhile (a rollback whose own settlement ran before the rows were put back), the rows
 * put back are stale in turn and go the same way (at most `rounds` times: each needs another rollback in between).
 */
async function dropStale(ctx: PipelineContext, plan: DatasetPlan, seen: ObjectInfo, sourceId: string, rounds = 3): Promise<boolean> {
  const committer = async () => committedSource(ctx.storage, plan.prefixes.silver, (await readManifest(ctx.storage, plan.prefixes.silver, silverShape(plan))).manifest, sourceId);
  if (await committer()) return false;
  if (!await ctx.storage.deleteIfMatch(seen)) return false;
  const c = await committer();
  if (!c) return true;
  await settleQuarantine(ctx, plan, sourceId, c.runId);
  if (rounds > 1 && !await committer()) {
    const [now, marker] = await Promise.all([ctx.storage.head(seen.key), ctx.storage.head(pendingQuarantine(plan, sourceId, c.runId).file)]);
    if (now && marker && await sameBytes(ctx.storage, now, marker)) await dropStale(ctx, plan, now, sourceId, rounds - 1);
  }
  return true;
}

/**
 * A day: pending rows of a run that never committed are a failed or killed run's after that (a step runs for at most
 * 15 minutes): strata gc drops them. Committing runs' markers stay as long as the table's versions (retention days).
 */
export const PENDING_GRACE_MS = 24 * 3600_000;

/**
 * strata gc of a dataset's pending quarantined rows: those of objects committed since are published for the run that
 * committed each where the quarantine file disagrees (settlePending); the markers of committing runs are dropped once
 * no rollback can make their commits stand again (markerNeeded: their entries collected past the retention window,
 * `retentionDays`, and no rollback within it naming the object), and the pending rows of runs
 * that never committed after a day (runs that failed or were killed before their commit: their rows are in bronze,
 * ingested again from there). A quarantine file of an object not committed that holds a committing run's rows
 * (staleQuarantine: a rollback that forgot it was killed before it settled) is removed first. Counts objects
 * published, pending files dropped and stale quarantine files removed; `dryRun` changes nothing.
 */
export async function gcPending(ctx: PipelineContext, plan: DatasetPlan, now: Date, dryRun: boolean, retentionDays = plan.retentionDays): Promise<PendingGc> {
  const { prefix } = pendingQuarantine(plan, '', '');
  const listed = await ctx.storage.list(plan.prefixes.quarantine);
  // Only the files runs write there (<source id>.<run id>.parquet or .none): another file was deleted a day later as
  // if it were a run's (an attack, stop 53). Never what strata did not write.
  const objects = listed.filter((o) => o.key.startsWith(prefix) && /^[0-9a-f]{16}\.[^./]+\.(parquet|none)$/.test(o.key.slice(prefix.length)));
  if (!objects.length) return { published: 0, dropped: 0, markers: 0, stale: 0 };
  const listing = new Map(listed.map((o) => [o.key, o]));
  const { manifest } = await readManifest(ctx.storage, plan.prefixes.silver, silverShape(plan));
  const committers = await committingRunsOf(ctx.storage, plan.prefixes.silver, manifest, objects.map((o) => o.key));
  const bySource = Map.groupBy(objects, (o) => pendingSource(o.key));
  let published = 0;
  let stale = 0;
  const old: string[] = [];
  let markers = 0;
  const olderThan = (o: { lastModified: Date }, ms: number) => now.getTime() - o.lastModified.getTime() > ms;
  for (const [sourceId, files] of bySource) {
    const committed = await committedSource(ctx.storage, plan.prefixes.silver, manifest, sourceId);
    const keys = files.map((o) => o.key);
    if (committed && !await settled(ctx.storage, listing, plan, sourceId, committed.runId, keys, committers)) {
      published++;
      if (!dryRun) await settleQuarantine(ctx, plan, sourceId, committed.runId, keys.filter((k) => !committers.has(pendingRun(k))));
    } else if (!committed && await staleQuarantine(ctx.storage, listing, plan, sourceId, keys, committers)) {
      // Before the markers below may go: the marker is what tells the stale file.
      if (dryRun || await dropStale(ctx, plan, listing.get(quarantineKey(plan, sourceId))!, sourceId)) stale++;
    }
    const gone = files.filter((o) => (committers.has(pendingRun(o.key))
      ? !markerNeeded(manifest, pendingRun(o.key), sourceId, olderThan(o, retentionDays * 86_400_000))
      : olderThan(o, PENDING_GRACE_MS)));
    markers += gone.filter((o) => committers.has(pendingRun(o.key))).length;
    old.push(...gone.map((o) => o.key));
  }
  if (!dryRun && old.length) await ctx.storage.delete(old);
  return { published, dropped: old.length - markers, markers, stale };
}

/**
 * What gcPending did (or would do): `published` objects whose pending rows it published; `dropped` pending files of
 * runs that never committed (failed or killed before their commit), over a day old; `markers` files of committed runs
 * kept for a rollback (their rows are the object's quarantine file already) that no rollback within the retention
 * window needs any more; `stale` quarantine files of objects no commit of which stands. They were one count, which
 * strata gc reported as failed or killed runs after two runs that had both succeeded (an attack, stop 47).
 */
export interface PendingGc { published: number; dropped: number; markers: number; stale: number }

/**
 * After a rollback of the silver table (`before`: its committed sources, source id → entry, before the rollback;
 * `after`: the manifest it swapped in): each object whose committing run changed gets that run's quarantined rows
 * back from its marker (settleQuarantine). An object the rollback forgot is left to settlePending, which the rollback
 * runs next: its quarantine file goes when it holds a committing run's marker bytes (the forgotten commit's rows; its
 * rows are bronze's again, and its marker stays for a rollback that brings its commit back), and a rejection's batch
 * published since stays. Before, it was deleted whatever it held. Returns how many objects changed committing run.
 */
export async function settleRollback(ctx: PipelineContext, plan: DatasetPlan, before: TableManifest['sources'], after: TableManifest): Promise<number> {
  let n = 0;
  for (const [id, now] of Object.entries(after.sources)) {
    if (before[id]?.runId === now.runId) continue;
    await settleQuarantine(ctx, plan, id, now.runId);
    n++;
  }
  return n;
}

/** The silver table's shape, to read its manifest. */
export const silverShape = (plan: DatasetPlan) => ({ table: plan.dataset, layer: 'silver' as const, schemaHash: plan.schemaHash, partitionKeys: plan.partitions.map((p) => p.name) });

/**
 * A run whose commit step failed: whether its commit went through after all (a compare-and-swap whose answer was
 * lost) is the manifest's to say. Committed by any run, the object's quarantine is settled for that run; else this
 * run's pending rows are dropped, and quarantine stays as this run found it.
 */
export async function settleAfterFailure(ctx: PipelineContext, plan: DatasetPlan, sourceId: string, runId: string): Promise<void> {
  const { manifest } = await readManifest(ctx.storage, plan.prefixes.silver, silverShape(plan));
  const committed = await committedSource(ctx.storage, plan.prefixes.silver, manifest, sourceId);
  const own = pendingQuarantine(plan, sourceId, runId);
  if (committed) return settleQuarantine(ctx, plan, sourceId, committed.runId, [own.file, own.none]);
  await ctx.storage.delete([own.file, own.none]);
}

/**
 * Append with a primary key: staging held the batch's keys against the silver it read (runtime/ingest/prior-keys.ts).
 * Versions committed since then, by runs staged at the same time, are checked here, inside the compare-and-swap loop:
 * the manifest this commit swaps is the one checked, so no key is committed twice. A key found there fails the run
 * before anything is committed; ingesting the object again quarantines those rows with the reason.
 */
async function refuseKeysCommittedSince(ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest, m: TableManifest): Promise<void> {
  const checked = staged.keysCheckedAgainst;
  if (!checked || !staged.files.length || await committedSource(ctx.storage, plan.prefixes.silver, m, staged.sourceId)) return; // (committed already: the commit says so)
  const since = Object.values(m.partitions).filter((p) => p.rows > 0 && checked[p.path] !== p.location);
  if (!since.length) return;
  const prior = { table: `silver.${plan.dataset}`, partitions: since, keyDeterminesPartition: false, withFiles: ctx.storage.withLocalFiles.bind(ctx.storage) };
  const pk = plan.primaryKey.map(ident).join(', ');
  const found = await ctx.storage.withLocalFiles(staged.files.map((f) => `${staged.stagingPrefix}${f.file}`), (paths) => withDuck(async (db) => {
    await db.run('CREATE OR REPLACE TEMP TABLE __since (r BIGINT)');
    const batch = `(SELECT row_number() OVER () AS __r, ${pk} FROM read_parquet(${pathList(paths)}))`;
    return markPriorKeys(db, plan, prior, batch, since.flatMap((p) => p.files), '__since');
  }, ctx.duck));
  if (found) {
    const runs = [...new Set(since.map((p) => p.runId))].sort();
    throw new StrataError(ERRORS.CommitConflict, `${staged.source.key}: ${plural(found, 'row')} ${found === 1 ? 'has' : 'have'} primary keys (${plan.primaryKey.join(', ')}) that ${runs.length > 1 ? 'runs' : 'run'} `
      + `${runs.join(', ')} committed to silver.${plan.dataset} while this run was staged; nothing was committed: ingest ${staged.source.key} again, `
      + 'and its rows whose keys are in silver go to quarantine');
  }
}

async function buildVersion(
  ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest, path: string,
  part: { values: Array<string | null>; files: StageManifest['files'] },
  base: PartitionVersion | undefined, prefix: string, input: CommitInput, rewrites: ReturnType<typeof oneAtATime>,
): Promise<PartitionVersion> {
  const { storage } = ctx;
  const stagedKeys = part.files.map((f) => `${staged.stagingPrefix}${f.file}`);
  const stagedRows = part.files.reduce((a, f) => a + f.rows, 0);
  const common = { path, values: part.values, location: prefix, runId: input.runId, committedAt: new Date().toISOString() };
  const merge = plan.mode === 'upsert' && base && base.rows > 0;
  // A rewrite downloads the version's and the batch's files into the function's /tmp and writes the new version
  // beside them: one that would not fit is refused (an upsert's merge, which must rewrite) or not made (an append's
  // inline compaction, which need not: the files are linked as any append's, and the partition keeps them).
  const inline = !merge && !plan.compaction && base !== undefined && base.files.length + stagedKeys.length > COMPACT_AT_FILES;
  const tooLarge = merge || inline
    ? rewriteOverEnvelope(plan, 'commit', `silver.${plan.dataset}`, path, (base?.bytes ?? 0) + part.files.reduce((a, f) => a + f.bytes, 0)) : undefined;
  if (merge && tooLarge) throw new StrataError(ERRORS.LimitExceeded, `${tooLarge} Nothing was committed; upload ${staged.source.key} again once it fits.`);
  const compact = inline && !tooLarge;
  if (!merge && !compact) {
    // Append: the new version shares the old version's immutable files (a hard link or a server-side copy).
    const files: string[] = [];
    for (const f of base?.files ?? []) {
      const to = `${prefix}${basename(f)}`;
      await storage.copy(f, to);
      files.push(to);
    }
    let bytes = base?.bytes ?? 0;
    for (const [i, k] of stagedKeys.entries()) {
      const to = `${prefix}part-${input.runId}-${i}.parquet`;
      await storage.copy(k, to);
      files.push(to);
      bytes += part.files[i]!.bytes;
    }
    // The version is written with today's schema only if every file in it was (old files may lack new columns).
    return { ...common, files, rows: (base?.rows ?? 0) + stagedRows, bytes, schemaHash: base && base.schemaHash !== plan.schemaHash ? 'mixed' : plan.schemaHash };
  }
  // Upsert (or compaction): rewrite the partition as one file. Rows of the base whose key arrives again are
  // replaced; schema evolution is applied on the way (old files lack new columns: they read as NULL).
  const keys = [...(base?.files ?? []), ...stagedKeys];
  return rewrites(() => storage.withLocalFiles(keys, async (paths) => {
    const basePaths = paths.slice(0, base?.files.length ?? 0);
    const newPaths = paths.slice(base?.files.length ?? 0);
    // A base written with the table's schema has every column in every file: read without union_by_name, a file that
    // lacks one fails the read rather than reading NULLs that the new version would keep (an attack, stop 55: an upsert
    // blanked a column of every row of a partition whose file had been replaced by one without it).
    const whole = base !== undefined && base.schemaHash === plan.schemaHash;
    const out = await storage.writeTree(prefix, (dir) => withDuck(async (db) => {
      // A file of the base that is damaged (footer, values, columns, types) is named with the way back.
      const damaged = async (e?: unknown): Promise<never> => {
        const bad = await firstDamaged(db, [...plan.columns, ...plan.partitions], base!.files.map((key, i) => ({ key, path: basePaths[i]! })), whole);
        if (!bad) throw e;
        throw new StrataError(ERRORS.UnreadableFile, `silver.${plan.dataset} partition ${path || '(unpartitioned)'} was not rewritten: ${damagedFileMessage('silver', plan.dataset, bad)}`);
      };
      // The base files' columns, read once (their footers) for the key check and the merge.
      const baseColumns = basePaths.length ? await columnsOf(db, basePaths, !whole).catch(damaged) : new Set<string>();
      if (whole && [...plan.columns, ...plan.partitions].some((c) => !baseColumns.has(c.name))) await damaged();
      if (merge) await refuseAmbiguousUpsert(db, plan, path, basePaths, newPaths, baseColumns, !whole);
      const file = join(dir, `part-${input.runId}-0.parquet`);
      const stats = await db.all<{ count: number; file_size_bytes: number }>(
        `COPY (${await mergeSql(db, plan, basePaths, newPaths, merge === true, baseColumns, !whole)}) TO ${pathLit(file)} (FORMAT parquet, ${PARQUET_CODEC}, RETURN_STATS true)`)
        .catch((e: unknown) => (basePaths.length ? damaged(e) : Promise.reject(e)));
      return { rows: Number(stats[0]?.count ?? 0), bytes: Number(stats[0]?.file_size_bytes ?? 0) };
    }, ctx.duck));
    return { ...common, files: out.written.map((w) => w.key), rows: out.result.rows, bytes: out.result.bytes, schemaHash: plan.schemaHash };
  }));
}

/**
 * Strata.SchemaMismatch when a key this upsert replaces is held by more than one row of the partition's current
 * version: the merge would replace all of them with one row, and the others would be gone without a word (an attack,
 * stop 48: a key narrowed from [id, region] to [id] over a table written before strata recorded its key, or a
 * rollback back to rows written under the wider key). Reads only the key columns of the partition's files, which the
 * merge reads whole anyway. Whatever the table's history says of its key: this is what its files hold.
 */
async function refuseAmbiguousUpsert(db: Duck, plan: DatasetPlan, path: string, basePaths: string[], newPaths: string[], baseColumns: ReadonlySet<string>, baseByName = true): Promise<void> {
  if (!plan.primaryKey.every((k) => baseColumns.has(k))) return; // a key column the old files lack reads NULL: no key matches it
  const dup = await repeatedKeys(db, `${parquetFiles(basePaths, baseByName)} b`, plan.primaryKey, {
    alias: 'b', where: `EXISTS (SELECT 1 FROM ${parquetFiles(newPaths)} n WHERE ${plan.primaryKey.map((k) => `n.${ident(k)} = b.${ident(k)}`).join(' AND ')})`,
  });
  if (!dup.keys) return;
  throw new StrataError(ERRORS.SchemaMismatch, `silver.${plan.dataset}${path ? ` partition ${path}` : ''}: ${plural(dup.keys, 'key')} this upsert replaces `
    + `${dup.keys === 1 ? 'is' : 'are'} held by more than one row already in silver (${plural(dup.rows, 'row')}; e.g. ${dup.example}), so primary key `
    + `(${plan.primaryKey.join(', ')}) does not tell them apart: the upsert would replace all of them with one. Nothing was committed. The way back: `
    + 'keep the primary key the table was written under (strata check counts what the current one contradicts), or roll the table back to before those rows (strata rollback)');
}

/**
 * Parquet files as one relation, columns matched by name (files of several schema versions); `byName` false for
 * files that must all hold the same columns (a file that does not fails the read).
 */
const parquetFiles = (ps: readonly string[], byName = true) => `read_parquet(${pathList(ps)}, union_by_name = ${byName}, hive_partitioning = false)`;

/** The columns Parquet files hold together (their footers). */
async function columnsOf(db: Duck, ps: readonly string[], byName = true): Promise<Set<string>> {
  return new Set((await db.columns(`SELECT * FROM ${parquetFiles(ps, byName)}`)).map((c) => c.name));
}

/**
 * SELECT producing the new version: typed columns in schema order, partition columns last. Old files written
 * before a column was added lack it: it reads as NULL (schema evolution rewrites them with the column).
 */
async function mergeSql(db: Duck, plan: DatasetPlan, basePaths: string[], newPaths: string[], antiJoin: boolean, baseColumns: ReadonlySet<string>, baseByName = true): Promise<string> {
  const colsOf = (present: ReadonlySet<string>) => [
    ...plan.columns.map((c) => `CAST(${present.has(c.name) ? ident(c.name) : 'NULL'} AS ${c.duckdbType}) AS ${ident(c.name)}`),
    ...plan.partitions.map((p) => `CAST(${present.has(p.name) ? ident(p.name) : 'NULL'} AS ${p.duckdbType}) AS ${ident(p.name)}`),
  ].join(', ');
  const fresh = `SELECT ${colsOf(await columnsOf(db, newPaths))} FROM ${parquetFiles(newPaths)}`;
  if (!basePaths.length) return fresh;
  const cols = colsOf(baseColumns);
  // A key column the old files lack reads as NULL there: no key of theirs matches (it failed with a binder error: an
  // attack, stop 48; strata check says such a key is breaking where it can tell).
  const match = plan.primaryKey.map((k) => (baseColumns.has(k) ? `n.${ident(k)} = b.${ident(k)}` : 'false')).join(' AND ');
  const old = antiJoin
    ? `SELECT ${cols} FROM ${parquetFiles(basePaths, baseByName)} b WHERE NOT EXISTS (SELECT 1 FROM ${parquetFiles(newPaths)} n WHERE ${match})`
    : `SELECT ${cols} FROM ${parquetFiles(basePaths, baseByName)}`;
  return `${old} UNION ALL ${fresh}`;
}


