// csv.skipRows skips lines as written. A quote in them that opens a field its line does not close made DuckDB's skip
// (which reads quotes) take the data for part of the skipped lines: the file was ingested SUCCEEDED with 0 rows and no
// word (an attack, stop 44). Searched for counterexamples: whatever the skipped lines hold, every data row reaches
// silver (the skipped lines are read from a copy where they are blank). So did skipped lines ended otherwise than the
// data (CRLF before LF, a lone CR): the property draws each line's end.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
const schema = (skip: number) => `dataset: s${skip}\nsource: { format: csv, csv: { skipRows: ${skip} } }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: a, type: string }\nrejects: { maxRatio: 1 }\n`;
beforeAll(async () => { lake = await makeLake({ s1: schema(1), s2: schema(2), s3: schema(3) }); });
afterAll(async () => { await lake?.cleanup(); });

const junk = fc.array(fc.constantFrom('x', ' ', ',', '"', 'é', ';'), { maxLength: 8 }).map((p) => p.join(''));
let n = 0;

describe('csv.skipRows', () => {
  it('property: whatever quotes the skipped lines hold, every data row after them reaches silver; never a silent drop', async () => {
    const ends = fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 3, maxLength: 3 });
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(junk, { minLength: 3, maxLength: 3 }), ends, fc.constantFrom('\n', '\r\n', '\r'), async (skip, lines, skipEnds, eol) => {
      // (A lone CR before an empty line would read as one CRLF: that line gets an x.)
      const text = lines.slice(0, skip).map((l, i) => (l === '' && skipEnds[i - 1] === '\r' ? 'x' : l) + skipEnds[i]).join('') + ['id,a', '1,x', '2,y', '3,z'].join(eol) + eol;
      const { record } = await lake.ingest(`s${skip}`, await lake.file(`f${n++}.csv`, text));
      // The skipped lines are read by no one: whatever they hold, the three rows reach silver.
      expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 3 });
    }), { seed: Number(process.env.SEED ?? 20261206), numRuns: Number(process.env.RUNS ?? 40) });
  });

  it('gzipped, with a bad row: the skipped lines\' quote and line ends change nothing, and the bad row is quarantined at its own line', async () => {
    for (const [name, text] of [['g.csv.gz', 'report "q3\n""x\nid,a\n1,x\nnope,y\n3,z\n'], ['h.csv.gz', 'report "q3\r\n""x\rid,a\n1,x\nnope,y\n3,z\n']]) {
      const { record } = await lake.ingest('s2', await lake.file(name!, gzipSync(text!) as unknown as string));
      expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
      expect(await lake.query(`SELECT line, record, raw FROM quarantine.s2 WHERE run_id = '${record.runId}'`)).toEqual([{ line: 5, record: 2, raw: '{"id":"nope","a":"y"}' }]);
    }
  });
});
