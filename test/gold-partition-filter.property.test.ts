// The rows an incremental gold refresh recomputes: those whose partition column has one of the target values, given as
// text (runtime/gold/refresh.ts partitionFilter). For the stored types it compares as values (strings, integers,
// decimals, dates, booleans) it must select exactly the rows the comparison of their text selects, for any values and
// targets: generated here, in DuckDB, against `CAST(col AS VARCHAR) IN (…)` (the filter it replaced) as the oracle.
// Floats and timestamps are compared as text by partitionFilter itself; 0.0 / -0.0 is checked to stay apart.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { partitionFilter } from '../runtime/gold/refresh.ts';
import { str } from '../core/sql/quote.ts';

let db: Duck;
beforeAll(async () => { db = await Duck.open({ threads: 1 }); });
afterAll(() => db?.close());

/** Values of each stored type as SQL literals of that type (NULL included). */
const literal: Record<string, fc.Arbitrary<string>> = {
  VARCHAR: fc.string({ unit: 'grapheme-composite', maxLength: 6 }).filter((s) => !s.includes('\0')).map(str),
  BOOLEAN: fc.boolean().map(String),
  INTEGER: fc.integer().map(String),
  // As text: -9223372036854775808::BIGINT is -(9223372036854775808::BIGINT), past BIGINT's range.
  BIGINT: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => `'${n}'`),
  'DECIMAL(38,2)': fc.bigInt({ min: -(10n ** 36n), max: 10n ** 36n }).map((n) => `${n}::DECIMAL(38,0) / 100`),
  'DECIMAL(5,0)': fc.integer({ min: -99_999, max: 99_999 }).map(String),
  DATE: fc.integer({ min: -200_000, max: 200_000 }).map((d) => `DATE '1970-01-01' + ${d}`),
  DOUBLE: fc.constantFrom("'0.0'", "'-0.0'", "'0.1'", "'1e300'", "'nan'", "'inf'", "'-2.5'"),
};

describe('partitionFilter: the rows of the target partitions, as their text selects them', () => {
  for (const [type, values] of Object.entries(literal)) {
    it(`property: ${type}`, async () => {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.option(values, { nil: 'NULL', freq: 6 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(),
        async (rows, picks, withNull) => {
          const table = `SELECT i, CAST(${'v'} AS ${type}) AS "p" FROM (VALUES ${rows.map((v, i) => `(${i}, CAST(${v} AS ${type}))`).join(', ')}) t(i, v)`;
          const texts = await db.all<{ t: string | null }>(`SELECT CAST("p" AS VARCHAR) AS t FROM (${table}) ORDER BY i`);
          const targets = new Set<string | null>(picks.map((k) => texts[k % texts.length]!.t).filter((t) => t !== null));
          if (withNull) targets.add(null);
          const listed = [...targets].filter((t) => t !== null);
          const oracle = `(CAST("p" AS VARCHAR) IN (${listed.map((t) => str(t!)).join(', ') || 'NULL'})${withNull ? ' OR "p" IS NULL' : ''})`;
          const ids = async (where: string) => (await db.all<{ i: number }>(`SELECT i FROM (${table}) WHERE ${where} ORDER BY i`)).map((r) => r.i);
          expect(await ids(partitionFilter('p', type, targets))).toEqual(await ids(oracle));
        },
      ), { numRuns: 60 });
    });
  }
});
