// A rollback to a version kept without its file names (runtime/table/manifest.ts RetiredVersion) lists its folder;
// these are the checks on real Parquet files. The storage-level check is the number of files
// (test/rollback-retired.property.test.ts); a local rollback (workflows/maintenance.ts) also reads the footers: every
// file readable, and together the version's rows. Not the bytes: a compaction counted an empty last file it removed,
// and the appends after it carried that count on (found by an attack on the change, 2026-12-03).
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { eachTestStorage } from './helpers/storage.ts';
import { compactTable } from '../runtime/table/compact.ts';
import { rollbackTable } from '../runtime/table/rollback.ts';
import { commitTable, readManifest } from '../runtime/table/store.ts';
import { examine } from '../workflows/doctor.ts';
import { rollback } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema } from './helpers/lake.ts';

const ROOT = 'silver/t/';
const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
let dir: string;
let storage: LocalStorage;
eachTestStorage('listing', (d, s) => { dir = d; storage = s; });

/** Rows of hard-to-compress text: 55,665 of them make a compaction to 1 MiB files end exactly at a file boundary. */
const rowsSql = (from: number, n: number) => `SELECT CAST(i AS BIGINT) AS id, md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) || md5(CAST(i + 2 AS VARCHAR)) AS v FROM range(${from}, ${from + n}) t(i)`;

/** Run `run` writes dt=1 as `total` rows in `n` Parquet files, replacing it, or appended to it as the commit step appends (files linked, bytes and rows carried). */
async function ingest(run: string, total: number, n: number, append = false) {
  return commitTable(storage, {
    root: ROOT, shape, runId: run, at: new Date().toISOString(), kind: 'commit', paths: ['dt=1'], source: { id: run, key: `bronze/${run}` },
    build: async (path, base, prefix) => {
      const files: string[] = [];
      let bytes = 0;
      let rows = 0;
      if (append && base) {
        for (const f of base.files) {
          const to = `${prefix}${f.slice(f.lastIndexOf('/') + 1)}`;
          await storage.copy(f, to);
          files.push(to);
        }
        bytes = base.bytes;
        rows = base.rows;
      }
      await mkdir(storage.path(prefix), { recursive: true });
      const each = Math.floor(total / n);
      await withDuck(async (db) => {
        for (let i = 0; i < n; i++) {
          const key = `${prefix}part-${run}-${i}.parquet`;
          await db.run(`COPY (${rowsSql(i * each, i === n - 1 ? total - (n - 1) * each : each)}) TO ${pathLit(storage.path(key))} (FORMAT parquet)`);
          files.push(key);
          bytes += (await stat(storage.path(key))).size;
        }
      });
      return { path, values: ['1'], location: prefix, files, rows: rows + total, bytes, runId: run, committedAt: '' };
    },
  });
}

const compact = () => compactTable(storage, {
  root: ROOT, shape, runId: 'c1', columns: [{ name: 'id', duckdbType: 'BIGINT' }, { name: 'v', duckdbType: 'VARCHAR' }],
  policy: { minFiles: 2, targetMb: 1, sortBy: [] }, duck: { threads: 1 },
});
const current = async () => (await readManifest(storage, ROOT, shape)).manifest.partitions['dt=1']!;
const onDisk = async (files: string[]) => (await Promise.all(files.map(async (f) => (await stat(storage.path(f))).size))).reduce((a, b) => a + b, 0);

describe('rollback to a compacted version, and to the appends after it', () => {
  it('a compaction whose last file ends at the size target records the bytes of the files it keeps; a rollback to it goes through', async () => {
    await ingest('r1', 55_665, 8);
    expect((await compact()).status).toBe('compacted');
    const c = await current();
    expect(c.bytes).toBe(await onDisk(c.files));
    expect(await readdir(storage.path(c.location))).toHaveLength(c.files.length); // the empty last file is gone
    await ingest('r2', 10, 1); // replaces dt=1: the compacted version is retired
    await rollbackTable(storage, ROOT, shape, 'c1', 'undo');
    expect(await current()).toMatchObject({ location: c.location, files: c.files, rows: 55_665 });
  }, 120_000);

  it('property: whatever the rows and threads, a compacted version\'s bytes and files are exactly its folder\'s', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 40_000, max: 70_000 }), fc.integer({ min: 6, max: 12 }), fc.constantFrom(1, 2), async (total, n, threads) => {
      await rm(join(dir, 'silver'), { recursive: true, force: true });
      await ingest('r1', total, n);
      const r = await compactTable(storage, {
        root: ROOT, shape, runId: 'c1', columns: [{ name: 'id', duckdbType: 'BIGINT' }, { name: 'v', duckdbType: 'VARCHAR' }],
        policy: { minFiles: 2, targetMb: 1, sortBy: [] }, duck: { threads },
      });
      fc.pre(r.status === 'compacted'); // the policy may find the files near the target already
      const c = await current();
      expect(c.rows).toBe(total);
      expect((await storage.list(c.location)).map((o) => o.key)).toEqual([...c.files].sort());
      expect(c.bytes).toBe(await onDisk(c.files));
    }), { seed: 20261203, numRuns: 12 });
  }, 300_000);

  it('a version whose recorded bytes are not its files\' (an append on a compaction written before the fix) is restored: the bytes are not checked', async () => {
    await ingest('r1', 55_665, 8);
    await compact();
    await ingest('r2', 10, 1, true);
    const r2 = await current();
    await ingest('r3', 10, 1, true);
    // as a compaction before 2026-12-03 left it: 112 bytes more than its files (an empty file it removed)
    const m = (await readManifest(storage, ROOT, shape));
    const inflated = { ...m.manifest, retired: m.manifest.retired.map((r) => (r.version.location === r2.location ? { ...r, version: { ...r.version, bytes: r.version.bytes + 112 } } : r)) };
    await storage.writeText(`${ROOT}_strata/manifest.json`, JSON.stringify(inflated));
    await rollbackTable(storage, ROOT, shape, 'r2', 'undo');
    expect(await current()).toMatchObject({ location: r2.location, files: r2.files, rows: r2.rows, bytes: r2.bytes + 112 });
  }, 120_000);
});

describe('strata rollback reads the footers of a listed version', () => {
  it('a folder with a file added: that it changed, not a damaged file; one file replaced by other rows: the rows; put back: rolled back', async () => {
    const lake = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
    try {
      const o = (id: number) => `${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`;
      const a = (await lake.ingest('orders', await lake.file('a.csv', `${ORDERS_HEADER}\n${o(1)}\n`))).record.runId;
      await lake.ingest('orders', await lake.file('b.csv', `${ORDERS_HEADER}\n${o(2)}\n`));
      const m = JSON.parse(await lake.storage.readText('silver/orders/_strata/manifest.json') ?? '');
      const v = m.retired[0].version;
      expect(v).toMatchObject({ runId: a, fileCount: 1, rows: 1 });
      expect(v.files).toBeUndefined();
      const folder = lake.storage.path(v.location);
      const [file] = await readdir(folder);
      const uri = lake.storage.uri(v.location);
      const changed = (what: string) => `the version of silver.orders partition dt=2025-06-12 that run ${a} committed (${uri}) now holds ${what}: its files were changed, `
        + 'added or removed after it was replaced, so it is not restored and nothing was changed. The way back: put its files back as they were, or roll back '
        + 'to another run (strata runs lists them)';

      const doctorNotes = async () => (await examine(lake)).findings.filter((f) => f.message.includes('replaced version'));
      expect(await doctorNotes()).toEqual([]);

      await copyFile(join(folder, file!), join(folder, 'README.txt'));
      await expect(rollback(lake, 'orders', a)).rejects.toMatchObject({ name: 'Strata.UnreadableFile', message: changed('2 files where it was committed with 1') });
      // strata doctor says so before a rollback needs it: a note (the current versions read as before)
      expect(await doctorNotes()).toEqual([{
        subject: 'silver.orders', level: 'note',
        message: `1 replaced version whose folder no longer holds the files it was committed with (a rollback to the runs that left it is refused), e.g. partition dt=2025-06-12 of run ${a}: ${uri} holds 2 files where it had 1`,
        way: 'put its files back as they were; strata gc deletes it once it is past retention.days (the current versions are not affected)',
      }]);
      await rm(join(folder, 'README.txt'));
      expect(await doctorNotes()).toEqual([]);

      // As many files and rows, but another file (the attack's case: a file lost, another copied in under a new name).
      await copyFile(join(folder, file!), join(dir, 'orig.parquet'));
      await rename(join(folder, file!), join(folder, 'part-zz.parquet'));
      await expect(rollback(lake, 'orders', a)).rejects.toMatchObject({ name: 'Strata.UnreadableFile', message: changed('1 file, but not the ones it was committed with (their names differ)') });
      expect(await doctorNotes()).toMatchObject([{ message: `1 replaced version whose folder no longer holds the files it was committed with (a rollback to the runs that left it is refused), e.g. partition dt=2025-06-12 of run ${a}: ${uri} holds 1 file, but not the ones it had` }]);
      await rename(join(folder, 'part-zz.parquet'), join(folder, file!));
      expect(await doctorNotes()).toEqual([]);

      // The file is shared with the current version (a hard link): replaced by rename, so only this folder changes.
      await rename(join(folder, file!), join(dir, 'kept.parquet'));
      await withDuck((db) => db.run(`COPY (SELECT * FROM read_parquet(${pathLit(join(dir, 'kept.parquet'))}) UNION ALL SELECT * FROM read_parquet(${pathLit(join(dir, 'kept.parquet'))})) TO ${pathLit(join(folder, file!))} (FORMAT parquet)`));
      await expect(rollback(lake, 'orders', a)).rejects.toMatchObject({ name: 'Strata.UnreadableFile', message: changed('2 rows in its files where it was committed with 1') });
      expect(await lake.query('SELECT order_id FROM silver.orders ORDER BY 1')).toEqual([{ order_id: 1 }, { order_id: 2 }]);

      await rename(join(dir, 'kept.parquet'), join(folder, file!));
      await rollback(lake, 'orders', a);
      expect(await lake.query('SELECT order_id FROM silver.orders ORDER BY 1')).toEqual([{ order_id: 1 }]);
    } finally {
      await lake.cleanup();
    }
  }, 120_000);
});
