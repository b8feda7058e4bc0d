// A JSON array is one document: one bad byte refuses the whole file. Its author needs the place to fix it, and
// DuckDB's error named an element by a count that was not the element's ("record/value 1008" for the 1,007th) and a
// byte within it (an attack, stop 44). Searched for counterexamples: wherever a bad UTF-8 sequence sits in an array,
// however it is indented or compressed, the run names its line and column (code points, 1-based), and nothing of
// the file reaches silver.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';
import { JSON_LOCATE_MAX_BYTES } from '../runtime/ingest/json-locate.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({ arr: 'dataset: arr\nsource: { format: json }\ncolumns:\n  - { name: id, type: int }\n  - { name: a, type: string }\nrejects: { maxRatio: 1 }\n' });
});
afterAll(async () => { await lake?.cleanup(); });

/** Line and column (code points) of byte `at` of `bytes`, 1-based, as an editor shows them. */
function placeOf(bytes: Buffer, at: number): string {
  const before = bytes.subarray(0, at).toString('utf8');
  const lines = before.split('\n');
  return `${lines.length}:${[...lines.at(-1)!].length + 1}`;
}

// Invalid by RFC 3629: a byte no sequence starts with, an overlong form, a surrogate, a lead byte cut short.
const invalid = fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]);
let n = 0;

describe('a JSON array that is not valid JSON', () => {
  it('property: a bad UTF-8 sequence inside a value is named by its line and column, and the file is refused whole', async () => {
    const rows = fc.array(fc.record({ id: fc.integer(), a: fc.string({ unit: 'grapheme', maxLength: 12 }) }), { minLength: 1, maxLength: 30 });
    await fc.assert(fc.asyncProperty(rows, fc.nat(), invalid, fc.constantFrom(0, 1, 2), fc.boolean(), async (records, pick, seq, indent, gz) => {
      // The bad bytes replace the first character of a value of `a` (an empty value gets them as its only content).
      const marked = records.map((r, i) => (i === pick % records.length ? { ...r, a: `\u0000${r.a}` } : r));
      const text = Buffer.from(JSON.stringify(marked, null, indent));
      const at = text.indexOf('\\u0000');
      const bytes = Buffer.concat([text.subarray(0, at), Buffer.from(seq), text.subarray(at + 6)]);
      const { record } = await lake.ingest('arr', await lake.file(`f${n++}.json${gz ? '.gz' : ''}`, (gz ? gzipSync(bytes) : bytes) as unknown as string));
      expect(record).toMatchObject({ status: 'FAILED', rowsIn: 0, error: { name: 'Strata.UnreadableFile' } });
      expect(record.error!.message).toMatch(new RegExp(`^bronze/arr/_objects/[0-9a-f]{32}/f\\d+\\.json(\\.gz)?:${placeOf(bytes, at)}: not valid JSON: invalid UTF-8 \\(byte 0x${seq[0]!.toString(16).toUpperCase()}\\)\\. `
        + `A JSON array is one document, so none of the file was read: fix it there and upload the file again, or send it as JSON lines`));
    }), { seed: Number(process.env.SEED ?? 20261206), numRuns: Number(process.env.RUNS ?? 25) });
  });

  it('property: a comma before "]" or "}", NaN or Infinity, and an unpaired surrogate escape are named by their line and column; DuckDB took the first two (stop 50)', async () => {
    const rows = fc.array(fc.record({ id: fc.integer(), a: fc.string({ unit: 'grapheme', maxLength: 8 }) }), { minLength: 1, maxLength: 20 });
    const defect = fc.constantFrom('array comma', 'object comma', '\\ud800', '\\udfff', '\\udbff\\u0041', '\\ud800\\ud800', 'NaN', '-Infinity');
    await fc.assert(fc.asyncProperty(rows, fc.nat(), defect, fc.constantFrom(0, 1, 2), async (records, pick, kind, indent) => {
      const i = pick % records.length;
      const marked = records.map((r, k) => (k === i ? { ...r, a: `\u0000${r.a}` } : r));
      let text = JSON.stringify(marked, null, indent);
      const mark = text.indexOf('\\u0000');
      let at: number;
      if (kind === 'array comma') {
        at = text.lastIndexOf(']');
        const last = text.lastIndexOf('}');
        text = `${text.slice(0, last + 1)},${text.slice(last + 1)}`;
        at += 1;
      } else if (kind === 'object comma') {
        // `a` is the object's last key: the object closes at the first "}" after its value's closing quote.
        const close = text.indexOf('}', text.indexOf('"', mark + 6) + 1);
        const end = text.lastIndexOf('"', close);
        text = `${text.slice(0, end + 1)},${text.slice(end + 1)}`;
        at = close + 1;
      } else if (kind === 'NaN' || kind === '-Infinity') {
        // the picked record's id: "id" comes first in its object, before the marked value
        const idAt = text.lastIndexOf('"id":', mark);
        const value = text.indexOf(String(marked[i]!.id), idAt);
        text = `${text.slice(0, value)}${kind}${text.slice(value + String(marked[i]!.id).length)}`;
        at = value;
      } else {
        text = `${text.slice(0, mark)}${kind}${text.slice(mark + 6)}`;
        // the unpaired half: the second escape of a high one followed by another high one is the first's partner-less self
        at = mark;
      }
      const bytes = Buffer.from(text);
      const byteAt = Buffer.byteLength(text.slice(0, at));
      const { record } = await lake.ingest('arr', await lake.file(`s${n++}.json`, bytes as unknown as string));
      expect(record).toMatchObject({ status: 'FAILED', rowsIn: 0, error: { name: 'Strata.UnreadableFile' } });
      const what = kind.endsWith('comma') ? `a comma before "${text[at]}"` : kind.includes('N') || kind.includes('I') ? `${kind} is no JSON number` : 'the escape \\\\u[0-9a-f]{4} is half of a UTF-16 surrogate pair';
      expect(record.error!.message).toMatch(new RegExp(`^bronze/arr/_objects/[0-9a-f]{32}/s\\d+\\.json:${placeOf(bytes, byteAt)}: not valid JSON: ${what}`));
    }), { seed: Number(process.env.SEED ?? 20261207), numRuns: Number(process.env.RUNS ?? 25) });
  });

  it('an array over 16 MiB (not parsed in JavaScript): an element holding NaN, Infinity or a comma before } is quarantined alone, never committed (an attack, stop 50)', async () => {
    const pad = 'x'.repeat(100);
    const lines = Array.from({ length: 180_000 }, (_, i) => `{"id": ${i}, "a": "${pad}"}`);
    lines[10] = '{"id": NaN, "a": "nan"}';
    lines[20] = '{"id": -Infinity, "a": "inf"}';
    lines[30] = '{"id": 30, "a": "comma",}';
    const text = `[\n${lines.join(',\n')}\n]\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(JSON_LOCATE_MAX_BYTES);
    const { record } = await lake.ingest('arr', await lake.file('big.json', text));
    expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 180_000, rowsValid: 179_997, rowsQuarantined: 3 });
    const q = await lake.query<{ record: number; message: string }>(`SELECT record::INT AS record, reasons[1].message AS message FROM quarantine.arr WHERE source LIKE '%/big.json' ORDER BY record`);
    expect(q).toEqual([
      { record: 11, message: 'invalid JSON: NaN and Infinity are no JSON numbers' },
      { record: 21, message: 'invalid JSON: NaN and Infinity are no JSON numbers' },
      { record: 31, message: 'invalid JSON: a comma before } or ]' },
    ]);
  });

  it('a syntax error late in a large array is named by its line and column, not by DuckDB\'s element count', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `  {"id": ${i}, "a": "row ${i}"}`);
    lines[2500] = '  {"id" 2500, "a": "row 2500"}'; // line 2502, the 2 of 2500 at column 9
    const { record } = await lake.ingest('arr', await lake.file('late.json', `[\n${lines.join(',\n')}\n]\n`));
    expect(record).toMatchObject({ status: 'FAILED', rowsIn: 0 });
    expect(record.error!.message).toMatch(/^bronze\/arr\/_objects\/[0-9a-f]{32}\/late\.json:2502:9: not valid JSON: Expected ':' after property name\. /);
    expect(record.error!.message).not.toContain('record/value');
  });
});
