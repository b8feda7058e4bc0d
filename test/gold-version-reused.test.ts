// Gold over a silver table that went back and reused a version number (a manifest put back from a backup, or restored
// by strata doctor, then committed to): gold's derivedFrom said "silver.orders: 2", silver was at version 2 again, so
// the refresh found nothing to do and gold kept the lost run's rows (found by an attack). Gold now keeps the run of
// each version it reflects (derivedFromRuns), and the same number by another run is another version.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { compactLocal } from '../workflows/compact-local.ts';
import { examine, repair } from '../workflows/doctor.ts';
import { garbageCollect } from '../workflows/maintenance.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { armFaults(undefined); while (lakes.length) await lakes.pop()!.cleanup(); });
const MF = (l: TestLake) => join(l.dir, 'silver/orders/_strata/manifest.json');
const manifest = (l: TestLake, root: string): TableManifest => JSON.parse(readFileSync(join(l.dir, root, '_strata/manifest.json'), 'utf8'));
const csv = (id: number, day: number) => `${ORDERS_HEADER}\n${id},C${id},NEW,10.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z\n`;
const goldVsSql = async (l: TestLake) => ({
  gold: await l.query(`SELECT day::VARCHAR AS day, orders::INT AS n FROM gold.daily_revenue ORDER BY 1`),
  sql: await l.query(`SELECT CAST(created_at AS DATE)::VARCHAR AS day, count(*)::INT AS n FROM silver.orders GROUP BY 1 ORDER BY 1`),
});

/** Silver at version 1 (run a), then 2 (run b); the manifest of version 1 put back; the next commit is version 2 again. */
async function reused(opts: { goldFails?: boolean } = {}) {
  const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: DAILY_REVENUE_GOLD }) });
  lakes.push(l);
  await l.ingest('orders', await l.file('a.csv', csv(1, 11)));
  const backup = readFileSync(MF(l), 'utf8');
  const b = (await l.ingest('orders', await l.file('b.csv', csv(2, 12)))).record.runId;
  expect(manifest(l, 'gold/daily_revenue/').derivedFromRuns).toEqual({ 'silver.orders': { version: 2, runId: b } });
  writeFileSync(MF(l), backup);
  if (opts.goldFails) armFaults('gold.computed:error');
  const e = await l.ingest('orders', await l.file('e.csv', csv(5, 17)));
  armFaults(undefined);
  expect(manifest(l, 'silver/orders/').version).toBe(2);
  return { l, b, e: e.record.runId };
}

const later = () => ({ retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
const CUSTOMERS = `dataset: customers
source: { format: csv }
columns:
  - { name: name, type: string, required: true }
  - { name: region, type: string }
primaryKey: [name]
mode: upsert
gold:
  - table: by_region
    refresh: full
    sql: SELECT c.region, count(*) AS n FROM silver.orders o JOIN silver.customers c ON c.name = o.customer_name GROUP BY 1
`;

describe('gold over a silver version number reused by another run', () => {
  it('the next refresh recomputes gold: it equals its SQL over silver (day 17, not the lost day 12)', async () => {
    const { l, e } = await reused();
    const r = await goldVsSql(l);
    expect(r.gold).toEqual(r.sql);
    expect(r.gold).toEqual([{ day: '2025-06-11', n: 1 }, { day: '2025-06-17', n: 1 }]);
    expect(manifest(l, 'gold/daily_revenue/').derivedFromRuns).toEqual({ 'silver.orders': { version: 2, runId: e } });
  }, 120_000);

  it('while gold has not caught up, strata doctor says it reflects the version as another run committed it, and --repair refreshes it', async () => {
    const { l, b } = await reused({ goldFails: true });
    const found = (await examine(l)).findings.filter((f) => f.subject === 'gold.daily_revenue' && f.level === 'problem').map((f) => f.message);
    expect(found).toEqual([expect.stringContaining(`it reflects version 2 as run ${b} committed it; silver.orders's version 2 is another run's`)]);
    await repair(l);
    const r = await goldVsSql(l);
    expect(r.gold).toEqual(r.sql);
  }, 120_000);

  it('gc archived the reused version out of silver\'s history before gold caught up: its archive names the run, and doctor and the next run see it (found by an attack)', async () => {
    const { l, b } = await reused({ goldFails: true });
    await garbageCollect(l, later());
    expect(manifest(l, 'silver/orders/').history).toEqual([]);
    const found = (await examine(l)).findings.filter((f) => f.subject === 'gold.daily_revenue' && f.level === 'problem').map((f) => f.message);
    expect(found).toEqual([expect.stringContaining(`as run ${b} committed it`)]);
    await l.ingest('orders', await l.file('f.csv', csv(6, 18)));
    const r = await goldVsSql(l);
    expect(r.gold).toEqual(r.sql);
  }, 120_000);

  it('a publish while an input\'s history is empty (gc archived it) keeps the run it recorded for that input\'s unchanged version (found by an attack)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }), customers: CUSTOMERS });
    lakes.push(l);
    await l.ingest('customers', await l.file('c1.csv', 'name,region\nC1,north\nC2,south\nC5,east\n'));
    await l.ingest('orders', await l.file('a.csv', csv(1, 11)));
    const backup = readFileSync(MF(l), 'utf8');
    const b = (await l.ingest('orders', await l.file('b.csv', csv(2, 12)))).record.runId;
    await garbageCollect(l, later());
    await l.ingest('customers', await l.file('c2.csv', 'name,region\nC6,west\n')); // publishes gold; orders' history is empty
    expect(manifest(l, 'gold/by_region/').derivedFromRuns?.['silver.orders']).toEqual({ version: 2, runId: b });
    writeFileSync(MF(l), backup);
    await l.ingest('orders', await l.file('e.csv', csv(5, 17))); // orders version 2 again
    const gold = await l.query(`SELECT region, n::INT AS n FROM gold.by_region ORDER BY 1`);
    const sql = await l.query(`SELECT c.region, count(*)::INT AS n FROM silver.orders o JOIN silver.customers c ON c.name = o.customer_name GROUP BY 1 ORDER BY 1`);
    expect(gold).toEqual(sql);
  }, 120_000);

  it('a publish by an older strata (derivedFrom moved on, derivedFromRuns left as it was): the stale run is not compared; no full refresh, no doctor problem (found by an attack)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: DAILY_REVENUE_GOLD }) });
    lakes.push(l);
    for (const [i, d] of [[1, 11], [2, 12], [3, 13]] as const) await l.ingest('orders', await l.file(`f${i}.csv`, csv(i, d)));
    // what an older strata's publish leaves: derivedFrom at silver's version 3, the runs of version 2
    const gm = manifest(l, 'gold/daily_revenue/');
    const s2 = manifest(l, 'silver/orders/').history.find((h) => h.version === 2)!.runId;
    writeFileSync(join(l.dir, 'gold/daily_revenue/_strata/manifest.json'), JSON.stringify({ ...gm, derivedFromRuns: { 'silver.orders': { version: 2, runId: s2 } } }));
    expect((await examine(l)).findings.filter((f) => f.subject === 'gold.daily_revenue' && f.level === 'problem')).toEqual([]);
    await l.ingest('orders', await l.file('f4.csv', csv(4, 14)));
    expect(manifest(l, 'gold/daily_revenue/').history.at(-1)!.changes.map((c) => c.path)).toEqual(['day=2025-06-14']);
  }, 120_000);

  it('a compaction among commits in one history archive: the next refresh knows it changed no rows (incremental; doctor quiet) (found by an attack)', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append', extra: `compaction: { minFiles: 2 }\n${DAILY_REVENUE_GOLD}` }) });
    lakes.push(l);
    for (const [i, d] of [[1, 11], [2, 11], [3, 12]] as const) await l.ingest('orders', await l.file(`f${i}.csv`, csv(i, d)), { compact: false });
    await compactLocal(l, ['orders']); // version 4; gold reflects 3
    await garbageCollect(l, later()); // one archive of versions 1–4
    expect(manifest(l, 'silver/orders/').historyArchives?.map((a) => a.compactions)).toEqual([[4]]);
    expect((await examine(l)).findings.filter((f) => f.subject === 'gold.daily_revenue' && f.level === 'problem')).toEqual([]);
    await l.ingest('orders', await l.file('f4.csv', csv(4, 13)), { compact: false });
    expect(manifest(l, 'gold/daily_revenue/').history.at(-1)!.changes.map((c) => c.path)).toEqual(['day=2025-06-13']);
  }, 120_000);
});
