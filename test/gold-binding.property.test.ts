// Name binding in incremental gold SQL: which table a column comes from when the driver (silver.orders, partitioned by
// day of created_at) is joined with another table that has columns of the same names (created_at, dt), through
// aliases, USING, CTEs and VALUES. `strata check` reasons about it syntactically (core/gold/analyze.ts); five attacks
// (stops 44 and 45) each found a binding it did not model, whose incremental refresh published wrong rows. This
// searches for SQL it accepts as incremental where the rows of the partitions a run changed differ from the full SQL's,
// or where the full SQL's other partitions change with the run (the refresh leaves them as they were).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeGold } from '../core/gold/analyze.ts';
import { compile } from '../core/plan/compile.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import type { GoldSpec } from '../core/schema/model.ts';
import { Duck } from '../runtime/engine/duckdb.ts';
import { incrementalAgainstFull } from './helpers/gold-oracle.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 100);

const ORDERS = `dataset: orders
source: { format: csv }
columns:
  - { name: order_id, type: bigint, required: true }
  - { name: cid, type: int }
  - { name: qty, type: int }
  - { name: created_at, type: timestamp, required: true }
partitionBy:
  - { name: dt, column: created_at, transform: day }
`;
// Not partitioned: it is read whole by every refresh. Its created_at and dt are other days than the orders'.
const CUSTOMERS = `dataset: customers
source: { format: csv }
columns:
  - { name: cid, type: int }
  - { name: region, type: string }
  - { name: created_at, type: timestamp }
  - { name: dt, type: string }
`;

/** Where the rows come from: `{o}`/`{c}` are how the orders' and the customers' columns are named in it. */
const FROMS: Array<{ from: string; o: string; c: string; cte?: string }> = [
  { from: 'silver.orders o JOIN silver.customers c USING (cid)', o: 'o.', c: 'c.' },
  { from: 'silver.orders o JOIN silver.customers c ON c.cid = o.cid', o: 'o.', c: 'c.' },
  { from: 'silver.customers c JOIN silver.orders o ON o.cid = c.cid', o: 'o.', c: 'c.' },
  { from: 'silver.orders o LEFT JOIN silver.customers c USING (cid)', o: 'o.', c: 'c.' },
  { from: 'silver.orders AS customers JOIN silver.customers AS orders USING (cid)', o: 'customers.', c: 'orders.' },
  { from: 'silver.orders o JOIN (VALUES (1, TIMESTAMP \'2025-01-09 00:00:00\'), (2, TIMESTAMP \'2025-01-01 23:00:00\')) c(cid, created_at) USING (cid)', o: 'o.', c: 'c.' },
  { from: 'j', o: 'j.', c: 'j.c_', cte: 'WITH j AS (SELECT o.*, c.created_at AS c_created_at, c.dt AS c_dt, c.region AS c_region FROM silver.orders o JOIN silver.customers c USING (cid)) ' },
  { from: 'j', o: 'j.o_', c: 'j.', cte: 'WITH j AS (SELECT c.*, o.created_at AS o_created_at, o.dt AS o_dt, o.qty AS o_qty FROM silver.customers c JOIN silver.orders o USING (cid)) ' },
  { from: 'orders o JOIN silver.customers c USING (cid)', o: 'o.', c: 'c.', cte: 'WITH orders AS (SELECT * FROM silver.orders WHERE qty > 1) ' },
  { from: 'customers c JOIN silver.orders o USING (cid)', o: 'o.', c: 'c.', cte: 'WITH customers AS (SELECT cid, created_at, dt FROM silver.orders) ' },
];
/** The gold partition value, from either side. */
const PARTS = ['CAST({o}created_at AS DATE)', '{o}dt', 'CAST({c}created_at AS DATE)', '{c}dt', "CAST(date_trunc('month', {o}created_at) AS DATE)", 'CAST(created_at AS DATE)', 'dt'];
const MEASURES = ['count(*) AS n', 'sum({o}qty) AS total', 'max({c}dt) AS cdt', 'count(DISTINCT {c}cid) AS customers'];

describe('incremental gold refresh: name binding', () => {
  it('property: over joins, aliases, USING, CTEs and VALUES, SQL that strata check accepts as incremental gives the full SQL\'s rows', async () => {
    const db = await Duck.open({});
    let accepted = 0;
    let refused = 0;
    try {
      await db.run('CREATE SCHEMA silver');
      const plans = (gold: GoldSpec) => [compile({ ...loadSchemaText('orders.yaml', ORDERS).spec!, gold: [gold] }), compile(loadSchemaText('customers.yaml', CUSTOMERS).spec!)];
      await fc.assert(fc.asyncProperty(
        fc.record({
          from: fc.constantFrom(...FROMS),
          part: fc.constantFrom(...PARTS),
          measure: fc.constantFrom(...MEASURES),
          rows: fc.array(fc.record({ day: fc.integer({ min: 1, max: 5 }), hour: fc.integer({ min: 0, max: 23 }), qty: fc.integer({ min: 0, max: 9 }), cid: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 30 }),
          customers: fc.array(fc.record({ cid: fc.integer({ min: 1, max: 3 }), day: fc.integer({ min: 1, max: 9 }), region: fc.constantFrom('eu', 'us') }), { maxLength: 4 }),
          changed: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        }),
        async ({ from: f, part: p, measure: m, rows, customers, changed }) => {
          const fill = (s: string) => s.replaceAll('{o}', f.o).replaceAll('{c}', f.c);
          const part = fill(p);
          const sql = `${f.cte ?? ''}SELECT ${part} AS g, ${fill(m)} FROM ${f.from} GROUP BY 1`;
          const gold: GoldSpec = { table: 't', sql, partitionBy: ['g'], refresh: 'incremental', engine: 'duckdb', quality: { halt: [], warn: [] }, analysts: true };
          const r = await analyzeGold(plans(gold));
          const inc = r.plans[0]?.incremental;
          if (!inc) { refused++; return; }
          accepted++;
          expect(inc.driver).toBe('orders');
          const day = (d: number) => `2025-01-0${d}`;
          await db.run(`CREATE OR REPLACE TABLE base AS SELECT * FROM (VALUES ${rows.map((x, i) => `(${i}, ${x.cid}, ${x.qty}, TIMESTAMP '${day(x.day)} ${String(x.hour).padStart(2, '0')}:30:00', '${day(x.day)}')`).join(', ')}) t(order_id, cid, qty, created_at, dt)`);
          await db.run(`CREATE OR REPLACE VIEW silver.customers AS SELECT * FROM (VALUES ${customers.length ? customers.map((x) => `(${x.cid}, '${x.region}', TIMESTAMP '${day(x.day)} 12:00:00', '${day(x.day)}')`).join(', ') : "(NULL, NULL, NULL, NULL)"}) t(cid, region, created_at, dt)${customers.length ? '' : ' WHERE false'}`);
          const { full, incremental, others, before } = await incrementalAgainstFull(db, sql, inc, changed);
          expect({ sql, incremental }).toEqual({ sql, incremental: full });
          expect({ sql, others }).toEqual({ sql, others: before });
        }), { seed: Number(process.env.SEED ?? 20261206), numRuns: RUNS });
    } finally {
      db.close();
    }
    expect(accepted).toBeGreaterThan(RUNS / 8);
    expect(refused).toBeGreaterThan(RUNS / 8);
  });
});
