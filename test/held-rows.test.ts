// Quarantined rows are traceable whatever put them there: a quality halt's held rows keep their record number, line,
// the source record as raw and, per row, the row-level halt rules they fail; a repeated key's row shows the source
// record (the file's fields under the file's names), not strata's internal row id and silver names. Expected values
// are written out by hand from the files below.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../core/plan/compile.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { Duck, pathLit, withDuck } from '../runtime/engine/duckdb.ts';
import { validateFile } from '../runtime/ingest/validate-file.ts';
import { csvField, field } from './helpers/csv-records.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-held-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

type Reason = { column: string | null; rule: string; value: string | null; message: string };

/** The source record as the quarantine's raw shows it: the file's fields, by the header's names, as text. */
const fields = (id: string, name: string, status: string, amount: string, on: string, at: string) =>
  ({ order_id: id, 'Customer Name': name, status, amount, ordered_on: on, created_at: at });

describe('traceable quarantine rows', () => {
  it('a repeated key (append) and a superseded row (upsert) show the source record as raw', async () => {
    const csv = `${ORDERS_HEADER}\n1,Ann,NEW,1.00,Jun 12 2025,2025-06-12T10:00:00Z\n1,"Bo, ""B""",NEW,2.00,Jun 12 2025,2025-06-12T11:00:00Z\n`;
    const path = join(dir, 'dups.csv');
    await writeFile(path, csv);
    for (const mode of ['append', 'upsert'] as const) {
      const plan = compile(loadSchemaText('orders.yaml', ordersSchema({ mode })).spec!);
      const outDir = join(dir, mode);
      const rows = await withDuck(async (db) => {
        const r = await validateFile({ db, plan, path, key: 'bronze/orders/dups.csv', runId: 'r1', now: '2025-06-13T00:00:00Z', outDir });
        const file = mode === 'append' ? r.quarantineFile! : r.supersededFile!;
        return db.all<{ record: number; line: number; raw: string }>(`SELECT record, line, raw FROM read_parquet(${pathLit(join(outDir, file))})`);
      });
      // append quarantines the repeat (record 2); upsert supersedes the first row (record 1) by the second.
      const [record, expected] = mode === 'append'
        ? [2, fields('1', 'Bo, "B"', 'NEW', '2.00', 'Jun 12 2025', '2025-06-12T11:00:00Z')]
        : [1, fields('1', 'Ann', 'NEW', '1.00', 'Jun 12 2025', '2025-06-12T10:00:00Z')];
      expect(rows.map((q) => ({ record: q.record, line: q.line, raw: JSON.parse(q.raw) }))).toEqual([{ record, line: record + 1, raw: expected }]);
    }
  });

  it('property: a repeated key\'s raw holds exactly the fields written, quotes, commas, CR and LF included', async () => {
    const plan = compile(loadSchemaText('t.yaml', [
      'dataset: t', 'source: { format: csv }', 'mode: append', 'primaryKey: [id]', 'columns:',
      '  - { name: id, type: int, required: true }', '  - { name: a, type: string }', '  - { name: b, type: string }', '',
    ].join('\n')).spec!);
    let n = 0;
    const db = await Duck.open(); // one session for every case: validateFile replaces its temporary tables
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ id: fc.integer({ min: 1, max: 3 }), a: field, b: field }), { minLength: 1, maxLength: 6 }), async (records) => {
      const path = join(dir, `p${n}.csv`);
      const outDir = join(dir, `p${n++}`);
      await writeFile(path, `id,a,b\n${records.map((r) => `${r.id},${csvField(r.a)},${csvField(r.b)}\n`).join('')}`);
      // Append keeps a key's first record: every later one is quarantined with its fields as written.
      const expected = records.flatMap((r, i) => (records.findIndex((x) => x.id === r.id) < i ? [{ record: i + 1, raw: { id: String(r.id), a: r.a.v, b: r.b.v } }] : []));
      const r = await validateFile({ db, plan, path, key: 'bronze/t/p.csv', runId: 'r1', now: '2025-06-13T00:00:00Z', outDir });
      const got = r.quarantineFile ? await db.all<{ record: number; raw: string }>(`SELECT record, raw FROM read_parquet(${pathLit(join(outDir, r.quarantineFile))}) ORDER BY record`) : [];
      expect(got.map((q) => ({ record: q.record, raw: JSON.parse(q.raw) }))).toEqual(expected);
    }), { seed: 20261201, numRuns: 15 });
    db.close();
  });

  it('property: a rejected file\'s rows, valid ones included, keep their record, line and fields as written', async () => {
    const lake = await makeLake({ t: 'dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int }\n  - { name: a, type: string }\nrejects: { maxRatio: 0 }\n' });
    try {
      let n = 0;
      // Records of an int and a text; one id is not an int ("x"), so the file is rejected (maxRatio 0) and goes whole.
      await fc.assert(fc.asyncProperty(fc.array(fc.record({ id: fc.constantFrom('1', '22', 'x'), a: field }), { minLength: 1, maxLength: 5 }), async (records) => {
        fc.pre(records.some((r) => r.id === 'x'));
        let line = 2;
        const expected = records.map((r, i) => {
          const at = line;
          line += (r.a.v.match(/\r\n|\r|\n/g) ?? []).length + 1; // a quoted field's line ends are lines of the file
          return { record: i + 1, line: at, raw: { id: r.id, a: r.a.v } };
        });
        const { record } = await lake.ingest('t', await lake.file(`r${n++}.csv`, `id,a\n${records.map((r) => `${r.id},${csvField(r.a)}\n`).join('')}`));
        expect(record).toMatchObject({ status: 'REJECTED', rowsIn: records.length, rowsQuarantined: records.length });
        const got = await lake.query<{ record: number; line: number; raw: string }>(`SELECT record, line, raw FROM quarantine.t WHERE run_id = '${record.runId}' ORDER BY record`);
        expect(got.map((q) => ({ ...q, raw: JSON.parse(q.raw) }))).toEqual(expected);
      }), { seed: 20261201, numRuns: 5 });
    } finally {
      await lake.cleanup();
    }
  });

  describe('a quality halt', () => {
    let lake: TestLake;
    beforeAll(async () => {
      lake = await makeLake({
        orders: ordersSchema({ extra: 'quality:\n  silver:\n    halt:\n      - ColumnValues "amount" <= 100\n      - CustomSql "SELECT order_id FROM primary WHERE amount < 180"\n      - RowCount > 0\n' }),
      });
    });
    afterAll(() => lake?.cleanup());

    it('keeps each held row\'s record, line, raw and the row-level halt rules it fails', async () => {
      // Record 2 spans lines 3 and 4; record 3 fails validation (min 0) and is quarantined as usual.
      const csv = `${ORDERS_HEADER}\n1,Ann,NEW,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,"Bob\nB",CANCELLED,150.00,Jun 12 2025,2025-06-12T11:00:00Z\n`
        + `3,Cy,NEW,-5,Jun 12 2025,2025-06-12T12:00:00Z\n4,Di,NEW,200.00,Jun 13 2025,2025-06-13T10:00:00Z\n`;
      const { record: run } = await lake.ingest('orders', await lake.file('halted.csv', csv));
      expect(run, JSON.stringify((run as { error?: unknown }).error)).toMatchObject({ status: 'HALTED', rowsIn: 4, rowsValid: 0, rowsQuarantined: 4 });
      const q = await lake.query<{ record: number; line: number; raw: string; reasons: Reason[] }>(
        `SELECT record, line, raw, reasons FROM quarantine.orders WHERE run_id = '${run.runId}' ORDER BY record`);
      const values = 'ColumnValues "amount" <= 100';
      const custom = 'CustomSql "SELECT order_id FROM primary WHERE amount < 180"';
      expect(q.map((r) => ({ record: r.record, line: r.line, raw: JSON.parse(r.raw), reasons: r.reasons.map((x) => [x.rule, x.column, x.value]) }))).toEqual([
        { record: 1, line: 2, raw: fields('1', 'Ann', 'NEW', '10.00', 'Jun 12 2025', '2025-06-12T10:00:00Z'), reasons: [['quality', null, null]] },
        { record: 2, line: 3, raw: fields('2', 'Bob\nB', 'CANCELLED', '150.00', 'Jun 12 2025', '2025-06-12T11:00:00Z'), reasons: [['quality', null, null], [values, 'amount', '150.00']] },
        { record: 3, line: 5, raw: fields('3', 'Cy', 'NEW', '-5', 'Jun 12 2025', '2025-06-12T12:00:00Z'), reasons: [['min', 'amount', '-5']] },
        { record: 4, line: 6, raw: fields('4', 'Di', 'NEW', '200.00', 'Jun 13 2025', '2025-06-13T10:00:00Z'), reasons: [['quality', null, null], [values, 'amount', '200.00'], [custom, 'order_id', null]] },
      ]);
      expect(q[3]!.reasons[2]!.message).toBe(`the row fails the halt rule ${custom}`);
    });
  });
});
