// Schema text → DatasetSpec (core/schema/load.ts), key by key: the defaults, every key carried into the spec, and each
// diagnostic with its line, column and fix. Pure and fast (mutation testing runs it once per planted bug); every
// expected spec and position is written out by hand from the YAML text.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { loadSchemaText } from '../core/schema/load.ts';

const load = (text: string) => loadSchemaText('t.yaml', text);
const lines = (text: string) => load(text).diagnostics.map(formatDiagnostic);
const HEAD = 'dataset: t\nsource: { format: csv }\ncolumns:\n';
/** One column (line 4), the rest of the file after it. */
const col = (c: string, rest = '') => `${HEAD}  - ${c}\n${rest}`;

describe('the spec a schema file becomes', () => {
  it('the defaults of a minimal csv file', () => {
    const r = load(`${HEAD}  - { name: id, type: bigint }\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.draft).toBeUndefined();
    // toStrictEqual: a key that is there with the value undefined is not the same spec
    expect(r.spec).toStrictEqual({
      dataset: 't',
      source: { format: 'csv', compression: 'auto', nullValues: [''], csv: { delimiter: ',', header: true, quote: '"', escape: '"', skipRows: 0 } },
      columns: [{ name: 'id', typeText: 'bigint', type: { name: 'bigint' }, from: 'id', required: false }],
      primaryKey: [], mode: 'append', partitionBy: [], rejects: { maxRatio: 0.05 },
      quality: { silver: { halt: [], warn: [] } }, gold: [], retention: { days: 7 }, lambda: {},
    });
    // a format other than csv reads no NULL spelling by default
    expect(load('dataset: t\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: bigint }\n').spec!.source.nullValues).toEqual([]);
  });

  it('every key, carried over as written', () => {
    const text = `dataset: t
description: the t data
owner: team@example.com
source:
  format: csv
  compression: gzip
  nullValues: [NA]
  csv: { delimiter: ";", header: false, quote: "'", escape: "\\\\", skipRows: 2, decimalSeparator: "," }
columns:
  - { name: id, type: bigint, from: ID, description: the key }
  - { name: s, type: string, allowed: [A, B], pattern: "[AB]", maxLength: 1, nullValues: ["-"], required: true }
  - { name: n, type: "decimal(5,1)", min: 0, max: 10, round: half_up }
  - { name: d, type: date, format: "%d/%m/%Y", required: true }
  - { name: ts, type: timestamp, format: ["%Y", "%m"], required: false }
primaryKey: [id]
mode: upsert
partitionBy:
  - { name: day, column: d }
  - { name: mon, column: ts, transform: month }
rejects: { maxRatio: 0.5 }
quality:
  silver: { halt: "Rules = [ RowCount > 0 ]", warn: ['IsComplete "s"'] }
gold:
  - table: g1
    sql: SELECT 1 AS x
    description: first
    partitionBy: [x]
    refresh: full
    engine: athena
    analysts: false
    quality: { warn: [RowCount > 0] }
    compaction: { minFiles: 3 }
  - table: g2
    sql: SELECT 2 AS y
  - table: g3
    sql: SELECT 3 AS z
    partitionBy: [z]
retention: { days: 30 }
lambda: { memory: 2048, timeoutSeconds: 60, ephemeralStorageMb: 1024 }
compaction: { sortBy: [id], schedule: rate(2 hours) }
`;
    const r = load(text);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      't.yaml:19:26: warning: partition column "ts" is not required: rows without it land in partition mon=__HIVE_DEFAULT_PARTITION__ (fix: add required: true to column ts)',
    ]);
    expect(r.spec).toStrictEqual({
      dataset: 't', description: 'the t data', owner: 'team@example.com',
      source: { format: 'csv', compression: 'gzip', nullValues: ['NA'], csv: { delimiter: ';', header: false, quote: "'", escape: '\\', skipRows: 2, decimalSeparator: ',' } },
      columns: [
        { name: 'id', typeText: 'bigint', type: { name: 'bigint' }, from: 'ID', required: true, description: 'the key' },
        { name: 's', typeText: 'string', type: { name: 'string' }, from: 's', required: true, allowed: ['A', 'B'], pattern: '[AB]', maxLength: 1, nullValues: ['-'] },
        { name: 'n', typeText: 'decimal(5,1)', type: { name: 'decimal', precision: 5, scale: 1 }, from: 'n', required: false, min: 0, max: 10, round: 'half_up' },
        { name: 'd', typeText: 'date', type: { name: 'date' }, from: 'd', required: true, format: ['%d/%m/%Y'] },
        { name: 'ts', typeText: 'timestamp', type: { name: 'timestamp' }, from: 'ts', required: false, format: ['%Y', '%m'] },
      ],
      primaryKey: ['id'], mode: 'upsert',
      partitionBy: [{ name: 'day', column: 'd', transform: 'identity' }, { name: 'mon', column: 'ts', transform: 'month' }],
      rejects: { maxRatio: 0.5 },
      quality: { silver: { halt: ['Rules = [ RowCount > 0 ]'], warn: ['IsComplete "s"'] } },
      gold: [
        { table: 'g1', sql: 'SELECT 1 AS x', description: 'first', partitionBy: ['x'], refresh: 'full', engine: 'athena', analysts: false,
          quality: { halt: [], warn: ['RowCount > 0'] }, compaction: { minFiles: 3, targetMb: 128, sortBy: [] } },
        // The default refresh: full without partitionBy (incremental there fails check: newcomer's trial, stop 52),
        // incremental with it.
        { table: 'g2', sql: 'SELECT 2 AS y', partitionBy: [], refresh: 'full', engine: 'duckdb', analysts: true, quality: { halt: [], warn: [] } },
        { table: 'g3', sql: 'SELECT 3 AS z', partitionBy: ['z'], refresh: 'incremental', engine: 'duckdb', analysts: true, quality: { halt: [], warn: [] } },
      ],
      retention: { days: 30 },
      lambda: { memory: 2048, timeoutSeconds: 60, ephemeralStorageMb: 1024 },
      compaction: { minFiles: 32, targetMb: 128, sortBy: ['id'], schedule: 'rate(2 hours)' },
    });
  });

  it('csv: nullValues under csv count when source has none; escape defaults to the quote; a stream needs jsonl', () => {
    const s = load('dataset: t\nsource: { format: csv, csv: { nullValues: [x], quote: "\'" } }\ncolumns:\n  - { name: id, type: bigint }\n').spec!;
    expect(s.source.nullValues).toEqual(['x']);
    expect(s.source.csv).toEqual({ delimiter: ',', header: true, quote: "'", escape: "'", skipRows: 0 });
    const j = load('dataset: t\nsource: { format: jsonl, compression: gzip }\ncolumns:\n  - { name: id, type: bigint }\nstream: { source: kinesis }\n');
    expect(j.diagnostics).toEqual([]);
    expect(j.spec!.stream).toEqual({ buffer: { seconds: 60, megabytes: 64 }, source: 'kinesis' });
    // stream: reads the compression as written, or auto
    expect(lines('dataset: t\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: bigint }\nstream: {}\n')).toEqual([]);
    expect(lines('dataset: t\nsource: { format: jsonl, compression: zstd }\ncolumns:\n  - { name: id, type: bigint }\nstream: {}\n'))
      .toEqual(['t.yaml:2:39: dataset streams records (stream:), which arrive gzipped (.gz); source.compression zstd cannot read them (fix: set source.compression: auto (or gzip))']);
    // source.csv on another format is ignored, with a warning
    expect(lines('dataset: t\nsource: { format: jsonl, csv: { delimiter: ";" } }\ncolumns:\n  - { name: id, type: bigint }\n'))
      .toEqual(['t.yaml:2:31: warning: source.csv is ignored for format jsonl (fix: remove source.csv)']);
    // decimalSeparator "," with the default delimiter, and with an explicit ","
    expect(lines('dataset: t\nsource: { format: csv, csv: { delimiter: ",", decimalSeparator: "," } }\ncolumns:\n  - { name: id, type: double }\n'))
      .toEqual([expect.stringMatching(/^t\.yaml:2:65: decimalSeparator "," needs another field delimiter/)]);
    expect(load('dataset: t\nsource: { format: csv, csv: { decimalSeparator: "." } }\ncolumns:\n  - { name: id, type: double }\n').spec!.source.csv).toEqual(
      { delimiter: ',', header: true, quote: '"', escape: '"', skipRows: 0 });
  });
});

describe('diagnostics of structure', () => {
  it('a file that is not a mapping', () => {
    expect(lines('- a\n- b\n')).toEqual(['t.yaml:1:1: a schema file must be a mapping of keys (fix: start with "dataset: <name>")']);
    expect(lines('hello\n')).toEqual(['t.yaml:1:1: a schema file must be a mapping of keys (fix: start with "dataset: <name>")']);
    expect(lines('')).toEqual(['t.yaml:1:1: a schema file must be a mapping of keys (fix: start with "dataset: <name>")']);
  });

  it('structural errors in line order, then column order, not in the order of the JSON Schema', () => {
    expect(lines('mode: sometimes\ndataset: 5\nsource: { compression: bad, format: xml }\ncolumns:\n  - { name: id, type: bigint }\n')).toEqual([
      't.yaml:1:7: mode must be one of append | upsert (fix: use one of append, upsert)',
      't.yaml:2:10: dataset must be string (fix: write a string here)',
      't.yaml:3:24: source.compression must be one of auto | none | gzip | zstd (fix: use one of auto, none, gzip, zstd)',
      't.yaml:3:37: source.format must be one of csv | jsonl | json | parquet (fix: use one of csv, jsonl, json, parquet)',
    ]);
  });

  it('a problem of the whole file sits at its first key, after leading comments', () => {
    expect(lines('# orders\n# more\ndataset: t\n')).toEqual(['t.yaml:3:1: missing key "source" (fix: add source: { format: csv })']);
  });

  it('duplicate keys are a syntax error', () => {
    expect(lines('dataset: t\ndataset: u\n')).toEqual(['t.yaml:2:1: duplicate key in mapping (fix: remove one of the two keys)']);
  });

  it('unknown keys: with a guess, without one, at the top; the meaning is still checked when they are the only problem', () => {
    expect(lines(`${HEAD}  - { name: id, type: bigint }\nzzzzzzzz: 1\n`)).toEqual([
      't.yaml:5:1: unknown key "zzzzzzzz" (fix: remove it; allowed keys: dataset, description, owner, source, columns, primaryKey, mode, partitionBy, rejects, quality, gold, retention, lambda, stream, compaction)',
    ]);
    const r = load(`${HEAD}  - { name: id, type: bigint }\n  - { name: id, type: bigint }\nretention: { day: 3 }\n`);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      't.yaml:5:13: duplicate column "id" (also column 1) (fix: rename or remove one of them)',
      't.yaml:6:14: unknown key "day" in retention (fix: did you mean "days"?)',
    ]);
    expect(r.spec).toBeUndefined();
    expect(r.draft!.retention).toEqual({ days: 7 });
    // an unknown key and another structural problem: only the structure is reported
    expect(lines(`${HEAD}  - { name: id, type: bigint }\nmode: sometimes\nretention: { day: 3 }\n`)).toEqual([
      't.yaml:5:7: mode must be one of append | upsert (fix: use one of append, upsert)',
      't.yaml:6:14: unknown key "day" in retention (fix: did you mean "days"?)',
    ]);
    expect(load(`${HEAD}  - { name: id, type: bigint }\nmode: sometimes\n`).draft).toBeUndefined();
  });

  it('missing keys, each with an example value', () => {
    expect(lines('dataset: t\n')).toEqual([
      't.yaml:1:1: missing key "source" (fix: add source: { format: csv })',
    ]);
    expect(lines('source: { format: csv }\ncolumns:\n  - { name: id, type: bigint }\n')).toEqual(['t.yaml:1:1: missing key "dataset" (fix: add dataset: my_dataset)']);
    expect(lines('dataset: t\nsource: { format: csv }\n')).toEqual(['t.yaml:1:1: missing key "columns" (fix: add columns: [{ name: id, type: bigint }])']);
    expect(lines('dataset: t\nsource: {}\ncolumns:\n  - { name: id, type: bigint }\n')).toEqual(['t.yaml:2:9: missing key "format" in source (fix: add format: csv)']);
    expect(lines(col('{ type: bigint }'))).toEqual(['t.yaml:4:5: missing key "name" in columns.0 (fix: add name: my_column)']);
    expect(lines(col('{ name: id }'))).toEqual(['t.yaml:4:5: missing key "type" in columns.0 (fix: add type: string)']);
    expect(lines(col('{ name: id, type: bigint }', 'partitionBy:\n  - { name: p }\n'))).toEqual(['t.yaml:6:5: missing key "column" in partitionBy.0 (fix: add column: <a column name>)']);
    expect(lines(col('{ name: id, type: bigint }', 'gold:\n  - { sql: SELECT 1 }\n'))).toEqual(['t.yaml:6:5: missing key "table" in gold.0 (fix: add table: my_table)']);
    expect(lines(col('{ name: id, type: bigint }', 'gold:\n  - { table: g }\n'))).toEqual(['t.yaml:6:5: missing key "sql" in gold.0 (fix: add sql: SELECT ... FROM silver.<dataset>)']);
  });

  it('values of the wrong kind: type, pattern, minItems, ranges, lengths', () => {
    expect(lines('dataset: 5\nsource: { format: csv }\ncolumns:\n  - { name: id, type: bigint }\n')).toEqual(['t.yaml:1:10: dataset must be string (fix: write a string here)']);
    expect(lines(col('{ name: Id, type: bigint }'))).toEqual(['t.yaml:4:13: column name "Id" is not lower_snake_case (a lowercase letter, then lowercase letters, digits or _) (fix: name it id (a name no other column has), and read the field by its name: { name: id, from: "Id", … })']);
    expect(lines(col('{ name: "Order ID", type: bigint }'))[0]).toMatch(/column name "Order ID" is not lower_snake_case .*\(fix: name it order_id \(a name no other column has\), and read the field by its name: \{ name: order_id, from: "Order ID", … \}\)$/);
    expect(lines(col('{ name: "2nd", type: bigint }'))[0]).toMatch(/\(fix: name it c_2nd /);
    // Accents off; never rowid, which check refuses; no from: "" for an empty name (an attack, stop 57).
    expect(lines(col('{ name: "Ünïcode", type: bigint }'))[0]).toMatch(/\(fix: name it unicode /);
    expect(lines(col('{ name: ROWID, type: bigint }'))[0]).toMatch(/\(fix: name it row_id /);
    expect(lines(col('{ name: "", type: bigint }'))[0]).toMatch(/is not lower_snake_case .*\(fix: name it in lower_snake_case, and read the field by its name with from: "<the field's name>"\)$/);
    expect(lines(col('{ name: id, type: bigint }', 'partitionBy:\n  - { name: P, column: id }\n'))).toEqual(['t.yaml:6:13: partitionBy.0.name has an invalid value (fix: use lower_snake_case: a lowercase letter, then lowercase letters, digits or _)']);
    expect(lines(col('{ name: id, type: bigint }', 'gold:\n  - { table: G, sql: SELECT 1 }\n'))).toEqual(['t.yaml:6:14: gold.0.table has an invalid value (fix: use lower_snake_case: a lowercase letter, then lowercase letters, digits or _)']);
    expect(lines('dataset: t\nsource: { format: csv }\ncolumns: []\n')).toEqual(['t.yaml:3:10: columns must have at least 1 item (fix: add an item or remove the key)']);
    expect(lines(col('{ name: id, type: bigint }', 'rejects: { maxRatio: 2 }\n'))).toEqual(['t.yaml:5:22: rejects.maxRatio must be <= 1 (fix: change the value)']);
    expect(lines(col('{ name: id, type: bigint }', 'rejects: { maxRatio: -1 }\n'))).toEqual(['t.yaml:5:22: rejects.maxRatio must be >= 0 (fix: change the value)']);
    expect(lines('dataset: t\nsource: { format: csv, csv: { delimiter: ";;" } }\ncolumns:\n  - { name: id, type: bigint }\n'))
      .toEqual(['t.yaml:2:42: source.csv.delimiter must NOT have more than 1 characters (fix: change the value)']);
    expect(lines('dataset: t\nsource: { format: csv, csv: { delimiter: "" } }\ncolumns:\n  - { name: id, type: bigint }\n'))
      .toEqual(['t.yaml:2:42: source.csv.delimiter must NOT have fewer than 1 characters (fix: change the value)']);
    // a rule list that is neither a string nor a list of strings: the first of ajv's errors for the path
    expect(lines(col('{ name: id, type: bigint }', 'quality:\n  silver: { halt: 5 }\n'))).toEqual(['t.yaml:6:19: quality.silver.halt must be array (fix: write a array here)']);
  });
});

describe('diagnostics of meaning', () => {
  it('primary key: a column that is not one, a column twice, upsert without one; a key column is required', () => {
    expect(lines(col('{ name: id, type: bigint }', 'primaryKey: [idd, id, id]\n'))).toEqual([
      't.yaml:5:13: primary key lists a column twice (fix: list each column once)',
      't.yaml:5:14: primary key column "idd" is not a column (fix: did you mean "id"?)',
    ]);
    expect(lines(col('{ name: id, type: bigint }', 'primaryKey: [qqqqq]\n'))).toEqual([
      't.yaml:5:14: primary key column "qqqqq" is not a column (fix: use one of id)',
    ]);
    const r = load(col('{ name: id, type: bigint }', 'primaryKey: [idd, id]\n'));
    expect(r.draft!.primaryKey).toEqual(['id']);
    expect(r.draft!.columns[0]!.required).toBe(true);
    expect(lines(col('{ name: id, type: bigint }', 'mode: upsert\n'))).toEqual([
      't.yaml:5:7: mode: upsert needs a primary key to know which rows to replace (fix: add primaryKey: [<column>] or use mode: append)',
    ]);
    expect(lines(col('{ name: id, type: bigint }', 'mode: upsert\nprimaryKey: [id]\n'))).toEqual([]);
  });

  it('partitions: transforms against types, names against columns and each other, a column that may be NULL', () => {
    const p = (c: string, part: string) => lines(`${HEAD}  - ${c}\npartitionBy:\n  - ${part}\n`);
    // identity partitions on a type with one value per row
    expect(p('{ name: x, type: double, required: true }', '{ name: p, column: x }')).toEqual([
      't.yaml:6:5: identity partition on double column "x" would make one folder per value (fix: partition on a string, integer or date column)']);
    expect(p('{ name: x, type: float, required: true }', '{ name: p, column: x, transform: identity }')).toEqual([
      't.yaml:6:38: identity partition on float column "x" would make one folder per value (fix: partition on a string, integer or date column)']);
    expect(p('{ name: x, type: "decimal(5,2)", required: true }', '{ name: p, column: x }')).toEqual([
      't.yaml:6:5: identity partition on decimal(5,2) column "x" would make one folder per value (fix: partition on a string, integer or date column)']);
    expect(p('{ name: x, type: timestamp, required: true }', '{ name: p, column: x }')).toEqual([
      't.yaml:6:5: identity partition on timestamp column "x" would make one folder per value (fix: use transform: day (or hour, month, year))']);
    for (const ok of ['string', 'int', 'bigint', 'date', 'boolean']) expect(p(`{ name: x, type: ${ok}, required: true }`, '{ name: p, column: x }')).toEqual([]);
    expect(p('{ name: x, type: timestamp, required: true }', '{ name: p, column: x, transform: hour }')).toEqual([]);
    expect(p('{ name: x, type: date, required: true }', '{ name: p, column: x, transform: year }')).toEqual([]);
    expect(p('{ name: x, type: string, required: true }', '{ name: p, column: x, transform: month }')).toEqual([
      't.yaml:6:38: transform month needs a date or timestamp column, "x" is string (fix: use transform: identity, or partition on a date/timestamp column)']);
    expect(p('{ name: x, type: date, required: true }', '{ name: p, column: x, transform: hour }')).toEqual([
      't.yaml:6:38: transform hour needs a timestamp; "x" is a date (fix: use transform: day)']);
    expect(p('{ name: x, type: date }', '{ name: p, column: x }')).toEqual([
      't.yaml:6:24: warning: partition column "x" is not required: rows without it land in partition p=__HIVE_DEFAULT_PARTITION__ (fix: add required: true to column x)']);
    expect(p('{ name: x, type: date, required: true }', '{ name: x, column: x }')).toEqual([
      't.yaml:6:13: partition "x" has the name of a column; Athena needs partition keys distinct from columns (fix: rename it, e.g. name: x_part)']);
    expect(lines(`${HEAD}  - { name: x, type: date, required: true }\npartitionBy:\n  - { name: p, column: x }\n  - { name: p, column: x }\n`)).toEqual([
      't.yaml:7:13: duplicate partition "p" (fix: give each partition its own name)']);
    // a partition on a missing column: an error, and the draft keeps only the partitions it can plan
    const r = load(`${HEAD}  - { name: x, type: date, required: true }\npartitionBy:\n  - { name: p, column: y }\n  - { name: q, column: x }\n`);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['t.yaml:6:24: partition column "y" is not a column (fix: did you mean "x"?)']);
    expect(r.draft!.partitionBy).toEqual([{ name: 'q', column: 'x', transform: 'identity' }]);
  });

  it('gold tables are named once; a gold compaction sortBy is checked with the gold SQL, not here', () => {
    expect(lines(col('{ name: id, type: bigint }', 'gold:\n  - { table: g, sql: SELECT 1 }\n  - { table: g, sql: SELECT 2 }\n'))).toEqual([
      't.yaml:7:14: duplicate gold table "g" (fix: give each gold table its own name)']);
    expect(lines(col('{ name: id, type: bigint }', 'gold:\n  - { table: g, sql: SELECT 1, compaction: { sortBy: [nope] } }\n'))).toEqual([]);
    expect(lines(col('{ name: id, type: bigint }', 'compaction: { sortBy: [nope] }\n'))).toEqual([
      't.yaml:5:24: compaction.sortBy names "nope", which is not a column (fix: use one of id)']);
  });

  it('column rules against the column type', () => {
    // allowed values of each type
    expect(lines(col('{ name: a, type: boolean, allowed: [true, 1] }'))).toEqual(['t.yaml:4:47: allowed value 1 is not a boolean (fix: remove it or change the column type)']);
    expect(lines(col('{ name: a, type: date, allowed: ["2024-01-01", "2024-1-1"] }'))).toEqual(['t.yaml:4:52: allowed value "2024-1-1" is not a date (fix: remove it or change the column type)']);
    expect(lines(col('{ name: a, type: timestamp, allowed: ["2024-01-01", "2024-01-01 10:00", "2024-01-01T10:00:00", "2024-01-01 10:00:00.123", "2024-01-01 10"] }')))
      .toEqual(['t.yaml:4:127: allowed value "2024-01-01 10" is not a timestamp (fix: remove it or change the column type)']);
    expect(lines(col('{ name: a, type: int, allowed: [1, "2", " 3 ", " ", "x", true] }'))).toEqual([
      't.yaml:4:52: allowed value " " is not a int (fix: remove it or change the column type)',
      't.yaml:4:57: allowed value "x" is not a int (fix: remove it or change the column type)',
      't.yaml:4:62: allowed value true is not a int (fix: remove it or change the column type)',
    ]);
    expect(lines(col('{ name: a, type: string, allowed: [x, 1, true] }'))).toEqual(['t.yaml:4:46: allowed value true is not a string (fix: remove it or change the column type)']);
    expect(lines(col('{ name: a, type: date, allowed: ["x2024-01-01"] }'))).toEqual(['t.yaml:4:38: allowed value "x2024-01-01" is not a date (fix: remove it or change the column type)']);
    expect(lines(col('{ name: a, type: date, allowed: ["2024-01-01x"] }'))).toEqual(['t.yaml:4:38: allowed value "2024-01-01x" is not a date (fix: remove it or change the column type)']);
    expect(lines(col('{ name: a, type: timestamp, allowed: ["x2024-01-01", "2024-01-01x"] }'))).toEqual([
      't.yaml:4:43: allowed value "x2024-01-01" is not a timestamp (fix: remove it or change the column type)',
      't.yaml:4:58: allowed value "2024-01-01x" is not a timestamp (fix: remove it or change the column type)',
    ]);
    // min and max
    expect(lines(col('{ name: a, type: boolean, min: 1 }'))).toEqual(['t.yaml:4:36: min applies to numbers, dates and timestamps, not boolean (fix: remove min)']);
    expect(lines(col('{ name: a, type: string, max: 1 }'))).toEqual(['t.yaml:4:35: max applies to numbers, dates and timestamps, not string (fix: use maxLength or pattern)']);
    expect(lines(col('{ name: a, type: int, max: "x" }'))).toEqual(['t.yaml:4:32: max "x" is not a int (fix: write a number)']);
    expect(lines(col('{ name: a, type: timestamp, max: "2024" }'))).toEqual(['t.yaml:4:38: max "2024" is not a timestamp (fix: write an ISO date, e.g. "2020-01-01")']);
    expect(lines(col('{ name: a, type: date, min: "2024-01-01", max: "2025-01-01" }'))).toEqual([]);
    expect(lines(col('{ name: a, type: "decimal(5,2)", min: "1.5", max: 2 }'))).toEqual([]);
    expect(lines(col('{ name: a, type: double, min: 2, max: 2 }'))).toEqual([]);
    expect(lines(col('{ name: a, type: double, min: "10", max: "9" }'))).toEqual(['t.yaml:4:35: min 10 is greater than max 9 (fix: swap them)']);
    // a date range is compared by the days it names (it was not: every row would have been quarantined; stop 58)
    expect(lines(col('{ name: a, type: date, min: "2025-01-01", max: "2024-01-01" }'))).toEqual(['t.yaml:4:33: min 2025-01-01 is after max 2024-01-01 (fix: swap them)']);
    expect(lines(col('{ name: a, type: date, min: "2024-01-01", max: "2024-01-01" }'))).toEqual([]);
    // pattern, maxLength, round, format
    expect(lines(col('{ name: a, type: string, pattern: "[a-z]+", maxLength: 3 }'))).toEqual([]);
    expect(lines(col('{ name: a, type: date, pattern: "x" }'))).toEqual(['t.yaml:4:37: pattern applies to string columns, "a" is date (fix: remove pattern or make the column a string)']);
    // (A pattern RE2 cannot compile is refused by the engine's check: test/check-refusals.test.ts.)
    expect(lines(col('{ name: a, type: string, pattern: "(x" }'))).toEqual([]);
    expect(lines(col('{ name: a, type: int, maxLength: 3 }'))).toEqual(['t.yaml:4:38: maxLength applies to string columns, "a" is int (fix: remove maxLength)']);
    expect(lines(col('{ name: a, type: bigint, round: half_even }'))).toEqual(['t.yaml:4:37: round applies to decimal and timestamp columns, "a" is bigint (fix: make the column a decimal(p,0) to round fractions, or remove round)']);
    expect(lines(col('{ name: a, type: string, round: half_even }'))).toEqual(['t.yaml:4:37: round applies to decimal and timestamp columns, "a" is string (fix: remove round)']);
    expect(lines(col('{ name: a, type: string, format: "%Y" }'))).toEqual(['t.yaml:4:38: format applies to date and timestamp columns, "a" is string (fix: remove format)']);
    expect(lines(col('{ name: a, type: date, format: ["%d.%m.%Y", "dd/mm/yyyy"] }'))).toEqual(['t.yaml:4:36: format "dd/mm/yyyy" has no strptime specifier (fix: write e.g. "%d/%m/%Y" or "%b %d %Y")']);
    expect(lines(col('{ name: a, type: timestamp, format: "%s" }'))).toEqual([]);
    // an unknown type skips the column's rule checks, and the draft reads it as a string
    const r = load(col('{ name: a, type: money, min: 1, pattern: "x" }'));
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^t\.yaml:4:22: unknown type "money"/)]);
    expect(r.draft!.columns).toStrictEqual([{ name: 'a', typeText: 'money', type: { name: 'string' }, from: 'a', required: false, min: 1, pattern: 'x' }]);
  });
});
