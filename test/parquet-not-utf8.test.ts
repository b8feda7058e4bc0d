// Parquet files that are not what strata can read, each refused naming what it is and the way back.
// Text that is not UTF-8 in a Parquet file: in a string (UTF8) column DuckDB cannot read the file past it, so the
// run fails naming the column, the value and the way back (it said only DuckDB's words, no column: an attack,
// stop 53); following the way back, the column as plain binary, quarantines exactly the rows that are not UTF-8.
import { gzipSync } from 'node:zlib';
import parquet from 'parquetjs-lite';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

const lakes: TestLake[] = [];
afterAll(async () => { for (const l of lakes) await l.cleanup(); });

async function write(path: string, type: 'UTF8' | 'BYTE_ARRAY'): Promise<void> {
  const schema = new parquet.ParquetSchema({ id: { type: 'INT64' }, name: { type: 'UTF8' }, s: { type } });
  const w = await parquet.ParquetWriter.openFile(schema, path);
  for (const [id, s] of [[1n, Buffer.from('ok')], [2n, Buffer.from([0x61, 0xff, 0x62])], [3n, Buffer.from('fine ✓')]] as const) await w.appendRow({ id, name: `n${id}`, s });
  await w.close();
}

describe('a Parquet file with text that is not UTF-8', () => {
  it('in a string column: the run fails naming the column, the value and the way back; as plain binary: the row is quarantined', async () => {
    const l = await makeLake({ p: `dataset: p
source: { format: parquet }
rejects: { maxRatio: 1 }
columns:
  - { name: id, type: bigint }
  - { name: name, type: string }
  - { name: s, type: string }
` });
    lakes.push(l);
    const utf8 = await l.file('a.parquet', '');
    await write(utf8, 'UTF8');
    const failed = (await l.ingest('p', utf8)).record;
    expect(failed).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    expect(failed.error!.message).toBe(`${failed.source.key}: column "s" holds text that is not valid UTF-8 (value "a\\xFFb"), which Parquet's string type (BYTE_ARRAY annotated UTF8) requires: `
      + 'DuckDB cannot read past it, so no row of the file was committed. The way back: write the file again with that text as UTF-8, or with the column as plain binary '
      + '(BYTE_ARRAY without the string annotation), whose values that are not UTF-8 are quarantined row by row; then ingest it again');
    const binary = await l.file('b.parquet', '');
    await write(binary, 'BYTE_ARRAY');
    const r = (await l.ingest('p', binary)).record;
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 2, rowsQuarantined: 1 });
    expect(await l.query('SELECT id, s FROM silver.p ORDER BY id')).toEqual([{ id: 1, s: 'ok' }, { id: 3, s: 'fine ✓' }]);
    expect(await l.query(`SELECT reasons[1].column AS c, reasons[1].message AS m FROM quarantine.p`)).toEqual([{ c: 's', m: '"a\\xFFb" is not valid UTF-8 text (bytes shown as \\xNN)' }]);
  });

  it('text under a .parquet name (CSV, JSON lines): refused saying what it looks like and where it could go (DuckDB said "No magic bytes found")', async () => {
    const l = await makeLake({ p: 'dataset: p\nsource: { format: parquet }\ncolumns:\n  - { name: id, type: bigint }\n' });
    lakes.push(l);
    const csv = (await l.ingest('p', await l.file('a.parquet', 'id,name\n1,a\n'))).record;
    expect(csv.error?.message).toBe(`${csv.source.key}: not a Parquet file (the file is text (its first line: "id,name"), not Parquet, which begins with the bytes PAR1): `
      + 'nothing of it was read. Send it as Parquet, or ingest it into a dataset of the format it is in (source.format: csv for CSV)');
    const jsonl = (await l.ingest('p', await l.file('b.parquet', '{"id": 1}\n{"id": 2}\n'))).record;
    const gz = (await l.ingest('p', await l.file('c.parquet', gzipSync(Buffer.from('PAR1 not really'))))).record;
    expect(gz.error?.message).toBe(`${gz.source.key}: not a Parquet file (the file is gzip-compressed as a whole; a Parquet file compresses its pages inside it: decompress it (gunzip) and send the .parquet file): nothing of it was read.`);
    expect(jsonl.error?.message).toMatch(/: not a Parquet file \(the file looks like JSON lines \(its first line: "\{\\"id\\": 1\}"\), not Parquet, which begins with the bytes PAR1\): nothing of it was read\. Send it as Parquet, or ingest it into a dataset of source\.format: jsonl$/);
  });

  it('two Parquet files joined end to end: refused, as their footer describes only the last one\'s rows (DuckDB read 2 rows of 4, silently); one file alone is read', async () => {
    const l = await makeLake({ p: 'dataset: p\nsource: { format: parquet }\ncolumns:\n  - { name: id, type: bigint }\n' });
    lakes.push(l);
    const one = await l.file('one.parquet', '');
    const { pathLit, withDuck } = await import('../runtime/engine/duckdb.ts');
    await withDuck((db) => db.run(`COPY (SELECT * FROM range(1, 3) t(id)) TO ${pathLit(one)} (FORMAT parquet)`));
    const bytes = readFileSync(one);
    const r = (await l.ingest('p', await l.file('two.parquet', Buffer.concat([bytes, bytes])))).record;
    expect(r.status).toBe('FAILED');
    expect(r.error?.message).toMatch(/: not one Parquet file: \d+ bytes between its last column chunk and its footer hold another file's end and start \(the bytes PAR1\), as files joined end to end do; .*Send each file on its own$/);
    expect((await l.ingest('p', one)).record).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2 });
  });
});
