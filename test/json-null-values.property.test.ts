// nullValues against JSON numbers: a number is NULL exactly when its literal, as written, is one of the column's or the
// source's nullValues. A column's nullValues were compared with DuckDB's double text of the number (1.50 matched
// "1.5", -0 matched "0"), or with the literal when another field of the record held a long number: the verdict
// depended on the other fields; the source's were never applied to numbers (an attack, stop 53).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterAll(async () => { for (const l of lakes) await l.cleanup(); });

const LITERALS = ['1.5', '1.50', '-0', '0', '-1', '1e2', '100', '100.0', '2.25'];
const SEED = 20261207;

/** The decimal(12,3) text DuckDB gives the literal. */
function decimalText(lit: string): string {
  const n = Number(lit);
  return (Object.is(n, -0) ? 0 : n).toFixed(3);
}

describe('JSON numbers and nullValues', () => {
  it('a number is NULL exactly when its literal is one of the column\'s or the source\'s nullValues, whatever the record\'s other fields', async () => {
    await fc.assert(fc.asyncProperty(
      fc.subarray(LITERALS, { maxLength: 3 }), fc.subarray(LITERALS, { maxLength: 2 }),
      fc.array(fc.record({ v: fc.constantFrom(...LITERALS), long: fc.boolean() }), { minLength: 1, maxLength: 12 }),
      async (columnNulls, sourceNulls, rows) => {
        const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
        const l = await makeLake({ j: `dataset: j
source: { format: jsonl, nullValues: ${list(sourceNulls)} }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: s, type: string, from: v, nullValues: ${list(columnNulls)} }
  - { name: n, type: "decimal(12,3)", from: v, nullValues: ${list(columnNulls)} }
  - { name: z, type: double }
` });
        try {
          const text = rows.map((r, i) => `{"id": ${1000 + i}, "v": ${r.v}, "z": ${r.long ? '1.2345678901234567' : '1.5'}}`).join('\n') + '\n';
          const run = (await l.ingest('j', await l.file('j.jsonl', text))).record;
          expect(run.status, JSON.stringify(run)).toBe('SUCCEEDED');
          const got = await l.query('SELECT id, s, CAST(n AS VARCHAR) AS n FROM silver.j ORDER BY id');
          const nulls = new Set([...columnNulls, ...sourceNulls]);
          expect(got).toEqual(rows.map((r, i) => (nulls.has(r.v) ? { id: 1000 + i, s: null, n: null } : { id: 1000 + i, s: r.v, n: decimalText(r.v) })));
        } finally {
          await l.cleanup();
        }
      },
    ), { seed: SEED, numRuns: 12, endOnFailure: true });
  }, 120_000);
});

describe('JSON "" and a source whose nullValues hold ""', () => {
  it('is the empty string in a string column and NULL in another, as a CSV\'s quoted "" is (it was NULL in a string column too: an attack, stop 53)', async () => {
    const l = await makeLake({ e: `dataset: e
source: { format: jsonl, nullValues: ["", "NA"] }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: s, type: string, from: v }
  - { name: n, type: int, from: v }
` });
    lakes.push(l);
    const r = (await l.ingest('e', await l.file('e.jsonl', '{"id": 1, "v": ""}\n{"id": 2, "v": "NA"}\n{"id": 3, "v": "7"}\n'))).record;
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 3 });
    expect(await l.query('SELECT id, s, n FROM silver.e ORDER BY id')).toEqual([{ id: 1, s: '', n: null }, { id: 2, s: null, n: null }, { id: 3, s: '7', n: 7 }]);
  });
});
