// Compaction: rewrite a table's partitions that hold many small files into a few files near a target size, as new
// partition versions published by the same compare-and-swap as every other commit (runtime/table/store.ts).
//
//   * Readers see the old version or the new one, never a mix: the new files go to a version folder of their own.
//   * A concurrent ingest is never lost: a partition that changed under the compaction is compacted again from its
//     new version (commitTable rebuilds exactly the partitions another writer changed), at most `maxRebuilds` times;
//     after that the compaction yields and leaves the partition as the other writer made it.
//   * Rows are identical: before a version is offered for publishing, the rows written are compared with the rows
//     read — count, and two order-independent checksums over every column (bit_xor and sum of DuckDB's hash of the
//     row; xor alone would miss a row written twice). A difference stops the compaction; nothing is published.
//   * The replaced versions are retired like any other (manifest.retired): gc deletes them after the retention window.
//   * Damage stays inside its partition: a partition holding a file DuckDB cannot read is left as it is, named with the
//     way back (runtime/table/damaged-file.ts), and the others are compacted; the caller reports it.
import { ERRORS, isStrataError, StrataError } from '../../core/errors.ts';
import type { TableShape } from '../../core/plan/table-shape.ts';
import type { CompactionSpec } from '../../core/schema/model.ts';
import { ident } from '../../core/sql/quote.ts';
import { pathList, pathLit, withDuck, type Duck, type DuckOptions } from '../engine/duckdb.ts';
import { rm } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { PARQUET_CODEC } from '../ingest/validate-file.ts';
import type { Storage } from '../storage/port.ts';
import { damagedFileMessage, firstDamaged, partitionWayBack, type HistoryRun } from './damaged-file.ts';
import type { PartitionVersion, TableManifest } from './manifest.ts';
import { commitTable, readManifest, type ReadManifest } from './store.ts';
import { oneAtATime } from '../util/limit.ts';

export interface CompactTableRequest {
  /** The table's root (silver/<dataset>/, gold/<table>/). */
  root: string;
  shape: TableShape;
  /** Names the new version folders and the history entry; unique per attempt of a compaction. */
  runId: string;
  /** The table's file columns in order, typed as the table defines them (silver: columns, then partition columns). */
  columns: ReadonlyArray<{ name: string; duckdbType: string }>;
  policy: CompactionSpec;
  /** How often a partition that changed under the compaction is compacted again before it is left alone (default 2). */
  maxRebuilds?: number;
  /** Partitions in one compare-and-swap (default 16): a long compaction publishes as it goes. */
  partitionsPerCommit?: number;
  duck?: DuckOptions;
  /**
   * Why a partition of `bytes` (its version's files) cannot be rewritten within the step's /tmp, or undefined when it
   * can (runtime/pipeline/limits.ts rewriteOverEnvelope); such a partition is left as it is (outcome `too-large`).
   */
  tooLarge?: (path: string, bytes: number) => string | undefined;
  /** Called with the outcomes so far after each chunk of partitions is published (the step saves its result then). */
  onCommitted?: (sofar: PartitionCompaction[]) => Promise<void>;
  /** Called after a partition's new version is written and verified, before it is published (fault tests). */
  onBuilt?: (path: string) => Promise<void>;
}

export interface PartitionCompaction {
  path: string;
  /**
   * compacted: published; yielded: another writer kept changing it; unchanged: it no longer needed compacting;
   * damaged: it holds a file that cannot be read, and was left as it is (`error` names the file and the way back);
   * too-large: its files and their rewrite would not fit in the step's /tmp, and it was left as it is (`reason` says
   * so, with the way out).
   */
  outcome: 'compacted' | 'yielded' | 'unchanged' | 'damaged' | 'too-large';
  filesBefore: number;
  filesAfter: number;
  rows: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Times it was compacted again because another writer changed it first. */
  rebuilds: number;
  /** Why a damaged partition was left alone (Strata.UnreadableFile). */
  error?: { name: string; message: string };
  /** Why a too-large partition was left alone, and the way out. */
  reason?: string;
}

export interface CompactTableResult {
  table: string;
  /** skipped: the table was written with another schema than the plan's (the next ingest or refresh applies it). */
  status: 'compacted' | 'nothing-to-do' | 'skipped';
  reason?: string;
  partitions: PartitionCompaction[];
  /** The manifest the last commit wrote (for the catalog), when one was written. */
  committed?: ReadManifest;
  ms: number;
}

/**
 * Whether a partition version needs compacting under a policy: at least minFiles files, and more files than files
 * of targetMb would hold its bytes.
 */
export function needsCompaction(p: Pick<PartitionVersion, 'files' | 'bytes'>, policy: Pick<CompactionSpec, 'minFiles' | 'targetMb'>): boolean {
  return p.files.length >= policy.minFiles && p.files.length > Math.max(1, Math.ceil(p.bytes / (policy.targetMb * MIB)));
}

const MIB = 1 << 20;

/** The partitions of a manifest that need compacting, the ones with most files first. */
export function compactionCandidates(m: TableManifest, policy: CompactionSpec): PartitionVersion[] {
  return Object.values(m.partitions).filter((p) => needsCompaction(p, policy)).sort((a, b) => b.files.length - a.files.length || (a.path < b.path ? -1 : 1));
}

export async function compactTable(storage: Storage, req: CompactTableRequest): Promise<CompactTableResult> {
  const started = Date.now();
  const read = await readManifest(storage, req.root, req.shape);
  const written = read.manifest.schema?.hash;
  if (written !== undefined && written !== req.shape.schemaHash) {
    return {
      table: req.shape.table, status: 'skipped', partitions: [], ms: Date.now() - started,
      reason: `written with schema ${written}, the plan has ${req.shape.schemaHash}: compaction waits until the next write applies the change`,
    };
  }
  const candidates = compactionCandidates(read.manifest, req.policy).map((p) => p.path);
  if (!candidates.length) return { table: req.shape.table, status: 'nothing-to-do', partitions: [], ms: Date.now() - started };

  const maxRebuilds = req.maxRebuilds ?? 2;
  const history = read.manifest.history;
  const chunk = req.partitionsPerCommit ?? 16;
  const outcome = new Map<string, PartitionCompaction>();
  let committed: ReadManifest | undefined;
  // A chunk's partitions are built at once, but rewritten one at a time: each database has the step's whole DuckDB
  // budget (runtime/engine/duckdb.ts DuckBudget), and two rewrites at once share two cores no faster.
  const rewrites = oneAtATime();
  for (let i = 0; i < candidates.length; i += chunk) {
    const paths = candidates.slice(i, i + chunk);
    const builds = new Map<string, number>();
    const result = await commitTable(storage, {
      root: req.root, shape: req.shape, runId: req.runId, at: new Date().toISOString(), kind: 'compact', paths,
      // The first chunk builds on the manifest read above; the next ones on the one the previous chunk wrote.
      ...(i === 0 ? { read } : committed ? { read: committed } : {}),
      build: async (path, base, prefix) => {
        const n = builds.get(path) ?? 0;
        builds.set(path, n + 1);
        const before = { filesBefore: base?.files.length ?? 0, bytesBefore: base?.bytes ?? 0, rows: base?.rows ?? 0, rebuilds: n };
        // Gone, or no longer small files (another compaction, a rewrite): leave it as it is.
        if (!base || !needsCompaction(base, req.policy)) {
          outcome.set(path, { path, outcome: 'unchanged', ...before, filesAfter: before.filesBefore, bytesAfter: before.bytesBefore });
          return base ?? null;
        }
        if (n > maxRebuilds) {
          outcome.set(path, { path, outcome: 'yielded', ...before, rebuilds: n - 1, filesAfter: before.filesBefore, bytesAfter: before.bytesBefore });
          return base;
        }
        const tooLarge = req.tooLarge?.(path, base.bytes);
        if (tooLarge) {
          outcome.set(path, { path, outcome: 'too-large', ...before, filesAfter: before.filesBefore, bytesAfter: before.bytesBefore, reason: tooLarge });
          return base;
        }
        let next: PartitionVersion;
        try {
          next = await rewrites(() => compactPartition(storage, req, base, prefix, history));
        } catch (e) {
          if (!isStrataError(e) || e.name !== ERRORS.UnreadableFile) throw e;
          await storage.deletePrefix(prefix); // what the rewrite wrote before it failed
          outcome.set(path, { path, outcome: 'damaged', ...before, filesAfter: before.filesBefore, bytesAfter: before.bytesBefore, error: { name: e.name, message: e.message } });
          return base;
        }
        await req.onBuilt?.(path);
        outcome.set(path, { path, outcome: 'compacted', ...before, filesAfter: next.files.length, bytesAfter: next.bytes, rows: next.rows });
        return next;
      },
    });
    committed = { manifest: result.manifest, ...(result.etag ? { etag: result.etag } : { etag: undefined }) };
    await req.onCommitted?.(candidates.filter((p) => outcome.has(p)).map((p) => outcome.get(p)!));
  }
  const partitions = candidates.map((p) => outcome.get(p)!);
  return {
    table: req.shape.table, status: partitions.some((p) => p.outcome === 'compacted') ? 'compacted' : 'nothing-to-do',
    partitions, ...(committed ? { committed } : {}), ms: Date.now() - started,
  };
}

/**
 * One partition version's rows, rewritten into files near the target size under `prefix`, verified. A file DuckDB
 * cannot read is a Strata.UnreadableFile naming it and the way back (`history`: the table's history in commit order).
 */
async function compactPartition(storage: Storage, req: CompactTableRequest, base: PartitionVersion, prefix: string, history: readonly HistoryRun[]): Promise<PartitionVersion> {
  return storage.withLocalFiles(base.files, async (paths) => {
    const out = await storage.writeTree(prefix, (dir) => withDuck(async (db) => {
      const names = req.columns.map((c) => c.name);
      const order = req.policy.sortBy.length ? ` ORDER BY ${req.policy.sortBy.map(ident).join(', ')}` : '';
      // Files all written with the table's schema have every column: no need to read 1,000 footers to find out, and
      // read without union_by_name, so one that lacks a column fails the read (an attack, stop 55: one
      // replaced by a file without a column was read with NULLs for it and published as the same rows).
      const whole = base.schemaHash === req.shape.schemaHash;
      const rewrite = async () => {
        const source = whole ? projectionOf(req.columns, paths, new Set(names), false) : await projection(db, req.columns, paths);
        const stats = await db.all<{ filename: string; count: number; file_size_bytes: number }>(
          `COPY (${source}${order}) TO ${pathLit(dir)} (FORMAT parquet, ${PARQUET_CODEC}, FILE_SIZE_BYTES ${req.policy.targetMb * MIB}, `
          + `ROW_GROUP_SIZE ${rowGroupRows(base, req.policy.targetMb * MIB)}, FILENAME_PATTERN ${pathLit(`part-${req.runId}-{i}`)}, OVERWRITE_OR_IGNORE true, RETURN_STATS true)`);
        return { source, stats };
      };
      const { source, stats } = await rewrite().catch(async (e: unknown) => {
        // Only after a failure: one footer read per file tells a damaged file from anything else; where every footer
        // reads, one read of each file's values finds a damaged data page (an attack: the raw engine error was taken for
        // a transient one, retried for ever, and the table's other partitions were not compacted either).
        const files = base.files.map((key, i) => ({ key, path: paths[i]! }));
        const bad = await firstDamaged(db, req.columns, files, whole);
        if (!bad) throw e;
        throw new StrataError(ERRORS.UnreadableFile, `${base.path || '(unpartitioned)'} was not compacted: ${damagedFileMessage(req.shape.layer, req.shape.table, bad, history)}`);
      });
      // DuckDB may close a last, empty file when the rows end exactly at a file boundary.
      for (const s of stats.filter((x) => Number(x.count) === 0)) await rm(s.filename, { force: true });
      const files = stats.filter((x) => Number(x.count) > 0).map((x) => x.filename).sort();
      const expected = await checksum(db, source, names);
      // The rows read are the version's: files that hold other rows than its manifest says (one replaced by another,
      // footer and all) are damage, never compacted into a version that says so (an attack: published as "identical",
      // the loss then hidden from doctor and from gold, which takes a compaction for no change of rows).
      if (expected.rows !== base.rows) {
        throw new StrataError(ERRORS.UnreadableFile, `${base.path || '(unpartitioned)'} was not compacted: its files hold ${expected.rows} rows, `
          + `the manifest of ${req.shape.layer}.${req.shape.table} says ${base.rows}. The way back: ${partitionWayBack(req.shape.layer, req.shape.table)}`);
      }
      // The files just written have every column (no DESCRIBE of them needed).
      const actual = await checksum(db, projectionOf(req.columns, files, new Set(names)), names);
      if (expected.rows !== actual.rows || expected.xor !== actual.xor || expected.sum !== actual.sum) {
        throw new StrataError(ERRORS.Internal, `compaction of ${req.shape.table} ${base.path || '(unpartitioned)'} would change its rows `
          + `(read ${expected.rows} rows, checksums ${expected.xor}/${expected.sum}; wrote ${actual.rows}, ${actual.xor}/${actual.sum}): nothing was published`);
      }
      return {
        // The files kept: an empty file removed above is not the version's (its bytes were, before 2026-12-03).
        rows: expected.rows, bytes: stats.filter((x) => Number(x.count) > 0).reduce((a, s) => a + Number(s.file_size_bytes), 0),
        files: files.map((f) => relative(dir, f).split(sep).join('/')),
      };
    }, req.duck));
    // The files DuckDB wrote, by name: not a listing of the folder, which must hold nothing else but could.
    const files = out.result.files.map((f) => `${prefix}${f}`);
    return {
      path: base.path, values: base.values, location: prefix, files, rows: out.result.rows, bytes: out.result.bytes,
      runId: req.runId, committedAt: new Date().toISOString(), schemaHash: req.shape.schemaHash,
    };
  });
}

/**
 * Rows per row group: DuckDB closes a file after the row group that reaches FILE_SIZE_BYTES, so a file overshoots
 * the target by up to one row group. Its default (122,880 rows) is kept unless a quarter of the target holds fewer
 * rows (by the partition's bytes per row): then files end within about a quarter of the target. Never below 2,048
 * rows (DuckDB's vector size), so row groups stay worth a reader's seek.
 */
function rowGroupRows(base: PartitionVersion, targetBytes: number): number {
  const bytesPerRow = base.rows > 0 ? base.bytes / base.rows : 1;
  return Math.max(2048, Math.min(122_880, Math.floor(targetBytes / 4 / bytesPerRow)));
}

/**
 * The files' rows typed as the table defines them, columns in table order. A file written before a column was added
 * lacks it: it reads as NULL, as it does for every reader of the table.
 */
async function projection(db: Duck, columns: CompactTableRequest['columns'], files: readonly string[]): Promise<string> {
  const present = new Set((await db.columns(`SELECT * FROM ${readFiles(files)}`)).map((c) => c.name));
  return projectionOf(columns, files, present);
}

function projectionOf(columns: CompactTableRequest['columns'], files: readonly string[], present: ReadonlySet<string>, byName = true): string {
  return `SELECT ${columns.map((c) => `CAST(${present.has(c.name) ? ident(c.name) : 'NULL'} AS ${c.duckdbType}) AS ${ident(c.name)}`).join(', ')} FROM ${readFiles(files, byName)}`;
}

const readFiles = (files: readonly string[], byName = true) => `read_parquet(${pathList(files)}, union_by_name = ${byName}, hive_partitioning = false)`;


/** Row count and two order-independent checksums over every column of a relation (DuckDB's 64-bit hash of the row). */
async function checksum(db: Duck, relation: string, columns: readonly string[]): Promise<{ rows: number; xor: string; sum: string }> {
  const r = await db.one<{ rows: number; xor: unknown; sum: unknown }>(
    `SELECT count(*) AS rows, CAST(bit_xor(h) AS VARCHAR) AS xor, CAST(sum(CAST(h AS HUGEINT)) AS VARCHAR) AS sum FROM (SELECT hash(${columns.map(ident).join(', ')}) AS h FROM (${relation}))`);
  return { rows: Number(r.rows), xor: String(r.xor ?? '0'), sum: String(r.sum ?? '0') };
}
