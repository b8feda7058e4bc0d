// A declared field is read from the file's field of its exact name; only one no declared field names exactly may be
// read ignoring case and surrounding spaces, and only when it is the one such field for that declared field alone.
// A file field was read into two columns (from: "A" and from: "a" both read a CSV's "a"; from: "Amount " read the
// "amount" another column reads), and a Parquet file's "amount" beside "Amount" (which DuckDB names "amount_1") was
// never read, the column amount reading "Amount" (an attack, stop 52).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const require = createRequire(import.meta.url);
const parquet = require('parquetjs-lite') as {
  ParquetSchema: new (s: object) => unknown;
  ParquetWriter: { openFile: (schema: unknown, path: string) => Promise<{ appendRow: (r: object) => Promise<void>; close: () => Promise<void> }> };
};

const csvSchema = `dataset: h
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: x, type: string, from: "A" }
  - { name: y, type: string, from: "a" }
  - { name: amount, type: int }
  - { name: amount_raw, type: int, from: "Amount " }
  - { name: region, type: string, from: "Region" }
rejects: { maxRatio: 1 }
`;
const pqSchema = `dataset: p
source: { format: parquet }
columns:
  - { name: id, type: int, required: true }
  - { name: amount, type: int }
rejects: { maxRatio: 1 }
`;

let lake: TestLake;
const nfcSchema = `dataset: n
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: cafe, type: string, from: "Caf\u00e9" }
  - { name: note, type: string }
rejects: { maxRatio: 1 }
`;
beforeAll(async () => { lake = await makeLake({ h: csvSchema, p: pqSchema, n: nfcSchema }); });
afterAll(() => lake?.cleanup());

describe('matching declared fields to a file\'s fields', () => {
  it('CSV: a field is read into one column; a loose match only for a field no one names exactly and no other declared field matches', async () => {
    const r = (await lake.ingest('h', await lake.file('h.csv', 'id,a,amount, region \n1,lower,5,EU\n'))).record;
    expect(r.status).toBe('SUCCEEDED');
    // x (from "A") reads nothing: the file's "a" is y's by its exact name. amount_raw ("Amount ") reads nothing:
    // "amount" is amount's. region ("Region") reads " region ", the one field it matches loosely.
    expect(await lake.query('SELECT id, x, y, amount, amount_raw, region FROM silver.h')).toEqual([{ id: 1, x: null, y: 'lower', amount: 5, amount_raw: null, region: 'EU' }]);
    expect(r.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/header has no field "A" \(column x\); the column is NULL for every row/),
      expect.stringMatching(/header has no field "Amount " \(column amount_raw\); the column is NULL for every row/),
      'header field " region " read as "Region" (case or spaces differ)',
    ]));
    // Two file fields that match one declared field loosely: read as a field named twice (stop 53: the column was NULL
    // for every row); a record holding different texts there is quarantined, one holding the same is read.
    const two = (await lake.ingest('h', await lake.file('h2.csv', 'id,a,amount,REGION,region\n2,b,6,EU,US\n3,b,6,EU,EU\n'))).record;
    expect(await lake.query('SELECT id, region FROM silver.h WHERE id >= 2 ORDER BY id')).toEqual([{ id: 3, region: 'EU' }]);
    expect(two).toMatchObject({ rowsValid: 1, rowsQuarantined: 1 });
    expect(two.warnings.join('\n')).toContain('the header fields "REGION", "region" (fields 4 and 5) all match "Region" only ignoring case or spaces: a record holding the same text in each is read');
  });

  it('CSV: a header name that differs only in its Unicode form (NFD é) or by an invisible character (U+200B) is read, and the warning says how (an attack, stop 58: the column was NULL behind names that print alike)', async () => {
    const r = (await lake.ingest('n', await lake.file('u.csv', 'id,Cafe\u0301,no\u200bte\n4,x,y\n'))).record;
    expect(await lake.query('SELECT id, cafe, note FROM silver.n')).toEqual([{ id: 4, cafe: 'x', note: 'y' }]);
    expect(r.warnings).toEqual(expect.arrayContaining([
      'header field "Cafe\u0301" (decomposed: NFD) read as "Caf\u00e9" (the Unicode form of its characters differs, or invisible characters: the same text shown)',
      'header field "no\\u200bte" read as "note" (the Unicode form of its characters differs, or invisible characters: the same text shown)',
    ]));
  });

  it('Parquet: a column "amount" beside "Amount" (DuckDB reads it as amount_1) is the one read as amount', async () => {
    const file = join(lake.root, 'in', 'case.parquet');
    const w = await parquet.ParquetWriter.openFile(new parquet.ParquetSchema({ id: { type: 'INT32' }, Amount: { type: 'INT32' }, amount: { type: 'INT32' } }), file);
    await w.appendRow({ id: 1, Amount: 5, amount: 6 });
    await w.close();
    const r = (await lake.ingest('p', await lake.file('case.parquet', readFileSync(file)))).record;
    expect(r.status).toBe('SUCCEEDED');
    expect(await lake.query('SELECT id, amount FROM silver.p')).toEqual([{ id: 1, amount: 6 }]);
    expect(r.warnings.join('\n')).toMatch(/file fields not in the schema were kept out of silver: "Amount"/);
  });
});
