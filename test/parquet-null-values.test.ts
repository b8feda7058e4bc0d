// nullValues and a Parquet file: the source's name strings as a column's do (they were ignored while a column's
// applied: an attack, stop 53); the empty string stays a value, and typed values (an int -1) have no spelling.
import { afterAll, describe, expect, it } from 'vitest';
import { pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterAll(async () => { for (const l of lakes) await l.cleanup(); });

describe('Parquet strings and nullValues', () => {
  it('the source\'s and a column\'s nullValues read a string as NULL; "" and typed values are kept', async () => {
    const l = await makeLake({ p: `dataset: p
source: { format: parquet, nullValues: ["", "NA", "-1"] }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: s, type: string }
  - { name: t, type: string, nullValues: ["x"] }
  - { name: n, type: int }
  - { name: m, type: int }
` });
    lakes.push(l);
    const f = await l.file('a.parquet', '');
    await withDuck((db) => db.run(`COPY (SELECT * FROM (VALUES (1, 'NA', 'x', -1, '-1'), (2, '', 'NA', 5, '7'), (3, 'b', 'y', NULL, NULL)) t(id, s, t, n, m)) TO ${pathLit(f)} (FORMAT parquet)`));
    expect((await l.ingest('p', f)).record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 3 });
    expect(await l.query('SELECT * FROM silver.p ORDER BY id')).toEqual([
      { id: 1, s: null, t: null, n: -1, m: null },
      { id: 2, s: '', t: null, n: 5, m: 7 },
      { id: 3, s: 'b', t: 'y', n: null, m: null },
    ]);
  });
});
