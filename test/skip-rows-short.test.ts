// A CSV file that ends within the lines csv.skipRows skips (or right after them) holds no record: the run succeeds
// with no rows and says so. Its record count was taken one short of nothing (-1, the header's), and the run failed as
// "DuckDB read 0 records where strata counts 0 … report it to strata" (an attack, stop 52).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ k: 'dataset: k\nsource: { format: csv, csv: { skipRows: 3 } }\ncolumns:\n  - { name: id, type: int }\n' }); });
afterAll(() => lake?.cleanup());

describe('csv.skipRows past the end of the file', () => {
  it('is a run of no rows that says the file holds nothing after the skipped lines, whether they end with a line end or not', async () => {
    for (const [name, text] of [['two.csv', 'id\n1\n'], ['three.csv', 'a\nb\nc\n'], ['open.csv', 'id\n1']] as const) {
      const r = (await lake.ingest('k', await lake.file(name, text))).record;
      expect({ name, status: r.status, rowsIn: r.rowsIn, error: r.error?.message }).toEqual({ name, status: 'SUCCEEDED', rowsIn: 0, error: undefined });
      expect(r.warnings.join('\n')).toMatch(/the file holds nothing after the 3 lines csv\.skipRows skips/);
    }
  });
});
