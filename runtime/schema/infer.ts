// A starter schema inferred from a sample file (strata init). DuckDB's sniffer guesses types and the CSV dialect;
// the result is a draft for the data engineer to edit, written in the same YAML contract as every schema.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compile } from '../../core/plan/compile.ts';
import { loadSchemaText } from '../../core/schema/load.ts';
import { validateFile, type ReasonCount } from '../ingest/validate-file.ts';
import { Document, isMap } from 'yaml';
import { pathLit, type Duck } from '../engine/duckdb.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { ERRORS, StrataError, engineMessage } from '../../core/errors.ts';
import type { SourceFormat } from '../../core/schema/model.ts';
import { CsvScanner, type ScanDialect } from '../ingest/csv-scan.ts';
import { readHead, stripBom, codecOf, parseFirstRecord } from '../ingest/file-head.ts';
import { plural, snakeCase, thousands } from '../../core/text.ts';

export interface InferredColumn {
  name: string;
  from?: string;
  type: string;
  required: boolean;
  format?: string;
  note?: string;
  /** Arrays or objects only in the sample: left out of the draft (renderSchemaYaml), its note saying why. */
  nested?: true;
}

export interface InferredSchema {
  dataset: string;
  format: SourceFormat;
  delimiter?: string;
  /** "," when the sample writes its numbers with decimal commas (39,81) and none with a decimal point. */
  decimalSeparator?: ',';
  /** false when the sample has no header (DuckDB's sniffer): fields are matched to columns by position. */
  header?: false;
  /** Lines before the header (a title, a blank line), as DuckDB's sniffer found them: csv.skipRows. */
  skipRows?: number;
  /** What the draft could not read as the rest: records of the sample with another number of fields. */
  note?: string;
  columns: InferredColumn[];
  partition?: { name: string; column: string; transform: 'day' | 'month' | 'year'; note: string };
  rows: number;
}

/**
 * Non-ISO date and timestamp formats a text column is tried with (strptime; %d and %m also read one digit). A column
 * becomes a date or timestamp when every value of the sample parses with one format, and with only that one: values
 * that fit both %d/%m/%Y and %m/%d/%Y stay text, with a note.
 */
export const DATE_FORMATS = ['%b %d %Y', '%d %b %Y', '%B %d %Y', '%d %B %Y', '%d/%m/%Y', '%m/%d/%Y', '%Y/%m/%d', '%d.%m.%Y'];
export const TIMESTAMP_FORMATS = ['%Y/%m/%d %H:%M', '%Y/%m/%d %H:%M:%S', '%d/%m/%Y %H:%M', '%m/%d/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%m/%d/%Y %H:%M:%S', '%b %d %Y %H:%M', '%d.%m.%Y %H:%M'];

/** An ISO 8601 timestamp with its time (T or a space, seconds and fraction optional, Z or an offset optional). */
const ISO_TIMESTAMP_RE = '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?';

/** A drafted partition should hold about this many rows of the sample, on average, at the finest grain that does. */
export const ROWS_PER_PARTITION = 1000;

export async function detectFormat(path: string): Promise<SourceFormat> {
  const bare = path.replace(/\.(gz|gzip|zst|zstd)$/i, '');
  if (/\.parquet$/i.test(bare)) return 'parquet';
  if (/\.(jsonl|ndjson)$/i.test(bare)) return 'jsonl';
  if (/\.(csv|tsv|txt)$/i.test(bare)) return 'csv';
  const head = stripBom(await readHead(path, codecOf(path, 'auto'), 4096)).toString('utf8').trimStart();
  if (head.startsWith('[')) return 'json';
  if (head.startsWith('{')) return 'jsonl';
  if (head.startsWith('PAR1')) return 'parquet';
  return 'csv';
}

/** DuckDB's json_type names as JSON's own words. */
const JSON_KINDS: Record<string, string> = { boolean: 'boolean', varchar: 'string', bigint: 'integer', ubigint: 'integer', double: 'number' };

function logicalType(duck: string): { type: string; note?: string; nested?: true } {
  const t = duck.toUpperCase();
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return { type: `decimal(${dec[1]},${dec[2]})` };
  if (t === 'VARCHAR') return { type: 'string' };
  if (t === 'BOOLEAN') return { type: 'boolean' };
  if (['TINYINT', 'SMALLINT', 'INTEGER', 'UTINYINT', 'USMALLINT'].includes(t)) return { type: 'int' };
  if (['BIGINT', 'UINTEGER'].includes(t)) return { type: 'bigint' };
  if (['UBIGINT', 'HUGEINT', 'UHUGEINT'].includes(t)) return { type: 'decimal(38,0)', note: `${t} in the sample; Athena has no such type` };
  if (t === 'DOUBLE') return { type: 'double' };
  if (t === 'FLOAT') return { type: 'float' };
  if (t === 'DATE') return { type: 'date' };
  if (t.startsWith('TIMESTAMP')) return { type: 'timestamp' };
  if (t === 'TIME') return { type: 'string', note: 'TIME values are kept as text (Athena has no TIME type)' };
  // Arrays and objects only (no scalar beside them): a text column would quarantine every row that has one (a draft of
  // "tags": ["x"] REJECTED its own sample: newcomer's trial, stop 52), so the draft leaves the field out; ingest keeps a
  // field that is no column out of silver, with a warning.
  if (/\[\]$|^STRUCT|^MAP|^UNION|^LIST/.test(t)) {
    return { type: 'string', nested: true, note: `JSON ${/^STRUCT|^MAP/.test(t) ? 'objects' : 'arrays'} in the sample, and strata stores scalars only` };
  }
  // Objects or arrays beside scalars (the kinds of scalars alone are drafted as text before this): the same, as the
  // records holding one would be quarantined, and a required text column rejected its own sample (an attack, stop 52).
  if (t === 'JSON') return { type: 'string', nested: true, note: 'JSON objects or arrays beside other values in the sample, and strata stores scalars only' };
  return { type: 'string', note: `the sample holds ${t.split('(')[0]} values; strata stores scalars only — decide how to flatten` };
}

/** The non-blank lines of a JSON-lines file that are no JSON object (how many, and the first one's line number), and the others. */
async function badJsonLines(db: Duck, path: string): Promise<{ count: number; first: number | null; good: number }> {
  return db.one<{ count: number; first: number | null; good: number }>(`SELECT count(*) FILTER (WHERE NOT ok) AS count, min(n) FILTER (WHERE NOT ok) AS first, count(*) FILTER (WHERE ok) AS good FROM (
      SELECT n, coalesce(TRY(json_type(l)), '') = 'OBJECT' AS ok FROM (SELECT row_number() OVER () AS n, l FROM read_csv(${pathLit(path)}, columns = {'l': 'VARCHAR'}, header = false,
        delim = chr(1), quote = '', escape = '', auto_detect = false, strict_mode = false)) WHERE trim(l) <> '')`);
}

/**
 * The decimal type a draft gives numbers of at most `digits` digits before the point and `scale` after it: precision
 * 18 (eight bytes in Parquet) while that leaves two more digits before the point than the sample has, else 38
 * (Athena's and DuckDB's largest); the scale as the sample writes it, so a value of more places is quarantined.
 */
export function draftDecimal(digits: number, scale: number): string {
  return `decimal(${digits + scale + 2 <= 18 ? 18 : 38},${scale})`;
}

/** The data records of a CSV file with a header (over its first 64 MB): strata's scanner, as ingest counts them. */
async function recordsOf(path: string, dialect: ScanDialect): Promise<{ n: number }> {
  let n = 0;
  new CsvScanner(dialect).scan(await readHead(path, codecOf(path, 'auto'), 64 << 20), { recordStart: () => { n++; } });
  return { n: Math.max(0, n - 1) };
}

/** Words a sample writes for "no value", offered as source.nullValues when they are all a date column does not read. */
const NULL_WORDS = new Set(['', 'n/a', 'na', 'null', 'none', '-', '--', '?', 'nil', 'missing', 'unknown']);

export async function inferSchema(db: Duck, path: string, dataset: string): Promise<InferredSchema> {
  // An empty sample has nothing to draft from (a schema of one text column "column0" was written: newcomer's trial, stop 49).
  if (stripBom(await readHead(path, codecOf(path, 'auto'), 4096)).toString('utf8').trim() === '') {
    throw new StrataError(ERRORS.InvalidInput, `${basename(path)} is empty: strata init drafts a schema from a sample's header and rows; give it a file that holds some`);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'strata-init-'));
  const conversion = (e: unknown) => /Conversion Error|Could not convert/.test(String((e as Error)?.message));
  try {
    return await inferIn(db, path, dataset, scratch, 20480).catch(async (e: unknown) => {
      // A value past the sniffer's sample that its type cannot hold ("abc" after 30,000 integers): sniffed again from
      // every row (init failed with DuckDB's conversion error: an attack, stop 48).
      if (!conversion(e)) throw e;
      // Still one the sniffer types by the file's one date format while another value of it is ISO (2025-01-02, then
      // 13/04/2025): that column is read as text, and the text column's notes say what its values are (init failed
      // with DuckDB's conversion error and its advice: an attack, stop 49).
      const text: string[] = [];
      for (;;) {
        try {
          return await inferIn(db, path, dataset, scratch, -1, text);
        } catch (again) {
          const column = /converting column "((?:[^"]|"")*)"/.exec(String((again as Error)?.message))?.[1]?.replace(/""/g, '"');
          if (!conversion(again) || column === undefined || text.includes(column) || text.length >= 20) throw again;
          text.push(column);
        }
      }
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function inferIn(db: Duck, path: string, dataset: string, scratch: string, sample: number, asText: readonly string[] = []): Promise<InferredSchema> {
  const format = await detectFormat(path);
  const types = asText.length ? `, types = {${asText.map((c) => `${str(c)}: 'VARCHAR'`).join(', ')}}` : '';
  let reader = format === 'parquet' ? `read_parquet(${pathLit(path)})`
    : format === 'csv' ? `read_csv(${pathLit(path)}, sample_size = ${sample}${types})`
    : `read_json(${pathLit(path)}, format = '${format === 'json' ? 'array' : 'newline_delimited'}', sample_size = ${sample})`;
  /** The reader's columns: DuckDB's name (for SQL over the reader), its type, and the header's own text of the field when it differs. */
  let described: Array<{ name: string; type: string; field?: string }>;
  let note: string | undefined;
  // JSON lines with lines that are no JSON object: drafted from the others, read from a copy of the sample that holds
  // only those, as strata ingest quarantines the rest (the draft gave up, naming the line after the bad one: newcomer's
  // trial, stop 46; a line that is a JSON array made the draft one column of JSON: stop 48), and the note names the first.
  const bad = format === 'jsonl' ? await badJsonLines(db, path).catch(() => undefined) : undefined;
  /** The JSON the draft reads: the sample, or its objects alone. */
  let jsonFile = path;
  if (bad?.count && bad.good) {
    const objects = join(scratch, 'objects.jsonl');
    jsonFile = objects;
    await db.run(`COPY (SELECT l FROM read_csv(${pathLit(path)}, columns = {'l': 'VARCHAR'}, header = false, delim = chr(1), quote = '', escape = '', auto_detect = false, strict_mode = false) `
      + `WHERE coalesce(TRY(json_type(l)), '') = 'OBJECT') TO ${pathLit(objects)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER chr(1))`);
    reader = `read_json(${pathLit(objects)}, format = 'newline_delimited', sample_size = ${sample})`;
    note = `${bad.count} of the sample's lines ${bad.count === 1 ? 'is' : 'are'} no JSON object (the first at line ${bad.first}): the draft leaves ${bad.count === 1 ? 'it' : 'them'} out, and strata ingest will quarantine ${bad.count === 1 ? 'it' : 'them'}`;
  }
  try {
    described = await db.columns(`SELECT * FROM ${reader}`);
  } catch (e) {
    throw new StrataError(ERRORS.UnreadableFile, `${basename(path)}: cannot be read as ${format}: ${engineMessage(e)}`);
  }
  let delimiter: string | undefined;
  let skipRows = 0;
  let headerless = false;
  const formats = new Map<string, string>();
  if (format === 'csv') {
    type Sniff = { Delimiter: string; DateFormat: string | null; TimestampFormat: string | null; HasHeader: boolean; SkipRows: number };
    const sniffed = (skip: string) => db.one<Sniff>(`SELECT Delimiter, DateFormat, TimestampFormat, HasHeader, SkipRows FROM sniff_csv(${pathLit(path)}${skip})`);
    let sniff = await sniffed('');
    // Lines it skips that look like records (two or more, most holding its delimiter) and are most of the sample: not
    // a preamble, but the records before one of another number of fields, which the sniffer took the shape of (a file
    // whose last record had an extra field was drafted headerless, skipping all the rest: newcomer's trial, stop 50).
    // Sniffed again from the first line, where the record of another shape is left out and said below. (A preamble
    // is a few lines before many: "Report, Sales" and two more lines before 30 records stay skipped.)
    let noSkip = '';
    if (Number(sniff.SkipRows ?? 0) >= 2) {
      const lines = (await readHead(path, codecOf(path, 'auto'), 1 << 20)).toString('utf8').split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== '');
      const skipped = lines.slice(0, Number(sniff.SkipRows));
      if (skipped.filter((l) => l.includes(sniff.Delimiter)).length * 2 > skipped.length && skipped.length * 2 > lines.length) {
        noSkip = ', skip = 0';
        reader = `read_csv(${pathLit(path)}, sample_size = ${sample}${types}${noSkip})`;
        described = await db.columns(`SELECT * FROM ${reader}`);
        sniff = await sniffed(noSkip);
      }
    }
    delimiter = sniff.Delimiter;
    // Lines before the header ("Export generated 2025-03-05", a blank line): the sniffer skipped them, and the draft
    // must say so, or ingest reads the first of them as the header (the draft rejected its own sample: newcomer's
    // trial, stop 49).
    skipRows = Number(sniff.SkipRows ?? 0);
    // A file without a header (DuckDB names its columns column0, column1, …): drafted so, its fields matched by
    // position (the draft said header: true, and ingest rejected the file: an attack, stop 48).
    if (sniff.HasHeader === false) {
      headerless = true;
      note = [note, 'DuckDB\'s sniffer found no header (the first record reads as data): fields are matched to columns by position; if the first record is a header, set csv.header: true and name the columns after it'].filter(Boolean).join('; ');
    }
    if (sniff.DateFormat) formats.set('DATE', sniff.DateFormat);
    if (sniff.TimestampFormat) formats.set('TIMESTAMP', sniff.TimestampFormat);
    // One column whose header holds a delimiter: DuckDB's sniffer gave up on it for a record of another number of
    // fields, and the draft was one column named like the whole header (newcomer's trial, stop 45). The header's
    // delimiter is taken instead, the records that do not fit it are left out of the draft, and the draft says so.
    const header = described.length === 1 ? described[0]!.name : '';
    const other = [',', ';', '\t', '|'].filter((d) => d !== delimiter).map((d) => ({ d, n: header.split(d).length })).sort((a, b) => b.n - a.n)[0];
    if (other && other.n > 1) {
      const strict = `read_csv(${pathLit(path)}, delim = ${str(other.d)}, sample_size = ${sample}${noSkip})`;
      const lenient = `read_csv(${pathLit(path)}, delim = ${str(other.d)}, sample_size = ${sample}, ignore_errors = true${noSkip})`;
      // Records, not lines: a quoted line break is inside one record (its two lines were counted as two records of
      // another number of fields: newcomer's trial, stop 50). Scanned as ingest scans them, over the first 64 MB.
      const all = await recordsOf(path, { delimiter: other.d, quote: '"', escape: '"', skipRows: 0 }).catch(() => undefined);
      described = await db.columns(`SELECT * FROM ${lenient}`);
      reader = lenient;
      delimiter = other.d;
      const kept = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${lenient}`)).n;
      const failed = await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${strict}`).then(() => false, () => true);
      if (failed && all) note = `${all.n - kept} of the sample's ${all.n} records ${all.n - kept === 1 ? 'has' : 'have'} another number of fields than the header's ${described.length}: the draft leaves ${all.n - kept === 1 ? 'it' : 'them'} out, and strata ingest will quarantine ${all.n - kept === 1 ? 'it' : 'them'}`;
    }
  }
  // Fields the header gives no name (id,,qty): DuckDB names them column1, …, which no header field is called, so a
  // draft reading them rejected its own sample, and from: "" is no name (newcomer's trial, stop 49). Left out, said so;
  // strata ingest keeps their values out of silver with a warning naming the field.
  if (format === 'csv' && !headerless && delimiter) {
    const header = parseFirstRecord(await readHead(path, codecOf(path, 'auto'), 1 << 20), { delimiter, header: true, quote: '"', escape: '"', skipRows });
    const unnamed = header && header.length === described.length ? header.flatMap((f, i) => (f.trim() === '' ? [i] : [])) : [];
    // The header's own names are what columns read (from:): DuckDB renames a second "price" beside "Price" price_1,
    // which no header field is called (the draft rejected its own sample: newcomer's trial, stop 49).
    if (header && header.length === described.length) described = described.map((c, i) => (header[i] === c.name ? c : { ...c, field: header[i]! }));
    if (unnamed.length) {
      described = described.filter((_, i) => !unnamed.includes(i));
      const which = unnamed.length === 1 ? `field ${unnamed[0]! + 1}` : `fields ${unnamed.map((i) => i + 1).join(', ')}`;
      note = [note, `the header gives ${which} no name: the draft leaves ${unnamed.length === 1 ? 'it' : 'them'} out, and strata ingest keeps ${unnamed.length === 1 ? 'its' : 'their'} values out of silver (name ${unnamed.length === 1 ? 'it' : 'them'} in the file's header to read ${unnamed.length === 1 ? 'it' : 'them'})`].filter(Boolean).join('; ');
    }
  }
  // JSON keys as the records write them are what columns read (from:): DuckDB names an "amount" beside "Amount"
  // amount_1, which no record holds, and the draft rejected its own sample (an attack, stop 52). The keys in the order
  // they first appear, which is DuckDB's order of the columns; a column whose name is not its key's (ignoring case and
  // DuckDB's _<n>) is left as it is.
  if (format === 'json' || format === 'jsonl') {
    const rows = await db.all<{ k: string[] | null }>(`SELECT json_keys(json) AS k FROM read_json_objects(${pathLit(jsonFile)}, format = '${format === 'json' && jsonFile === path ? 'array' : 'newline_delimited'}') LIMIT ${sample}`).catch(() => []);
    const keys: string[] = [];
    for (const r of rows) for (const k of r.k ?? []) if (!keys.includes(k)) keys.push(k);
    if (keys.length === described.length) {
      described = described.map((c, i) => {
        const k = keys[i]!;
        return k !== c.name && k.toLowerCase() === c.name.replace(/_\d+$/, '').toLowerCase() ? { ...c, field: k } : c;
      });
    }
  }
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const text = described.map((c, i) => ({ c, i })).filter(({ c }) => c.type === 'VARCHAR');
  // JSON fields DuckDB typed JSON: nested values (objects, arrays), or scalars of several types (true and "t").
  const json = described.map((c, i) => ({ c, i })).filter(({ c }) => c.type === 'JSON');
  // ISO dates too: a column DuckDB left as text may be mostly ISO dates among others (its note says how many).
  // And ISO 8601 timestamps of more than one shape (Z beside +01:00, with and without a fraction), which DuckDB's sniffer
  // reads as one format only and leaves as text: a timestamp column without a format reads them all (they were drafted
  // as text from JSON lines; newcomer's trial, stop 57). Checked as DuckDB reads them; the draft's own check of the
  // sample (fitToSample) reads them with strata's cast.
  const tried: Array<{ f: string; type: string; iso?: true }> = [...DATE_FORMATS.map((f) => ({ f, type: 'date' })), ...TIMESTAMP_FORMATS.map((f) => ({ f, type: 'timestamp' })), { f: '%Y-%m-%d', type: 'date' },
    { f: 'ISO 8601', type: 'timestamp', iso: true }];
  const parsed = (v: string, t: (typeof tried)[number]) => (t.iso
    ? `CASE WHEN regexp_full_match(trim(${v}), ${str(ISO_TIMESTAMP_RE)}) THEN TRY_CAST(trim(${v}) AS TIMESTAMPTZ) END`
    : `try_strptime(${v}, ${str(t.f)})`);
  // One scan: NULLs per column; per text column, the values each format cannot parse, and the shape of decimal commas.
  const stats = await db.one<Record<string, number | null>>(`SELECT count(*) AS __rows, ${[
    ...described.map((c, i) => `count(*) - count(${q(c.name)}) AS n${i}`),
    ...text.flatMap(({ c, i }) => [
      ...tried.map((t, k) => `count(${q(c.name)}) FILTER (WHERE ${parsed(q(c.name), t)} IS NULL) AS f${i}_${k}`),
      `count(${q(c.name)}) FILTER (WHERE coalesce(${tried.map((t) => `CAST(${parsed(q(c.name), t)} AS TIMESTAMP)`).join(', ')}) IS NULL) AS fu${i}`,
      `list_slice(list(DISTINCT ${q(c.name)}) FILTER (WHERE ${q(c.name)} IS NOT NULL AND coalesce(${tried.map((t) => `CAST(${parsed(q(c.name), t)} AS TIMESTAMP)`).join(', ')}) IS NULL), 1, 6) AS fv${i}`,
      `count(${q(c.name)}) FILTER (WHERE NOT regexp_full_match(trim(${q(c.name)}), '-?[0-9]+(,[0-9]+)?')) AS dc${i}`,
      `count(${q(c.name)}) FILTER (WHERE contains(${q(c.name)}, ',')) AS dcc${i}`,
      `max(length(split_part(trim(${q(c.name)}), ',', 1)) - CASE WHEN starts_with(trim(${q(c.name)}), '-') THEN 1 ELSE 0 END) AS dci${i}`,
      `max(length(split_part(trim(${q(c.name)}), ',', 2))) AS dcs${i}`,
    ]),
    ...json.flatMap(({ c, i }) => [
      `count(${q(c.name)}) FILTER (WHERE json_type(${q(c.name)}) IN ('OBJECT', 'ARRAY')) AS jn${i}`,
      `string_agg(DISTINCT lower(json_type(${q(c.name)})), ', ' ORDER BY lower(json_type(${q(c.name)}))) FILTER (WHERE json_type(${q(c.name)}) <> 'NULL') AS jt${i}`,
    ]),
  ].join(', ')} FROM ${reader}`);
  // CSV numbers DuckDB read as doubles, as written: a column whose every value is a decimal number without an exponent
  // is drafted as a decimal, which holds 19.99 exactly where a double holds the binary fraction nearest it.
  // (The CSV as text, every field VARCHAR: what the file writes, for these and for fitToSample's formats.)
  const textReader = format === 'csv' ? reader.replace(/\)$/, ', all_varchar = true)') : undefined;
  const doubles = textReader ? described.map((c, i) => ({ c, i })).filter(({ c }) => c.type === 'DOUBLE' || c.type === 'FLOAT') : [];
  const shapeOf = (v: string, i: number) => [
    `count(${v}) FILTER (WHERE NOT regexp_full_match(${v}, '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)')) AS x${i}`,
    `max(length(split_part(${v}, '.', 2))) AS s${i}`,
    `max(length(ltrim(regexp_replace(split_part(${v}, '.', 1), '^[+-]', ''), '0'))) AS p${i}`,
  ];
  let written = doubles.length ? await db.one<Record<string, number | null>>(`SELECT ${doubles.flatMap(({ c, i }) => shapeOf(`trim(${q(c.name)})`, i)).join(', ')} FROM ${textReader}`).catch(() => undefined) : undefined;
  // JSON numbers, likewise: DuckDB parses them to doubles, so their literals are read from the file's text, every
  // "key": number of each such field (a field of that name in a nested object too: a draft). The same values drafted
  // from a CSV were decimals and from JSON lines doubles (newcomer's trials, stops 48 and 50).
  const jsonDoubles = format === 'json' || format === 'jsonl' ? described.map((c, i) => ({ c, i })).filter(({ c }) => c.type === 'DOUBLE' || c.type === 'FLOAT') : [];
  if (jsonDoubles.length) {
    const lines = `read_csv(${pathLit(path)}, columns = {'l': 'VARCHAR'}, header = false, delim = chr(1), quote = '', escape = '', auto_detect = false, strict_mode = false)`;
    const parts = await Promise.all(jsonDoubles.map(async ({ c, i }) => {
      const key = JSON.stringify(c.field ?? c.name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return db.one<Record<string, number | null>>(`SELECT ${shapeOf('v', i).join(', ')} FROM (SELECT unnest(regexp_extract_all(l, ${str(`${key}\\s*:\\s*(-?[0-9][0-9.eE+-]*)`)}, 1)) AS v FROM ${lines})`).catch(() => undefined);
    }));
    if (parts.every((x) => x !== undefined)) written = Object.assign({}, ...parts) as Record<string, number | null>;
  }
  const rows = Number(stats.__rows);
  if (rows === 0) note = [note, 'the sample holds no rows, only a header: every column is drafted as text, not required; draft again from a file with rows to get their types'].filter(Boolean).join('; ');
  const filled = (i: number) => rows - Number(stats[`n${i}`]);
  // Decimal commas only when no column of the sample holds numbers with a decimal point (one separator per file).
  const pointNumbers = described.some((c) => /^(DOUBLE|FLOAT|DECIMAL)/.test(c.type));
  const commaColumns = new Set(text.filter(({ i }) => filled(i) > 0 && Number(stats[`dc${i}`]) === 0 && Number(stats[`dcc${i}`]) > 0).map(({ i }) => i));
  const decimalComma = format === 'csv' && delimiter !== ',' && commaColumns.size > 0 && !pointNumbers;
  const used = new Set<string>();
  const columns: InferredColumn[] = described.map((c, i) => {
    const field = c.field ?? c.name;
    let name = snakeCase(field);
    while (used.has(name)) name = `${name}_2`;
    used.add(name);
    const base = { name, ...(name !== field ? { from: field } : {}), required: Number(stats[`n${i}`]) === 0 && rows > 0 };
    if (c.type === 'VARCHAR' && filled(i) > 0) {
      const fits = tried.filter((_, k) => Number(stats[`f${i}_${k}`]) === 0);
      if (fits.length === 1) return { ...base, type: fits[0]!.type, ...(fits[0]!.iso ? {} : { format: fits[0]!.f }) };
      if (fits.length > 1) return { ...base, type: 'string', note: `every value parses as ${fits.map((t) => t.f).join(' and as ')}: choose one (type: ${fits[0]!.type}, format: ...)` };
      // Mostly one format, or mostly numbers with decimal commas: a draft of text, with what the rest would cost.
      const counted = tried.map((t, k) => ({ ...t, fails: Number(stats[`f${i}_${k}`]) }));
      const best = [...counted].sort((a, b) => a.fails - b.fails)[0];
      if (!commaColumns.has(i) && best && best.fails * 2 < filled(i)) {
        // Formats that read the same values (03/05/2024 as %d/%m/%Y and as %m/%d/%Y): which is meant the sample does
        // not tell, and the first of them suggested would read March 5 as May 3 (newcomer's trial, stop 50). The
        // values no format reads, when they are all words for "no value" (n/a, -), are offered as nullValues.
        const tied = counted.filter((t) => t.fails === best.fails);
        const unread = (stats[`fv${i}`] as unknown as string[] | null) ?? [];
        const nullish = unread.length > 0 && Number(stats[`fu${i}`]) === best.fails && unread.every((v) => NULL_WORDS.has(v.trim().toLowerCase()));
        const nulls = nullish ? `; the values no format reads are words for no value: nullValues: [${unread.map((v) => JSON.stringify(v)).join(', ')}] on this column reads them as NULL` : '';
        if (tied.length > 1) {
          return { ...base, type: 'string', note: `${thousands(filled(i) - best.fails)} of ${thousands(filled(i))} values parse as ${tied.map((t) => t.f).join(' and as ')} alike (which way a value like 03/05/2024 goes the sample does not tell), ${plural(best.fails, 'value')} ${best.fails === 1 ? 'does' : 'do'} not: kept as text (choose one: type: ${best.type}, format: ...)${nulls}` };
        }
        return { ...base, type: 'string', note: `${thousands(filled(i) - best.fails)} of ${thousands(filled(i))} values parse as ${best.f}, ${plural(best.fails, 'value')} ${best.fails === 1 ? 'does' : 'do'} not: kept as text (type: ${best.type}${best.iso ? '' : `, format: ${best.f}`} would quarantine those)${nulls}` };
      }
      // Every value a date or time, in more than one format (2025-01-02 beside 13/04/2025): text, saying which; a list
      // of formats reads them (each tried in order), once the writer has said which way 03/04/2025 goes.
      const inUse = counted.filter((t) => t.fails < filled(i));
      if (!commaColumns.has(i) && Number(stats[`fu${i}`]) === 0 && inUse.length > 1) {
        return { ...base, type: 'string', note: `every value is a date or time in one of ${inUse.length} formats (${inUse.map((t) => t.f).join(', ')}), no one format reads them all: kept as text (type: ${inUse[0]!.type}, format: [the ones the file uses] reads them, once it is clear which way a value like 03/04/2025 goes)` };
      }
      const commaShaped = filled(i) - Number(stats[`dc${i}`]);
      if (!commaColumns.has(i) && Number(stats[`dcc${i}`]) > 0 && commaShaped * 2 > filled(i)) {
        return { ...base, type: 'string', note: `${thousands(commaShaped)} of ${thousands(filled(i))} values are numbers with decimal commas (39,81), the others are not: kept as text` };
      }
      if (commaColumns.has(i)) {
        const scale = Number(stats[`dcs${i}`]);
        const precision = Number(stats[`dci${i}`]) + scale;
        // (As for decimal points: more places or digits than a decimal holds stay text.)
        if (decimalComma && scale <= 18 && precision <= 38) return { ...base, type: draftDecimal(precision - scale, scale), note: 'decimal commas (source.csv.decimalSeparator)' };
        if (decimalComma) return { ...base, type: 'string', note: `numbers with decimal commas of up to ${plural(scale, 'place')} and ${plural(precision - scale, 'digit')} before the comma: more than a decimal holds (38 digits, 18 places), kept as text` };
        return { ...base, type: 'string', note: 'numbers with decimal commas (39,81): with source.csv.decimalSeparator: "," (and another delimiter) they read as numbers' };
      }
    }
    if (c.type === 'JSON' && filled(i) > 0 && Number(stats[`jn${i}`]) === 0) {
      // Scalars of several JSON types (true, false and "t"): nothing to flatten (the note said so of any JSON).
      const kinds = [...new Set(String(stats[`jt${i}`]).split(', ').map((k) => JSON_KINDS[k] ?? k))].join(' and ');
      return { ...base, type: 'string', note: `the sample mixes JSON ${kinds} values in this field: kept as text (true as "true"); choose one type if the others are mistakes` };
    }
    if (written && filled(i) > 0 && Number(written[`x${i}`]) === 0) {
      const scale = Number(written[`s${i}`] ?? 0);
      const digits = Number(written[`p${i}`] ?? 0);
      if (scale <= 18 && digits + scale <= 38) {
        const type = draftDecimal(digits, scale);
        return { ...base, type, note: `the sample's values are decimals of at most ${plural(scale, 'place')}: ${type} holds them as written (a double: the nearest binary fraction, 19.99 as 19.989999999999998…); double if they are measurements` };
      }
    }
    const lt = logicalType(c.type);
    const fmt = formats.get(c.type.startsWith('TIMESTAMP') ? 'TIMESTAMP' : c.type);
    return {
      ...base,
      type: lt.type,
      ...(fmt && !/^%Y-%m-%d/.test(fmt) ? { format: fmt } : {}),
      ...(lt.note ? { note: lt.note } : {}),
      ...(lt.nested ? { nested: true as const } : {}),
    };
  });
  // A date or timestamp DuckDB's sniffer typed in a day/month format whose every value reads the other way round too
  // (03/04/2025): which one the file means, the sample cannot say. Text, with the note a text column gets (the sniffer's
  // day-first draft turned a US export's 03/04/2025 into 2025-04-03 without a word: newcomer's trial, stop 49).
  if (textReader) {
    for (const [i, c] of columns.entries()) {
      // ISO dates the sniffer typed TIMESTAMP (one date format per file: another column's 13/04/2025 took it): every
      // value a day without a time is a date (drafted a timestamp, 1970-01-01 read back as 1970-01-01 00:00:00).
      const f = ident(described[i]!.name);
      if (c.type === 'timestamp' && !c.format && described[i]!.type.startsWith('TIMESTAMP')) {
        const times = await db.one<{ n: number }>(`SELECT count(${f}) FILTER (WHERE NOT regexp_full_match(trim(${f}), '[0-9]{4}-[0-9]{2}-[0-9]{2}')) AS n FROM ${textReader}`).catch(() => undefined);
        if (times && Number(times.n) === 0) columns[i] = { ...c, type: 'date' };
        continue;
      }
      const swapped = c.format && /%d/.test(c.format) && /%m/.test(c.format) ? c.format.replace(/%d|%m/g, (x) => (x === '%d' ? '%m' : '%d')) : undefined;
      if (!swapped || (c.type !== 'date' && c.type !== 'timestamp') || described[i]!.type === 'VARCHAR') continue;
      const fails = await db.one<{ n: number }>(`SELECT count(${f}) FILTER (WHERE try_strptime(trim(${f}), ${str(swapped)}) IS NULL) AS n FROM ${textReader}`).catch(() => undefined);
      if (fails && Number(fails.n) === 0) {
        const { format: _, ...rest } = c;
        columns[i] = { ...rest, type: 'string', note: `every value parses as ${c.format} and as ${swapped}: choose one (type: ${c.type}, format: ...)` };
      }
    }
  }
  const temporal = columns.find((c) => c.type === 'timestamp' && c.required) ?? columns.find((c) => c.type === 'date' && c.required)
    ?? columns.find((c) => c.type === 'timestamp' || c.type === 'date');
  const partition = temporal ? await partitionGrain(db, reader, described[columns.indexOf(temporal)]!, temporal, rows) : undefined;
  return fitToSample(db, {
    dataset, format, ...(delimiter ? { delimiter } : {}), ...(skipRows ? { skipRows } : {}), ...(headerless ? { header: false as const } : {}), ...(decimalComma ? { decimalSeparator: ',' as const } : {}), ...(note ? { note } : {}), columns, rows,
    ...(partition ? { partition } : {}),
  }, path, scratch, textReader ? { reader: textReader, names: new Map(columns.map((c, i) => [c.name, described[i]!.name])) } : undefined);
}

/** Lines of a large text sample the draft is checked against (fitToSample). */
const FIT_LINES = 100_000;

/** `path` itself, or, for an uncompressed CSV or JSON-lines file over 4 MiB, a copy of its first FIT_LINES lines in `scratch`. */
async function headOf(path: string, scratch: string): Promise<string> {
  if (/\.(gz|gzip|zst|zstd|parquet)$/i.test(path) || (await stat(path)).size <= 4 * 1024 * 1024) return path;
  const copy = join(scratch, `head-${basename(path)}`);
  const out = createWriteStream(copy);
  const input = createReadStream(path);
  let n = 0;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (n++ >= FIT_LINES) break;
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
  } finally {
    input.destroy();
  }
  out.end();
  await once(out, 'finish');
  return copy;
}

/**
 * The draft checked against its own sample with strata's own reading (runtime/ingest/validate-file.ts, the stage's):
 * a column whose sample values strata quarantines is drafted as text instead, with a note naming how many values and
 * the first one's reason. DuckDB's sniffer takes values strata's exact casts refuse (yes as a boolean, 2025-6-5 as a
 * date, 0x1F as a bigint, 24:00:00 in a timestamp), and the draft rejected its own sample (newcomer's trial, stop 48).
 * A partition over such a column is left out, and said so. At most three rounds (a text column fails nothing).
 */
async function fitToSample(db: Duck, first: InferredSchema, path: string, scratch: string, text?: { reader: string; names: Map<string, string> }): Promise<InferredSchema> {
  let s = first;
  // A large text sample is checked by its first FIT_LINES lines: the whole of 2M rows took 3× the draft's time and
  // 2 GB (an attack, stop 48). (A cut inside a quoted field makes a malformed record there, which no column is blamed for.)
  const checked = await headOf(path, scratch);
  // A date or timestamp DuckDB's sniffer read in a format it did not say: the one format strata reads that every value
  // of the sample fits (as a text column's, above), else text.
  const formatOf = async (c: InferredColumn): Promise<string | undefined> => {
    const field = text?.names.get(c.name);
    if (!text || !field || c.format || (c.type !== 'date' && c.type !== 'timestamp')) return undefined;
    const tries = c.type === 'date' ? DATE_FORMATS : TIMESTAMP_FORMATS;
    const q = `"${field.replace(/"/g, '""')}"`;
    const fails = await db.one<Record<string, number>>(`SELECT ${tries.map((f, k) => `count(${q}) FILTER (WHERE try_strptime(trim(${q}), ${str(f)}) IS NULL) AS f${k}`).join(', ')} FROM ${text.reader}`).catch(() => undefined);
    const fit = tries.filter((_, k) => fails && Number(fails[`f${k}`]) === 0);
    return fit.length === 1 ? fit[0] : undefined;
  };
  for (let round = 0; round < 3; round++) {
    const spec = loadSchemaText(`${s.dataset}.yaml`, renderSchemaYaml(s, path)).spec;
    if (!spec) return s;
    const out = join(scratch, `fit-${round}`);
    await mkdir(out, { recursive: true });
    let reasons: ReasonCount[];
    try {
      reasons = (await validateFile({ db, plan: compile(spec), path: checked, key: basename(path), runId: 'init', now: new Date().toISOString(), outDir: out })).reasons;
    } catch {
      return s; // a file the stage cannot read at all: the draft stays as inferred (ingesting it says why)
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    // Only what a cast refuses (a missing field, a required value, are no type's fault), summed over the reasons'
    // messages, the first by its line (an attack, stop 48: one message's count, and its first line, were given).
    const bad = new Map<string, ReasonCount>();
    for (const r of reasons) {
      if (!r.column || r.rule !== 'type') continue;
      const was = bad.get(r.column);
      const first = !was || (r.line ?? r.record) < (was.line ?? was.record) ? r : was;
      bad.set(r.column, { ...first, count: (was?.count ?? 0) + r.count });
    }
    const refused = s.columns.filter((c) => c.type !== 'string' && bad.has(c.name));
    if (!refused.length) return s;
    const formats = new Map(await Promise.all(refused.map(async (c) => [c.name, await formatOf(c)] as const)));
    const columns = s.columns.map((c): InferredColumn => {
      const r = bad.get(c.name);
      if (!r || c.type === 'string') return c;
      const found = formats.get(c.name);
      if (found) return { ...c, format: found };
      const { format: _, note: __, ...rest } = c;
      return { ...rest, type: 'string', note: `${thousands(r.count)} of the ${checked === path ? 'sample\'s values' : `values of the sample's first ${thousands(FIT_LINES)} lines`} ${r.count === 1 ? 'is' : 'are'} no ${c.type}${c.format ? ` of format ${c.format}` : ''} to strata (the first, at line ${r.line ?? r.record}: ${r.message}): kept as text` };
    });
    const lost = s.partition && columns.some((c) => c.name === s.partition!.column && c.type === 'string') ? s.partition : undefined;
    const { partition: _, ...rest } = s;
    s = { ...rest, columns, ...(s.partition && !lost ? { partition: s.partition } : {}),
      ...(lost ? { note: [s.note, `no partition: the draft's partition column ${lost.column} is kept as text`].filter(Boolean).join('; ') } : {}) };
  }
  return s;
}

/**
 * The partition of a drafted schema: the finest of day, month and year at which the sample's partitions hold at least
 * ROWS_PER_PARTITION rows on average (year when none does). Small files per partition cost every query that opens them.
 */
async function partitionGrain(db: Duck, reader: string, field: { name: string; type: string }, col: InferredColumn, rows: number): Promise<InferredSchema['partition']> {
  const f = ident(field.name);
  // A column the reader typed already (the sniffer read 13/04/2025 as a DATE) is one: strptime takes text only (it
  // failed init with a binder error on the first such column: newcomer's trial, stop 49).
  const v = col.format && field.type === 'VARCHAR' ? `try_strptime(${f}, ${str(col.format)})` : `TRY_CAST(${f} AS TIMESTAMP)`;
  const n = await db.one<{ day: number; month: number; year: number }>(
    `SELECT count(DISTINCT date_trunc('day', ${v})) AS day, count(DISTINCT date_trunc('month', ${v})) AS month, count(DISTINCT date_trunc('year', ${v})) AS year FROM ${reader}`);
  const fits = (['day', 'month', 'year'] as const).find((g) => Number(n[g]) > 0 && rows / Number(n[g]) >= ROWS_PER_PARTITION);
  const chosen = fits ?? 'year';
  const per = Number(n[chosen]) ? Math.round(rows / Number(n[chosen])) : rows;
  const atLeast = `${thousands(ROWS_PER_PARTITION)} rows or more on average`;
  const why = fits ? `strata init picks the finest grain holding ${atLeast}` : `no grain holds ${atLeast} in the sample, so strata init picks the coarsest`;
  return { name: 'dt', column: col.name, transform: chosen, note: `${chosen}: ${plural(Number(n[chosen]), 'partition')} of about ${thousands(per)} rows in the sample (day ${thousands(Number(n.day))}, month ${thousands(Number(n.month))}, year ${thousands(Number(n.year))}); ${why}` };
}

/** What the draft leaves out of its columns and why, one line per field (InferredColumn.nested). */
export function leftOut(s: Pick<InferredSchema, 'columns'>): string[] {
  return s.columns.filter((c) => c.nested).map((c) => `Left out: field ${c.from ?? c.name} (${c.note}): ingest keeps it out of silver, with a warning; `
    + 'to keep its values, send them flattened into fields of their own');
}

/**
 * The draft as YAML, with comments that say what to check. `jsonSchema`: the path of strata's dataset.schema.json from
 * the schema file's folder, for editors (the yaml-language-server comment); ../core/schema/dataset.schema.json, as
 * from the project's own schemas/, unless given.
 */
export function renderSchemaYaml(s: InferredSchema, sample: string, jsonSchema = '../core/schema/dataset.schema.json'): string {
  const doc = new Document({
    dataset: s.dataset,
    description: `TODO: what ${s.dataset} holds`,
    owner: 'TODO: team or e-mail',
    source: {
      format: s.format,
      ...(s.format === 'csv' ? { csv: { delimiter: s.delimiter ?? ',', header: s.header !== false, ...(s.skipRows ? { skipRows: s.skipRows } : {}), ...(s.decimalSeparator ? { decimalSeparator: s.decimalSeparator } : {}) } } : {}),
    },
    columns: s.columns.filter((c) => !c.nested).map((c) => ({
      name: c.name, type: c.type, ...(c.from ? { from: c.from } : {}), ...(c.required ? { required: true } : {}), ...(c.format ? { format: c.format } : {}),
    })),
    mode: 'append',
    ...(s.partition ? { partitionBy: [{ name: s.partition.name, column: s.partition.column, transform: s.partition.transform }] } : {}),
    rejects: { maxRatio: 0.05 },
  });
  doc.commentBefore = [
    ` yaml-language-server: $schema=${jsonSchema}`,
    ` Drafted by strata init from ${basename(sample)} (${s.rows} rows). Check the types, the required flags`,
    ` (set where the sample had no NULL), the partition, and add checks (allowed, min, max, pattern).`,
    ...(s.note ? [` Note: ${s.note}.`] : []),
    ...leftOut(s).map((l) => ` ${l}.`),
  ].join('\n');
  const kept = s.columns.filter((c) => !c.nested);
  const cols = doc.get('columns');
  if (cols && typeof cols === 'object' && 'items' in cols) {
    (cols as { items: unknown[] }).items.forEach((item, i) => {
      const note = kept[i]?.note;
      if (note && isMap(item)) item.comment = ` ${note}`;
    });
  }
  for (const item of (doc.get('columns') as { items: Array<{ flow?: boolean }> }).items) item.flow = true;
  const part = doc.get('partitionBy') as { items?: Array<{ commentBefore?: string }> } | undefined;
  if (s.partition && part?.items?.[0]) part.items[0].commentBefore = ` ${s.partition.note}`;
  return doc.toString({ lineWidth: 120 });
}
