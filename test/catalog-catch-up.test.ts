// catalog.duckdb caught up entry by entry (runtime/catalog/local.ts applyTable) shows what the manifests say, also
// when a table goes back: a manifest strata doctor restored from an older copy, and a schema that comes back
// (A, B, A). Both found by an attack: the catch-up kept the lost version (and later hid the run that reused its
// number), and matched schema entries by hash, so the third entry never showed.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { armFaults } from '../runtime/util/fault.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { fullHistory } from '../runtime/table/store.ts';
import { examine, repair } from '../workflows/doctor.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { garbageCollect, refresh } from '../workflows/maintenance.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });
const line = (id: number, day: number) => `${id},C${id},NEW,10.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const manifest = (l: TestLake, root: string): TableManifest => JSON.parse(readFileSync(join(l.dir, root, '_strata/manifest.json'), 'utf8'));
/** Ingest one order (its id, a day of June 2025) in a file of its own, `name`.csv. */
const order = async (l: TestLake, name: string, id: number, day: number) => l.ingest('orders', await l.file(`${name}.csv`, `${ORDERS_HEADER}\n${line(id, day)}\n`));

/**
 * Lose orders' manifest and the file each of `days` (of June 2025) holds, then strata doctor --repair: it restores the
 * newest intact copy while every catch-up of catalog.duckdb fails, also in `meanwhile` (run before the faults go).
 */
async function restoreUncaught(l: TestLake, days: number[], meanwhile?: () => Promise<void>): Promise<void> {
  const lost = manifest(l, 'silver/orders/');
  rmSync(join(l.dir, 'silver/orders/_strata/manifest.json'));
  for (const d of days) rmSync(join(l.dir, lost.partitions[`dt=2025-06-${d}`]!.files[0]!));
  armFaults('catalog.copied:error@*');
  try {
    try { await repair(l); } catch { /* the catch-up's failure */ }
    await meanwhile?.();
  } finally {
    armFaults(undefined);
  }
}

describe('catalog.duckdb caught up with a table that went back', () => {
  it('a manifest restored from an older copy: the restored version, its partitions and history; a later run reusing the lost version number is shown', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    for (const [i, n] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) await order(l, n, i, 11 + i);
    const v3 = manifest(l, 'silver/orders/');
    // the manifest is lost, and run c's file with it: the newest intact copy is version 2
    rmSync(join(l.dir, 'silver/orders/_strata/manifest.json'));
    rmSync(join(l.dir, v3.partitions['dt=2025-06-14']!.files[0]!));
    await repair(l);
    expect(manifest(l, 'silver/orders/').version).toBe(2);
    expect(await l.query(`SELECT version::INT AS v, partitions::INT AS p FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ v: 2, p: 2 }]);
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.orders')).toEqual([{ n: 2 }]);
    await order(l, 'd', 4, 16); // version 3 again
    const history = manifest(l, 'silver/orders/').history.map((h) => ({ v: h.version, run_id: h.runId }));
    expect(await l.query(`SELECT version::INT AS v, run_id FROM strata.history WHERE table_name = 'orders' ORDER BY 1`)).toEqual(history);
    expect(await l.query(`SELECT path FROM strata.partitions WHERE table_name = 'orders' ORDER BY 1`))
      .toEqual(['dt=2025-06-12', 'dt=2025-06-13', 'dt=2025-06-16'].map((path) => ({ path })));
  }, 120_000);

  it('a restore catalog.duckdb did not catch up with before the next commits: strata.history shows the runs that hold the versions now, not the lost ones with the same numbers', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    for (const [i, n] of [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']] as const) await order(l, n, i, 11 + i);
    // runs c and d are lost with the manifest and a file of each: the newest intact copy is version 2. The repair
    // restores it, and its catch-up of catalog.duckdb fails: the next commits (versions 3 and 4 again) come first.
    await restoreUncaught(l, [14, 15]);
    expect(manifest(l, 'silver/orders/').version).toBe(2);
    await order(l, 'e', 5, 17); // version 3 again
    await order(l, 'f', 6, 18); // version 4 again
    const history = manifest(l, 'silver/orders/').history.map((h) => ({ v: h.version, run_id: h.runId }));
    expect(history.map((h) => h.v)).toEqual([1, 2, 3, 4]);
    const q = `SELECT version::INT AS v, run_id FROM strata.history WHERE table_name = 'orders' ORDER BY 1`;
    expect(await l.query(q)).toEqual(history);
    expect(await l.query(`SELECT path FROM strata.partitions WHERE table_name = 'orders' ORDER BY 1`))
      .toEqual(['dt=2025-06-12', 'dt=2025-06-13', 'dt=2025-06-17', 'dt=2025-06-18'].map((path) => ({ path })));
    rmSync(join(l.dir, 'catalog.duckdb'));
    expect(await l.query(q)).toEqual(history);
  }, 120_000);

  it('a commit that reuses the very version catalog.duckdb shows, lost in a restore it did not catch up with: shown (the entry stamp names the run, not only the version)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    for (const [i, n] of [[1, 'a'], [2, 'b']] as const) await order(l, n, i, 11 + i);
    await restoreUncaught(l, [13]);
    await order(l, 'e', 5, 17); // version 2 again, another run
    const now = manifest(l, 'silver/orders/');
    expect(now.version).toBe(2);
    expect(await l.query(`SELECT version::INT AS v, run_id FROM strata.history WHERE table_name = 'orders' ORDER BY 1`)).toEqual(now.history.map((h) => ({ v: h.version, run_id: h.runId })));
    expect(await l.query(`SELECT path FROM strata.partitions WHERE table_name = 'orders' ORDER BY 1`)).toEqual(['dt=2025-06-12', 'dt=2025-06-17'].map((path) => ({ path })));
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.orders')).toEqual([{ n: 2 }]);
  }, 120_000);

  it('a manifest restored outside strata (from a backup) and committed to: the newer entry of the lost versions is replaced, and strata doctor names an entry of the same version by another run', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    await order(l, 'a', 1, 12);
    const backup = readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8');
    for (const [i, n] of [[2, 'b'], [3, 'c']] as const) await order(l, n, i, 11 + i);
    writeFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), backup); // version 1, from a backup
    await order(l, 'e', 5, 17); // version 2 again
    expect(manifest(l, 'silver/orders/').version).toBe(2);
    // the registration of version 2 replaces the entry of the lost version 3 (whose history has another run as 2)
    expect(await l.query(`SELECT version::INT AS v FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ v: 2 }]);
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.orders')).toEqual([{ n: 2 }]);
    expect((await examine(l)).findings.filter((f) => f.subject === 'silver.orders' && f.level === 'problem')).toEqual([]);
    // an entry of the same version by another run (here: the lost version 2's, put back by hand) is named
    const entryFile = join(l.dir, '_strata/catalog/tables/silver.orders.json');
    const entry = JSON.parse(readFileSync(entryFile, 'utf8'));
    entry.table.history.at(-1).runId = 'a-lost-run';
    writeFileSync(entryFile, JSON.stringify(entry));
    const found = (await examine(l)).findings.filter((f) => f.subject === 'silver.orders' && f.level === 'problem');
    expect(found.map((f) => f.message)).toEqual([expect.stringContaining('shows version 2 as committed by run a-lost-run')]);
  }, 120_000);

  it('a backup from before the newer entry\'s history window (gc archived it), committed to: the entry is replaced, its archive saying the version was another run\'s (found by an attack)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    for (const [i, n] of [[1, 'a'], [2, 'b']] as const) await order(l, n, i, 10 + i);
    const backup = readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8'); // version 2
    await order(l, 'c', 3, 13);
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
    await order(l, 'd', 4, 14); // version 4: the entry's history is [4]
    expect(manifest(l, 'silver/orders/').history.map((h) => h.version)).toEqual([4]);
    writeFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), backup);
    await order(l, 'e', 5, 17); // version 3 again
    expect(manifest(l, 'silver/orders/').version).toBe(3);
    expect(await l.query(`SELECT version::INT AS v FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ v: 3 }]);
    expect(await l.query('SELECT list(order_id ORDER BY order_id) AS ids FROM silver.orders')).toEqual([{ ids: [1, 2, 5] }]);
  }, 120_000);

  it('a reused version that applied the same new schema as the lost one: strata.schema_history names the run that holds it now (found by an attack)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    await order(l, 'a', 1, 12);
    const backup = readFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), 'utf8');
    writeFileSync(join(l.root, 'schemas', 'orders.yaml'), ordersSchema({ maxRatio: 1, mode: 'append' }).replace('  - { name: created_at', '  - { name: note, type: string, from: "note" }\n  - { name: created_at'));
    const l2 = await openLocalLake({ lake: l.dir, schemas: join(l.root, 'schemas') });
    const H = `${ORDERS_HEADER},note`;
    expect((await ingestFile(l2, 'orders', await l.file('b.csv', `${H}\n2,c2,NEW,2.00,Jun 13 2025,2025-06-13T10:00:00Z,x\n`))).record.status).toBe('SUCCEEDED');
    writeFileSync(join(l.dir, 'silver/orders/_strata/manifest.json'), backup); // version 1 again
    expect((await ingestFile(l2, 'orders', await l.file('e.csv', `${H}\n5,c5,NEW,5.00,Jun 17 2025,2025-06-17T10:00:00Z,y\n`))).record.status).toBe('SUCCEEDED');
    const want = manifest(l, 'silver/orders/').schemaHistory!.map((h) => ({ schema_hash: h.hash, run_id: h.runId }));
    const q = `SELECT schema_hash, run_id FROM strata.schema_history WHERE table_name = 'orders' ORDER BY applied_at`;
    expect(await l.query(q)).toEqual(want);
    rmSync(join(l.dir, 'catalog.duckdb'));
    expect(await l.query(q)).toEqual(want);
  }, 120_000);

  it('a table started over under an entry written before entries kept the lineage, with its history archived: the archives gone with the folder say it is another line (found by an attack)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    for (const [i, n] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) await order(l, n, i, 10 + i);
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
    await order(l, 'd', 4, 14); // version 4, the entry's history [4]
    const entryFile = join(l.dir, '_strata/catalog/tables/silver.orders.json');
    const { lineage, ...older } = JSON.parse(readFileSync(entryFile, 'utf8')).table;
    expect(lineage).toBeDefined();
    writeFileSync(entryFile, JSON.stringify({ ...JSON.parse(readFileSync(entryFile, 'utf8')), table: older })); // as the previous strata wrote it
    renameSync(join(l.dir, 'silver/orders'), join(l.dir, 'orders-aside'));
    await order(l, 'e', 5, 17); // version 1 of a new line
    expect(await l.query('SELECT list(order_id) AS ids FROM silver.orders')).toEqual([{ ids: [5] }]);
    expect(await l.query(`SELECT version::INT AS v FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ v: 1 }]);
  }, 120_000);

  it('a reused version gc archived while catch-ups failed: compared with the archives, so strata.history shows the run that holds it (found by an attack)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    for (const [i, n] of [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']] as const) await order(l, n, i, 11 + i);
    await restoreUncaught(l, [14, 15], async () => {
      expect((await order(l, 'e', 5, 17)).record.status).toBe('SUCCEEDED'); // version 3 again; its catch-up fails too
    });
    await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 }); // archives versions 1-3
    await order(l, 'f', 6, 18); // version 4 again
    const m = manifest(l, 'silver/orders/');
    const want = (await fullHistory(l.storage, 'silver/orders/', m)).map((h) => ({ v: h.version, run_id: h.runId }));
    const q = `SELECT version::INT AS v, run_id FROM strata.history WHERE table_name = 'orders' ORDER BY 1`;
    expect(await l.query(q)).toEqual(want);
  }, 120_000);

  it('a schema that comes back (gold SQL A, B, then A again): strata.schema_history shows all three, as a rebuilt catalog does', async () => {
    const A = ordersSchema({ mode: 'append', extra: DAILY_REVENUE_GOLD });
    const B = ordersSchema({ mode: 'append', extra: DAILY_REVENUE_GOLD.replace('COUNT(*) AS orders', 'COUNT(*) AS orders, MAX(amount) AS top') });
    const l = await makeLake({ orders: A });
    lakes.push(l);
    await order(l, 'a', 1, 12);
    for (const text of [B, A]) {
      writeFileSync(join(l.root, 'schemas', 'orders.yaml'), text);
      await refresh(await openLocalLake({ lake: l.dir, schemas: join(l.root, 'schemas') }), 'daily_revenue', false);
    }
    const want = manifest(l, 'gold/daily_revenue/').schemaHistory!.map((s) => ({ schema_hash: s.hash, run_id: s.runId }));
    expect(want).toHaveLength(3);
    const q = `SELECT schema_hash, run_id FROM strata.schema_history WHERE table_name = 'daily_revenue' ORDER BY applied_at`;
    expect(await l.query(q)).toEqual(want);
    rmSync(join(l.dir, 'catalog.duckdb'));
    expect(await l.query(q)).toEqual(want);
  }, 120_000);
});
