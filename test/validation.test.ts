// The validation SQL (core/plan/validation.ts) on its own: typedSelect over a hand-made relation of source fields,
// evaluated on an in-memory DuckDB, and reasonsExpr for the rows that fail. Each row's typed values, its validity and
// each reason (column, rule, value, message) are written out by hand. Fast: no file, no lake; the whole ingest path
// is tested by bad-input, held-rows and exact-values.
import { describe, expect, it } from 'vitest';
import { planPartition } from '../core/plan/partitioning.ts';
import { BAD, columnSource, decimalOf, failures, OK, RAW, reasonsExpr, slot, sourceFields, sourceKindOf, typedSelect } from '../core/plan/validation.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import type { DatasetSpec } from '../core/schema/model.ts';
import { withBinder } from '../core/sql/binder.ts';

const SCHEMA = `dataset: v
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: status, type: string, allowed: [NEW, DONE], nullValues: ['-'] }
  - { name: amount, type: "decimal(5,1)", min: 0, max: 100 }
  - { name: code, type: string, pattern: "[A-Z]{3}", maxLength: 3 }
  - { name: price, type: double }
  - { name: again, type: bigint, from: id }
`;

function spec(text = SCHEMA): DatasetSpec {
  const r = loadSchemaText('schemas/v.yaml', text);
  if (!r.spec) throw new Error(JSON.stringify(r.diagnostics));
  return r.spec;
}

/** Source fields id, status, amount, code, price (text), one row per tuple; NULL for a missing field. */
const relation = (rows: Array<Array<string | null>>) =>
  `(SELECT * FROM (VALUES ${rows.map((r) => `(${r.map((v) => (v === null ? 'CAST(NULL AS VARCHAR)' : `'${v}'`)).join(', ')})`).join(', ')}) t(f_id, f_status, f_amount, f_code, f_price))`;

type Reason = { column: string; rule: string; value: string | null; message: string };

async function validate(rows: Array<Array<string | null>>, options: { decimalSeparator?: ','; recordError?: string; text?: string } = {}) {
  const s = spec(options.text);
  const typed = typedSelect({
    columns: s.columns, kind: 'text', relation: relation(rows), fieldRef: (f) => `f_${f}`, rawExpr: `concat_ws('|', f_id, f_status, f_amount, f_code, f_price)`,
    ...(options.recordError ? { recordError: options.recordError } : {}), ...(options.decimalSeparator ? { decimalSeparator: options.decimalSeparator } : {}),
  });
  return withBinder((db) => db.all<{ id: number | null; status: string | null; amount: number | null; code: string | null; price: number | null; again: number | null; ok: boolean; raw: string | null; reasons: Reason[] | null }>(
    `SELECT id, status, CAST(amount AS VARCHAR) AS amount, code, price, again, ${OK} AS ok, ${RAW} AS raw, CASE WHEN NOT ${OK} THEN ${reasonsExpr(s.columns, 'text')} END AS reasons FROM (${typed})`));
}

const good = { ok: true, raw: null, reasons: null };

describe('typedSelect and reasonsExpr', () => {
  it('a valid row: typed values, two columns from one field, nullValues read as NULL, no reasons', async () => {
    expect(await validate([['7', 'NEW', '5.0', 'ABC', '1.5'], ['8', '-', null, null, null], ['9', 'DONE', '0', 'XYZ', '0'], ['10', 'NEW', '100.0', 'ABC', null]])).toEqual([
      { id: 7, status: 'NEW', amount: '5.0', code: 'ABC', price: 1.5, again: 7, ...good },
      { id: 8, status: null, amount: null, code: null, price: null, again: 8, ...good },
      // min and max are inclusive
      { id: 9, status: 'DONE', amount: '0.0', code: 'XYZ', price: 0, again: 9, ...good },
      { id: 10, status: 'NEW', amount: '100.0', code: 'ABC', price: null, again: 10, ...good },
    ]);
  });

  it('every rule of a column, each a reason of its own, in column order; the raw record for failing rows only', async () => {
    const rows = await validate([
      [null, 'x', '-1', 'abcd', 'y'],
      ['1', 'DONE', '100.5', 'AB', '2'],
      ['z', 'NEW', 'abc', 'ABC', null],
    ]);
    expect(rows).toEqual([
      { id: null, status: 'x', amount: '-1.0', code: 'abcd', price: null, again: null, ok: false, raw: 'x|-1|abcd|y', reasons: [
        { column: 'id', rule: 'required', value: null, message: 'required value is missing' },
        { column: 'status', rule: 'allowed', value: 'x', message: '"x" is not one of NEW, DONE' },
        { column: 'amount', rule: 'min', value: '-1', message: '-1 is below min 0' },
        { column: 'code', rule: 'pattern', value: 'abcd', message: '"abcd" does not match pattern [A-Z]{3}' },
        { column: 'code', rule: 'maxLength', value: 'abcd', message: 'length 4 exceeds maxLength 3' },
        { column: 'price', rule: 'type', value: 'y', message: '"y" is not a double' },
        { column: 'again', rule: 'required', value: null, message: 'required value is missing' },
      ].filter((r) => r.column !== 'again') },
      { id: 1, status: 'DONE', amount: '100.5', code: 'AB', price: 2, again: 1, ok: false, raw: '1|DONE|100.5|AB|2', reasons: [
        { column: 'amount', rule: 'max', value: '100.5', message: '100.5 is above max 100' },
        { column: 'code', rule: 'pattern', value: 'AB', message: '"AB" does not match pattern [A-Z]{3}' },
      ] },
      { id: null, status: 'NEW', amount: null, code: 'ABC', price: null, again: null, ok: false, raw: 'z|NEW|abc|ABC', reasons: [
        { column: 'id', rule: 'type', value: 'z', message: '"z" is not an int' },
        { column: 'amount', rule: 'type', value: 'abc', message: '"abc" is not a decimal(5,1)' },
        { column: 'again', rule: 'type', value: 'z', message: '"z" is not a bigint' },
      ] },
    ]);
  });

  it('a record error is the only reason of its row', async () => {
    const recordError = `CASE WHEN f_id = 'bad' THEN {'rule': 'format', 'column': NULL, 'message': 'broken record'} END`;
    expect(await validate([['bad', 'x', null, null, null], ['1', 'NEW', null, null, null]], { recordError })).toEqual([
      { id: null, status: 'x', amount: null, code: null, price: null, again: null, ok: false, raw: 'bad|x', reasons: [{ column: null, rule: 'format', value: null, message: 'broken record' }] },
      { id: 1, status: 'NEW', amount: null, code: null, price: null, again: 1, ...good },
    ]);
  });

  it('decimal commas: "1,5" is 1.5 for number columns; a value holding a "." fails with its own text', async () => {
    const rows = await validate([['1', 'NEW', '2,5', 'ABC', '1,5'], ['2', 'NEW', null, 'ABC', '1.5']], { decimalSeparator: ',' });
    expect(rows.map((r) => [r.amount, r.price, r.ok, r.reasons])).toEqual([
      ['2.5', 1.5, true, null],
      // The message's hint ("out of range") is not the reason; the reason is the ".": an open problem, not pinned here.
      [null, null, false, [{ column: 'price', rule: 'type', value: '1.5', message: expect.stringMatching(/^"1\.5" is not a double/) }]],
    ]);
  });

  it('a column with format fails the format rule; with no rule to check, every row is valid', async () => {
    const text = `dataset: v
source: { format: csv }
columns:
  - { name: id, type: string }
  - { name: status, type: date, format: ["%d/%m/%Y"] }
`;
    const s = spec(text);
    expect(failures(s.columns[0]!, 'src', 'val', 'VARCHAR')).toEqual([]);
    expect(failures(s.columns[1]!, 'src', 'val', 'VARCHAR').map((f) => [f.column, f.rule, f.when, f.value])).toEqual([['status', 'format', '(src IS NOT NULL AND val IS NULL)', 'CAST(src AS VARCHAR)']]);
    const typed = typedSelect({ columns: [s.columns[0]!], kind: 'text', relation: `(SELECT '1' AS f_id)`, fieldRef: (f) => `f_${f}`, rawExpr: 'NULL' });
    expect(typed).toContain('__err IS NULL AS __ok');
    expect(await withBinder((db) => db.all(`SELECT id, ${OK} AS ok, ${BAD} AS bad FROM (${typed})`))).toEqual([{ id: '1', ok: true, bad: null }]);
    expect(await withBinder((db) => db.all(`SELECT ${reasonsExpr([s.columns[0]!], 'text')} AS r FROM (SELECT 'x' AS id, {'__s0': 'x', '__err': NULL} AS ${BAD})`))).toEqual([{ r: [] }]);
  });

  it('typed sources (Parquet): each field with its own type; the failing row keeps its values as text', async () => {
    const s = spec();
    const types: Record<string, string> = { id: 'BIGINT', status: 'VARCHAR', amount: 'DOUBLE', code: 'VARCHAR', price: 'VARCHAR' };
    const typed = typedSelect({
      columns: s.columns, kind: 'typed', relation: `(SELECT 3000000000::BIGINT AS f_id, 'NEW' AS f_status, 0.25::DOUBLE AS f_amount, 'ABC' AS f_code, '1' AS f_price)`,
      fieldRef: (f) => `f_${f}`, fieldType: (f) => types[f]!, rawExpr: 'NULL',
    });
    const rows = await withBinder((db) => db.all(`SELECT id, again, amount, ${OK} AS ok, ${BAD} AS bad FROM (${typed})`));
    expect(rows).toEqual([{ id: null, again: 3000000000, amount: null, ok: false, bad: { __s0: '3000000000', __s1: 'NEW', __s2: '0.25', __s3: 'ABC', __s4: '1', __err: null } }]);
    const badValues = (key: (i: number) => string) => `{'${key(0)}': 'as written'}`;
    const kept = typedSelect({ columns: [s.columns[0]!], kind: 'typed', relation: `(SELECT 'x' AS f_id)`, fieldRef: (f) => `f_${f}`, fieldType: () => 'VARCHAR', rawExpr: 'NULL', badValues });
    expect(await withBinder((db) => db.all(`SELECT ${BAD} AS bad FROM (${kept})`))).toEqual([{ bad: { __s0: 'as written', __err: null } }]);
  });

  it('partition values that cannot be folder names fail the row as a partition reason', async () => {
    const s = spec(`dataset: v
source: { format: csv }
columns:
  - { name: id, type: string }
partitionBy:
  - { name: p, column: id }
`);
    const partitions = [planPartition(s.partitionBy[0]!, s.columns[0]!)];
    const typed = typedSelect({ columns: s.columns, kind: 'text', relation: `(SELECT * FROM (VALUES ('ok'), ('__HIVE_DEFAULT_PARTITION__')) t(f_id))`, fieldRef: (f) => `f_${f}`, rawExpr: 'NULL', partitions });
    const rows = await withBinder((db) => db.all(`SELECT id, ${OK} AS ok, CASE WHEN NOT ${OK} THEN ${reasonsExpr(s.columns, 'text', partitions)} END AS reasons FROM (${typed})`));
    expect(rows).toEqual([
      { id: 'ok', ok: true, reasons: null },
      { id: '__HIVE_DEFAULT_PARTITION__', ok: false, reasons: [{ column: 'id', rule: 'partition', value: '__HIVE_DEFAULT_PARTITION__', message: 'partition p: "__HIVE_DEFAULT_PARTITION__" is the folder name Hive gives NULL; as a value it would share the NULL partition\'s folder' }] },
    ]);
  });

  it('helpers: fields read once in column order, slots, nullValues for text only, source kinds, decimal separators', () => {
    const s = spec();
    expect(sourceFields(s.columns)).toEqual(['id', 'status', 'amount', 'code', 'price']);
    expect([slot(0), slot(12)]).toEqual(['__s0', '__s12']);
    expect(columnSource(s.columns[1]!, 'f', 'VARCHAR')).toBe("CASE WHEN f IN ('-') THEN NULL ELSE f END");
    expect(columnSource(s.columns[1]!, 'f', 'BLOB')).toBe('f');
    expect(columnSource(s.columns[0]!, 'f', 'VARCHAR')).toBe('f');
    expect([sourceKindOf('parquet'), sourceKindOf('csv'), sourceKindOf('jsonl')]).toEqual(['typed', 'text', 'text']);
    expect(decimalOf({ ...s.source, csv: { ...(s.source as { csv: object }).csv, decimalSeparator: ',' } } as DatasetSpec['source'])).toEqual({ decimalSeparator: ',', emptyIsNull: true });
    // A quoted empty CSV field is NULL outside string columns only while the empty field is a null value.
    expect(decimalOf(s.source)).toEqual({ emptyIsNull: true });
    expect(decimalOf({ ...s.source, nullValues: ['NA'] } as DatasetSpec['source'])).toEqual({});
  });
});
