// Issue 11, "Exact values in, exact values out": every example of the issue as a regression case with its right
// outcome, through the real state machine on real files, and read back through `strata query` (the command's own
// run function). Expected values are written by hand.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { ingest } from '../cli/commands/ingest.ts';
import { query } from '../cli/commands/query.ts';
import { runs } from '../cli/commands/runs.ts';
import type { RunRecord } from '../runtime/runs/record.ts';
import { runCommand, strataQuery } from './helpers/cli.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const items = `dataset: items
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: big, type: bigint }
  - { name: price, type: "decimal(5,1)" }
  - { name: small, type: "decimal(4,1)" }
rejects: { maxRatio: 1 }
`;
const rounded = `dataset: rounded
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: even, type: "decimal(5,1)", round: half_even, from: v }
  - { name: up, type: "decimal(5,1)", round: half_up, from: v }
rejects: { maxRatio: 1 }
`;
const events = `dataset: events
source: { format: jsonl }
columns:
  - { name: id, type: int }
  - { name: qty, type: int, min: 1 }
  - { name: count, type: int }
  - { name: amount, type: "decimal(20,2)" }
  - { name: fine, type: "decimal(20,15)" }
  - { name: label, type: string }
rejects: { maxRatio: 1 }
`;
const out = `dataset: out
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: day, type: date }
  - { name: price, type: "decimal(5,1)" }
  - { name: amount, type: "decimal(38,2)" }
  - { name: big, type: bigint }
  - { name: note, type: string }
  - { name: at, type: timestamp }
rejects: { maxRatio: 1 }
`;
const times = `dataset: times
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: at, type: timestamp }
  - { name: near, type: timestamp, round: half_even, from: at }
rejects: { maxRatio: 1 }
`;
const keyed = `dataset: keyed
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: v, type: int }
primaryKey: [id]
mode: upsert
rejects: { maxRatio: 0.05 }
`;
const strict = `dataset: strict
source: { format: csv }
columns:
  - { name: id, type: int, required: true }
  - { name: v, type: int }
rejects: { maxRatio: 0.05 }
`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({ items, rounded, events, out, strict, times, keyed }); });
afterAll(async () => { await lake?.cleanup(); });

async function ingestText(dataset: string, name: string, text: string): Promise<RunRecord> {
  const { record } = await lake.ingest(dataset, await lake.file(name, text));
  expect(record.rowsIn).toBe(record.rowsValid + record.rowsQuarantined);
  return record;
}

async function reasons(dataset: string, runId: string) {
  return lake.query<{ record: number; reasons: Array<{ column: string; rule: string; value: string; message: string }> }>(
    `SELECT record, reasons FROM quarantine.${dataset} WHERE run_id = '${runId}' ORDER BY record`);
}

describe('in: bronze → silver', () => {
  it('CSV text into int/bigint: 2.5 and 1e3 are quarantined with the reason, not rounded or expanded', async () => {
    const r = await ingestText('items', 'ints.csv', 'id,big,price,small\n1,2.5,,\n2,1e3,,\n3,1000,,\n2.5,,,\n');
    expect(r).toMatchObject({ rowsIn: 4, rowsValid: 1, rowsQuarantined: 3 });
    expect((await reasons('items', r.runId)).map((q) => q.reasons)).toEqual([
      [{ column: 'big', rule: 'type', value: '2.5', message: '"2.5" is not a bigint: it has a fraction' }],
      [{ column: 'big', rule: 'type', value: '1e3', message: '"1e3" is not a bigint: it has an exponent' }],
      [{ column: 'id', rule: 'type', value: '2.5', message: '"2.5" is not an int: it has a fraction' }],
    ]);
    expect(await lake.query('SELECT id, big FROM silver.items')).toEqual([{ id: 3, big: 1000 }]);
  });

  it('JSON numbers into int: 3.7, 0.6 (under min: 1) and 650.7 are quarantined, never rounded to 4, 1 and 651', async () => {
    const r = await ingestText('events', 'ints.jsonl', '{"id": 3.7}\n{"id": 4}\n{"qty": 0.6}\n{"count": 650.7}\n');
    expect(r).toMatchObject({ rowsIn: 4, rowsValid: 1, rowsQuarantined: 3 });
    expect((await reasons('events', r.runId)).map((q) => [q.record, q.reasons])).toEqual([
      [1, [{ column: 'id', rule: 'type', value: '3.7', message: '"3.7" is not an int: it has a fraction' }]],
      [3, [{ column: 'qty', rule: 'type', value: '0.6', message: '"0.6" is not an int: it has a fraction' }]],
      [4, [{ column: 'count', rule: 'type', value: '650.7', message: '"650.7" is not an int: it has a fraction' }]],
    ]);
    expect(await lake.query(`SELECT id FROM silver.events WHERE id IS NOT NULL`)).toEqual([{ id: 4 }]);
  });

  it('decimals with more places than the column keeps: 3.05 into decimal(5,1) and 6.15 into decimal(4,1) are quarantined', async () => {
    const r = await ingestText('items', 'places.csv', 'id,big,price,small\n10,,3.05,\n11,,,6.15\n12,,3.10,6.10\n');
    expect((await reasons('items', r.runId)).map((q) => q.reasons[0]!.message)).toEqual([
      '"3.05" has 2 decimal places, decimal(5,1) keeps 1',
      '"6.15" has 2 decimal places, decimal(4,1) keeps 1',
    ]);
    expect(await strataQuery(lake.dir, 'SELECT price, small FROM silver.items WHERE id = 12', 'csv')).toBe('price,small\n3.1,6.1\n');
  });

  it('round: half_even and half_up round on request, and only then', async () => {
    const r = await ingestText('rounded', 'round.csv', 'id,v\n1,3.05\n2,6.15\n3,-0.25\n4,0.35\n5,2.5e-1\n6,9999.95\n');
    // 9999.95 rounds to 10000.0, which decimal(5,1) cannot hold: quarantined, not clipped.
    expect((await reasons('rounded', r.runId)).map((q) => q.reasons.map((x) => x.message))).toEqual([
      ['"9999.95" is out of range for decimal(5,1) once rounded', '"9999.95" is out of range for decimal(5,1) once rounded'],
    ]);
    expect(await strataQuery(lake.dir, 'SELECT id, even, up FROM silver.rounded ORDER BY id', 'csv')).toBe(
      'id,even,up\n1,3.0,3.1\n2,6.2,6.2\n3,-0.2,-0.3\n4,0.4,0.4\n5,0.2,0.3\n');
  });

  it('JSON numbers with more digits than a double holds arrive exactly, as the same value sent as a JSON string does', async () => {
    const r = await ingestText('events', 'big.jsonl', '{"id": 20, "amount": 12345678901234567.89}\n{"id": 21, "amount": "12345678901234567.89"}\n');
    expect(r).toMatchObject({ rowsValid: 2, rowsQuarantined: 0 });
    expect(await strataQuery(lake.dir, 'SELECT id, amount FROM silver.events WHERE id IN (20, 21) ORDER BY id', 'csv'))
      .toBe('id,amount\n20,12345678901234567.89\n21,12345678901234567.89\n');
  });

  it('a 17-character JSON number with 16 significant digits is read from its literal (a double would make 9.999999999999001 ...002)', async () => {
    // Only numbers of 16+ characters can carry more digits than a double tells apart (DBL_DIG 15), so only those
    // records are read from their literals (runtime/ingest/json-literals.ts); this one sits just past the line.
    const r = await ingestText('events', 'fine.jsonl', '{"id": 22, "fine": 9.999999999999001}\n{"id": 23, "fine": 9.99999999999900}\n');
    expect(r).toMatchObject({ rowsValid: 2, rowsQuarantined: 0 });
    expect(await strataQuery(lake.dir, 'SELECT id, fine FROM silver.events WHERE id IN (22, 23) ORDER BY id', 'csv'))
      .toBe('id,fine\n22,9.999999999999001\n23,9.999999999999000\n');
  });

  it('JSON numbers into string columns keep their literal: 1.10 stays "1.10", 1e2 stays "1e2"', async () => {
    await ingestText('events', 'strings.jsonl', '{"id": 30, "label": 1.10}\n{"id": 31, "label": 1e2}\n{"id": 32, "label": -0.0}\n{"id": 33, "label": true}\n');
    expect(await lake.query('SELECT id, label FROM silver.events WHERE id >= 30 ORDER BY id')).toEqual([
      { id: 30, label: '1.10' }, { id: 31, label: '1e2' }, { id: 32, label: '-0.0' }, { id: 33, label: 'true' },
    ]);
  });
});

describe('timestamps: the ISO 8601 / RFC 3339 grammar, offsets converted, milliseconds kept exactly', () => {
  it('reads every allowed form, converts offsets, and quarantines what it cannot keep exactly (round: rounds it)', async () => {
    const cases: Array<[string, string | null, string | null]> = [ // text, at (no round), near (round: half_even)
      ['2025-06-15T10:00:00Z', '2025-06-15T10:00:00.000Z', '2025-06-15T10:00:00.000Z'],
      ['2025-06-15t10:00:00z', '2025-06-15T10:00:00.000Z', '2025-06-15T10:00:00.000Z'],
      ['2025-06-15 10:00:00', '2025-06-15T10:00:00.000Z', '2025-06-15T10:00:00.000Z'],
      ['2025-06-15T10:00', '2025-06-15T10:00:00.000Z', '2025-06-15T10:00:00.000Z'],
      ['2025-06-15', '2025-06-15T00:00:00.000Z', '2025-06-15T00:00:00.000Z'],
      ['2025-06-15T10:00:00+02', '2025-06-15T08:00:00.000Z', '2025-06-15T08:00:00.000Z'],
      ['2025-06-15T10:00:00+0230', '2025-06-15T07:30:00.000Z', '2025-06-15T07:30:00.000Z'],
      ['2025-06-15T01:30:00+02:00', '2025-06-14T23:30:00.000Z', '2025-06-14T23:30:00.000Z'],
      ['2025-06-15T10:00:00-00:00', '2025-06-15T10:00:00.000Z', '2025-06-15T10:00:00.000Z'],
      ['2025-06-15T10:00:00-05:30', '2025-06-15T15:30:00.000Z', '2025-06-15T15:30:00.000Z'],
      [' 2025-06-15T10:00:00.5Z ', '2025-06-15T10:00:00.500Z', '2025-06-15T10:00:00.500Z'],
      ['2025-06-15T10:00:00.123000000Z', '2025-06-15T10:00:00.123Z', '2025-06-15T10:00:00.123Z'],
      ['2025-06-15T10:00:00.1234Z', null, '2025-06-15T10:00:00.123Z'],
      ['2025-06-15T10:00:00.0005Z', null, '2025-06-15T10:00:00.000Z'], // a tie: to the even millisecond
      ['2025-06-15T10:00:00.0015Z', null, '2025-06-15T10:00:00.002Z'],
      ['2025-06-15T23:59:59.999999999Z', null, '2025-06-16T00:00:00.000Z'],
      ['2025-06-15T10:00:00.1234567891Z', null, null], // more than 9 fraction digits
      ['2025-06-15T24:00:00Z', null, null], ['2025-06-15T23:59:60Z', null, null], ['2025-06-15T10:00:00+24:00', null, null],
      ['2025-06-15T10:00:00 +02:00', null, null], ['20250615T100000Z', null, null], ['2025-02-29T10:00:00Z', null, null],
      ['2025-06-15T10:00:00 UTC', null, null], ['0001-01-01T00:00:00+01:00', null, null],
    ];
    const r = await ingestText('times', 'times.csv', `id,at\n${cases.map(([t], i) => `${i + 1},"${t}"`).join('\n')}\n`);
    expect(r.rowsIn).toBe(cases.length);
    const silver = new Map((await lake.query<{ id: number }>('SELECT id FROM silver.times')).map((x) => [x.id, true]));
    const printed = new Map(JSON.parse(await strataQuery(lake.dir, 'SELECT id, "at", near FROM silver.times ORDER BY id', 'json'))
      .map((x: { id: number; at: string | null; near: string | null }) => [x.id, [x.at, x.near]]));
    const quarantined = new Map((await reasons('times', r.runId)).map((q) => [q.record, q.reasons.map((x) => x.column)]));
    cases.forEach(([text, at, near], i) => {
      const id = i + 1;
      const lands = at !== null && near !== null;
      expect([text, silver.has(id)]).toEqual([text, lands]);
      if (lands) expect([text, printed.get(id)]).toEqual([text, [at, near]]);
      else expect([text, quarantined.get(id)]).toEqual([text, [...(at === null ? ['at'] : []), ...(near === null ? ['near'] : [])]]);
    });
    const q = await reasons('times', r.runId);
    expect(q.find((x) => x.record === 13)!.reasons[0]!.message)
      .toBe('"2025-06-15T10:00:00.1234Z" has sub-millisecond digits, timestamp keeps milliseconds (round: half_even or half_up rounds them)');
  });
});

describe('out: strata query', () => {
  beforeAll(async () => {
    await ingestText('out', 'out.csv', 'id,day,price,amount,big,note,at\n'
      + '1,2012-01-01,10.0,12345678901234567890.12,9007199254740993,,2025-06-15T10:00:00.5Z\n'
      + '2,,,,,,\n');
  });

  it('DATE prints as YYYY-MM-DD in table, csv and json', async () => {
    const sql = 'SELECT day FROM silver.out WHERE id = 1';
    expect(await strataQuery(lake.dir, sql, 'table')).toBe('day\n──────────\n2012-01-01\n');
    expect(await strataQuery(lake.dir, sql, 'csv')).toBe('day\n2012-01-01\n');
    expect(await strataQuery(lake.dir, sql, 'json')).toBe('[\n  {\n    "day": "2012-01-01"\n  }\n]\n');
  });

  it('DECIMAL prints its exact text: 10.0 stays 10.0, 12345678901234567890.12 keeps every digit; BIGINT beyond 2^53 too', async () => {
    const sql = 'SELECT price, amount, big, 12345678901234567890.12::decimal(38,2) AS literal FROM silver.out WHERE id = 1';
    expect(await strataQuery(lake.dir, sql, 'csv')).toBe('price,amount,big,literal\n10.0,12345678901234567890.12,9007199254740993,12345678901234567890.12\n');
    expect(await strataQuery(lake.dir, sql, 'json')).toBe(
      '[\n  {\n    "price": 10.0,\n    "amount": 12345678901234567890.12,\n    "big": 9007199254740993,\n    "literal": 12345678901234567890.12\n  }\n]\n');
    expect(await strataQuery(lake.dir, sql, 'table')).toContain('10.0   12345678901234567890.12  9007199254740993  12345678901234567890.12');
  });

  it('TIMESTAMP prints as ISO 8601 UTC with milliseconds; NULL and the empty string stay apart in csv', async () => {
    expect(await strataQuery(lake.dir, 'SELECT "at" FROM silver.out WHERE id = 1', 'csv')).toBe('at\n2025-06-15T10:00:00.500Z\n');
    // NULL is an empty field, the empty string is "".
    await ingestText('events', 'empty.jsonl', '{"id": 40, "label": ""}\n{"id": 41, "label": null}\n{"id": 42}\n');
    const sql = 'SELECT id, label FROM silver.events WHERE id >= 40 ORDER BY id';
    expect(await strataQuery(lake.dir, sql, 'csv')).toBe('id,label\n40,""\n41,\n42,\n');
    expect(JSON.parse(await strataQuery(lake.dir, sql, 'json'))).toEqual([{ id: 40, label: '' }, { id: 41, label: null }, { id: 42, label: null }]);
  });
});

describe('counts: a rejected file', () => {
  it('puts all its rows in quarantine (good rows with reason "rejected"), and the record, strata runs and the summary say so', async () => {
    const file = await lake.file('rejected.csv', 'id,v\n1,1\n2,x\n3,3\n');
    const r = await runCommand(ingest, { lake: lake.dir, schemas: join(lake.root, 'schemas') }, ['strict', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 rows in · 0 valid · 3 quarantined');
    expect(r.stdout).toMatch(/Strata\.RejectedFile: bronze\/strict\/_objects\/[0-9a-f]+\/rejected\.csv: 1 of 3 rows \(33\.3%\) failed validation, more than rejects\.maxRatio 5%; nothing was committed, all 3 rows are in quarantine\.strict\n/);
    // The message's later lines sit under its first, without the error's name again.
    expect(r.stdout).toMatch(/quarantine\.strict\n {6}most common: /);
    expect(r.stdout).toMatch(/\n {6}way back: fix the rows and upload the file again, or raise rejects\.maxRatio in \S*schemas\/strict\.yaml if such a share of bad rows is expected \(they are then quarantined, the others committed\)\n/);
    expect(r.stdout.match(/Strata\.RejectedFile/g)).toHaveLength(1);
    expect(r.stdout).toContain('warning: 2 rows passed validation but the file was rejected: they are in quarantine.strict with reason "rejected"');
    const listed = JSON.parse((await runCommand(runs, { lake: lake.dir, json: true }, [], { dataset: 'strict' })).stdout) as RunRecord[];
    expect(listed).toEqual([expect.objectContaining({ status: 'REJECTED', rowsIn: 3, rowsValid: 0, rowsQuarantined: 3, rowsSuperseded: 0 })]);
    // Every row with its record, line and the source record as written, the valid ones too.
    const q = await lake.query<{ record: number | null; line: number | null; raw: string; rule: string; message: string }>(
      `SELECT record, line, raw, reasons[1].rule AS rule, reasons[1].message AS message FROM quarantine.strict ORDER BY record NULLS FIRST, rule`);
    const rejected = 'the file was rejected: 1 of 3 rows (33.3%) failed validation, more than rejects.maxRatio 5%';
    expect(q).toEqual([
      { record: 1, line: 2, raw: '{"id":"1","v":"1"}', rule: 'rejected', message: rejected },
      { record: 2, line: 3, raw: '{"id":"2","v":"x"}', rule: 'type', message: '"x" is not an int' },
      { record: 3, line: 4, raw: '{"id":"3","v":"3"}', rule: 'rejected', message: rejected },
    ]);
    expect(await lake.query(`SELECT count(*) AS n FROM quarantine.strict`)).toEqual([{ n: 3 }]);
  });

  it('an upsert file: the rows a later row superseded are in quarantine too', async () => {
    const r = await ingestText('keyed', 'keyed.csv', 'id,v\n1,1\n1,2\n2,x\n3,3\n');
    expect(r).toMatchObject({ status: 'REJECTED', rowsIn: 4, rowsValid: 0, rowsQuarantined: 4, rowsSuperseded: 0 });
    const q = await lake.query<{ record: number | null; line: number | null; rules: string[] }>(
      `SELECT record, line, list_transform(reasons, x -> x.rule) AS rules FROM quarantine.keyed ORDER BY record NULLS FIRST`);
    expect(q).toEqual([
      { record: 1, line: 2, rules: ['rejected', 'primaryKey'] }, { record: 2, line: 3, rules: ['rejected'] },
      { record: 3, line: 4, rules: ['type'] }, { record: 4, line: 5, rules: ['rejected'] },
    ]);
  });
});

describe('out: column names', () => {
  it('a column named __proto__ is printed as any other; two columns of one name are refused, not one of them dropped', async () => {
    await mkdir(join(lake.dir, '_strata'), { recursive: true }); // a lake, whichever test ran before
    for (const format of ['json', 'csv', 'table'] as const) {
      const printed = await strataQuery(lake.dir, `SELECT 1 AS "__proto__", 2 AS b`, format);
      expect(printed, format).toContain('__proto__');
      if (format === 'json') expect(JSON.parse(printed)).toEqual([JSON.parse('{"__proto__": 1, "b": 2}')]);
      if (format === 'csv') expect(printed).toBe('__proto__,b\n1,2\n');
    }
    // Before: the second a became "a:1", and a column really named a:1 took its place (the value 2 was not printed).
    const r = await runCommand(query, { lake: lake.dir }, [`SELECT 1 AS a, 2 AS a, 3 AS "a:1"`], { format: 'json' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('two columns named "a"');
    expect(r.stdout).toBe('');
  });
});
