// The local catalog. A registration writes the table's entry (_strata/catalog/tables/<layer>.<name>.json: its
// definition, partitions, files and history), replaced by rename: that is the switch, and it costs milliseconds.
// catalog.duckdb is what readers attach: one view per table (silver.orders, gold.daily_revenue, quarantine.orders)
// and strata.* tables (tables, partitions, history, schema_history) and views (runs, quality_metrics), derived from
// the entries by materialize() before a read and once at the end of each run.
//
// catalog.duckdb is never modified in place: under a lock a copy is changed and renamed over the original. Readers
// therefore never wait for a writer and never see half a registration; a reader that opened the old file keeps
// reading the old version (its data files are retained, see gc).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Duck, pathLit } from '../engine/duckdb.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { GlueTableInput } from '../../core/plan/glue-table.ts';
import type { RunRecord } from '../runs/record.ts';
import { str } from '../../core/sql/quote.ts';
import { createView } from '../engine/views.ts';
import { atomicWrite, withLock } from '../storage/local.ts';
import { historyCounts, type PartitionVersion, type TableManifest } from '../table/manifest.ts';
import type { Catalog, CatalogTable, SyncSummary } from './port.ts';

export const CATALOG_FILE = 'catalog.duckdb';

const SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS silver; CREATE SCHEMA IF NOT EXISTS gold; CREATE SCHEMA IF NOT EXISTS quarantine; CREATE SCHEMA IF NOT EXISTS strata;
CREATE TABLE IF NOT EXISTS strata.tables (
  layer VARCHAR, table_name VARCHAR, version BIGINT, schema_hash VARCHAR, partitions BIGINT, "rows" BIGINT,
  updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS strata.partitions (
  layer VARCHAR, table_name VARCHAR, path VARCHAR, "values" VARCHAR[], location VARCHAR, files BIGINT, "rows" BIGINT,
  run_id VARCHAR, committed_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS strata.schema_history (
  layer VARCHAR, table_name VARCHAR, schema_hash VARCHAR, applied_at TIMESTAMP, run_id VARCHAR, columns JSON, partition_keys JSON);
CREATE TABLE IF NOT EXISTS strata.history (
  layer VARCHAR, table_name VARCHAR, version BIGINT, run_id VARCHAR, committed_at TIMESTAMP, kind VARCHAR,
  partitions_changed BIGINT, "rows" BIGINT);
`;

export class LocalCatalog implements Catalog {
  readonly kind = 'local' as const;
  readonly lakeDir: string;
  readonly file: string;

  constructor(lakeDir: string) {
    this.lakeDir = lakeDir;
    this.file = join(lakeDir, CATALOG_FILE);
  }

  /** Copy, change, swap. Serialised across processes by a lock file next to the catalog. */
  private async write<T>(fn: (db: Duck) => Promise<T>, afterSwap?: (result: T) => Promise<void>): Promise<T> {
    await mkdir(this.lakeDir, { recursive: true });
    return withLock(`${this.file}.lock`, async () => {
      const tmp = `${this.file}.next-${process.pid}-${Math.random().toString(36).slice(2)}`;
      const exists = await stat(this.file).then(() => true, () => false);
      if (exists) await copyFile(this.file, tmp);
      try {
        const db = await Duck.open({ path: tmp, memoryLimit: '256MB', threads: 1 });
        let result: T;
        try {
          await db.run(`SET file_search_path = ${pathLit(this.lakeDir)}`);
          // One transaction: every statement on its own would commit (and flush the WAL) separately.
          await db.run('BEGIN TRANSACTION');
          await db.run(SCHEMA_SQL);
          result = await fn(db);
          await db.run('COMMIT');
          await db.run('CHECKPOINT');
        } finally {
          db.close();
        }
        await rename(tmp, this.file);
        if (afterSwap) await afterSwap(result); // still under the lock: markers never run ahead of the catalog
        return result;
      } catch (e) {
        await rm(tmp, { force: true });
        await rm(`${tmp}.wal`, { force: true });
        throw e;
      }
    });
  }

  /** A table's entry: what the catalog shows of it, written whole and swapped by rename (one per table). */
  private entryPath(layer: string, name: string): string {
    return join(this.lakeDir, '_strata', 'catalog', 'tables', `${layer}.${name}.json`);
  }

  /** One writer at a time per entry (a lock file beside it): the version check and the write are one step. */
  private async lockEntry<T>(path: string, fn: () => Promise<T>): Promise<T> {
    await mkdir(join(path, '..'), { recursive: true });
    return withLock(`${path}.lock`, fn);
  }

  /** The entry, or undefined when there is none; a damaged one is an error (never a table silently left out). */
  private async readEntry(path: string): Promise<CatalogEntry | undefined> {
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return undefined; throw e; });
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as CatalogEntry;
    } catch (e) {
      throw new StrataError(ERRORS.UnreadableFile, `catalog entry ${path} is not valid JSON (${(e as Error).message}): `
        + 'delete it, and the next registration of that table (an ingest, strata refresh) writes it again from the manifest');
    }
  }

  /**
   * Registering a table writes its entry (a few milliseconds) instead of rewriting catalog.duckdb (40–80 ms: open,
   * bind the view, checkpoint, swap). The entry is the switch: readers materialise catalog.duckdb from the entries
   * before they read (materialize), and every local run materialises once when it records itself (putRun).
   */
  async syncTable(table: CatalogTable, m: TableManifest): Promise<SyncSummary> {
    const stamp = `v${m.version}:${table.glue.Parameters['strata.schema_hash'] ?? ''}`;
    const path = this.entryPath(table.layer, table.name);
    return this.lockEntry(path, async () => {
      const prev = await this.readEntry(path);
      const held = prev?.table?.version;
      // A newer version is registered already (concurrent runs register in any order), or this one is.
      if (prev?.stamp === stamp || (held !== undefined && held > m.version)) return { created: 0, updated: 0, deleted: 0 };
      await atomicWrite(path, JSON.stringify({ stamp, layer: table.layer, name: table.name, glue: table.glue, table: entryOf(m) } satisfies CatalogEntry));
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

  async syncFiles(table: CatalogTable, files: readonly string[]): Promise<void> {
    const stamp = `files:${createHash('sha256').update(JSON.stringify([table.glue, files])).digest('hex').slice(0, 32)}`;
    const path = this.entryPath(table.layer, table.name);
    if ((await this.readEntry(path))?.stamp === stamp) return;
    await this.lockEntry(path, () => atomicWrite(path, JSON.stringify({ stamp, layer: table.layer, name: table.name, glue: table.glue, files: [...files] } satisfies CatalogEntry)));
  }

  /** Which entry stamps catalog.duckdb holds; written after each swap, under the catalog lock. */
  private get materializedFile(): string {
    return join(this.lakeDir, '_strata', 'catalog', 'materialized.json');
  }

  private async entries(): Promise<CatalogEntry[]> {
    const dir = join(this.lakeDir, '_strata', 'catalog', 'tables');
    const names = await readdir(dir).catch(() => [] as string[]);
    const all = await Promise.all(names.filter((n) => n.endsWith('.json')).sort().map((n) => this.readEntry(join(dir, n))));
    return all.filter((e): e is CatalogEntry => e !== undefined);
  }

  /** Everything catalog.duckdb should show: each table's entry, and the strata.* views once their first file exists. */
  private async wanted(): Promise<Shown[]> {
    const shown: Shown[] = (await this.entries()).map((e) => ({
      key: `${e.layer}.${e.name}`, stamp: e.stamp,
      apply: (db) => (e.table ? applyTable(db, e, e.table) : createView(db, e.layer, e.name, e.glue, e.files ?? [], false)),
    }));
    for (const v of JSON_VIEWS) {
      // DuckDB binds the glob when the view is created: it needs one file to exist.
      if (await hasFile(join(this.lakeDir, v.folder), v.depth)) shown.push({ key: `view:${v.name}`, stamp: `v${v.version}`, apply: (db) => db.run(v.sql) });
    }
    return shown;
  }

  /**
   * Bring catalog.duckdb up to the entries: one copy-and-swap for everything that changed since the last time, none
   * when nothing did. Readers call this before they attach; a reader attached to an older file keeps its snapshot.
   */
  async materialize(): Promise<void> {
    // What catalog.duckdb holds: nothing when there is no file yet (or it was deleted).
    const held = (): Promise<Record<string, string> | undefined> => stat(this.file).then(
      () => readFile(this.materializedFile, 'utf8').then((t) => JSON.parse(t) as Record<string, string>, () => ({})),
      () => undefined);
    const stale = (shown: Shown[], have: Record<string, string>) => shown.filter((s) => have[s.key] !== s.stamp);
    const have = await held();
    if (have && !stale(await this.wanted(), have).length) return;
    let state: Record<string, string> = {};
    await this.write(async (db) => {
      // Again under the lock: another materialisation may have just applied some of it.
      const shown = await this.wanted();
      const have = (await held()) ?? {};
      for (const s of stale(shown, have)) await s.apply(db);
      state = { ...have, ...Object.fromEntries(shown.map((s) => [s.key, s.stamp])) };
    }, () => atomicWrite(this.materializedFile, JSON.stringify(state)));
  }

  /**
   * Run records and quality metrics stay JSON files in the lake (the source of truth, also in AWS); strata.runs and
   * strata.quality_metrics are views over them. The end of a run is when catalog.duckdb catches up with what the run
   * registered, for tools that open it directly.
   */
  async putRun(_run: RunRecord): Promise<void> {
    await this.materialize();
  }

  /** Attach the current catalog read-only to a reader's DuckDB as `lake` (made the default), materialising it first. */
  async attachTo(db: Duck, opts: { use?: boolean } = {}): Promise<void> {
    await this.materialize();
    await db.run(`ATTACH ${pathLit(this.file)} AS lake (READ_ONLY);${opts.use === false ? '' : ' USE lake;'} SET file_search_path = ${pathLit(this.lakeDir)}`);
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

/** Something catalog.duckdb shows, and the stamp that says which version of it. */
interface Shown {
  key: string;
  stamp: string;
  apply: (db: Duck) => Promise<void>;
}

const RUNS_VIEW = `CREATE OR REPLACE VIEW strata.runs AS SELECT
  runId AS run_id, dataset, status, source->>'key' AS source_key, source->>'etag' AS source_etag,
  startedAt AS started_at, finishedAt AS finished_at, durationMs AS duration_ms, rowsIn AS rows_in, rowsValid AS rows_valid,
  rowsQuarantined AS rows_quarantined, rowsSuperseded AS rows_superseded, partitions, error->>'name' AS error_name,
  error->>'message' AS error_message, warnings, reasons, quality, gold, execution
FROM read_json('_strata/runs/*/*.json', format = 'auto', columns = {
  runId: 'VARCHAR', dataset: 'VARCHAR', status: 'VARCHAR', source: 'JSON', startedAt: 'TIMESTAMP', finishedAt: 'TIMESTAMP',
  durationMs: 'BIGINT', rowsIn: 'BIGINT', rowsValid: 'BIGINT', rowsQuarantined: 'BIGINT', rowsSuperseded: 'BIGINT',
  partitions: 'VARCHAR[]', error: 'JSON', warnings: 'VARCHAR[]', reasons: 'JSON', quality: 'JSON', gold: 'JSON', execution: 'JSON'})`;


/** One row per rule and metric of every gate evaluation (silver and gold), as runtime/quality/metrics.ts writes them. */
const METRICS_VIEW = `CREATE OR REPLACE VIEW strata.quality_metrics AS SELECT * FROM read_json('_strata/metrics/*/*/*.jsonl',
  format = 'newline_delimited', columns = {
  layer: 'VARCHAR', table_name: 'VARCHAR', run_id: 'VARCHAR', evaluated_at: 'TIMESTAMP', halted: 'BOOLEAN', severity: 'VARCHAR',
  rule: 'VARCHAR', outcome: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE', message: 'VARCHAR'})`;

/** What the local catalog shows of a table: written by syncTable/syncFiles, applied to catalog.duckdb by materialize. */
interface CatalogEntry {
  /** Identifies what was registered (manifest version and schema, or a hash of a file list). */
  stamp: string;
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
  history: Array<{ version: number; runId: string; at: string; kind: string; partitionsChanged: number; rows: number }>;
  schemaHistory: NonNullable<TableManifest['schemaHistory']>;
}

function entryOf(m: TableManifest): TableEntry {
  return {
    version: m.version, schemaHash: m.schemaHash, updatedAt: m.updatedAt, partitions: m.partitions,
    history: m.history.map((h) => { const n = historyCounts(h); return { version: h.version, runId: h.runId, at: h.at, kind: h.kind, partitionsChanged: n.partitions, rows: n.rows }; }),
    schemaHistory: m.schemaHistory ?? [],
  };
}

/** Make catalog.duckdb show one table's entry: its view over exactly the entry's files, and its strata.* rows. */
async function applyTable(db: Duck, e: CatalogEntry, m: TableEntry): Promise<void> {
  const where = `layer = ${str(e.layer)} AND table_name = ${str(e.name)}`;
  const held = await db.one<{ v: number | null }>(`SELECT max(version) AS v FROM strata.tables WHERE ${where}`);
  if (held.v !== null && held.v > m.version) return; // a newer version is shown already
  const parts = Object.values(m.partitions);
  // Files all written with the table's current schema hold every column: no need to read their footers.
  const current = e.glue.Parameters['strata.schema_hash'];
  const uniform = current !== undefined && parts.every((p) => p.schemaHash === current);
  await createView(db, e.layer, e.name, e.glue, parts.flatMap((p) => p.files), uniform);
  // Only the partitions whose version changed are rewritten (a year of daily partitions is 365 rows).
  const before = await db.all<{ path: string; location: string }>(`SELECT path, location FROM strata.partitions WHERE ${where}`);
  const had = new Map(before.map((b) => [b.path, b.location]));
  const changed = parts.filter((p) => had.get(p.path) !== p.location);
  const gone = before.filter((b) => m.partitions[b.path]?.location !== b.location).map((b) => b.path);
  if (gone.length) await db.run(`DELETE FROM strata.partitions WHERE ${where} AND path IN (${gone.map(str).join(', ')})`);
  if (changed.length) {
    await db.run(`INSERT INTO strata.partitions VALUES ${changed.map((p) =>
      `(${str(e.layer)}, ${str(e.name)}, ${str(p.path)}, [${p.values.map((v) => (v === null ? 'NULL' : str(v))).join(', ')}]::VARCHAR[], `
      + `${str(p.location)}, ${p.files.length}, ${p.rows}, ${str(p.runId)}, ${str(p.committedAt)}::TIMESTAMP)`).join(', ')}`);
  }
  // Plain tables (no primary-key index to load from disk on every registration): replace by delete + insert.
  await db.run(`DELETE FROM strata.tables WHERE ${where}; `
    + `INSERT INTO strata.tables VALUES (${str(e.layer)}, ${str(e.name)}, ${m.version}, ${str(m.schemaHash)}, `
    + `${parts.length}, ${parts.reduce((a, p) => a + p.rows, 0)}, ${str(m.updatedAt)}::TIMESTAMP)`);
  const known = await db.one<{ v: number | null }>(`SELECT max(version) AS v FROM strata.history WHERE ${where}`);
  const fresh = m.history.filter((h) => h.version > (known.v ?? 0));
  if (fresh.length) {
    await db.run(`INSERT INTO strata.history VALUES ${fresh.map((h) => `(${str(e.layer)}, ${str(e.name)}, ${h.version}, ${str(h.runId)}, `
      + `${str(h.at)}::TIMESTAMP, ${str(h.kind)}, ${h.partitionsChanged}, ${h.rows})`).join(', ')}`);
  }
  const knownSchemas = new Set((await db.all<{ h: string }>(`SELECT schema_hash AS h FROM strata.schema_history WHERE ${where}`)).map((r) => r.h));
  const newSchemas = m.schemaHistory.filter((h) => !knownSchemas.has(h.hash));
  if (newSchemas.length) {
    await db.run(`INSERT INTO strata.schema_history VALUES ${newSchemas.map((h) => `(${str(e.layer)}, ${str(e.name)}, ${str(h.hash)}, `
      + `${str(h.appliedAt)}::TIMESTAMP, ${str(h.runId)}, ${str(JSON.stringify(h.columns))}, ${str(JSON.stringify(h.partitionKeys))})`).join(', ')}`);
  }
}

/** Views over JSON files in the lake; a new version number re-creates a view in every lake on its next materialisation. */
const JSON_VIEWS = [
  { name: 'strata.runs', version: 1, folder: '_strata/runs', depth: 2, sql: RUNS_VIEW },
  { name: 'strata.quality_metrics', version: 1, folder: '_strata/metrics', depth: 3, sql: METRICS_VIEW },
];

/** Whether a file lies exactly `depth` folders below dir (_strata/runs/<dataset>/<run>.json is depth 2). */
async function hasFile(dir: string, depth: number): Promise<boolean> {
  const items = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (depth === 1) return items.some((i) => i.isFile());
  for (const i of items) if (i.isDirectory() && (await hasFile(join(dir, i.name), depth - 1))) return true;
  return false;
}
