// Committing new partition versions to a table: optimistic concurrency on the manifest.
//
// Each writer builds its new partition versions in folders of its own (v-<runId>…), invisible to readers, then
// swaps the manifest with compare-and-swap. If another writer swapped first, the partitions it changed are rebuilt
// on top of its versions and the swap is tried again; partitions it did not touch are reused as built. So two
// runs touching the same partition both land, and readers see a partition's old version or its new one.
//
// A table's first commit creates an empty manifest (version 0) before it writes anything, and every commit leaves a
// copy of the manifest it wrote in _strata/history/. So a table that never had a manifest holds no data, and one
// whose manifest was deleted or damaged is an error that names the way back, never an empty table that a commit
// would silently start again (runtime/table/recover.ts restores it).
import { ERRORS, StrataError } from '../../core/errors.ts';
import { mapLimit } from '../util/limit.ts';
import { fault } from '../util/fault.ts';
import { layout } from '../../core/plan/layout.ts';
import type { CasResult, Storage } from '../storage/port.ts';
import type { AppliedSchema } from '../../core/schema/evolution.ts';
import type { TableShape } from '../../core/plan/table-shape.ts';
import { applyCommit, emptyManifest, MANIFEST_FORMAT, namedLocations, newerFormat, type Change, type CommitKind, type CommittedRun, type DerivedRun, type HistoryEntry, type PartitionVersion, type SourceEntry, type TableManifest } from './manifest.ts';
import { plural } from '../../core/text.ts';

/** What an empty manifest is made from: a table shape, or a dataset plan (its silver table). */
export type ManifestShape = TableShape | { dataset: string; schemaHash: string; partitions: Array<{ name: string }> };

/** A manifest and the etag its compare-and-swap checks (undefined: the table has none yet). */
export interface ReadManifest {
  manifest: TableManifest;
  etag: string | undefined;
}

export function shapeOf(shape: ManifestShape): TableShape {
  return 'table' in shape ? shape : { table: shape.dataset, layer: 'silver', schemaHash: shape.schemaHash, partitionKeys: shape.partitions.map((p) => p.name) };
}

/**
 * The table's manifest; an empty one (etag undefined) when the table has none and never had one.
 * Throws Strata.UnreadableFile, naming the file and the way back, when the manifest is damaged, or missing while
 * its history says the table exists. (Only _strata/ is listed: in AWS the steps that read a manifest may list
 * nothing else of the table.)
 */
export async function readManifest(storage: Storage, root: string, shape: ManifestShape): Promise<ReadManifest> {
  const key = layout.manifest(root);
  let current = await storage.readVersioned(key);
  const s = shapeOf(shape);
  if (current === undefined) {
    const copies = await historyCopies(storage, root);
    if (!copies.length) return { manifest: emptyManifest(s.table, s.layer, s.schemaHash, s.partitionKeys), etag: undefined };
    // A first commit may have created it between the two looks.
    current = await storage.readVersioned(key);
    if (current === undefined) {
      throw new StrataError(ERRORS.UnreadableFile, `the manifest of ${s.layer}.${s.table} (${storage.uri(key)}) is missing, but the table has a `
        + `manifest history (${storage.uri(layout.manifestHistory(root))}): nothing was changed (a commit on an empty manifest would hide the `
        + `table's data). The way back: strata doctor --repair restores it from that history; only ${s.layer}.${s.table} is affected.`);
    }
  }
  return { manifest: parseManifest(storage, root, s, current.text), etag: current.etag };
}

/**
 * The entry of source `id` if the table committed it: in the manifest's `sources`, or, once gc moved it out, in a
 * marker of a pass the manifest lists (layout.sourceMarker, TableManifest.sourceArchives). Read the manifest first and
 * the markers after it: gc writes a pass's markers before it swaps in the manifest that lists the pass, so no moment
 * has neither. A marker that cannot be read is Strata.UnreadableFile naming it (deciding without it could commit the
 * source twice).
 */
export async function committedSource(storage: Storage, root: string, m: TableManifest, id: string): Promise<SourceEntry | undefined> {
  const entry = m.sources[id];
  if (entry || !m.sourceArchives?.length) return entry;
  return listedMarker(storage, m, layout.sourceMarkers(root, id), (name) => name.slice(0, -'.json'.length));
}

/**
 * A committed source other than `key` whose bytes have content id `contentId` (the same object sent under two
 * names), in the manifest's `sources` or a marker of a listed pass (layout.contentMarker); undefined when none.
 */
export async function committedContent(storage: Storage, root: string, m: TableManifest, contentId: string, key: string): Promise<SourceEntry | undefined> {
  const twin = Object.values(m.sources).find((s) => s.contentId === contentId && s.key !== key);
  if (twin || !m.sourceArchives?.length) return twin;
  const found = await listedMarker(storage, m, layout.contentMarkers(root, contentId), (name) => name.slice(name.indexOf('.') + 1, -'.json'.length));
  return found && found.key !== key ? found : undefined;
}

/** The entry in the first marker under `folder` whose pass (`passOf` its file name) the manifest lists. */
async function listedMarker(storage: Storage, m: TableManifest, folder: string, passOf: (name: string) => string): Promise<SourceEntry | undefined> {
  const passes = new Set(m.sourceArchives!.map((a) => a.pass));
  const key = (await storage.list(folder)).map((o) => o.key).find((k) => passes.has(passOf(k.slice(folder.length))));
  if (!key) return undefined;
  const text = await storage.readText(key);
  try {
    const s = JSON.parse(text ?? '') as SourceEntry;
    if (typeof s?.runId !== 'string' || typeof s.key !== 'string') throw new Error('not a source marker');
    return s;
  } catch (e) {
    throw new StrataError(ERRORS.UnreadableFile, `the source marker ${storage.uri(key)} is damaged (${(e as Error).message}); it says a source object was `
      + `committed to ${m.layer}.${m.table} by a run that can no longer be undone. Nothing was changed. The way back: restore it from a backup `
      + '(a versioned bucket keeps its previous version); deleting it instead lets the next ingest of that object commit its rows again.');
  }
}

/**
 * The table's whole history, oldest first: the entries gc moved into archives (TableManifest.historyArchives), then the
 * manifest's own. An archive that is missing or cannot be read is Strata.UnreadableFile naming it.
 */
export async function fullHistory(storage: Storage, root: string, m: TableManifest): Promise<HistoryEntry[]> {
  if (!m.historyArchives?.length) return m.history;
  const archived = await mapLimit(m.historyArchives, 8, async (a) => {
    const key = layout.historyArchive(root, a.name);
    const text = await storage.readText(key);
    try {
      if (text === undefined) throw new Error('it is missing');
      const entries = JSON.parse(text) as HistoryEntry[];
      if (!Array.isArray(entries) || entries.length !== a.entries) throw new Error(`not the ${plural(a.entries, 'history entry', 'history entries')} the manifest says it holds`);
      return entries;
    } catch (e) {
      throw new StrataError(ERRORS.UnreadableFile, `the history archive ${storage.uri(key)} of ${m.layer}.${m.table} cannot be read (${(e as Error).message}); `
        + 'the table itself is not affected. The way back: restore it from a backup (a versioned bucket keeps its previous version)');
    }
  });
  return [...archived.flat(), ...m.history];
}

/** The manifest's text as a manifest; a damaged one is Strata.UnreadableFile naming the file and the way back. */
export function parseManifest(storage: Storage, root: string, s: TableShape, text: string): TableManifest {
  let m: TableManifest;
  try {
    m = JSON.parse(text) as TableManifest;
    if (typeof m?.version !== 'number' || typeof m.partitions !== 'object' || m.partitions === null) throw new Error('not a table manifest');
  } catch (e) {
    const history = storage.uri(layout.manifestHistory(root));
    const back = storage.kind === 's3' ? `restore its previous version (the lake bucket keeps replaced versions), or its newest copy in ${history}`
      : `strata doctor --repair restores it from the table's manifest history (${history})`;
    throw new StrataError(ERRORS.UnreadableFile, `the manifest of ${s.layer}.${s.table} (${storage.uri(layout.manifest(root))}) is damaged `
      + `(${(e as Error).message}); nothing was changed. The way back: ${back}; only ${s.layer}.${s.table} is affected.`);
  }
  if (newerFormat(m)) {
    throw new StrataError(ERRORS.UnreadableFile, `the manifest of ${s.layer}.${s.table} (${storage.uri(layout.manifest(root))}) is in format ${m.formatVersion}, `
      + `written by a newer strata; this one reads formats up to ${MANIFEST_FORMAT}, so it neither reads nor changes ${s.layer}.${s.table}. `
      + 'The way back: run the strata that wrote it (upgrade this one); the table is not damaged.', { newerFormat: m.formatVersion });
  }
  return m;
}

/**
 * Copies of the manifest kept: one per version in a ring of this many slots (<version mod slots>.json), so a lost
 * or damaged manifest is restored from its latest version (or an earlier one, if that copy is damaged too), and the
 * history takes a bounded amount of storage however many commits a table has.
 */
export const HISTORY_SLOTS = 10;

/** Where the copy of a manifest version goes. */
export function historyKey(root: string, version: number): string {
  return `${layout.manifestHistory(root)}${version % HISTORY_SLOTS}.json`;
}

/**
 * Write manifest `text` (of `version`) as its history copy, unless its slot holds a later version already: a writer
 * stopped between its swap and this copy, and resumed after ten more commits, wrote its old version over the newest
 * copy, and a restore from history dropped the last commit (an attack, stop 50). Compare-and-swap on the slot, so a
 * newer copy written meanwhile is never replaced either. Never throws: the swap stands without its copy.
 */
export async function writeHistoryCopy(storage: Storage, root: string, version: number, text: string): Promise<void> {
  const key = historyKey(root, version);
  for (let attempt = 0; attempt < 3; attempt++) {
    const held = await storage.readVersioned(key).catch(() => undefined);
    const heldVersion = held ? (() => { try { return Number((JSON.parse(held.text) as { version?: unknown }).version); } catch { return Number.NaN; } })() : undefined;
    if (heldVersion !== undefined && heldVersion > version) return;
    // The same version again: gc's swap keeps the version and drops what it collects, so two texts share a version.
    // The one the table holds now is written; a late writer's older text is not (a commit stopped after its swap and
    // resumed after gc put its pre-gc text over gc's copy, naming deleted folders: an attack, stop 50).
    if (heldVersion === version && held!.text !== text && (await storage.readText(layout.manifest(root)).catch(() => undefined)) !== text) return;
    const cas = await storage.putIfMatch(key, text, held?.etag).catch(() => ({ ok: true }));
    if (cas.ok) return;
  }
}

/**
 * Create a table's empty manifest (version 0), before anything of the table is written; ok: false when another
 * writer created it first. Data already in the folder without a manifest or its history (an older strata, a
 * deleted _strata/) is not started over: Strata.UnreadableFile with the way back.
 */
export async function createManifest(storage: Storage, root: string, shape: TableShape, empty: TableManifest): Promise<CasResult> {
  const key = layout.manifest(root);
  const data = await unmanagedData(storage, root);
  if (data.length) {
    const now = await storage.readVersioned(key); // another writer's first commit created it meanwhile
    if (now) return { ok: false, currentEtag: now.etag };
    throw new StrataError(ERRORS.UnreadableFile, `${unmanagedMessage(storage, root, shape, data.length)}; nothing was committed`);
  }
  return storage.putIfMatch(key, JSON.stringify(empty), undefined);
}

/**
 * Data files in a table's folder outside _strata/, which a table without a manifest must not have: by name, as the
 * engines that write and read such folders name them (Hive, Athena and Spark: a name with ".parquet" in it, or none
 * with an extension, as 000000_0 or part-00000; not one starting with "_" or ".", which they skip, as _SUCCESS). Other
 * files are not data and not strata's (a README.txt beside the partitions): they neither count nor are touched. A text
 * file in a new table's folder blocked its first commit and every ingest after it (an attack, stop 58).
 */
export async function unmanagedData(storage: Storage, root: string): Promise<string[]> {
  return (await storage.list(root)).map((o) => o.key).filter((k) => {
    const name = k.slice(k.lastIndexOf('/') + 1);
    return !k.startsWith(`${root}_strata/`) && !/^[_.]/.test(name) && (/\.parquet/i.test(name) || !name.includes('.'));
  });
}

export function unmanagedMessage(storage: Storage, root: string, s: TableShape, files: number): string {
  return `${storage.uri(root)} holds ${plural(files, 'data file')}, but ${s.layer}.${s.table} has neither a manifest nor a manifest history `
    + '(written by an older strata, or its _strata/ folder was deleted): a commit would start it empty and hide them';
}

/** The keys of a table's manifest copies. */
export async function historyCopies(storage: Storage, root: string): Promise<string[]> {
  return (await storage.list(layout.manifestHistory(root))).map((o) => o.key).filter((k) => /\/\d+\.json$/.test(k));
}

export interface CommitRequest {
  root: string;
  shape: TableShape;
  runId: string;
  at: string;
  kind: CommitKind;
  /** Partition paths this commit writes. */
  paths: string[];
  /** Source object committed with these rows (silver): a second commit of it becomes a no-op. */
  source?: { id: string; key: string; contentId?: string; run?: CommittedRun };
  /**
   * Computed from the manifest being replaced: the committed sources to forget (a rollback forgets what it removes)
   * and to hold again (a rollback to a run before another rollback).
   */
  sourcesAfter?: (m: TableManifest) => { forget: string[]; restore: Record<string, SourceEntry> };
  /** A rollback: the run whose result it returns to (kept in the history entry as `to`). */
  rollbackTo?: string;
  /** The schema the new versions are written with (recorded as applied). */
  schema?: AppliedSchema;
  /** Gold: the input versions the new partitions were computed from. */
  derivedFrom?: Record<string, number>;
  /** Gold: the runs of those versions (TableManifest.derivedFromRuns). */
  derivedFromRuns?: Record<string, DerivedRun>;
  /**
   * Refuse to commit on top of a manifest (e.g. its applied schema cannot evolve into this one): what it throws is
   * thrown, nothing is committed, and the folders of earlier attempts are removed.
   */
  guard?: (m: TableManifest) => void | Promise<void>;
  /**
   * Build the new version of one partition on top of `base` (its current version, if any), in a folder of the
   * caller's choosing under `prefix` (unique per attempt). null removes the partition.
   */
  build: (path: string, base: PartitionVersion | undefined, prefix: string) => Promise<PartitionVersion | null>;
  maxAttempts?: number;
  /** The manifest (and its etag) the caller already read: the first attempt builds on it instead of reading again. */
  read?: ReadManifest;
  /**
   * false: when another writer swapped first, do not rebuild on top of it; return status 'lost' instead. For
   * versions computed from other tables (gold), which must be computed again from what the winner saw.
   */
  rebase?: boolean;
  /**
   * true: return once the manifest is swapped, the copy of it in the manifest history still being written
   * (CommitResult.historyCopied), for a caller with work of its own to do meanwhile, which awaits it before it ends.
   */
  deferHistoryCopy?: boolean;
}

export interface CommitResult {
  status: 'committed' | 'already';
  committedBy?: string;
  manifest: TableManifest;
  /** The etag of `manifest` when this commit wrote it. */
  etag?: string;
  changes: Change[];
  /** With deferHistoryCopy: settles (never rejects) once the manifest history's copy is written or given up. */
  historyCopied?: Promise<void>;
}

/** A commit with rebase: false that another writer beat: nothing of it is visible, its folders are removed. */
export interface LostCommit {
  status: 'lost';
}

export function commitTable(storage: Storage, req: CommitRequest & { rebase: false }): Promise<CommitResult | LostCommit>;
export function commitTable(storage: Storage, req: CommitRequest): Promise<CommitResult>;
export async function commitTable(storage: Storage, req: CommitRequest): Promise<CommitResult | LostCommit> {
  const key = layout.manifest(req.root);
  const built = new Map<string, { baseLocation: string | undefined; version: PartitionVersion | null; prefix: string }>();
  const maxAttempts = req.maxAttempts ?? 30;
  let read = req.read;
  let round = 0;
  let creations = 0;
  let recordedRound = -1;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    // If it changed since the caller read it, the compare-and-swap fails and the next attempt reads it afresh.
    const { manifest, etag } = read ?? await readManifest(storage, req.root, req.shape);
    read = undefined;
    if (etag === undefined) {
      // The table's first commit: an empty manifest first, so no data of this table ever exists without one. A guard
      // that refuses leaves no manifest behind, and creating it is not one of the attempts to commit.
      await req.guard?.(manifest);
      if (creations++ < 3) attempt--;
      const created = await createManifest(storage, req.root, req.shape, manifest);
      if (!created.ok && req.rebase === false) return { status: 'lost' };
      if (created.ok) read = { manifest, etag: created.etag }; // else build on what the writer that created it committed
      continue;
    }
    // A guard that refuses a manifest newer than the one an earlier attempt built on: that attempt's folders go.
    try {
      await req.guard?.(manifest);
    } catch (e) {
      await discard(storage, [...built.values()].map((b) => b.prefix), manifest);
      throw e;
    }
    const already = req.source && await committedSource(storage, req.root, manifest, req.source.id);
    if (already) {
      // Its own commit among them: a swap that landed but was answered as lost (the store's reply was lost): the
      // folders it names stay (discard keeps what the manifest names).
      await discard(storage, [...built.values()].map((b) => b.prefix), manifest);
      return { status: 'already', committedBy: already.runId, manifest, changes: [] };
    }
    // Before this round's first folder: the record that this run writes folders of that name under the table (gc
    // deletes a folder no manifest names only when a record names it: layout.writeIntent).
    if (recordedRound !== round && req.paths.length) {
      await recordWrites(storage, req.root, folderName(req.runId, round), req.at);
      recordedRound = round;
    }
    // Partitions are independent: build their versions concurrently (file links locally, copies in S3).
    // A build that fails (a refusal, a full disk) stops the others from starting; what was built goes, its own
    // folder too, and the commit throws what it threw, having changed nothing.
    let failed: { error: unknown; prefix: string } | undefined;
    await mapLimit(req.paths, 16, async (path) => {
      if (failed) return;
      const base = manifest.partitions[path];
      const prev = built.get(path);
      if (prev && prev.baseLocation === base?.location) return; // still built on the current version
      if (prev) await discard(storage, [prev.prefix], manifest);
      const prefix = versionFolder(req.root, path, req.runId, round);
      built.delete(path);
      try {
        built.set(path, { baseLocation: base?.location, version: await req.build(path, base, prefix), prefix });
      } catch (error) {
        failed ??= { error, prefix };
        await discard(storage, [prefix]);
      }
    });
    if (failed) {
      await discard(storage, [...built.values()].map((b) => b.prefix));
      throw failed.error;
    }
    round++;
    const versions = Object.fromEntries(req.paths.map((p) => [p, built.get(p)!.version]));
    const sources = req.sourcesAfter?.(manifest);
    const { manifest: next, changes } = applyCommit(manifest, {
      runId: req.runId, at: req.at, kind: req.kind, versions,
      ...(req.source ? { source: req.source } : {}),
      ...(sources ? { forgetSources: sources.forget, restoreSources: sources.restore } : {}),
      ...(req.rollbackTo ? { rollbackTo: req.rollbackTo } : {}),
      ...(req.schema ? { schema: req.schema } : {}),
      ...(req.derivedFrom ? { derivedFrom: req.derivedFrom, ...(req.derivedFromRuns ? { derivedFromRuns: req.derivedFromRuns } : {}) } : {}),
      schemaHash: req.shape.schemaHash,
    });
    fault('commit.built');
    const text = JSON.stringify(next);
    const cas = await storage.putIfMatch(key, text, etag);
    if (cas.ok) {
      fault('commit.swapped');
      // The copy a lost or damaged manifest is restored from. The commit stands without it (a full disk here must
      // not turn a committed run into a failed one): the next commit writes its own copy.
      const copied = writeHistoryCopy(storage, req.root, next.version, text);
      if (req.deferHistoryCopy) return { status: 'committed', manifest: next, etag: cas.etag, changes, historyCopied: copied.catch(() => undefined) };
      await copied;
      return { status: 'committed', manifest: next, etag: cas.etag, changes };
    }
    if (req.rebase === false) {
      await discardUnlessNamed(storage, req, [...built.values()].map((b) => b.prefix));
      return { status: 'lost' };
    }
    // Someone else committed first: back off a little (with jitter) and rebuild what they changed.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
  }
  // Given up: the folders built for the last attempts are no version of the table's (unless one swap landed unseen).
  await discardUnlessNamed(storage, req, [...built.values()].map((b) => b.prefix));
  throw new StrataError(ERRORS.CommitConflict, `could not commit ${req.shape.table} after ${maxAttempts} attempts: too many concurrent writers`);
}

/**
 * Record that strata writes version folders named v-`name`/ under the table at `root` (layout.writeIntent; `name` a
 * run id, with a commit attempt or an Athena batch: folderName, core/gold/athena.ts): written before the first of
 * them. gc deletes a folder no manifest names only when its record is there, and the record once no such folder is.
 */
export async function recordWrites(storage: Storage, root: string, name: string, at: string): Promise<void> {
  await storage.writeText(layout.writeIntent(root, name), JSON.stringify({ folder: `v-${name}/`, at }));
}

/** The name of a commit's version folders: the run id, and the attempt after the first (v-<run>-<attempt>/). */
export function folderName(runId: string, attempt: number): string {
  return `${runId}${attempt ? `-${attempt}` : ''}`;
}

export function versionFolder(root: string, path: string, runId: string, attempt: number): string {
  return `${root}${path ? `${path}/` : ''}v-${folderName(runId, attempt)}/`;
}

/**
 * Delete version folders a commit built and will not publish; never one `current` (the table's manifest as last read)
 * names as a partition's location, current or retired: a swap the store answered as lost may have landed (its answer lost on the way: an
 * attack, stop 49, where the next round found its own commit and deleted the folders it names).
 */
async function discard(storage: Storage, prefixes: string[], current?: TableManifest): Promise<void> {
  // A version another commit replaced since is named too, as a retired one (a rollback goes back to it, a reader may
  // still be on it): an attack, stop 49, found the lost swap's folder deleted once a later commit had retired it.
  const named = new Set(current ? namedLocations(current) : []);
  await mapLimit(prefixes.filter((p) => !named.has(p)), 16, (p) => storage.deletePrefix(p));
}

/**
 * discard after a swap the store refused: against the manifest as it is now. When that cannot be read, nothing is
 * deleted (when in doubt, keep: gc takes folders no manifest names, by their write records).
 */
async function discardUnlessNamed(storage: Storage, req: CommitRequest, prefixes: string[]): Promise<void> {
  const current = await readManifest(storage, req.root, req.shape).then((r) => r.manifest, () => undefined);
  if (current) await discard(storage, prefixes, current);
}
