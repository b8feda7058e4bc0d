// An incremental gold table whose partition comes from any partition key of its silver driver, not only the first:
// which gold partitions a changed silver partition feeds is computed from that key's value (runtime/gold/refresh.ts
// goldValues, core/gold/analyze.ts Incremental.partition). Found by an attack: the first key's value stood for it, so
// a gold table by status over silver partitioned by [day, status] stayed empty, and one by day over [status, day]
// failed every run casting a status as a timestamp.
import { afterAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const schema = (partitionBy: string, gold: string) => `dataset: orders
owner: a@example.com
source:
  format: csv
  csv: { delimiter: ",", header: true, nullValues: [""] }
columns:
  - { name: order_id, type: bigint, required: true }
  - { name: status, type: string, required: true, allowed: [NEW, SHIPPED] }
  - { name: amount, type: "decimal(12,2)" }
  - { name: created_at, type: timestamp, required: true }
mode: upsert
primaryKey: [order_id]
partitionBy:
${partitionBy}
gold:
${gold}
`;
const DAY = '  - { name: dt, column: created_at, transform: day }';
const STATUS = '  - { name: status_p, column: status }';
const BY_STATUS = `  - table: by_status
    sql: SELECT status, COUNT(*) AS orders, SUM(amount) AS revenue FROM silver.orders GROUP BY 1
    partitionBy: [status]
    refresh: incremental`;
const BY_DAY = `  - table: by_day
    sql: SELECT CAST(created_at AS DATE) AS day, COUNT(*) AS orders, SUM(amount) AS revenue FROM silver.orders GROUP BY 1
    partitionBy: [day]
    refresh: incremental`;
const HEADER = 'order_id,status,amount,created_at';

const lakes: TestLake[] = [];
afterAll(async () => { for (const l of lakes) await l.cleanup(); });

describe('incremental gold over a silver partition key that is not the first', () => {
  it.each([
    ['by status over [day, status]', `${DAY}\n${STATUS}`, BY_STATUS, 'by_status', 'status', 'status_p'],
    ['by day over [status, day]', `${STATUS}\n${DAY}`, BY_DAY, 'by_day', 'CAST(created_at AS DATE)', 'dt'],
  ])('%s: every run after the first refreshes incrementally and gold equals its SQL over silver', async (_, partitionBy, gold, table, key, partition) => {
    const l = await makeLake({ orders: schema(partitionBy, gold) });
    lakes.push(l);
    expect(l.gold.find((g) => g.table === table)?.incremental).toMatchObject({ driver: 'orders', partition });
    const runs = [
      `${HEADER}\n1,NEW,10.00,2025-06-12T10:00:00Z\n2,SHIPPED,4.00,2025-06-12T11:00:00Z\n`,
      `${HEADER}\n3,NEW,5.00,2025-06-13T10:00:00Z\n`,
      `${HEADER}\n1,SHIPPED,12.00,2025-06-12T10:00:00Z\n`, // order 1 moves from NEW to SHIPPED: two status partitions change
    ];
    for (const [i, text] of runs.entries()) {
      const r = await l.ingest('orders', await l.file(`r${i}.csv`, text));
      expect(r.record.status).toBe('SUCCEEDED');
      expect((r.record.gold as Array<{ mode: string }>).map((g) => g.mode)).toEqual([i === 0 ? 'full' : 'incremental']); // the first build is full
      const k = table === 'by_status' ? 'status' : 'day';
      expect(await l.query(`SELECT CAST(${k} AS VARCHAR) AS k, orders::INT AS orders, CAST(revenue AS VARCHAR) AS revenue FROM gold.${table} ORDER BY 1`))
        .toEqual(await l.query(`SELECT CAST(${key} AS VARCHAR) AS k, COUNT(*)::INT AS orders, CAST(SUM(amount) AS VARCHAR) AS revenue FROM silver.orders GROUP BY 1 ORDER BY 1`));
    }
  }, 120_000);
});
