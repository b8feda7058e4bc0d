// Roll a table back to the state a run left it in: one more commit (kind "rollback") that points every partition
// the later runs changed back at the version it had then. Versions are reused, not copied; they must still be
// within the retention window (garbage collection removes older ones).
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { Storage } from '../storage/port.ts';
import { filesFingerprint, namedLocations, sourcesAfterRun, stateAfterRun, type Change, type HistoryEntry, type PartitionVersion, type RetiredVersion, type TableManifest } from './manifest.ts';
import type { TableShape } from '../../core/plan/table-shape.ts';
import type { AppliedSchema } from '../../core/schema/evolution.ts';
import { mapLimit } from '../util/limit.ts';
import { plural, thousands } from '../../core/text.ts';
import { commitTable, readManifest } from './store.ts';

export interface RollbackResult {
  version: number;
  changes: Change[];
  /** Source objects whose data the rollback removed: they can be ingested again. */
  forgotten: string[];
  /** Source objects a later rollback had forgotten whose data the table holds again: ingesting them is SKIPPED. */
  restored: string[];
}

/**
 * Roll `root`'s table back to the state run `toRun` left it in, as one more commit by `runId`. `opts.applied`: a gold
 * table's schema as its SQL gives it now; a rollback to files of other columns is refused (refuseOtherColumns).
 * `opts.schema`: the schema the table holds after it, from the manifest it rolls back (a silver table:
 * schemaAfterRollback); without one, or when it gives none, the table's schema stays as it is.
 * Strata.InvalidInput when the run cannot be returned to (not found, collected, a run committed meanwhile);
 * Strata.UnreadableFile when a version folder no longer holds its files.
 */
export async function rollbackTable(storage: Storage, root: string, shape: TableShape, toRun: string, runId: string, opts: { applied?: AppliedSchema; schema?: (m: TableManifest) => AppliedSchema | undefined } = {}): Promise<RollbackResult> {
  const { manifest } = await readManifest(storage, root, shape);
  const found = await rollbackTarget(storage, manifest, toRun);
  if ('error' in found) throw new StrataError(ERRORS.InvalidInput, found.error);
  if (found.changed.length) throw new StrataError(ERRORS.UnreadableFile, found.changed.join('; '));
  const target = found.state;
  if (opts.applied) refuseOtherColumns(manifest, shape, opts.applied, toRun, target);
  const paths = [...new Set([...Object.keys(manifest.partitions), ...Object.keys(target)])]
    .filter((p) => manifest.partitions[p]?.location !== target[p]?.location).sort();
  // Already there (a rollback to the current run, or twice to the same one): no new version, nothing to undo.
  if (!paths.length) return { version: manifest.version, changes: [], forgotten: [], restored: [] };
  let sources: ReturnType<typeof sourcesAfterRun> = { forget: [], restore: {} };
  let own: { m: TableManifest; entry: HistoryEntry } | undefined;
  // The schema the versions returned to were written with (schemaAfterRollback), when the caller asks for one.
  const schema = opts.schema?.(manifest);
  const result = await commitTable(storage, {
    root, shape, runId, at: new Date().toISOString(), kind: 'rollback', paths, rollbackTo: toRun, ...(schema ? { schema } : {}),
    build: async (path): Promise<PartitionVersion | null> => target[path] ?? null,
    // Each attempt checks that every version it points back at is still the table's (current or retired): gc swaps
    // the manifest before it deletes an expired version's folder, so one it collected while this rollback ran is
    // missing from the manifest this attempt builds on, and the rollback stops instead of naming a deleted folder.
    guard: (m) => {
      // This rollback's own swap landed with its answer lost (another run committed before the store's retry, so the
      // swap looked lost): it is the table's; said so, not "nothing was changed" (an attack, stop 49).
      const mine = m.history.find((h) => h.version > manifest.version && h.runId === runId && h.kind === 'rollback');
      if (mine) {
        own = { m, entry: mine };
        throw new RolledBackAlready();
      }
      // A run that committed since the manifest above was read changed what the rollback computed from it.
      const since = m.history.find((h) => h.version > manifest.version && h.kind !== 'compact');
      if (since) {
        throw new StrataError(ERRORS.InvalidInput, `run ${since.runId} committed to ${manifest.table} while the rollback ran; nothing was changed `
          + '(roll back again: strata runs lists the runs)');
      }
      const held = new Set(namedLocations(m));
      const gone = paths.map((p) => target[p]).find((v) => v !== undefined && !held.has(v.location));
      if (gone) {
        throw new StrataError(ERRORS.InvalidInput, `version ${gone.location} of ${manifest.table} was garbage-collected while the rollback ran; `
          + 'nothing was changed (a run within the retention window can still be returned to: strata runs lists them)');
      }
      // gc swaps the manifest without a new version: the history after the target may have been collected since (and
      // the sources it named moved out), so the rollback's sources are computed again from this manifest (sourcesAfter)
      // or not at all.
      const still = stateAfterRun(m, toRun);
      if ('error' in still) throw new StrataError(ERRORS.InvalidInput, `${still.error} (gc ran while the rollback ran; nothing was changed)`);
    },
    sourcesAfter: (m) => (sources = sourcesAfterRun(m, toRun)),
  }).catch((e: unknown) => {
    if (e instanceof RolledBackAlready && own) return undefined;
    throw e;
  });
  if (!result) return { version: own!.entry.version, changes: own!.entry.changes, forgotten: sources.forget.filter((id) => !sources.restore[id]), restored: Object.keys(sources.restore) };
  return { version: result.manifest.version, changes: result.changes, forgotten: sources.forget.filter((id) => !sources.restore[id]), restored: Object.keys(sources.restore) };
}

/** Thrown by the rollback's guard when the manifest already holds this rollback (its swap landed unseen). */
class RolledBackAlready extends Error {}

/**
 * Strata.SchemaMismatch when a gold rollback would return a partition to files whose columns or types are not the ones
 * the table's SQL gives now (`applied`, GoldPlan.applied): the catalog reads a gold table's files as its current
 * columns and types, so a decimal 10.25 published under an older SQL would read as BIGINT 10 (an attack, stop 47).
 * A version's columns are those its schema hash (PartitionVersion.schemaHash) names in the manifest's schema history;
 * a hash the history does not hold is refused too. Files of another SQL with the same columns are the rows that run
 * published: the rollback returns to them, and the next refresh recomputes every partition (a rollback drops
 * derivedFrom). A version recorded without its hash (before stop 20) is not refused: nothing tells its columns.
 */
function refuseOtherColumns(m: TableManifest, shape: TableShape, applied: AppliedSchema, toRun: string, target: Record<string, PartitionVersion>): void {
  const written = new Map([...(m.schemaHistory ?? []), ...(m.schema ? [m.schema] : [])].map((h) => [h.hash, h]));
  // Columns by name (a view reads a gold table's files by name when they span SQLs: runtime/engine/views.ts), partition
  // keys in order (they are the folders).
  const shapeOf = (s: Pick<AppliedSchema, 'columns' | 'partitionKeys'>) => JSON.stringify([s.columns.map((c) => [c.name, c.type]).sort(), s.partitionKeys.map((c) => [c.name, c.type])]);
  const now = shapeOf(applied);
  const other = Object.values(target).filter((v) => v.schemaHash !== undefined && v.schemaHash !== applied.hash
    && (!written.has(v.schemaHash) || shapeOf(written.get(v.schemaHash)!) !== now));
  if (!other.length) return;
  const list = (s: AppliedSchema | undefined) => (s ? s.columns.map((c) => `${c.name} ${c.type}`).join(', ') : 'not recorded');
  const was = written.get(other[0]!.schemaHash!);
  throw new StrataError(ERRORS.SchemaMismatch, `${shape.layer}.${shape.table} was not rolled back to run ${toRun}: `
    + `${plural(other.length, 'partition')} of the version that run left (${other.slice(0, 3).map((v) => v.path || '(unpartitioned)').join(', ')}${other.length > 3 ? ', …' : ''}) `
    + `${other.length > 1 ? 'were' : 'was'} published by another SQL, with columns ${list(was)}, where the table's SQL in its schema file now gives ${list(applied)}: `
    + 'they would be read as the current columns and types. Nothing was changed. '
    + `The way back: put the table's SQL back as it was at run ${toRun} and roll back again, or keep the current SQL and recompute the table: strata refresh ${shape.table}`);
}

/**
 * The schema a table holds after a rollback to run `toRun`: the one it held when that run committed (the last of
 * the manifest's schema history applied at or before that run's history entry: by version where the history names
 * the applying run, else by time), without a key claim (AppliedSchema.declared: the caller says which key it counted
 * the rows against). Every file of the versions the rollback returns to was written then or before, with that schema
 * or one it evolved from. undefined when the history cannot tell (no schema history, the run not in the history):
 * the table's current schema then stands.
 *
 * A table that gained a column (w) after run `toRun`, whose schema file then dropped it again, could not be rolled
 * back to that run: the rollback was refused as the schema file's dropping w "would break readers" of files with w,
 * although the rollback returns to files without it; and the table kept its schema with w, so no ingest was taken
 * either (stop 50: no way back).
 */
export function schemaAfterRollback(m: TableManifest, toRun: string): AppliedSchema | undefined {
  const target = m.history.find((h) => h.runId === toRun);
  if (!target || !m.schemaHistory?.length) return undefined;
  const versionOf = new Map<string, number>();
  for (const h of m.history) if (!versionOf.has(h.runId)) versionOf.set(h.runId, h.version);
  const then = m.schemaHistory.filter((e) => {
    const v = versionOf.get(e.runId);
    return v !== undefined ? v <= target.version : e.appliedAt <= target.at;
  }).at(-1);
  if (!then) return undefined;
  return { hash: then.hash, columns: then.columns, partitionKeys: then.partitionKeys };
}

/**
 * The partition versions a rollback to `toRun` returns the table to (manifest.ts stateAfterRun), each whole: a
 * retired version kept without its file names gets them from a listing of its version folder (`listed` names those
 * partitions), which must hold as many files as the version was committed with; `changed` says which folders do not
 * (a rollback refuses them, Strata.UnreadableFile; their files are listed all the same). Whether those files are the
 * version's, readable and holding its rows, takes their Parquet footers: workflows/maintenance.ts reads them before a
 * local rollback. `error`: the run cannot be returned to (Strata.InvalidInput).
 */
export async function rollbackTarget(storage: Storage, manifest: TableManifest, toRun: string): Promise<{ state: Record<string, PartitionVersion>; listed: string[]; changed: string[] } | { error: string }> {
  const found = stateAfterRun(manifest, toRun);
  if ('error' in found) return found;
  const changed: string[] = [];
  const listed: string[] = [];
  const whole = await mapLimit(Object.entries(found.state), 16, async ([path, v]) => {
    if (v.files) return [path, v as PartitionVersion] as const;
    listed.push(path);
    return [path, await listFiles(storage, manifest, v, changed)] as const;
  });
  return { state: Object.fromEntries(whole), listed: listed.sort(), changed };
}

/** A retired version with the files its folder holds; a message in `changed` when there are more or fewer than it was committed with. */
async function listFiles(storage: Storage, m: TableManifest, v: RetiredVersion, changed: string[]): Promise<PartitionVersion> {
  const { fileCount, filesHash, ...rest } = v;
  const files = (await storage.list(v.location)).map((o) => o.key); // sorted by key
  if (files.length !== fileCount) {
    changed.push(`${retiredVersionName(storage, m, v)} now holds ${plural(files.length, 'file')} where it was committed with ${thousands(fileCount ?? 0)}: ${CHANGED_AFTER}`);
  } else if (filesHash !== undefined && filesFingerprint(v.location, files) !== filesHash) {
    changed.push(`${retiredVersionName(storage, m, v)} now holds ${plural(files.length, 'file')}, but not the ones it was committed with (their names differ): ${CHANGED_AFTER}`);
  }
  return { ...rest, files };
}

/** How a refusal names a retired version. */
export function retiredVersionName(storage: Storage, m: Pick<TableManifest, 'layer' | 'table'>, v: Pick<PartitionVersion, 'path' | 'runId' | 'location'>): string {
  return `the version of ${m.layer}.${m.table} partition ${v.path || '(unpartitioned)'} that run ${v.runId} committed (${storage.uri(v.location)})`;
}

/** The end of a refusal of a retired version whose folder was changed. */
export const CHANGED_AFTER = 'its files were changed, added or removed after it was replaced, so it is not restored and nothing was changed. '
  + 'The way back: put its files back as they were, or roll back to another run (strata runs lists them)';
