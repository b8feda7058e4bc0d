// strata init's draft (issue 15, item 10): non-ISO dates and timestamps in the formats strata reads, decimal commas,
// and a partition grain that fits the sample's rows and date range. Real DuckDB over real sample files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { inferSchema, renderSchemaYaml } from '../runtime/schema/infer.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { makeLake } from './helpers/lake.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-init-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

async function draft(name: string, text: string) {
  const file = join(dir, name);
  await writeFile(file, text);
  return withDuck((db) => inferSchema(db, file, name.replace(/\..*$/, '')));
}

/** ISO day `i` days after 2000-01-01 (hand-made: no production code involved). */
const day = (i: number) => new Date(Date.UTC(2000, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

describe('strata init drafts', () => {
  it('a record with an extra field does not make the draft one column named like the header (newcomer\'s trial, stop 45): the header\'s delimiter, and a note', async () => {
    const s = await draft('sales.csv', 'Order ID,Sale Date,Store,Amount,Qty\n1,2025-06-01,north,3.10,1\n2,2025-06-01,south,4.20,2\n'
      + '3,2025-06-02,north,5.00,1\n8,2025-06-03,north,3.10,1,extra\n9,2025-06-03,east,1.00,3\n');
    expect(s.delimiter).toBe(',');
    expect(s.columns.map((c) => c.from ?? c.name)).toEqual(['Order ID', 'Sale Date', 'Store', 'Amount', 'Qty']);
    expect(s.note).toBe("1 of the sample's 5 records has another number of fields than the header's 5: the draft leaves it out, and strata ingest will quarantine it");
    expect(renderSchemaYaml(s, 'sales.csv')).toContain('# Note: 1 of the sample');
    // A quoted line break is inside one record, not two of another shape (newcomer's trial, stop 50: "2 of 6").
    const quoted = await draft('quoted.csv', 'id,name,c\n1,x,1\n2,"a\nb",2\n3,y,3\n4,z,4,extra\n5,w,5\n');
    expect(quoted.note).toBe("1 of the sample's 5 records has another number of fields than the header's 3: the draft leaves it out, and strata ingest will quarantine it");
    // The record of another shape last: the sniffer took its shape and skipped every line before it, a draft without
    // header that skipped the whole file but one record (newcomer's trial, stop 50).
    const rows = Array.from({ length: 199 }, (_, i) => `${i + 1},n${i + 1},${i + 1}.5`);
    const last = await draft('last.csv', `id,name,amount\n${rows.join('\n')}\n200,n200,1.5,oops\n`);
    expect({ header: last.header, skipRows: last.skipRows ?? 0, columns: last.columns.map((c) => c.name) }).toEqual({ header: undefined, skipRows: 0, columns: ['id', 'name', 'amount'] });
    expect(last.note).toBe("1 of the sample's 200 records has another number of fields than the header's 3: the draft leaves it out, and strata ingest will quarantine it");
    // A real preamble is still skipped, commas and all (an attack: three lines with commas were read as data).
    const pre = await draft('pre.csv', 'Export generated 2025-03-05\nby the shop\n\nid,name\n1,a\n2,b\n');
    expect(pre.skipRows).toBeGreaterThan(0);
    const commas = await draft('pre3.csv', `Report, Sales\nGenerated, 2025-01-01\nRegion, all\nid,name,amount\n${rows.slice(0, 30).join('\n')}\n`);
    expect({ skipRows: commas.skipRows, columns: commas.columns.map((c) => c.name) }).toEqual({ skipRows: 3, columns: ['id', 'name', 'amount'] });
  });

  it('JSON lines with a line that is no JSON object: drafted from the others, with a note naming the first such line (newcomer\'s trial, stop 46: the draft gave up, naming the line after it)', async () => {
    const s = await draft('clicks.jsonl', '{"id": 1, "page": "a"}\n{"id": 2, "page": "b"}\n\nnot json\n{"id": 4, "page": "c"}\n{"id": 5, "pa\n');
    expect(s.columns.map((c) => [c.name, c.type, c.required])).toEqual([['id', 'bigint', true], ['page', 'string', true]]);
    expect(s.note).toBe("2 of the sample's lines are no JSON object (the first at line 4): the draft leaves them out, and strata ingest will quarantine them");
    await expect(draft('broken.jsonl', 'not json\n')).rejects.toThrow(/cannot be read as jsonl/);
    // A line that is valid JSON but no object (an array): left out alike (stop 48: the draft was one column of JSON).
    const arr = await draft('arr.jsonl', '{"id": 1, "s": "a\\"b,c"}\n[1, 2, 3]\n{"id": 2, "s": "x"}\n');
    expect(arr.columns.map((c) => [c.name, c.type, c.required])).toEqual([['id', 'bigint', true], ['s', 'string', true]]);
    expect(arr.note).toBe("1 of the sample's lines is no JSON object (the first at line 2): the draft leaves it out, and strata ingest will quarantine it");
  });

  it('property: ISO 8601 timestamps of several shapes in one field (Z, offsets, a fraction or none, T or a space) are drafted as a timestamp, from JSON lines and CSV; the draft ingests its sample, each value the instant it denotes (newcomer\'s trial, stop 57: text from JSON lines)', async () => {
    const two = (v: number) => String(v).padStart(2, '0');
    /** A timestamp's text without trailing zeros in its fraction, nor a point without one. */
    const canon = (v: string) => (v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v);
    const stamp = fc.record({
      ms: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      fraction: fc.constantFrom(0, 1, 3, 6),
      offset: fc.constantFrom<number | 'Z'>('Z', 0, 60, -300, 330, -570),
      t: fc.constantFrom('T', ' '),
    }).map(({ ms, fraction, offset, t }) => {
      // The instant, to the fraction's digits (a millisecond at most); its wall time at that offset, written by hand.
      const at = fraction >= 3 ? ms : ms - (ms % (fraction === 1 ? 100 : 1000));
      const wall = new Date(at + (offset === 'Z' ? 0 : offset) * 60_000).toISOString();
      const digits = wall.slice(20, 23).padEnd(6, '0').slice(0, fraction);
      const zone = offset === 'Z' ? 'Z' : `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
      const utc = new Date(at).toISOString();
      return { text: `${wall.slice(0, 10)}${t}${wall.slice(11, 19)}${fraction ? `.${digits}` : ''}${zone}`, instant: canon(`${utc.slice(0, 10)} ${utc.slice(11, 23)}`) };
    });
    // At least two shapes, so that no one format reads them all.
    const shapes = (xs: Array<{ text: string }>) => new Set(xs.map((x) => x.text.replace(/[0-9]/g, '9'))).size > 1;
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(stamp, { minLength: 2, maxLength: 12 }).filter(shapes), fc.constantFrom('jsonl', 'csv'), async (stamps, format) => {
      const name = `at${++n}`;
      const text = format === 'jsonl'
        ? stamps.map((x, i) => `${JSON.stringify({ id: i + 1, at: x.text })}\n`).join('')
        : `id,at\n${stamps.map((x, i) => `${i + 1},${x.text}\n`).join('')}`;
      const s = await draft(`${name}.${format}`, text);
      expect(s.columns.map((c) => [c.name, c.type, c.format]), text).toEqual([['id', 'bigint', undefined], ['at', 'timestamp', undefined]]);
      const lake = await makeLake({ [name]: renderSchemaYaml(s, `${name}.${format}`) });
      try {
        expect((await lake.ingest(name, await lake.file(`${name}.${format}`, text))).record).toMatchObject({ status: 'SUCCEEDED', rowsValid: stamps.length });
        const got = await lake.query<{ v: string }>(`SELECT CAST("at" AS VARCHAR) AS v FROM silver.${name} ORDER BY id`);
        expect(got.map((r) => canon(r.v)), text).toEqual(stamps.map((x) => x.instant));
      } finally {
        await lake.cleanup();
      }
    }), { numRuns: Number(process.env.RUNS ?? 12) });
  }, 120_000);

  it('a field mostly of ISO 8601 timestamps stays text with a note naming the type alone, no format (an attack, stop 57: "format: ISO 8601", which strata check refuses)', async () => {
    const s = await draft('mostly.jsonl', '{"id": 1, "ts": "2025-01-01T10:00:00Z"}\n{"id": 2, "ts": "2025-01-01T11:00:00.5+01:00"}\n{"id": 3, "ts": "soon"}\n');
    expect(s.columns.map((c) => [c.name, c.type, c.note])).toEqual([['id', 'bigint', undefined],
      ['ts', 'string', '2 of 3 values parse as ISO 8601, 1 value does not: kept as text (type: timestamp would quarantine those)']]);
  });

  it('reads "Jan 1 2000" as a date with its format, and decimal commas as decimals', async () => {
    const s = await draft('weather.csv', 'station;temp;observed;at\n'
      + 'A;39,81;Jan 1 2000;2001/01/14 21:55\n'
      + 'B;-1,5;Feb 12 2001;2001/01/15 08:00\n'
      + 'C;7;Mar 3 2001;2001/02/15 08:05\n');
    expect(s.delimiter).toBe(';');
    expect(s.decimalSeparator).toBe(',');
    expect(s.columns.map((c) => [c.name, c.type, c.format ?? null])).toEqual([
      ['station', 'string', null], ['temp', 'decimal(18,2)', null], ['observed', 'date', '%b %d %Y'],
      // DuckDB's sniffer read it as a timestamp without saying in which format: the one strata reads that fits (the
      // draft said none, and rejected its own sample; stop 48).
      ['at', 'timestamp', '%Y/%m/%d %H:%M'],
    ]);
    // The draft checks as written.
    const yaml = renderSchemaYaml(s, 'weather.csv');
    expect(yaml).toContain('decimalSeparator: ","');
    expect(loadSchemaText('weather.yaml', yaml).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('numbers written as decimals are drafted as decimals of their places, not doubles; an exponent, NaN or Infinity keeps a double (a newcomer\'s prices were doubles: 19.99 stored as the binary fraction nearest it)', async () => {
    const s = await draft('prices.csv', 'id,price,ratio,big,signed,odd\n1,19.99,0.5,12345678901234567.5,-0.5,1\n2,5.00,1e-3,1,2.0,NaN\n3,1234.5,0.25,7,3,2.5\n');
    expect(s.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'bigint'], ['price', 'decimal(18,2)'], ['ratio', 'double'], ['big', 'decimal(38,1)'], ['signed', 'decimal(18,1)'], ['odd', 'double'],
    ]);
    expect(s.columns[1]!.note).toMatch(/at most 2 places: decimal\(18,2\) holds them as written/);
    // The draft checks as written, and every sample value reaches silver as written.
    const yaml = renderSchemaYaml(s, 'prices.csv');
    expect(loadSchemaText('prices.yaml', yaml).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const lake = await makeLake({ prices: yaml });
    try {
      const run = await lake.ingest('prices', await lake.file('prices.csv', 'id,price,ratio,big,signed,odd\n1,19.99,0.5,12345678901234567.5,-0.5,1\n2,5.00,1e-3,1,2.0,NaN\n3,1234.5,0.25,7,3,2.5\n'));
      expect(run.record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 3 });
      expect((await lake.query<{ v: string }>('SELECT CAST(price AS VARCHAR) || \' \' || CAST(big AS VARCHAR) AS v FROM silver.prices ORDER BY id')).map((r) => r.v))
        .toEqual(['19.99 12345678901234567.5', '5.00 1.0', '1234.50 7.0']);
    } finally {
      await lake.cleanup();
    }
  });

  it('a JSON field of scalars of several types is text with a note saying which; one of objects or arrays only is left out of the draft, which ingests its own sample; one mixing them with scalars is left out too (newcomer trial, stop 44: true, false and "t" read as "JSON values … decide how to flatten"; stop 52: "tags": ["x"] drafted as a string column REJECTED the sample)', async () => {
    const text = '{"id":1,"f":true,"n":{"a":1},"m":1,"tags":["x"]}\n{"id":2,"f":"t","n":{"a":2},"m":"x","tags":[]}\n{"id":3,"f":false,"n":null,"m":[1],"tags":["y","z"]}\n';
    const s = await draft('ev.jsonl', text);
    const note = (name: string) => s.columns.find((c) => c.name === name)?.note;
    expect(s.columns.map((c) => [c.name, c.type, c.nested ?? false])).toEqual([['id', 'bigint', false], ['f', 'string', false], ['n', 'string', true], ['m', 'string', true], ['tags', 'string', true]]);
    expect(note('f')).toBe('the sample mixes JSON boolean and string values in this field: kept as text (true as "true"); choose one type if the others are mistakes');
    expect(note('n')).toBe('JSON objects in the sample, and strata stores scalars only');
    expect(note('tags')).toBe('JSON arrays in the sample, and strata stores scalars only');
    // Beside scalars too (1, "x", [1]): the record of the array would be quarantined (an attack, stop 52).
    expect(note('m')).toBe('JSON objects or arrays beside other values in the sample, and strata stores scalars only');
    const yaml = renderSchemaYaml(s, 'ev.jsonl');
    expect(yaml).toContain('# Left out: field n (JSON objects in the sample, and strata stores scalars only): ingest keeps it out of silver, with a warning; to keep its values, send them flattened into fields of their own.');
    expect(yaml).toContain('# Left out: field tags (JSON arrays in the sample');
    expect(loadSchemaText('ev.yaml', yaml).spec?.columns.map((c) => c.name)).toEqual(['id', 'f']);
    // The draft ingests its own sample, as drafted: every record valid.
    const lake = await makeLake({ ev: yaml });
    try {
      const r = (await lake.ingest('ev', await lake.file('ev.jsonl', text))).record;
      expect([r.status, r.rowsValid, r.rowsQuarantined]).toEqual(['SUCCEEDED', 3, 0]);
      expect(r.warnings.join('\n')).toMatch(/keys not in the schema were kept out of silver: "m", "n", "tags"/);
    } finally {
      await lake.cleanup();
    }
  });

  it('JSON keys that differ only in case are read by their own names: the draft ingests its own sample (an attack, stop 52: DuckDB\'s amount_1 was drafted without from: and REJECTED the sample)', async () => {
    for (const [name, text] of [['t.json', '[{"id":1,"Amount":"1.50","amount":2},{"id":2,"Amount":"2.25","amount":3}]'], ['t.jsonl', '{"id":1,"Amount":"1.50","amount":2}\n{"id":2,"Amount":"2.25","amount":3}\n']] as const) {
      const s = await draft(name, text);
      expect(s.columns.map((c) => [c.name, c.from ?? c.name])).toEqual([['id', 'id'], ['amount', 'Amount'], [expect.stringMatching(/^amount_\d$/), 'amount']]);
      const lake = await makeLake({ nk: renderSchemaYaml({ ...s, dataset: 'nk' }, name) });
      try {
        const r = (await lake.ingest('nk', await lake.file(name, text))).record;
        expect([name, r.status, r.rowsValid]).toEqual([name, 'SUCCEEDED', 2]);
        expect((await lake.query<Record<string, unknown>>('SELECT * FROM silver.nk ORDER BY id')).map((row) => Object.values(row))).toEqual([[1, '1.50', 2], [2, '2.25', 3]]);
      } finally {
        await lake.cleanup();
      }
    }
  });

  it('values DuckDB\'s sniffer types but strata\'s casts refuse are drafted as text with a note, so the draft ingests its own sample (newcomer\'s trial, stop 48: it was REJECTED)', async () => {
    const text = 'id,ok,day,hex,at\n1,yes,2025-6-5,0x1F,2025-01-01 24:00:00\n2,no,2025-06-06,12,2025-01-02 10:00:00\n3,yes,2025-06-07,13,2025-01-03 10:00:00\n';
    const s = await draft('odd.csv', text);
    expect(s.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['ok', 'string'], ['day', 'string'], ['hex', 'string'], ['at', 'string']]);
    expect(s.columns[1]!.note).toBe('3 of the sample\'s values are no boolean to strata (the first, at line 2: "yes" is not a boolean: expected true, false, t, f, 1 or 0): kept as text');
    expect(s.partition).toBeUndefined();
    expect(s.note).toMatch(/no partition: the draft's partition column at is kept as text/);
    const lake = await makeLake({ odd: renderSchemaYaml(s, 'odd.csv') });
    try {
      expect((await lake.ingest('odd', await lake.file('odd.csv', text))).record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 3 });
    } finally {
      await lake.cleanup();
    }
  });

  it('dates the sniffer typed day first whose every value reads month first too stay text with a note; a file whose only date column is day first drafts and partitions by it (newcomer\'s trial, stop 49: 03/04/2025 became 2025-04-03 without a word; init failed with a binder error)', async () => {
    const amb = await draft('amb.csv', 'zip,when,at\n90210,03/04/2025,2025-01-01 10:00:00\n10001,05/06/2025,2025-01-02 10:00:00\n');
    expect(amb.columns.map((c) => [c.name, c.type, c.format ?? null, c.note ?? null])).toEqual([
      ['zip', 'bigint', null, null], ['when', 'string', null, 'every value parses as %d/%m/%Y and as %m/%d/%Y: choose one (type: date, format: ...)'], ['at', 'timestamp', null, null],
    ]);
    const de = await draft('de.csv', 'id,order_date\n1,13/04/2025\n2,05/06/2025\n');
    expect(de.columns.map((c) => [c.name, c.type, c.format ?? null])).toEqual([['id', 'bigint', null], ['order_date', 'date', '%d/%m/%Y']]);
    expect(de.partition).toMatchObject({ column: 'order_date', transform: 'year' });
    const lake = await makeLake({ de: renderSchemaYaml(de, 'de.csv') });
    try {
      await lake.ingest('de', await lake.file('de.csv', 'id,order_date\n1,13/04/2025\n2,05/06/2025\n'));
      expect(await lake.query('SELECT id, CAST(order_date AS VARCHAR) AS d FROM silver.de ORDER BY id')).toEqual([{ id: 1, d: '2025-04-13' }, { id: 2, d: '2025-06-05' }]);
    } finally {
      await lake.cleanup();
    }
    // One column of ISO dates and day-first ones, the ISO first: text, saying so (DuckDB's conversion error failed init:
    // a second attack, stop 49).
    const mixed = await draft('mixed.csv', 'id,d\n1,2025-01-02\n2,13/04/2025\n');
    expect(mixed.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['d', 'string']]);
    expect(mixed.columns[1]!.note).toMatch(/^every value is a date or time in one of \d formats \(.*%d\/%m\/%Y.*%Y-%m-%d.*\), no one format reads them all: kept as text/);
    // An ISO date beside a day-first one (the sniffer's one date format went to the other column): a date, not a timestamp.
    const both = await draft('both.csv', 'a,b\n13/01/1970,1970-01-01\n14/01/1970,1970-01-02\n');
    expect(both.columns.map((c) => [c.name, c.type])).toEqual([['a', 'date'], ['b', 'date']]);
  });

  it('a header field without a name is left out of the draft, said so, and ingest warns of its values; two names that differ by case read each its own field (newcomer\'s trial, stop 49: the draft rejected its own sample; "Duplicate struct entry name")', async () => {
    const text = 'id,,Price,price\n1,x,10,11\n2,y,20,21\n';
    const s = await draft('messy.csv', text);
    expect(s.columns.map((c) => [c.name, c.from ?? null])).toEqual([['id', null], ['price', 'Price'], ['price_2', 'price']]);
    expect(s.note).toBe("the header gives field 2 no name: the draft leaves it out, and strata ingest keeps its values out of silver (name it in the file's header to read it)");
    const lake = await makeLake({ messy: renderSchemaYaml(s, 'messy.csv') });
    try {
      const { record } = await lake.ingest('messy', await lake.file('messy.csv', text));
      expect(record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 2 });
      expect(record.warnings).toEqual([expect.stringMatching(/: the header gives field 2 no name: its values were kept out of silver \(name it in the file's header to read it into a column\)$/)]);
      expect(await lake.query('SELECT id, price, price_2 FROM silver.messy ORDER BY id')).toEqual([{ id: 1, price: 10, price_2: 11 }, { id: 2, price: 20, price_2: 21 }]);
    } finally {
      await lake.cleanup();
    }
  });

  it('lines before the header (a title, a blank line) are drafted as csv.skipRows, and the draft ingests its sample (newcomer\'s trial, stop 49: no skipRows, the sample REJECTED)', async () => {
    const text = '\ufeffExport generated 2025-03-05\n\nid,Price (€),Qty.\n1,10.00,2\n2,20.50,3\n';
    const s = await draft('export.csv', text);
    expect(s.skipRows).toBe(2);
    expect(s.columns.map((c) => [c.name, c.from ?? null, c.type])).toEqual([['id', null, 'bigint'], ['price', 'Price (€)', 'decimal(18,2)'], ['qty', 'Qty.', 'bigint']]);
    const yaml = renderSchemaYaml(s, 'export.csv');
    expect(yaml).toContain('skipRows: 2');
    const lake = await makeLake({ export: yaml });
    try {
      expect((await lake.ingest('export', await lake.file('export.csv', text))).record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 2, rowsValid: 2 });
      expect(await lake.query('SELECT id, CAST(price AS VARCHAR) AS price, qty FROM silver.export ORDER BY id')).toEqual([{ id: 1, price: '10.00', qty: 2 }, { id: 2, price: '20.50', qty: 3 }]);
    } finally {
      await lake.cleanup();
    }
  });

  it('an empty sample is refused, naming it; a header without rows is drafted as text, said so (newcomer\'s trial, stop 49: a schema of one column "column0" was written without a word)', async () => {
    await expect(draft('empty.csv', '')).rejects.toThrow('empty.csv is empty: strata init drafts a schema from a sample\'s header and rows; give it a file that holds some');
    await expect(draft('blank.csv', '\ufeff\n\n')).rejects.toThrow('blank.csv is empty');
    const s = await draft('hdr.csv', 'id,name\n');
    expect(s.columns.map((c) => [c.name, c.type, c.required])).toEqual([['id', 'string', false], ['name', 'string', false]]);
    expect(s.note).toBe('the sample holds no rows, only a header: every column is drafted as text, not required; draft again from a file with rows to get their types');
  });

  it('a CSV without a header is drafted with header: false, its fields matched by position, and ingests its sample (an attack, stop 48: header: true, and every column text with a wrong note)', async () => {
    const text = '1,2,3\n4,5,6\n7,8,9\n';
    const s = await draft('nohdr.csv', text);
    expect(s.header).toBe(false);
    expect(s.note).toMatch(/DuckDB's sniffer found no header \(the first record reads as data\): fields are matched to columns by position; if the first record is a header, set csv.header: true/);
    expect(s.columns.map((c) => [c.name, c.type, c.note ?? null])).toEqual([['column0', 'bigint', null], ['column1', 'bigint', null], ['column2', 'bigint', null]]);
    const yaml = renderSchemaYaml(s, 'nohdr.csv');
    expect(yaml).toContain('header: false');
    const lake = await makeLake({ nohdr: yaml });
    try {
      expect((await lake.ingest('nohdr', await lake.file('nohdr.csv', text))).record).toMatchObject({ status: 'SUCCEEDED', rowsIn: 3, rowsValid: 3 });
    } finally {
      await lake.cleanup();
    }
  });

  it('a value past the sniffer\'s 20,480-row sample that its type cannot hold: sniffed again from every row (an attack, stop 48: init failed with DuckDB\'s conversion error)', async () => {
    const s = await draft('late.csv', `id,n\n${Array.from({ length: 30_000 }, (_, i) => `${i},${i}`).join('\n')}\n30000,abc\n`);
    expect(s.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['n', 'string']]);
    expect(s.rows).toBe(30_001);
  });

  it('decimal commas of more places or digits than a decimal holds stay text, with a note (an attack, stop 48: decimal(38,41) failed strata check, decimal(38,2) quarantined its own sample)', async () => {
    const places = await draft('places.csv', 'id;v\n1;1,5\n2;0,00000000000000000000000000000000000000001\n');
    expect(places.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['v', 'string']]);
    expect(places.columns[1]!.note).toMatch(/more than a decimal holds/);
    const digits = await draft('digits.csv', 'id;v\n1;1,5\n2;123456789012345678901234567890123456789,25\n');
    expect(digits.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['v', 'string']]);
    const fits = await draft('fits.csv', 'id;v\n1;1,5\n2;1234567890123456789012345678901234,25\n');
    expect(fits.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['v', 'decimal(38,2)']]);
  });

  it('decimal commas next to numbers with a decimal point stay text, with a note (one decimal mark per file)', async () => {
    const s = await draft('mixed.csv', 'id;a;b\n1;39,81;1.5\n2;2,5;2.25e0\n');
    expect(s.decimalSeparator).toBeUndefined();
    expect(s.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['a', 'string'], ['b', 'double']]);
    expect(s.columns[1]!.note).toMatch(/decimal commas \(39,81\)/);
  });

  it('a column mostly of one date format, or mostly of decimal commas, stays text with a note saying how many values would not read (newcomer trial, stop 36)', async () => {
    const s = await draft('mostly.csv', 'id;on;at;amount\n1;2025-06-12;Jan 1 2000;39,81\n2;2025-06-13;Jan 2 2000;2,5\n3;06/14/2025;Feb 3 2001;7,25\n4;2025-06-15;2001-02-04;1.5\n');
    expect(s.columns.map((c) => [c.name, c.type, c.note ?? null])).toEqual([
      ['id', 'bigint', null],
      ['on', 'string', '3 of 4 values parse as %Y-%m-%d, 1 value does not: kept as text (type: date, format: %Y-%m-%d would quarantine those)'],
      ['at', 'string', '3 of 4 values parse as %b %d %Y, 1 value does not: kept as text (type: date, format: %b %d %Y would quarantine those)'],
      ['amount', 'string', '3 of 4 values are numbers with decimal commas (39,81), the others are not: kept as text'],
    ]);
    // Values that read both ways (03/05/2024) beside one that reads no way: no way is suggested, and a word for no
    // value is offered as the column's nullValues (newcomer's trial, stop 50: %d/%m/%Y was suggested for US dates).
    const us = await draft('us.csv', 'id,shipped,at\n1,03/05/2024,03/05/2024\n2,03/06/2024,03/06/2024\n3,,\n4,n/a,later\n');
    expect(us.columns.slice(1).map((c) => c.note)).toEqual([
      '2 of 3 values parse as %d/%m/%Y and as %m/%d/%Y alike (which way a value like 03/05/2024 goes the sample does not tell), 1 value does not: kept as text (choose one: type: date, format: ...); the values no format reads are words for no value: nullValues: ["n/a"] on this column reads them as NULL',
      '2 of 3 values parse as %d/%m/%Y and as %m/%d/%Y alike (which way a value like 03/05/2024 goes the sample does not tell), 1 value does not: kept as text (choose one: type: date, format: ...)',
    ]);
    // A column of text is not a date because a few values look like one.
    expect((await draft('names.csv', 'id,name\n1,Ann\n2,Bob\n3,2025-06-12\n')).columns[1]).toMatchObject({ type: 'string' });
    expect((await draft('names.csv', 'id,name\n1,Ann\n2,Bob\n3,2025-06-12\n')).columns[1]!.note).toBeUndefined();
  });

  it('the partition grain fits the rows: 955 rows over 8 years by year, 20,000 over 90 days by month, 100,000 over 30 days by day', async () => {
    const rows = (n: number, span: number) => Array.from({ length: n }, (_, i) => `${i},${day(Math.floor((i * span) / n))}`).join('\n');
    const years = await draft('years.csv', `id,on\n${rows(955, 8 * 365)}\n`);
    expect(years.partition).toMatchObject({ column: 'on', transform: 'year' });
    expect(years.partition!.note).toBe('year: 8 partitions of about 119 rows in the sample (day 955, month 96, year 8); no grain holds 1,000 rows or more on average in the sample, so strata init picks the coarsest');
    const months = await draft('months.csv', `id,on\n${rows(20_000, 90)}\n`);
    expect(months.partition).toMatchObject({ transform: 'month' });
    expect(months.partition!.note).toMatch(/; strata init picks the finest grain holding 1,000 rows or more on average$/);
    const days = await draft('days.csv', `id,on\n${rows(100_000, 30)}\n`);
    expect(days.partition).toMatchObject({ transform: 'day' });
  });
});
