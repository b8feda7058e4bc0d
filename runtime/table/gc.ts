// Garbage collection: delete replaced partition versions once they are older than the retention window (until
// then they serve rollbacks and readers that opened an older catalog), version folders a crashed commit left
// behind, and old staging.
//
// Never what something still names: a folder is kept while the manifest (its partitions, its retained versions),
// a copy in its history, or the catalog names it. And nothing when in doubt: a table whose manifest is missing or
// damaged, or whose history or catalog entry cannot be read, is left as it is and reported.
import { randomBytes } from 'node:crypto';
import type { Storage } from '../storage/port.ts';
import { mapLimit } from '../util/limit.ts';
import { fault } from '../util/fault.ts';
import { COMPACTION_RESULT_DAYS, layout } from '../../core/plan/layout.ts';
import { readStagingRecord, removeStaging } from './staging.ts';
import { collectGarbage, filesFingerprint, namedLocations, type TableManifest } from './manifest.ts';
import { historyCopies, readManifest, shapeOf, writeHistoryCopy, type ManifestShape } from './store.ts';

export interface GcResult {
  table: string;
  expiredVersions: number;
  orphanFolders: number;
  bytes: number;
  /** Committed sources moved out of the manifest into source markers (collectGarbage's `archived`). */
  archivedSources?: number;
  /** Collected history entries moved out of the manifest into an archive (collectGarbage's `historyArchive`). */
  archivedHistory?: number;
  /** Why nothing of this table was deleted (it is in doubt), with the way back. */
  kept?: string;
  /**
   * Objects in an expired version's folder that strata did not write there (a note a user saved beside its files):
   * kept, with the folder (writtenByStrata). Never deleted: never delete what strata did not create.
   */
  keptForeign?: string[];
}

export interface GcOptions {
  now?: Date;
  dryRun?: boolean;
  /** Collected history entries the manifest keeps (collectGarbage's keepCollected; default KEEP_COLLECTED). */
  keepCollected?: number;
  /** Locations the catalog shows for this table (they may lag the manifest). Throws when the entry cannot be read. */
  catalogLocations?: () => Promise<string[]>;
}

/** Grace period for folders no manifest names: a commit in progress writes them before it swaps the manifest. */
const ORPHAN_GRACE_MS = 24 * 3600_000;

/**
 * Whether `folder` (…/v-<name>/) sits where strata writes a table's versions: right under the table's root when it has
 * no partition keys, else under one folder per key, in order (`dt=…/country=…/`; core/plan/layout.ts versionPrefix).
 * A v- folder elsewhere (at the root of a partitioned table, inside another folder) is not strata's: gc deleted
 * such folders a user had made (an attack, stop 47).
 */
export function atVersionDepth(root: string, partitionKeys: readonly string[], folder: string): boolean {
  const above = folder.slice(root.length).split('/').slice(0, -2);
  return above.length === partitionKeys.length && above.every((s, i) => s.startsWith(`${partitionKeys[i]}=`));
}

/**
 * Whether the object `key` in version folder `folder` is named as strata names what it writes there: part-….parquet
 * (commits, compaction, gold refreshes), or, in a gold table (`gold`), anything in a batch folder v-<run>-b<i>/
 * (Athena's UNLOAD names its files; core/gold/athena.ts). A folder holding anything else is kept: when in doubt, keep.
 * Only gold tables have batch folders: a silver version of a run whose id ends in -b<digits> (a local run id's six
 * random hex digits read "b12345" one time in 170) is no batch, and a user's file in it was deleted (an attack, stop 50).
 */
export function writtenByStrata(folder: string, key: string, gold = false): boolean {
  return (gold && /-b\d+\/$/.test(folder)) || /^part-[^/]*\.parquet$/.test(key.slice(folder.length));
}

/**
 * Whether version folder `folder` (…/v-<name>/) is one strata recorded writing: `names` holds <name> (the names of the
 * table's write records, writeRecords: a run id, with a commit attempt `-<n>` or an Athena batch `-b<n>`;
 * runtime/table/store.ts recordWrites). Exactly that name: a copy a user made beside it (v-<run>-1/, v-<run>-copy/) is
 * not (an attack, stop 48: the run id with any -<digits> counted).
 */
export function recordedFolder(folder: string, names: ReadonlySet<string>): boolean {
  const name = folderName(folder);
  return name !== undefined && names.has(name);
}

/** The name of version folder `folder` (…/v-<name>/), as a write record names it (runtime/table/store.ts folderName). */
const folderName = (folder: string): string | undefined => /\/v-([^/]+)\/$/.exec(folder)?.[1];

/**
 * The version folder of a table's object `key` where strata writes them: a `v-<name>/` folder at the version depth
 * (atVersionDepth) holding the object, or an Athena batch folder `v-<run>-b<n>/` at the table's root holding it at
 * any depth (UNLOAD writes a partitioned table's files into `<key>=<value>/` folders inside it: core/gold/athena.ts).
 * undefined for anything else, and for the table's `_strata/`.
 */
export function versionFolderOf(root: string, partitionKeys: readonly string[], key: string, gold = false): string | undefined {
  if (!key.startsWith(root) || key.startsWith(`${root}_strata/`)) return undefined;
  const batch = gold ? /^(v-[^/]+-b\d+\/)./.exec(key.slice(root.length)) : null;
  if (batch) return root + batch[1]!;
  const m = /^(.*\/v-[^/]+\/)[^/]+$/.exec(key);
  return m && atVersionDepth(root, partitionKeys, m[1]!) ? m[1]! : undefined;
}

/** The table's write records (layout.writeIntent) among `keys` (keys under the table's root): folder name → key. */
export function writeRecords(root: string, keys: Iterable<string>): Map<string, string> {
  const prefix = layout.writeIntents(root);
  const runs = new Map<string, string>();
  for (const k of keys) {
    if (k.startsWith(prefix) && k.endsWith('.json') && !k.slice(prefix.length).includes('/')) runs.set(k.slice(prefix.length, -'.json'.length), k);
  }
  return runs;
}

export async function gcTable(storage: Storage, root: string, shape: ManifestShape, table: string, retentionDays: number, opts: GcOptions = {}): Promise<GcResult> {
  const now = opts.now ?? new Date();
  const { partitionKeys, layer } = shapeOf(shape);
  const gold = layer === 'gold';
  const none = { table, expiredVersions: 0, orphanFolders: 0, bytes: 0 };
  for (let attempt = 0; attempt < 10; attempt++) {
    let read;
    try {
      read = await readManifest(storage, root, shape);
    } catch (e) {
      return { ...none, kept: (e as Error).message };
    }
    const { manifest, etag } = read;
    if (etag === undefined) return none;
    // What else names folders of this table: the manifest's history copies and the catalog.
    let named: Set<string>;
    try {
      named = await historyLocations(storage, root);
      for (const l of (await opts.catalogLocations?.()) ?? []) named.add(l);
    } catch (e) {
      return { ...none, kept: `nothing deleted: ${(e as Error).message}` };
    }
    // This attempt's name for what it moves out: markers and archives of an attempt that dies or loses its swap count
    // for nothing, as the manifest never lists them.
    const pass = `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
    const { manifest: next, expired, compacted, archived, historyArchive } = collectGarbage(manifest, now, retentionDays, opts.keepCollected, pass);
    const live = new Set([...namedLocations(next), ...named]);
    const doomed = [...new Set(expired.map((r) => r.version.location))].filter((l) => !live.has(l));
    // Folders nobody references: v-<run>… folders under the table that nothing above names. The folders come from the
    // keys alone; sizes and times are read only for those nothing names (a streamed day's table holds 500,000 links,
    // whose lstat was 3.5 s of an 8 s gc). An expired version's bytes are the manifest's.
    const keys = storage.listKeys ? await storage.listKeys(root) : (await storage.list(root)).map((o) => o.key);
    const present = new Set<string>();
    for (const key of keys) {
      const f = versionFolderOf(root, partitionKeys, key, gold);
      if (f) present.add(f);
    }
    const known = new Set([...live, ...expired.map((r) => r.version.location)]);
    // A folder is a crashed writer's only when a write record names it; without one it was not strata's to write.
    const records = writeRecords(root, keys);
    const recorded = new Set(records.keys());
    const unnamed = await mapLimit([...present].filter((l) => !known.has(l)), 16, async (l) => {
      const objects = await storage.list(l);
      return {
        l, bytes: objects.reduce((a, o) => a + o.size, 0), newest: objects.reduce((a, o) => Math.max(a, o.lastModified.getTime()), 0),
        ours: recordedFolder(l, recorded) && objects.every((o) => writtenByStrata(l, o.key, gold)),
      };
    });
    const orphaned = unnamed.filter((f) => f.ours && now.getTime() - f.newest > ORPHAN_GRACE_MS);
    const orphans = orphaned.map((f) => f.l);
    const expiredBytes = new Map(expired.map((r) => [r.version.location, r.version.bytes]));
    const bytes = doomed.reduce((a, l) => a + (present.has(l) ? expiredBytes.get(l) ?? 0 : 0), 0) + orphaned.reduce((a, f) => a + f.bytes, 0);
    const moved = Object.entries(archived);
    const result = {
      table, expiredVersions: doomed.length, orphanFolders: orphans.length, bytes,
      ...(moved.length ? { archivedSources: moved.length } : {}), ...(historyArchive ? { archivedHistory: historyArchive.entries.length } : {}),
    };
    // What each expired version's folder holds that strata did not write there (a link to a folder elsewhere: nothing,
    // the link alone goes): kept, and said, by a dry run too (an attack, stop 50: only the real run said it).
    // The files an expired version had are strata's whatever their names: its file list, or a folder whose listing
    // has the fingerprint it was retired with (a retired version keeps no names: manifest.ts RetiredVersion); else
    // strata's names (writtenByStrata) decide.
    const versionOf = new Map(expired.map((r) => [r.version.location, r.version]));
    type Held = { link: boolean; keys: string[]; others: string[] };
    const foreignOf = new Map(await mapLimit(doomed, 16, async (l): Promise<[string, Held]> => {
      if (await storage.linkedFolder?.(l)) return [l, { link: true, keys: [], others: [] }];
      const keys = (await storage.list(l)).map((o) => o.key);
      const v = versionOf.get(l);
      const whole = v?.files ? keys.every((k) => v.files!.includes(k)) : v?.filesHash !== undefined && filesFingerprint(l, keys) === v.filesHash;
      return [l, { link: false, keys, others: whole ? [] : keys.filter((k) => !writtenByStrata(l, k, gold)) }];
    }));
    const foreign = [...foreignOf.values()].flatMap((f) => f.others).sort();
    if (opts.dryRun) return foreign.length ? { ...result, keptForeign: foreign } : result;
    if (expired.length || compacted || moved.length || historyArchive) {
      // Each source's markers first (by id, and by content id for "sent twice under two names"): a reader that no
      // longer finds it in the manifest finds a marker of a listed pass (committedSource). Written once, never changed.
      await mapLimit(moved, 16, async ([id, entry]) => {
        await storage.writeText(layout.sourceMarker(root, id, pass), JSON.stringify(entry));
        if (entry.contentId) await storage.writeText(layout.contentMarker(root, entry.contentId, id, pass), JSON.stringify(entry));
      });
      // The history entries it moves out, likewise: written whole before the swap, under this attempt's name.
      if (historyArchive) await storage.writeText(layout.historyArchive(root, historyArchive.archive.name), JSON.stringify(historyArchive.entries));
      fault('gc.markers');
      const text = JSON.stringify(next);
      const cas = await storage.putIfMatch(layout.manifest(root), text, etag);
      if (!cas.ok) continue; // a writer committed meanwhile: look again
      // The copy doctor restores from, of the same version: without it a restore brought back the manifest before gc,
      // naming the retired versions about to be deleted. As for a commit, the swap stands without it.
      await writeHistoryCopy(storage, root, next.version, text);
    }
    fault('gc.swapped');
    // An expired version's folder loses what strata wrote there; anything else in it stays, and the folder with it
    // (before, the folder went whole: a user's file saved in it too; an attack, stop 50). Orphans are strata's whole.
    await mapLimit(doomed, 16, async (l) => {
      // A folder the user moved elsewhere and linked back: the link goes, whatever it points at stays (deletePrefix).
      const f = foreignOf.get(l)!;
      if (f.link || !f.others.length) return storage.deletePrefix(l);
      await storage.delete(f.keys.filter((k) => !f.others.includes(k)));
    });
    await mapLimit(orphans, 16, (l) => storage.deletePrefix(l));
    // Then the write records of folders that are gone (deleted now, or by a commit that lost), past the grace period (a
    // younger record may be a writer's still at work). A folder still there keeps its record, named or not: a version
    // the catalog still names when it expires leaves the manifest and stays, and is an orphan only by its record (an
    // attack, stop 48: its record went with the commit's, and the folder was kept for good).
    const gone = new Set([...doomed, ...orphans]);
    const remaining = new Set([...present].filter((l) => !gone.has(l)).map((l) => folderName(l)!));
    const spent = [...records].filter(([name]) => !remaining.has(name)).map(([, k]) => k);
    if (spent.length) {
      const times = new Map((await storage.list(layout.writeIntents(root))).map((o) => [o.key, o.lastModified.getTime()]));
      const old = spent.filter((k) => now.getTime() - (times.get(k) ?? now.getTime()) > ORPHAN_GRACE_MS);
      if (old.length) await storage.delete(old);
    }
    return foreign.length ? { ...result, keptForeign: foreign } : result;
  }
  return none;
}

/**
 * Locations the newest manifest copy names (its partitions: what a restore from it would point at). Older copies
 * name versions that were replaced since; those expire with the retention window.
 */
async function historyLocations(storage: Storage, root: string): Promise<Set<string>> {
  let newest: TableManifest | undefined;
  for (const key of await historyCopies(storage, root)) {
    let m: TableManifest;
    try {
      m = JSON.parse((await storage.readText(key)) ?? '') as TableManifest;
    } catch {
      throw new Error(`the manifest copy ${storage.uri(key)} cannot be read (run strata doctor)`);
    }
    if (!newest || m.version > newest.version) newest = m;
  }
  return new Set(Object.values(newest?.partitions ?? {}).map((p) => p.location));
}

/** What gcStaging did (or, dry, would do). */
export interface StagingGc {
  /** Staging folders deleted: recorded by strata (layout.stagingRecord), nothing in them changed for a day. */
  folders: number;
  /** Their bytes. */
  bytes: number;
  /**
   * Objects under staging/ that no record names (strata did not write them, or a strata before the records did):
   * kept, never deleted. `folders`: their run-level folders (staging/<dataset>/<name>/, or the object itself when
   * not in one), sorted.
   */
  unrecorded: { objects: number; folders: string[] };
}

/**
 * Delete the staging folders of runs that ended or died more than a day ago: a folder whose record (a step wrote it
 * before the folder's first object: layout.stagingRecord, runtime/table/staging.ts) is there and whose newest object,
 * the record included, changed more than a day ago; then its record and those of folders inside it. A record whose
 * folder is gone (a removal killed between the two) goes after a day too. Nothing else under staging/ is deleted:
 * what no record names is counted in `unrecorded` (never delete what strata did not create; until stop 55, gc took
 * any folder under staging/<dataset>/: run ids are execution names in AWS, so no name pattern tells strata's apart).
 */
export async function gcStaging(storage: Storage, now = new Date(), dryRun = false): Promise<StagingGc> {
  const { folders, unrecorded } = await readStaging(storage);
  const old = [...folders].filter(([, r]) => now.getTime() - r.newest > ORPHAN_GRACE_MS);
  // removeStaging: the folder, then its record and the records inside it.
  if (!dryRun) await mapLimit(old, 8, ([f]) => removeStaging(storage, f));
  const emptied = old.filter(([, r]) => r.objects > 0);
  return { folders: emptied.length, bytes: emptied.reduce((a, [, r]) => a + r.bytes, 0), unrecorded };
}

/** What gcCompactionResults did (or, dry, would do). */
export interface CompactionResultsGc {
  /** Results deleted: written by a compaction (their content says so) and unchanged for COMPACTION_RESULT_DAYS. */
  files: number;
  bytes: number;
  /** Objects under _strata/compactions/ that are no compaction's result: kept, never deleted. */
  kept: string[];
}

/**
 * Delete the compaction results (layout.compactions: `<dataset>/<runId>.json`, one per compaction execution, read
 * back only by that execution's retried attempts and `strata compact`) unchanged for COMPACTION_RESULT_DAYS; in AWS
 * the lake bucket's lifecycle rule expire-compaction-results expires everything under the prefix after as long (the
 * bucket is strata's own). Without either they were never collected. Locally, only a
 * file whose JSON names its folder's dataset and an attempt of the execution its name is strata's; anything else is
 * kept and listed.
 */
export async function gcCompactionResults(storage: Storage, now = new Date(), dryRun = false): Promise<CompactionResultsGc> {
  const root = layout.compactionsRoot;
  const objects = await storage.list(root);
  const due = objects.filter((o) => now.getTime() - o.lastModified.getTime() > COMPACTION_RESULT_DAYS * 86_400_000);
  const kept: string[] = [];
  const ours: typeof objects = [];
  await mapLimit(due, 8, async (o) => {
    const m = /^([^/]+)\/([^/]+)\.json$/.exec(o.key.slice(root.length));
    const text = m ? await storage.readText(o.key) : undefined;
    if (m && text !== undefined && isCompactionResult(text, m[1]!, m[2]!)) ours.push(o);
    else kept.push(o.key);
  });
  if (!dryRun && ours.length) await storage.delete(ours.map((o) => o.key));
  return { files: ours.length, bytes: ours.reduce((a, o) => a + o.size, 0), kept: kept.sort() };
}

/** Whether `text` is a compaction result (runtime/pipeline/compact.ts CompactOutput) of `dataset`'s execution `runId`. */
function isCompactionResult(text: string, dataset: string, runId: string): boolean {
  try {
    const r = JSON.parse(text) as { dataset?: unknown; runId?: unknown; tables?: unknown };
    // The result's run id is the execution's with the attempt's suffix (compactDataset: `<runId>-<6 hex>`).
    return r !== null && typeof r === 'object' && r.dataset === dataset && typeof r.runId === 'string'
      && r.runId.startsWith(`${runId}-`) && Array.isArray(r.tables);
  } catch {
    return false;
  }
}

/**
 * What is under staging/: the folders strata recorded writing (layout.stagingRecord; the outermost where one holds
 * another, a run's holding its gold refreshes'), each with its objects (records not counted), their bytes and the
 * newest modification time (ms) of them and of its records; and what no record names (StagingGc.unrecorded).
 */
export async function readStaging(storage: Storage): Promise<{ folders: Map<string, { objects: number; bytes: number; newest: number }>; unrecorded: StagingGc['unrecorded'] }> {
  const objects = await storage.list('staging/');
  // A record counts when it says what strata writes in it (recordStaging): a file someone saved under _strata/ is none.
  // A record is dated by the time it says it was written (readStagingRecord: a local listing dates it by its folder,
  // which every run's record changes).
  const recorded = new Map<string, number | undefined>();
  await mapLimit(objects.filter((o) => layout.stagingOfRecord(o.key)), 8, async (o) => {
    const r = await readStagingRecord(storage, o.key);
    if (r) recorded.set(r.folder, r.at);
  });
  const outermost = (key: string): string | undefined => {
    for (let i = key.indexOf('/', 'staging/'.length); i >= 0; i = key.indexOf('/', i + 1)) {
      if (recorded.has(key.slice(0, i + 1))) return key.slice(0, i + 1);
    }
    return undefined;
  };
  const folders = new Map<string, { objects: number; bytes: number; newest: number }>();
  const unrecorded = new Set<string>();
  let foreign = 0;
  for (const o of objects) {
    const folder = layout.stagingOfRecord(o.key);
    const record = folder !== undefined && recorded.has(folder) ? folder : undefined;
    const f = outermost(record ?? o.key);
    if (!f) {
      foreign++;
      unrecorded.add(/^staging\/[^/]+\/[^/]+\//.exec(o.key)?.[0] ?? o.key);
      continue;
    }
    const r = folders.get(f) ?? { objects: 0, bytes: 0, newest: 0 };
    r.newest = Math.max(r.newest, (record ? recorded.get(record) : undefined) ?? o.lastModified.getTime());
    if (!record) {
      r.objects++;
      r.bytes += o.size;
    }
    folders.set(f, r);
  }
  return { folders, unrecorded: { objects: foreign, folders: [...unrecorded].sort() } };
}
