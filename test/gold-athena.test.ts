// Gold SQL on Athena: golden SQL for the translation strata does (table names, incremental partition filter,
// UNLOAD batches), and the translated SQL giving the same rows as the local path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { analyzeGold } from '../core/gold/analyze.ts';
import { parseSql } from '../core/gold/ast.ts';
import { athenaTableNames, distinctPartitionsSql, driverFilter, unloadStatements, type AthenaNames } from '../core/gold/athena.ts';
import { compile } from '../core/plan/compile.ts';
import { loadSchemaText } from '../core/schema/load.ts';

const names: AthenaNames = { databases: { silver: 'lake_dev_silver', gold: 'lake_dev_gold' }, locationOf: (k) => `s3://lake-dev/${k}` };
const plans = ['airports', 'flights', 'movies'].map((d) => compile(loadSchemaText(`${d}.yaml`, readFileSync(`schemas/${d}.yaml`, 'utf8')).spec!));

async function translate(sql: string, restrict?: { table: string; filter: string }) {
  return withDuck(async (db) => {
    const p = await parseSql(db, sql);
    if ('error' in p) throw new Error(p.error);
    return athenaTableNames(sql, p.select, names, restrict);
  });
}

describe('gold SQL for Athena', () => {
  it('renames silver./gold. tables to their Glue databases and changes nothing else', async () => {
    const gold = (await analyzeGold(plans)).plans;
    const daily = gold.find((g) => g.table === 'daily_delays')!;
    expect(await translate(daily.sql)).toBe(`SELECT CAST(f.departed_at AS DATE) AS day,
       a.state,
       COUNT(*) AS flights,
       AVG(f.delay) AS avg_delay_min,
       SUM(CASE WHEN f.delay > 15 THEN 1 ELSE 0 END) AS late_flights
FROM "lake_dev_silver"."flights" f
JOIN "lake_dev_silver"."airports" a ON a.iata = f.origin
GROUP BY 1, 2
`);
    expect(await translate('SELECT x FROM "gold" . "t1" UNION ALL SELECT x FROM silver.flights')).toBe('SELECT x FROM "lake_dev_gold"."t1" UNION ALL SELECT x FROM "lake_dev_silver"."flights"');
  });

  it('restricts the driver to the changed partitions, keeping its alias (or its name) valid', async () => {
    const flights = plans.find((p) => p.dataset === 'flights')!;
    const filter = driverFilter(flights, ['dt=2001-01-02', 'dt=2001-01-01'], new Map([['dt=2001-01-01', ['2001-01-01']], ['dt=2001-01-02', ['2001-01-02']]]));
    expect(filter).toBe(`"dt" IN ('2001-01-02', '2001-01-01')`);
    expect(await translate('SELECT count(*) FROM silver.flights f JOIN silver.airports a ON a.iata = f.origin', { table: 'flights', filter }))
      .toBe(`SELECT count(*) FROM (SELECT * FROM "lake_dev_silver"."flights" WHERE "dt" IN ('2001-01-02', '2001-01-01')) f JOIN "lake_dev_silver"."airports" a ON a.iata = f.origin`);
    expect(await translate('SELECT count(*) FROM silver.flights WHERE delay > 0', { table: 'flights', filter }))
      .toBe(`SELECT count(*) FROM (SELECT * FROM "lake_dev_silver"."flights" WHERE "dt" IN ('2001-01-02', '2001-01-01')) AS "flights" WHERE delay > 0`);
  });

  it('writes with UNLOAD: partition columns last, at most 100 partitions per statement, each batch in its own folder', async () => {
    const gold = (await analyzeGold(plans)).plans;
    const daily = gold.find((g) => g.table === 'daily_delays')!;
    const sql = await translate(daily.sql);
    const days = Array.from({ length: 250 }, (_, i) => new Date(Date.UTC(2001, 0, 1 + i)).toISOString().slice(0, 10));
    const batches = unloadStatements(daily, sql, 'r1', names, days);
    expect(batches.map((b) => [b.values.length, b.prefix])).toEqual([
      [100, 'gold/daily_delays/v-r1-b0/'], [100, 'gold/daily_delays/v-r1-b1/'], [50, 'gold/daily_delays/v-r1-b2/'],
    ]);
    expect(batches[2]!.sql).toBe(`UNLOAD (SELECT CAST("state" AS varchar) AS "state", CAST("flights" AS bigint) AS "flights", CAST("avg_delay_min" AS double) AS "avg_delay_min", `
      + `CAST("late_flights" AS bigint) AS "late_flights", CAST("day" AS date) AS "day", CAST("day" AS date) AS "__p_day" FROM (\n${sql.trim()}\n) AS gold_source WHERE gold_source."day" IN (${days.slice(200).map((d) => `CAST('${d}' AS date)`).join(', ')})) `
      + `TO 's3://lake-dev/gold/daily_delays/v-r1-b2/' WITH (format = 'PARQUET', compression = 'ZSTD', partitioned_by = ARRAY['__p_day'])`);
    expect(distinctPartitionsSql(daily, sql)).toBe(`SELECT DISTINCT CAST("day" AS varchar) AS value FROM (\n${sql.trim()}\n) AS gold_source ORDER BY 1`);
  });

  it('the translated SQL returns the same rows as the local SQL (names are all that change)', async () => {
    const gold = (await analyzeGold(plans)).plans;
    for (const g of gold) {
      const athenaSql = await translate(g.sql);
      const rows = await withDuck(async (db) => {
        const fixture = `
          CREATE SCHEMA silver; CREATE SCHEMA lake_dev_silver;
          CREATE TABLE silver.flights AS SELECT * FROM (VALUES (TIMESTAMP '2001-01-01 10:00', 'SFO', 'LAX', 20, 300, '2001-01-01'), (TIMESTAMP '2001-01-01 11:00', 'SFO', 'SEA', -3, 600, '2001-01-01'), (TIMESTAMP '2001-01-02 09:00', 'BOS', 'SFO', 60, 2700, '2001-01-02')) t(departed_at, origin, destination, delay, distance, dt);
          CREATE TABLE silver.airports AS SELECT * FROM (VALUES ('SFO', 'San Francisco Intl', 'San Francisco', 'CA', 'USA', 37.6, -122.4), ('BOS', 'Logan', 'Boston', 'MA', 'USA', 42.4, -71.0)) t(iata, name, city, state, country, latitude, longitude);
          CREATE TABLE silver.movies AS SELECT * FROM (VALUES ('A', DATE '1998-06-12', 'R', 'Drama', 'X', 10, 100, 5, 90, 6.1::DECIMAL(3,1), 1000, 50, 1998), ('B', DATE '1998-07-01', 'PG', NULL, 'Y', 20, 300, 7, 100, 7.0::DECIMAL(3,1), 2000, 70, 1998)) t(title, release_date, mpaa_rating, major_genre, distributor, us_gross, worldwide_gross, production_budget, running_time_min, imdb_rating, imdb_votes, rotten_tomatoes_rating, release_year);
          CREATE VIEW lake_dev_silver.flights AS SELECT * FROM silver.flights; CREATE VIEW lake_dev_silver.airports AS SELECT * FROM silver.airports; CREATE VIEW lake_dev_silver.movies AS SELECT * FROM silver.movies;`;
        await db.run(fixture);
        const a = await db.all(`SELECT * FROM (${g.sql}) ORDER BY ALL`);
        const b = await db.all(`SELECT * FROM (${athenaSql}) ORDER BY ALL`);
        return { a, b };
      });
      expect(rows.a.length, g.table).toBeGreaterThan(0);
      expect(rows.b, g.table).toEqual(rows.a);
    }
  });
});
