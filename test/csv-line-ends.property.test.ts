// CSV files whose records end with CRLF or LF at random (one file may mix both), with quoted fields holding \r\n,
// \n, \r, quotes and delimiters, searched for counterexamples: every record is counted once (rows in = silver +
// quarantined = the records written), and every value that reaches silver is byte-exact, a quoted CRLF included.
// The expectation is the list of fields the generator wrote, never a parse by production code. Unit level
// (validateFile on a real DuckDB, Parquet read back), so the whole property costs a few seconds.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../core/plan/compile.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { Duck, pathLit } from '../runtime/engine/duckdb.ts';
import { validateFile } from '../runtime/ingest/validate-file.ts';
import { csvField, field } from './helpers/csv-records.ts';

let dir: string;
let db: Duck; // one session for every case: validateFile replaces its temporary tables
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-line-ends-')); db = await Duck.open(); });
afterAll(async () => { db.close(); await rm(dir, { recursive: true, force: true }); });

const plan = compile(loadSchemaText('t.yaml', [
  'dataset: t', 'source:', '  format: csv', 'columns:',
  '  - { name: id, type: int, required: true }', '  - { name: a, type: string }', '  - { name: b, type: string }', '',
].join('\n')).spec!);

const end = fc.constantFrom('\n', '\r\n');
const file = fc.record({
  header: end,
  records: fc.array(fc.record({ a: field, b: field, end }), { minLength: 1, maxLength: 6 }),
  lastEnds: fc.boolean(),
});


let n = 0;
async function ingest(csv: string) {
  const path = join(dir, `in-${n}.csv`);
  const outDir = join(dir, `out-${n++}`);
  await writeFile(path, csv);
  const r = await validateFile({ db, plan, path, key: 'bronze/t/in.csv', runId: 'r1', now: '2025-06-13T00:00:00Z', outDir });
  const rows = r.files.length
    ? await db.all<{ id: number; a: string | null; b: string | null }>(`SELECT id, a, b FROM read_parquet([${r.files.map((f) => pathLit(join(outDir, f.file))).join(', ')}]) ORDER BY id`)
    : [];
  return { r, rows };
}

describe('CSV line ends', () => {
  it('a CRLF inside quotes stays CRLF, and an LF record after a CRLF header is not merged with the next one', async () => {
    // Before: "p\r\nq" came out "p\nq" (every CRLF was rewritten); the second file was read as 1 record (DuckDB, on
    // CRLF records, took "\nx"\n2 for one field and rejected the merged record).
    const one = await ingest('id,a,b\r\n1,"p\r\nq",x\n2,y,z\r\n');
    expect(one.rows).toEqual([{ id: 1, a: 'p\r\nq', b: 'x' }, { id: 2, a: 'y', b: 'z' }]);
    const two = await ingest('id,a,b\r\n1,x,"\nx"\n2,x,x');
    expect(two.r).toMatchObject({ rowsIn: 2, rowsValid: 2, rowsQuarantined: 0 });
    expect(two.rows).toEqual([{ id: 1, a: 'x', b: '\nx' }, { id: 2, a: 'x', b: 'x' }]);
  });

  it('mixed CRLF and LF records with quoted \\r\\n, \\n, \\r, quotes and commas: each record counted once, each value byte-exact', async () => {
    await fc.assert(fc.asyncProperty(file, async (f) => {
      const last = f.records.length - 1;
      const csv = `id,a,b${f.header}${f.records.map((r, i) => `${i + 1},${csvField(r.a)},${csvField(r.b)}${i < last || f.lastEnds ? r.end : ''}`).join('')}`;
      const { r, rows } = await ingest(csv);
      expect(r.rowsIn).toBe(f.records.length);
      expect(r.rowsValid + r.rowsQuarantined).toBe(f.records.length);
      expect(rows.length).toBe(r.rowsValid);
      // Every record is valid RFC 4180: each must reach silver, holding exactly the bytes written between the quotes.
      expect(rows).toEqual(f.records.map((x, i) => ({ id: i + 1, a: x.a.v, b: x.b.v })));
    }), { seed: 20261201, numRuns: 40 });
  });
});
