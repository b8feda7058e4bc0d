// Gold with `engine: athena`: the gold step sends Athena its statements (row counts, the audit, UNLOAD batches)
// and publishes what UNLOAD wrote. Athena is stood in for by DuckDB behind the same runner interface: it reads the
// Glue databases as views over the local catalog and executes UNLOAD as a partitioned COPY into the lake folder
// (refusing a non-empty target, as Athena does). The result must equal the DuckDB engine's, byte for byte in values.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Duck, pathLit } from '../runtime/engine/duckdb.ts';
import { ATHENA_QUERY_MAX, DRIVER_FILTER_MAX } from '../core/gold/athena.ts';
import type { AthenaEngine } from '../runtime/pipeline/context.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

const gold = (engine: string, quality = '') => `gold:
  - table: daily_revenue
    sql: |
      SELECT CAST(created_at AS DATE) AS day, status, SUM(amount) AS revenue, COUNT(*) AS orders
      FROM silver.orders
      GROUP BY 1, 2
    partitionBy: [day]
    refresh: incremental
    engine: ${engine}
${quality}`;

const order = (id: number, status: string, amount: string, day: string) => `${id},c${id},${status},${amount},Jun ${day} 2025,2025-06-${day}T10:00:00Z`;
const csv = (...rows: string[]) => `${ORDERS_HEADER}\n${rows.join('\n')}\n`;

/** DuckDB playing Athena over a local lake: Glue database names as schemas of views, UNLOAD as COPY. */
function fakeAthena(lake: TestLake, log: string[], opts: { failUnload?: boolean } = {}): AthenaEngine {
  return {
    names: { databases: { silver: 'dev_silver', gold: 'dev_gold' }, locationOf: (key) => join(lake.dir, key) },
    run: async (sql) => {
      log.push(sql);
      // Athena's own refusal (InvalidRequestException), before anything runs.
      if (Buffer.byteLength(sql) > ATHENA_QUERY_MAX) throw new Error(`'queryString' failed to satisfy constraint: Member must have length less than or equal to ${ATHENA_QUERY_MAX}`);
      const db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
      try {
        await lake.catalog.attachTo(db, { use: false });
        for (const layer of ['silver', 'gold']) {
          await db.run(`CREATE SCHEMA dev_${layer}`);
          const tables = await db.all<{ t: string }>(`SELECT view_name AS t FROM duckdb_views() WHERE database_name = 'lake' AND schema_name = '${layer}'`);
          for (const { t } of tables) await db.run(`CREATE VIEW dev_${layer}."${t}" AS SELECT * FROM lake.${layer}."${t}"`);
        }
        const unload = /^UNLOAD \(([\s\S]*)\) TO '([^']*)' WITH \(([\s\S]*)\)$/.exec(sql.trim());
        if (!unload) return await db.all(sql).catch((e) => { throw new Error(`${e.message}\n${sql}`); });
        const [, inner, target, withs] = unload;
        if (existsSync(target!) && readdirSync(target!).length) throw new Error(`UNLOAD target ${target} is not empty`);
        mkdirSync(target!, { recursive: true }); // S3 has no folders to create first
        const by = /partitioned_by = ARRAY\[([^\]]*)\]/.exec(withs!)?.[1]?.replace(/'/g, '"');
        try {
          await db.run(`COPY (${inner}) TO ${pathLit(by ? target! : join(target!, 'data'))} (FORMAT parquet${by ? `, PARTITION_BY (${by})` : ''})`);
        } catch (e) { throw new Error(`${(e as Error).message}\n${inner}`); }
        // A write that fails after part of its output is in S3.
        if (opts.failUnload) throw new Error('HIVE_CANNOT_OPEN_SPLIT: simulated failure after writing');
        return [];
      } finally {
        db.close();
      }
    },
  };
}

let lakes: TestLake[] = [];
afterEach(async () => { await Promise.all(lakes.map((l) => l.cleanup())); lakes = []; });
const lakeWith = async (engine: string, quality = '') => {
  const l = await makeLake({ orders: ordersSchema({ mode: 'upsert', extra: gold(engine, quality) }) });
  lakes.push(l);
  return l;
};
const revenue = (l: TestLake) => l.query(`SELECT CAST(day AS VARCHAR) AS day, status, CAST(revenue AS VARCHAR) AS revenue, orders FROM gold.daily_revenue ORDER BY 1, 2`);

describe('gold on Athena', () => {
  it('counts, UNLOADs only the changed partitions, publishes them; the same figures as on DuckDB', async () => {
    const onAthena = await lakeWith('athena');
    const onDuck = await lakeWith('duckdb');
    const log: string[] = [];
    onAthena.ctx.athena = fakeAthena(onAthena, log);
    const files = [
      csv(order(1, 'NEW', '10.00', '12'), order(2, 'NEW', '5.50', '12'), order(3, 'SHIPPED', '20.00', '12')),
      csv(order(4, 'NEW', '7.00', '13')),
      csv(order(1, 'CANCELLED', '10.00', '12')), // corrects day 12
    ];
    // The first refresh's UNLOAD writes under the table's folder: its empty manifest must exist before that.
    for (const [i, text] of files.entries()) {
      for (const l of [onAthena, onDuck]) {
        const r = await l.ingest('orders', await l.file(`f${i}.csv`, text));
        expect(r.record.status, `${l === onAthena ? 'athena' : 'duckdb'}: ${JSON.stringify(r.record.error)}`).toBe('SUCCEEDED');
      }
    }
    expect(await revenue(onAthena)).toEqual(await revenue(onDuck));
    expect(await revenue(onAthena)).toEqual([
      { day: '2025-06-12', status: 'CANCELLED', revenue: '10.00', orders: 1 }, { day: '2025-06-12', status: 'NEW', revenue: '5.50', orders: 1 },
      { day: '2025-06-12', status: 'SHIPPED', revenue: '20.00', orders: 1 }, { day: '2025-06-13', status: 'NEW', revenue: '7.00', orders: 1 },
    ]);
    // The third run recomputed day 12 only: its UNLOAD names the Glue tables and restricts the driver to dt=2025-06-12.
    const unloads = log.filter((s) => s.startsWith('UNLOAD'));
    expect(unloads).toHaveLength(3);
    expect(unloads[2]).toContain('FROM (SELECT * FROM "dev_silver"."orders" WHERE "dt" IN (\'2025-06-12\')) AS "orders"');
    expect(unloads[2]).toContain('gold_source."day" IN (CAST(\'2025-06-12\' AS date))');
    // No UNLOAD folder is left behind; the published versions are ordinary version folders.
    expect(readdirSync(join(onAthena.dir, 'gold/daily_revenue')).filter((d) => d.startsWith('v-'))).toEqual([]);
  });

  it('the audit runs on Athena before anything is written; a halt writes nothing', async () => {
    const l = await lakeWith('athena', `    quality:\n      halt: ['ColumnValues "revenue" < 100']\n`);
    const log: string[] = [];
    l.ctx.athena = fakeAthena(l, log);
    expect((await l.ingest('orders', await l.file('a.csv', csv(order(1, 'NEW', '10.00', '12'))))).record.status).toBe('SUCCEEDED');
    log.length = 0;
    const r = await l.ingest('orders', await l.file('b.csv', csv(order(2, 'NEW', '500.00', '12'))));
    expect(r.record.status).toBe('HALTED');
    expect(log.some((s) => s.startsWith('UNLOAD'))).toBe(false);
    // The rule ran as Athena SQL over the refresh's own query.
    expect(log.some((s) => s.includes('CAST("revenue" AS decimal(38,2)) AS "revenue"') && s.includes(') AS gold_batch') && !s.startsWith('SELECT count(*) AS n FROM'))).toBe(true);
    expect(await revenue(l)).toEqual([{ day: '2025-06-12', status: 'NEW', revenue: '10.00', orders: 1 }]);
  });

  it('an UNLOAD that fails after writing part of its output fails the run and leaves no files and no change', async () => {
    const l = await lakeWith('athena');
    l.ctx.athena = fakeAthena(l, [], { failUnload: true });
    const r = await l.ingest('orders', await l.file('a.csv', csv(order(1, 'NEW', '10.00', '12'))));
    expect(r.record.status).toBe('FAILED');
    expect(r.record.error?.message).toContain('HIVE_CANNOT_OPEN_SPLIT');
    // The table holds only its empty manifest (created before anything of it was written), no data file.
    expect(readdirSync(join(l.dir, 'gold/daily_revenue'), { recursive: true }).map(String).filter((f) => f.endsWith('.json') || f.endsWith('.parquet')))
      .toEqual([join('_strata', 'manifest.json')]);
    expect(JSON.parse(readFileSync(join(l.dir, 'gold/daily_revenue/_strata/manifest.json'), 'utf8'))).toMatchObject({ version: 0, partitions: {} });
  });

  it('a gold table of two partition columns records each partition\'s own rows, as on DuckDB, and each UNLOAD writes at most 100 of them (an attack, stop 49: each partition of a day was given the whole day\'s count; one statement per 100 days, whatever they held)', async () => {
    const twoCols = (engine: string) => gold(engine).replace('partitionBy: [day]', 'partitionBy: [day, status]').replace('refresh: incremental', 'refresh: full');
    const onAthena = await makeLake({ orders: ordersSchema({ mode: 'upsert', extra: twoCols('athena') }) });
    const onDuck = await makeLake({ orders: ordersSchema({ mode: 'upsert', extra: twoCols('duckdb') }) });
    lakes.push(onAthena, onDuck);
    const log: string[] = [];
    onAthena.ctx.athena = fakeAthena(onAthena, log);
    const text = csv(order(1, 'NEW', '10.00', '12'), order(2, 'NEW', '5.50', '12'), order(3, 'SHIPPED', '20.00', '12'), order(4, 'NEW', '1.00', '13'));
    for (const l of [onAthena, onDuck]) {
      const r = await l.ingest('orders', await l.file('f.csv', text));
      expect(r.record.status, JSON.stringify(r.record.error)).toBe('SUCCEEDED');
    }
    const parts = `SELECT path, "rows" FROM strata.partitions WHERE layer = 'gold' AND table_name = 'daily_revenue' ORDER BY 1`;
    expect(await onDuck.query(parts)).toEqual([
      { path: 'day=2025-06-12/status=NEW', rows: 1 }, { path: 'day=2025-06-12/status=SHIPPED', rows: 1 }, { path: 'day=2025-06-13/status=NEW', rows: 1 },
    ]);
    expect(await onAthena.query(parts)).toEqual(await onDuck.query(parts));
    expect(await revenue(onAthena)).toEqual(await revenue(onDuck));
    // Bounded by the tuple, not the day: the WHERE of the statement names each partition.
    const unload = log.filter((q) => q.startsWith('UNLOAD'));
    expect(unload.length).toBe(1);
    expect(unload[0]).toContain(`(gold_source."day" = CAST('2025-06-12' AS date) AND gold_source."status" = CAST('SHIPPED' AS varchar))`);
  });

  it('a gold partition value that cannot be a folder name (Hive\'s NULL folder, the empty string) fails the refresh on Athena as on DuckDB, nothing written (an attack, stop 49: UNLOAD put it in the NULL partition, read as NULL, a row lost)', async () => {
    const byName = (engine: string) => `gold:\n  - table: by_customer\n    sql: |\n      SELECT customer_name AS who, COUNT(*) AS orders FROM silver.orders GROUP BY 1\n    partitionBy: [who]\n    refresh: full\n    engine: ${engine}\n`;
    for (const name of ['__HIVE_DEFAULT_PARTITION__', '""']) {
      const onAthena = await makeLake({ orders: ordersSchema({ extra: byName('athena') }) });
      const onDuck = await makeLake({ orders: ordersSchema({ extra: byName('duckdb') }) });
      lakes.push(onAthena, onDuck);
      const log: string[] = [];
      onAthena.ctx.athena = fakeAthena(onAthena, log);
      const text = `${ORDERS_HEADER}\n1,${name},NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,,NEW,5.00,Jun 12 2025,2025-06-12T11:00:00Z\n`;
      const duck = await onDuck.ingest('orders', await onDuck.file('f.csv', text));
      const athena = await onAthena.ingest('orders', await onAthena.file('f.csv', text));
      expect(duck.record.gold).toEqual(athena.record.gold);
      expect(JSON.stringify(athena.record)).toContain('which cannot be a folder name');
      expect(log.some((q) => q.startsWith('UNLOAD'))).toBe(false);
    }
  });

  it('an incremental refresh whose changed partitions would name more than Athena takes recomputes the table whole, as it does locally', async () => {
    const schema = (engine: string) => `dataset: tagged
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: tag, type: string, required: true }
  - { name: v, type: int }
partitionBy: [{ name: tg, column: tag }]
gold:
  - table: by_tag
    sql: SELECT tag, SUM(v) AS total, COUNT(*) AS n FROM silver.tagged GROUP BY 1
    partitionBy: [tag]
    refresh: incremental
    engine: ${engine}
`;
    const tag = (i: number) => `${'t'.repeat(200)}${String(i).padStart(4, '0')}`;
    const rows = (ids: number[], v: number) => `id,tag,v\n${ids.map((i) => `${i},${tag(i)},${v}`).join('\n')}\n`;
    // 330 tags of 204 characters: a filter of 330 × 208 bytes, past DRIVER_FILTER_MAX.
    const many = Array.from({ length: 330 }, (_, i) => i);
    expect(330 * 208).toBeGreaterThan(DRIVER_FILTER_MAX);
    const modes: Record<string, string[]> = {};
    const tables: Record<string, unknown> = {};
    for (const engine of ['athena', 'duckdb']) {
      const l = await makeLake({ tagged: schema(engine) });
      lakes.push(l);
      const log: string[] = [];
      if (engine === 'athena') l.ctx.athena = fakeAthena(l, log);
      modes[engine] = [];
      for (const [i, text] of [rows([0, 1], 1), rows(many, 2), rows([5], 3)].entries()) {
        const r = await l.ingest('tagged', await l.file(`f${i}.csv`, text));
        expect(r.record.status, JSON.stringify(r.record.error)).toBe('SUCCEEDED');
        modes[engine]!.push((r.record.gold as Array<{ mode: string }>)[0]!.mode);
      }
      expect(log.filter((s) => Buffer.byteLength(s) > ATHENA_QUERY_MAX)).toEqual([]);
      tables[engine] = await l.query('SELECT tag, CAST(total AS VARCHAR) AS total, n FROM gold.by_tag ORDER BY 1');
    }
    // On Athena the backfill is recomputed whole; a DuckDB table refreshes it incrementally; a small batch after it is
    // incremental again on both. The tables are equal.
    expect(modes).toEqual({ athena: ['full', 'full', 'incremental'], duckdb: ['full', 'incremental', 'incremental'] });
    expect(tables.athena).toEqual(tables.duckdb);
    expect((tables.athena as unknown[]).length).toBe(330);
  });

  it('a gate with ReferentialIntegrity runs on Athena as on DuckDB (an attack, stop 56: the batch, a subquery with its own alias, was given a second one, and every refresh halted on a syntax error)', async () => {
    const statuses = 'dataset: statuses\nsource: { format: csv }\ncolumns:\n  - { name: status, type: string, required: true }\n';
    // The refresh reads statuses whole (a gate may reference only those), orders incrementally.
    const known = (engine: string) => `gold:
  - table: known_revenue
    sql: |
      SELECT CAST(o.created_at AS DATE) AS day, o.status, SUM(o.amount) AS revenue
      FROM silver.orders o LEFT JOIN silver.statuses s ON s.status = o.status
      GROUP BY 1, 2
    partitionBy: [day]
    refresh: incremental
    engine: ${engine}
    quality:
      halt: ['ReferentialIntegrity "status" "statuses.status" >= 1.0']
`;
    for (const engine of ['athena', 'duckdb']) {
      const l = await makeLake({ orders: ordersSchema({ mode: 'upsert', extra: known(engine) }), statuses });
      lakes.push(l);
      const log: string[] = [];
      // (Before the stand-in: it reads only tables the local catalog holds, and orders has no rows yet.)
      expect((await l.ingest('statuses', await l.file('s.csv', 'status\nNEW\nSHIPPED\n'))).record.status).toBe('SUCCEEDED');
      if (engine === 'athena') l.ctx.athena = fakeAthena(l, log);
      const ok = await l.ingest('orders', await l.file('a.csv', csv(order(1, 'NEW', '10.00', '12'), order(2, 'SHIPPED', '5.00', '12'))));
      expect({ engine, status: ok.record.status, error: ok.record.error }).toEqual({ engine, status: 'SUCCEEDED', error: undefined });
      // A status the reference does not hold fails the rule: the refresh halts, on both engines alike.
      const bad = await l.ingest('orders', await l.file('b.csv', csv(order(3, 'CANCELLED', '1.00', '13'))));
      expect({ engine, gold: (bad.record.gold as Array<{ status: string }>)[0]!.status }).toEqual({ engine, gold: 'halted' });
      if (engine === 'athena') expect(log.some((q) => q.includes('AS gold_batch) AS __dq_p'))).toBe(true);
    }
  });
});
