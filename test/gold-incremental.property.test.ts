// Incremental gold converges to its SQL over silver, whatever the silver partition layout and the runs: generated
// layouts (day, status, both in either order), gold tables by day and by status (each refreshed incrementally from
// the key it depends on, first or not), and generated runs of upserts that move rows between partitions. After every
// run each gold table equals its SQL computed over silver directly. (The kind of bug this searches for: the gold
// partition a silver partition feeds was computed from the first partition key whatever key the gold table used.)
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterEach(async () => { while (lakes.length) await lakes.pop()!.cleanup(); });

const KEYS = { dt: '  - { name: dt, column: created_at, transform: day }', status_p: '  - { name: status_p, column: status }' } as const;
const GOLD = {
  by_day: { sql: 'SELECT CAST(created_at AS DATE) AS day, COUNT(*) AS orders, SUM(amount) AS revenue FROM silver.orders GROUP BY 1', by: 'day', needs: 'dt', key: 'CAST(created_at AS DATE)' },
  by_status: { sql: 'SELECT status, COUNT(*) AS orders, SUM(amount) AS revenue FROM silver.orders GROUP BY 1', by: 'status', needs: 'status_p', key: 'status' },
} as const;

function schema(layout: ReadonlyArray<keyof typeof KEYS>): string {
  const golds = (Object.keys(GOLD) as Array<keyof typeof GOLD>).filter((g) => layout.includes(GOLD[g].needs));
  return `dataset: orders
source:
  format: csv
  csv: { delimiter: ",", header: true }
columns:
  - { name: order_id, type: bigint, required: true }
  - { name: status, type: string, required: true, allowed: [NEW, SHIPPED] }
  - { name: amount, type: "decimal(12,2)", required: true }
  - { name: created_at, type: timestamp, required: true }
mode: upsert
primaryKey: [order_id]
partitionBy:
${layout.map((k) => KEYS[k]).join('\n')}
gold:
${golds.map((g) => `  - table: ${g}\n    sql: ${GOLD[g].sql}\n    partitionBy: [${GOLD[g].by}]\n    refresh: incremental`).join('\n')}
`;
}

const row = fc.record({ id: fc.integer({ min: 1, max: 6 }), status: fc.constantFrom('NEW', 'SHIPPED'), day: fc.integer({ min: 12, max: 14 }), cents: fc.integer({ min: 1, max: 999 }) });
const layouts = fc.constantFrom<Array<keyof typeof KEYS>>(['dt'], ['status_p'], ['dt', 'status_p'], ['status_p', 'dt']);
// One row per order in a file (a key twice in one file is a rejected row, another property's business).
const batch = fc.uniqueArray(row, { minLength: 1, maxLength: 4, selector: (r) => r.id });

describe('incremental gold over generated partition layouts and runs', () => {
  it('after every run, each gold table equals its SQL over silver', async () => {
    await fc.assert(fc.asyncProperty(layouts, fc.array(batch, { minLength: 1, maxLength: 4 }), async (layout, runs) => {
      const l = await makeLake({ orders: schema(layout) });
      lakes.push(l);
      const golds = (Object.keys(GOLD) as Array<keyof typeof GOLD>).filter((g) => layout.includes(GOLD[g].needs));
      for (const g of golds) expect(l.gold.find((x) => x.table === g)?.incremental).toMatchObject({ driver: 'orders', partition: GOLD[g].needs });
      for (const [i, rows] of runs.entries()) {
        const text = ['order_id,status,amount,created_at', ...rows.map((r) => `${r.id},${r.status},${(r.cents / 100).toFixed(2)},2025-06-${r.day}T10:00:00Z`)].join('\n');
        const r = await l.ingest('orders', await l.file(`r${i}.csv`, `${text}\n`));
        expect(r.record.status).toBe('SUCCEEDED');
        for (const g of golds) {
          expect(await l.query(`SELECT CAST(${GOLD[g].by} AS VARCHAR) AS k, orders::INT AS orders, CAST(revenue AS VARCHAR) AS revenue FROM gold.${g} ORDER BY 1`))
            .toEqual(await l.query(`SELECT CAST(${GOLD[g].key} AS VARCHAR) AS k, COUNT(*)::INT AS orders, CAST(SUM(amount) AS VARCHAR) AS revenue FROM silver.orders GROUP BY 1 ORDER BY 1`));
        }
      }
      await l.cleanup();
      lakes.pop();
    }), { numRuns: 12 });
  }, 300_000);
});
