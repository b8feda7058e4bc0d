// The local catalog. A registration writes the table's entry (_strata/catalog/tables/<layer>.<name>.json: its
// definition, partitions, files and history), replaced by rename: that is the switch, and it costs milliseconds.
// catalog.duckdb is what readers attach: one view per table (silver.orders, gold.daily_revenue, quarantine.orders),
// brought up to the entries by materialize() before a read and once at the end of each run, and strata.* views: runs
// and quality_metrics over the lake's JSON files, tables, partitions, history and schema_history over the entries
// themselves (and the history archives they name), so those are never behind a registration.
//
// catalog.duckdb is never modified in place: under a lock a copy is changed and renamed over the original. Readers
// therefore never wait for a writer and never see half a registration; a reader that opened the old file keeps
// reading the old version of each table (its data files are retained, see gc).
import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Duck, pathLit } from '../engine/duckdb.ts';
import { ERRORS, StrataError, engineMessage, isStrataError } from '../../core/errors.ts';
import type { GlueTableInput } from '../../core/plan/glue-table.ts';
import type { RunRecord } from '../runs/record.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { readColumns } from '../../core/plan/glue-table.ts';
import { createView, createViewSql, duckTypeOfGlue } from '../engine/views.ts';
import { damagedFileMessage, damagedFileNamedBy, unreadableFiles } from '../table/damaged-file.ts';
import { isFull, whenFull } from '../storage/full.ts';
import { LockLost, withLock, type HeldLock } from '../storage/lock.ts';
import { asideStamp } from '../util/aside.ts';
import { fault } from '../util/fault.ts';
import { historyCounts, runOfVersion, type HistoryEntry, type PartitionVersion, type TableManifest } from '../table/manifest.ts';
import { layout } from '../../core/plan/layout.ts';
import type { Catalog, CatalogTable, SyncSummary } from './port.ts';

export const CATALOG_FILE = 'catalog.duckdb';

/** The key of materialized.json that names the catalog.duckdb it was written for (no table's key starts with #). */
const CATALOG_ID_KEY = '#catalog';

/** A file's identity as materialized.json records it: inode, size and modification time. */
function fileId(st: { ino: number; size: number; mtimeMs: number }): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** Entries longer than this (characters) are parsed at every read rather than kept (LocalCatalog.readEntry). */
const ENTRY_CACHE_CHARS = 4 << 20;

/** The DuckDB that writes catalog.duckdb: a session of the shared instance of this configuration (Duck.session). */
const CATALOG_DUCK = { memoryLimit: '256MB', threads: 1 } as const;
/**
 * catalog.duckdb's block size in bytes, DuckDB's smallest (`ATTACH … (BLOCK_SIZE 16384)`, DuckDB ≥ 1.2; its default
 * is 256 KiB). The catalog is small and rewritten by every run: with 256 KiB blocks the COMMIT and CHECKPOINT of a
 * catch-up took 48–98 ms together (memset and page faults, by perf; not fsync), with 16 KiB 12–34 ms (2026-12-02, the
 * statements of one run's catch-up replayed 6 times each on copies of the same catalog). Readers need no option: the
 * size is in the file's header.
 * A catalog.duckdb of another block size (written before) is rebuilt from the entries at its next write, and kept
 * beside it as catalog.duckdb.replaced.
 */
export const CATALOG_BLOCK_SIZE = 16_384;

/** Copies attached so far in this process: each write attaches its copy under a name of its own. */
let attached = 0;

const SCHEMA_SQL = 'CREATE SCHEMA IF NOT EXISTS silver; CREATE SCHEMA IF NOT EXISTS gold; CREATE SCHEMA IF NOT EXISTS quarantine; CREATE SCHEMA IF NOT EXISTS strata;';

export class LocalCatalog implements Catalog {
  readonly kind = 'local' as const;
  readonly lakeDir: string;
  readonly file: string;

  /** Entries as last read or written by this catalog, by path: their text and what it parses to (readEntry). */
  private readonly parsed = new Map<string, { text: string; entry: CatalogEntry }>();

  /** Partition-lines files this catalog found equal to their entry (or wrote from it at a read), by path: their identity then (fileId). */
  private readonly linesKnown = new Map<string, string>();

  constructor(lakeDir: string) {
    this.lakeDir = lakeDir;
    this.file = join(lakeDir, CATALOG_FILE);
  }

  /** Keep an entry's text and object for readEntry; not one of many MB (a table of 50,016 partitions), nor any after it is gone. */
  private remember(path: string, text: string, entry: CatalogEntry): void {
    if (text.length <= ENTRY_CACHE_CHARS) this.parsed.set(path, { text, entry });
    else this.parsed.delete(path);
  }

  /**
   * Copy, change, swap. Serialised across processes by a lock next to the catalog; the copy is made inside the lock
   * so that a holder taken over while it worked (stopped, too slow) cannot swap its older copy in (runtime/storage/lock.ts).
   * `fn` is told what materialized.json says of the copy (heldState, read under the lock), undefined when the copy
   * starts empty: catalog.duckdb is derived from the entries, so a file DuckDB cannot open (a damaged one) is not
   * repaired but rebuilt from them, and the damaged file is kept beside it as catalog.duckdb.damaged.
   */
  private async write<T>(fn: (db: Duck, held: HeldState | undefined) => Promise<T>, afterSwap?: (result: T, lock: HeldLock) => Promise<void>): Promise<T> {
    await mkdir(this.lakeDir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeOnce(fn, afterSwap);
      } catch (e) {
        // Copy, change and swap again from the newer catalog the process that took the lock over left.
        if (!(e instanceof LockLost) || attempt >= 3) throw e;
      }
    }
  }

  private async writeOnce<T>(fn: (db: Duck, held: HeldState | undefined) => Promise<T>, afterSwap?: (result: T, lock: HeldLock) => Promise<void>): Promise<T> {
    return withLock(`${this.file}.lock`, async (lock) => {
      const tmp = lock.temp(CATALOG_FILE);
      const discard = async () => { await rm(tmp, { force: true }); await rm(`${tmp}.wal`, { force: true }); };
      const attempt = async (fresh: boolean): Promise<T> => {
        // A catalog.duckdb that materialized.json was written for is one this strata wrote: of its block size, with its schemas.
        const held = fresh ? undefined : await this.heldState();
        if (!fresh) {
          await copyFile(this.file, tmp);
          fault('catalog.copied');
        }
        // The copy is attached to a session of the process's shared instance, not opened as an instance of its own:
        // creating an instance cost 30–50 ms of the 100–180 ms a catch-up took (2026-12-02), on every write.
        const db = await Duck.session(CATALOG_DUCK);
        const alias = `catalog_${++attached}`;
        try {
          await db.run(`ATTACH ${pathLit(tmp)} AS ${alias}${fresh ? ` (BLOCK_SIZE ${CATALOG_BLOCK_SIZE})` : ''}`);
          let done = false;
          try {
            if (!fresh && !held?.current) await checkBlockSize(db, alias);
            await db.run(`USE ${alias}; SET SESSION file_search_path = ${pathLit(this.lakeDir)}`);
            const result = await fn(db, held);
            await db.run(`CHECKPOINT ${alias}`);
            done = true;
            return result;
          } finally {
            // Detached before the swap or the discard, whatever happened: the instance outlives this write. A copy
            // that cannot be detached is never swapped in (its error fails the write); after a failure, the
            // failure is what is reported.
            const detached = db.detach(alias);
            if (done) await detached; else await detached.catch(() => undefined);
          }
        } finally {
          await db.release();
        }
      };
      try {
        const exists = await present(this.file);
        let aside: string | undefined;
        const result = await attempt(!exists).catch(async (e) => {
          if (!exists || !(e instanceof OtherBlockSize || isCatalogDamage(e))) throw e;
          aside = e instanceof OtherBlockSize ? `${this.file}.replaced` : `${this.file}.damaged`;
          await discard();
          return attempt(true);
        });
        // The swap moves one file: a change still in a write-ahead log beside the copy would be lost with it.
        if (await present(`${tmp}.wal`)) throw new Error(`${tmp}.wal is left after the checkpoint: the catalog copy is not whole`);
        // A write-ahead log beside catalog.duckdb is another program's (strata never writes the file in place): DuckDB
        // would replay it onto the file swapped in, which it does not belong to (a ghost row, or an unreadable file).
        // The copy was made without it; it is kept aside, as catalog.duckdb.wal.stale-<time> (strata doctor's naming).
        if (await present(`${this.file}.wal`)) {
          await rename(`${this.file}.wal`, `${this.file}.wal.stale-${asideStamp()}`);
        }
        // Derived, but kept: when in doubt, keep. (A catalog of another block size, rebuilt, as catalog.duckdb.replaced.)
        if (aside) await rename(this.file, aside);
        await lock.move(tmp, this.file, 'catalog.rename');
        if (afterSwap) await afterSwap(result, lock); // still under the lock: markers never run ahead of the catalog
        return result;
      } catch (e) {
        await discard();
        throw whenFull(e, this.file);
      }
    });
  }

  /**
   * Get the DuckDB that writes catalog.duckdb ready off the main thread, for work that will write it soon (a run
   * catches it up at its end): that run then does not wait 20–40 ms for an instance.
   */
  prewarm(): void {
    Duck.prewarm(CATALOG_DUCK);
  }

  /** A table's entry: what the catalog shows of it, written whole and swapped by rename (one per table). */
  private entryPath(layer: string, name: string): string {
    return join(this.lakeDir, '_strata', 'catalog', 'tables', `${layer}.${name}.json`);
  }

  /**
   * A table's partitions as its entry has them, one JSON object per line (partitionLines): what strata.partitions and
   * strata.tables read, streaming, where the entry is one object (a table of 50,016 partitions is one of 21 MB, which
   * DuckDB parsed into one row: a query of it needed more than 256 MB).
   */
  private partitionLinesPath(layer: string, name: string): string {
    return join(this.lakeDir, '_strata', 'catalog', 'partitions', `${layer}.${name}.jsonl`);
  }

  /**
   * Each table entry's partition lines as the entry has them: written from the entry where they are missing (an entry
   * a strata before them wrote), damaged or behind it (a registration stopped between the two writes), under the
   * entry's lock from the entry as it is then, so never over newer lines; a lines file that cannot be read failed every
   * table's rows in strata.partitions and strata.tables (an attack, stop 51). Read and compared only when the file is
   * not the one its entry was registered with, nor the one this catalog last wrote or compared (its identity, fileId).
   * `entries`: as entries() read them.
   */
  private async checkPartitionLines(entries: ReadonlyArray<CatalogEntry | DamagedEntry>): Promise<void> {
    for (const e of entries) {
      if ('damaged' in e || !e.table) continue;
      const lines = this.partitionLinesPath(e.layer, e.name);
      const id = await stat(lines).then(fileId, () => undefined);
      // The file the entry was registered with, or the one this process last wrote or compared: known without reading
      // (a table of 50,016 partitions took 250 ms to read and compare at every query: a second attack, stop 51).
      if (id !== undefined && (id === e.lines || id === this.linesKnown.get(lines))) continue;
      const same = async (t: TableEntry) => (await readFile(lines, 'utf8').catch(() => undefined)) === partitionLines(t);
      try {
        if (id === undefined || !(await same(e.table))) {
          const path = this.entryPath(e.layer, e.name);
          await this.lockEntry(path, async (lock) => {
            const now = await this.readEntry(path).catch(() => undefined);
            if (now?.table && !(await same(now.table))) await writeLines(lock, lines, partitionLines(now.table));
          });
        }
        const after = await stat(lines).then(fileId, () => undefined);
        if (after !== undefined) this.linesKnown.set(lines, after);
      } catch {
        // Not writable here (a read-only lake, a full disk): the read goes on; a query of strata.partitions or
        // strata.tables names the file DuckDB cannot read, and the table's next registration writes it.
      }
    }
  }

  /** One writer at a time per entry (a lock beside it): the version check and the (fenced) write are one step. */
  private async lockEntry<T>(path: string, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
    await mkdir(join(path, '..'), { recursive: true });
    return withLock(`${path}.lock`, fn);
  }

  /**
   * The entry, or undefined when there is none; a damaged one is an error (never a table silently left out). Read
   * whole every time; parsed again only when its text differs from the one this catalog last read or wrote there
   * (a catch-up reads every entry twice, and a run's registration and catch-up read its table's entry again: parsing
   * them was 4 ms of a 20 ms catch-up after a gold refresh, 2026-12-07). Entries are never changed by their readers.
   */
  private async readEntry(path: string): Promise<CatalogEntry | undefined> {
    const mends = 'the next registration of that table (an ingest of its dataset, strata refresh of a gold table) writes it again from the manifest; the other tables are not affected';
    // (A folder or an unreadable file there is that table's damaged entry: EISDIR failed every query, an attack, stop 53.)
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw new StrataError(ERRORS.UnreadableFile, `catalog entry ${path} cannot be read (${e.message}): ${mends}`);
    });
    if (text === undefined) return undefined;
    const known = this.parsed.get(path);
    if (known?.text === text) return known.entry;
    let entry: CatalogEntry;
    try {
      entry = JSON.parse(text) as CatalogEntry;
    } catch (e) {
      throw new StrataError(ERRORS.UnreadableFile, `catalog entry ${path} is not valid JSON (${(e as Error).message}): ${mends}`);
    }
    const wrong = entryShapeProblem(entry, basename(path));
    if (wrong) throw new StrataError(ERRORS.UnreadableFile, `catalog entry ${path} is no strata catalog entry (${wrong}): ${mends}`);
    this.remember(path, text, entry);
    return entry;
  }

  /**
   * Registering a table writes its entry (a few milliseconds) instead of rewriting catalog.duckdb (40–80 ms: open,
   * bind the view, checkpoint, swap). The entry is the switch: readers materialise catalog.duckdb from the entries
   * before they read (materialize), and every local run materialises once when it records itself (putRun).
   */
  async syncTable(table: CatalogTable, m: TableManifest): Promise<SyncSummary> {
    const stamp = tableStamp(m, table.glue.Parameters['strata.schema_hash'] ?? '');
    const path = this.entryPath(table.layer, table.name);
    return this.lockEntry(path, async (lock) => {
      // A damaged entry is replaced: entries are derived from manifests, and this registration writes it whole.
      const prev = await this.readEntry(path).catch((e) => { if (isStrataError(e)) return undefined; throw e; });
      const held = prev?.table?.version;
      // A newer version is registered already (concurrent runs register in any order), or this one is. A newer version
      // whose history holds this version with another run is not: it was lost (a manifest restored from an older copy)
      // and this commit reused its number.
      const lost = prev?.table !== undefined && held! > m.version && await this.otherRunAt(prev.table, m);
      // Nor is a newer version of another line: the table was started over (its folder moved aside, as the way back
      // from a damaged file says, and its bronze objects ingested again), so its versions count from 1 again.
      const shownLine = prev?.table ? lineageOf(prev.table) : undefined;
      const otherLine = shownLine !== undefined && lineageOf(m) !== undefined && shownLine !== lineageOf(m);
      if (prev?.stamp === stamp || (held !== undefined && held > m.version && !lost && !otherLine)) return { created: 0, updated: 0, deleted: 0 };
      const body = entryOf(m, tableRoot(table));
      // Its partitions one per line first (strata.partitions reads those), then the entry: the switch. The entry names
      // the lines file it was written with (its identity), so a read in any process knows them without reading them.
      const lines = this.partitionLinesPath(table.layer, table.name);
      const linesId = await writeLines(lock, lines, partitionLines(body));
      const entry: CatalogEntry = { stamp, layer: table.layer, name: table.name, glue: table.glue, table: body, lines: linesId };
      const text = JSON.stringify(entry);
      await lock.write(path, text);
      this.remember(path, text, JSON.parse(text) as CatalogEntry);
      const old = new Map(Object.values(prev?.table?.partitions ?? {}).map((p) => [p.path, p.location]));
      let created = 0, updated = 0;
      for (const p of Object.values(m.partitions)) {
        const was = old.get(p.path);
        if (was === undefined) created++; else if (was !== p.location) updated++;
        old.delete(p.path);
      }
      return { created, updated, deleted: old.size };
    });
  }

  /**
   * Whether a newer entry's line has `m`'s version by another run than `m`'s (so `m`'s version is not the one the entry
   * grew from: that one was lost). The entry's history, else its history archives (gc moved the entry out); undefined
   * either way, or an archive that cannot be read: not known, taken as the same run. Archives that are gone: another line.
   */
  private async otherRunAt(t: TableEntry, m: TableManifest): Promise<boolean> {
    const mine = runOfVersion(m, m.version);
    if (mine === undefined) return false;
    let theirs = runOfVersion(t, m.version);
    if (theirs === undefined && t.historyArchives?.length && m.version < (t.history[0]?.version ?? t.version + 1)) {
      const files = t.historyArchives.map((k) => join(this.lakeDir, ...k.split('/')));
      // Archives gone from the table's folder: the entry's line is not this table's any more (the folder was moved
      // aside and the table started over, under an entry that did not keep its lineage). gc never deletes one.
      if (!(await Promise.all(files.map((f) => present(f)))).every(Boolean)) return true;
      theirs = runOfVersion({ history: await readArchives(files).catch(() => []) }, m.version);
    }
    return theirs !== undefined && theirs !== mine;
  }

  /**
   * The manifest version and partition locations a table's entry shows (gc keeps them, strata doctor compares them
   * with the manifest); Strata.UnreadableFile when the entry is damaged.
   */
  async shown(layer: CatalogTable['layer'], name: string): Promise<{ version: number; run?: string; locations: string[]; file: string } | undefined> {
    const file = this.entryPath(layer, name);
    const e = await this.readEntry(file);
    const run = e?.table?.history.at(-1)?.runId;
    return e?.table ? { version: e.table.version, ...(run ? { run } : {}), locations: Object.values(e.table.partitions).map((p) => p.location), file } : undefined;
  }

  /** The files a file-list table's entry names (quarantine), as storage keys; undefined when it has no entry. */
  async listedFiles(layer: CatalogTable['layer'], name: string): Promise<string[] | undefined> {
    return (await this.readEntry(this.entryPath(layer, name)))?.files;
  }

  /** The entry file of a table (strata doctor names it, and moves a damaged one aside). */
  entryFile(layer: CatalogTable['layer'], name: string): string {
    return this.entryPath(layer, name);
  }

  /**
   * What catalog.duckdb does not show yet ("silver.orders", "view:strata.runs"), and what it still shows that no entry
   * names any more (a table taken out of the catalog); everything when it is missing.
   */
  async pending(): Promise<string[]> {
    const have = (await this.heldStamps()) ?? {};
    const wanted = await this.wanted();
    return [...wanted.filter((s) => have[s.key] !== s.stamp).map((s) => s.key), ...goneKeys(Object.keys(have), wanted)];
  }

  async syncFiles(table: CatalogTable, files: readonly string[]): Promise<void> {
    const stamp = `files:${createHash('sha256').update(JSON.stringify([table.glue, files])).digest('hex').slice(0, 32)}`;
    const path = this.entryPath(table.layer, table.name);
    if ((await this.readEntry(path).catch((e) => { if (isStrataError(e)) return undefined; throw e; }))?.stamp === stamp) return;
    await this.lockEntry(path, (lock) => lock.write(path, JSON.stringify({ stamp, layer: table.layer, name: table.name, glue: table.glue, files: [...files] } satisfies CatalogEntry)));
  }

  /** Each table's history as its entry shows it (commits, publishes, rollbacks with their target, compactions). */
  async histories(): Promise<Array<{ layer: string; name: string; history: TableEntry['history']; damaged?: string }>> {
    const tables = (await this.entries()).flatMap((e) => ('damaged' in e || !e.table ? [] : [{ layer: e.layer, name: e.name, table: e.table }]));
    // A table whose archive cannot be read gives the history its entry holds, and says why the rest is missing.
    return Promise.all(tables.map(async (t) => this.archived(t.table).then(
      (old) => ({ layer: t.layer, name: t.name, history: [...old, ...t.table.history] }),
      (e: Error) => ({ layer: t.layer, name: t.name, history: t.table.history, damaged: e.message }),
    )));
  }

  /** The history entries of an entry's archives (TableEntry.historyArchives), as history rows; Strata.UnreadableFile naming one that cannot be read. */
  private async archived(t: TableEntry): Promise<TableEntry['history']> {
    return (await readArchives((t.historyArchives ?? []).map((key) => join(this.lakeDir, ...key.split('/'))))).map(historyRow);
  }

  /** Which entry stamps catalog.duckdb holds; written after each swap, under the catalog lock. */
  private get materializedFile(): string {
    return join(this.lakeDir, '_strata', 'catalog', 'materialized.json');
  }

  /** Every entry; one that cannot be read is reported as damaged (its table alone shows the error, see wanted). */
  private async entries(): Promise<Array<CatalogEntry | DamagedEntry>> {
    const dir = join(this.lakeDir, '_strata', 'catalog', 'tables');
    const names = await readdir(dir).catch(() => [] as string[]);
    // Only <layer>.<name>.json is an entry; other files there (a notes.json, a backup.silver.orders.json) are no
    // strata's, left as they are and not read (a stray one failed every query: an attack, stop 53).
    const all = await Promise.all(names.filter((n) => ENTRY_NAME.test(n)).sort().map(async (n) => {
      const path = join(dir, n);
      try {
        return await this.readEntry(path);
      } catch (e) {
        if (!isStrataError(e)) throw e;
        const [layer = '', ...rest] = n.slice(0, -'.json'.length).split('.');
        const text = await readFile(path).catch(() => Buffer.alloc(0));
        return { damaged: e.message, layer, name: rest.join('.'), stamp: `damaged:${createHash('sha256').update(text).digest('hex').slice(0, 16)}` } satisfies DamagedEntry;
      }
    }));
    return all.filter((e): e is CatalogEntry | DamagedEntry => e !== undefined);
  }

  /**
   * Everything catalog.duckdb should show: each table's entry, and the strata.* views once their first file exists.
   * Views name their files by absolute path, so that any tool opening catalog.duckdb from any folder reads them; the
   * lake's folder is part of every stamp, so a lake moved (or a catalog written with lake-relative paths) is shown again.
   * `read`: the entries as entries() read them, when the caller has them.
   */
  private async wanted(read?: ReadonlyArray<CatalogEntry | DamagedEntry>): Promise<Shown[]> {
    const dir = resolve(this.lakeDir);
    const at = `@${dir}`;
    const abs = (keys: readonly string[]) => keys.map((key) => join(dir, ...key.split('/')));
    const entries = read ?? await this.entries();
    const shown: Shown[] = entries.map((e): Shown => {
      const key = `${e.layer}.${e.name}`;
      if ('damaged' in e) return { key, stamp: e.stamp, view: { schema: e.layer, name: e.name }, apply: () => Promise.reject(new StrataError(ERRORS.UnreadableFile, e.damaged)) };
      return {
        key, stamp: `${e.stamp}${at}`, view: { schema: e.layer, name: e.name, glue: e.glue },
        apply: (db) => (e.table ? applyTable(db, e, e.table, abs) : createView(db, e.layer, e.name, e.glue, abs(e.files ?? []), false)),
        explain: (db, err) => this.explain(db, e, err),
      };
    });
    for (const v of JSON_VIEWS) {
      // DuckDB binds the glob when the view is created: it needs one file to exist.
      if (await hasFile(join(this.lakeDir, v.folder), v.depth)) shown.push({ key: `view:${v.name}`, stamp: `v${v.version}${at}`, apply: (db) => db.run(v.sql(dir)) });
    }
    // strata.tables, partitions, history and schema_history read the entries (and the history archives they name) when
    // queried: shown again only when the set of those files changes (a table registered for the first time, taken out,
    // damaged, or gc archiving history), never for a commit. Whenever catalog.duckdb shows anything (empty ones when no
    // table is registered yet), as the tables they replace were.
    if (!shown.length) return shown;
    const sources: EntrySources = { entries: [], partitions: [], archives: [] };
    for (const e of entries) {
      if ('damaged' in e || !e.table) continue;
      sources.entries.push(this.entryPath(e.layer, e.name));
      sources.partitions.push(this.partitionLinesPath(e.layer, e.name));
      for (const file of abs(e.table.historyArchives ?? [])) sources.archives.push({ layer: e.layer, name: e.name, file });
    }
    const sourcesStamp = createHash('sha256').update(JSON.stringify(sources)).digest('hex').slice(0, 32);
    for (const v of ENTRY_VIEWS) {
      shown.push({ key: `view:strata.${v.name}`, stamp: `e${ENTRY_VIEWS_VERSION}:${sourcesStamp}${at}`, apply: (db) => applyEntryView(db, v, sources) });
    }
    return shown;
  }

  /** Why an entry could not be applied: a data file DuckDB cannot open (named, with the way back), or the engine's words. */
  private async explain(db: Duck, e: CatalogEntry, err: unknown): Promise<string> {
    const keys = e.table ? Object.values(e.table.partitions).flatMap((p) => p.files) : e.files ?? [];
    const bad = await unreadableFiles(db, keys.map((key) => ({ key, path: join(this.lakeDir, ...key.split('/')) })));
    if (bad.length) {
      const more = bad.length > 1 ? ` (and ${bad.length - 1} more damaged file${bad.length > 2 ? 's' : ''}: ${bad.slice(1, 4).map((b) => b.key).join(', ')})` : '';
      return `${damagedFileMessage(e.layer, e.name, bad[0]!, await this.historyOf(e.layer, e.name, e.table?.history))}${more}`;
    }
    return `${e.layer}.${e.name} cannot be shown: ${engineMessage(err)} (catalog entry ${this.entryPath(e.layer, e.name)}; the next registration of the table writes it again)`;
  }

  /**
   * Bring catalog.duckdb up to the entries: one copy-and-swap for everything that changed since the last time, none
   * when nothing did. Readers call this before they attach; a reader attached to an older file keeps its snapshot.
   */
  async materialize(): Promise<void> {
    const stale = (shown: Shown[], have: Record<string, string>) => shown.filter((s) => have[s.key] !== s.stamp);
    const entries = await this.entries();
    const [have, wanted] = await Promise.all([this.heldStamps(), this.wanted(entries), this.checkPartitionLines(entries)]);
    if (have && !stale(wanted, have).length && !goneKeys(Object.keys(have), wanted).length) return;
    let state: Record<string, string> = {};
    await this.write(async (db, held) => {
      // Again under the lock: another materialisation may have just applied some of it.
      const shown = await this.wanted();
      const have = held?.stamps ?? {};
      // What no entry names any more goes (a table strata doctor --repair took out of the catalog after its folder was
      // deleted: catalog.duckdb kept its view over files gone, and every query of it failed; newcomer's trial, stop 49).
      // And any table view the file holds that no entry names, unless materialized.json was written for this very
      // catalog.duckdb (it may be lost, or older, while catalog.duckdb stays: a second attack, stop 49).
      const views = !held || held.current ? [] : (await db.all<{ k: string }>(`SELECT schema_name || '.' || view_name AS k FROM duckdb_views() WHERE database_name = current_database() AND NOT internal AND schema_name IN ('silver', 'gold', 'quarantine')`)).map((r) => r.k);
      const gone = goneKeys([...Object.keys(have), ...views], shown);
      const failed = await applyEach(db, [...gone.map(dropShown), ...stale(shown, have)], !held?.current);
      // A table that could not be shown is tried again at the next read (its cause may have been mended).
      const kept = Object.fromEntries(Object.entries(have).filter(([k]) => !gone.includes(k) || failed.has(k)));
      state = { ...kept, ...Object.fromEntries(shown.map((s) => [s.key, failed.has(s.key) ? `unreadable:${s.stamp}` : s.stamp])) };
    }, async (_, lock) => lock.write(this.materializedFile, JSON.stringify({ ...state, [CATALOG_ID_KEY]: fileId(await stat(this.file)) })));
  }

  /** The stamps catalog.duckdb holds; undefined when there is no file yet (or it was deleted). */
  private async heldStamps(): Promise<Record<string, string> | undefined> {
    return (await this.heldState())?.stamps;
  }

  /**
   * materialized.json: the stamps catalog.duckdb holds, and whether it was written for the catalog.duckdb there now
   * (the file's identity after the swap it followed: a writer stopped between the two leaves an older one). Undefined
   * when there is no catalog.duckdb; no stamps, not current, when materialized.json is missing or damaged.
   */
  private async heldState(): Promise<HeldState | undefined> {
    const st = await stat(this.file).catch(() => undefined);
    if (!st) return undefined;
    const held = await readFile(this.materializedFile, 'utf8').then((t) => JSON.parse(t) as unknown, () => undefined);
    if (held === null || typeof held !== 'object' || Array.isArray(held)) return { stamps: {}, current: false };
    const { [CATALOG_ID_KEY]: id, ...stamps } = held as Record<string, string>;
    return { stamps, current: id === fileId(st) };
  }

  /**
   * Run records and quality metrics stay JSON files in the lake (the source of truth, also in AWS); strata.runs and
   * strata.quality_metrics are views over them. The end of a run is when catalog.duckdb catches up with what the run
   * registered, for tools that open it directly.
   */
  async putRun(_run: RunRecord): Promise<void> {
    await this.materialize();
  }

  /**
   * Attach the current catalog read-only to a reader's DuckDB as `lake` (made the default), materialising it first.
   * Reads need no free space: when the disk is too full to bring catalog.duckdb up to date, the reader gets the same
   * catalog built in its own memory from the entries.
   */
  async attachTo(db: Duck, opts: { use?: boolean } = {}): Promise<void> {
    try {
      await this.materialize();
    } catch (e) {
      if (!isFull(e)) throw e;
      await db.run(`ATTACH ':memory:' AS lake; USE lake; SET file_search_path = ${pathLit(this.lakeDir)}`);
      await applyEach(db, await this.wanted());
      if (opts.use === false) await db.run('USE memory');
      return;
    }
    const attach = () => db.run(`ATTACH ${pathLit(this.file)} AS lake (READ_ONLY);${opts.use === false ? '' : ' USE lake;'} SET file_search_path = ${pathLit(this.lakeDir)}`);
    await attach().catch(async (e) => {
      if (!isCatalogDamage(e)) throw e;
      await this.rebuild();
      await attach();
    });
  }

  /** Rebuild catalog.duckdb from the entries alone (it is damaged, or was deleted); the damaged file is kept aside. */
  private async rebuild(): Promise<void> {
    await rm(this.materializedFile, { force: true });
    await this.materialize(); // write() finds the file damaged, keeps it as catalog.duckdb.damaged and starts empty
  }

  /**
   * When a query failed on a data file of this lake that DuckDB cannot read: what that means for the table's versions
   * and the way back (runtime/table/damaged-file.ts). Undefined for any other failure.
   */
  async explainFailure(db: Duck, err: unknown): Promise<string | undefined> {
    // The path as DuckDB quotes it, with ' or " (a damaged data page: "Failed to read file \"…\""), and its data too.
    const bad = await damagedFileNamedBy(db, err, (named) => {
      const key = relative(this.lakeDir, isAbsolute(named) ? named : join(this.lakeDir, named)).split(sep).join('/');
      return key.startsWith('..') || isAbsolute(key) ? undefined : key;
    });
    if (!bad) return undefined;
    const key = bad.key;
    const [layer = '', table = ''] = key.split('/');
    const entry = await this.readEntry(this.entryPath(layer, table)).catch(() => undefined);
    return damagedFileMessage(layer, table, bad, await this.historyOf(layer, table, entry?.table?.history));
  }

  /**
   * A table's history as its manifest holds it now, for the way back from a damaged file: the catalog entry's copy is
   * as of the table's last registration, and gc, which collects entries, does not register (a message built on it
   * named a rollback gc had made impossible). The entry's copy when the manifest cannot be read.
   */
  private async historyOf(layer: string, table: string, entry: TableEntry['history'] | undefined): Promise<HistoryEntry[] | TableEntry['history'] | undefined> {
    if (layer !== 'silver' && layer !== 'gold') return entry;
    const text = await readFile(join(this.lakeDir, ...layout.manifest(tableRoot({ layer, name: table })).split('/')), 'utf8').catch(() => undefined);
    try {
      const history = text === undefined ? undefined : (JSON.parse(text) as Partial<TableManifest>).history;
      return Array.isArray(history) ? history : entry;
    } catch {
      return entry;
    }
  }

  /** Open the current catalog read-only (for checks; strata query attaches it the same way). */
  async readOnly<T>(fn: (db: Duck) => Promise<T>): Promise<T> {
    const db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
    try {
      await this.attachTo(db);
      return await fn(db);
    } finally {
      db.close();
    }
  }
}

/** What materialized.json says: the stamps catalog.duckdb holds, and whether it was written for the catalog.duckdb there now. */
interface HeldState {
  stamps: Record<string, string>;
  current: boolean;
}

/** Something catalog.duckdb shows, and the stamp that says which version of it. */
interface Shown {
  key: string;
  stamp: string;
  apply: (db: Duck) => Promise<void>;
  /** The table's view, replaced by one that raises the reason when the table cannot be shown. */
  view?: { schema: string; name: string; glue?: GlueTableInput };
  /** The reason, in words, when apply failed. */
  explain?: (db: Duck, err: unknown) => Promise<string>;
}

/** Of the keys catalog.duckdb holds (materialized.json's, its own views'), those nothing wanted names any more, once each. */
function goneKeys(held: Iterable<string>, wanted: readonly Shown[]): string[] {
  const named = new Set(wanted.map((s) => s.key));
  return [...new Set(held)].filter((k) => !named.has(k));
}

/** Take what catalog.duckdb shows under `key` out of it: a table's view, or a strata.* view. */
function dropShown(key: string): Shown {
  const view = key.startsWith('view:') ? key.slice('view:'.length) : key;
  const dot = view.indexOf('.');
  const [schema, name] = [view.slice(0, dot), view.slice(dot + 1)];
  return { key, stamp: 'gone', apply: (db) => db.run(`DROP VIEW IF EXISTS ${ident(schema)}.${ident(name)}`) };
}

/** An entry that could not be read: its table shows the reason; the other tables are not affected. */
interface DamagedEntry {
  damaged: string;
  layer: string;
  name: string;
  stamp: string;
}

/**
 * Apply what changed: all in one transaction (one WAL flush), as almost always. If anything fails, again one table per
 * transaction, and each table that fails gets a view raising the reason: damage stays inside its table, and every
 * other table, and `select 1`, keep working. Returns the keys that failed. `schemas`: create the four schemas first
 * (not needed in a catalog.duckdb strata wrote last: 0.6 ms of a catch-up).
 */
async function applyEach(db: Duck, todo: readonly Shown[], schemas = true): Promise<Set<string>> {
  const failed = new Set<string>();
  await db.run('BEGIN TRANSACTION');
  try {
    if (schemas) await db.run(SCHEMA_SQL);
    for (const s of todo) await s.apply(db);
    await db.run('COMMIT');
    return failed;
  } catch (e) {
    await db.run('ROLLBACK').catch(() => undefined);
    if (isCatalogDamage(e)) throw e; // not a table's: write() rebuilds catalog.duckdb
  }
  await db.run(SCHEMA_SQL);
  for (const s of todo) {
    await db.run('BEGIN TRANSACTION');
    try {
      await s.apply(db);
      await db.run('COMMIT');
      continue;
    } catch (e) {
      await db.run('ROLLBACK').catch(() => undefined);
      failed.add(s.key);
      const reason = (await s.explain?.(db, e).catch(() => undefined)) ?? engineMessage(e);
      if (s.view) await unreadableView(db, s.view.schema, s.view.name, s.view.glue, reason);
    }
  }
  return failed;
}

/**
 * A view that raises `reason` whenever a query reads it, with the table's columns (from its definition, or the view
 * it replaces) so that queries naming them reach the reason: every column and the filter call error(), which DuckDB
 * neither folds away nor skips.
 */
async function unreadableView(db: Duck, schema: string, name: string, glue: GlueTableInput | undefined, reason: string): Promise<void> {
  const raise = `error(${text(reason)})`;
  const known = glue ? readColumns(glue).map((c) => ({ name: c.name, type: duckTypeOfGlue(c.type) ?? 'VARCHAR' }))
    : (await db.all<{ name: string; type: string }>(`SELECT column_name AS name, data_type AS type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = ${str(schema)} AND table_name = ${str(name)} ORDER BY column_index`));
  const cols = known.length ? known : [{ name: 'unreadable', type: 'VARCHAR' }];
  await db.run(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}; CREATE OR REPLACE VIEW ${ident(schema)}.${ident(name)} AS SELECT ${cols.map((c) => `CAST(${raise} AS ${c.type}) AS ${ident(c.name)}`).join(', ')} FROM range(1) WHERE ${raise} IS NULL`);
}

/** Whether something is at `path` (stat succeeds). */
function present(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The copy being written has blocks of another size than CATALOG_BLOCK_SIZE: write() rebuilds it from the entries. */
class OtherBlockSize extends Error {}

/** Throws OtherBlockSize when the attached database `alias` is not of CATALOG_BLOCK_SIZE. */
async function checkBlockSize(db: Duck, alias: string): Promise<void> {
  const { size } = await db.one<{ size: number }>(`SELECT block_size AS size FROM pragma_database_size() WHERE database_name = ${str(alias)}`);
  if (Number(size) !== CATALOG_BLOCK_SIZE) throw new OtherBlockSize(`${alias} has ${size}-byte blocks`);
}

/**
 * catalog.duckdb (or the copy being written) is damaged: DuckDB cannot open it, or finds a block missing or failing its
 * checksum. Not a lock held by another process, and not a data file's problem (those name a .parquet file).
 */
function isCatalogDamage(e: unknown): boolean {
  const m = e instanceof Error ? e.message : String(e);
  return /not a valid DuckDB database file|Corrupt database file|Could not read enough bytes from file "[^"]*catalog\.duckdb/.test(m);
}

const RUNS_VIEW = (dir: string) => `CREATE OR REPLACE VIEW strata.runs AS SELECT
  runId AS run_id, dataset, status, source->>'key' AS source_key, source->>'etag' AS source_etag,
  startedAt AS started_at, finishedAt AS finished_at, durationMs AS duration_ms, rowsIn AS rows_in, rowsValid AS rows_valid,
  rowsQuarantined AS rows_quarantined, rowsSuperseded AS rows_superseded, partitions, error->>'name' AS error_name,
  error->>'message' AS error_message, warnings, reasons, quality, gold, execution
FROM read_json(${str(join(dir, '_strata', 'runs', '*', '*.json'))}, format = 'auto', columns = {
  runId: 'VARCHAR', dataset: 'VARCHAR', status: 'VARCHAR', source: 'JSON', startedAt: 'TIMESTAMP', finishedAt: 'TIMESTAMP',
  durationMs: 'BIGINT', rowsIn: 'BIGINT', rowsValid: 'BIGINT', rowsQuarantined: 'BIGINT', rowsSuperseded: 'BIGINT',
  partitions: 'VARCHAR[]', error: 'JSON', warnings: 'VARCHAR[]', reasons: 'JSON', quality: 'JSON', gold: 'JSON', execution: 'JSON'})`;


/** One row per rule (or operand of a composite rule) and metric of every gate evaluation (silver and gold), as runtime/quality/metrics.ts writes them. */
const METRICS_VIEW = (dir: string) => `CREATE OR REPLACE VIEW strata.quality_metrics AS SELECT * FROM read_json(${str(join(dir, '_strata', 'metrics', '*', '*', '*.jsonl'))},
  format = 'newline_delimited', columns = {
  layer: 'VARCHAR', table_name: 'VARCHAR', run_id: 'VARCHAR', evaluated_at: 'TIMESTAMP', halted: 'BOOLEAN', severity: 'VARCHAR',
  rule: 'VARCHAR', outcome: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE', message: 'VARCHAR', operand: 'VARCHAR'})`;

/** The file name of a table's entry (entryPath): <layer>.<name>.json, of a catalog layer. */
const ENTRY_NAME = /^(silver|gold|quarantine)\.[^/]+\.json$/;

/**
 * Why a parsed entry is not one strata wrote for the file `fileName` (<layer>.<name>.json), or undefined when it is:
 * an object naming that layer and table, with a stamp, the Glue input, and a manifest's table or a list of files.
 */
function entryShapeProblem(e: unknown, fileName: string): string | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return `it holds a JSON ${e === null ? 'null' : Array.isArray(e) ? 'array' : typeof e}, not an object`;
  const x = e as Partial<Record<keyof CatalogEntry, unknown>>;
  if (typeof x.layer !== 'string' || typeof x.name !== 'string' || `${x.layer}.${x.name}.json` !== fileName) return `it does not name the table ${fileName.slice(0, -'.json'.length)}`;
  const glue = x.glue as { StorageDescriptor?: { Columns?: unknown }; PartitionKeys?: unknown } | null | undefined;
  if (typeof x.stamp !== 'string' || typeof glue !== 'object' || glue === null || !Array.isArray(glue.StorageDescriptor?.Columns) || !Array.isArray(glue.PartitionKeys)) {
    return 'it has no stamp or table definition'; // (glue: {} failed every query, an attack, stop 53)
  }
  const table = x.table as Partial<TableEntry> | undefined;
  const partition = (p: unknown) => {
    const v = p as Partial<PartitionVersion> | null;
    return typeof v === 'object' && v !== null && typeof v.path === 'string' && Array.isArray(v.values) && typeof v.location === 'string' && Array.isArray(v.files);
  };
  if (table !== undefined && (typeof table !== 'object' || table === null || !Array.isArray(table.history) || typeof table.version !== 'number'
    || typeof table.partitions !== 'object' || table.partitions === null || !Object.values(table.partitions).every(partition))) return 'its table is not a manifest\'s';
  if (table === undefined && !(Array.isArray(x.files) && x.files.every((f) => typeof f === 'string'))) return 'it lists no files';
  return undefined;
}

/** What the local catalog shows of a table: written by syncTable/syncFiles, applied to catalog.duckdb by materialize. */
interface CatalogEntry {
  /** Identifies what was registered (manifest version and schema, or a hash of a file list). */
  stamp: string;
  /** The identity (fileId) of the partition-lines file written with this entry (a table kept by a manifest). */
  lines?: string;
  layer: CatalogTable['layer'];
  name: string;
  glue: GlueTableInput;
  /** A table kept by a manifest (silver, gold). */
  table?: TableEntry;
  /** A table that is a plain list of files (quarantine). */
  files?: string[];
}

/** The part of a manifest the catalog shows (no source index, no retired versions: they only grow). */
interface TableEntry {
  version: number;
  schemaHash: string;
  updatedAt: string;
  partitions: Record<string, PartitionVersion>;
  /** `collected`: gc dropped the entry's changes (manifest.ts collectGarbage), so no rollback goes back past it. */
  history: Array<{ version: number; runId: string; at: string; kind: string; partitionsChanged: number; rows: number; to?: string; collected?: true }>;
  /** The history entries gc moved out of the manifest, oldest first: lake keys of archive files (JSON arrays of HistoryEntry). */
  historyArchives?: string[];
  /** The run of the table's first commit, once gc archived it (manifest.ts `lineage`; see lineageOf). */
  lineage?: string;
  schemaHistory: NonNullable<TableManifest['schemaHistory']>;
}

/**
 * The run of a table's first commit (manifest.ts `lineage`, as Glue keeps it: runtime/catalog/glue.ts): the same for all
 * of a table's versions, another for a table started over. Undefined when it is not known (an entry written before
 * entries kept it, whose first history entries gc archived).
 */
function lineageOf(t: Pick<TableManifest, 'lineage'> & { history: ReadonlyArray<{ version: number; runId: string }> }): string | undefined {
  return t.lineage ?? (t.history[0]?.version === 1 ? t.history[0].runId : undefined);
}

/**
 * The stamp of a table's entry: its version, the run of its newest commit and its schema. The run tells two commits of
 * the same version apart (a version lost when strata doctor restored an older manifest, and reused by the next commit),
 * which a catch-up would otherwise take for the one it shows. A manifest whose history gc archived whole has the run its
 * last archive names (so gc changes no stamp), or its update time (archives from before they named it).
 */
function tableStamp(m: TableManifest, schemaHash: string): string {
  return `v${m.version}:${m.history.at(-1)?.runId ?? m.historyArchives?.at(-1)?.lastRun ?? m.updatedAt}:${schemaHash}`;
}

function entryOf(m: TableManifest, root: string): TableEntry {
  return {
    version: m.version, schemaHash: m.schemaHash, updatedAt: m.updatedAt, partitions: m.partitions,
    history: m.history.map(historyRow),
    ...(m.historyArchives?.length ? { historyArchives: m.historyArchives.map((a) => layout.historyArchive(root, a.name)) } : {}),
    ...(m.lineage ? { lineage: m.lineage } : {}),
    schemaHistory: m.schemaHistory ?? [],
  };
}

/** The entries of history archive files (JSON arrays), in order; Strata.UnreadableFile naming one that cannot be read. */
async function readArchives(files: readonly string[]): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (const file of files) {
    try {
      const held = JSON.parse(await readFile(file, 'utf8')) as HistoryEntry[];
      if (!Array.isArray(held)) throw new Error('not a JSON array');
      entries.push(...held);
    } catch (e) {
      throw new StrataError(ERRORS.UnreadableFile, `the history archive ${pathToFileURL(file).href} cannot be read (${(e as Error).message}); `
        + 'the table itself is not affected. The way back: restore it from a backup');
    }
  }
  return entries;
}

/** The folder of a table the catalog shows: silver/<name>/ or gold/<name>/ (layout). */
function tableRoot(t: Pick<CatalogTable, 'layer' | 'name'>): string {
  return t.layer === 'gold' ? layout.gold(t.name) : layout.silver(t.name);
}

function historyRow(h: HistoryEntry): TableEntry['history'][number] {
  const n = historyCounts(h);
  return { version: h.version, runId: h.runId, at: h.at, kind: h.kind, partitionsChanged: n.partitions, rows: n.rows, ...(h.to ? { to: h.to } : {}), ...(h.collected ? { collected: true as const } : {}) };
}

/** Make catalog.duckdb show one table's entry: its view over exactly the entry's files. */
async function applyTable(db: Duck, e: CatalogEntry, m: TableEntry, abs: (keys: readonly string[]) => string[]): Promise<void> {
  const parts = Object.values(m.partitions);
  // Files all written with the table's current schema hold every column: no need to read their footers.
  const current = e.glue.Parameters['strata.schema_hash'];
  const uniform = current !== undefined && parts.every((p) => p.schemaHash === current);
  await db.run(await createViewSql(db, e.layer, e.name, e.glue, abs(parts.flatMap((p) => p.files)), uniform));
}

/**
 * What strata.tables, partitions, history and schema_history read: the entries of tables kept by a manifest (not
 * damaged ones, not quarantine's file lists), by absolute path, and the history archives they name.
 */
interface EntrySources {
  entries: string[];
  /** The partition lines of those entries (LocalCatalog.partitionLinesPath), in the same order. */
  partitions: string[];
  archives: Array<{ layer: string; name: string; file: string }>;
}

/** A new number re-creates the ENTRY_VIEWS in every lake at its next catch-up. */
const ENTRY_VIEWS_VERSION = 2;

/**
 * Write a table's partition lines at `path` under its entry's lock; returns the file's identity (fileId). Something
 * other than a file there (a folder) is kept aside as `<path>.aside-<time>` first: a rename over it failed every read
 * of the lake (a second attack, stop 51).
 */
async function writeLines(lock: HeldLock, path: string, text: string): Promise<string> {
  const there = await lstat(path).catch(() => undefined);
  if (there && !there.isFile() && !there.isSymbolicLink()) await rename(path, `${path}.aside-${asideStamp()}`);
  await lock.write(path, text);
  return fileId(await stat(path));
}

/** A table entry's partitions, one JSON object per line, with its layer and name (strata.partitions' source). */
function partitionLines(t: TableEntry): string {
  return Object.values(t.partitions).map((p) => `${JSON.stringify({ path: p.path, values: p.values, location: p.location, files: p.files.length, rows: p.rows, runId: p.runId, committedAt: p.committedAt })}\n`).join('');
}

/**
 * The partition lines, as rows (layer, table_name, path, "values", location, files, "rows", run_id, committed_at):
 * read line by line (read_json, newline-delimited), the table's layer and name from the file's name.
 */
function partitionRows(files: readonly string[]): string {
  const cols = `{path: 'VARCHAR', "values": 'VARCHAR[]', location: 'VARCHAR', files: 'BIGINT', "rows": 'BIGINT', runId: 'VARCHAR', committedAt: 'VARCHAR'}`;
  return `(SELECT regexp_extract(filename, '/([^/.]+)[.]([^/]+)[.]jsonl$', 1) AS layer, regexp_extract(filename, '/([^/.]+)[.]([^/]+)[.]jsonl$', 2) AS table_name,
    path, "values", location, files, "rows", runId AS run_id, CAST(committedAt AS TIMESTAMP) AS committed_at
  FROM read_json([${files.map(str).join(', ')}], format = 'newline_delimited', filename = true, columns = ${cols}))`;
}

/**
 * The entries, parsed as `table` (a DuckDB type of the part of TableEntry a view reads): rows (layer, name, t). Read
 * with read_text and parsed by json_transform: read_json takes an object of at most maximum_object_size (16 MB) and
 * allocates twice that per thread, and the entry of a table of 50,016 partitions is larger.
 */
function entriesAs(table: string, files: readonly string[]): string {
  const spec = JSON.stringify({ layer: 'VARCHAR', name: 'VARCHAR', table });
  return `(SELECT __e.layer, __e.name, __e."table" AS t FROM (SELECT json_transform(content, ${str(spec)}) AS __e FROM read_text([${files.map(str).join(', ')}])) WHERE __e."table" IS NOT NULL)`;
}

/**
 * strata.* views over the entries (and archives): their columns (as the tables they replace had them, 2026-12-07) and
 * their SELECT. Each query of them reads the entries as they are then: a registration is shown at once.
 */
const ENTRY_VIEWS: ReadonlyArray<{ name: string; columns: ReadonlyArray<readonly [string, string]>; sql: (s: EntrySources) => string }> = [
  {
    name: 'tables',
    columns: [['layer', 'VARCHAR'], ['table_name', 'VARCHAR'], ['version', 'BIGINT'], ['schema_hash', 'VARCHAR'], ['partitions', 'BIGINT'], ['rows', 'BIGINT'], ['updated_at', 'TIMESTAMP']],
    sql: (s) => `SELECT e.layer, e.name AS table_name, e.t.version AS version, e.t.schemaHash AS schema_hash, coalesce(p.n, 0) AS partitions,
  coalesce(p.r, 0) AS "rows", CAST(e.t.updatedAt AS TIMESTAMP) AS updated_at
FROM ${entriesAs('STRUCT(version BIGINT, schemaHash VARCHAR, updatedAt VARCHAR)', s.entries)} e
LEFT JOIN (SELECT layer, table_name, count(*) AS n, CAST(sum("rows") AS BIGINT) AS r FROM ${partitionRows(s.partitions)} GROUP BY ALL) p
  ON p.layer = e.layer AND p.table_name = e.name`,
  },
  {
    name: 'partitions',
    columns: [['layer', 'VARCHAR'], ['table_name', 'VARCHAR'], ['path', 'VARCHAR'], ['values', 'VARCHAR[]'], ['location', 'VARCHAR'], ['files', 'BIGINT'], ['rows', 'BIGINT'], ['run_id', 'VARCHAR'], ['committed_at', 'TIMESTAMP']],
    sql: (s) => `SELECT * FROM ${partitionRows(s.partitions)}`,
  },
  {
    name: 'history',
    columns: [['layer', 'VARCHAR'], ['table_name', 'VARCHAR'], ['version', 'BIGINT'], ['run_id', 'VARCHAR'], ['committed_at', 'TIMESTAMP'], ['kind', 'VARCHAR'], ['partitions_changed', 'BIGINT'], ['rows', 'BIGINT']],
    // The versions gc moved into archives (runtime/table/manifest.ts), then the entry's: a version both name is the entry's.
    // An archive that cannot be parsed gives no rows (TRY), whenever it was damaged: its table's other versions and
    // the other tables are shown, and strata doctor names it (one damaged after the view was made failed every table's
    // history, naming no file: an attack, stop 51).
    sql: (s) => {
      const held = `SELECT layer, name AS table_name, h.version AS version, h.runId AS run_id, CAST(h."at" AS TIMESTAMP) AS committed_at, h.kind AS kind,
    h.partitionsChanged AS partitions_changed, h."rows" AS "rows"
  FROM (SELECT layer, name, unnest(t.history) AS h FROM ${entriesAs('STRUCT(history STRUCT(version BIGINT, runId VARCHAR, "at" VARCHAR, kind VARCHAR, partitionsChanged BIGINT, "rows" BIGINT)[])', s.entries)})`;
      const byTable = new Map<string, EntrySources['archives']>();
      for (const a of s.archives) byTable.set(`${a.layer}.${a.name}`, [...(byTable.get(`${a.layer}.${a.name}`) ?? []), a]);
      if (!byTable.size) return held;
      const spec = str(JSON.stringify([{ version: 'BIGINT', runId: 'VARCHAR', at: 'VARCHAR', kind: 'VARCHAR', changes: [{ rows: 'BIGINT' }], collected: { partitions: 'BIGINT', rows: 'BIGINT' } }]));
      const archived = [...byTable.values()].map((as) => `SELECT ${str(as[0]!.layer)} AS layer, ${str(as[0]!.name)} AS table_name, h.version AS version, h.runId AS run_id,
    CAST(h."at" AS TIMESTAMP) AS committed_at, h.kind AS kind, CAST(coalesce(h.collected.partitions, len(h.changes)) AS BIGINT) AS partitions_changed,
    CAST(coalesce(h.collected."rows", list_sum([c."rows" for c in h.changes]), 0) AS BIGINT) AS "rows"
  FROM (SELECT unnest(TRY(json_transform(content, ${spec}))) AS h FROM read_text([${as.map((a) => str(a.file)).join(', ')}]))`).join('\n  UNION ALL ');
      return `WITH __held AS (${held}), __archived AS (${archived})
SELECT * FROM __archived a WHERE NOT EXISTS (SELECT 1 FROM __held h WHERE h.layer = a.layer AND h.table_name = a.table_name AND h.version = a.version)
UNION ALL SELECT * FROM __held`;
    },
  },
  {
    name: 'schema_history',
    columns: [['layer', 'VARCHAR'], ['table_name', 'VARCHAR'], ['schema_hash', 'VARCHAR'], ['applied_at', 'TIMESTAMP'], ['run_id', 'VARCHAR'], ['columns', 'JSON'], ['partition_keys', 'JSON']],
    sql: (s) => `SELECT layer, name AS table_name, h.hash AS schema_hash, CAST(h.appliedAt AS TIMESTAMP) AS applied_at, h.runId AS run_id, h.columns AS columns, h.partitionKeys AS partition_keys
FROM (SELECT layer, name, unnest(t.schemaHistory) AS h FROM ${entriesAs('STRUCT(schemaHistory STRUCT(hash VARCHAR, appliedAt VARCHAR, runId VARCHAR, columns JSON, partitionKeys JSON)[])', s.entries)})`,
  },
];

/**
 * Create (or replace) one of ENTRY_VIEWS. A catalog.duckdb written before they were views holds a table of that name:
 * it goes first. A history archive that is not a file is left out, as read_text would fail the whole query on it; one
 * that cannot be parsed gives no rows at query time (TRY). Either way its versions are missing from strata.history,
 * the table is shown, and strata doctor names the archive.
 */
async function applyEntryView(db: Duck, v: (typeof ENTRY_VIEWS)[number], sources: EntrySources): Promise<void> {
  const tables = await db.all(`SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'strata' AND table_name = ${str(v.name)}`);
  if (tables.length) await db.run(`DROP TABLE strata.${ident(v.name)}`);
  const archives = [];
  if (v.name === 'history') for (const a of sources.archives) if (await stat(a.file).then((st) => st.isFile(), () => false)) archives.push(a);
  const select = sources.entries.length ? v.sql({ ...sources, archives })
    : `SELECT ${v.columns.map(([c, t]) => `CAST(NULL AS ${t}) AS ${ident(c)}`).join(', ')} WHERE false`;
  await db.run(`CREATE OR REPLACE VIEW strata.${ident(v.name)} AS ${select}`);
}

/** A SQL string for any text: a NUL (which a SQL literal cannot hold) is spelled chr(0). */
function text(v: string): string {
  return v.includes('\0') ? `(${v.split('\0').map(str).join(' || chr(0) || ')})` : str(v);
}

/**
 * Views over JSON files in the lake; a new version number re-creates a view in every lake on its next
 * materialisation. `absent`: what the view shows, and why it does not exist yet (before its first file).
 */
const JSON_VIEWS = [
  {
    name: 'strata.runs', version: 1, folder: '_strata/runs', depth: 2, sql: RUNS_VIEW,
    absent: 'strata.runs shows the run records, and this lake has none yet: no run has recorded itself (a run killed before its record leaves none: strata doctor names its staging)',
  },
  {
    name: 'strata.quality_metrics', version: 1, folder: '_strata/metrics', depth: 3, sql: METRICS_VIEW,
    absent: 'strata.quality_metrics shows the metrics of quality gates, and no gate has been evaluated in this lake yet',
  },
];

/** For strata's own views over the lake's JSON files (`runs`, `quality_metrics`): what each shows, and why it does not exist before its first file. */
export const STRATA_VIEWS_ABSENT: ReadonlyMap<string, string> = new Map(JSON_VIEWS.map((v) => [v.name.replace(/^strata\./, ''), v.absent]));

/** Whether a file lies exactly `depth` folders below dir (_strata/runs/<dataset>/<run>.json is depth 2). */
async function hasFile(dir: string, depth: number): Promise<boolean> {
  const items = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (depth === 1) return items.some((i) => i.isFile());
  for (const i of items) if (i.isDirectory() && (await hasFile(join(dir, i.name), depth - 1))) return true;
  return false;
}
