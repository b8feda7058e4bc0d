// strata check refuses schema files whose claims no ingest can keep (an attack, stop 47): a JSON `from` DuckDB reads
// as a wildcard, a `from` holding NUL (both failed every file at ingest with the engine's words), and a required
// column or a primary key the rows already in silver contradict (both checked clean).
import { readFile, writeFile } from 'node:fs/promises';
import { rollback } from '../workflows/maintenance.ts';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { check } from '../cli/commands/check.ts';
import { checkProjectAsync, loadProject, runnableProject } from '../core/project.ts';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { runCommand } from './helpers/cli.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { ingestFile } from '../workflows/ingest-local.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

/** Write `text` as the dataset's schema file, then `strata check` over the project and its lake. */
async function checkWith(l: TestLake, dataset: string, text: string) {
  await writeFile(join(l.root, 'schemas', `${dataset}.yaml`), text);
  return runCommand(check, { schemas: join(l.root, 'schemas'), lake: l.dir }, []);
}

/** `text` with `from` replaced by `to`; a `from` that is not there fails the test instead of changing nothing. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the schema text has no ${JSON.stringify(from)} to replace`);
  return text.replace(from, to);
}

const EVENTS = (format: string, from: string) => `dataset: events
source: { format: ${format} }
columns:
  - { name: id, type: bigint, required: true }
  - { name: amount, type: bigint, from: ${from} }
`;

describe('strata check: a from no ingest can read', () => {
  it('refuses from "*" in a JSON dataset, naming file, line, column and what to write; loading the project refuses it too', async () => {
    lake = await makeLake({ events: EVENTS('jsonl', 'amount') });
    await lake.ingest('events', await lake.file('a.jsonl', '{"id": 1, "amount": 5}\n'));
    const r = await checkWith(lake, 'events', EVENTS('jsonl', "'*'"));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/schemas\/events\.yaml:5:41: from "\*" is a wildcard to DuckDB's JSON paths \(not a key, even quoted\): every file would fail at ingest \("Cannot have wildcards in JSON path"\) \(fix: name the one top-level key the column reads, e\.g\. from: amount; a key named "\*" cannot be read: rename it where the records are written\)/);
    const project = await loadProject(join(lake.root, 'schemas'));
    expect(project.schemas).toEqual([]);
    // The same file as JSON (an array) is refused alike; a CSV header field "*" is read by position, and ingests.
    await writeFile(join(lake.root, 'schemas', 'events.yaml'), EVENTS('json', "'*'"));
    expect((await loadProject(join(lake.root, 'schemas'))).diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/schemas\/events\.yaml:5:41: from "\*" is a wildcard/)]);
    await writeFile(join(lake.root, 'schemas', 'events.yaml'), EVENTS('csv', "'*'"));
    expect((await loadProject(join(lake.root, 'schemas'))).diagnostics).toEqual([]);
  });

  it('refuses a from holding NUL, in any format', async () => {
    lake = await makeLake({ events: EVENTS('jsonl', 'amount') });
    for (const format of ['jsonl', 'csv']) {
      const r = await checkWith(lake, 'events', EVENTS(format, '"am\\0ount"'));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`schemas/events.yaml:5:41: from "am\\u0000ount" holds a NUL character (U+0000): DuckDB ends a query's text at it, so every file would fail at ingest with an SQL error (fix: write the field's name without the NUL, e.g. from: "amount")`);
    }
    // Other control characters are read as written (a key "x\u0001y" of a JSON record): no diagnostic.
    await writeFile(join(lake.root, 'schemas', 'events.yaml'), EVENTS('jsonl', '"am\\tount"'));
    expect((await loadProject(join(lake.root, 'schemas'))).diagnostics).toEqual([]);
  });
});

describe('strata check: a date format the engine cannot read', () => {
  it('is an error at the format, with DuckDB\'s words and the way back (newcomer\'s trial, stop 48: it passed, and every ingest failed blaming the file)', async () => {
    const text = 'dataset: f\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: d, type: date, format: "%Q" }\n  - { name: e, type: date, format: ["%d/%m/%Y", "%Y%K"] }\n';
    lake = await makeLake({ f: text.replace('"%Q"', '"%d.%m.%Y"').replace('"%Y%K"', '"%Y%m%d"') });
    expect(await checkWith(lake, 'f', text.replace('"%Q"', '"%d.%m.%Y"').replace('"%Y%K"', '"%Y%m%d"'))).toMatchObject({ code: 0 });
    const r = await checkWith(lake, 'f', text);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('schemas/f.yaml:5:36: format "%Q" cannot be read by DuckDB\'s strptime: Failed to parse format specifier %Q: Unrecognized format for strftime/strptime: %Q (fix: use its specifiers');
    expect(r.stdout).toContain('schemas/f.yaml:6:49: format "%Y%K" cannot be read by DuckDB\'s strptime');
    // Every command that loads the project leaves the dataset out as strata check reports it: an ingest is refused
    // for the schema file, never run to blame the data file (newcomer's trial, stop 49: "%s" failed every ingest as
    // "cannot be read as jsonl").
    const project = await loadProject(join(lake.root, 'schemas'));
    expect(project.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/schemas\/f\.yaml:5:36: format "%Q" cannot be read/), expect.stringMatching(/schemas\/f\.yaml:6:49: format "%Y%K" cannot be read/)]);
    expect((await runnableProject(project)).excluded.map((x) => x.dataset)).toEqual(['f']);
  });
});

describe('strata check: a list item with a wrong value', () => {
  it('hides nothing else of the file: the rest is checked without that item (newcomer\'s trial, stop 52: a transform: daily hid a rule and a gold SQL typo, one round of fixes at a time)', async () => {
    const text = `dataset: o\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: amount, type: "decimal(10,2)" }\n  - { name: created_at, type: timestamp, requried: true }\n`
      + `partitionBy:\n  - { name: dt, column: created, transform: daily }\nquality:\n  silver:\n    halt:\n      - IsPrimaryKey "idd"\n`
      + `gold:\n  - table: g\n    sql: SELECT SUM(amout) AS s FROM silver.o\n    refresh: full\n`;
    const project = await checkProjectAsync([{ file: 'schemas/o.yaml', text }]);
    expect(project.diagnostics.map(formatDiagnostic)).toEqual([
      'schemas/o.yaml:6:42: unknown key "requried" in columns.2 (fix: did you mean "required"?)',
      'schemas/o.yaml:8:45: partitionBy.0.transform must be one of identity | year | month | day | hour (fix: use one of identity, year, month, day, hour)',
      'schemas/o.yaml:12:9: quality rule "IsPrimaryKey "idd"": column "idd" does not exist in the batch (did you mean "id"?) (fix: use a column of this dataset (strata plan <dataset> lists them))',
      'schemas/o.yaml:15:10: gold table g: the SQL does not bind: Referenced column "amout" not found in FROM clause! (fix: did you mean "amount"?)',
    ]);
    // A wrong value outside every list item (the source's format) still stops the check there.
    const bad = await checkProjectAsync([{ file: 'schemas/o.yaml', text: text.replace('format: csv', 'format: xls') }]);
    expect(bad.diagnostics.map((d) => d.message)).toEqual(['source.format must be one of csv | jsonl | json | parquet', 'unknown key "requried" in columns.2', 'partitionBy.0.transform must be one of identity | year | month | day | hour']);
  });
});

describe('strata check: a pattern RE2 cannot compile', () => {
  it('is an error at the pattern with RE2\'s words and the way back; one RE2 takes and JavaScript does not is fine (newcomer\'s trial, stop 52: a lookahead passed, and every ingest failed blaming the file)', async () => {
    const text = (p: string, q = '[A-Z]{3}') => `dataset: p\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: code, type: string, pattern: ${JSON.stringify(p)} }\n  - { name: tag, type: string, pattern: ${JSON.stringify(q)} }\n`;
    // RE2 syntax that JavaScript's RegExp refuses (it was refused by strata check).
    lake = await makeLake({ p: text('(?i)[a-z]+', '(?P<n>x)\\d') });
    expect(await checkWith(lake, 'p', text('(?i)[a-z]+', '(?P<n>x)\\d'))).toMatchObject({ code: 0 });
    const r = await checkWith(lake, 'p', text('(?=N)[A-Za-z]+', '(a)\\1'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('schemas/p.yaml:5:42: pattern "(?=N)[A-Za-z]+" is not an RE2 regular expression, the kind that checks it: invalid perl operator: (?= (fix: write it in RE2 syntax: no lookahead');
    expect(r.stdout).toContain('schemas/p.yaml:6:41: pattern "(a)\\\\1" is not an RE2 regular expression, the kind that checks it: invalid escape sequence: \\1');
    // An unterminated group, as before, now in RE2's words.
    expect((await checkWith(lake, 'p', text('(x'))).stdout).toContain('schemas/p.yaml:5:42: pattern "(x" is not an RE2 regular expression, the kind that checks it: missing ): (x');
    // Every command that loads the project leaves the dataset out: an ingest is refused for the schema file.
    await writeFile(join(lake.root, 'schemas', 'p.yaml'), text('(?=N)[A-Za-z]+'));
    const project = await loadProject(join(lake.root, 'schemas'));
    expect((await runnableProject(project)).excluded.map((x) => x.dataset)).toEqual(['p']);
  });
});

const SALES = (key: string, mode = 'upsert') => `dataset: sales
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true }
  - { name: region, type: string, required: true }
  - { name: amount, type: bigint }
primaryKey: [${key}]
mode: ${mode}
`;

describe('strata check: what the rows already in silver contradict', () => {
  it('a column made required (false → true) whose silver rows hold NULLs is an error with the way back; one whose rows all hold values checks clean', async () => {
    lake = await makeLake({ orders: ordersSchema() });
    await lake.ingest('orders', await lake.file('a.csv', `${ORDERS_HEADER}\n1,Ann,,10.00,Jun 12 2025,2025-06-12T10:00:00Z\n2,,NEW,11.00,Jun 12 2025,2025-06-13T10:00:00Z\n3,Cy,NEW,12.00,Jun 12 2025,2025-06-13T11:00:00Z\n`));
    const status = swap(ordersSchema(), '{ name: status, type: string, allowed', '{ name: status, type: string, required: true, allowed');
    const r = await checkWith(lake, 'orders', status);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('schemas/orders.yaml:11:45: silver.orders: column status is required, but 1 row already in silver holds NULL in it (of 3 rows): readers would take the table for what its schema file says '
      + '(fix: keep required: false on status, or send those rows again with status filled (an upsert replaces them by key) before requiring it, or create a new dataset (e.g. orders_v2) with the new schema and re-ingest its bronze objects into it');
    // amount holds a value in every row: requiring it contradicts nothing.
    const amount = swap(ordersSchema(), '{ name: amount, type: "decimal(12,2)", min: 0 }', '{ name: amount, type: "decimal(12,2)", min: 0, required: true }');
    expect((await checkWith(lake, 'orders', amount))).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 1 dataset/) });
  });

  it('an upsert key narrowed ([id, region] → [id]) under which silver rows repeat is an error with the way back; a key they do not repeat under checks clean', async () => {
    lake = await makeLake({ sales: SALES('id, region') });
    await lake.ingest('sales', await lake.file('a.csv', 'id,region,amount\n1,EU,5\n1,US,6\n2,EU,7\n3,EU,8\n3,US,9\n'));
    const r = await checkWith(lake, 'sales', SALES('id'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('schemas/sales.yaml:7:13: silver.sales: primary key (id) is not unique in silver: 2 keys are held by more than one row (4 rows in all; e.g. id=1), and an upsert of such a key would replace all of its rows with one '
      + '(fix: keep a primary key that tells those rows apart (such as the one they were written under), or create a new dataset (e.g. sales_v2)');
    // As an append's key too (unique across the table); a key the rows do not repeat under checks clean.
    expect((await checkWith(lake, 'sales', SALES('id', 'append'))).stdout).toContain('silver.sales: primary key (id) is not unique in silver: 2 keys are held by more than one row (4 rows in all; e.g. id=1), which every batch is checked against as unique');
    await lake.ingest('sales', await lake.file('b.csv', 'id,region,amount\n4,EU,1\n'));
    expect(await checkWith(lake, 'sales', SALES('region, id'))).toMatchObject({ code: 0 });
  });

  it('an ingest under a narrowed key is refused before its commit moves a file, silver as it was (it replaced both rows of id 1 with one); one under a column made required commits, and check keeps saying so until the NULLs are gone', async () => {
    lake = await makeLake({ sales: SALES('id, region') });
    await lake.ingest('sales', await lake.file('a.csv', 'id,region,amount\n1,EU,5\n1,US,\n'));
    const before = await lake.query('SELECT id, region, amount FROM silver.sales ORDER BY region');
    const ingestUnder = async (text: string, file: string, body: string) => {
      await writeFile(join(lake!.root, 'schemas', 'sales.yaml'), text);
      return (await ingestFile(await openLocalLake({ lake: lake!.dir, schemas: join(lake!.root, 'schemas') }), 'sales', await lake!.file(file, body))).record;
    };
    const narrowed = await ingestUnder(SALES('id'), 'b.csv', 'id,region,amount\n1,EU,50\n');
    expect(narrowed).toMatchObject({ status: 'FAILED', error: { name: 'Strata.SchemaMismatch', message: expect.stringMatching(/^silver\.sales holds rows its schema file now contradicts: primary key \(id\) is not unique in silver: 1 key is held by more than one row \(e\.g\. id=1\)\. Nothing was committed: keep the key the table was written under \(primaryKey: \[id, region\], mode: upsert\)/) } });
    expect(await lake.query('SELECT id, region, amount FROM silver.sales ORDER BY region')).toEqual(before);
    // A column made required while a row holds NULL in it: the commit loses nothing, and check says it after as before.
    const required = swap(SALES('id, region'), '{ name: amount, type: bigint }', '{ name: amount, type: bigint, required: true }');
    expect(await ingestUnder(required, 'c.csv', 'id,region,amount\n2,EU,7\n')).toMatchObject({ status: 'SUCCEEDED' });
    expect((await checkWith(lake, 'sales', required)).stdout).toContain('column amount is required, but 1 row already in silver holds NULL in it (of 3 rows)');
    // The upsert that fills it goes through (the NULL was counted before the merge: refused), and check is clean.
    expect(await ingestUnder(required, 'd.csv', 'id,region,amount\n1,US,6\n')).toMatchObject({ status: 'SUCCEEDED' });
    expect(await checkWith(lake, 'sales', required)).toMatchObject({ code: 0 });
  });

  it('an upsert never replaces a key more than one row holds, whatever the table recorded: a table written before strata recorded its key, and a rollback back to rows of the wider key (an attack, stop 48: both replaced the rows with one, silently)', async () => {
    lake = await makeLake({ sales: SALES('id, region') });
    const r0 = (await lake.ingest('sales', await lake.file('a.csv', 'id,region,amount\n2,EU,7\n'))).record.runId;
    const r1 = (await lake.ingest('sales', await lake.file('b.csv', 'id,region,amount\n1,EU,5\n1,US,6\n'))).record.runId;
    const reopen = async (text: string) => {
      await writeFile(join(lake!.root, 'schemas', 'sales.yaml'), text);
      return openLocalLake({ lake: lake!.dir, schemas: join(lake!.root, 'schemas') });
    };
    // Back to r0 under the wide key, then the key narrowed (nothing repeats now: check is clean, a commit records [id]).
    await rollback(await reopen(SALES('id, region')), 'sales', r0);
    const narrow = await reopen(SALES('id'));
    expect(await checkWith(lake, 'sales', SALES('id'))).toMatchObject({ code: 0 });
    expect((await ingestFile(narrow, 'sales', await lake.file('c.csv', 'id,region,amount\n3,EU,8\n'))).record.status).toBe('SUCCEEDED');
    // Forward to r1 again under [id]: id 1 is held by two rows there, so the rollback is refused (stop 52: it was taken,
    // and the key's repeats were found only by the next upsert's files). Under the wide key it is taken, and records it.
    await expect(rollback(narrow, 'sales', r1)).rejects.toMatchObject({ name: 'Strata.SchemaMismatch', message: expect.stringMatching(/primary key \(id\) more than once \(e\.g\. id=1\)/) });
    await rollback(await reopen(SALES('id, region')), 'sales', r1);
    const rows = await lake.query('SELECT id, region, amount FROM silver.sales ORDER BY id, region');
    expect(await checkWith(lake, 'sales', SALES('id'))).toMatchObject({ code: 1 });
    const up = (await ingestFile(await reopen(SALES('id')), 'sales', await lake.file('d.csv', 'id,region,amount\n1,EU,50\n'))).record;
    expect(up).toMatchObject({ status: 'FAILED', error: { name: 'Strata.SchemaMismatch', message: expect.stringMatching(/primary key \(id\)/) } });
    expect(await lake.query('SELECT id, region, amount FROM silver.sales ORDER BY id, region')).toEqual(rows);
    // A table written before strata recorded its key: the same refusal, by the partition's files.
    const path = join(lake.dir, 'silver/sales/_strata/manifest.json');
    const m = JSON.parse(await readFile(path, 'utf8'));
    delete m.schema.declared;
    await writeFile(path, JSON.stringify(m));
    expect((await ingestFile(narrow, 'sales', await lake.file('e.csv', 'id,region,amount\n1,US,60\n'))).record).toMatchObject({ status: 'FAILED', error: { name: 'Strata.SchemaMismatch' } });
    expect(await lake.query('SELECT id, region, amount FROM silver.sales ORDER BY id, region')).toEqual(rows);
  });

  it('an upsert made an append, its key held in two partitions, is a check error (an append\'s key is unique across the table; an attack, stop 48)', async () => {
    const daily = (mode: string) => `dataset: pay\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint, required: true }\n  - { name: day, type: date, required: true }\nprimaryKey: [id]\nmode: ${mode}\npartitionBy:\n  - { name: dt, column: day, transform: day }\n`;
    lake = await makeLake({ pay: daily('upsert') });
    await lake.ingest('pay', await lake.file('a.csv', 'id,day\n1,2025-06-01\n'));
    await lake.ingest('pay', await lake.file('b.csv', 'id,day\n1,2025-06-02\n'));
    expect(await checkWith(lake, 'pay', daily('upsert'))).toMatchObject({ code: 0 });
    const r = await checkWith(lake, 'pay', daily('append'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('silver.pay: primary key (id) is not unique in silver: 1 key is held by more than one row (2 rows in all; e.g. id=1), which every batch is checked against as unique');
  });
});

describe('a primary key naming a column the table\'s files lack', () => {
  it('is a breaking change: strata check says so at primaryKey, and an ingest is refused before any work, upsert or append (an attack, stop 48: both failed with a binder error)', async () => {
    for (const mode of ['upsert', 'append']) {
      const text = (key: string, extra = '') => `dataset: k\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: int }\n${extra}primaryKey: [${key}]\nmode: ${mode}\n`;
      lake = await makeLake({ k: text('id') });
      await lake.ingest('k', await lake.file('a.csv', 'id,v\n1,5\n'));
      const wider = text('id, region', '  - { name: region, type: string, required: true }\n');
      const r = await checkWith(lake, 'k', wider);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("schemas/k.yaml:7:13: silver.k: primary key (id, region) names region, a column the table's files were written without: their rows read it as NULL, so no key of theirs can match a new row's (fix: keep the primary key the table was written under (add region as a column alone), or create a new dataset");
      const run = (await ingestFile(await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') }), 'k', await lake.file('b.csv', 'id,v,region\n1,6,EU\n'))).record;
      expect(run).toMatchObject({ status: 'FAILED', error: { name: 'Strata.SchemaMismatch', message: expect.stringMatching(/primary key \(id, region\) names region/) } });
      expect(await lake.query('SELECT id, v FROM silver.k')).toEqual([{ id: 1, v: 5 }]);
      await lake.cleanup();
      lake = undefined;
    }
  });
  it('a key column some partitions\' files lack reads NULL there: an upsert into such a partition adds its row beside theirs (it failed with a binder error: an attack, stop 48)', async () => {
    const text = (key: string, extra = '') => `dataset: k\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: p, type: string, required: true }\n  - { name: v, type: int }\n${extra}primaryKey: [${key}]\nmode: upsert\npartitionBy:\n  - { name: pp, column: p }\n`;
    lake = await makeLake({ k: text('id') });
    await lake.ingest('k', await lake.file('a.csv', 'id,p,v\n1,a,5\n2,b,6\n'));
    const withRegion = text('id', '  - { name: region, type: string }\n');
    await writeFile(join(lake.root, 'schemas', 'k.yaml'), withRegion);
    expect((await ingestFile(await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') }), 'k', await lake.file('b.csv', 'id,p,v,region\n3,b,7,EU\n'))).record.status).toBe('SUCCEEDED');
    await writeFile(join(lake.root, 'schemas', 'k.yaml'), text('id, region', '  - { name: region, type: string }\n'));
    const r = (await ingestFile(await openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') }), 'k', await lake.file('c.csv', 'id,p,v,region\n1,a,9,EU\n'))).record;
    expect(r.status).toBe('SUCCEEDED');
    expect(await lake.query('SELECT id, p, v, region FROM silver.k WHERE p = \'a\' ORDER BY v')).toEqual([{ id: 1, p: 'a', v: 5, region: null }, { id: 1, p: 'a', v: 9, region: 'EU' }]);
  });
  it('a rollback to rows the schema file\'s primary key contradicts is refused before anything changes (an attack, stop 52: a key narrowed after the run, the rollback brought back its repeats and check, doctor and ingests took them)', async () => {
    const text = (key: string) => `dataset: ev\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: int, required: true }\nprimaryKey: [${key}]\nmode: append\nrejects: { maxRatio: 1 }\n`;
    lake = await makeLake({ ev: text('id') });
    const reopen = async (t: string) => { await writeFile(join(lake!.root, 'schemas', 'ev.yaml'), t); return openLocalLake({ lake: lake!.dir, schemas: join(lake!.root, 'schemas') }); };
    const r0 = (await lake.ingest('ev', await lake.file('r0.csv', 'id,v\n1,10\n'))).record.runId;
    const r1 = (await ingestFile(await reopen(text('id, v')), 'ev', await lake.file('r1.csv', 'id,v\n1,20\n'))).record;
    expect(r1.status).toBe('SUCCEEDED');
    const narrowed = await reopen(text('id'));
    await rollback(narrowed, 'ev', r0);
    expect((await ingestFile(narrowed, 'ev', await lake.file('r2.csv', 'id,v\n2,5\n'))).record.status).toBe('SUCCEEDED');
    const version = JSON.parse((await lake.storage.readText('silver/ev/_strata/manifest.json'))!).version;
    await expect(rollback(narrowed, 'ev', r1.runId)).rejects.toMatchObject({ name: 'Strata.SchemaMismatch',
      message: expect.stringMatching(/^silver\.ev was not rolled back to run \S+: the rows it left hold 1 key of the schema file's primary key \(id\) more than once \(e\.g\. id=1\), where an append key is unique across the table\. Nothing was changed/) });
    expect(JSON.parse((await lake.storage.readText('silver/ev/_strata/manifest.json'))!).version).toBe(version);
    // Under the key the table had at that run, the rollback is taken.
    await rollback(await reopen(text('id, v')), 'ev', r1.runId);
    expect(await lake.query('SELECT id, v FROM silver.ev ORDER BY v')).toEqual([{ id: 1, v: 10 }, { id: 1, v: 20 }]);
    await lake.cleanup();
    lake = undefined;
  });

  it('after a rollback to files without a key column, an ingest under a key naming it is refused as for a table never written with it, in words; added alone first, the key then goes through, upsert or append (an attack, stop 48: a binder error in the commit, or the stage)', async () => {
    for (const mode of ['upsert', 'append']) {
      const text = (key: string) => `dataset: k\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: int }\n  - { name: region, type: string }\nprimaryKey: [${key}]\nmode: ${mode}\n`;
      lake = await makeLake({ k: `dataset: k\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: v, type: int }\nprimaryKey: [id]\nmode: ${mode}\n` });
      const first = (await lake.ingest('k', await lake.file('a.csv', 'id,v\n1,5\n'))).record.runId;
      const reopen = async (t: string) => { await writeFile(join(lake!.root, 'schemas', 'k.yaml'), t); return openLocalLake({ lake: lake!.dir, schemas: join(lake!.root, 'schemas') }); };
      expect((await ingestFile(await reopen(text('id')), 'k', await lake.file('b.csv', 'id,v,region\n2,6,EU\n'))).record.status).toBe('SUCCEEDED');
      // The rollback returns the table to its files and schema of run `first`, without region (stop 52: the manifest
      // still named region, and the key below went through where a table never written with region refuses it).
      await rollback(await reopen(text('id')), 'k', first);
      const r = (await ingestFile(await reopen(text('id, region')), 'k', await lake.file('c.csv', 'id,v,region\n1,9,EU\n'))).record;
      expect([mode, r.status, r.error?.name]).toEqual([mode, 'FAILED', 'Strata.SchemaMismatch']);
      expect(r.error?.message).toMatch(/primary key \(id, region\) names region, a column the table's files were written without/);
      // The way it names: region added alone, then the key.
      expect((await ingestFile(await reopen(text('id')), 'k', await lake.file('d.csv', 'id,v,region\n3,7,US\n'))).record.status).toBe('SUCCEEDED');
      const r2 = (await ingestFile(await reopen(text('id, region')), 'k', await lake.file('c2.csv', 'id,v,region\n1,9,EU\n'))).record;
      expect([mode, r2.status, r2.error?.message]).toEqual([mode, 'SUCCEEDED', undefined]);
      expect(await lake.query('SELECT id, v, region FROM silver.k ORDER BY v')).toEqual([{ id: 1, v: 5, region: null }, { id: 3, v: 7, region: 'US' }, { id: 1, v: 9, region: 'EU' }]);
      await lake.cleanup();
      lake = undefined;
    }
  });
});
