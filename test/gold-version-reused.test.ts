// Gold over a silver table that went back and reused a version number (a manifest put back from a backup, or restored
// by strata doctor, then committed to): gold's derivedFrom said "silver.orders: 2", silver was at version 2 again, so
// the refresh found nothing to do and gold kept the lost run's rows (found by an attack). Gold now keeps the run of
// each version it reflects (derivedFromRuns), and the same number by another run is another version.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { armFaults } from '../runtime/util/fault.ts';
import { examine, repair } from '../workflows/doctor.ts';
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
  expect(manifest(l, 'gold/daily_revenue/').derivedFromRuns).toEqual({ 'silver.orders': b });
  writeFileSync(MF(l), backup);
  if (opts.goldFails) armFaults('gold.computed:error');
  const e = await l.ingest('orders', await l.file('e.csv', csv(5, 17)));
  armFaults(undefined);
  expect(manifest(l, 'silver/orders/').version).toBe(2);
  return { l, b, e: e.record.runId };
}

describe('gold over a silver version number reused by another run', () => {
  it('the next refresh recomputes gold: it equals its SQL over silver (day 17, not the lost day 12)', async () => {
    const { l, e } = await reused();
    const r = await goldVsSql(l);
    expect(r.gold).toEqual(r.sql);
    expect(r.gold).toEqual([{ day: '2025-06-11', n: 1 }, { day: '2025-06-17', n: 1 }]);
    expect(manifest(l, 'gold/daily_revenue/').derivedFromRuns).toEqual({ 'silver.orders': e });
  }, 120_000);

  it('while gold has not caught up, strata doctor says it reflects the version as another run committed it, and --repair refreshes it', async () => {
    const { l, b } = await reused({ goldFails: true });
    const found = (await examine(l)).findings.filter((f) => f.subject === 'gold.daily_revenue' && f.level === 'problem').map((f) => f.message);
    expect(found).toEqual([expect.stringContaining(`it reflects version 2 as run ${b} committed it; silver.orders's version 2 is another run's`)]);
    await repair(l);
    const r = await goldVsSql(l);
    expect(r.gold).toEqual(r.sql);
  }, 120_000);
});
