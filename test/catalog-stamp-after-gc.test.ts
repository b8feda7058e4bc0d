// After gc moved a table's whole history into archives (retention 0, keepCollected 0), a SKIPPED run (the same object
// again) rewrote the catalog entry and catalog.duckdb caught up, though nothing had changed: the entry's stamp named the
// newest run, then the manifest's update time (found by an attack). The last archive now names its run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { garbageCollect } from '../workflows/maintenance.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

it('a SKIPPED run after gc leaves the entry and catalog.duckdb alone', async () => {
  const l = await makeLake({ orders: ordersSchema({ mode: 'append' }) });
  lakes.push(l);
  const f = await l.file('a.csv', `${ORDERS_HEADER}\n1,C1,NEW,10.00,Jun 13 2025,2025-06-13T10:00:00Z\n`);
  await l.ingest('orders', f);
  await garbageCollect(l, { retentionDays: 0, now: new Date(Date.now() + 1000), keepCollected: 0 });
  await l.query('SELECT 1');
  const read = () => [readFileSync(join(l.dir, '_strata/catalog/tables/silver.orders.json'), 'utf8'), readFileSync(join(l.dir, '_strata/catalog/materialized.json'), 'utf8')];
  const before = read();
  expect((await l.ingest('orders', f)).record.status).toBe('SKIPPED');
  const after = read();
  expect({ entry: after[0] === before[0], materialized: after[1] === before[1] }).toEqual({ entry: true, materialized: true });
});
