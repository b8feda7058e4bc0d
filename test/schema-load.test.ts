// strata check: every problem is reported with file, line and a one-line fix.
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { checkProject, loadProject } from '../core/project.ts';
import { compile } from '../core/plan/compile.ts';
import { ordersSchema } from './helpers/lake.ts';
import fc from 'fast-check';
import validateStructure from '../core/schema/dataset.schema.validate.js';
import { VALIDATOR_FILE, VALIDATOR_OPTIONS, structureValidatorSource } from './schema-validator-gen.ts';

const check = (text: string, file = 'orders.yaml') => checkProject([{ file, text }]).diagnostics.map(formatDiagnostic);

describe('schema files', () => {
  it('accepts the contract example of the issue unchanged', () => {
    const r = loadSchemaText('orders.yaml', ordersSchema());
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plan = compile(r.spec!);
    expect(plan.columns.map((c) => [c.name, c.duckdbType, c.glueType])).toEqual([
      ['order_id', 'BIGINT', 'bigint'], ['customer_name', 'VARCHAR', 'string'], ['status', 'VARCHAR', 'string'],
      ['amount', 'DECIMAL(12,2)', 'decimal(12,2)'], ['ordered_on', 'DATE', 'date'], ['created_at', 'TIMESTAMP_MS', 'timestamp'],
    ]);
    expect(plan.partitions[0]).toMatchObject({ name: 'dt', column: 'created_at', transform: 'day', glueType: 'string' });
    expect(plan.columns[0]!.required).toBe(true);
  });

  it('reports an unknown key with its line and a did-you-mean fix', () => {
    const text = ordersSchema().replace('primaryKey:', 'primaryKee:');
    const line = text.split('\n').findIndex((l) => l.startsWith('primaryKee')) + 1;
    expect(check(text)).toContain(`orders.yaml:${line}:1: unknown key "primaryKee" (fix: did you mean "primaryKey"?)`);
  });

  it('an unknown key inside a shared definition ($ref) lists that object\'s keys, or guesses from them', () => {
    const text = `dataset: orders
source: { format: csv }
columns:
  - { name: id, type: bigint, required: true, zzz: 1 }
partitionBy:
  - { name: p, column: id, zzz: 1 }
quality:
  silver:
    zzz: []
    halts: []
gold:
  - { table: t, sql: "SELECT 1", zzz: 1, quality: { zzz: [] }, compaction: { zzz: 1 } }
compaction: { minFile: 2 }
`;
    expect(check(text)).toEqual([
      'orders.yaml:4:47: unknown key "zzz" in columns.0 (fix: remove it; allowed keys: name, type, description, from, required, allowed, min, max, pattern, maxLength, format, nullValues, round)',
      'orders.yaml:6:28: unknown key "zzz" in partitionBy.0 (fix: remove it; allowed keys: name, column, transform)',
      'orders.yaml:9:5: unknown key "zzz" in quality.silver (fix: remove it; allowed keys: halt, warn)',
      'orders.yaml:10:5: unknown key "halts" in quality.silver (fix: did you mean "halt"?)',
      'orders.yaml:12:34: unknown key "zzz" in gold.0 (fix: remove it; allowed keys: table, description, sql, partitionBy, refresh, engine, quality, analysts, compaction)',
      'orders.yaml:12:53: unknown key "zzz" in gold.0.quality (fix: remove it; allowed keys: halt, warn)',
      'orders.yaml:12:78: unknown key "zzz" in gold.0.compaction (fix: remove it; allowed keys: minFiles, targetMb, sortBy)',
      'orders.yaml:13:15: unknown key "minFile" in compaction (fix: did you mean "minFiles"?)',
    ]);
  });

  it('decimalSeparator "," needs another delimiter', () => {
    const text = 'dataset: orders\nsource: { format: csv, csv: { decimalSeparator: "," } }\ncolumns:\n  - { name: amount, type: double }\n';
    expect(check(text)).toEqual(['orders.yaml:2:49: decimalSeparator "," needs another field delimiter: "39,81" would be two fields (fix: set source.csv.delimiter, e.g. ";")']);
    expect(check(text.replace('{ decimalSeparator', '{ delimiter: ";", decimalSeparator'))).toEqual([]);
  });

  it('a quote or an escape that is not one ASCII character is an error (DuckDB reads them as one byte); a delimiter may be any one character (an attack, stop 46)', () => {
    const text = 'dataset: orders\nsource: { format: csv, csv: { delimiter: "÷", quote: "«", escape: "é" } }\ncolumns:\n  - { name: a, type: string }\n';
    expect(check(text)).toEqual([
      'orders.yaml:2:54: quote "«" is not one ASCII character: DuckDB reads the quote as one byte (fix: use an ASCII character for quote)',
      'orders.yaml:2:67: escape "é" is not one ASCII character: DuckDB reads the escape as one byte (fix: use an ASCII character for escape)',
    ]);
    expect(check(text.replace('"«"', "\"'\"").replace('"é"', '"\\\\"'))).toEqual([]);
  });

  it('reports an unknown key inside a column', () => {
    const text = ordersSchema().replace('{ name: status, type: string,', '{ name: status, type: string, alowed: [X],');
    // Line 11 is the status column; "alowed" starts after "  - { name: status, type: string, " (34 characters).
    expect(check(text)).toEqual(['orders.yaml:11:35: unknown key "alowed" in columns.2 (fix: did you mean "allowed"?)']);
  });

  it('reports duplicate column names, bad types, missing partition columns and upsert without a key', () => {
    const text = `dataset: orders
source: { format: csv }
columns:
  - { name: id, type: bigint }
  - { name: id, type: string }
  - { name: amount, type: "decimal(40,2)" }
  - { name: price, type: money }
partitionBy:
  - { name: dt, column: created_at, transform: day }
mode: upsert
`;
    // Each position by hand: the value's first character (money: column 26 of "  - { name: price, type: money }").
    expect(check(text)).toEqual([
      'orders.yaml:5:13: duplicate column "id" (also column 1) (fix: rename or remove one of them)',
      'orders.yaml:6:27: decimal precision must be 1..38, got 40 (fix: write e.g. type: bigint, type: "decimal(12,2)" or type: timestamp)',
      'orders.yaml:7:26: unknown type "money": use one of string, boolean, int, bigint, double, float, date, timestamp, decimal(p,s) (fix: write e.g. type: bigint, type: "decimal(12,2)" or type: timestamp)',
      'orders.yaml:9:25: partition column "created_at" is not a column (fix: use one of id, amount, price)',
      'orders.yaml:10:7: mode: upsert needs a primary key to know which rows to replace (fix: add primaryKey: [<column>] or use mode: append)',
    ]);
  });

  it('an unquoted decimal type in a { … } mapping, cut at its comma: both halves say so and how to quote it (newcomer\'s trial, stop 57)', () => {
    expect(check(`dataset: orders\nsource: { format: csv }\ncolumns:\n  - { name: e, type: decimal(3,1) }\n`)).toEqual([
      'orders.yaml:4:22: unknown type "decimal(3": in a { … } mapping a comma ends the value; quote the type: type: "decimal(3,s)" (fix: write e.g. type: bigint, type: "decimal(12,2)" or type: timestamp)',
      'orders.yaml:4:32: unknown key "1)" in columns.0: the end of an unquoted decimal type, cut off at its comma (fix: quote the type: type: "decimal(p,1)")',
    ]);
  });

  it('property: a mistake in a column (its name\'s spelling, a value of the wrong kind) hides none of the file\'s other mistakes: each one\'s diagnostics are there with it, in one run (newcomer\'s trial, stop 57: a CamelCase name hid six)', () => {
    // Each mistake is a change of one line of a valid file; the lines are those of the columns and keys below.
    const lines = [
      'dataset: orders', 'source: { format: csv }', 'columns:',
      '  - { name: id, type: bigint, required: true }',
      '  - { name: amount, type: "decimal(12,2)" }',
      '  - { name: qty, type: int, min: 1, max: 5 }',
      '  - { name: label, type: string }',
      '  - { name: day, type: date, required: true }',
      'partitionBy:', '  - { name: dt, column: day }',
    ];
    const mistakes: Array<[number, string]> = [
      [3, '  - { name: Id, type: bigint, required: true }'], // spelling of a name (structure)
      [6, '  - { name: label, type: string, maxLength: -1 }'], // a value out of range (structure)
      [5, '  - { name: qty, type: int, min: 1, max: "five" }'], // a value of the wrong kind (structure)
      [4, '  - { name: amount, type: "decimal(40,2)" }'], // meaning
      [9, '  - { name: dt, column: created_at }'], // meaning
      [0, 'dataset: orders_x'], // meaning (the file's name)
    ];
    const diagnose = (made: ReadonlyArray<[number, string]>) => {
      const text = lines.map((l, i) => made.find(([at]) => at === i)?.[1] ?? l).join('\n');
      return check(`${text}\n`).map((d) => d.replace(/ \(fix: use one of [^)]*\)$/, ''));
    };
    expect(diagnose([])).toEqual([]);
    fc.assert(fc.property(fc.subarray(mistakes, { minLength: 2 }), (made) => {
      const all = diagnose(made);
      for (const m of made) for (const d of diagnose([m])) expect(all, `${m[1]}\n${all.join('\n')}`).toContain(d);
    }), { numRuns: 60 });
  });

  it('suggests the intended type name', () => {
    expect(check(`dataset: orders\nsource: { format: csv }\ncolumns:\n  - { name: id, type: integer }\n`)[0])
      .toBe('orders.yaml:4:23: unknown type "integer": did you mean "int"? (fix: write e.g. type: bigint, type: "decimal(12,2)" or type: timestamp)');
  });

  it('reports structural errors: missing keys, enums, names that are not snake_case, YAML syntax', () => {
    expect(check('dataset: orders\ncolumns: []\n')).toEqual(expect.arrayContaining([
      'orders.yaml:1:1: missing key "source" (fix: add source: { format: csv })',
    ]));
    expect(check('dataset: orders\nsource: { format: xml }\ncolumns: [{ name: a, type: string }]\n'))
      .toContain('orders.yaml:2:19: source.format must be one of csv | jsonl | json | parquet (fix: use one of csv, jsonl, json, parquet)');
    expect(check('dataset: Orders\nsource: { format: csv }\ncolumns: [{ name: a, type: string }]\n', 'Orders.yaml')[0])
      .toMatch(/^Orders\.yaml:1:10: dataset has an invalid value \(fix: use lower_snake_case/);
    // An unclosed flow map is found at the end of the text: line 3, column 1.
    expect(check('dataset: orders\nsource: { format: csv\n')).toEqual([
      'orders.yaml:3:1: Flow map in block collection must be sufficiently indented and end with a } (fix: fix the YAML syntax at this position)',
    ]);
    // A missing colon after columns: the first error, and how many followed it (before: one line for each later token).
    expect(check('dataset: orders\nsource: { format: csv }\ncolumns\n  - { name: a, type: string }\n  - { name: b, type: int }\n')).toEqual([
      'orders.yaml:3:1: Implicit keys need to be on a single line (and 4 more YAML errors after it, most likely caused by it: fix this one and run strata check again) (fix: fix the YAML syntax at this position)',
    ]);
    // Duplicate keys are each their own.
    expect(check('dataset: orders\ndataset: x\nsource: { format: csv }\nsource: { format: csv }\ncolumns: [{ name: a, type: string }]\n').filter((l) => l.includes('duplicate'))).toHaveLength(2);
  });

  it('checks transforms against column types and partition names against column names', () => {
    const base = (p: string) => `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint }\n  - { name: d, type: date, required: true }\n  - { name: x, type: double }\npartitionBy:\n  - ${p}\n`;
    const errorsOf = (p: string) => check(base(p), 't.yaml').filter((l) => !l.includes(': warning: '));
    expect(errorsOf('{ name: p, column: id, transform: day }')).toEqual([expect.stringMatching(/^t\.yaml:8:39: transform day needs a date or timestamp column/)]);
    expect(errorsOf('{ name: p, column: d, transform: hour }')).toEqual([expect.stringMatching(/transform hour needs a timestamp; "d" is a date \(fix: use transform: day\)/)]);
    expect(errorsOf('{ name: p, column: x }')).toEqual([expect.stringMatching(/identity partition on double column "x"/)]);
    expect(errorsOf('{ name: id, column: d, transform: month }')).toEqual([expect.stringMatching(/partition "id" has the name of a column/)]);
  });

  it('refuses a column named rowid, and a CSV dialect whose delimiter, quote or escape is a line end or two of them one character (an attack, stop 52: wrong upsert winners, an escaped LF read as nothing)', () => {
    const cols = '  - { name: id, type: int, required: true }\n';
    const t = (source: string, more = '') => check(`dataset: t\nsource: ${source}\ncolumns:\n${cols}${more}`, 't.yaml').map((l) => l.replace(/^t\.yaml:\d+:\d+: /, ''));
    expect(t('{ format: jsonl }', '  - { name: rowid, type: int }\n')).toEqual(['column "rowid" is the name of DuckDB\'s row number, by which strata numbers a file\'s records (fix: name it otherwise and read the field by its name: { name: row_id, from: rowid })']);
    expect(t('{ format: jsonl }', '  - { name: row_id, type: int, from: rowid }\n')).toEqual([]);
    expect(t('{ format: csv, csv: { escape: "\\n" } }')).toEqual(['escape "\\n" is a line end, which ends records (fix: use another character for escape)']);
    expect(t('{ format: csv, csv: { escape: "\\r" } }')).toEqual(['escape "\\r" is a line end, which ends records (fix: use another character for escape)']);
    expect(t('{ format: csv, csv: { delimiter: "\\n" } }')).toEqual(['delimiter "\\n" is a line end, which ends records (fix: use another character for delimiter)']);
    expect(t('{ format: csv, csv: { delimiter: "\\"" } }')).toEqual(['the delimiter and the quote are the same character "\\"": no field could be told from the next (fix: give them two characters)']);
    expect(t('{ format: csv, csv: { delimiter: ";", escape: ";" } }')).toEqual(['the escape and the delimiter are the same character ";": a delimiter inside quotes would read as an escape (fix: give the escape another character (by default it is the quote))']);
    // Allowed: a tab, a backslash escape, no quote at all with a delimiter that would be the default quote.
    expect(t('{ format: csv, csv: { delimiter: "\\t", escape: "\\\\" } }')).toEqual([]);
    expect(t('{ format: csv, csv: { quote: "", delimiter: "|" } }')).toEqual([]);
  });

  it('checks column rules against types', () => {
    const t = (c: string) => check(`dataset: t\nsource: { format: csv }\ncolumns:\n  - ${c}\n`, 't.yaml');
    expect(t('{ name: a, type: string, min: 3 }')[0]).toMatch(/min applies to numbers, dates and timestamps, not string \(fix: use maxLength or pattern\)/);
    expect(t('{ name: a, type: int, pattern: "x" }')[0]).toMatch(/pattern applies to string columns/);
    expect(t('{ name: a, type: int, allowed: [1, "two"] }')[0]).toMatch(/allowed value "two" is not a int/);
    expect(t('{ name: a, type: date, min: "01/02/2020" }')[0]).toMatch(/min "01\/02\/2020" is not a date \(fix: write an ISO date/);
    // (Whether RE2 compiles a pattern is asked of the engine: test/check-refusals.test.ts.)
    expect(t('{ name: a, type: int, min: 5, max: 1 }')[0]).toMatch(/min 5 is greater than max 1/);
  });

  it('a min or max must be a value of the column\'s type: an ingest would fail on the bound, or compare with it rounded (newcomer trial, stop 35)', () => {
    const t = (c: string) => check(`dataset: t\nsource: { format: csv }\ncolumns:\n  - ${c}\n`, 't.yaml').map((l) => l.replace(/^t\.yaml:\d+:\d+: /, '').replace(/ \(fix: .*$/, ''));
    expect(t('{ name: a, type: int, max: 3000000000 }')).toEqual(['max 3000000000 is outside int\'s range -2147483648 to 2147483647']);
    expect(t('{ name: a, type: int, min: 1.5 }')).toEqual(['min 1.5 is not written as a whole number (digits only), and int holds only those']);
    expect(t('{ name: a, type: bigint, max: "9223372036854775808" }')).toEqual(['max "9223372036854775808" is outside bigint\'s range -9223372036854775808 to 9223372036854775807']);
    expect(t('{ name: a, type: float, max: 1e99 }')).toEqual(['max "1e99" is outside float\'s range']);
    // JavaScript's Number() reads "0x10" as 16; DuckDB's cast does not read it at all (test/schema-bounds.property.test.ts).
    expect(t('{ name: a, type: double, min: "0x10" }')).toEqual(['min "0x10" is not a decimal number (digits, a point, an exponent), as double bounds are written']);
    expect(t('{ name: a, type: "decimal(5,2)", min: 1.005 }')).toEqual(['min 1.005 has more decimal places than decimal(5,2) keeps (2): it would be rounded']);
    expect(t('{ name: a, type: "decimal(5,2)", max: 1000 }')).toEqual(['max 1000 has more digits before the point than decimal(5,2) holds (3)']);
    expect(t('{ name: a, type: date, max: "2025-13-01" }')).toEqual(['max "2025-13-01" is no such day or time']);
    expect(t('{ name: a, type: date, min: "2025-02-29" }')).toEqual(['min "2025-02-29" is no such day or time']);
    expect(t('{ name: a, type: timestamp, min: "2025-06-30 24:00" }')).toEqual(['min "2025-06-30 24:00" is no such day or time']);
    // DuckDB's cast to the column's type drops an offset, and rounds below the millisecond (an attack, stop 58).
    expect(t('{ name: a, type: timestamp, max: "2025-06-15T10:00:00+02:00" }')).toEqual(['max "2025-06-15T10:00:00+02:00" has a time zone: timestamp bounds are UTC times written without one']);
    expect(t('{ name: a, type: timestamp, min: "2025-06-15T10:00:00.0005", allowed: ["2025-06-15 10:00:00.123000"] }')).toEqual(['min "2025-06-15T10:00:00.0005" has digits below the millisecond, and timestamp columns keep milliseconds: it would be rounded']);
    // A number YAML reads as another double is the text written (an attack, stop 58: test/schema-bounds.property.test.ts).
    expect(t('{ name: a, type: bigint, max: 9007199254740993 }')).toEqual([]);
    expect(loadSchemaText('t.yaml', 'dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: a, type: bigint, max: 9007199254740993 }\n').spec!.columns[0]!.max).toBe('9007199254740993');
    expect(t('{ name: a, type: "decimal(10,8)", min: 0.0000001, max: 1.10 }')).toEqual([]);
    expect(t('{ name: a, type: string, allowed: [007, "007", 7] }')).toEqual(['allowed value 007 is the number 7 to YAML, not the text written']);
    // Through an alias too: its anchor's text (an attack, stop 58: *m took the double where &m took the text).
    const aliased = loadSchemaText('t.yaml', 'dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: a, type: "decimal(16,2)", max: &m 99999999999999.99 }\n  - { name: b, type: "decimal(16,2)", max: *m }\n  - { name: c, type: int, min: &z 007 }\n  - { name: d, type: string, allowed: [*z] }\n');
    expect(aliased.draft!.columns.map((c) => c.max ?? c.min ?? c.allowed)).toEqual(['99999999999999.99', '99999999999999.99', '007', ['007']]);
    expect(aliased.diagnostics.map((d) => d.message)).toEqual(['allowed value 007 is the number 7 to YAML, not the text written']);
    expect(t('{ name: a, type: "decimal(38,18)", min: 0.123456789012345679, max: 0.123456789012345678 }')).toEqual(['min 0.123456789012345679 is greater than max 0.123456789012345678']);
    // Days and times as the instants they name; FLOAT's largest as DuckDB prints it (an attack, stop 58).
    expect(t('{ name: a, type: date, min: "2025-01-01", max: "2020-01-01" }')).toEqual(['min 2025-01-01 is after max 2020-01-01']);
    expect(t('{ name: a, type: timestamp, min: "2025-01-01 10:00", max: "2025-01-01T10:00:00" }')).toEqual([]);
    expect(t('{ name: a, type: float, max: 3.4028235e38 }')).toEqual([]);
    // Bounds at the ends of each type are values of it.
    expect(t('{ name: a, type: int, min: -2147483648, max: 2147483647 }')).toEqual([]);
    expect(t('{ name: a, type: bigint, min: "-9223372036854775808", max: "9223372036854775807" }')).toEqual([]);
    expect(t('{ name: a, type: "decimal(5,2)", min: -999.99, max: "999.990" }')).toEqual([]);
    expect(t('{ name: a, type: double, max: 1e308 }')).toEqual([]);
    expect(t('{ name: a, type: date, min: "0001-01-01", max: "9999-12-31" }')).toEqual([]);
    expect(t('{ name: a, type: timestamp, min: "2024-02-29T23:59:59" }')).toEqual([]);
  });

  it('round: half_even or half_up, on decimal and timestamp columns only', () => {
    const t = (c: string) => check(`dataset: t\nsource: { format: csv }\ncolumns:\n  - ${c}\n`, 't.yaml');
    expect(t('{ name: a, type: "decimal(5,1)", round: half_even }')).toEqual([]);
    expect(t('{ name: a, type: timestamp, round: half_up }')).toEqual([]);
    expect(t('{ name: a, type: int, round: half_up }')).toEqual(['t.yaml:4:34: round applies to decimal and timestamp columns, "a" is int (fix: make the column a decimal(p,0) to round fractions, or remove round)']);
    expect(t('{ name: a, type: double, round: half_up }')).toEqual(['t.yaml:4:37: round applies to decimal and timestamp columns, "a" is double (fix: remove round)']);
    expect(t('{ name: a, type: "decimal(5,1)", round: nearest }')[0]).toMatch(/^t\.yaml:4:\d+: columns\.0\.round must be one of half_even \| half_up/);
    const plan = compile(loadSchemaText('t.yaml', 'dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: a, type: "decimal(5,1)", round: half_up }\n').spec!);
    expect(plan.columns[0]!.round).toBe('half_up');
  });

  it('requires the file name to match the dataset and names to be unique across files', () => {
    const a = 'dataset: orders\nsource: { format: csv }\ncolumns: [{ name: a, type: string }]\n';
    expect(checkProject([{ file: 'x.yaml', text: a }]).diagnostics.map(formatDiagnostic)[0])
      .toBe('x.yaml:1:10: dataset "orders" is in a file named x.yaml (fix: rename the file to orders.yaml or the dataset to x)');
  });

  it('warns when a partition column may be NULL', () => {
    const text = 'dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: ts, type: timestamp }\npartitionBy:\n  - { name: dt, column: ts, transform: day }\n';
    const d = checkProject([{ file: 't.yaml', text }]).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ severity: 'warning', line: 6 });
  });
});

describe('the example schemas', () => {
  it('check clean, each carries the yaml-language-server comment, and the published JSON Schema is the one in use', async () => {
    const project = await loadProject('schemas');
    expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(project.schemas.length).toBeGreaterThanOrEqual(3);
    for (const f of readdirSync('schemas').filter((n) => n.endsWith('.yaml'))) {
      expect(readFileSync(`schemas/${f}`, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../core/schema/dataset.schema.json');
    }
    const published = JSON.parse(readFileSync('core/schema/dataset.schema.json', 'utf8'));
    // Every key has a description (the editor shows it on hover).
    const undocumented: string[] = [];
    const walk = (node: any, path: string) => {
      for (const [k, v] of Object.entries<any>(node.properties ?? {})) {
        if (!v.description && !v.$ref) undocumented.push(`${path}${k}`);
        walk(v, `${path}${k}.`);
      }
      for (const [k, v] of Object.entries<any>(node.$defs ?? {})) walk(v, `$defs.${k}.`);
    };
    walk(published, '');
    expect(undocumented).toEqual([]);
    // core/schema/load.ts's validator was generated without checking the schema against the meta-schema: checked here.
    const meta = new Ajv2020({ strict: false });
    expect(meta.validateSchema(published), JSON.stringify(meta.errors)).toBe(true);
    expect(meta.validateSchema({ type: 'object', properties: { a: { type: 'nope' } } })).toBe(false);
  });
});

describe('the generated structure validator (core/schema/dataset.schema.validate.js)', () => {
  it('is what the generator writes from dataset.schema.json now (else: npm run schema:validator)', () => {
    expect(readFileSync(VALIDATOR_FILE, 'utf8') === structureValidatorSource(), 'core/schema/dataset.schema.validate.js is stale: run npm run schema:validator').toBe(true);
    // and the generator follows the schema: another schema gives another module
    expect(structureValidatorSource({ type: 'object', required: ['x'] })).not.toBe(readFileSync(VALIDATOR_FILE, 'utf8'));
  });

  it('gives what Ajv compiling the schema at run time gives: the verdict and every error, parentSchema included (property)', () => {
    const compiled = new Ajv2020(VALIDATOR_OPTIONS).compile(JSON.parse(readFileSync('core/schema/dataset.schema.json', 'utf8')));
    const errorsOf = (v: typeof compiled, x: unknown) => [v(x), JSON.stringify(v.errors ?? null)];
    const column = fc.record({ name: fc.oneof(fc.constantFrom('id', 'Bad Name', ''), fc.string()), type: fc.oneof(fc.constantFrom('int', 'string', 'decimal(9,2)'), fc.integer()),
      required: fc.oneof(fc.boolean(), fc.constant('yes')), allowed: fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
      format: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 2 }), fc.integer()), round: fc.constantFrom('half_even', 'half_up', 'down'), bogus: fc.anything() }, { requiredKeys: [] });
    const spec = fc.record({
      dataset: fc.oneof(fc.constantFrom('orders', 'Orders', ''), fc.string()),
      source: fc.oneof(fc.record({ format: fc.constantFrom('csv', 'jsonl', 'xml'), csv: fc.record({ delimiter: fc.string({ maxLength: 2 }), header: fc.anything() }, { requiredKeys: [] }) }, { requiredKeys: [] }), fc.anything()),
      columns: fc.oneof(fc.array(column, { maxLength: 3 }), fc.anything()),
      primaryKey: fc.array(fc.string(), { maxLength: 2 }), mode: fc.constantFrom('append', 'upsert', 'merge'),
      partitionBy: fc.array(fc.record({ name: fc.string(), column: fc.string(), transform: fc.constantFrom('day', 'week') }, { requiredKeys: [] }), { maxLength: 2 }),
      quality: fc.record({ silver: fc.record({ halt: fc.oneof(fc.string(), fc.array(fc.string()), fc.integer()), warn: fc.anything() }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      lambda: fc.record({ memory: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.double()), ephemeralStorageMb: fc.integer() }, { requiredKeys: [] }),
      extra: fc.anything(),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(spec, fc.anything()), (x) => {
      expect(errorsOf(validateStructure as typeof compiled, x)).toEqual(errorsOf(compiled, x));
    }), { numRuns: 300 });
    // It can tell: a valid spec passes and an invalid one fails, with the place named.
    expect(validateStructure({ dataset: 'orders', source: { format: 'csv' }, columns: [{ name: 'id', type: 'int' }] })).toBe(true);
    expect(validateStructure({ dataset: 'orders', source: { format: 'csv' }, columns: [{ name: 'id', type: 'int', colour: 1 }] })).toBe(false);
    expect(validateStructure.errors?.[0]).toMatchObject({ instancePath: '/columns/0', keyword: 'additionalProperties', params: { additionalProperty: 'colour' } });
  });
});
