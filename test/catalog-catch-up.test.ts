// catalog.duckdb caught up entry by entry (runtime/catalog/local.ts applyTable) shows what the manifests say, also
// when a table goes back: a manifest strata doctor restored from an older copy, and a schema that comes back
// (A, B, A). Both found by an attack: the catch-up kept the lost version (and later hid the run that reused its
// number), and matched schema entries by hash, so the third entry never showed.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { repair } from '../workflows/doctor.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { refresh } from '../workflows/maintenance.ts';
import { DAILY_REVENUE_GOLD, makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });
const line = (id: number, day: number) => `${id},C${id},NEW,10.00,Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const manifest = (l: TestLake, root: string): TableManifest => JSON.parse(readFileSync(join(l.dir, root, '_strata/manifest.json'), 'utf8'));

describe('catalog.duckdb caught up with a table that went back', () => {
  it('a manifest restored from an older copy: the restored version, its partitions and history; a later run reusing the lost version number is shown', async () => {
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, mode: 'append' }) });
    lakes.push(l);
    for (const [i, n] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) await l.ingest('orders', await l.file(`${n}.csv`, `${ORDERS_HEADER}\n${line(i, 11 + i)}\n`));
    const v3 = manifest(l, 'silver/orders/');
    // the manifest is lost, and run c's file with it: the newest intact copy is version 2
    rmSync(join(l.dir, 'silver/orders/_strata/manifest.json'));
    rmSync(join(l.dir, v3.partitions['dt=2025-06-14']!.files[0]!));
    await repair(l);
    expect(manifest(l, 'silver/orders/').version).toBe(2);
    expect(await l.query(`SELECT version::INT AS v, partitions::INT AS p FROM strata.tables WHERE table_name = 'orders'`)).toEqual([{ v: 2, p: 2 }]);
    expect(await l.query('SELECT count(*)::INT AS n FROM silver.orders')).toEqual([{ n: 2 }]);
    await l.ingest('orders', await l.file('d.csv', `${ORDERS_HEADER}\n${line(4, 16)}\n`)); // version 3 again
    const history = manifest(l, 'silver/orders/').history.map((h) => ({ v: h.version, run_id: h.runId }));
    expect(await l.query(`SELECT version::INT AS v, run_id FROM strata.history WHERE table_name = 'orders' ORDER BY 1`)).toEqual(history);
    expect(await l.query(`SELECT path FROM strata.partitions WHERE table_name = 'orders' ORDER BY 1`))
      .toEqual(['dt=2025-06-12', 'dt=2025-06-13', 'dt=2025-06-16'].map((path) => ({ path })));
  }, 120_000);

  it('a schema that comes back (gold SQL A, B, then A again): strata.schema_history shows all three, as a rebuilt catalog does', async () => {
    const A = ordersSchema({ mode: 'append', extra: DAILY_REVENUE_GOLD });
    const B = ordersSchema({ mode: 'append', extra: DAILY_REVENUE_GOLD.replace('COUNT(*) AS orders', 'COUNT(*) AS orders, MAX(amount) AS top') });
    const l = await makeLake({ orders: A });
    lakes.push(l);
    await l.ingest('orders', await l.file('a.csv', `${ORDERS_HEADER}\n${line(1, 12)}\n`));
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
