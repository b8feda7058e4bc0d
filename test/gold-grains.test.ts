// Incremental gold over silver partitioned by month and by hour: a run that changes one silver partition recomputes
// exactly the gold partition it feeds (found from the partition value alone: "2025-03" is the month starting
// 2025-03-01, "2025-06-15-13" the hour starting 13:00 that day), reads only that silver partition, and leaves the
// figures a full computation would give. Expected figures are worked out by hand from the rows below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const schema = (dataset: string, transform: 'month' | 'hour', gold: string, key: string, expr: string) => `dataset: ${dataset}
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: ts, type: timestamp, required: true }
  - { name: amount, type: int }
mode: append
partitionBy:
  - { name: p, column: ts, transform: ${transform} }
gold:
  - table: ${gold}
    sql: |
      SELECT ${expr} AS ${key}, COUNT(*) AS n, SUM(amount) AS total FROM silver.${dataset} GROUP BY 1
    partitionBy: [${key}]
    refresh: incremental
`;

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({
    by_month: schema('by_month', 'month', 'monthly', 'month_start', "CAST(date_trunc('month', ts) AS DATE)"),
    by_hour: schema('by_hour', 'hour', 'hourly', 'hour_key', '((year(ts) * 100 + month(ts)) * 100 + day(ts)) * 100 + hour(ts)'),
  });
});
afterAll(() => lake?.cleanup());

const csv = (...rows: string[]) => `id,ts,amount\n${rows.join('\n')}\n`;
async function ingest(dataset: string, name: string, content: string) {
  const { record } = await lake.ingest(dataset, await lake.file(name, content));
  expect(record.status).toBe('SUCCEEDED');
  return record;
}

describe('incremental gold from coarse and fine silver grains', () => {
  it('month partitions: a change in March recomputes March only, from the March partition only', async () => {
    const first = await ingest('by_month', 'm1.csv', csv('1,2025-01-05 10:00:00,10', '2,2025-01-20 23:00:00,5', '3,2025-03-01 00:00:00,7', '4,2025-03-31 23:59:59,1'));
    expect(first.partitions).toEqual(['p=2025-01', 'p=2025-03']);
    expect(first.gold).toEqual([expect.objectContaining({ table: 'monthly', status: 'published', partitions: ['month_start=2025-01-01', 'month_start=2025-03-01'] })]);
    const second = await ingest('by_month', 'm2.csv', csv('5,2025-03-15 12:00:00,100'));
    expect(second.partitions).toEqual(['p=2025-03']);
    expect(second.gold).toEqual([expect.objectContaining({ table: 'monthly', mode: 'incremental', status: 'published', partitions: ['month_start=2025-03-01'], read: 1 })]);
    // January: ids 1, 2 (10 + 5); March: ids 3, 4, 5 (7 + 1 + 100).
    expect(await lake.query(`SELECT CAST(month_start AS VARCHAR) AS month_start, n, CAST(total AS INTEGER) AS total FROM gold.monthly ORDER BY 1`)).toEqual([
      { month_start: '2025-01-01', n: 2, total: 15 }, { month_start: '2025-03-01', n: 3, total: 108 },
    ]);
  });

  it('hour partitions: a change at 13:00 on the 15th recomputes that hour only, not 13:00 of another day nor other hours', async () => {
    await ingest('by_hour', 'h1.csv', csv('1,2025-06-15 10:05:00,1', '2,2025-06-15 13:00:00,2', '3,2025-06-15 13:59:59,4', '4,2025-06-15 14:30:00,8', '5,2025-06-16 13:10:00,16'));
    const second = await ingest('by_hour', 'h2.csv', csv('6,2025-06-15 13:30:00,32'));
    expect(second.partitions).toEqual(['p=2025-06-15-13']);
    expect(second.gold).toEqual([expect.objectContaining({ table: 'hourly', mode: 'incremental', status: 'published', partitions: ['hour_key=2025061513'], read: 1 })]);
    expect(await lake.query(`SELECT CAST(hour_key AS INTEGER) AS h, n, CAST(total AS INTEGER) AS total FROM gold.hourly ORDER BY 1`)).toEqual([
      { h: 2025061510, n: 1, total: 1 },
      { h: 2025061513, n: 3, total: 38 }, // ids 2, 3, 6: 2 + 4 + 32
      { h: 2025061514, n: 1, total: 8 },
      { h: 2025061613, n: 1, total: 16 },
    ]);
  });
});
