// The local catalog: a DuckDB database file in the lake (catalog.duckdb) with one view per table
// (silver.orders, gold.daily_revenue, quarantine.orders) and strata.* tables (runs, tables, partitions, history).
//
// Writers never modify the file in place: under a lock they copy it, change the copy and rename it over the
// original. Readers (strata query) therefore never wait for a writer and never see half a registration; a
// reader that opened the old file keeps reading the old version (its data files are retained, see gc).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Duck, pathLit } from '../engine/duckdb.ts';
import type { GlueTableInput } from '../plan/glue-table.ts';
import type { RunRecord } from '../runs/record.ts';
import { str } from '../sql/quote.ts';
import { createView } from '../engine/views.ts';
import { withLock } from '../storage/local.ts';
import type { TableManifest } from '../table/manifest.ts';
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
  async write<T>(fn: (db: Duck) => Promise<T>, afterSwap?: (result: T) => Promise<void>): Promise<T> {
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

  /**
   * What the catalog last registered for a table (a manifest version, or a hash of a file list), in a small file
   * beside it: a repeated registration (re-ingest, concurrent runs converging) then costs a read, not a catalog write.
   */
  private marker(layer: string, name: string): string {
    return join(this.lakeDir, '_strata', 'catalog', `${layer}.${name}`);
  }

  private async registered(layer: string, name: string): Promise<string | undefined> {
    if (!(await stat(this.file).then(() => true, () => false))) return undefined;
    return readFile(this.marker(layer, name), 'utf8').catch(() => undefined);
  }

  private async remember(layer: string, name: string, what: string): Promise<void> {
    await mkdir(join(this.lakeDir, '_strata', 'catalog'), { recursive: true });
    await writeFile(this.marker(layer, name), what);
  }

  async syncTable(table: CatalogTable, m: TableManifest): Promise<SyncSummary> {
    const stamp = `v${m.version}:${table.glue.Parameters['strata.schema_hash'] ?? ''}`;
    if ((await this.registered(table.layer, table.name)) === stamp) return { created: 0, updated: 0, deleted: 0 };
    const files = Object.values(m.partitions).flatMap((p) => p.files);
    // Files all written with the table's current schema hold every column: no need to read their footers.
    const current = table.glue.Parameters['strata.schema_hash'];
    const uniform = current !== undefined && Object.values(m.partitions).every((p) => p.schemaHash === current);
    return this.write(async (db) => {
      const held = await db.one<{ v: number | null }>(`SELECT max(version) AS v FROM strata.tables WHERE layer = ${str(table.layer)} AND table_name = ${str(table.name)}`);
      if (held.v !== null && held.v > m.version) return { created: 0, updated: 0, deleted: 0, registered: false }; // a newer version is registered already
      const before = await db.all<{ path: string; location: string }>(
        `SELECT path, location FROM strata.partitions WHERE layer = ${str(table.layer)} AND table_name = ${str(table.name)}`);
      await createView(db, table.layer, table.name, table.glue, files, uniform);
      // Only the partitions whose version changed are rewritten (a year of daily partitions is 365 rows).
      const parts = Object.values(m.partitions);
      const had = new Map(before.map((b) => [b.path, b.location]));
      const changed = parts.filter((p) => had.get(p.path) !== p.location);
      const gone = before.filter((b) => !m.partitions[b.path] || m.partitions[b.path]!.location !== b.location).map((b) => b.path);
      if (gone.length) {
        await db.run(`DELETE FROM strata.partitions WHERE layer = ${str(table.layer)} AND table_name = ${str(table.name)} AND path IN (${gone.map(str).join(', ')})`);
      }
      if (changed.length) {
        await db.run(`INSERT INTO strata.partitions VALUES ${changed.map((p) =>
          `(${str(table.layer)}, ${str(table.name)}, ${str(p.path)}, [${p.values.map((v) => (v === null ? 'NULL' : str(v))).join(', ')}]::VARCHAR[], `
          + `${str(p.location)}, ${p.files.length}, ${p.rows}, ${str(p.runId)}, ${str(p.committedAt)}::TIMESTAMP)`).join(', ')}`);
      }
      // Plain tables (no primary-key index to load from disk on every registration): replace by delete + insert.
      await db.run(`DELETE FROM strata.tables WHERE layer = ${str(table.layer)} AND table_name = ${str(table.name)}; `
        + `INSERT INTO strata.tables VALUES (${str(table.layer)}, ${str(table.name)}, ${m.version}, ${str(m.schemaHash)}, `
        + `${parts.length}, ${parts.reduce((a, p) => a + p.rows, 0)}, ${str(m.updatedAt)}::TIMESTAMP)`);
      const known = await db.one<{ v: number | null }>(`SELECT max(version) AS v FROM strata.history WHERE layer = ${str(table.layer)} AND table_name = ${str(table.name)}`);
      const fresh = m.history.filter((h) => h.version > (known.v ?? 0));
      if (fresh.length) {
        await db.run(`INSERT INTO strata.history VALUES ${fresh.map((h) => `(${str(table.layer)}, ${str(table.name)}, ${h.version}, ${str(h.runId)}, `
          + `${str(h.at)}::TIMESTAMP, ${str(h.kind)}, ${h.changes.length}, ${h.changes.reduce((a, c) => a + (c.rows ?? 0), 0)})`).join(', ')}`);
      }
      const knownSchemas = new Set((await db.all<{ h: string }>(`SELECT schema_hash AS h FROM strata.schema_history WHERE layer = ${str(table.layer)} AND table_name = ${str(table.name)}`)).map((r) => r.h));
      const newSchemas = (m.schemaHistory ?? []).filter((h) => !knownSchemas.has(h.hash));
      if (newSchemas.length) {
        await db.run(`INSERT INTO strata.schema_history VALUES ${newSchemas.map((h) => `(${str(table.layer)}, ${str(table.name)}, ${str(h.hash)}, `
          + `${str(h.appliedAt)}::TIMESTAMP, ${str(h.runId)}, ${str(JSON.stringify(h.columns))}, ${str(JSON.stringify(h.partitionKeys))})`).join(', ')}`);
      }
      const old = new Map(before.map((b) => [b.path, b.location]));
      let created = 0, updated = 0;
      for (const p of parts) {
        const was = old.get(p.path);
        if (was === undefined) created++; else if (was !== p.location) updated++;
        old.delete(p.path);
      }
      return { created, updated, deleted: old.size, registered: true };
    }, async (r) => { if (r.registered) await this.remember(table.layer, table.name, stamp); })
      .then(({ created, updated, deleted }) => ({ created, updated, deleted }));
  }

  async syncFiles(table: CatalogTable, files: readonly string[]): Promise<void> {
    const stamp = `files:${createHash('sha256').update(JSON.stringify([table.glue, files])).digest('hex').slice(0, 32)}`;
    if ((await this.registered(table.layer, table.name)) === stamp) return;
    await this.write((db) => createView(db, table.layer, table.name, table.glue, files, false), () => this.remember(table.layer, table.name, stamp));
  }

  /**
   * Run records and quality metrics stay JSON files in the lake (the source of truth, also in AWS); strata.runs and
   * strata.quality_metrics are views over them, so recording a run is one file write and each view is created once.
   */
  async putRun(run: RunRecord): Promise<void> {
    if (hasMetrics(run)) await this.ensureView('.metrics-view', METRICS_VIEW_VERSION, METRICS_VIEW);
    await this.ensureView('.runs-view', RUNS_VIEW_VERSION, RUNS_VIEW);
  }

  private views = new Set<string>();

  /**
   * A view over JSON files in the lake, created once (when its first file exists: DuckDB binds the glob). A marker
   * next to the catalog holds the view's version, so a new process need not open the catalog to know.
   */
  private async ensureView(name: string, version: number, sql: string): Promise<void> {
    if (this.views.has(name)) return;
    const marker = join(this.lakeDir, '_strata', name);
    const current = await readFile(marker, 'utf8').then((t) => t.trim(), () => '');
    if (current !== String(version)) {
      await this.write((db) => db.run(sql));
      await mkdir(join(this.lakeDir, '_strata'), { recursive: true });
      await writeFile(marker, `${version}\n`);
    }
    this.views.add(name);
  }

  /** Open the current catalog file read-only (for checks; strata query attaches it the same way). */
  async readOnly<T>(fn: (db: Duck) => Promise<T>): Promise<T> {
    const db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
    try {
      await db.run(`ATTACH ${pathLit(this.file)} AS lake (READ_ONLY); USE lake; SET file_search_path = ${pathLit(this.lakeDir)}`);
      return await fn(db);
    } finally {
      db.close();
    }
  }
}

const RUNS_VIEW_VERSION = 1;
const RUNS_VIEW = `CREATE OR REPLACE VIEW strata.runs AS SELECT
  runId AS run_id, dataset, status, source->>'key' AS source_key, source->>'etag' AS source_etag,
  startedAt AS started_at, finishedAt AS finished_at, durationMs AS duration_ms, rowsIn AS rows_in, rowsValid AS rows_valid,
  rowsQuarantined AS rows_quarantined, rowsSuperseded AS rows_superseded, partitions, error->>'name' AS error_name,
  error->>'message' AS error_message, warnings, reasons, quality, gold, execution
FROM read_json('_strata/runs/*/*.json', format = 'auto', columns = {
  runId: 'VARCHAR', dataset: 'VARCHAR', status: 'VARCHAR', source: 'JSON', startedAt: 'TIMESTAMP', finishedAt: 'TIMESTAMP',
  durationMs: 'BIGINT', rowsIn: 'BIGINT', rowsValid: 'BIGINT', rowsQuarantined: 'BIGINT', rowsSuperseded: 'BIGINT',
  partitions: 'VARCHAR[]', error: 'JSON', warnings: 'VARCHAR[]', reasons: 'JSON', quality: 'JSON', gold: 'JSON', execution: 'JSON'})`;


/** A run whose gates wrote metrics (core/quality/metrics.ts). */
function hasMetrics(run: RunRecord): boolean {
  const evaluated = (q: unknown) => Array.isArray((q as { results?: unknown[] } | undefined)?.results) && (q as { results: unknown[] }).results.length > 0;
  return evaluated(run.quality) || (Array.isArray(run.gold) && run.gold.some((g: { quality?: unknown }) => evaluated(g.quality)));
}

const METRICS_VIEW_VERSION = 1;
/** One row per rule and metric of every gate evaluation (silver and gold), as core/quality/metrics.ts writes them. */
const METRICS_VIEW = `CREATE OR REPLACE VIEW strata.quality_metrics AS SELECT * FROM read_json('_strata/metrics/*/*/*.jsonl',
  format = 'newline_delimited', columns = {
  layer: 'VARCHAR', table_name: 'VARCHAR', run_id: 'VARCHAR', evaluated_at: 'TIMESTAMP', halted: 'BOOLEAN', severity: 'VARCHAR',
  rule: 'VARCHAR', outcome: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE', message: 'VARCHAR'})`;
