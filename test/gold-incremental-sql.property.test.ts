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

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 60);

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

/** The gold partition column, in forms strata must accept and forms it must not. */
const PARTITION = [
  'CAST(created_at AS DATE)', 'dt', "CAST(date_trunc('month', created_at) AS DATE)", 'year(created_at)', 'day(created_at)',
  "CASE WHEN CAST(created_at AS DATE) >= DATE '2025-01-03' THEN 'late' ELSE 'early' END",
  'CASE WHEN hour(created_at) = 17 THEN CAST(created_at AS DATE) + 1 ELSE CAST(created_at AS DATE) END',
  "CASE WHEN created_at >= TIMESTAMP '2025-01-02 12:00' THEN 'late' ELSE 'early' END",
  'CAST(created_at + INTERVAL 7 HOUR AS DATE)', 'hour(created_at)',
];
/** What each gold row holds besides it. */
const MEASURES = [
  'count(*) AS n', 'sum(qty) AS total', 'max(status) AS top', 'sum(sum(qty)) OVER (ORDER BY 1) AS running',
  '(SELECT count(*) FROM silver.orders) AS everything', 'count(*) FILTER (WHERE qty > (SELECT avg(qty) FROM silver.orders)) AS above',
];
/** What follows GROUP BY. */
const TAILS = ['', ' HAVING count(*) > 1', ' ORDER BY 2 DESC LIMIT 2', ' QUALIFY row_number() OVER (ORDER BY 2) <= 2'];
const GROUPS = ['GROUP BY 1', 'GROUP BY ROLLUP (1)'];

/** One of `xs`, the first `ok` of them three times as often as the others. */
const mostly = (xs: readonly string[], ok: number) => fc.oneof({ arbitrary: fc.constantFrom(...xs.slice(0, ok)), weight: 3 }, { arbitrary: fc.constantFrom(...xs.slice(ok)), weight: 1 });

describe('incremental gold refresh', () => {
  it('property: SQL that strata check accepts as incremental gives, over the partitions a run changed, the rows of the full SQL', async () => {
    const db = await Duck.open({});
    let accepted = 0;
    let refused = 0;
    try {
      await db.run('CREATE SCHEMA silver');
      const plan = (gold: GoldSpec) => compile({ ...loadSchemaText('orders.yaml', ORDERS).spec!, gold: [gold] });
      await fc.assert(fc.asyncProperty(
        fc.record({
          // Mostly forms an incremental refresh may take, so that both sides are well reached.
          part: fc.constantFrom(...PARTITION), measure: mostly(MEASURES, 3), tail: mostly(TAILS, 2), group: mostly(GROUPS, 1),
          // Rows over 5 days, at any hour; which days a run changed.
          rows: fc.array(fc.record({ day: fc.integer({ min: 1, max: 5 }), hour: fc.integer({ min: 0, max: 23 }), qty: fc.integer({ min: 0, max: 9 }), status: fc.constantFrom('a', 'b') }), { minLength: 1, maxLength: 40 }),
          changed: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        }),
        async ({ part, measure, tail, group, rows, changed }) => {
          const sql = `SELECT ${part} AS g, ${measure} FROM silver.orders ${group}${tail}`;
          const gold: GoldSpec = { table: 't', sql, partitionBy: ['g'], refresh: 'incremental', engine: 'duckdb', quality: { halt: [], warn: [] }, analysts: true };
          const r = await analyzeGold([plan(gold)]);
          const inc = r.plans[0]?.incremental;
          if (!inc) { refused++; return; }
          accepted++;
          const day = (d: number) => `2025-01-0${d}`;
          await db.run(`CREATE OR REPLACE TABLE base AS SELECT * FROM (VALUES ${rows.map((x, i) => `(${i}, '${x.status}', ${x.qty}, TIMESTAMP '${day(x.day)} ${String(x.hour).padStart(2, '0')}:30:00', '${day(x.day)}')`).join(', ')}) t(order_id, status, qty, created_at, dt)`);
          // The gold values the changed partitions feed (from each partition's start, as the refresh computes them),
          // and every silver partition feeding those values: what the refresh reads.
          const valueOf = async (d: number) => (await db.all<{ g: string | null }>(`SELECT CAST(${inc.partitionExpr} AS VARCHAR) AS g FROM (SELECT ${inc.rep.kind === 'partition' ? `'${day(d)}'` : `TIMESTAMP '${day(d)} 00:00:00'`} AS __rep)`))[0]!.g;
          const values = new Map<number, string | null>();
          for (const d of [1, 2, 3, 4, 5]) values.set(d, await valueOf(d));
          const targets = new Set<string | null>(changed.map((d) => values.get(d)!));
          const read = [1, 2, 3, 4, 5].filter((d) => targets.has(values.get(d)!));
          const rowsOf = async (filter: string) => {
            await db.run(`CREATE OR REPLACE VIEW silver.orders AS SELECT * FROM base WHERE ${filter}`);
            const out = await db.all<Record<string, unknown>>(sql);
            return out.filter((o) => targets.has(o.g === null ? null : String(o.g))).map((o) => JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
          };
          const full = await rowsOf('true');
          const incremental = await rowsOf(`dt IN (${read.map((d) => `'${day(d)}'`).join(', ') || 'NULL'})`);
          expect({ sql, incremental }).toEqual({ sql, incremental: full });
        }), { numRuns: RUNS });
    } finally {
      db.close();
    }
    // Both sides are reached.
    expect(accepted).toBeGreaterThan(RUNS / 20);
    expect(refused).toBeGreaterThan(RUNS / 4);
  });
});
