// A gold partition whose rows all left silver (an order cancelled, an upsert): the incremental refresh removes it.
// Its batch has no rows, and the gold gate halted on "no rows to check: compliance is undefined", leaving gold with a
// row its SQL no longer gives and the run HALTED (newcomer's trial, stop 49). Not audited now while the table keeps
// other partitions; a refresh that would empty the whole table still is (RowCount > 0 can stop it).
import { afterEach, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

const SHOP = (halt: string) => `dataset: shop
source: { format: jsonl }
columns:
  - { name: id, type: bigint, required: true }
  - { name: status, type: string }
  - { name: amount, type: "decimal(12,2)" }
  - { name: ts, type: timestamp, required: true }
primaryKey: [id]
mode: upsert
partitionBy: [{ name: dt, column: ts, transform: day }]
gold:
  - table: shipped_daily
    sql: |
      SELECT CAST(ts AS DATE) AS day, SUM(amount) AS revenue, COUNT(*) AS n
      FROM silver.shop WHERE status = 'SHIPPED' GROUP BY 1
    partitionBy: [day]
    quality: { halt: [${halt}] }
`;
const order = (id: number, status: string, day: number) => `${JSON.stringify({ id, status, amount: 5 + id, ts: `2025-06-0${day}T10:00:00Z` })}\n`;

describe('a gold partition emptied by an incremental refresh', () => {
  it('is removed, not halted on "no rows to check", while the table keeps others; emptying the whole table is still audited', async () => {
    lake = await makeLake({ shop: SHOP('ColumnValues "revenue" >= 0, RowCount > 0') });
    expect((await lake.ingest('shop', await lake.file('a.jsonl', order(1, 'SHIPPED', 1) + order(2, 'SHIPPED', 2)))).record.status).toBe('SUCCEEDED');
    const cancelled = await lake.ingest('shop', await lake.file('b.jsonl', order(2, 'CANCELLED', 2)));
    expect(cancelled.record.status).toBe('SUCCEEDED');
    expect(await lake.query('SELECT CAST(day AS VARCHAR) AS day, n FROM gold.shipped_daily ORDER BY 1')).toEqual([{ day: '2025-06-01', n: 1 }]);
    // The last partition going would empty the table: audited, and RowCount > 0 halts it.
    const last = await lake.ingest('shop', await lake.file('c.jsonl', order(1, 'CANCELLED', 1)));
    expect(last.record.status).toBe('HALTED');
    expect(await lake.query('SELECT CAST(day AS VARCHAR) AS day, n FROM gold.shipped_daily ORDER BY 1')).toEqual([{ day: '2025-06-01', n: 1 }]);
  });
});
