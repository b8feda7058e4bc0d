// A bronze file as a DuckDB relation of raw fields, per source format. Structural problems are captured, not
// thrown: malformed CSV records go to a rejects table, broken JSON records get a record-level error, and a
// header that lacks declared fields becomes a file-level problem reported with every affected row.
import { open, stat } from 'node:fs/promises';
import type { Duck } from '../engine/duckdb.ts';
import { pathLit } from '../engine/duckdb.ts';
import { ERRORS, StrataError, engineMessage } from '../../core/errors.ts';
import type { PlannedColumn } from '../../core/plan/compile.ts';
import { sourceFields, type SourceKind } from '../../core/plan/validation.ts';
import { typedText } from '../../core/plan/cast/sql.ts';
import type { CsvDialect, SourceSpec } from '../../core/schema/model.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { limitHit } from '../pipeline/limits.ts';
import { locateJsonError, strictJsonProblem, type TextPlace } from './json-locate.ts';
import { CsvScanner, firstLineEnd } from './csv-scan.ts';
import { lineEndsOf } from './newlines.ts';
import { codecOf, containerOf, holdsByte, isPlainHeader, parseFirstRecord, readHead, readTail, skippedLinesEnd, sniffFormatHint, stripBom, type Codec } from './file-head.ts';
import { jsonFields } from './json-literals.ts';

export const REL = '__rel';
export const REJECTS = '__rejects';

/**
 * Longest CSV record accepted. DuckDB's default (2 MB) would reject a legitimate 10 MB text field; a buffer of the
 * same size keeps its parallel reader as fast as with the defaults (bench: 428 ms vs 452 ms on 3M rows; a 64 MB
 * buffer cost 40% more).
 */
export const MAX_LINE_BYTES = 16 << 20;
export const NO_NULL = '\u0002strata:no-null\u0002';

export interface SourceRelation {
  kind: SourceKind;
  /** SQL for source field `name` over REL (NULL when the file lacks it). */
  fieldRef: (name: string) => string;
  /** DuckDB type of source field `name` for typed sources (Parquet); text sources are VARCHAR throughout. */
  fieldType?: (name: string) => string;
  /** The fields' values for quarantined rows when they differ in text from fieldRef's (JSON: their literals). */
  badValues?: (key: (i: number) => string) => string;
  /** The record as text, over REL's columns; only evaluated for failing rows. */
  rawExpr: string;
  /** STRUCT(rule, "column", message) when the record as a whole is bad, else NULL; over REL's columns. */
  recordError: string;
  /** Set when malformed records were captured in REJECTS (CSV and JSON lines). */
  hasRejects: boolean;
  /** Lines before the first data record (skipped rows and the header). */
  headerLines: number;
  /** Rows skipped before the first record (csv.skipRows); DuckDB's reject line numbers count them. */
  skipRows: number;
  /**
   * The header is read by DuckDB as the first record (it is never given header=true: a malformed header made it
   * drop the next record without a trace). The validator removes it after checking it parsed.
   */
  headerRecord: boolean;
  /** How records are counted for messages: CSV/JSON lines by line, JSON arrays and Parquet by record index. */
  positions: 'lines' | 'records';
  /** False when the header could not be handed to DuckDB to skip (the exact path must read the file). */
  headerSkipped: boolean;
  /**
   * The name a malformed record's reason gives each field by position (CSV): the silver column that reads it when one
   * alone does, else the file's field name.
   */
  fieldNames?: string[];
  /** What the first bytes say the file really is, when it is not what the schema declares. */
  hint?: string;
  warnings: string[];
  /** Problems every row shares (e.g. a required field missing from the header), named once for the run. */
  fileProblems: string[];
  empty: boolean;
}

export interface OpenSourceInput {
  db: Duck;
  path: string;
  /** Storage key, for messages. */
  key: string;
  source: SourceSpec;
  columns: readonly PlannedColumn[];
  /** Let DuckDB skip a plain header line (the single-pass path); otherwise the header is read as record 0. */
  skipHeader?: boolean;
  /** CSV: every record ends with LF (a file rewritten by runtime/ingest/newlines.ts): DuckDB is told so, not left to
   * sniff a CRLF quoted inside the first record. */
  lfRecords?: boolean;
  /** JSON lines: the byte (a control character) that stands for a lone CR in a file rewritten by newlines.ts, read
   * back as the CR the line held. */
  loneCr?: number;
}

/** How much of a file openSource reads first (its head): the first record must end within it. */
const HEAD_BYTES = 1 << 20;

export async function openSource(input: OpenSourceInput): Promise<SourceRelation> {
  const { source, path } = input;
  const codec = codecOf(path, source.compression);
  let head: Buffer;
  try {
    head = await readHead(path, codec, HEAD_BYTES);
  } catch (e) {
    throw new StrataError(ERRORS.UnreadableFile, `${input.key}: cannot be decompressed as ${codec}: ${engineMessage(e)}`);
  }
  const hint = sniffFormatHint(head, source.format, source.format === 'csv' ? skippedLinesEnd(head, source.csv.skipRows) ?? 0 : 0);
  // JSON sent to a CSV dataset is refused before DuckDB reads it: read as CSV, a 178 KB JSON array ran DuckDB out of
  // its 796 MB ("raise lambda.memory"), a small one gave a "header has no field" per column first (newcomer's trial,
  // stop 52). No row of it can be a record of the dataset's columns.
  // An archive or UTF-16 text (file-head.ts containerOf) holds no record of any format as it is.
  const container = containerOf(head);
  if (container) throw new StrataError(ERRORS.UnreadableFile, `${input.key}: ${container}: nothing of it was read`);
  if (source.format === 'csv' && hint?.startsWith('the file looks like JSON')) {
    const array = hint.includes('(an array)');
    throw new StrataError(ERRORS.UnreadableFile, `${input.key}: ${hint}, and its dataset reads CSV (source.format: csv): nothing of it was read. `
      + `Send it as CSV, or ingest it into a dataset of source.format: ${array ? 'json' : 'jsonl'}`);
  }
  try {
    switch (source.format) {
      case 'csv': return await openCsv(input, head, codec, hint);
      case 'jsonl': return await openJson(input, head, codec, 'lines', hint);
      case 'json': return await openJson(input, head, codec, 'array', hint);
      case 'parquet': return await openParquet(input, hint);
    }
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw await unreadable(input.key, path, source, e, hint);
  }
}

/**
 * The error for a file the engine could not read as its declared format: `<key>: cannot be read as <format>: <the
 * engine's words> (<hint>)`, Strata.UnreadableFile; Strata.LimitExceeded when the engine ran out of memory or /tmp.
 * A CSV or JSON-lines file DuckDB gave up on for a lone CR is named by the line that CR ends; a JSON array DuckDB
 * found malformed by the line and column where it stops being JSON (runtime/ingest/json-locate.ts); each with the
 * way back.
 */
export async function unreadable(key: string, path: string, source: SourceSpec, e: unknown, hint?: string, db?: Duck): Promise<StrataError> {
  const said = engineMessage(e);
  // Text that is not UTF-8 in a Parquet string column: DuckDB's reader stops at it, naming the value only. The
  // column is found (each string column read alone) and named with the way back (an attack, stop 53).
  const bad = source.format === 'parquet' && db ? /Invalid string encoding found in Parquet file.*?(value ".*" is not valid UTF8)/s.exec(said) : null;
  if (bad && db) {
    const columns = await notUtf8Columns(db, path).catch(() => []);
    if (columns.length) {
      return new StrataError(ERRORS.UnreadableFile, `${key}: ${columns.length === 1 ? 'column' : 'columns'} ${columns.map((c) => `"${c}"`).join(', ')} ${columns.length === 1 ? 'holds' : 'hold'} text that is not valid UTF-8 `
        + `(${bad[1]!.replace(/ is not valid UTF8$/, '')}), which Parquet's string type (BYTE_ARRAY annotated UTF8) requires: DuckDB cannot read past it, so no row of the file was committed. `
        + 'The way back: write the file again with that text as UTF-8, or with the column as plain binary (BYTE_ARRAY without the string annotation), whose values that are not UTF-8 are quarantined row by row; then ingest it again');
    }
  }
  // Out of memory or /tmp while reading: the file may be fine, so it is not called unreadable
  // (runtime/pipeline/limits.ts explains the limit in the run's record; dashboards count damaged files apart).
  const limit = limitHit(ERRORS.UnreadableFile, said);
  if (limit === 'memory' || limit === 'tmp') return new StrataError(ERRORS.LimitExceeded, `${key}: reading it as ${source.format} hit a limit of its step: ${said}`);
  // DuckDB's reader gives up ("invalid state") on line ends other than the one kind it took for the file's.
  if ((source.format === 'csv' || source.format === 'jsonl') && /state machine reached an invalid state/i.test(said) && !hint) {
    const ends = await lineEndsOf(path, source.compression).catch(() => undefined);
    if (ends?.firstLoneCr !== undefined) {
      return new StrataError(ERRORS.UnreadableFile, `${key}:${ends.firstLoneCr}: DuckDB cannot read it: its lines end with ${ends.kinds.join(' and ')}, and a CR alone ends line ${ends.firstLoneCr}`
        + ` (DuckDB takes one kind of line end per file): nothing of it was committed. Save the file with one kind of line end (LF or CRLF) and upload it again`);
    }
  }
  // An element of a JSON array past the largest DuckDB reads: its words named the file's local path (an attack, stop 58).
  if (source.format === 'json' && /"maximum_object_size" of \d+ bytes exceeded/.test(said)) {
    return new StrataError(ERRORS.UnreadableFile, `${key}: an element of the JSON array is larger than the ${MAX_LINE_BYTES >> 20} MiB a record may be, which DuckDB does not read: nothing of it was committed. `
      + `Keep each record under ${MAX_LINE_BYTES >> 20} MiB (a large value as a file of its own, named in the record), or send JSON lines, where such a record fails its file naming its line, and upload it again`);
  }
  if (source.format === 'json' && /Malformed JSON/i.test(said)) {
    const found = await locateJsonError(path, codecOf(path, source.compression)).catch(() => undefined);
    if (found) return notJson(key, found);
  }
  return new StrataError(ERRORS.UnreadableFile, `${key}: cannot be read as ${source.format}: ${said}${hint ? ` (${hint})` : ''}`);
}

/** The string columns of a Parquet file that DuckDB cannot read for text that is not UTF-8 (each read alone). */
async function notUtf8Columns(db: Duck, path: string): Promise<string[]> {
  const strings = (await db.columns(`SELECT * FROM read_parquet(${pathLit(path)})`)).filter((c) => c.type === 'VARCHAR');
  const out: string[] = [];
  for (const c of strings) {
    const failed = await db.run(`SELECT max(length(${ident(c.name)})) FROM read_parquet(${pathLit(path)})`).then(() => false, (e: unknown) => /Invalid string encoding/.test(String(e)));
    if (failed) out.push(c.name);
  }
  return out;
}

/** A JSON array file that is not valid JSON at `found`: Strata.UnreadableFile naming the place, and the way back. */
function notJson(key: string, found: { place: TextPlace; what: string }): StrataError {
  return new StrataError(ERRORS.UnreadableFile, `${key}:${found.place.line}:${found.place.column}: not valid JSON: ${found.what}. A JSON array is one document, so none of the file was read: `
    + `fix it there and upload the file again, or send it as JSON lines (source.format: jsonl), where a bad record is quarantined alone`);
}

// ---------------------------------------------------------------------------------------------------------

interface FieldMatch {
  ref: Map<string, string>;
  warnings: string[];
  fileProblems: string[];
  /**
   * A declared field the header names more than once: its positions (0-based), the first being the one read. A record
   * holding other text in a later one is ambiguous, and quarantined (openCsv's recordError).
   */
  repeated: Array<{ field: string; at: number[] }>;
}

/**
 * The width of a CSV file without a header: the number of fields most of the records in its head have (CsvScanner, as
 * DuckDB splits them), the declared columns' number (`declared`) among the most frequent ones, else the largest of
 * them; `first` (the first record's) when no record ends within the head.
 */
export function positionalWidth(head: Buffer, d: CsvDialect, declared: number, first: number): number {
  const seen = new Map<number, number>();
  const count = (fields: number) => seen.set(fields, (seen.get(fields) ?? 0) + 1);
  const scanner = new CsvScanner({ delimiter: d.delimiter, quote: d.quote, escape: d.escape, skipRows: d.skipRows });
  scanner.scan(head, { recordEnd: (_i, fields) => count(fields) });
  // The file's last record, without a line end after it, when the head holds the whole file.
  const last = head.length < HEAD_BYTES ? scanner.openRecordFields() : undefined;
  if (last !== undefined) count(last);
  if (!seen.size) return first;
  const most = Math.max(...seen.values());
  const modes = [...seen].filter(([, n]) => n === most).map(([w]) => w);
  return modes.includes(declared) ? declared : Math.max(...modes);
}

/**
 * A field's name as matchFields matches it when no declared field names it exactly: ignoring case and outer blanks,
 * in Unicode's composed form (NFC), without invisible format characters (U+200B, U+200F, U+FEFF: Unicode's Cf). An
 * NFD "café" in a header, printed the same as the declared NFC "café", left the column NULL with a warning naming two
 * names that look alike; so did "no\u200bte" for "note" (an attack, stop 58).
 */
const fieldKey = (s: string) => composed(s).trim().toLowerCase();

/** `s` in Unicode's composed form (NFC), without invisible format characters (Cf): the text it shows. */
const composed = (s: string) => s.normalize('NFC').replace(/\p{Cf}/gu, '');

/** A field's name as a message shows it: quoted, invisible format characters and a decomposed form said. */
function shownField(s: string): string {
  const escaped = JSON.stringify(s).replace(/\p{Cf}/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  return s.normalize('NFC') !== s ? `${escaped} (decomposed: NFD)` : escaped;
}

/**
 * Match declared fields to the file's fields: exactly, then, for a declared field no file field names exactly,
 * ignoring case and surrounding spaces among the file's fields no declared field names exactly, when exactly one
 * such field matches it and it matches no other declared field. A field was read into two columns (from: "A" and
 * from: "a" both read a file's "a"; from: "Amount " read the field "amount" another column reads: an attack, stop 52).
 */
function matchFields(columns: readonly PlannedColumn[], available: string[], refOf: (i: number) => string, what: string, key: string): FieldMatch {
  const ref = new Map<string, string>();
  const warnings: string[] = [];
  const fileProblems: string[] = [];
  const repeated: FieldMatch['repeated'] = [];
  const used = new Set<number>();
  const fields = sourceFields(columns);
  const exact = new Set(fields.flatMap((f) => { const i = available.indexOf(f); return i >= 0 ? [i] : []; }));
  // The fields no declared field names exactly, each with the declared fields it matches ignoring case and spaces.
  const loose = (field: string) => available.flatMap((a, i) => (!exact.has(i) && fieldKey(a) === fieldKey(field) ? [i] : []));
  const takers = new Map<number, number>();
  for (const f of fields) if (available.indexOf(f) < 0) for (const i of loose(f)) takers.set(i, (takers.get(i) ?? 0) + 1);
  for (const field of fields) {
    let i = available.indexOf(field);
    const at = available.flatMap((a, k) => (a === field ? [k] : []));
    if (at.length > 1) {
      repeated.push({ field, at });
      for (const k of at) used.add(k);
      warnings.push(`${key}: the ${what} names "${field}" ${at.length === 2 ? 'twice' : `${at.length} times`} (fields ${positions(at)}): a record holding the same text in each is read; `
        + 'one holding different texts is quarantined, as which of them is the value is ambiguous (name each field once)');
    }
    if (i < 0) {
      const found = loose(field);
      if (found.length === 1 && takers.get(found[0]!) === 1) {
        i = found[0]!;
        const plain = (x: string) => composed(x) === x;
        warnings.push(`${what} field ${shownField(available[i]!)} read as "${field}" (${plain(available[i]!) && plain(field) ? 'case or spaces differ' : 'the Unicode form of its characters differs, or invisible characters: the same text shown'})`);
      } else if (found.length > 1 && found.every((x) => takers.get(x) === 1)) {
        // Fields that match only this one, all ignoring case or spaces ("V" twice for field "v"): read as a field the
        // header names twice is. None was read, and the column was NULL for every row (an attack, stop 53).
        i = found[0]!;
        repeated.push({ field, at: found });
        for (const k of found) used.add(k);
        warnings.push(`${key}: the ${what} fields ${found.map((x) => `"${available[x]}"`).join(', ')} (fields ${positions(found)}) all match "${field}" only ignoring case or spaces: a record holding the same text in each is read; `
          + `one holding different texts is quarantined, as which of them is the value is ambiguous (name the one to read exactly, from: ...)`);
      } else if (found.length > 1) {
        warnings.push(`${what} fields ${found.map((x) => `"${available[x]}"`).join(', ')} all match "${field}" only ignoring case or spaces: none is read as "${field}" (name the one to read exactly, from: ...)`);
      } else if (found.length) {
        warnings.push(`${what} field "${available[found[0]!]}" matches "${field}" and another declared field only ignoring case or spaces: it is read as neither (name it exactly, from: ${JSON.stringify(available[found[0]!])})`);
      }
    }
    if (i < 0) {
      const cols = columns.filter((c) => c.from === field);
      const required = cols.some((c) => c.required);
      const msg = `${key}: ${what} has no field "${field}" (column ${cols.map((c) => c.name).join(', ')})`;
      if (required) fileProblems.push(`${msg}; every row fails "required"`);
      else warnings.push(`${msg}; the column is NULL for every row`);
      ref.set(field, 'CAST(NULL AS VARCHAR)');
      continue;
    }
    used.add(i);
    ref.set(field, refOf(i));
  }
  const extra = [...new Set(available.filter((a, i) => !used.has(i) && a !== ''))];
  if (extra.length) warnings.push(`${key}: ${what} fields not in the schema were kept out of silver: ${extra.slice(0, 20).map((e) => `"${e}"`).join(', ')}${extra.length > 20 ? ` and ${extra.length - 20} more` : ''}`);
  // A field the header gives no name: no column can read it (from: "" is no name), and its values were dropped
  // without a word (newcomer's trial, stop 49). Named by position.
  const unnamed = available.flatMap((a, i) => (a === '' && !used.has(i) ? [i + 1] : []));
  if (unnamed.length && what === 'header') {
    warnings.push(`${key}: the header gives ${unnamed.length === 1 ? `field ${unnamed[0]}` : `fields ${unnamed.slice(0, 20).join(', ')}`} no name: ${unnamed.length === 1 ? 'its values were' : 'their values were'} kept out of silver (name ${unnamed.length === 1 ? 'it' : 'them'} in the file's header to read ${unnamed.length === 1 ? 'it' : 'them'} into a column)`);
  }
  return { ref, warnings, fileProblems, repeated };
}

/**
 * SQL: the record error of a record whose fields that one declared field reads (a header or a Parquet file naming it
 * twice, or two fields matching it only ignoring case) hold different values, read through `asNull` (a null value in
 * one, NULL in the other, is the same NULL); NULL otherwise. Which of them is the value is ambiguous.
 */
function repeatedFieldError(repeats: FieldMatch['repeated'], refOf: (i: number) => string, asNull: (ref: string) => string, columns: readonly PlannedColumn[], what: string, held: string, names: readonly string[]): string {
  const says = (field: string, at: number[]) => (at.every((k) => names[k] === field)
    ? `the ${what} names "${field}" in fields ${positions(at)}, and this record holds different ${held} there, so which is the value is ambiguous: name each field once`
    : `the ${what}'s fields ${positions(at)} (${at.map((k) => JSON.stringify(names[k])).join(', ')}) all match "${field}" only ignoring case or spaces, and this record holds different ${held} there, so which is the value is ambiguous: name the one to read exactly (from: ...)`);
  return `CASE ${repeats.map(({ field, at }) => `WHEN ${at.slice(1).map((k) => `${asNull(refOf(k))} IS DISTINCT FROM ${asNull(refOf(at[0]!))}`).join(' OR ')} THEN {'rule': 'malformed', 'column': ${str(columns.find((c) => c.from === field)!.name)}, `
    + `'message': ${str(says(field, at))}}`).join(' ')} END`;
}

/**
 * SQL: text field `ref` as NULL when it is one of the source's null values other than the empty string (what the empty
 * one is depends on the column: core/plan/validation.ts emptyAsNull), else as it is.
 */
function nullIn(ref: string, nullValues: readonly string[]): string {
  const values = nullValues.filter((v) => v !== '');
  return values.length ? `CASE WHEN ${ref} IN (${values.map(str).join(', ')}) THEN NULL ELSE ${ref} END` : ref;
}

/**
 * SQL: a typed value as text that two values share only when they are the same number or text: a FLOAT by the double
 * it is (0.1 as a FLOAT is 0.10000000149011612, which its shortest text "0.1" hid beside a DOUBLE 0.1: an attack,
 * stop 53), every other type by its text (typedText).
 */
function sameText(expr: string, type: string): string {
  return type === 'FLOAT' ? `CAST(CAST(${expr} AS DOUBLE) AS VARCHAR)` : typedText(expr, type);
}

/** 0-based field positions as a reader counts them: "2 and 3", "2, 3 and 5". */
function positions(at: readonly number[]): string {
  const n = at.map((k) => k + 1);
  return n.length > 1 ? `${n.slice(0, -1).join(', ')} and ${n.at(-1)}` : String(n[0]);
}

function jsonObjectOf(names: string[], refOf: (i: number) => string, typeOf: (i: number) => string = () => 'VARCHAR', unread: ReadonlyMap<string, string> = new Map()): string {
  // The record as the file holds it: every field under its own name, in order, as JSON text written here. A struct
  // would need keys unique whatever their case (DuckDB's): renaming "A" beside "a" to "A_" could take a later field's
  // own name "a_", and the quarantined record named values after the wrong fields (a second attack, stop 49).
  // One concat() of every piece, not a chain of ||: 500 fields made an expression deeper than DuckDB takes (1000).
  // A typed value as valid JSON: NaN and the infinities as the strings strata writes them (to_json wrote NaN, no JSON),
  // a TIMESTAMP_NS of 1677-09-21 as its text (to_json failed the file: an attack, stop 53).
  const json = (i: number) => {
    const said = unread.get(names[i]!);
    if (said !== undefined) return `CASE WHEN ${refOf(i)} IS NULL THEN NULL ELSE ${str(JSON.stringify(said))} END`;
    const t = typeOf(i);
    const ref = refOf(i);
    // A FLOAT as DuckDB writes it (0.1); to_json widens it to a double first (0.10000000149011612: an attack, stop 58).
    if (t === 'DOUBLE' || t === 'FLOAT') return `CASE WHEN isnan(${ref}) THEN '"NaN"' WHEN isinf(${ref}) THEN CASE WHEN ${ref} > 0 THEN '"Infinity"' ELSE '"-Infinity"' END ELSE CAST(${t === 'FLOAT' ? ref : `to_json(${ref})`} AS VARCHAR) END`;
    if (t === 'TIMESTAMP_NS') return `CAST(to_json(${typedText(ref, t)}) AS VARCHAR)`;
    return `CAST(to_json(${ref}) AS VARCHAR)`;
  };
  const entries = names.map((n, i) => `${str(`${i ? ',' : ''}${JSON.stringify(n || `field_${i + 1}`)}:`)}, coalesce(${json(i)}, 'null')`);
  return entries.length ? `CAST(concat('{', ${entries.join(', ')}, '}') AS JSON)` : `'{}'`;
}

/**
 * Whether a file's fields (a CSV header's, a Parquet file's columns) name none of the schema's fields: another
 * dataset's file (or another dialect's), whose rows were committed with every column NULL, its values only in bronze,
 * with a warning per column (newcomer's trial, stop 57). If so, a file problem says it (a schema mismatch), alone:
 * each missing field's problem and warning, and the fields not in the schema, say the same thing again.
 */
function namesNone(match: FieldMatch, columns: readonly PlannedColumn[], names: readonly string[], key: string, what: string, says: string): boolean {
  const declared = sourceFields(columns);
  if (!declared.every((f) => match.ref.get(f) === 'CAST(NULL AS VARCHAR)')) return false;
  // A field that matches a declared one ignoring case or spaces, but ambiguously (matchFields read neither, and warns
  // which): it names one, and its warning says so. A header of empty names names none (it was let through: an attack).
  if (names.some((n) => declared.some((f) => fieldKey(f) === fieldKey(n)))) return false;
  dropConsequences(match, key, what);
  match.fileProblems.push(`${key}: ${says} none of the schema's fields (${declared.slice(0, 10).map((f) => JSON.stringify(f)).join(', ')}${declared.length > 10 ? ', …' : ''}); `
    + `its fields: ${names.slice(0, 10).map((n) => JSON.stringify(n)).join(', ')}${names.length > 10 ? ', …' : ''}`);
  return true;
}

/** matchFields' problems and warnings of fields missing, and of fields not in the schema, left out (`what`: its word for the file). */
function dropConsequences(match: FieldMatch, key: string, what: string): void {
  const consequence = (w: string) => w.startsWith(`${key}: ${what} has no field `) || w.startsWith(`${key}: ${what} fields not in the schema `);
  match.fileProblems.splice(0, match.fileProblems.length, ...match.fileProblems.filter((p) => !consequence(p)));
  match.warnings.splice(0, match.warnings.length, ...match.warnings.filter((w) => !consequence(w)));
}

/**
 * When the header's fields hold another delimiter and split by it would name declared fields the header now lacks:
 * the hint to declare that delimiter (strata never guesses the dialect; it only says what the header looks like).
 */
function otherDelimiter(header: string[], declared: string, columns: readonly PlannedColumn[]): string | undefined {
  const wanted = new Set(columns.map((c) => c.from));
  const names: Record<string, string> = { ';': 'semicolon', '\t': 'tab', '|': 'pipe', ',': 'comma' };
  for (const c of Object.keys(names).filter((x) => x !== declared)) {
    const split = header.flatMap((f) => f.split(c).map((x) => x.trim()));
    if (split.length > header.length && split.some((f) => wanted.has(f) && !header.includes(f))) {
      const shown = header.join(declared);
      return `the header looks ${names[c]}-separated (${JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown)}): set source.csv.delimiter: ${JSON.stringify(c)}`
        + (c === ';' ? ' (and decimalSeparator: "," if numbers are written 39,81)' : '');
    }
  }
  return undefined;
}

async function openCsv(input: OpenSourceInput, head: Buffer, codec: string, hint: string | undefined): Promise<SourceRelation> {
  const { db, source, columns, key, path } = input;
  const d = source.csv;
  /** Where the lines csv.skipRows skips end in the head (undefined: beyond it). */
  const after = skippedLinesEnd(head, d.skipRows);
  const first = parseFirstRecord(head, d);
  const headerLines = d.skipRows + (d.header ? 1 : 0);
  const skipHeader = Boolean(input.skipHeader && d.header && isPlainHeader(head, d));
  const base = {
    kind: 'text' as const, recordError: 'NULL', headerLines, skipRows: d.skipRows + (skipHeader ? 1 : 0),
    headerRecord: d.header && !skipHeader, headerSkipped: skipHeader || !d.header, positions: 'lines' as const,
  };
  if (!first) {
    // Nothing but blanks after the lines csv.skipRows skips (or fewer lines than it skips, in a file within the head).
    const rest = after === undefined ? (head.length < HEAD_BYTES ? Buffer.alloc(0) : head) : head.subarray(after);
    if (stripBom(rest).toString('utf8').trim() === '') {
      const said = stripBom(head).toString('utf8').trim() === '' ? 'the file is empty' : `the file holds nothing after the ${d.skipRows === 1 ? 'line' : `${d.skipRows} lines`} csv.skipRows skips`;
      await db.run(`CREATE OR REPLACE TEMP VIEW ${REL} AS SELECT ${sourceFields(columns).map((_, i) => `CAST(NULL AS VARCHAR) AS __f${i}`).join(', ')} WHERE false`);
      return { ...base, fieldRef: () => 'CAST(NULL AS VARCHAR)', rawExpr: `'{}'`, hasRejects: false, warnings: [`${key}: ${said}`], fileProblems: [], empty: true };
    }
    throw new StrataError(ERRORS.UnreadableFile, `${key}:${d.skipRows + 1}: the first record does not end within 1 MB or has an unterminated quote${hint ? ` (${hint})` : ''}`);
  }
  // Without a header, fields are matched by position: the i-th field feeds the i-th declared column. The records' width
  // is the one most of the head's records have, not the first record's: a first record of one field made every
  // well-formed record of two "too many fields" and itself valid with a NULL column (an attack, stop 52).
  const width = d.header ? first.length : positionalWidth(head, d, columns.length, first.length);
  const names = d.header ? first : Array.from({ length: width }, (_, i) => columns[i]?.from ?? `field_${i + 1}`);
  const refOf = (i: number) => `__f${i}`;
  const match = matchFields(columns, names, refOf, d.header ? 'header' : 'record', key);
  const none = d.header && namesNone(match, columns, names, key, 'header', 'the header names');
  if (hint && match.fileProblems.length) match.fileProblems.push(`${key}: ${hint}`);
  const other = match.fileProblems.length && d.header ? otherDelimiter(first, d.delimiter, columns) : undefined;
  // First: the fields it names are missing because of it (the hint came after five lines of them: newcomer's trial, stop 46).
  // And alone: each missing field's problem and warning, and the one header field not in the schema, say the same
  // thing again (six lines of it after the hint: newcomer's trial, stop 57).
  if (other) match.fileProblems.splice(0, match.fileProblems.length, `${key}: ${other}`);
  if (other && !none) dropConsequences(match, key, 'header');
  const nulls = source.nullValues.length ? source.nullValues : [NO_NULL];
  const colDefs = Array.from({ length: width }, (_, i) => `${str(refOf(i))}: 'VARCHAR'`).join(', ');
  // Records that end with LF, told so: DuckDB otherwise takes the file's line end from its first one, quoted or not,
  // and a first record holding a quoted CRLF made it read an LF file as CRLF (its records quarantined as unterminated
  // quotes). A CRLF later in such a file is still an error ("invalid state": exactPass then reads it as mixed).
  const lf = input.lfRecords || firstLineEnd(head.subarray(after ?? head.length), d) === '\n';
  // DuckDB's parallel reader, splitting a file at its 16 MiB buffers, misreads a quoted field that holds a line end
  // across a split: a record made of the field's second line (a phantom row), then the rest of the file read
  // inside a quote that never closes (an attack, stop 45; DuckDB 1.5, with threads=1 too). A file that holds the quote
  // character, and is larger than one buffer, is read by one thread: 25% slower on 45 MB of quoted fields (a
  // compressed file is read by one thread anyway).
  const serial = d.quote !== '' && (codec !== 'none' || ((await stat(path)).size > MAX_LINE_BYTES && await holdsByte(path, d.quote.charCodeAt(0))));
  await db.run(`CREATE OR REPLACE TEMP VIEW ${REL} AS SELECT * FROM read_csv(${pathLit(path)}, `
    + `columns={${colDefs}}, header=false, skip=${base.skipRows}, delim=${str(d.delimiter)}, quote=${str(d.quote)}, escape=${str(d.escape)}, `
    + `nullstr=[${nulls.map(str).join(', ')}], allow_quoted_nulls=false, auto_detect=false, strict_mode=true, compression='${codec}', `
    + `max_line_size=${MAX_LINE_BYTES}, buffer_size=${MAX_LINE_BYTES}, ${lf ? `new_line='\\n', ` : ''}${serial ? 'parallel=false, ' : ''}`
    + `store_rejects=true, rejects_table='${REJECTS}', rejects_scan='${REJECTS}_scan')`);
  // A quoted field is never NULL to DuckDB here (allow_quoted_nulls off, so that "" is the empty string): a quoted null
  // string other than the empty one ("NA") is NULL, as it was; the empty one is NULL per column type (validation.ts
  // emptyAsNull).
  const asNull = (ref: string) => (ref !== 'CAST(NULL AS VARCHAR)' ? nullIn(ref, source.nullValues) : ref);
  // A field the header names twice: a record holding different texts there does not say which is the value (as a JSON
  // object naming a key twice, json-literals.ts duplicateKey). It was read from the first, with a warning only.
  const repeats = d.header ? match.repeated : [];
  const recordError = repeats.length ? repeatedFieldError(repeats, refOf, asNull, columns, 'header', 'texts', names) : base.recordError;
  return {
    ...base,
    recordError,
    fieldRef: (f) => asNull(match.ref.get(f) ?? 'CAST(NULL AS VARCHAR)'),
    rawExpr: jsonObjectOf(names, refOf),
    hasRejects: true,
    fieldNames: names.map((n, i) => {
      // The silver column that reads the field, when one alone does: reasons name columns by their silver names
      // ("Customer Name" for customer_name was the one reason named by the header's: newcomer's trial, stop 57).
      const fields = [...match.ref].filter(([, r]) => r === refOf(i)).map(([f]) => f);
      const readers = columns.filter((c) => fields.includes(c.from));
      return readers.length === 1 ? readers[0]!.name : n;
    }),
    ...(hint ? { hint } : {}),
    warnings: match.warnings,
    fileProblems: match.fileProblems,
    empty: false,
  };
}

async function openJson(input: OpenSourceInput, head: Buffer, codec: Codec, shape: 'lines' | 'array', hint: string | undefined): Promise<SourceRelation> {
  const { db, source, columns, key, path } = input;
  const fields = sourceFields(columns);
  const base = { kind: 'text' as const, headerLines: 0, skipRows: 0, headerRecord: false, headerSkipped: true, positions: shape === 'lines' ? 'lines' as const : 'records' as const };
  if (stripBom(head).toString('utf8').trim() === '') {
    await db.run(`CREATE OR REPLACE TEMP VIEW ${REL} AS SELECT CAST(NULL AS VARCHAR) AS __j, CAST(NULL AS VARCHAR) AS __t WHERE false`);
    return { ...base, fieldRef: () => 'CAST(NULL AS VARCHAR)', rawExpr: '__j', recordError: 'NULL', hasRejects: false, warnings: [`${key}: the file is empty`], fileProblems: [], empty: true };
  }
  // A JSON array must parse as a whole: a file that is not one is refused, naming what it looks like. JSON lines are
  // read line by line, so a first line that is no JSON object is one bad record (quarantined with its line), like any
  // other; what the file looks like is then a warning beside the rows it quarantines.
  const lineWarnings: string[] = [];
  if (hint && /not look like JSON|JSON array|JSON lines/.test(hint)) {
    if (shape === 'array') throw new StrataError(ERRORS.UnreadableFile, `${key}: ${hint}`);
    lineWarnings.push(`${key}: ${hint}`);
  }
  // DuckDB's array reader ends an array cut off after a comma ("[{…},{…},") at its last element, without an error: a
  // truncated upload would pass for a whole one. A JSON array's last character is its "]".
  if (shape === 'array') {
    const end = (await readTail(path, codec)).toString('utf8').trimEnd();
    if (!end.endsWith(']')) {
      // A file the sniff takes for something else (gzip under a .json name) is that, not a cut-off array.
      if (hint) throw new StrataError(ERRORS.UnreadableFile, `${key}: cannot be read as json (${hint})`);
      throw new StrataError(ERRORS.UnreadableFile, `${key}: the JSON array is not closed: the file ends with ${JSON.stringify(end.slice(-20))}, not "]" (a truncated upload?); upload the whole file again`);
    }
    // Strict JSON, as a JSON line is held to (lenient below): DuckDB's array reader takes a comma before } or ] and
    // NaN or Infinity. (A larger array's elements are looked at one by one, below.)
    const strict = await strictJsonProblem(path, codec);
    if (strict) throw notJson(key, strict);
  }
  // JSON lines are read as lines of text (a control character no valid JSON line holds is the "delimiter"), so a
  // broken line is one bad record instead of a failed file. A JSON array must parse as a whole; its elements come
  // as the text they were written with.
  const reader = shape === 'lines'
    ? `SELECT ${input.loneCr === undefined ? '__j' : `replace(__j, chr(${input.loneCr}), chr(13)) AS __j`} FROM read_csv(${pathLit(path)}, columns={'__j': 'VARCHAR'}, header=false, delim=chr(1), quote='', escape='', `
      + `nullstr=[${str(NO_NULL)}], auto_detect=false, strict_mode=true, compression='${codec}', max_line_size=${MAX_LINE_BYTES}, buffer_size=${MAX_LINE_BYTES}, `
      + `store_rejects=true, rejects_table='${REJECTS}', rejects_scan='${REJECTS}_scan')`
    : `SELECT CAST(json AS VARCHAR) AS __j FROM read_json_objects(${pathLit(path)}, format='array', compression='${codec === 'none' ? 'uncompressed' : codec}', maximum_object_size=${MAX_LINE_BYTES})`;
  const json = jsonFields(columns, source.nullValues);
  await db.run(`CREATE OR REPLACE TEMP VIEW ${REL} AS ${json.relation(reader)}`);
  const nested = fields.map((f, i) =>
    `WHEN __vt[${i + 1}] IN ('OBJECT', 'ARRAY') THEN {'rule': 'type', 'column': ${str(columns.find((c) => c.from === f)!.name)}, 'message': ${str(`field "${f}" holds a JSON `)} || lower(__vt[${i + 1}]) || ${str(`, not ${columnTypes(columns, f)}`)}}`);
  // DuckDB's JSON reader takes two things JSON does not have: a comma before } or ], and NaN / Infinity as numbers. A
  // line holding either was committed (NaN into a double column, "NaN" into a string one: newcomer's trial, stop 49);
  // it is no JSON record, so it is quarantined. Looked for outside the line's strings, and only in lines that hold
  // such a comma or those letters at all (one search per line). A JSON array's elements come as written too (DuckDB
  // 1.5: read_json_objects gives {"a":1,} back as it is): an array over 16 MiB, which strictJsonProblem does not read,
  // committed NaN and -Infinity (an attack, stop 50); its elements are looked at alike.
  const outside = `regexp_replace(__j, ${str('"(\\\\.|[^"\\\\])*"')}, '""', 'g')`;
  const lenient = `WHEN regexp_matches(__j, ${str(',\\s*[}\\]]|(?i:nan|inf)')}) AND regexp_matches(${outside}, ${str(',\\s*[}\\]]')}) THEN {'rule': 'malformed', 'column': NULL, 'message': 'invalid JSON: a comma before } or ]'} `
      + `WHEN regexp_matches(__j, ${str('(?i:nan|inf)')}) AND regexp_matches(${outside}, ${str('(?i)(^|[^a-z0-9_.])[-+]?(nan|inf|infinity)($|[^a-z0-9_])')}) THEN {'rule': 'malformed', 'column': NULL, 'message': 'invalid JSON: NaN and Infinity are no JSON numbers'} `;
  const recordError = `CASE WHEN __j IS NULL OR __t = 'null' THEN {'rule': 'malformed', 'column': NULL, 'message': 'record is JSON null, not an object'} `
    + `WHEN __t IS NULL THEN {'rule': 'malformed', 'column': NULL, 'message': 'invalid JSON'} `
    + `WHEN __t <> 'object' THEN {'rule': 'malformed', 'column': NULL, 'message': 'record is a JSON ' || __t || ', not an object'} ${lenient}`
    + `WHEN ${json.duplicateKey.when} THEN ${json.duplicateKey.reason} WHEN ${json.caseKey.when} THEN ${json.caseKey.reason} ${nested.join(' ')} END`;
  // Keys the schema does not name are reported from a sample; reading every key of every record would double the cost.
  // (A file DuckDB cannot read as lines, CRLF among LF ends: no sample; reading it says so, or reads it again with its
  // line ends made LF, as a CSV's: validate-file.ts exactPass. It failed here whole, with DuckDB's words: an attack.)
  const keys = await db.all<{ k: string }>(`SELECT DISTINCT unnest(json_keys(__j)) AS k FROM (SELECT __j FROM ${REL} WHERE __t = 'object' LIMIT 1000) ORDER BY k`)
    .catch((e: unknown) => { if (/state machine reached an invalid state/i.test(String(e))) return []; throw e; });
  const extra = keys.map((r) => r.k).filter((k) => !fields.includes(k));
  // Records that name none of the schema's fields, only others: another dataset's file, committed as rows of NULLs,
  // its values only in bronze (as a CSV whose header names none: newcomer's trial, stop 57). When the sample names
  // none, every record is looked at: a file where none does is a schema mismatch.
  const fileProblems: string[] = [];
  if (extra.length && extra.length === keys.length) {
    const named = await db.one<{ n: number | bigint }>(`SELECT count(*) AS n FROM ${REL} WHERE __t = 'object' AND list_has_any(json_keys(__j), [${fields.map(str).join(', ')}])`).catch(() => ({ n: 1 }));
    if (Number(named.n) === 0) {
      fileProblems.push(`${key}: its records name none of the schema's fields (${fields.slice(0, 10).map((f) => JSON.stringify(f)).join(', ')}${fields.length > 10 ? ', …' : ''}); their keys: ${extra.slice(0, 10).map((e) => JSON.stringify(e)).join(', ')}${extra.length > 10 ? ', …' : ''}`);
    }
  }
  const warnings = [...lineWarnings, ...(extra.length && !fileProblems.length ? [`${key}: keys not in the schema were kept out of silver: ${extra.slice(0, 20).map((e) => `"${e}"`).join(', ')}`] : [])];
  return { ...base, fieldRef: json.fieldRef, badValues: json.literals, rawExpr: '__j', recordError, hasRejects: shape === 'lines', warnings, fileProblems, empty: false };
}

/** "a string", "an int or a date": the types of the columns reading a field, for messages. */
function columnTypes(columns: readonly PlannedColumn[], field: string): string {
  const types = [...new Set(columns.filter((c) => c.from === field).map((c) => c.typeText))];
  return types.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)).join(' or ');
}

/**
 * The bytes between a Parquet file's last column chunk and its footer when they hold the magic PAR1 (another file's
 * end and start: files joined end to end, whose footer is the last one's), else undefined. DuckDB read two joined
 * copies of a file as the last one's rows alone, silently (an attack, stop 53). Only that span is read (page indexes
 * and bloom filters may sit there, without the magic).
 */
async function joinedParquet(db: Duck, path: string): Promise<number | undefined> {
  const [f] = await db.all<{ size: number | bigint; footer: number | bigint }>(`SELECT file_size_bytes AS size, footer_size AS footer FROM parquet_file_metadata(${pathLit(path)})`).catch(() => []);
  const [c] = await db.all<{ last: number | bigint | null }>(`SELECT max(greatest(CASE WHEN dictionary_page_offset > 0 AND dictionary_page_offset < data_page_offset THEN dictionary_page_offset ELSE data_page_offset END + total_compressed_size, coalesce(bloom_filter_offset + bloom_filter_length, 0))) AS last FROM parquet_metadata(${pathLit(path)})`).catch(() => []);
  if (!f || !c || c.last === null) return undefined;
  const [start, end] = [Number(c.last), Number(f.size) - 8 - Number(f.footer)];
  if (end - start < 8) return undefined;
  // Read in pieces of 1 MiB (each overlapping the last by 3 bytes): the span of a large joined file is large.
  const handle = await open(path, 'r');
  try {
    const piece = Buffer.alloc(Math.min(end - start, 1 << 20));
    for (let at = start; at < end; at += piece.length - 3) {
      const { bytesRead } = await handle.read(piece, 0, Math.min(piece.length, end - at), at);
      if (piece.subarray(0, bytesRead).includes('PAR1')) return end - start;
      if (at + bytesRead >= end) break;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** A top-level field of a Parquet file as its footer describes it (parquet_schema). */
interface ParquetField { name: string; type: string | null; converted_type: string | null; precision: number | null; scale: number | null; logical_type: string | null }

/**
 * A Parquet file's top-level fields as the file writes them, in order (parquet_schema: the root's children, each
 * one's subtree passed over); undefined when they are not `count` (DuckDB's columns of the file), which they always
 * are for a file DuckDB reads.
 */
async function parquetTopFields(db: Duck, path: string, count: number): Promise<ParquetField[] | undefined> {
  const rows = await db.all<ParquetField & { n: number | bigint | null }>(`SELECT name, type, converted_type, precision, scale, logical_type, num_children AS n FROM parquet_schema(${pathLit(path)})`);
  const past = (j: number): number => {
    let k = j + 1;
    for (let c = 0; c < Number(rows[j]?.n ?? 0); c++) k = past(k);
    return k;
  };
  const fields: ParquetField[] = [];
  for (let i = 1; i < rows.length; i = past(i)) fields.push(rows[i]!);
  return fields.length === count ? fields : undefined;
}

/**
 * What DuckDB's reading of a Parquet field loses, for the fields declared columns read: a DECIMAL of more than 38
 * digits, read as a double (digits lost, and a 17-byte one misread by a factor of 2^56), refuses the file; a
 * TIMESTAMP(NANOS) adjusted to UTC, read as TIMESTAMP WITH TIME ZONE, and an INT96, read as TIMESTAMP, are read to the
 * microsecond, digits past it unseen: a warning. Each was stored silently (an attack, stop 53).
 */
function lossyParquetFields(key: string, fields: readonly ParquetField[], read: (name: string) => boolean): { problems: string[]; warnings: string[]; unread: Map<string, string> } {
  const problems: string[] = [];
  const warnings: string[] = [];
  /** Fields none of whose values DuckDB reads: what a quarantined record's raw text says in their place. */
  const unread = new Map<string, string>();
  for (const f of fields.filter((x) => read(x.name))) {
    const decimal = f.converted_type === 'DECIMAL' || /^DecimalType/.test(f.logical_type ?? '');
    if (decimal && Number(f.precision) > 38) {
      problems.push(`${key}: field "${f.name}" is a Parquet DECIMAL(${f.precision},${f.scale}), past the 38 digits DuckDB reads exactly (it reads it as a double): none of its values can be read exactly. `
        + 'Write it as a DECIMAL of at most 38 digits, or as text');
      unread.set(f.name, `not read: a DECIMAL(${f.precision},${f.scale})`);
    } else if (/^TimestampType\(isAdjustedToUTC=1, .*NANOS=NanoSeconds\(\)/.test(f.logical_type ?? '') || f.type === 'INT96') {
      const what = f.type === 'INT96' ? 'an INT96 timestamp' : 'a TIMESTAMP(NANOS) adjusted to UTC';
      warnings.push(`${key}: field "${f.name}" is ${what}, which DuckDB reads to the microsecond: digits past it are not seen, and a value with them is read without them. `
        + `To have them read (and a timestamp column's millisecond rule applied to them), write it as ${f.type === 'INT96' ? 'TIMESTAMP(NANOS) or TIMESTAMP(MICROS)' : 'TIMESTAMP(NANOS) not adjusted to UTC, or TIMESTAMP(MICROS) (pyarrow: coerce_timestamps="us")'}`);
    }
  }
  return { problems, warnings, unread };
}

async function openParquet(input: OpenSourceInput, hint: string | undefined): Promise<SourceRelation> {
  const { db, columns, key, path } = input;
  if (hint) {
    const json = /^the file looks like JSON( \(an array\))?/.exec(hint);
    const other = json ? `source.format: ${json[1] ? 'json' : 'jsonl'}` : hint.startsWith('the file is text') ? 'the format it is in (source.format: csv for CSV)' : undefined;
    throw new StrataError(ERRORS.UnreadableFile, `${key}: not a Parquet file (${hint}): nothing of it was read.${other ? ` Send it as Parquet, or ingest it into a dataset of ${other}` : ''}`);
  }
  const joined = await joinedParquet(db, path);
  if (joined) {
    throw new StrataError(ERRORS.UnreadableFile, `${key}: not one Parquet file: ${joined} bytes between its last column chunk and its footer hold another file's end and start (the bytes PAR1), `
      + 'as files joined end to end do; its footer describes only the last file\'s rows, so the others would be lost: nothing of it was read. Send each file on its own');
  }
  const described = await db.columns(`SELECT * FROM read_parquet(${pathLit(path)})`);
  // The file's own names, which DuckDB's may not be: it reads a column "amount" beside "Amount" as "amount_1", and
  // the schema's column amount read "Amount" (case differs) instead of it (an attack, stop 52). Fields are matched by
  // the file's names and read by DuckDB's, position by position.
  const top = await parquetTopFields(db, path, described.length);
  const names = top?.map((f) => f.name) ?? described.map((c) => c.name);
  // Internal positional names, like CSV: a source column named like a silver column must not shadow the typed one.
  const refOf = (i: number) => `__f${i}`;
  await db.run(`CREATE OR REPLACE TEMP VIEW ${REL} AS SELECT ${described.map((c, i) => `${ident(c.name)} AS ${refOf(i)}`).join(', ')} FROM read_parquet(${pathLit(path)})`);
  const match = matchFields(columns, names, refOf, 'file', key);
  namesNone(match, columns, names, key, 'file', "the file's columns name");
  const lossy = lossyParquetFields(key, top ?? [], (name) => match.ref.has(name));
  const nestedString = columns.filter((c) => c.type.name === 'string').flatMap((c) => {
    const i = names.indexOf(c.from);
    const t = i >= 0 ? described[i]!.type : '';
    return /^(STRUCT|MAP)|\[\]$/.test(t)
      ? [`WHEN ${refOf(i)} IS NOT NULL THEN {'rule': 'type', 'column': ${str(c.name)}, 'message': ${str(`field "${c.from}" is ${t.split('(')[0]}, not a string`)}}`]
      : [];
  });
  const typeOf = new Map(names.map((n, i) => [refOf(i), described[i]!.type]));
  // The source's nullValues name strings of a Parquet file as they name a CSV's texts; not the empty string, which is
  // a value here (NULL is NULL), nor typed values, which have no spelling. They were ignored (an attack, stop 53),
  // while a column's nullValues applied (core/plan/validation.ts columnSource).
  const asNull = (ref: string) => (typeOf.get(ref) === 'VARCHAR' ? nullIn(ref, input.source.nullValues ?? []) : ref);
  const recordErrors = [
    ...(nestedString.length ? [`CASE ${nestedString.join(' ')} END`] : []),
    ...(match.repeated.length ? [repeatedFieldError(match.repeated, refOf, (r) => sameText(asNull(r), typeOf.get(r) ?? 'VARCHAR'), columns, 'file', 'values', names)] : []),
  ];
  return {
    kind: 'typed',
    fieldRef: (f) => (match.ref.has(f) ? asNull(match.ref.get(f)!) : 'CAST(NULL AS VARCHAR)'),
    fieldType: (f) => typeOf.get(match.ref.get(f) ?? '') ?? 'VARCHAR',
    rawExpr: jsonObjectOf(names, refOf, (i) => described[i]!.type, lossy.unread),
    // (Fields the file names twice, or that match a declared field only ignoring case: read from the first only,
    // silently, as a CSV's were before they agreed or were quarantined.)
    recordError: recordErrors.length > 1 ? `coalesce(${recordErrors.join(', ')})` : recordErrors[0] ?? 'NULL',
    hasRejects: false,
    headerLines: 0,
    skipRows: 0,
    headerRecord: false,
    headerSkipped: true,
    positions: 'records',
    warnings: [...match.warnings, ...lossy.warnings],
    fileProblems: [...match.fileProblems, ...lossy.problems],
    empty: false,
  };
}
