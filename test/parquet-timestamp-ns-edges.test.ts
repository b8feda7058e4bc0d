// A Parquet TIMESTAMP_NS of its first day, 1677-09-21, and NaN / Infinity doubles: DuckDB cannot write that day as
// text (its CAST to VARCHAR fails), nor compare it with its midnight, which is before the type's first instant; and
// to_json writes NaN, which is no JSON. Each failed the whole file (an attack, stop 53). Now: a string column holds
// the day's text, a date or timestamp column takes or quarantines it by its value, and a quarantined row's raw record
// is valid JSON. And whole DOUBLE and DECIMAL values out of an integer column's range are said to be so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const schema = (ds: string, type: string, from = 't') => `dataset: ${ds}
source: { format: parquet }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: v, type: ${type}, from: ${from} }
`;

let l: TestLake;
let file: string;
beforeAll(async () => {
  l = await makeLake({ ps: schema('ps', 'string'), pd: schema('pd', 'date'), pt: schema('pt', 'timestamp'), pn: schema('pn', 'int', 'x') });
  file = await l.file('a.parquet', '');
  // The first instant but 2 ns (00:12:43.145224194), a millisecond before the second day, and the second day.
  await withDuck((db) => db.run(`COPY (SELECT * FROM (VALUES (1, make_timestamp_ns(-9223372036854775806), 'NaN'::DOUBLE), (2, make_timestamp_ns(-9223286400001000000), 'Infinity'::DOUBLE), `
    + `(3, make_timestamp_ns(-9223286400000000000), '-Infinity'::DOUBLE)) t(id, t, x)) TO ${pathLit(file)} (FORMAT parquet)`));
});
afterAll(() => l?.cleanup());

async function ingest(ds: string) {
  const r = (await l.ingest(ds, file)).record;
  const silver = await l.query(`SELECT id, CAST(v AS VARCHAR) AS v FROM silver.${ds} ORDER BY id`).catch(() => []);
  const quarantined = await l.query(`SELECT record, raw, reasons[1].column AS c, reasons[1].message AS m FROM quarantine.${ds} ORDER BY record`).catch(() => []) as Array<{ record: number; raw: string; c: string; m: string }>;
  for (const q of quarantined) JSON.parse(q.raw); // valid JSON
  return { r, silver, quarantined };
}

describe('TIMESTAMP_NS of 1677-09-21, NaN and Infinity in a Parquet file', () => {
  it('into a string column: the text DuckDB writes for every other day', async () => {
    const { r, silver } = await ingest('ps');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 3 });
    expect(silver).toEqual([{ id: 1, v: '1677-09-21 00:12:43.145224194' }, { id: 2, v: '1677-09-21 23:59:59.999' }, { id: 3, v: '1677-09-22 00:00:00' }]);
  });

  it('into a date column: midnight is a date, a time of day is quarantined naming the value; the raw records are JSON', async () => {
    const { r, silver, quarantined } = await ingest('pd');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 2 });
    expect(silver).toEqual([{ id: 3, v: '1677-09-22' }]);
    expect(quarantined.map((q) => [q.record, q.c, q.m, JSON.parse(q.raw)])).toEqual([
      [1, 'v', '"1677-09-21 00:12:43.145224194" is not a date: it has a time of day', { id: 1, t: '1677-09-21 00:12:43.145224194', x: 'NaN' }],
      [2, 'v', '"1677-09-21 23:59:59.999" is not a date: it has a time of day', { id: 2, t: '1677-09-21 23:59:59.999', x: 'Infinity' }],
    ]);
  });

  it('into a timestamp column: milliseconds are kept, nanoseconds past them quarantined', async () => {
    const { r, silver, quarantined } = await ingest('pt');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 1 });
    expect(silver).toEqual([{ id: 2, v: '1677-09-21 23:59:59.999' }, { id: 3, v: '1677-09-22 00:00:00' }]);
    expect(quarantined.map((q) => [q.record, q.m])).toEqual([[1, expect.stringMatching(/^"1677-09-21 00:12:43\.145224194" has sub-millisecond digits/)]]);
  });

  it('NaN and the infinities into an int column: quarantined, their raw records JSON with the values as strings', async () => {
    const { r, quarantined } = await ingest('pn');
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 0, rowsQuarantined: 3 });
    expect(quarantined.map((q) => JSON.parse(q.raw).x)).toEqual(['NaN', 'Infinity', '-Infinity']);
  });
});

describe('whole DOUBLE and DECIMAL values out of an integer column\'s range', () => {
  it('are said to be out of range, shown as the integers they are (they were said to have a fraction or an exponent: an attack, stop 53)', async () => {
    const k = await makeLake({ pi: `dataset: pi
source: { format: parquet }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: i, type: int, from: x }
  - { name: b, type: bigint, from: y }
` });
    try {
      const f = await k.file('n.parquet', '');
      await withDuck((db) => db.run(`COPY (SELECT * FROM (VALUES (1, 3e9::DOUBLE, 1e19::DOUBLE), (2, 1.5::DOUBLE, 5::DOUBLE), (3, 7::DOUBLE, CAST(9.223372036854776e18 AS DOUBLE))) t(id, x, y)) TO ${pathLit(f)} (FORMAT parquet)`));
      expect((await k.ingest('pi', f)).record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 0, rowsQuarantined: 3 });
      const reasons = await k.query(`SELECT record, list_transform(reasons, r -> r.value || ' | ' || r.message) AS r FROM quarantine.pi ORDER BY record`);
      expect(reasons).toEqual([
        { record: 1, r: ['3000000000 | "3000000000" is not an int: out of range -2147483648..2147483647', '10000000000000000000 | "10000000000000000000" is not a bigint: out of range -9223372036854775808..9223372036854775807'] },
        { record: 2, r: ['1.5 | "1.5" is not an int: it has a fraction'] },
        { record: 3, r: ['9223372036854775808 | "9223372036854775808" is not a bigint: out of range -9223372036854775808..9223372036854775807'] },
      ]);
      const g = await k.file('d.parquet', '');
      await withDuck((db) => db.run(`COPY (SELECT 4 AS id, CAST(3000000000 AS DECIMAL(20,2)) AS x, CAST(2.50 AS DECIMAL(5,2)) AS y) TO ${pathLit(g)} (FORMAT parquet)`));
      await k.ingest('pi', g);
      expect(await k.query(`SELECT list_transform(reasons, r -> r.message) AS r FROM quarantine.pi WHERE record = 1 AND source LIKE '%d.parquet'`)).toEqual([
        { r: ['"3000000000" is not an int: out of range -2147483648..2147483647', '"2.50" is not a bigint: it has a fraction'] },
      ]);
    } finally {
      await k.cleanup();
    }
  });
});

describe('typed values shown as they are', () => {
  it('a FLOAT in a quarantined record is the float DuckDB writes (0.1, not the double it widens to); an infinite DATE or TIMESTAMP is said to be outside the years 0001-9999, not "expected ISO 8601" (an attack, stop 58)', async () => {
    const k = await makeLake({ pf: `dataset: pf
source: { format: parquet }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: t, type: timestamp }
  - { name: d, type: date }
  - { name: f, type: double }
` });
    try {
      const f = await k.file('f.parquet', '');
      await withDuck((db) => db.run(`COPY (SELECT * FROM (VALUES (1, 'infinity'::TIMESTAMP, DATE '2025-01-01', 0.1::FLOAT), (2, TIMESTAMP '2025-01-01', '-infinity'::DATE, 16777217::FLOAT), `
        + `(3, '-infinity'::TIMESTAMP, DATE '2025-01-01', 3.4028235e38::FLOAT)) t(id, t, d, f)) TO ${pathLit(f)} (FORMAT parquet)`));
      const r = (await k.ingest('pf', f)).record;
      expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 0, rowsQuarantined: 3 });
      const q = await k.query(`SELECT record, raw, reasons[1].message AS m FROM quarantine.pf ORDER BY record`) as Array<{ record: number; raw: string; m: string }>;
      expect(q.map((x) => [x.record, JSON.parse(x.raw).f, x.m])).toEqual([
        [1, 0.1, '"infinity" is not a timestamp: outside the years 0001-9999'],
        [2, 16777216, '"-infinity" is not a date: outside the years 0001-9999'],
        [3, 3.4028235e38, '"-infinity" is not a timestamp: outside the years 0001-9999'],
      ]);
      expect(q.map((x) => /"f":([^,}]+)/.exec(x.raw)![1])).toEqual(['0.1', '16777216.0', '3.4028235e+38']);
    } finally {
      await k.cleanup();
    }
  });
});
