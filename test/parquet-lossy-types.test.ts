// Parquet types DuckDB reads with loss (test/helpers/odd-parquet.ts writes them as Arrow, pandas and Impala do): a
// DECIMAL of more than 38 digits, read as a double (0.12 came back as 8646911284551352.00), refuses the file naming the
// field and the way back; a TIMESTAMP(NANOS) adjusted to UTC and an INT96, read to the microsecond, are read with a
// warning naming the field and how to have the nanoseconds read. Each was stored silently (an attack, stop 53).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';
import { writeInt96, writeNanosTimestamp, writeWideDecimal } from './helpers/odd-parquet.ts';

let l: TestLake;
beforeAll(async () => {
  const schema = (ds: string, type: string) => `dataset: ${ds}\nsource: { format: parquet }\nrejects: { maxRatio: 1 }\ncolumns:\n  - { name: id, type: bigint }\n  - { name: s, type: string, from: v }\n  - { name: x, type: ${type}, from: v }\n`;
  l = await makeLake({ dec: schema('dec', '"decimal(38,2)"'), ts: schema('ts', 'timestamp') });
});
afterAll(() => l?.cleanup());

describe('Parquet types DuckDB reads with loss', () => {
  it('a DECIMAL(40,2): the file is refused naming the field and the way back; nothing reaches silver', async () => {
    const f = await l.file('d40.parquet', '');
    await writeWideDecimal(f, 40, 2, 17, [12n, 1234567890123456789012n]);
    const r = (await l.ingest('dec', f)).record;
    expect(r).toMatchObject({ status: 'REJECTED', rowsValid: 0 });
    expect(r.error?.message).toContain(`${r.source.key}: field "v" is a Parquet DECIMAL(40,2), past the 38 digits DuckDB reads exactly (it reads it as a double): none of its values can be read exactly. Write it as a DECIMAL of at most 38 digits, or as text`);
    expect(await l.query('SELECT count(*) AS n FROM silver.dec').catch(() => [{ n: 0 }])).toEqual([{ n: 0 }]);
    // The quarantined records do not show DuckDB's misreading as the value.
    expect(await l.query(`SELECT raw FROM quarantine.dec ORDER BY record`)).toEqual([{ raw: '{"id":1,"v":"not read: a DECIMAL(40,2)"}' }, { raw: '{"id":2,"v":"not read: a DECIMAL(40,2)"}' }]);
  });

  it('a DECIMAL(38,2) of 16 bytes is read exactly, without a word', async () => {
    const f = await l.file('d38.parquet', '');
    await writeWideDecimal(f, 38, 2, 16, [12n, 1234567890123456789012n]);
    const r = (await l.ingest('dec', f)).record;
    expect(r).toMatchObject({ status: 'SUCCEEDED', rowsValid: 2, warnings: [] });
    expect(await l.query('SELECT s, CAST(x AS VARCHAR) AS x FROM silver.dec ORDER BY x')).toEqual([{ s: '0.12', x: '0.12' }, { s: '12345678901234567890.12', x: '12345678901234567890.12' }]);
  });

  it('TIMESTAMP(NANOS) adjusted to UTC and INT96: read to the microsecond, with a warning naming the field and the way to have the rest read', async () => {
    const ns = await l.file('nsutc.parquet', '');
    await writeNanosTimestamp(ns, true, [1577872800000000000n]);
    const a = (await l.ingest('ts', ns)).record;
    expect(a).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1 });
    expect(a.warnings).toContain(`${a.source.key}: field "v" is a TIMESTAMP(NANOS) adjusted to UTC, which DuckDB reads to the microsecond: digits past it are not seen, and a value with them is read without them. `
      + 'To have them read (and a timestamp column\'s millisecond rule applied to them), write it as TIMESTAMP(NANOS) not adjusted to UTC, or TIMESTAMP(MICROS) (pyarrow: coerce_timestamps="us")');
    const i96 = await l.file('i96.parquet', '');
    await writeInt96(i96, [[2458850, 36_000_000_000_000n]]);
    const b = (await l.ingest('ts', i96)).record;
    expect(b).toMatchObject({ status: 'SUCCEEDED', rowsValid: 1 });
    expect(b.warnings.join('\n')).toContain('field "v" is an INT96 timestamp, which DuckDB reads to the microsecond');
    expect(await l.query('SELECT CAST(x AS VARCHAR) AS x FROM silver.ts ORDER BY 1')).toEqual([{ x: '2020-01-01 10:00:00' }, { x: '2020-01-01 10:00:00' }]);
    // Not adjusted to UTC: DuckDB reads the nanoseconds (TIMESTAMP_NS), and strata checks them; no warning.
    const local = await l.file('nsloc.parquet', '');
    await writeNanosTimestamp(local, false, [1577872800000000000n]);
    expect((await l.ingest('ts', local)).record).toMatchObject({ status: 'SUCCEEDED', warnings: [] });
  });
});
