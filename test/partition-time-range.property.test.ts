// Time partitions (month, hour, day, year) of timestamps over strata's whole range, 0001-01-01 to 9999-12-31, not
// only DuckDB's nanosecond range (1677-09-21 .. 2262-04-11): a month or hour partition of 9999-12-31 failed the whole
// run (strftime of a TIMESTAMP goes through nanoseconds: an attack, stop 52). Generated timestamps, each row's
// partition values against the ones its ISO text gives (the oracle: JavaScript's UTC calendar).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 5);
const schema = `dataset: tp
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: ts, type: timestamp, required: true }
  - { name: d, type: date, required: true }
partitionBy:
  - { name: m, column: ts, transform: month }
  - { name: h, column: ts, transform: hour }
  - { name: dm, column: d, transform: month }
rejects: { maxRatio: 0 }
`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ tp: schema }); });
afterAll(() => lake?.cleanup());

const first = new Date(0); first.setUTCFullYear(1, 0, 1); first.setUTCHours(0, 0, 0, 0);
const last = new Date(0); last.setUTCFullYear(9999, 11, 31); last.setUTCHours(23, 59, 59, 999);
/** A millisecond of 0001-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z, the edges and DuckDB's nanosecond edges weighted in. */
const instant = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: first.getTime(), max: last.getTime() }) },
  { weight: 1, arbitrary: fc.constantFrom(first.getTime(), last.getTime(), Date.UTC(1677, 8, 21), Date.UTC(1677, 8, 20, 23, 59, 59, 999), Date.UTC(2262, 3, 11, 23, 47, 16, 854), Date.UTC(2262, 3, 12)) },
);

describe('time partitions over strata\'s whole range of timestamps (property)', () => {
  it('each row is in the month, hour and day its ISO text names, in one run that commits them all', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(instant, { minLength: 1, maxLength: 20 }), async (ms) => {
      const base = ++n * 100;
      const iso = ms.map((t) => new Date(t).toISOString());
      const body = `id,ts,d\n${iso.map((s, i) => `${base + i},${s},${s.slice(0, 10)}`).join('\n')}\n`;
      const r = (await lake.ingest('tp', await lake.file(`tp-${n}.csv`, body))).record;
      expect({ status: r.status, error: r.error?.message }).toEqual({ status: 'SUCCEEDED', error: undefined });
      const rows = await lake.query<{ id: number; m: string; h: string; dm: string }>(`SELECT id, m, h, dm FROM silver.tp WHERE id >= ${base} AND id < ${base + 100} ORDER BY id`);
      expect(rows).toEqual(iso.map((s, i) => ({ id: base + i, m: s.slice(0, 7), h: `${s.slice(0, 10)}-${s.slice(11, 13)}`, dm: s.slice(0, 7) })));
    }), { numRuns: RUNS });
  }, 120_000);
});
