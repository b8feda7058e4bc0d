// Rows to partitioned Parquet in groups of partitions (runtime/ingest/partitioned-write.ts): every row lands in its
// partition's folder exactly once, NULL partitions included, however small the groups; and a file touching more
// partitions than one COPY can hold open within DuckDB's memory goes through the whole pipeline.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Duck, pathLit } from '../runtime/engine/duckdb.ts';
import { bytesOf, copyPartitioned, partitionsPerWrite, WRITTEN_COLUMNS, type WrittenFile } from '../runtime/ingest/partitioned-write.ts';
import { makeLake } from './helpers/lake.ts';

describe('partitioned write in groups', () => {
  it('the budget: 40% of the memory limit over 8 KB per column (and one) per thread, at least 16', () => {
    // 796 MB, 2 threads, 6 columns: 0.4 × 796,000,000 / (2 × 7 × 8,192) = 2,776.2
    expect(partitionsPerWrite(796_000_000, 2, 6)).toBe(2776);
    expect(partitionsPerWrite(1_000_000, 4, 100)).toBe(16);
    expect(bytesOf('759.1 MiB')).toBeCloseTo(759.1 * 1024 * 1024);
    expect(bytesOf('1.5 GB')).toBe(1.5e9);
    expect(bytesOf('512 bytes')).toBe(512);
  });

  it('37 partitions (one NULL) in groups of 5: 37 files, each partition\'s rows and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-pw-'));
    const db = await Duck.open({ memoryLimit: '256MB' });
    try {
      // 370 rows: p = i % 37, NULL where i % 37 = 36; q constant, so partitions are (p, 'a').
      const select = `SELECT i, CASE WHEN i % 37 = 36 THEN NULL ELSE i % 37 END AS p, 'a' AS q FROM range(370) t(i)`;
      const files = await copyPartitioned(db, select, ['p', 'q'], pathLit(dir), 'FORMAT parquet, PARTITION_BY (p, q), OVERWRITE_OR_IGNORE true, RETURN_STATS true', 3, 5);
      expect(files).toHaveLength(37);
      expect(files.reduce((a, f) => a + Number(f.count), 0)).toBe(370);
      const got = await db.all<{ p: number | null; n: number; ok: boolean }>(`
        SELECT p, count(*)::INT AS n, bool_and(coalesce(i % 37 = p, i % 37 = 36)) AS ok
        FROM read_parquet(${pathLit(join(dir, '**', '*.parquet'))}, hive_partitioning = true) GROUP BY p ORDER BY p NULLS LAST`);
      expect(got).toHaveLength(37);
      expect(got.every((g) => g.n === 10 && g.ok)).toBe(true);
      expect(got.at(-1)!.p).toBeNull();
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the files a write returns', () => {
  it('only the columns a write uses: file, rows, bytes and partition values, not every column\'s statistics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-pw-'));
    const db = await Duck.open({ memoryLimit: '256MB' });
    try {
      // p = i % 3 over 10 rows: 4, 3 and 3 rows.
      const files = await db.allOf<WrittenFile>(`COPY (SELECT i, i % 3 AS p FROM range(10) t(i)) TO ${pathLit(dir)} (FORMAT parquet, PARTITION_BY (p), RETURN_STATS true)`, WRITTEN_COLUMNS);
      expect(files.map((f) => Object.keys(f).sort())).toEqual(Array(3).fill(['count', 'file_size_bytes', 'filename', 'partition_keys']));
      const byPartition = files.map((f) => ({ dir: f.filename.split('/').at(-2), count: Number(f.count), sized: Number(f.file_size_bytes) > 0 })).sort((a, b) => a.dir!.localeCompare(b.dir!));
      expect(byPartition).toEqual([{ dir: 'p=0', count: 4, sized: true }, { dir: 'p=1', count: 3, sized: true }, { dir: 'p=2', count: 3, sized: true }]);
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Days × 12 regions of partitions: 100 days (1,200 partitions) in npm test; STRATA_TEST_PARTITION_DAYS=4168 runs the
// same test with 50,016 partitions (minutes: each partition is a Parquet file and folders, written, then linked).
const DAYS = Math.max(100, Number(process.env.STRATA_TEST_PARTITION_DAYS ?? 100));
const N = DAYS * 12;

describe('many partitions through the pipeline', () => {
  it(`a file touching more partitions than DuckDB holds open at once within its memory is written in groups: every row, every partition (${N.toLocaleString('en-US')})`, async () => {
    const lake = await makeLake({
      // lambda.memory 128: DuckDB may use 64 MB in every step (core/plan/sizing.ts).
      many: `dataset: many
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: day, type: date, required: true }
  - { name: region, type: string, required: true }
partitionBy:
  - { name: dt, column: day }
  - { name: rg, column: region }
rejects: { maxRatio: 0.01 }
lambda: { memory: 128 }
`,
    });
    try {
      // DAYS × 12 regions = N partitions, one row each, and one bad row (the exact pass writes the rest).
      const rows: string[] = [];
      for (let d = 0; d < DAYS; d++) for (let r = 0; r < 12; r++) rows.push(`${d * 12 + r},${new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10)},region_${r}`);
      rows.push('x,2024-01-01,region_0');
      const { record } = await lake.ingest('many', await lake.file('many.csv', `id,day,region\n${rows.join('\n')}\n`));
      expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: N + 1, rowsValid: N, rowsQuarantined: 1 });
      expect(record.partitions).toHaveLength(N);
      expect(await lake.query(`SELECT count(*) AS n, count(DISTINCT (dt, rg)) AS parts, sum(id) AS s FROM silver.many`))
        .toEqual([{ n: N, parts: N, s: (N - 1) * N / 2 }]);
      // The catalog registers partitions 1,000 at a time: every one of them, once, with its values as written.
      const shown = `SELECT count(*) AS n, count(DISTINCT path) AS paths, sum("rows") AS "rows", count(DISTINCT location) AS locations FROM strata.partitions WHERE table_name = 'many'`;
      expect(await lake.query(shown)).toEqual([{ n: N, paths: N, rows: N, locations: N }]);
      expect(await lake.query(`SELECT "values" FROM strata.partitions WHERE path = 'dt=2024-04-09/rg=region_11'`)).toEqual([{ values: ['2024-04-09', 'region_11'] }]);
      // A second file appends a row to every partition: N new versions replace the N shown (deleted 1,000 at a time).
      const again: string[] = [];
      for (let d = 0; d < DAYS; d++) for (let r = 0; r < 12; r++) again.push(`${10_000 + d * 12 + r},${new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10)},region_${r}`);
      const second = await lake.ingest('many', await lake.file('many-2.csv', `id,day,region\n${again.join('\n')}\n`));
      expect(second.record).toMatchObject({ status: 'SUCCEEDED', rowsIn: N, rowsValid: N });
      expect(await lake.query(shown)).toEqual([{ n: N, paths: N, rows: 2 * N, locations: N }]);
      expect(await lake.query(`SELECT count(*) AS n FROM strata.partitions WHERE table_name = 'many' AND run_id = '${second.record.runId}'`)).toEqual([{ n: N }]);
    } finally {
      await lake.cleanup();
    }
  }, DAYS > 100 ? 3_600_000 : 120_000);
});
