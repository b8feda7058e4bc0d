// A record with invalid UTF-8 is quarantined with its text as written: its bytes decoded with U+FFFD for each invalid
// sequence (the WHATWG decoder, the oracle here, run on the bytes the generator wrote), every delimiter kept. Found
// by a newcomer's trial (stop 44): `22,Caf\xe9,NEW` was quarantined with raw `22,Caf??NEW` (DuckDB's rejects table
// replaced bytes with '?' and took the comma after \xe9 with them), so the record could not be rebuilt from quarantine.
// Through the real state machine on a real lake; each case is one CSV (or JSON lines) file with several records.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({
    c: 'dataset: c\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: a, type: string }\n  - { name: b, type: string }\nrejects: { maxRatio: 1 }\n',
    j: 'dataset: j\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: a, type: string }\nrejects: { maxRatio: 1 }\n',
  });
});
afterAll(async () => { await lake?.cleanup(); });

/** A field's bytes: ASCII letters and blanks, UTF-8 text, and bytes that are not UTF-8 (lone continuation bytes, cut sequences, 0xFE/0xFF). */
const bytes = fc.array(fc.oneof(
  fc.constantFrom(...[...'abc xyz'].map((c) => [c.charCodeAt(0)])),
  fc.constant([0xc3, 0xa9]), // é
  fc.constantFrom([0xe9], [0xe9, 0xa9], [0x80], [0xbf], [0xc3], [0xf0, 0x9f], [0xfe], [0xff], [0xed, 0xa0, 0x80]),
), { minLength: 1, maxLength: 6 }).map((parts) => Buffer.from(parts.flat()));
const invalid = (b: Buffer) => { try { new TextDecoder('utf-8', { fatal: true }).decode(b); return false; } catch { return true; } };

let n = 0;
async function quarantined(dataset: string, file: Buffer, ext: string): Promise<{ rowsIn: number; rowsValid: number; rows: Array<{ record: number; raw: string; message: string }> }> {
  const { record } = await lake.ingest(dataset, await lake.file(`f${n++}.${ext}`, file as unknown as string));
  const rows = await lake.query<{ record: number; raw: string; message: string }>(
    `SELECT record, raw, reasons[1].message AS message FROM quarantine.${dataset} WHERE run_id = '${record.runId}' ORDER BY record`);
  expect(record.rowsIn).toBe(record.rowsValid + record.rowsQuarantined);
  return { rowsIn: record.rowsIn, rowsValid: record.rowsValid, rows };
}

describe('quarantine: a record with invalid UTF-8 keeps its text as written', () => {
  it('property: CSV records: raw is the record\'s bytes as the WHATWG decoder reads them, each comma in place; valid records reach silver', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(bytes, bytes), { minLength: 1, maxLength: 5 }), async (records) => {
      const lines = records.map(([a, b], i) => Buffer.concat([Buffer.from(`${i + 1},`), a, Buffer.from(','), b]));
      const file = Buffer.concat([Buffer.from('id,a,b\n'), ...lines.flatMap((l) => [l, Buffer.from('\n')])]);
      const got = await quarantined('c', file, 'csv');
      const bad = records.map(([a, b], i) => ({ i, bad: invalid(a) || invalid(b) })).filter((r) => r.bad);
      expect(got.rowsIn).toBe(records.length);
      expect(got.rows.map((r) => r.record)).toEqual(bad.map((r) => r.i + 1));
      for (const r of got.rows) {
        expect(r.message).toContain('invalid UTF-8');
        expect(r.raw).toBe(new TextDecoder().decode(lines[r.record - 1]));
      }
    }), { seed: 20261205, numRuns: 15 });
  });

  it('a long record is cut at 10,000 characters as DuckDB cuts the others, 2,500 bad records pass in batches, and a BOM is not part of the first record (attack, stop 44: 570 MB of bad records failed the file, Invalid string length)', async () => {
    const long = Buffer.concat([Buffer.from('1,'), Buffer.from('x'.repeat(30_000)), Buffer.from([0xe9]), Buffer.from(',b')]);
    const many = Array.from({ length: 2500 }, (_, i) => Buffer.concat([Buffer.from(`${i + 2},a`), Buffer.from([0xff]), Buffer.from(',b')]));
    const file = Buffer.concat([Buffer.from('id,a,b\n'), ...[long, ...many].flatMap((l) => [l, Buffer.from('\n')]), Buffer.from('9999,ok,ok\n')]);
    const got = await quarantined('c', file, 'csv');
    expect(got.rowsIn).toBe(2502);
    expect(got.rowsValid).toBe(1);
    expect(got.rows).toHaveLength(2501);
    expect(got.rows[0]!.raw).toBe(`1,${'x'.repeat(9998)}`);
    expect(got.rows.slice(1).map((r) => r.raw)).toEqual(many.map((m) => new TextDecoder().decode(m)));
    // A file with a byte-order mark and no header line: its first record's text starts after the mark.
    const json = await quarantined('j', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id": 1, "a": "Caf\xe9"}\n', 'latin1')]), 'jsonl');
    expect(json.rows.map((r) => r.raw)).toEqual(['{"id": 1, "a": "Caf\ufffd"}']);
  });

  it('the record of the trial, and JSON lines', async () => {
    const csv = await quarantined('c', Buffer.from('id,a,b\n22,Caf\xe9,NEW\n23,ok,X\n', 'latin1'), 'csv');
    expect(csv.rows).toEqual([{ record: 1, raw: '22,Caf\ufffd,NEW', message: 'invalid UTF-8 (the record is shown with replacement characters)' }]);
    const json = await quarantined('j', Buffer.from('{"id": 1, "a": "Caf\xe9", "b": 1}\n{"id": 2, "a": "ok"}\n', 'latin1'), 'jsonl');
    expect(json.rows.map((r) => r.raw)).toEqual(['{"id": 1, "a": "Caf\ufffd", "b": 1}']);
  });
});

describe('quarantine: a malformed record keeps its text as written', () => {
  it('property: records of well-formed and malformed fields, on one line or several: each malformed one is quarantined with its own text (attack, stop 46: a multi-line record with a stray quote had the record before it as its raw)', async () => {
    // Fields as written, and whether they make the record malformed (a stray quote after a closing one).
    const field = fc.constantFrom<[string, boolean]>(['x', false], ['"a,b"', false], ['"p\nq"', false], ['"a"b', true], ['"p\nq"x', true], ['"s\nt"""', false]);
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(field, field), { minLength: 1, maxLength: 5 }), async (records) => {
      const lines = records.map(([[a], [b]], i) => `${i + 1},${a},${b}`);
      const got = await quarantined('c', Buffer.from(`id,a,b\n${lines.join('\n')}\n`), 'csv');
      const bad = records.map(([[, a], [, b]], i) => ({ i, bad: a || b })).filter((r) => r.bad);
      expect(got.rowsIn).toBe(records.length);
      expect(got.rows.map((r) => r.record)).toEqual(bad.map((r) => r.i + 1));
      for (const r of got.rows) expect(r.raw).toBe(lines[r.record - 1]);
    }), { seed: 20261206, numRuns: 25 });
  });
});
