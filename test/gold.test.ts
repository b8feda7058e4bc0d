// Gold tables: incremental write–audit–publish over silver, exactly the corrected figures after a re-ingest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const GOLD = `gold:
  - table: daily_revenue
    description: Revenue per day and status
    sql: |
      SELECT CAST(created_at AS DATE) AS day, status, SUM(amount) AS revenue, COUNT(*) AS orders
      FROM silver.orders
      GROUP BY 1, 2
    partitionBy: [day]
    refresh: incremental
  - table: status_totals
    sql: |
      SELECT status, SUM(revenue) AS revenue, SUM(orders) AS orders FROM gold.daily_revenue GROUP BY 1
    refresh: full
`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ orders: ordersSchema({ maxRatio: 1, extra: GOLD }) }); });
afterAll(() => lake?.cleanup());

const order = (id: number, status: string, amount: string, day: string) => `${id},c${id},${status},${amount},Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const csv = (...rows: string[]) => `${ORDERS_HEADER}\n${rows.join('\n')}\n`;
const goldManifest = (t: string): TableManifest => JSON.parse(readFileSync(join(lake.dir, `gold/${t}/_strata/manifest.json`), 'utf8'));
const revenue = () => lake.query(`SELECT CAST(day AS VARCHAR) AS day, status, CAST(revenue AS VARCHAR) AS revenue, orders FROM gold.daily_revenue ORDER BY 1, 2`);

describe('gold', () => {
  it('two days, then a corrected re-ingest of the first: exactly the corrected figures, untouched partitions keep their files, three publishes', async () => {
    const d1 = await lake.ingest('orders', await lake.file('day1.csv', csv(order(1, 'NEW', '10.00', '12'), order(2, 'NEW', '5.50', '12'), order(3, 'SHIPPED', '20.00', '12'))));
    expect(d1.execution.path).toContain('Gold');
    expect(d1.record.gold).toEqual([
      // The first build is a full one: the SQL's rows as they are (stop 45).
      expect.objectContaining({ table: 'daily_revenue', mode: 'full', status: 'published', partitions: ['day=2025-06-12'] }),
      expect.objectContaining({ table: 'status_totals', mode: 'full', status: 'published' }),
    ]);
    const d2 = await lake.ingest('orders', await lake.file('day2.csv', csv(order(4, 'NEW', '7.00', '13'), order(5, 'CANCELLED', '3.00', '13'))));
    expect(d2.record.gold).toContainEqual(expect.objectContaining({ table: 'daily_revenue', mode: 'incremental', partitions: ['day=2025-06-13'], read: 1 }));
    const day13 = goldManifest('daily_revenue').partitions['day=2025-06-13']!;
    // Day 1 again, with corrections: order 2 was 55.00, order 3 was cancelled.
    const fix = await lake.ingest('orders', await lake.file('day1-corrected.csv', csv(order(2, 'NEW', '55.00', '12'), order(3, 'CANCELLED', '20.00', '12'))));
    expect(fix.record.status).toBe('SUCCEEDED');
    expect(fix.record.gold).toContainEqual(expect.objectContaining({ table: 'daily_revenue', partitions: ['day=2025-06-12'], read: 1 }));
    expect(await revenue()).toEqual([
      { day: '2025-06-12', status: 'CANCELLED', revenue: '20.00', orders: 1 },
      { day: '2025-06-12', status: 'NEW', revenue: '65.00', orders: 2 },
      { day: '2025-06-13', status: 'CANCELLED', revenue: '3.00', orders: 1 },
      { day: '2025-06-13', status: 'NEW', revenue: '7.00', orders: 1 },
    ]);
    // The partition nobody touched kept its version and its files.
    expect(goldManifest('daily_revenue').partitions['day=2025-06-13']).toEqual(day13);
    // A gold table reading gold is refreshed after it (full refresh), with the same corrected figures.
    expect(await lake.query(`SELECT status, CAST(revenue AS VARCHAR) AS revenue, orders FROM gold.status_totals ORDER BY 1`)).toEqual([
      { status: 'CANCELLED', revenue: '23.00', orders: 2 }, { status: 'NEW', revenue: '72.00', orders: 3 },
    ]);
    const history = await lake.query(`SELECT version, kind, run_id FROM strata.history WHERE layer = 'gold' AND table_name = 'daily_revenue' ORDER BY version`);
    expect(history.map((h) => h.kind)).toEqual(['publish', 'publish', 'publish']);
  });

  it('declares the Glue table from the SQL: Athena-safe types, partition keys last', () => {
    const g = lake.gold.find((x) => x.table === 'daily_revenue')!;
    expect(g.glue.StorageDescriptor.Columns).toEqual([
      { Name: 'status', Type: 'string' }, { Name: 'revenue', Type: 'decimal(38,2)' }, { Name: 'orders', Type: 'bigint' },
    ]);
    expect(g.glue.PartitionKeys).toEqual([{ Name: 'day', Type: 'date' }]);
  });

  it('a coarser gold grain (months over daily silver): a one-day change recomputes its whole month from every day that feeds it', async () => {
    const monthly = `gold:
  - table: monthly_revenue
    sql: |
      SELECT CAST(date_trunc('month', created_at) AS DATE) AS month, SUM(amount) AS revenue, COUNT(*) AS orders
      FROM silver.orders GROUP BY 1
    partitionBy: [month]
    refresh: incremental
`;
    const l = await makeLake({ orders: ordersSchema({ maxRatio: 1, extra: monthly }) });
    try {
      const may = '9,c9,NEW,7.00,May 30 2025,2025-05-30T10:00:00Z';
      const first = await l.ingest('orders', await l.file('a.csv', csv(order(1, 'NEW', '10.00', '12'), order(2, 'NEW', '5.00', '13'), may)));
      expect(first.record.status).toBe('SUCCEEDED');
      const mayFiles = JSON.parse(readFileSync(join(l.dir, 'gold/monthly_revenue/_strata/manifest.json'), 'utf8')).partitions['month=2025-05-01'].files;
      const next = await l.ingest('orders', await l.file('b.csv', csv(order(3, 'NEW', '1.00', '13'))));
      const g = (next.record.gold as Array<{ mode: string; read: number; partitions: string[] }>)[0]!;
      // Only June 13 changed, but June's figure needs June 12 too; May is neither read nor rewritten.
      expect(g).toMatchObject({ mode: 'incremental', read: 2, partitions: ['month=2025-06-01'] });
      expect(await l.query(`SELECT CAST(month AS VARCHAR) AS month, CAST(revenue AS VARCHAR) AS revenue, orders FROM gold.monthly_revenue ORDER BY 1`)).toEqual([
        { month: '2025-05-01', revenue: '7.00', orders: 1 },
        { month: '2025-06-01', revenue: '16.00', orders: 3 },
      ]);
      expect(JSON.parse(readFileSync(join(l.dir, 'gold/monthly_revenue/_strata/manifest.json'), 'utf8')).partitions['month=2025-05-01'].files).toEqual(mayFiles);
    } finally {
      await l.cleanup();
    }
  });
});
