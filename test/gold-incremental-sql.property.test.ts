// An incremental gold refresh recomputes the SQL over the driver's silver partitions that feed the gold partitions
// a run changed, and publishes those gold partitions alone (runtime/gold/refresh.ts). That equals the full SQL only
// when each gold row comes from driver rows of its own partition, with a partition value constant within a silver
// partition. `strata check` decides it (core/gold/analyze.ts); this searches for SQL it accepts where the two differ.
// Before (attack, stop 36): a window over days, a subquery over the driver and a CASE on the hour were all accepted,
// and their incremental refreshes published wrong rows.
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
  - { name: status, type: string }
  - { name: qty, type: int }
  - { name: created_at, type: timestamp, required: true }
partitionBy:
  - { name: dt, column: created_at, transform: day }
`;

/**
 * The parts of a gold statement, each in forms an incremental refresh may take (`ok`) and forms it may not (`not`);
 * `{p}` is the partition expression.
 */
const PARTS = {
  part: {
    ok: ['CAST(created_at AS DATE)', 'dt', "CAST(date_trunc('month', created_at) AS DATE)", 'year(created_at)', 'day(created_at)',
      "CASE WHEN CAST(created_at AS DATE) >= DATE '2025-01-03' THEN 'late' ELSE 'early' END", "CAST(date_trunc('week', created_at) AS DATE)"],
    not: ['CASE WHEN hour(created_at) = 17 THEN CAST(created_at AS DATE) + 1 ELSE CAST(created_at AS DATE) END',
      "CASE WHEN created_at >= TIMESTAMP '2025-01-02 12:00' THEN 'late' ELSE 'early' END", 'CAST(created_at + INTERVAL 7 HOUR AS DATE)', 'hour(created_at)'],
  },
  // What each gold row holds besides it.
  measure: {
    ok: ['count(*) AS n', 'sum(qty) AS total', 'max(status) AS top', 'sum(sum(qty)) OVER (PARTITION BY {p}) AS day_total'],
    not: ['sum(sum(qty)) OVER (ORDER BY 1) AS running', '(SELECT count(*) FROM silver.orders) AS everything',
      'count(*) FILTER (WHERE qty > (SELECT avg(qty) FROM silver.orders)) AS above'],
  },
  // Where the rows come from: `o` is a CTE filtering them, `p` one keeping the top 3.
  from: {
    ok: ['silver.orders', '(SELECT * FROM silver.orders WHERE qty > 2)', 'o'],
    not: ['(SELECT * FROM silver.orders ORDER BY qty DESC LIMIT 3)', '(SELECT status, qty, dt, created_at + INTERVAL 1 DAY AS created_at FROM silver.orders)', 'p'],
  },
  group: { ok: ['GROUP BY 1', 'GROUP BY {p}, ROLLUP (status)'], not: ['GROUP BY ROLLUP (1)'] },
  tail: {
    ok: ['', ' HAVING count(*) > 1', ' QUALIFY rank() OVER (PARTITION BY {p} ORDER BY count(*)) <= 1'],
    not: [' ORDER BY 2 DESC LIMIT 2', ' QUALIFY row_number() OVER (ORDER BY 2) <= 2'],
  },
} as const;
type Part = keyof typeof PARTS;

/** A statement's parts: all in forms an incremental refresh may take, or all but one (`odd`), in a form it may not. */
const statement = fc.constantFrom<Part | 'none'>('none', 'none', ...Object.keys(PARTS) as Part[]).chain((odd) => fc.record(
  Object.fromEntries((Object.keys(PARTS) as Part[]).map((k) => [k, fc.constantFrom(...(k === odd ? PARTS[k].not : PARTS[k].ok))])) as { [K in Part]: fc.Arbitrary<string> },
));

describe('incremental gold refresh', () => {
  it('property: SQL that strata check accepts as incremental gives, over the partitions a run changed, the rows of the full SQL', async () => {
    const db = await Duck.open({});
    let accepted = 0;
    let refused = 0;
    let compared = 0;
    try {
      await db.run('CREATE SCHEMA silver');
      const plan = (gold: GoldSpec) => compile({ ...loadSchemaText('orders.yaml', ORDERS).spec!, gold: [gold] });
      await fc.assert(fc.asyncProperty(
        fc.record({
          sql: statement,
          // Rows over 5 days, at any hour; which days a run changed.
          rows: fc.array(fc.record({ day: fc.integer({ min: 1, max: 5 }), hour: fc.integer({ min: 0, max: 23 }), qty: fc.integer({ min: 0, max: 9 }), status: fc.constantFrom('a', 'b') }), { minLength: 1, maxLength: 40 }),
          changed: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        }),
        async ({ sql: { part, measure, tail, group, from }, rows, changed }) => {
          const cte = from === 'o' ? "WITH o AS (SELECT * FROM silver.orders WHERE status = 'a') "
            : from === 'p' ? 'WITH p AS (SELECT * FROM silver.orders ORDER BY qty DESC LIMIT 3) ' : '';
          const sql = `${cte}SELECT ${part} AS g, ${measure} FROM ${from} ${group}${tail}`.replaceAll('{p}', part);
          const gold: GoldSpec = { table: 't', sql, partitionBy: ['g'], refresh: 'incremental', engine: 'duckdb', quality: { halt: [], warn: [] }, analysts: true };
          const r = await analyzeGold([plan(gold)]);
          const inc = r.plans[0]?.incremental;
          if (!inc) { refused++; return; }
          accepted++;
          const day = (d: number) => `2025-01-0${d}`;
          await db.run(`CREATE OR REPLACE TABLE base AS SELECT * FROM (VALUES ${rows.map((x, i) => `(${i}, '${x.status}', ${x.qty}, TIMESTAMP '${day(x.day)} ${String(x.hour).padStart(2, '0')}:30:00', '${day(x.day)}')`).join(', ')}) t(order_id, status, qty, created_at, dt)`);
          const { full, incremental, others, before } = await incrementalAgainstFull(db, sql, inc, changed);
          if (full.length) compared++;
          expect({ sql, incremental }).toEqual({ sql, incremental: full });
          // Every other gold partition is left as it was, so the full SQL's rows there must not have changed with the
          // run (its rows of the changed days are new: before it, those days held nothing).
          expect({ sql, others }).toEqual({ sql, others: before });
        }), { numRuns: RUNS });
    } finally {
      db.close();
    }
    // Both sides are reached.
    expect(accepted).toBeGreaterThan(RUNS / 8);
    // …and the target partitions held rows to compare (not two empty lists).
    expect(compared).toBeGreaterThan(accepted / 2);
    expect(refused).toBeGreaterThan(RUNS / 3);
  });
});
