// What strata gc and LocalStorage.deletePrefix must not delete (found by an attack): a version folder a commit is still
// building (it links the partition's older files first, so by their modification times it looked a day old and gc
// took it for an orphan: the commit then named files that were gone), and what a symlink in the lake points at (the
// synchronous removal of d5f08a6 followed a symlink at the prefix and emptied its target, outside the lake).
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableShape } from '../core/plan/table-shape.ts';
import { LocalStorage } from '../runtime/storage/local.ts';
import { gcTable } from '../runtime/table/gc.ts';
import { commitTable, readManifest } from '../runtime/table/store.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'strata-gc-safety-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

describe('deletePrefix and symlinks', () => {
  it('deletePrefix of a key that is a symlink to a folder outside the lake removes the link, not the files it points at', async () => {
    const d = await tmp();
    const lakeDir = join(d, 'lake');
    const outside = join(d, 'archive');
    await mkdir(join(lakeDir, 'silver/t/dt=1'), { recursive: true });
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'precious.parquet'), 'do not delete me');
    await symlink(outside, join(lakeDir, 'silver/t/dt=1/v-old'));
    const storage = new LocalStorage(lakeDir);
    await storage.deletePrefix('silver/t/dt=1/v-old/');
    expect(existsSync(join(lakeDir, 'silver/t/dt=1/v-old'))).toBe(false); // the link went (as with fs.rm)
    expect(readdirSync(outside)).toEqual(['precious.parquet']);
  });

  it('gc expiring a version whose folder was replaced by a symlink (moved to another disk) removes the link, not the files outside the lake', async () => {
    const d = await tmp();
    const lakeDir = join(d, 'lake');
    const outside = join(d, 'cold-disk', 'v-r1');
    const storage = new LocalStorage(lakeDir);
    const ROOT = 'silver/t/';
    const shape: TableShape = { table: 't', layer: 'silver', schemaHash: 'h1', partitionKeys: ['dt'] };
    const commit = (run: string, at: string) => commitTable(storage, {
      root: ROOT, shape, runId: run, at, kind: 'commit', paths: ['dt=1'],
      build: async (path, _b, prefix) => {
        await storage.writeText(`${prefix}part.txt`, 'x'.repeat(7));
        return { path, values: ['1'], location: prefix, files: [`${prefix}part.txt`], rows: 1, bytes: 7, runId: run, committedAt: at };
      },
    });
    await commit('r1', '2025-06-01T00:00:00.000Z');
    await commit('r2', '2025-06-10T00:00:00.000Z');
    // the user moves r1's (replaced) version to another disk and leaves a symlink, plus something else of theirs there
    await mkdir(join(d, 'cold-disk'), { recursive: true });
    await rename(storage.path('silver/t/dt=1/v-r1'), outside);
    await writeFile(join(outside, 'README.txt'), 'other data on the cold disk');
    await symlink(outside, storage.path('silver/t/dt=1/v-r1'));
    const r = await gcTable(storage, ROOT, shape, 'silver.t', 5, { now: new Date('2025-06-25T00:00:00.000Z') });
    expect(r.expiredVersions).toBe(1);
    expect(existsSync(storage.path('silver/t/dt=1/v-r1'))).toBe(false);
    // only the link goes: the folder outside the lake keeps its files
    expect(readdirSync(outside).sort()).toEqual(['README.txt', 'part.txt']);
  });
});

describe('gc and a commit in progress', () => {
  let lake: TestLake;
  afterEach(async () => { await lake?.cleanup(); });

  it('an append to a partition whose files are more than a day old: gc during the build keeps the new version folder, and every file the commit names exists', async () => {
    lake = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
    const o = (id: number) => `${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`;
    await lake.ingest('orders', await lake.file('a.csv', `${ORDERS_HEADER}\n${o(1)}\n${o(2)}\n`));
    // the partition's files were written two days ago (a month partition, or a day appended to after midnight + 24h)
    const m0 = (await readManifest(lake.storage, 'silver/orders/', lake.plans[0]!)).manifest;
    const old = new Date(Date.now() - 2 * 86_400_000);
    for (const p of Object.values(m0.partitions)) for (const f of p.files) await utimes(lake.storage.path(f), old, old);
    // strata gc runs (another process, cron) while the next ingest builds its version: simulated at the first link
    const storage = lake.storage as LocalStorage;
    const copy = storage.copy.bind(storage);
    let gcRan: Awaited<ReturnType<typeof garbageCollect>> | undefined;
    storage.copy = async (from: string, to: string) => {
      await copy(from, to);
      if (!gcRan && /^silver\/orders\/.*\/v-[^/]+\//.test(to)) gcRan = await garbageCollect(lake);
    };
    const r = await lake.ingest('orders', await lake.file('b.csv', `${ORDERS_HEADER}\n${o(3)}\n`));
    storage.copy = copy;
    expect(gcRan).toBeDefined();
    expect(gcRan!.tables.find((t) => t.table === 'silver.orders')).toMatchObject({ orphanFolders: 0 }); // a commit in progress is no orphan
    expect(r.record.status).toBe('SUCCEEDED');
    const m = (await readManifest(lake.storage, 'silver/orders/', lake.plans[0]!)).manifest;
    const missing = Object.values(m.partitions).flatMap((p) => p.files).filter((f) => !existsSync(lake.storage.path(f)));
    expect(missing).toEqual([]);
    expect(await lake.query('SELECT count(*)::INT AS n FROM silver.orders')).toEqual([{ n: 3 }]);
  });
});
