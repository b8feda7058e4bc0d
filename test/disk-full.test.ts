// A full disk: errors name the path and the way out; a run whose commit succeeded is SUCCEEDED even if catalog.duckdb
// could not be brought up to date afterwards (with a warning); reads need no free space.
//
// Two ways to fill the disk. Always: ENOSPC injected at the fault point where the catalog's copy is written
// (runtime/util/fault.ts, 'catalog.copied:enospc'), the error Node gives there. Where the test may mount a file system
// (root with CAP_SYS_ADMIN, as on this project's CI machine), a real one: the lake on a small tmpfs, filled up.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { examine } from '../workflows/doctor.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => {
  armFaults(undefined);
  while (lakes.length) await lakes.pop()!.cleanup();
});

const csv = (...ids: number[]) => `${ORDERS_HEADER}\n${ids.map((id) => `${id},c,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z`).join('\n')}\n`;

const WIDE = `dataset: wide
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: tag, type: string, required: true }
partitionBy:
  - { name: tg, column: tag }
`;

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN): tried once, on a folder of its own. */
const canMount = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'strata-mount-probe-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
  if (ok) spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
  return ok;
})();

describe('a full disk', () => {
  it('full while catalog.duckdb is brought up to date: the committed run is SUCCEEDED with a warning, and reads still work (injected ENOSPC)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    await l.ingest('orders', await l.file('a.csv', csv(1)));
    armFaults('catalog.copied:enospc@*');
    const { record } = await l.ingest('orders', await l.file('b.csv', csv(2, 3)));
    expect(record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, partitions: ['dt=2025-06-12'] });
    expect(record.warnings).toEqual([expect.stringMatching(new RegExp(`^the catalog could not catch up with this run \\(no space left on the device writing ${l.dir}/catalog.duckdb: free space on that file system .*\\); the lake and this record are right`))]);
    // Still full: the read builds the catalog in its own memory instead of rewriting catalog.duckdb.
    expect(await l.query(`SELECT count(*) AS n FROM silver.orders`)).toEqual([{ n: 3 }]);
    expect(await l.query(`SELECT status, count(*) AS n FROM strata.runs GROUP BY 1`)).toEqual([{ status: 'SUCCEEDED', n: 2 }]);
    armFaults(undefined);
    expect((await examine(l)).findings.filter((f) => f.subject === 'catalog')).toEqual([expect.objectContaining({ level: 'problem', message: expect.stringMatching(/^catalog.duckdb does not show the latest catalog entries yet: silver.orders/) })]);
    expect(await l.query(`SELECT count(*) AS n FROM silver.orders`)).toEqual([{ n: 3 }]);
    expect((await examine(l)).problems).toBe(0); // that read brought catalog.duckdb up to date
  });

  it.runIf(canMount)('a real full disk (tmpfs): a failed copy names its path; full during the catalog update the run is SUCCEEDED; reads need no space', async () => {
    const root = mkdtempSync(join(tmpdir(), 'strata-full-'));
    const mnt = join(root, 'mnt');
    mkdirSync(mnt);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mnt]).status).toBe(0);
    try {
      const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }), wide: WIDE });
      lakes.push(l);
      const onTmpfs = await openLocalLake({ lake: join(mnt, 'lake'), schemas: join(l.root, 'schemas') });
      expect((await ingestFile(onTmpfs, 'orders', await l.file('a.csv', csv(1)))).record.status).toBe('SUCCEEDED');
      // Another table of many partitions with long values: catalog.duckdb holds its view over all their files, which an
      // ingest of orders does not rewrite (its entry is orders' alone).
      const rows = Array.from({ length: 300 }, (_, i) => `${i},${String(i).padStart(4, '0')}${'v'.repeat(150)}`);
      expect((await ingestFile(onTmpfs, 'wide', await l.file('w.csv', `id,tag\n${rows.join('\n')}\n`))).record.status).toBe('SUCCEEDED');
      // Leave less free space than a copy of catalog.duckdb needs, more than a small commit does.
      const catalogBytes = statSync(join(mnt, 'lake', 'catalog.duckdb')).size;
      expect(catalogBytes).toBeGreaterThan(100_000);
      const free = () => { const s = statfsSync(mnt); return s.bavail * s.bsize; };
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free() - Math.floor(catalogBytes / 2))));
      const b = await ingestFile(onTmpfs, 'orders', await l.file('b.csv', csv(2, 3)));
      expect(b.record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2 });
      expect(b.record.warnings.join('\n')).toMatch(/the catalog could not catch up with this run \(no space left on the device writing .*catalog\.duckdb/);
      // Reads need no free space.
      const db = await Duck.open();
      try {
        await onTmpfs.catalog.attachTo(db);
        expect(await db.all(`SELECT count(*) AS n FROM silver.orders`)).toEqual([{ n: 3 }]);
      } finally {
        db.close();
      }
      // Completely full: the copy into bronze fails, naming the folder of bronze objects and the way out.
      writeFileSync(join(mnt, 'filler2'), Buffer.alloc(Math.max(0, free())));
      const big = await l.file('c.csv', csv(...Array.from({ length: 2000 }, (_, i) => 100 + i)));
      await expect(ingestFile(onTmpfs, 'orders', big)).rejects.toMatchObject({
        name: 'Strata.StorageFull',
        message: `no space left on the device writing ${join(mnt, 'lake', 'bronze', 'orders', '_objects')}: free space on that file system (strata gc deletes replaced versions past their retention and old staging), then run the same command again`,
      });
      rmSync(join(mnt, 'filler'));
      rmSync(join(mnt, 'filler2'));
      expect((await examine(onTmpfs)).findings.filter((f) => f.level === 'problem').map((f) => f.subject)).toEqual(['catalog']);
      expect((await ingestFile(onTmpfs, 'orders', big)).record.status).toBe('SUCCEEDED');
      expect((await examine(onTmpfs)).problems).toBe(0);
    } finally {
      spawnSync('umount', [mnt]);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
