// A JSON array file cut off anywhere (a truncated upload) is refused whole, never read as its first elements; a
// whole one, however it is laid out, lands whole. Before (newcomer trial, stop 35): an array cut after a comma was
// read as the elements before the cut, and the rest of the upload was lost without a word. The example tests are
// test/bad-input.test.ts 28 and 28b; this searches the cut points, layouts, values and gzip.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 25);
const ARRAYS = `dataset: arrays
source: { format: json }
columns:
  - { name: id, type: bigint, required: true }
  - { name: name, type: string }
rejects: { maxRatio: 1 }
`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ arrays: ARRAYS }); });
afterAll(async () => { await lake?.cleanup(); });

describe('a JSON array file', () => {
  it('property: cut anywhere it is refused whole with nothing in silver; whole it lands whole', async () => {
    let n = 0;
    let refused = 0;
    let landed = 0;
    await fc.assert(fc.asyncProperty(
      // Names with the characters a cut could land next to: brackets, commas, quotes, escapes, spaces, non-ASCII.
      // A field the schema does not read, holding an array: a cut just after its "]" ends the file with one.
      fc.array(fc.record({ id: fc.integer({ min: -1000, max: 1000 }), name: fc.string({ unit: fc.constantFrom('a', ']', '[', ',', '"', '\\', ' ', '\n', 'é', '}'), maxLength: 6 }),
        tags: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }) }, { requiredKeys: ['id', 'name'] }), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(0, 2), fc.constantFrom('', '\n', '  \n'), fc.double({ min: 0, max: 0.9999, noNaN: true }), fc.constantFrom('whole', 'anywhere', 'structural', 'between'), fc.boolean(),
      async (generated, indent, trail, at, cut, gzip) => {
        // A first element of its own per file: no two files are the same bytes (a second one would be SKIPPED).
        const records = [{ id: 100_000 + ++n, name: 'file' }, ...generated];
        const text = JSON.stringify(records, null, indent || undefined) + trail;
        const end = text.lastIndexOf(']') + 1;
        // Whole, or cut before its closing bracket (at least one byte kept): anywhere, just after a structural
        // character, or between two elements (DuckDB reads "[{…},{…}," as its first elements, without an error).
        const after = (re: RegExp) => [...text.slice(0, end - 1).matchAll(re)].map((m) => m.index + m[0].length);
        const places = cut === 'structural' ? after(/[,}\][]/g) : cut === 'between' ? after(/\},\s*/g) : [];
        const keep = cut === 'whole' ? text.length : places.length ? places[Math.floor(at * places.length)]! : 1 + Math.floor(at * (end - 1));
        const body = text.slice(0, keep);
        const name = `a-${n}.json${gzip ? '.gz' : ''}`;
        const file = await lake.file(name, gzip ? gzipSync(body) : body);
        const { record } = await lake.ingest('arrays', file);
        if (keep >= end) {
          landed += records.length;
          expect({ status: record.status, valid: record.rowsValid, quarantined: record.rowsQuarantined }).toEqual({ status: 'SUCCEEDED', valid: records.length, quarantined: 0 });
        } else {
          refused++;
          expect({ body, status: record.status, error: record.error?.name, valid: record.rowsValid }).toEqual({ body, status: 'FAILED', error: 'Strata.UnreadableFile', valid: 0 });
        }
      }), { numRuns: RUNS });
    expect(refused).toBeGreaterThan(RUNS / 4);
    // Nothing of a refused file is in silver: its rows are exactly those of the whole files.
    const [{ rows }] = (await lake.query<{ rows: number }>('SELECT CAST(count(*) AS INTEGER) AS rows FROM silver.arrays')) as [{ rows: number }];
    expect(rows).toBe(landed);
  });
});
