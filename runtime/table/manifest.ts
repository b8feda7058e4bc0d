// A table's state, as one small JSON object swapped by compare-and-swap: which version folder each partition
// reads from, which source objects are already in, and the history that makes rollback possible.
// Pure functions only; runtime/table/store.ts does the I/O.
import { createHash } from 'node:crypto';
import { refuseBreakingChange, type AppliedColumn, type AppliedSchema } from '../../core/schema/evolution.ts';

export interface PartitionVersion {
  /** "dt=2025-06-15/country=DE", or "" for an unpartitioned table. */
  path: string;
  /** Partition values in partition-key order (NULL for Hive's default partition). */
  values: Array<string | null>;
  /** Version folder: silver/orders/dt=2025-06-15/v-<runId>/ */
  location: string;
  files: string[];
  rows: number;
  bytes: number;
  runId: string;
  committedAt: string;
  /** Schema hash the files were written with ('mixed' when they span schema versions). */
  schemaHash?: string;
}

export interface Change {
  path: string;
  /** Location before the change (absent: the partition is new). */
  from?: string;
  /** Location after the change (absent: the partition was removed). */
  to?: string;
  rows?: number;
}

/** What wrote a version: an ingest (commit), a gold refresh (publish), a rollback, a compaction (same rows, fewer files). */
export type CommitKind = 'commit' | 'publish' | 'rollback' | 'compact';

export interface HistoryEntry {
  version: number;
  runId: string;
  at: string;
  kind: CommitKind;
  changes: Change[];
  /** A rollback's target: the run whose result the table returned to (runs between it and the rollback are undone). */
  to?: string;
  /** Set by garbage collection past the retention window, which drops `changes` and keeps their counts. */
  collected?: { partitions: number; rows: number };
  /**
   * A rollback: the committed sources it forgot (the rows they brought are no longer the table's), so that a later
   * rollback to a run before it holds them again (sourcesAfterRun). Dropped with `changes` by gc.
   */
  forgot?: Record<string, SourceEntry>;
  /** A rollback: the sources it held again (a rollback before it had forgotten them). Dropped with `changes` by gc. */
  restored?: string[];
  /**
   * A rollback gc collected: the runs of the sources it forgot (`forgot`, which gc drops) whose rows were still out
   * of the table then, so that they stay undone for quality history (runtime/pipeline/commit.ts undoneRuns): gc made
   * a rollback older than the retention window forget them, and their metrics counted as history again.
   */
  undid?: string[];
}

export interface Retired {
  /** The replaced version, so a rollback can restore it: without its file names (see RetiredVersion). */
  version: RetiredVersion;
  retiredAt: string;
  byRunId: string;
}

/**
 * A replaced version as the manifest keeps it: everything but the names of its files, with their number and a
 * fingerprint of those names (`filesHash`: filesFingerprint). Its version folder holds exactly those files (a folder is
 * complete before the commit that names it, and nothing writes into it after; Glue and Athena read a partition by
 * listing its folder), so a rollback lists the folder and checks the count and the fingerprint
 * (runtime/table/rollback.ts), and locally that every file is readable and the rows add up (workflows/maintenance.ts).
 * Not the bytes: a compaction counted an empty file it removed, and appends carried that on. Keeping the names made
 * the manifest grow with the square of a day's appends: each version of an appended partition names every file the
 * day holds (400 appends: 5.1 MiB, rewritten by every commit). Manifests written before this keep the names
 * (`files`), and they are used as they are.
 */
export type RetiredVersion = Omit<PartitionVersion, 'files'> & { files?: string[]; fileCount?: number; filesHash?: string };

/**
 * Every version folder `m` names: its partitions' current versions and the retired ones a rollback can go back to (and
 * readers may still be on). What gc, a rollback, a discarded commit and strata doctor leave in place.
 */
export function namedLocations(m: Pick<TableManifest, 'partitions' | 'retired'>): string[] {
  return [...Object.values(m.partitions).map((p) => p.location), ...m.retired.map((r) => r.version.location)];
}

/** The form in which a replaced version is retired. */
export function retiredForm(v: PartitionVersion): RetiredVersion {
  const { files, ...rest } = v;
  return { ...rest, fileCount: files.length, filesHash: filesFingerprint(v.location, files) };
}

/**
 * The names of a version's files, relative to its folder, as 16 hex digits: SHA-256 of their sorted JSON list. A
 * folder whose listing gives another fingerprint holds other files than its version (one removed and another added
 * keep the count, not the names). Throws nothing; a key outside the folder counts by its whole key.
 */
export function filesFingerprint(location: string, keys: readonly string[]): string {
  const names = keys.map((k) => (k.startsWith(location) ? k.slice(location.length) : k)).sort();
  return createHash('sha256').update(JSON.stringify(names)).digest('hex').slice(0, 16);
}

/**
 * The manifest format this strata writes, and the newest it reads (Iceberg's format-version, Delta's reader protocol).
 * 1 (no field; before 2026-12-03): replaced versions named their files. 2: they are kept by folder, file count and
 * a fingerprint of the names (RetiredVersion); format 1 manifests are read as they are. A manifest of a later format,
 * written by a newer strata, is refused (runtime/table/store.ts parseManifest) rather than misread, and never
 * "repaired" from its history. 3: gc moved committed sources out of the manifest into source markers
 * (`sourceArchives`; layout.sourceMarker), so a strata that reads only the manifest's `sources` would ingest them
 * again; and gc moved collected history entries into archive objects (`historyArchives`), which a strata reading
 * only `history` would take for missing versions. A manifest is written in format 3 only once either has happened
 * (formatFor), as Delta raises a table's protocol only when a feature needs it; until then older strata read it.
 */
export const MANIFEST_FORMAT = 3;

/** The format a manifest is written in: the lowest that says what it holds (MANIFEST_FORMAT). */
export function formatFor(m: Pick<TableManifest, 'sourceArchives' | 'historyArchives'>): number {
  return m.sourceArchives?.length || m.historyArchives?.length ? 3 : 2;
}

/** Whether a manifest was written in a format later than this strata reads (MANIFEST_FORMAT). */
export function newerFormat(m: Pick<TableManifest, 'formatVersion'>): boolean {
  return typeof m.formatVersion === 'number' && m.formatVersion > MANIFEST_FORMAT;
}

/**
 * A run of collected history entries gc moved out of the manifest: versions `from`..`to`, `entries` of them, in `name`.
 * `compactOnly`: every one of them is a compaction (same rows, fewer files); else `compactions`: the versions among
 * them that are. So a reader asking whether the table's rows changed across those versions (a gold table's inputs:
 * runtime/gold/refresh.ts) need not open the archive.
 */
export interface HistoryArchive {
  name: string; from: number; to: number; entries: number; compactOnly?: true; compactions?: number[];
  /** The run of version `to` (what names the table's newest commit once gc archived its whole history). */
  lastRun?: string;
}

/**
 * The run that committed version `version` of a table, where a history names it (a manifest's, or a catalog entry's
 * copy); undefined once gc moved that entry into an archive. Run ids are never reused, so the same number by another
 * run is another version: one lost when an older manifest was put back, its number reused by a later commit.
 */
export function runOfVersion(t: { history: ReadonlyArray<{ version: number; runId: string }> }, version: number): string | undefined {
  return t.history.find((h) => h.version === version)?.runId;
}

/**
 * Whether every version in `from`+1..`to` of `m` is a compaction: in the manifest's history, or in an archive gc
 * marked compactOnly or listed among its compactions. False when a version is a commit or a rollback, or is in
 * neither place.
 */
export function onlyCompactionsBetween(m: Pick<TableManifest, 'history' | 'historyArchives'>, from: number, to: number): boolean {
  let seen = 0;
  for (const h of m.history) {
    if (h.version <= from || h.version > to) continue;
    if (h.kind !== 'compact') return false;
    seen++;
  }
  for (const a of m.historyArchives ?? []) {
    if (a.compactOnly) seen += Math.max(0, Math.min(a.to, to) - Math.max(a.from, from + 1) + 1);
    else seen += (a.compactions ?? []).filter((v) => v > from && v <= to).length;
  }
  return seen === to - from;
}

/** Collected history entries a manifest keeps after gc moves older ones into archives (collectGarbage). */
export const KEEP_COLLECTED = 100;

/** A committed source object: the run that committed it, its key, when, and the content id of its bytes. */
export interface SourceEntry {
  runId: string;
  key: string;
  at: string;
  /** SHA-256 content id of its bytes */
  contentId?: string;
  /** What the committing run's record says of the object (CommittedRun); absent from sources committed before stop 52. */
  run?: CommittedRun;
}

/**
 * What a run's record says of the object it committed, kept with the committed source: a run that dies after its
 * commit and before its record (its process killed, its Lambda timed out past the catch) leaves no record, and
 * strata doctor --repair writes one from this (runtime/doctor/runs.ts). Counts as in RunRecord; the object's size in
 * bytes and its ETag (locally its content id).
 */
export interface CommittedRun { rowsIn: number; rowsValid: number; rowsQuarantined: number; rowsSuperseded: number; size: number; etag: string }

export interface TableManifest {
  /** The format it was written in (MANIFEST_FORMAT); absent: 1. */
  formatVersion?: number;
  table: string;
  layer: 'silver' | 'gold';
  version: number;
  schemaHash: string;
  /** The schema the table's files were last written with, and every schema it was written with before. */
  schema?: AppliedSchema;
  schemaHistory?: Array<{ hash: string; appliedAt: string; runId: string; columns: AppliedColumn[]; partitionKeys: AppliedColumn[] }>;
  partitionKeys: string[];
  partitions: Record<string, PartitionVersion>;
  /**
   * Source objects already committed (silver): sourceId → run. Makes re-ingest a no-op. Once no rollback can change
   * whether a source is held, gc moves it to a source marker of its pass (layout.sourceMarker) and lists the pass in
   * `sourceArchives`: a source is committed when it is here or has a marker of a listed pass (store.ts committedSource).
   */
  sources: Record<string, SourceEntry>;
  /**
   * The gc passes that moved sources out of `sources` (format 3), oldest first; absent: none. Markers of a pass not
   * listed here (a gc that died or lost its compare-and-swap, a manifest restored from a copy older than the pass) do
   * not count.
   */
  sourceArchives?: Array<{ pass: string; at: string; sources: number }>;
  /**
   * History entries gc moved out of `history` (format 3), oldest first: each an immutable JSON array of collected
   * entries in `<table>/_strata/archive/` (layout.historyArchive). `history` keeps every entry a rollback may still
   * need and the newest KEEP_COLLECTED collected ones; the table's whole history is these, then `history`
   * (store.ts fullHistory).
   */
  historyArchives?: HistoryArchive[];
  /** The runs of the rollbacks gc moved into history archives undid (HistoryEntry.undid), for undoneRuns. */
  undone?: string[];
  /** The run of the table's first commit (its identity in Glue, runtime/catalog/glue.ts); kept once history[0] is archived. */
  lineage?: string;
  history: HistoryEntry[];
  /** Replaced versions, kept for rollback until garbage collection. */
  retired: Retired[];
  updatedAt: string;
  /**
   * Gold: the version of every table its SQL reads ("silver.orders", "gold.daily_revenue") that the current
   * partitions reflect. Behind its inputs' manifests, the next refresh catches up (runtime/gold/refresh.ts). Absent
   * (a gold rollback, a table from an older strata): unknown, the next refresh is full.
   */
  derivedFrom?: Record<string, number>;
  /**
   * Gold: the run that committed each of those versions (where the input's history named it). A version number alone
   * does not tell an input that went back and reused it (a manifest restored from an older copy, then committed to):
   * the same number by another run is another version (runtime/gold/refresh.ts refreshScope). Each names its version:
   * it counts only while that is derivedFrom's (a publish by an older strata moves derivedFrom and keeps this as it was).
   */
  derivedFromRuns?: Record<string, DerivedRun>;
}

export function emptyManifest(table: string, layer: 'silver' | 'gold', schemaHash: string, partitionKeys: string[]): TableManifest {
  return { formatVersion: formatFor({}), table, layer, version: 0, schemaHash, partitionKeys, partitions: {}, sources: {}, history: [], retired: [], updatedAt: new Date(0).toISOString() };
}

export interface Commit {
  runId: string;
  at: string;
  kind: HistoryEntry['kind'];
  /** New versions by partition path; null removes the partition. */
  versions: Record<string, PartitionVersion | null>;
  source?: { id: string; key: string; contentId?: string; run?: CommittedRun };
  /** Source objects to forget (a rollback removes the data they brought, so they may be ingested again). */
  forgetSources?: string[];
  /** Source objects committed again (a rollback to a run before another rollback holds their rows again). */
  restoreSources?: Record<string, SourceEntry>;
  /** A rollback: the run whose result it returns to. */
  rollbackTo?: string;
  schemaHash?: string;
  /** The schema the commit's files were written with. */
  schema?: AppliedSchema;
  /** Gold: the input versions the new partitions were computed from (see TableManifest.derivedFrom). */
  derivedFrom?: Record<string, number>;
  /** Gold: the runs of those versions (TableManifest.derivedFromRuns). */
  derivedFromRuns?: Record<string, DerivedRun>;
}

/** The run that committed a version of a gold table's input (TableManifest.derivedFromRuns). */
export interface DerivedRun { version: number; runId: string }

/** The manifest after a commit, and the changes it made. */
export function applyCommit(m: TableManifest, c: Commit): { manifest: TableManifest; changes: Change[] } {
  const partitions = { ...m.partitions };
  const retired = [...m.retired];
  const changes: Change[] = [];
  for (const [path, next] of Object.entries(c.versions)) {
    const prev = partitions[path];
    // A partition the writer left as it found it (a compaction that yielded) is no change.
    if (prev?.location === next?.location) continue;
    if (prev && (!next || prev.location !== next.location)) {
      retired.push({ version: retiredForm(prev), retiredAt: c.at, byRunId: c.runId });
    }
    if (next) partitions[path] = next; else delete partitions[path];
    changes.push({ path, ...(prev ? { from: prev.location } : {}), ...(next ? { to: next.location, rows: next.rows } : {}) });
  }
  const version = m.version + 1;
  const forgotten = (c.forgetSources ?? []).filter((id) => m.sources[id]);
  const forgot = forgotten.length ? Object.fromEntries(forgotten.map((id) => [id, m.sources[id]!])) : undefined;
  const restored = Object.keys(c.restoreSources ?? {});
  // A rollback points partitions at older versions: what they were derived from is no longer known as one version.
  const { derivedFrom: was, derivedFromRuns: wasRuns, ...rest } = m;
  const derivedFrom = c.kind === 'rollback' ? undefined : c.derivedFrom ?? was;
  const derivedFromRuns = c.kind === 'rollback' ? undefined : c.derivedFrom ? c.derivedFromRuns : wasRuns;
  return {
    manifest: {
      ...rest,
      formatVersion: formatFor(m),
      ...(derivedFrom ? { derivedFrom } : {}),
      ...(derivedFromRuns && Object.keys(derivedFromRuns).length ? { derivedFromRuns } : {}),
      version,
      schemaHash: c.schemaHash ?? m.schemaHash,
      ...schemaAfter(m, c),
      partitions,
      sources: { ...withoutSources(m.sources, c.forgetSources), ...c.restoreSources, ...(c.source ? { [c.source.id]: { runId: c.runId, key: c.source.key, at: c.at, ...(c.source.contentId ? { contentId: c.source.contentId } : {}), ...(c.source.run ? { run: c.source.run } : {}) } } : {}) },
      history: [...m.history, { version, runId: c.runId, at: c.at, kind: c.kind, changes, ...(c.rollbackTo ? { to: c.rollbackTo } : {}), ...(forgot ? { forgot } : {}), ...(restored.length ? { restored } : {}) }],
      retired,
      updatedAt: c.at,
    },
    changes,
  };
}

/**
 * The changes run `runId` made to the table as a `kind` (its last such history entry), or undefined when it made
 * none. The state machine's payloads carry counts; the paths a run changed are read back from here.
 */
export function changesBy(m: TableManifest, runId: string, kind: HistoryEntry['kind']): Change[] | undefined {
  return m.history.findLast((h) => h.runId === runId && h.kind === kind)?.changes;
}

/** What `changes` did, as a run reports it: the partitions given a version, those removed (both in change order), and the rows of the new versions. */
export function changeSummary(changes: readonly Change[]): { partitions: string[]; removed: string[]; rows: number } {
  return {
    partitions: changes.filter((c) => c.to).map((c) => c.path),
    removed: changes.filter((c) => !c.to).map((c) => c.path),
    rows: changes.reduce((a, c) => a + (c.to ? c.rows ?? 0 : 0), 0),
  };
}

/**
 * The partition versions as they stood right after `runId`'s commit: for rollback. Fails when a needed version
 * has been garbage-collected (it is no longer in the current or retired sets). A version that was retired may come
 * without its file names (RetiredVersion): runtime/table/rollback.ts lists its folder for them.
 */
export function stateAfterRun(m: TableManifest, runId: string): { state: Record<string, PartitionVersion | RetiredVersion> } | { error: string } {
  const target = m.history.find((h) => h.runId === runId);
  if (!target) return { error: `run ${runId} never changed table ${m.table} (or its history was collected)` };
  // Replay: start from the current state and undo every change made after the target version.
  const known = new Map<string, PartitionVersion>();
  for (const p of Object.values(m.partitions)) known.set(p.location, p);
  const state: Record<string, PartitionVersion | RetiredVersion | undefined> = { ...m.partitions };
  for (const h of [...m.history].reverse()) {
    if (h.version <= target.version) break;
    if (h.collected) return { error: `the history of ${m.table} up to ${h.at} was garbage-collected; it can no longer be restored` };
    for (const ch of [...h.changes].reverse()) {
      if (!ch.from) { delete state[ch.path]; continue; }
      const prev = known.get(ch.from) ?? m.retired.find((r) => r.version.location === ch.from)?.version;
      if (!prev) return { error: `version ${ch.from} of ${m.table} was garbage-collected; it can no longer be restored` };
      state[ch.path] = prev;
    }
  }
  return { state: Object.fromEntries(Object.entries(state).filter((e): e is [string, PartitionVersion | RetiredVersion] => e[1] !== undefined)) };
}

/**
 * The committed sources as they stood right after `runId`'s commit, as changes to the current ones: `forget` the
 * sources committed since (the rows they brought go with the rollback) and those a later rollback held again
 * (HistoryEntry.restored), `restore` those a later rollback forgot (HistoryEntry.forgot) whose rows the table holds
 * again. Replays the history back from the newest entry, as stateAfterRun does for partitions; call it only where
 * stateAfterRun found the run. Rollbacks written before `forgot` existed (2026-12-03) restore nothing.
 */
export function sourcesAfterRun(m: TableManifest, runId: string): { forget: string[]; restore: Record<string, SourceEntry> } {
  const after = m.history.find((h) => h.runId === runId)?.version ?? m.version;
  const then: Record<string, SourceEntry> = { ...m.sources };
  for (const h of [...m.history].reverse()) {
    if (h.version <= after) break;
    if (h.kind === 'commit') for (const [id, s] of Object.entries(then)) if (s.runId === h.runId) delete then[id];
    for (const id of h.restored ?? []) delete then[id];
    Object.assign(then, h.forgot);
  }
  const same = (a: SourceEntry | undefined, b: SourceEntry | undefined) => a?.runId === b?.runId && a?.key === b?.key;
  return {
    forget: Object.keys(m.sources).filter((id) => !same(m.sources[id], then[id])),
    restore: Object.fromEntries(Object.entries(then).filter(([id, s]) => !same(m.sources[id], s))),
  };
}

function schemaAfter(m: TableManifest, c: Commit): Pick<TableManifest, 'schema' | 'schemaHistory'> {
  if (!c.schema || m.schema?.hash === c.schema.hash) {
    // The same schema: kept, but with its partitions' sources when it was recorded without them (before stop 36),
    // so that a later change of a partition's transform or column is seen (core/schema/evolution.ts).
    // And with what the schema file now declares of the rows (required columns, primary key), which the hash leaves out.
    const sources = m.schema && c.schema && m.schema.partitionKeys.some((p) => !p.source) ? { ...m.schema, partitionKeys: c.schema.partitionKeys } : m.schema;
    const schema = sources && c.schema?.declared ? { ...sources, declared: c.schema.declared } : sources;
    return { ...(schema ? { schema } : {}), ...(m.schemaHistory ? { schemaHistory: m.schemaHistory } : {}) };
  }
  return {
    schema: c.schema,
    schemaHistory: [...(m.schemaHistory ?? []), { hash: c.schema.hash, appliedAt: c.at, runId: c.runId, columns: c.schema.columns, partitionKeys: c.schema.partitionKeys }],
  };
}

function withoutSources(sources: TableManifest['sources'], forget: string[] | undefined): TableManifest['sources'] {
  if (!forget?.length) return sources;
  const out = { ...sources };
  for (const id of forget) delete out[id];
  return out;
}

/**
 * Retired versions older than the retention window, and the manifest without them. History entries older than the
 * window keep their counts but lose their change lists: the versions those name are gone, so they can no longer serve
 * a rollback, and a table refreshed in full would otherwise grow its manifest (read by every commit) by one change
 * per partition at every publish.
 *
 * `archived`: the committed sources no rollback can forget or restore any more (a rollback replays the uncollected
 * entries after its target), which leave `sources`; the caller keeps each as a marker of gc `pass` before it swaps in
 * the manifest that lists the pass in `sourceArchives` (runtime/table/gc.ts), so that at every moment a committed
 * source is in the manifest or has a marker of a listed pass. Without them, the sources index grows by ~156 bytes per
 * commit for as long as the table lives, and every commit reads and rewrites it. `historyArchive`: the collected
 * entries beyond the newest `keepCollected`, which leave `history` for an archive object the caller also writes before
 * the swap (a reader of the whole history finds each entry in one or the other: store.ts fullHistory).
 */
export function collectGarbage(m: TableManifest, now: Date, retentionDays: number, keepCollected = KEEP_COLLECTED, pass = 'gc'): {
  manifest: TableManifest; expired: Retired[]; compacted: number; archived: Record<string, SourceEntry>; historyArchive?: { archive: HistoryArchive; entries: HistoryEntry[] };
} {
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const expired = m.retired.filter((r) => Date.parse(r.retiredAt) < cutoff);
  let compacted = 0;
  // A rollback's forgotten runs whose rows are still out of the table (no source of the manifest is theirs: a later
  // rollback did not bring them back). Once its entry is collected nothing can bring them back (a rollback replays
  // only uncollected entries), so they are undone for good.
  const standing = new Set(Object.values(m.sources).map((s) => s.runId));
  const history = m.history.map((h) => {
    if (h.collected || Date.parse(h.at) >= cutoff) return h;
    compacted++;
    const { forgot, restored: __, ...rest } = h;
    const undid = [...new Set(Object.values(forgot ?? {}).map((e) => e.runId))].filter((r) => !standing.has(r));
    return { ...rest, changes: [], collected: historyCounts(h), ...(undid.length ? { undid } : {}) };
  });
  // A rollback replays the uncollected entries after its target (sourcesAfterRun): it changes whether a source is held
  // only through an uncollected commit of the source's run, or an uncollected rollback that forgot or restored it.
  // A source none of those names is held whatever run a rollback returns to.
  const live = history.filter((h) => !h.collected);
  const undoable = new Set(live.map((h) => h.runId));
  const named = new Set(live.flatMap((h) => [...Object.keys(h.forgot ?? {}), ...(h.restored ?? [])]));
  const archived = Object.fromEntries(Object.entries(m.sources).filter(([id, s]) => !undoable.has(s.runId) && !named.has(id)));
  const moved = Object.keys(archived).length;
  // Collected entries beyond the newest `keepCollected` leave for an archive. Collected entries are the oldest (gc
  // collects by time, and history is in commit order), so the archive is a run of versions at the front.
  const collectedCount = history.filter((h) => h.collected).length;
  let folded = 0;
  while (folded < history.length && history[folded]!.collected && collectedCount - folded > keepCollected) folded++;
  const moving = history.slice(0, folded);
  const compactions = moving.filter((h) => h.kind === 'compact').map((h) => h.version);
  const historyArchive = folded ? {
    archive: {
      name: `history-${pad(moving[0]!.version)}-${pad(moving.at(-1)!.version)}-${pass}.json`, from: moving[0]!.version, to: moving.at(-1)!.version, entries: folded,
      lastRun: moving.at(-1)!.runId,
      ...(compactions.length === folded ? { compactOnly: true as const } : compactions.length ? { compactions } : {}),
    },
    entries: moving,
  } : undefined;
  if (!expired.length && !compacted && !moved && !historyArchive) return { manifest: m, expired, compacted, archived };
  const keep = m.retired.filter((r) => Date.parse(r.retiredAt) >= cutoff);
  // The runs archived rollbacks undid stay in the manifest (undoneRuns reads only the manifest).
  const undone = [...new Set([...(m.undone ?? []), ...moving.flatMap((h) => h.undid ?? [])])];
  const next = {
    ...m, retired: keep, ...(undone.length ? { undone } : {}), history: history.slice(folded), sources: withoutSources(m.sources, Object.keys(archived)), ...(moved ? { sourceArchives: [...(m.sourceArchives ?? []), { pass, at: now.toISOString(), sources: moved }] } : {}),
    ...(historyArchive ? { historyArchives: [...(m.historyArchives ?? []), historyArchive.archive], lineage: m.lineage ?? history[0]!.runId } : {}),
  };
  return { manifest: { ...next, formatVersion: formatFor(next) }, expired, compacted, archived, ...(historyArchive ? { historyArchive } : {}) };
}

const pad = (v: number) => String(v).padStart(10, '0');

/** How many partitions a history entry changed and how many rows they held, also after gc dropped its changes. */
export function historyCounts(h: HistoryEntry): { partitions: number; rows: number } {
  return h.collected ?? { partitions: h.changes.length, rows: h.changes.reduce((a, c) => a + (c.rows ?? 0), 0) };
}

/** The values of each partition the manifest holds, in partition-key order (what compareSchemas reads). */
export function partitionValues(m: TableManifest): Array<Array<string | null>> {
  return Object.values(m.partitions).map((p) => p.values);
}

/**
 * Strata.SchemaMismatch when silver.`dataset`, written as manifest `m` says, cannot evolve to `applied` (the schema
 * file's): core/schema/evolution.ts refuseBreakingChange over the table's schema and partition values. Every path that
 * reads silver through the schema file or registers it asks this first: stage, commit, register, gold refresh, rollback.
 */
export function refuseUnevolvable(m: TableManifest, plan: { applied: AppliedSchema; dataset: string }): void {
  refuseBreakingChange(m.schema, plan.applied, plan.dataset, () => partitionValues(m));
}
