// Compaction of one table (runtime/table/compact.ts) on the real local storage, with Parquet files written by DuckDB
// and committed by the table protocol, the concurrent writer placed deterministically (it commits from the
// compaction's onBuilt hook, between its build and its compare-and-swap). Which partitions need compacting, what the
// result says, what the manifest and the files are afterwards: all worked out by hand from the rules in compact.ts's
// header; the rows are read back with plain DuckDB queries, not with the compaction's own checksums.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import type { CompactionSpec } from '../core/schema/model.ts';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import { compactionCandidates, compactTable, needsCompaction, type CompactTableRequest } from '../runtime/table/compact.ts';
import { emptyManifest, type PartitionVersion, type TableManifest } from '../runtime/table/manifest.ts';
import { commitTable, readManifest } from '../runtime/table/store.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
const AT = '2025-06-15T00:00:00.000Z';
const MIB = 1024 * 1024;
const COLUMNS = [{ name: 'id', duckdbType: 'BIGINT' }, { name: 'v', duckdbType: 'VARCHAR' }];
const UNPARTITIONED: TableShape = { ...shape, partitionKeys: [] };
const POLICY: CompactionSpec = { minFiles: 2, targetMb: 1, sortBy: [] };
const SCHEMA = (hash: string) => ({ hash, columns: [{ name: 'id', type: 'bigint' }, { name: 'v', type: 'string' }], partitionKeys: [{ name: 'dt', type: 'string' }] });

let storage: LocalStorage;
eachTestStorage('compact', (_d, s) => { storage = s; });

/** Rows id = from … from+n-1, v = 'r<id>'; or a SELECT of its own with its row count. */
type Batch = [from: number, n: number] | { sql: string; rows: number };
const batchSql = (b: Batch) => Array.isArray(b) ? `SELECT CAST(i AS BIGINT) AS id, 'r' || i AS v FROM range(${b[0]}, ${b[0] + b[1]}) t(i)` : b.sql;
const batchRows = (b: Batch) => Array.isArray(b) ? b[1] : b.rows;

/**
 * Run `run` commits each partition: one Parquet file per batch (part-<run>-<i>.parquet, as ingests name them) in its
 * version folder, added to the files of the version before it (`keep`) or replacing them.
 */
async function ingest(run: string, parts: Record<string, Batch[] | null>, opts: { keep?: boolean; schemaHash?: string; schema?: string; shape?: TableShape } = {}) {
  return commitTable(storage, {
    root: ROOT, shape: opts.shape ?? shape, runId: run, at: AT, kind: 'commit', paths: Object.keys(parts), ...(opts.schema ? { schema: SCHEMA(opts.schema) } : {}),
    build: async (path, base, prefix) => {
      const batches = parts[path];
      if (!batches) return null;
      const files = opts.keep && base ? [...base.files] : [];
      await mkdir(storage.path(prefix), { recursive: true });
      await withDuck(async (db) => {
        for (const [i, b] of batches.entries()) {
          const key = `${prefix}part-${run}-${i}.parquet`;
          await db.run(`COPY (${batchSql(b)}) TO ${pathLit(storage.path(key))} (FORMAT parquet)`);
          files.push(key);
        }
      });
      const rows = batches.reduce((a, b) => a + batchRows(b), opts.keep && base ? base.rows : 0);
      return {
        path, values: path ? [path.slice(3)] : [], location: prefix, files, rows, bytes: await sizes(files), runId: run, committedAt: AT,
        schemaHash: opts.schemaHash ?? 'h1',
      };
    },
  });
}

const sizes = async (keys: readonly string[]) => (await Promise.all(keys.map(async (k) => (await storage.head(k))!.size))).reduce((a, s) => a + s, 0);
const manifest = async (): Promise<TableManifest> => (await readManifest(storage, ROOT, shape)).manifest;
const exists = async (key: string) => (await storage.head(key)) !== undefined;
/** A file's rows in the order they are stored, as [id, v]. */
const fileRows = (key: string) => withDuck(async (db) => (await db.all<{ id: bigint | number; v: string | null }>(
  `SELECT id, v FROM read_parquet(${pathLit(storage.path(key))})`)).map((r) => [Number(r.id), r.v]));
const compact = (extra: Partial<CompactTableRequest> = {}) => compactTable(storage, { root: ROOT, shape, runId: 'c', columns: COLUMNS, policy: POLICY, ...extra });

/** A partition version with `files` files and `bytes` bytes, for the pure functions. */
const version = (path: string, files: number, bytes: number): PartitionVersion =>
  ({ path, values: [path.slice(3)], location: `${ROOT}${path}/v-a/`, files: Array.from({ length: files }, (_, i) => `f${i}`), rows: 1, bytes, runId: 'a', committedAt: AT });

describe('needsCompaction', () => {
  const needs = (files: number, bytes: number, minFiles: number, targetMb: number) => needsCompaction(version('dt=1', files, bytes), { minFiles, targetMb });

  it('minFiles: a partition with fewer files than minFiles is left alone, one with exactly minFiles is compacted', () => {
    expect(needs(2, 100, 3, 1)).toBe(false);
    expect(needs(3, 100, 3, 1)).toBe(true);
    expect(needs(4, 100, 3, 1)).toBe(true);
  });

  it('targetMb: only more files than files of targetMb MiB would hold its bytes (rounded up) need compacting', () => {
    // exactly 1 MiB fills one file of 1 MiB: two files are one too many; one byte more needs two files
    expect(needs(2, MIB, 2, 1)).toBe(true);
    expect(needs(2, MIB + 1, 2, 1)).toBe(false);
    // 2 MiB + 1 byte needs three files of 1 MiB (rounded up, not down): three files are right, four too many
    expect(needs(3, 2 * MIB + 1, 2, 1)).toBe(false);
    expect(needs(4, 2 * MIB + 1, 2, 1)).toBe(true);
    expect(needs(3, 2 * MIB, 2, 1)).toBe(true);
    // the target is in MiB: 4 MiB fills two files of 2 MiB, 4 MiB + 1 byte three
    expect(needs(3, 4 * MIB, 2, 2)).toBe(true);
    expect(needs(3, 4 * MIB + 1, 2, 2)).toBe(false);
  });

  it('a partition is never compacted into fewer than one file: an empty partition of one file is left alone', () => {
    expect(needs(1, 0, 1, 1)).toBe(false);
    expect(needs(2, 0, 1, 1)).toBe(true);
  });
});

describe('compactionCandidates', () => {
  it('the partitions that need compacting, most files first, then by path', () => {
    const m = emptyManifest('t', 'silver', 'h1', ['dt']);
    for (const v of [version('dt=1', 2, 10), version('dt=3', 3, 10), version('dt=2', 3, 10), version('dt=4', 1, 10), version('dt=5', 2, 2 * MIB), version('dt=0', 5, 10)]) {
      m.partitions[v.path] = v;
    }
    expect(compactionCandidates(m, POLICY).map((p) => p.path)).toEqual(['dt=0', 'dt=2', 'dt=3', 'dt=1']);
    expect(compactionCandidates(m, { ...POLICY, minFiles: 4 }).map((p) => p.path)).toEqual(['dt=0']);
    expect(compactionCandidates(emptyManifest('t', 'silver', 'h1', ['dt']), POLICY)).toEqual([]);
  });
});

describe('compactTable', () => {
  it('rewrites each partition of small files into one new version: same rows in sortBy order, the old version retired and its files kept', async () => {
    // dt=1: three files, 12 rows; dt=2: one file (not a candidate); dt=3: two files of one row each
    await ingest('a', { 'dt=1': [[0, 3], [3, 4], [7, 5]], 'dt=2': [[100, 2]], 'dt=3': [[200, 1], [201, 1]] }, { schema: 'h1' });
    const before = await manifest();
    const r = await compact({ policy: { ...POLICY, sortBy: ['v', 'id'] } });
    const after = await readManifest(storage, ROOT, shape);
    const f1 = 'silver/t/dt=1/v-c/part-c-0.parquet';
    const f3 = 'silver/t/dt=3/v-c/part-c-0.parquet';
    expect(r).toEqual({
      table: 't', status: 'compacted', committed: after, ms: expect.any(Number),
      partitions: [
        { path: 'dt=1', outcome: 'compacted', filesBefore: 3, filesAfter: 1, rows: 12, bytesBefore: before.partitions['dt=1']!.bytes, bytesAfter: await sizes([f1]), rebuilds: 0 },
        { path: 'dt=3', outcome: 'compacted', filesBefore: 2, filesAfter: 1, rows: 2, bytesBefore: before.partitions['dt=3']!.bytes, bytesAfter: await sizes([f3]), rebuilds: 0 },
      ],
    });
    expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(r.ms).toBeLessThan(600_000); // a duration, not a time of day
    const m = after.manifest;
    expect(m.version).toBe(before.version + 1);
    expect(m.partitions['dt=1']).toEqual({
      path: 'dt=1', values: ['1'], location: 'silver/t/dt=1/v-c/', files: [f1], rows: 12, bytes: await sizes([f1]), runId: 'c',
      committedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), schemaHash: 'h1',
    });
    expect(m.partitions['dt=2']).toEqual(before.partitions['dt=2']);
    expect(m.history.at(-1)).toMatchObject({
      runId: 'c', kind: 'compact',
      changes: [{ path: 'dt=1', from: 'silver/t/dt=1/v-a/', to: 'silver/t/dt=1/v-c/', rows: 12 }, { path: 'dt=3', from: 'silver/t/dt=3/v-a/', to: 'silver/t/dt=3/v-c/', rows: 2 }],
    });
    // retired without the names of their files (their folders hold them), with their number
    const { files: files1, ...was1 } = before.partitions['dt=1']!;
    const { files: files3, ...was3 } = before.partitions['dt=3']!;
    expect(m.retired.map((x) => x.version)).toEqual([{ ...was1, fileCount: 3, filesHash: expect.stringMatching(/^[0-9a-f]{16}$/) }, { ...was3, fileCount: 2, filesHash: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    expect([files1.length, files3.length]).toEqual([3, 2]);
    // the replaced files stay for a rollback until gc
    for (const k of [...before.partitions['dt=1']!.files, ...before.partitions['dt=3']!.files]) expect(await exists(k), k).toBe(true);
    // ordered by v (a string: r0, r1, r10, r11, r2 …), the 12 rows exactly once each
    expect(await fileRows(f1)).toEqual([[0, 'r0'], [1, 'r1'], [10, 'r10'], [11, 'r11'], [2, 'r2'], [3, 'r3'], [4, 'r4'], [5, 'r5'], [6, 'r6'], [7, 'r7'], [8, 'r8'], [9, 'r9']]);
    expect(await fileRows(f3)).toEqual([[200, 'r200'], [201, 'r201']]);
    // only the files the compaction wrote are in its folder
    expect((await storage.list('silver/t/dt=1/v-c/')).map((o) => o.key)).toEqual([f1]);
  });

  it('without sortBy the rows are written in any order, each exactly once', async () => {
    await ingest('a', { 'dt=1': [[0, 3], [3, 2], [0, 1]] });
    const r = await compact();
    expect(r.partitions).toMatchObject([{ path: 'dt=1', outcome: 'compacted', rows: 6, filesAfter: 1 }]);
    const rows = await fileRows('silver/t/dt=1/v-c/part-c-0.parquet');
    // id 0 was ingested twice: a row written twice is two rows
    expect(rows.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[0, 'r0'], [0, 'r0'], [1, 'r1'], [2, 'r2'], [3, 'r3'], [4, 'r4']]);
  });

  it('nothing to do: no partition needs compacting; the manifest is not rewritten', async () => {
    await ingest('a', { 'dt=1': [[0, 3]], 'dt=2': [[3, 1], [4, 1]] });
    const before = await readManifest(storage, ROOT, shape);
    const r = await compact({ policy: { ...POLICY, minFiles: 3 } });
    expect(r).toEqual({ table: 't', status: 'nothing-to-do', partitions: [], ms: expect.any(Number) });
    expect(r.ms).toBeLessThan(600_000);
    expect((await readManifest(storage, ROOT, shape)).etag).toBe(before.etag);
  });

  it('skipped: a table written with another schema than the plan\'s waits for the next write; the same schema is compacted', async () => {
    await ingest('a', { 'dt=1': [[0, 1], [1, 1]] }, { schema: 'h0' });
    const before = await readManifest(storage, ROOT, shape);
    const r = await compact();
    expect(r.ms).toBeLessThan(600_000);
    expect(r).toEqual({
      table: 't', status: 'skipped', partitions: [], ms: expect.any(Number),
      reason: 'written with schema h0, the plan has h1: compaction waits until the next write applies the change',
    });
    expect((await readManifest(storage, ROOT, shape)).etag).toBe(before.etag);
    expect((await compact({ shape: { ...shape, schemaHash: 'h0' } })).status).toBe('compacted');
  });

  it('a partition whose files were written with an older schema: a column they lack reads as NULL, columns cast to the table\'s types', async () => {
    const old = { sql: 'SELECT CAST(i AS INTEGER) AS id FROM range(0, 2) t(i)', rows: 2 };
    await ingest('a', { 'dt=1': [old, { sql: 'SELECT CAST(7 AS INTEGER) AS id', rows: 1 }] }, { schemaHash: 'h0' });
    const r = await compact();
    expect(r.partitions).toMatchObject([{ path: 'dt=1', outcome: 'compacted', rows: 3 }]);
    const key = 'silver/t/dt=1/v-c/part-c-0.parquet';
    expect((await fileRows(key)).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[0, null], [1, null], [7, null]]);
    const types = await withDuck((db) => db.all<{ name: string; type: string }>(`SELECT name, type FROM parquet_schema(${pathLit(storage.path(key))}) WHERE name <> 'duckdb_schema'`));
    expect(types.map((t) => [t.name, t.type])).toEqual([['id', 'INT64'], ['v', 'BYTE_ARRAY']]);
    expect((await manifest()).partitions['dt=1']!.schemaHash).toBe('h1');
  });

  it('partitionsPerCommit: a compaction of many partitions publishes as it goes, one commit per group, each on the one before', async () => {
    await ingest('a', { 'dt=1': [[0, 1], [1, 1]], 'dt=2': [[2, 1], [3, 1], [4, 1]], 'dt=3': [[5, 1], [6, 1]], 'dt=4': [[7, 1], [8, 1]] });
    const before = await manifest();
    const r = await compact({ partitionsPerCommit: 2 });
    const m = await manifest();
    // four partitions, two per commit: exactly two commits
    expect(m.version).toBe(before.version + 2);
    // most files first (dt=2), then by path
    expect(m.history.slice(-2).map((h) => [h.kind, h.changes.map((c) => c.path)])).toEqual([['compact', ['dt=2', 'dt=1']], ['compact', ['dt=3', 'dt=4']]]);
    expect(r.committed?.manifest).toEqual(m);
    expect(r.partitions.map((p) => [p.path, p.outcome, p.rows])).toEqual([['dt=2', 'compacted', 3], ['dt=1', 'compacted', 2], ['dt=3', 'compacted', 2], ['dt=4', 'compacted', 2]]);
    expect(Object.values(m.partitions).map((p) => p.location)).toEqual(['silver/t/dt=1/v-c/', 'silver/t/dt=2/v-c/', 'silver/t/dt=3/v-c/', 'silver/t/dt=4/v-c/']);
  });

  it('a partition another writer changed under it is compacted again from the new version: the concurrent rows are kept', async () => {
    await ingest('a', { 'dt=1': [[0, 3], [3, 4], [7, 5]] });
    let raced = false;
    const onBuilt = async () => {
      if (raced) return;
      raced = true;
      await ingest('b', { 'dt=1': [[12, 5]] }, { keep: true });
    };
    const r = await compact({ onBuilt });
    const m = await manifest();
    const key = 'silver/t/dt=1/v-c-1/part-c-0.parquet';
    expect(r.partitions).toEqual([{ path: 'dt=1', outcome: 'compacted', filesBefore: 4, filesAfter: 1, rows: 17, bytesBefore: m.retired.at(-1)!.version.bytes, bytesAfter: await sizes([key]), rebuilds: 1 }]);
    expect(m.partitions['dt=1']).toMatchObject({ location: 'silver/t/dt=1/v-c-1/', files: [key], rows: 17 });
    expect(m.retired.map((x) => [x.version.location, x.byRunId])).toEqual([['silver/t/dt=1/v-a/', 'b'], ['silver/t/dt=1/v-b/', 'c']]);
    expect((await fileRows(key)).map((x) => x[0]).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(await exists('silver/t/dt=1/v-c/part-c-0.parquet')).toBe(false); // the stale build is discarded
  });

  it('a partition another writer keeps changing is left as that writer made it after maxRebuilds (default 2): yielded', async () => {
    await ingest('a', { 'dt=1': [[0, 1], [1, 1]] });
    let n = 0;
    const onBuilt = async () => { n++; await ingest(`b${n}`, { 'dt=1': [[1 + n, 1]] }, { keep: true }); };
    const r = await compact({ onBuilt });
    // builds 0, 1 and 2 each lost to a writer; the fourth found the partition changed again and yielded
    expect(n).toBe(3);
    const m = await manifest();
    const last = m.partitions['dt=1']!;
    expect(last).toMatchObject({ location: 'silver/t/dt=1/v-b3/', rows: 5 });
    expect(r).toMatchObject({ status: 'nothing-to-do', partitions: [{ path: 'dt=1', outcome: 'yielded', filesBefore: 5, filesAfter: 5, rows: 5, bytesBefore: last.bytes, bytesAfter: last.bytes, rebuilds: 2 }] });
    expect(r.committed?.manifest).toEqual(m);
  });

  it('maxRebuilds 0: one change under it is enough to yield', async () => {
    await ingest('a', { 'dt=1': [[0, 1], [1, 1]] });
    let n = 0;
    const r = await compact({ maxRebuilds: 0, onBuilt: async () => { if (!n++) await ingest('b', { 'dt=1': [[2, 1]] }, { keep: true }); } });
    expect(r.partitions).toMatchObject([{ path: 'dt=1', outcome: 'yielded', filesBefore: 3, rows: 3, rebuilds: 0 }]);
    expect((await manifest()).partitions['dt=1']!.location).toBe('silver/t/dt=1/v-b/');
  });

  it('a partition another writer rewrote into one file, or removed, no longer needs compacting: unchanged', async () => {
    await ingest('a', { 'dt=1': [[0, 1], [1, 1]], 'dt=2': [[2, 1], [3, 1]] });
    let raced = false;
    const onBuilt = async () => {
      if (raced) return;
      raced = true;
      await ingest('b', { 'dt=1': [[0, 4]], 'dt=2': null });
    };
    const r = await compact({ onBuilt });
    const m = await manifest();
    const one = m.partitions['dt=1']!;
    expect(r).toMatchObject({ status: 'nothing-to-do' });
    expect(r.partitions).toEqual([
      { path: 'dt=1', outcome: 'unchanged', filesBefore: 1, filesAfter: 1, rows: 4, bytesBefore: one.bytes, bytesAfter: one.bytes, rebuilds: 1 },
      { path: 'dt=2', outcome: 'unchanged', filesBefore: 0, filesAfter: 0, rows: 0, bytesBefore: 0, bytesAfter: 0, rebuilds: 1 },
    ]);
    expect(one.location).toBe('silver/t/dt=1/v-b/');
    expect(m.partitions['dt=2']).toBeUndefined();
  });

  it('a damaged file: its partition is left as it is, named with the way back, what it wrote removed; the others are compacted', async () => {
    await ingest('a', { 'dt=1': [[0, 1], [1, 1], [2, 1]], 'dt=2': [[3, 1], [4, 1]] });
    const bad = 'silver/t/dt=1/v-a/part-a-1.parquet';
    await writeFile(storage.path(bad), 'not parquet at all');
    const before = await manifest();
    const r = await compact();
    expect(r.status).toBe('compacted');
    expect(r.partitions.map((p) => [p.path, p.outcome])).toEqual([['dt=1', 'damaged'], ['dt=2', 'compacted']]);
    const d = r.partitions[0]!;
    expect(d).toMatchObject({ filesBefore: 3, filesAfter: 3, rows: 3, bytesAfter: d.bytesBefore, rebuilds: 0, error: { name: 'Strata.UnreadableFile' } });
    expect(d.error!.message).toMatch(/^dt=1 was not compacted: silver\/t\/dt=1\/v-a\/part-a-1\.parquet of silver\.t is damaged \(.+\)\. .* The way back is bronze: run a made the table/);
    const m = await manifest();
    expect(m.partitions['dt=1']).toEqual(before.partitions['dt=1']);
    expect(m.partitions['dt=2']!.location).toBe('silver/t/dt=2/v-c/');
    // the folder the rewrite was given is gone, not just empty
    expect(existsSync(storage.path('silver/t/dt=1/v-c'))).toBe(false);
    expect(await exists(bad)).toBe(true);
  });

  it('a damaged file in the only candidate (an unpartitioned table): nothing to do, nothing published', async () => {
    await ingest('a', { '': [[0, 1], [1, 1]] }, { shape: UNPARTITIONED });
    await writeFile(storage.path('silver/t/v-a/part-a-0.parquet'), '');
    const r = await compact({ shape: UNPARTITIONED });
    expect(r).toMatchObject({ status: 'nothing-to-do', partitions: [{ path: '', outcome: 'damaged' }] });
    expect(r.partitions[0]!.error!.message).toMatch(/^\(unpartitioned\) was not compacted: silver\/t\/v-a\/part-a-0\.parquet of silver\.t is damaged/);
  });

  it('a rewrite that fails for another reason than a damaged file fails the compaction: nothing is published', async () => {
    await ingest('a', { 'dt=1': [[0, 1], [1, 1]] });
    const before = await readManifest(storage, ROOT, shape);
    await expect(compact({ policy: { ...POLICY, sortBy: ['nope'] } })).rejects.toThrow(/nope/);
    expect((await readManifest(storage, ROOT, shape)).etag).toBe(before.etag);
  });

  it('rows that would change on the way (a HUGEINT Parquet stores as DOUBLE): the checksums differ, nothing is published', async () => {
    // 2^100 + 1 read as text and cast to HUGEINT is exact; written to Parquet it becomes the DOUBLE 2^100
    const big = { sql: `SELECT CAST(1 AS BIGINT) AS id, '1267650600228229401496703205377' AS v`, rows: 1 };
    await ingest('a', { 'dt=1': [big, { sql: `SELECT CAST(2 AS BIGINT) AS id, '5' AS v`, rows: 1 }] });
    const before = await readManifest(storage, ROOT, shape);
    const err = await compact({ columns: [COLUMNS[0]!, { name: 'v', duckdbType: 'HUGEINT' }] }).then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err!.name).toBe('Strata.Internal');
    expect(err!.message).toMatch(/^compaction of t dt=1 would change its rows \(read 2 rows, checksums -?\d+\/-?\d+; wrote 2, -?\d+\/-?\d+\): nothing was published$/);
    const [, rx, rs, wx, ws] = /checksums (-?\d+)\/(-?\d+); wrote 2, (-?\d+)\/(-?\d+)/.exec(err!.message)!;
    expect(rx).not.toBe(wx);
    expect(rs).not.toBe(ws);
    expect((await readManifest(storage, ROOT, shape)).etag).toBe(before.etag);
  });
  it('the same check on an unpartitioned table names it so', async () => {
    await ingest('a', { '': [{ sql: `SELECT CAST(1 AS BIGINT) AS id, '1267650600228229401496703205377' AS v`, rows: 1 }, { sql: `SELECT CAST(2 AS BIGINT) AS id, '5' AS v`, rows: 1 }] }, { shape: UNPARTITIONED });
    await expect(compact({ shape: UNPARTITIONED, columns: [COLUMNS[0]!, { name: 'v', duckdbType: 'HUGEINT' }] })).rejects.toThrow(/^compaction of t \(unpartitioned\) would change its rows \(read 2 rows/);
  });

  it('files near the target size, in row groups of about a quarter of it (by the partition\'s bytes per row), never below 2,048 rows', async () => {
    // 16 files of 5,000 rows (an id and a 32-character md5): about 2.9 MB, so 16 files where 3 of 1 MiB would do
    const batches: Batch[] = Array.from({ length: 16 }, (_, f) => ({ sql: `SELECT CAST(i AS BIGINT) AS id, md5(CAST(i AS VARCHAR)) AS v FROM range(${f * 5000}, ${(f + 1) * 5000}) t(i)`, rows: 5000 }));
    await ingest('a', { 'dt=1': batches });
    const base = (await manifest()).partitions['dt=1']!;
    const r = await compact({ duck: { threads: 1 } });
    const after = (await manifest()).partitions['dt=1']!;
    // about 1.5 MB of zstd: a first file closed after the row group that reached 1 MiB, the rest in a second
    expect(r.partitions).toMatchObject([{ path: 'dt=1', outcome: 'compacted', filesBefore: 16, filesAfter: 2, rows: 80_000 }]);
    expect(after.files).toEqual(['silver/t/dt=1/v-c/part-c-0.parquet', 'silver/t/dt=1/v-c/part-c-1.parquet']);
    const first = (await storage.head(after.files[0]!))!.size;
    expect(first).toBeGreaterThanOrEqual(MIB);
    expect(first).toBeLessThan(1.25 * MIB); // over by at most one row group (about 170 kB here)
    // a quarter of 1 MiB at the partition's bytes per row; DuckDB closes a row group at the end of the chunk (at most
    // 2,048 rows) that reaches it, so every row group but a file's last holds that many rows and less than 2,048 more
    const quarter = Math.floor(MIB / 4 / (base.bytes / base.rows));
    expect(quarter).toBeGreaterThan(2048 * 2);
    expect(quarter).toBeLessThan(122_880 / 2);
    const groups = await withDuck((db) => db.all<{ file: string; n: number; last: boolean }>(
      `SELECT file_name AS file, row_group_id, any_value(row_group_num_rows) AS n, row_group_id = max(row_group_id) OVER (PARTITION BY file_name) AS last
       FROM parquet_metadata([${after.files.map((f) => pathLit(storage.path(f))).join(', ')}]) GROUP BY file_name, row_group_id ORDER BY file, row_group_id`));
    const full = groups.filter((g) => !g.last).map((g) => Number(g.n));
    expect(full.length).toBeGreaterThanOrEqual(4);
    for (const n of full) {
      expect(n).toBeGreaterThanOrEqual(quarter);
      expect(n).toBeLessThan(quarter + 2048);
    }
    const sum = await withDuck((db) => db.one<{ n: number; ids: unknown }>(`SELECT count(*) AS n, CAST(sum(id) AS VARCHAR) AS ids, count(DISTINCT id) AS d FROM read_parquet([${after.files.map((f) => pathLit(storage.path(f))).join(', ')}])`));
    expect(sum).toMatchObject({ n: 80_000, ids: String((80_000 * 79_999) / 2), d: 80_000 });
  });
});
