// JSON lines end with LF (a CR before it is JSON whitespace: jsonlines.org), so a CR not followed by an LF is part of
// its line: whitespace between a record's tokens, or, raw inside a string, a character JSON requires escaped. DuckDB
// reads no lone CR as data beside LFs: such a file failed whole, its valid records with it (noticed in stop 50).
// Searched for counterexamples: every line of a JSON-lines file with CRs anywhere is one record, valid ones in silver
// with their values exactly, the others quarantined alone with their line and their text as written.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({ ev: 'dataset: ev\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: string }\nrejects: { maxRatio: 1 }\n' });
});
afterAll(async () => { await lake?.cleanup(); });

/** A record as written (given its id), whether it is JSON, and the v it denotes when it is. */
type Shape = (id: number) => { text: string; valid: boolean; v: string | null };
const shapes: Shape[] = [
  (id) => ({ text: `{"id":${id},"v":"a"}`, valid: true, v: 'a' }),
  (id) => ({ text: `{"id":${id},"v":"a\\rb"}`, valid: true, v: 'a\rb' }), // an escaped CR
  (id) => ({ text: `{"id":${id},\r"v":"c"}`, valid: true, v: 'c' }), // a CR between tokens: whitespace
  (id) => ({ text: `\r{"id":${id},"v":"d"}\r`, valid: true, v: 'd' }), // before and after the object
  (id) => ({ text: `{"id":${id},"v":"p\rq"}`, valid: false, v: null }), // raw in a string: not JSON
  (id) => ({ text: `{"id":${id},"v":"p\r\nq"}`, valid: false, v: null }), // a CRLF in a string: two broken lines
];
let n = 0;

describe('JSON lines with CRs', () => {
  it('property: each line one record; valid ones exactly in silver, the others quarantined alone with line and text', async () => {
    const file = fc.record({
      lines: fc.array(fc.tuple(fc.oneof(fc.nat(shapes.length - 1), fc.constant(-1)), fc.constantFrom('\n', '\r\n')), { minLength: 1, maxLength: 6 }),
      lastEnd: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(file, async (f) => {
      const base = (n + 1) * 100; // silver holds every file's rows: each file's ids are its own
      let id = base;
      const parts: string[] = [];
      /** The records expected, by physical line (LF-ended). */
      const records: Array<{ line: number; raw: string; valid: boolean; id: number; v: string | null }> = [];
      let line = 1;
      f.lines.forEach(([s, end], i) => {
        const last = i === f.lines.length - 1 && !f.lastEnd;
        if (s < 0) { parts.push(last ? '' : end); line += last ? 0 : 1; return; } // a blank line
        const r = shapes[s]!(++id);
        const texts = r.text.split('\n'); // a CRLF inside a string splits the record into two lines, each no JSON
        texts.forEach((t, k) => records.push({ line: line + k, raw: t.replace(/\r$/, ''), valid: r.valid, id, v: r.v }));
        line += texts.length - 1 + (last ? 0 : 1);
        parts.push(`${r.text}${last ? '' : end}`);
      });
      const { record } = await lake.ingest('ev', await lake.file(`f${n++}.jsonl`, parts.join('')));
      expect(record.status === 'SUCCEEDED' ? record.status : `${record.status} ${record.error?.name}: ${record.error?.message}`).toBe('SUCCEEDED');
      expect(record.rowsIn).toBe(records.length);
      const valid = records.filter((r) => r.valid);
      expect(record.rowsValid).toBe(valid.length);
      expect(await lake.query(`SELECT id, v FROM silver.ev WHERE id > ${base} AND id < ${base + 100} ORDER BY id`)).toEqual(valid.map((r) => ({ id: r.id, v: r.v })));
      if (record.rowsQuarantined) {
        const q = await lake.query<{ line: number; raw: string }>(`SELECT line, raw FROM quarantine.ev WHERE run_id = '${record.runId}' ORDER BY record`);
        // A line's text as written: a CR before its LF is the line end's, as a CRLF's.
        expect(q).toEqual(records.filter((r) => !r.valid).map((r) => ({ line: r.line, raw: r.raw })));
      }
    }), { seed: Number(process.env.SEED ?? 20261207), numRuns: Number(process.env.RUNS ?? 40) });
  });

  it('a raw CR in a string past the first MB: that record quarantined, the others committed (it failed the file whole)', async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `{"id":${i + 1},"v":"val${i + 1}"}`);
    lines[50_000] = '{"id":50001,"v":"a\rb"}';
    const { record } = await lake.ingest('ev', await lake.file(`big${n++}.jsonl`, `${lines.join('\n')}\n`));
    expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 60_000, rowsValid: 59_999, rowsQuarantined: 1 });
    expect(record.warnings.join('\n')).toMatch(/\.jsonl:50001: a CR not followed by an LF was read as part of its line, as JSON lines end with LF alone: /);
    expect(await lake.query(`SELECT record, line, raw, reasons[1].message AS why FROM quarantine.ev WHERE run_id = '${record.runId}'`))
      .toEqual([{ record: 50_001, line: 50_001, raw: '{"id":50001,"v":"a\rb"}', why: 'invalid JSON' }]);
  });
});
