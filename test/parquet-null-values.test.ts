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

describe('Parquet fields that match a declared field only ignoring case or spaces', () => {
  it('two of them are read as one field named twice: the same value is read, different values are quarantined (the first was read, silently)', async () => {
    const l = await makeLake({ q: `dataset: q
source: { format: parquet, nullValues: ["NA"] }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: amount, type: string }
` });
    lakes.push(l);
    const f = await l.file('a.parquet', '');
    await withDuck((db) => db.run(`COPY (SELECT * FROM (VALUES (1, '5', '5'), (2, '5', '6'), (3, 'NA', NULL)) t(id, "Amount", "amount ")) TO ${pathLit(f)} (FORMAT parquet)`));
    const r = (await l.ingest('q', f)).record;
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, rowsQuarantined: 1 });
    expect(await l.query('SELECT id, amount FROM silver.q ORDER BY id')).toEqual([{ id: 1, amount: '5' }, { id: 3, amount: null }]);
    expect(await l.query('SELECT record, reasons[1].rule AS rule, reasons[1].message AS m FROM quarantine.q')).toEqual([
      { record: 2, rule: 'malformed', m: 'the file\'s fields 2 and 3 ("Amount", "amount ") all match "amount" only ignoring case or spaces, and this record holds different values there, so which is the value is ambiguous: name the one to read exactly (from: ...)' },
    ]);
  });

  it('a FLOAT 0.1 beside a DOUBLE 0.1 are different values: the record is quarantined (their texts "0.1" hid it)', async () => {
    const l = await makeLake({ q2: 'dataset: q2\nsource: { format: parquet }\nrejects: { maxRatio: 1 }\ncolumns:\n  - { name: id, type: bigint }\n  - { name: v, type: double }\n' });
    lakes.push(l);
    const f = await l.file('f.parquet', '');
    await withDuck((db) => db.run(`COPY (SELECT * FROM (VALUES (1, 0.1::FLOAT, 0.1::DOUBLE), (2, 0.5::FLOAT, 0.5::DOUBLE)) t(id, "V", "v ")) TO ${pathLit(f)} (FORMAT parquet)`));
    expect((await l.ingest('q2', f)).record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1, rowsQuarantined: 1 });
    expect(await l.query('SELECT id, v FROM silver.q2')).toEqual([{ id: 2, v: 0.5 }]);
  });
});
