// Line ends, every kind in every place: a file's skipped lines, blank lines, header and records each end with an LF,
// a CRLF, a lone CR or a CR CR LF, and its values hold quoted CRs and LFs. DuckDB takes one kind of line end per file;
// met with another it read files as 0 records with no error, or two records as one, and the run was SUCCEEDED with
// rows missing and no word (attacks, stops 44 and 45). Searched for counterexamples: a run either reads every
// record, each value exactly as written, or fails whole with Strata.UnreadableFile; never a silent drop. Failing (or
// quarantining a record whose end DuckDB read as part of its last field) is allowed only beside a lone CR outside
// quotes past the skipped lines (which strata reads itself), where DuckDB cannot read the file as strata does.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';

let lake: TestLake;
const schema = (name: string, header: boolean, skip: number) => `dataset: ${name}\nsource: { format: csv, csv: { header: ${header}, skipRows: ${skip} } }\n`
  + `columns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: string }\nmode: upsert\nprimaryKey: [id]\nrejects: { maxRatio: 1 }\n`;
const names = [true, false].flatMap((h) => [0, 1, 2].map((k) => [`t_${h ? 'h' : 'n'}${k}`, h, k] as const));
const oneColumn = 'dataset: one\nsource: { format: csv }\ncolumns:\n  - { name: v, type: string }\nrejects: { maxRatio: 1 }\n';
const oneInt = 'dataset: one_int\nsource: { format: csv }\ncolumns:\n  - { name: v, type: int }\nrejects: { maxRatio: 1 }\n';
const oneNoNull = 'dataset: one_nn\nsource: { format: csv, nullValues: [] }\ncolumns:\n  - { name: v, type: string }\nrejects: { maxRatio: 1 }\n';
const three = 'dataset: three\nsource: { format: csv }\ncolumns:\n  - { name: a, type: string }\n  - { name: b, type: string }\n  - { name: c, type: string }\nrejects: { maxRatio: 1 }\n';
beforeAll(async () => {
  lake = await makeLake({ ...Object.fromEntries(names.map(([n, h, k]) => [n, schema(n, h, k)])), one: oneColumn, one_int: oneInt, one_nn: oneNoNull, three,
    divided: 'dataset: divided\nsource: { format: csv, csv: { delimiter: "÷" } }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: string }\nrejects: { maxRatio: 1 }\n' });
});
afterAll(async () => { await lake?.cleanup(); });

const end = fc.constantFrom('\n', '\r\n', '\r', '\r\r\n');
/** A value as written in the file, and what it denotes. */
const value = fc.constantFrom<[string, string]>(['a', 'a'], ['', ''], ['"q,x"', 'q,x'], ['"p\rq"', 'p\rq'], ['"p\nq"', 'p\nq'], ['"p\r\nq"', 'p\r\nq'], ['"a""b"', 'a"b']);
const junk = fc.constantFrom('x', '"', ',', '""x', 'report');
let n = 0;

describe('line ends', () => {
  it('property: every record read with its values as written, or the file refused whole; never a silent drop', async () => {
    const file = fc.record({
      bom: fc.boolean(),
      header: fc.boolean(),
      // (A skipped line's CR CR LF would be two lines: a line and a blank one.)
      skipped: fc.array(fc.tuple(junk, fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 2 }),
      blank: fc.option(end, { nil: undefined }),
      headerEnd: end,
      rows: fc.array(fc.tuple(value, end), { maxLength: 4 }),
      lastEnd: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(file, async (f) => {
      const dataset = `t_${f.header ? 'h' : 'n'}${f.skipped.length}`;
      const rows = f.rows.map(([[written, denoted], e], i) => ({ text: `${i + 1},${written}`, e, id: i + 1, v: denoted }));
      const parts = [
        f.bom ? '\uFEFF' : '',
        ...f.skipped.map(([j, e]) => `${j}${e}`),
        f.blank ?? '',
        ...(f.header ? [`id,v${f.headerEnd}`] : []),
        ...rows.map((r, i) => `${r.text}${i === rows.length - 1 && !f.lastEnd ? '' : r.e}`),
      ];
      const text = parts.join('');
      // A lone CR outside quotes after the skipped lines: DuckDB may refuse the file (loudly). Nothing else may fail.
      const ends = [f.blank, f.header ? f.headerEnd : undefined, ...rows.map((r, i) => (i === rows.length - 1 && !f.lastEnd ? undefined : r.e))];
      const loneCr = ends.some((e) => e === '\r' || e === '\r\r\n');
      const { record } = await lake.ingest(dataset, await lake.file(`f${n++}.csv`, text));
      if (record.status === 'FAILED' && loneCr) {
        expect(record.error?.name, record.error?.message).toBe('Strata.UnreadableFile');
        return;
      }
      expect(record.status === 'SUCCEEDED' ? record.status : `${record.status} ${record.error?.name}: ${record.error?.message}`).toBe('SUCCEEDED');
      expect(record.rowsIn).toBe(rows.length);
      // Beside a lone CR, DuckDB may read a record's end as part of its last field: quarantined, with the reason.
      if (loneCr && record.rowsQuarantined) return;
      expect(record.rowsValid).toBe(rows.length);
      if (rows.length) {
        const silver = await lake.query<{ id: number; v: string | null }>(`SELECT id, v FROM silver.${dataset} WHERE id <= ${rows.length} ORDER BY id`);
        expect(silver).toEqual(rows.map((r) => ({ id: r.id, v: r.v === '' ? null : r.v })));
      }
    // A new seed each run (SEED=… replays the one fast-check prints with a counterexample): 40 cases a run search further
    // over runs than the same 60 did every time, in two thirds of the time (npm test's 5 minutes).
    }), { ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}), numRuns: Number(process.env.RUNS ?? 40) });
  });

  it('a delimiter of two bytes (÷): a quoted field after it holds its line end, a stray quote is quarantined with its text (an attack, stop 46: refused whole, "read two ways")', async () => {
    const { record } = await lake.ingest('divided', await lake.file(`d${n++}.csv`, 'id÷v\n1÷"a\nb"\n2÷c\n3÷"x"y\n4÷"·"\n'));
    expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 4, rowsValid: 3, rowsQuarantined: 1 });
    expect(await lake.query('SELECT id, v FROM silver.divided ORDER BY id')).toEqual([{ id: 1, v: 'a\nb' }, { id: 2, v: 'c' }, { id: 4, v: '·' }]);
    expect(await lake.query(`SELECT record, line, raw FROM quarantine.divided WHERE run_id = '${record.runId}'`)).toEqual([{ record: 3, line: 5, raw: '3÷"x"y' }]);
  });

  it('a lone CR past the first MB: refused whole, naming its line', async () => {
    const lines = ['id,v', ...Array.from({ length: 200_000 }, (_, i) => `${i + 1},val${i + 1}`)];
    lines[150_000] = '150000,q\r150001,r'; // row 150,000 is line 150,001, which the CR ends
    const { record } = await lake.ingest('t_h0', await lake.file(`big${n++}.csv`, `${lines.join('\n')}\n`));
    expect(record).toMatchObject({ status: 'FAILED', rowsIn: 0, error: { name: 'Strata.UnreadableFile' } });
    expect(record.error?.message).toMatch(/^bronze\/t_h0\/_objects\/\w+\/big\d+\.csv:150001: DuckDB cannot read it: its lines end with LF and lone CR, and a CR alone ends line 150001 \(DuckDB takes one kind of line end per file\): nothing of it was committed\. /);
  });

  it('a second attack (stop 45): files read whole that the count refused, and phantom rows at DuckDB\'s 16 MiB split', async () => {
    // One field per record: DuckDB reads a blank line after the first record as an empty value (nullValues: NULL).
    const one = await lake.ingest('one', await lake.file(`o${n++}.csv`, 'v\na\nb\n\n'));
    expect(one.record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 3 });
    // CR CR LF: named by its line too (the copy with CRLFs made LFs has no lone CR left to name).
    const crcrlf = await lake.ingest('t_h0', await lake.file(`r${n++}.csv`, 'id,v\r\n1,a\r\r\n2,b\r\n'));
    expect(crcrlf.record.error?.message).toMatch(/\.csv:2: DuckDB cannot read it: its lines end with CRLF and lone CR, and a CR alone ends line 2 /);
    // A blank line before the header of such a file would make the header a value: refused.
    expect((await lake.ingest('one', await lake.file(`o${n++}.csv`, '\nv\na\nb\n'))).record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
    // One space before a quote: DuckDB opens a quoted field there, and so does strata's count.
    const spaced = await lake.ingest('t_h0', await lake.file(`s${n++}.csv`, 'id,v\n1, "a\nb"\n3,x\n'));
    expect(spaced.record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 2 });
    expect(await lake.query(`SELECT id, v FROM silver.t_h0 WHERE id IN (1, 3) ORDER BY id`)).toEqual([{ id: 1, v: 'a\nb' }, { id: 3, v: 'x' }]);
    // A quoted field holding a line end across DuckDB's 16 MiB split: its second line was read as a row of its own,
    // and the rest of the file inside a quote that never closed; SUCCEEDED (DuckDB's parallel reader).
    const rows: string[] = ['id,v'];
    let size = 5;
    for (let i = 0; size < (16 << 20) - 40; i++) { const r = `${i},x`; rows.push(r); size += r.length + 1; }
    const id = rows.length - 1;
    rows.push(`${id},${'y'.repeat((16 << 20) - 8 - size - String(id).length - 2)}`, `${id + 1},"a\n${id + 2},b\n"`);
    for (let i = 0; i < 5; i++) rows.push(`${id + 3 + i},z`);
    const big = await lake.ingest('t_h0', await lake.file(`p${n++}.csv`, `${rows.join('\n')}\n`));
    expect(big.record).toMatchObject({ status: 'SUCCEEDED', rowsIn: id + 7, rowsValid: id + 7 });
  });

  it('a third attack (stop 45): a phantom row from a malformed record past the first MB, blank lines of one-field files, a spaced header', async () => {
    // DuckDB's recovery from this malformed record made a row of it besides its reject, past the first MB, where the
    // count was a lower bound: a file with malformed records is counted whole, and refused.
    const rows = ['a,b', ...Array.from({ length: 100_000 }, (_, i) => `${i},v${i}`), '"x"y,""z,', '100000,v', '100001,v'];
    const phantom = await lake.ingest('three', await lake.file(`q${n++}.csv`, `${rows.join('\n')}\n`));
    expect(phantom.record).toMatchObject({ status: 'FAILED', rowsIn: 0, error: { name: 'Strata.UnreadableFile' } });
    expect(phantom.record.error?.message).toMatch(/: DuckDB read 100004 records where strata counts 100003: nothing of it was committed\. Its quotes or blank lines are read two ways/);
    // One field per record: a blank line is a record when nullValues holds '' (NULL), else no record; at any size.
    expect((await lake.ingest('one_nn', await lake.file(`o${n++}.csv`, 'v\nx\ny\n\n'))).record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 2 });
    const big = ['v', ...Array.from({ length: 150_000 }, (_, i) => `x${i}`), 'A', '', 'B', '', '', 'C'];
    expect((await lake.ingest('one', await lake.file(`o${n++}.csv`, `${big.join('\n')}\n`))).record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 150_006, rowsValid: 150_006 });
    expect((await lake.ingest('one_nn', await lake.file(`o${n++}.csv`, `${big.join('\n')}\n`))).record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 150_003, rowsValid: 150_003 });
    // Their records and lines in quarantine count the blank lines as records too.
    const numbered = await lake.ingest('one_int', await lake.file(`o${n++}.csv`, 'v\n\nX\nY\n'));
    expect(numbered.record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 1, rowsQuarantined: 2 });
    expect(await lake.query(`SELECT record, line FROM quarantine.one_int WHERE run_id = '${numbered.record.runId}' ORDER BY record`)).toEqual([{ record: 2, line: 3 }, { record: 3, line: 4 }]);
    // A header with one space before a quoted name: read as the data rows are, the name without its quotes.
    const header = await lake.ingest('three', await lake.file(`h${n++}.csv`, 'a, "b",c\n1,x,y\n'));
    expect(header.record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 1, rowsValid: 1, warnings: [] });
  });

  it('the cases an attack found (stop 45), each read whole or refused, never SUCCEEDED short', async () => {
    // [dataset, file, rows in silver (undefined: refused whole, Strata.UnreadableFile)]
    const cases: Array<[string, string, number | undefined]> = [
      ['t_h1', '[Report]\r\nid,v\n1,a\n2,b\n', 2], // a preamble that looks like JSON (it was 0 rows)
      ['t_h1', '{report}\r\nid,v\n1,a\n2,b\n', 2],
      ['t_h1', '[x]\rid,v\n1,a\n2,b\n', 2],
      ['t_n1', '[x]\n1,a\r\n2,b\r\n', 2], // it said the file looks like JSON
      ['t_n2', 'a\nb\n1,"p\rq"\n2,b\n', 2], // a quoted CR taken for the data's line end (it was 0 rows)
      ['t_n0', '1,"p\r\nq"\n2,b\n', 2], // a quoted CRLF in the first record of an LF file (it was quarantined)
      ['t_h2', 'a\nb\n\rid,v\n1,a\n2,b\n', undefined], // a blank line of a lone CR before the header (it was REJECTED: no field id)
      ['t_h2', 'a\nb\nid,v\r1,a\n2,b\n', undefined], // the header ends with a lone CR (it was 0 rows)
      ['t_h2', 'a\r\nb\r\nid,v\r\r\n1,a\r\n2,b\r\n', undefined], // CR CR LF (it was 0 rows)
      ['t_n2', 's\r\ns\r\n1,a\r\r\n2,bb\r\n', undefined],
    ];
    // A BOM before a blank line numbered every record after it one line too early; the raw text of a malformed
    // record in a CRLF file began with the LF before it.
    const bom = await lake.ingest('t_h0', await lake.file(`c${n++}.csv`, '\uFEFF\nid,v\n1,a\nx,b\n3,c,d\n'));
    expect(await lake.query(`SELECT record, line, raw FROM quarantine.t_h0 WHERE run_id = '${bom.record.runId}' ORDER BY record`))
      .toEqual([{ record: 2, line: 4, raw: '{"id":"x","v":"b"}' }, { record: 3, line: 5, raw: '3,c,d' }]);
    const crlf = await lake.ingest('t_h0', await lake.file(`c${n++}.csv`, 'id,v\r\n1,a\r\n\r\n2,b,c\r\n'));
    expect(await lake.query(`SELECT record, line, raw FROM quarantine.t_h0 WHERE run_id = '${crlf.record.runId}'`)).toEqual([{ record: 2, line: 4, raw: '2,b,c' }]);
    for (const [dataset, text, rows] of cases) {
      const { record } = await lake.ingest(dataset, await lake.file(`c${n++}.csv`, text));
      if (rows === undefined) {
        expect(record, JSON.stringify(text)).toMatchObject({ status: 'FAILED', error: { name: 'Strata.UnreadableFile' } });
        expect(record.error?.message).toMatch(/^bronze\/t_\w+\/_objects\/\w+\/c\d+\.csv:\d+: DuckDB (read \d+ records? where strata counts \d+ \(its lines end with [^)]*, a CR alone first at line \d+|cannot read it: its lines end with [^(]*, and a CR alone ends line \d+ )\(?[^)]*\)?: nothing of it was committed\. Save the file with one kind of line end \(LF or CRLF\) and upload it again$/);
      } else {
        expect(record, JSON.stringify(text)).toMatchObject({ status: 'SUCCEEDED', rowsIn: rows, rowsValid: rows });
      }
    }
  });
});
