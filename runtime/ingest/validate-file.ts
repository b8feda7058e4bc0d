// One bronze file → typed, partitioned Parquet (valid rows) plus a quarantine file (every other row, with every
// reason). One scan of the source materialises the typed rows; the two outputs are written from that table.
// Accounting is exact: rowsIn = rowsValid + rowsQuarantined, checked before anything is returned.
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Duck } from '../engine/duckdb.ts';
import { pathList, pathLit } from '../engine/duckdb.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { BAD, decimalOf, OK, RAW, REASON_TYPE, slot, sourceFields, typedSelect } from '../../core/plan/validation.ts';
import { ident, str } from '../../core/sql/quote.ts';
import { codecOf, endsLineWith, holdsByte, LongLines, overlongLine, parseFirstRecord, readHead, stripBom } from './file-head.ts';
import { CsvScanner, type ScanDialect } from './csv-scan.ts';
import { blankSkippedLines, jsonLinesCopy, lineEndsOf, normalizeNewlines } from './newlines.ts';
import { recordTexts, scanRecordLines, type RecordLines } from './record-lines.ts';
import { filesToRead, markPriorKeys, type PriorKeys } from './prior-keys.ts';
import { copyPartitioned, WRITTEN_COLUMNS, type WrittenFile } from './partitioned-write.ts';
import { MAX_LINE_BYTES, NO_NULL, REJECTS, REL, openSource, positionalWidth, unreadable, type SourceRelation } from './source-relation.ts';

export interface ValidateInput {
  db: Duck;
  plan: DatasetPlan;
  /** Local path of the bronze object. */
  path: string;
  /** Its storage key (named in quarantine rows and messages). */
  key: string;
  runId: string;
  /** Evaluation time, ISO. */
  now: string;
  /** Folder receiving data/… (partitioned Parquet) and quarantine.parquet. */
  outDir: string;
  /** Set internally when the file was re-read with normalised line ends. */
  normalized?: string;
  /** Set internally: JSON lines read from a copy where this byte stands for each lone CR (newlines.ts jsonLinesCopy). */
  loneCr?: number;
  /** Set internally: a blank line after the first record is a record (blankLinesAreRecords). */
  blankRecords?: boolean;
  /** Set internally: the fields of a CSV's first record (its header's, with csv.header): the records DuckDB reads. */
  width?: number;
  /**
   * Set internally: records hold escapes DuckDB drops (strayEscapeScan), or fields past the width it drops
   * (wideRecordScan): the scan's records are quarantined (markScannedRecords).
   */
  scannedRecords?: boolean;
  /** Append mode with a primary key: the silver keys a row must not repeat (runtime/ingest/prior-keys.ts). */
  priorKeys?: PriorKeys;
  /**
   * A quality halt holds the batch back (runtime/pipeline/held-rows.ts): the rows that would reach silver are written
   * to held.parquet instead, each with its __record, __line and __raw (as quarantined rows have them) before the
   * silver columns. Nothing is written to data/.
   */
  hold?: boolean;
}

export interface StagedFile {
  /** Path relative to outDir. */
  file: string;
  rows: number;
  bytes: number;
  /** Partition values in partition-key order. */
  values: Array<string | null>;
}

export interface ReasonCount {
  column: string | null;
  rule: string;
  count: number;
  /** First affected record: where to look. */
  line: number | null;
  record: number;
  message: string;
}

/**
 * The bytes a validateFile call left in its outDir and beside its file: its Parquet files, its row files and the copy
 * of the file it read from (ValidateResult.copyBytes). In Lambda all of it is in /tmp while the step runs; the caller
 * hands it to Storage.writeTree (WriteTreeOptions.bytes) to count it there (runtime/storage/tmp-budget.ts).
 */
export function validatedBytes(v: ValidateResult): number {
  return v.files.reduce((a, f) => a + f.bytes, 0) + (v.copyBytes ?? 0) + (v.rowFileBytes ?? 0);
}

export interface ValidateResult {
  rowsIn: number;
  rowsValid: number;
  rowsQuarantined: number;
  /** upsert: rows replaced by a later row with the same key in the same file. */
  rowsSuperseded: number;
  files: StagedFile[];
  /** With `hold`: the held rows' file (relative to outDir), rowsValid - rowsSuperseded rows. */
  heldFile?: string;
  quarantineFile?: string;
  /**
   * upsert: the rows replaced by a later row with the same key (quarantine columns record, line, raw, reasons).
   * Not committed anywhere when the file commits; quarantined with the batch when the file is rejected or halted,
   * so that every row of a file is somewhere.
   */
  supersededFile?: string;
  /**
   * Bytes of the copy of the file read in its place (csv.skipRows blanked, JSON lines' lone CRs replaced: newlines.ts),
   * written to the temp folder beside the file while it was read, and removed after; absent when none was made. In
   * Lambda that is /tmp, which the stage counts it in (runtime/storage/tmp-budget.ts).
   */
  copyBytes?: number;
  /**
   * Bytes of the row files written beside `files` (heldFile, quarantineFile, supersededFile), as stat gives them; with
   * `files` and copyBytes what the step holds in /tmp in Lambda (runtime/storage/tmp-budget.ts). 0 when none.
   */
  rowFileBytes: number;
  reasons: ReasonCount[];
  warnings: string[];
  fileProblems: string[];
}

const TYPED = '__typed';

/** How every Parquet file strata writes is compressed (Athena reads zstd; BROTLI it does not). */
export const PARQUET_CODEC = 'COMPRESSION zstd, COMPRESSION_LEVEL 1';

export async function validateFile(input: ValidateInput): Promise<ValidateResult> {
  // Lines csv.skipRows skips that DuckDB's skip would misread: read from a copy where they are blank (newlines.ts).
  // JSON lines holding a CR not followed by an LF: read from a copy where it is a byte DuckDB takes for data
  // (newlines.ts jsonLinesCopy); the file failed whole, its valid records with it (noticed in stop 50).
  // (A JSON lines file's long lines are measured by that search for CRs, which reads the file whole: below.)
  const jsonLong = input.plan.source.format === 'jsonl' ? await mayHoldLongLines(input.path, input.plan.source.compression) : undefined;
  const lines = input.plan.source.format === 'jsonl' ? await jsonLinesCopy(input.path, input.plan.source.compression, jsonLong) : undefined;
  const quiet = input.plan.source.format === 'csv' ? await blankSkippedLines(input.path, input.plan.source.compression, input.plan.source.csv) : lines?.path;
  const read = quiet ? { ...input, path: quiet, plan: { ...input.plan, source: { ...input.plan.source, compression: 'none' as const } }, ...(lines ? { loneCr: lines.loneCr } : {}) } : input;
  // (Inside the try: the copy is removed however the read ends, also when a scan before the passes fails.)
  try {
    // The head of a text file, read once for the blank-line rule and the record count (a file that cannot be read is
    // said so by openSource).
    const { source } = read.plan;
    const head = source.format === 'csv' || source.format === 'jsonl' ? await headOf(read).catch(() => undefined) : undefined;
    const firstWidth = source.format === 'csv' && head ? parseFirstRecord(head, source.csv)?.length : undefined;
    // (Without a header, the width the reader takes: most records', not the first's; source-relation.ts positionalWidth.)
    const width = firstWidth !== undefined && source.format === 'csv' && !source.csv.header ? positionalWidth(head!, source.csv, read.plan.columns.length, firstWidth) : firstWidth;
    const blank = { ...read, blankRecords: blankLinesAreRecords(read, width), ...(width ? { width } : {}) };
    // Escapes DuckDB would drop, and fields past the width it would drop: the records holding one are quarantined, by
    // the exact pass (markScannedRecords).
    // (The header's names are read as DuckDB reads them, without such an escape: said in a warning.)
    const headerRecords = source.format === 'csv' && source.csv.header ? 1 : 0;
    const inScan = (scan: RecordLines | undefined) => scan?.strays.some((s) => s.k >= headerRecords) || (scan?.wide.length ?? 0) > 0;
    const strays = await strayEscapeScan(blank);
    // The search for fields past the width runs beside the single pass (its COPY works in DuckDB's threads while this
    // one reads the file: 100–260 ms per 106 MB, which the run waited for before the COPY began): a file it finds such
    // a record in has the single pass's output dropped, and takes the exact pass, as a file with a bad row does.
    // So does the count of the records in the file's first MB (checkRecordCount: 30–40 ms of JavaScript per MB),
    // once the search has read the file: by then the COPY is under way.
    // A record DuckDB drops with no word for its length (file-head.ts LongLines), looked for beside the pass too, in a
    // file that can hold one (measured by the search above as it reads, else by a read of its own): it makes the record
    // count exact, which the drop then fails.
    const codec = codecOf(blank.path, source.compression);
    const longLines = source.format === 'jsonl' ? jsonLong : source.format === 'csv' ? await mayHoldLongLines(blank.path, source.compression) : undefined;
    const wide = strays ? undefined : wideRecordScan(blank, longLines);
    const long = longLines ? (async () => { await wide?.catch(() => undefined); return overlongLine(blank.path, codec, MAX_LINE_BYTES, longLines); })().catch(() => undefined) : undefined;
    let scanned = strays;
    let fast: ValidateResult | undefined;
    let counted: HeadCount | undefined;
    if (!blank.hold && !inScan(strays)) {
      const single = singlePass(blank);
      const side = wide?.then((lines) => ({ lines, counted: head && countHead(blank, head) }));
      // (Both settle before either's outcome is taken: nothing reads the file once validation has ended.)
      const [one, two] = await Promise.allSettled([single, side]);
      const beside = two.status === 'fulfilled' ? two.value : undefined;
      scanned ??= beside?.lines;
      counted = beside?.counted;
      if (inScan(scanned)) {
        // The pass read records DuckDB cut to fit: what it wrote goes, and what it threw does not count (a record cut
        // to fit had it check the silver partition of its key, a damaged one: the run failed where it quarantines the
        // record, as when the search ran first; an attack, stop 54). The exact pass reads the file.
        await discard(blank.db, join(blank.outDir, 'data'));
      } else if (one.status === 'rejected') {
        throw one.reason;
      } else {
        fast = one.value;
      }
    } else {
      scanned ??= await wide;
    }
    const run = { ...blank, scannedRecords: inScan(scanned) };
    const { result, scan } = fast ? { result: fast, scan: undefined } : await exactPass(run, scanned);
    const header = scanned?.strays.find((s) => s.k < headerRecords);
    if (header && header.next >= 0 && source.format === 'csv') {
      result.warnings.push(`${input.key}:${header.line}: the header's field ${header.field + 1} holds the escape '${source.csv.escape}' before `
        + `${header.next >= 0x21 && header.next < 0x7f ? `'${String.fromCharCode(header.next)}'` : 'another character'} inside quotes, which is dropped: the field is matched by its name without it`);
    }
    // A file with malformed records is counted whole: DuckDB's recovery from one has made a row of it besides its
    // reject (a phantom row past the first MB: an attack, stop 45). The exact pass has scanned such a file already.
    const malformed = result.reasons.some((r) => r.rule === 'malformed');
    const over = await long;
    await checkRecordCount(run, head, result.rowsIn, malformed || over ? scan ?? await scanFile(run) : undefined, counted, over);
    if (quiet) result.copyBytes = (await stat(quiet)).size;
    if (lines) {
      result.warnings.push(`${input.key}:${lines.firstLoneCr}: a CR not followed by an LF was read as part of its line${lines.count > 1 ? ` (and ${lines.count - 1} more)` : ''}, as JSON lines end with LF alone: `
        + 'between the values of a record it is JSON whitespace; inside a string, a character JSON requires escaped (\\r), and its record is quarantined as invalid JSON'
        + `${lines.crOnly ? '. The file holds no LF: if its lines end with a CR alone, save it with LF line ends and upload it again' : ''}`);
    }
    return result;
  } finally {
    if (quiet) await rm(dirname(quiet), { recursive: true, force: true });
  }
}

/** A LongLines to measure a file by, when it can hold a line past MAX_LINE_BYTES (compressed, or larger than that). */
async function mayHoldLongLines(path: string, compression: ValidateInput['plan']['source']['compression']): Promise<LongLines | undefined> {
  return codecOf(path, compression) !== 'none' || (await stat(path)).size > MAX_LINE_BYTES ? new LongLines(MAX_LINE_BYTES) : undefined;
}

/** What countHead says of a text file's head. */
interface HeadCount { whole: boolean; records: number; empty: boolean }

/**
 * Strata's count of the records begun in a text file's first COUNTED_BYTES (`head`: its first COUNTED_BYTES + 1
 * bytes), by the rules DuckDB reads by (0 unless `count`); whole: the head is the whole file; empty: the file holds
 * nothing but white space (and a BOM). For checkRecordCount, which may be given it counted ahead.
 */
function countHead(input: ValidateInput, head: Buffer, count = true): HeadCount {
  const whole = head.length <= COUNTED_BYTES;
  if (whole && stripBom(head).toString('utf8').trim() === '') return { whole, records: 0, empty: true };
  let records = 0;
  if (count) new CsvScanner(dialectOf(input)).scan(whole ? head : head.subarray(0, COUNTED_BYTES), { recordStart: () => { records++; } });
  return { whole, records, empty: false };
}

/** How much of a text file checkRecordCount reads: all of a file this small, else its first records. */
const COUNTED_BYTES = 1 << 20;

/**
 * DuckDB's count of a text file's records (rowsIn: rows and malformed records) against strata's own, by the rules
 * DuckDB reads by (runtime/ingest/csv-scan.ts: quotes, skipped lines, blank lines, a BOM): over the whole file up to
 * 1 MB (`firstBytes`: its first COUNTED_BYTES + 1 bytes, when read already), or by the whole file's scan when given
 * (`scan`: a file with malformed records, whose recovery in DuckDB has made a row besides the reject; 600 ms for 106
 * MB), else over its first MB, where DuckDB must have read at least the records that end there. Throws
 * Strata.UnreadableFile when they disagree, naming both counts and the way back; nothing of the file is committed.
 * `over`: the file's first line longer than a record may be (overlongLine), whose scan is then given: a count short
 * of it says that line was dropped, and names it.
 * DuckDB takes one kind of line end per file, and met with others (a lone CR, CR CR LF, skipped lines ended
 * otherwise than the data) it has read a file as 0 records with no error, or two records as one: the run was
 * SUCCEEDED with rows missing and no word (attacks, stops 44 and 45). This check is the net under every such case,
 * found or not; the cases found are read right before it (newlines.ts).
 */
async function checkRecordCount(input: ValidateInput, firstBytes: Buffer | undefined, rowsIn: number, scan: RecordLines | undefined, headCount?: HeadCount, over?: { bytes: number; line: number }): Promise<void> {
  const { source } = input.plan;
  if (source.format !== 'csv' && source.format !== 'jsonl') return;
  const head = firstBytes ?? await headOf(input);
  const { whole, records: inHead, empty } = headCount ?? countHead(input, head, scan === undefined);
  if (empty) return; // an empty file (source-relation.ts says so)
  const exact = scan !== undefined;
  const records = scan?.count ?? inHead;
  // The header is a record DuckDB does not count; beyond the first MB, the last record begun may end after it.
  // (At least 0: a file that ends within the lines csv.skipRows skips holds no header record to take away; it said
  // "DuckDB read 0 records where strata counts 0" and failed the run: an attack, stop 52.)
  const counted = Math.max(0, records - (source.format === 'csv' && source.csv.header ? 1 : 0) - (whole || exact ? 0 : 1));
  if (whole || exact ? rowsIn === counted : rowsIn >= counted) return;
  // A line, or a record of many lines (quoted line ends), past what DuckDB reads: named (a record of short quoted lines
  // got the message below, "report it to strata": an attack, stop 58).
  const long = over ?? (scan && scan.longest.bytes > MAX_LINE_BYTES ? { line: scan.longest.line, bytes: scan.longest.bytes } : undefined);
  if (long) {
    const mb = (long.bytes / (1 << 20)).toFixed(1);
    throw new StrataError(ERRORS.UnreadableFile, `${input.key}:${long.line}: a ${over ? 'line' : 'record'} of ${mb} MiB, past the ${MAX_LINE_BYTES >> 20} MiB a record may be: DuckDB read ${rowsIn} record${rowsIn === 1 ? '' : 's'} `
      + `where strata counts ${counted}, so nothing of the file was committed. Keep each record under ${MAX_LINE_BYTES >> 20} MiB (a large value as a file of its own, named in the record) and upload the file again`);
  }
  const ends = await lineEndsOf(input.path, source.compression);
  const mixed = ends.kinds.length > 1;
  throw new StrataError(ERRORS.UnreadableFile, `${input.key}${ends.firstLoneCr !== undefined ? `:${ends.firstLoneCr}` : ''}: DuckDB read ${rowsIn} record${rowsIn === 1 ? '' : 's'} where strata counts ${whole || exact ? '' : 'at least '}${Math.max(counted, 0)}`
    + `${mixed ? ` (its lines end with ${ends.kinds.join(' and ')}${ends.firstLoneCr !== undefined ? `, a CR alone first at line ${ends.firstLoneCr}` : ''}, and DuckDB takes one kind of line end per file)` : ''}`
    + `: nothing of it was committed. ${mixed ? 'Save the file with one kind of line end (LF or CRLF) and upload it again'
      : 'Its quotes or blank lines are read two ways; report it to strata with the file, and ingest it meanwhile as a copy saved by a spreadsheet or csv tool'}`);
}

/**
 * The common case, a file without a single bad row, in one pass: read, type, check and write Parquet in one COPY,
 * rows split by validity into sibling folders. If any row is bad (or a key repeats), its record number and line
 * are needed, which a streaming COPY cannot give: the output is dropped and the exact pass runs instead.
 */
async function singlePass(input: ValidateInput): Promise<ValidateResult | undefined> {
  const { db, plan, outDir } = input;
  const src = await openSource({ db, path: input.path, key: input.key, source: plan.source, columns: plan.columns, skipHeader: true, ...loneCrOf(input) });
  if (!src.headerSkipped || src.fileProblems.length) return undefined;
  const typed = typedSelect({ columns: plan.columns, kind: src.kind, relation: REL, fieldRef: src.fieldRef, rawExpr: 'NULL', recordError: src.recordError, partitions: plan.partitions,
    ...(src.fieldType ? { fieldType: src.fieldType } : {}), ...decimalOf(plan.source) });
  const parts = plan.partitions.map((p) => p.name);
  const dir = join(outDir, 'data');
  await mkdir(dir, { recursive: true });
  const copies = parts.map((p) => `${ident(p)} AS ${ident(`__p_${p}`)}`);
  const select = `SELECT *${copies.length ? `, ${copies.join(', ')}` : ''} FROM (SELECT ${plan.validation.silverSelect}, ${OK} FROM (${typed}))`;
  const by = ['__ok', ...parts.map((p) => ident(`__p_${p}`))].join(', ');
  let stats: Array<{ filename: string; count: number; file_size_bytes: number; partition_keys: unknown }>;
  await db.run('SET preserve_insertion_order = false');
  try {
    stats = await db.allOf<WrittenFile>(`COPY (${select}) TO ${pathLit(dir)} (FORMAT parquet, ${PARQUET_CODEC}, PARTITION_BY (${by}), FILENAME_PATTERN 'part-{i}', RETURN_STATS true)`, WRITTEN_COLUMNS);
  } catch {
    await discard(db, dir);
    return undefined; // the exact pass reads it again and reports what is wrong with it
  } finally {
    await db.run('SET preserve_insertion_order = true');
  }
  const keysOf = (s: (typeof stats)[number]) => new Map(entries(s.partition_keys).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]));
  const good = stats.filter((s) => keysOf(s).get('__ok') === 'true');
  const bad = stats.length - good.length;
  const malformed = src.hasRejects ? (await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${REJECTS}`)).n : 0;
  let repeats = 0;
  if (!bad && !malformed && plan.primaryKey.length && good.length) {
    const pk = plan.primaryKey.map(ident).join(', ');
    repeats = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM read_parquet(${pathList(good.map((g) => g.filename))}) GROUP BY ${pk} HAVING count(*) > 1)`)).n;
    if (!repeats && input.priorKeys) {
      const files = filesToRead(input.priorKeys, good.map((g) => parts.map((p) => keysOf(g).get(`__p_${p}`) ?? null)));
      await db.run('CREATE OR REPLACE TEMP TABLE __prior (r BIGINT)');
      repeats = await markPriorKeys(db, plan, input.priorKeys, `(SELECT 0 AS __r, ${pk} FROM read_parquet(${pathList(good.map((g) => g.filename))}))`, files, '__prior');
    }
  }
  if (bad || malformed || repeats) {
    await discard(db, dir);
    return undefined;
  }
  const files: StagedFile[] = good.map((s) => {
    const keys = keysOf(s);
    return { file: relativeTo(outDir, s.filename), rows: Number(s.count), bytes: Number(s.file_size_bytes), values: parts.map((p) => keys.get(`__p_${p}`) ?? null) };
  });
  const rows = files.reduce((a, f) => a + f.rows, 0);
  return { rowsIn: rows, rowsValid: rows, rowsQuarantined: 0, rowsSuperseded: 0, files, rowFileBytes: 0, reasons: [], warnings: src.warnings, fileProblems: [] };
}

async function discard(db: Duck, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await db.run(`DROP TABLE IF EXISTS ${REJECTS}; DROP TABLE IF EXISTS ${REJECTS}_scan`);
}

/** Every file, however bad: materialise the typed rows once (their rowids number the records), then write both outputs. */
async function exactPass(input: ValidateInput, scanned?: RecordLines): Promise<{ result: ValidateResult; scan?: RecordLines }> {
  const { db, plan } = input;
  let src = await openSource({ db, path: input.path, key: input.key, source: plan.source, columns: plan.columns, ...loneCrOf(input) });
  const typedSql = (s: SourceRelation) => typedSelect({
    columns: plan.columns, kind: s.kind, relation: REL, fieldRef: s.fieldRef, rawExpr: s.rawExpr, recordError: s.recordError, partitions: plan.partitions,
    ...(s.fieldType ? { fieldType: s.fieldType } : {}), ...(s.badValues ? { badValues: s.badValues } : {}), ...decimalOf(plan.source),
  });
  let normalized: string | undefined;
  let scan = scanned;
  // A CSV whose records end with CRLF and LF alike: DuckDB takes one line end per file and, met with the other, gives
  // up ("invalid state"), or rejects a record ("x"\r read as a stray quote), or merges two records into one malformed
  // one. Its records' line ends are made LF (quoted fields left as written, runtime/ingest/newlines.ts) and the file
  // is read again, rather than fall back to a lenient mode that drops fields silently. A file whose first bytes say
  // it is something else (compressed, Parquet, JSON) is not retried: the retry would fail too, and its error would
  // hide what the first bytes say.
  const reread = async () => {
    normalized = await normalizeNewlines(input.path, plan.source.compression, dialectOf(input));
    await db.run(`DROP TABLE IF EXISTS ${REJECTS}; DROP TABLE IF EXISTS ${REJECTS}_scan`);
    src = await openSource({ db, path: normalized, key: input.key, source: { ...plan.source, compression: 'none' }, columns: plan.columns, lfRecords: true, ...loneCrOf(input) });
    src.warnings.push(`${input.key}: mixed line endings (CRLF and LF) were read as record ends; values inside quotes are kept as written`);
    try {
      await db.run(`CREATE OR REPLACE TEMP TABLE ${TYPED} AS ${typedSql(src)}`);
    } catch (e2) {
      throw await unreadable(input.key, input.path, plan.source, e2); // (its line ends as uploaded: the copy's CRLFs are LFs)
    }
  };
  // (The copy with LF line ends is removed however the read ends: a read of it that failed left it in /tmp, which
  // a warm Lambda keeps: an attack, stop 53.)
  try {
    try {
      await db.run(`CREATE OR REPLACE TEMP TABLE ${TYPED} AS ${typedSql(src)}`);
    } catch (e) {
      if (!/state machine reached an invalid state/i.test(String(e)) || plan.source.format === 'json' || plan.source.format === 'parquet' || src.hint) {
        throw await unreadable(input.key, input.path, plan.source, e, src.hint, db);
      }
      await reread();
    }
    if (!normalized && plan.source.format === 'csv' && src.hasRejects && (await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${REJECTS}`)).n > 0) {
      scan ??= await scanFile(input);
      if (scan.crlf > 0 && scan.lf > 0) { scan = undefined; await reread(); }
    }
    return await finish(normalized ? { ...input, path: normalized, normalized, plan: { ...plan, source: { ...plan.source, compression: 'none' } } } : input, src, scan);
  } finally {
    if (normalized) await rm(dirname(normalized), { recursive: true, force: true });
  }
}

/**
 * `scanned`: the file's records and lines when exactPass has scanned it already. With the result, the scan when one
 * was made (for checkRecordCount: the file's records, counted whole).
 */
async function finish(input: ValidateInput, src: SourceRelation, scanned?: RecordLines): Promise<{ result: ValidateResult; scan?: RecordLines }> {
  const { db, plan, outDir } = input;
  const skip = src.skipRows;
  const hdr = src.headerRecord ? 1 : 0;

  // Malformed records (CSV structure, encoding, over-long lines): one row per record, whatever the number of errors.
  // k is a record's 0-based index among the records DuckDB read (header included), j its rank among malformed ones.
  // DuckDB names a malformed record by its row counter (blank rows and skipped rows included), which is the
  // record index only in files without blank lines: when a file has problems, a scan of it maps one to the other.
  let malformed = 0;
  let scan = scanned;
  await db.run(`CREATE OR REPLACE TEMP TABLE __malformed (line BIGINT, k BIGINT, j BIGINT, raw VARCHAR, reasons ${REASON_TYPE}[])`);
  if (src.hasRejects) {
    // (DuckDB's text of the record, kept only where the file's bytes give none: malformedRaw replaces it. Its csv_line
    // of a record after a CRLF begins with the LF, and with the blank lines before it: no record begins with a line
    // end, so they are left out.)
    await db.run(`CREATE OR REPLACE TEMP TABLE __rejected AS SELECT line AS row_number, ltrim(any_value(csv_line), chr(13) || chr(10)) AS raw,
        list(DISTINCT {'column': ${columnNameOf(src)}, 'rule': 'malformed', 'value': CAST(NULL AS VARCHAR), 'message': ${malformedMessage(input.plan.source.format === 'jsonl')}}) AS reasons
      FROM (SELECT * FROM ${REJECTS} QUALIFY (error_type <> 'TOO MANY COLUMNS'
        OR column_idx = max(column_idx) FILTER (WHERE error_type = 'TOO MANY COLUMNS') OVER (PARTITION BY line))
        AND (error_type = 'LINE SIZE OVER MAXIMUM' OR NOT bool_or(error_type = 'LINE SIZE OVER MAXIMUM') OVER (PARTITION BY line))) GROUP BY line`);
    // (A record over the longest DuckDB reads is that alone: read gzip-compressed, DuckDB also said it had "too many
    // fields", first among its reasons, of a record of two: an attack, stop 58.)
    // (DuckDB reports a record of too many fields once per field past the header's: "Found: 2" … "Found: 6". One
    // reason per record, its whole count: the run's summary counted each as a reason of every such record, 9 of 4 rows,
    // three times "record malformed ×3" naming field counts no line had (newcomer's trial, stop 49).)
    malformed = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM __rejected`)).n;
    if (malformed > 0) {
      scan ??= await scanFile(input);
      const byRow = new Map<number, number>();
      for (let i = 0; i < scan.count; i++) byRow.set(scan.rowNumber[i]!, i);
      const rowNumbers = (await db.all<{ row_number: number }>(`SELECT row_number FROM __rejected ORDER BY row_number`)).map((r) => r.row_number);
      const ks = rowNumbers.map((n) => [n, byRow.get(n) ?? n - 1 - skip] as const);
      await integerTable(db, '__reject_index', ['row_number', 'k'], ks);
      await db.run(`INSERT INTO __malformed SELECT r.row_number, x.k, row_number() OVER (ORDER BY x.k) - 1, r.raw, r.reasons
        FROM __rejected r JOIN __reject_index x USING (row_number)`);
      await malformedRaw(db, input);
    }
    if (hdr) {
      const bad = await db.all<{ message: string }>(`SELECT reasons[1].message AS message FROM __malformed WHERE k = 0`);
      if (bad.length) {
        throw new StrataError(ERRORS.UnreadableFile, `${input.key}:${skip + 1}: the header is not a valid CSV record (${bad[0]!.message.replace(/^malformed record: /, '')})${src.hint ? `; ${src.hint}` : ''}`);
      }
      await db.run(`DELETE FROM ${TYPED} WHERE rowid = 0`); // the header, read as the first record
    }
  }
  if (input.scannedRecords) await markScannedRecords(db, input, src, scan ??= await scanFile(input));
  // Valid and failing rows are counted separately, not one as the complement of the other: a check that yields NULL
  // instead of false would leave a row in neither output, and the accounting below then refuses the file.
  const counts = await db.one<{ n: number; ok: number; bad: number }>(`SELECT count(*) AS n, count(*) FILTER (WHERE ${OK}) AS ok, count(*) FILTER (WHERE NOT ${OK}) AS bad FROM ${TYPED}`);
  const rowsIn = counts.n + malformed;

  // (Pass the outer rowid under another name: inside the subquery, "rowid" would be __malformed's own.)
  // Data record number of a parsed row: its rowid plus the malformed records before it (k - j = parsed rows
  // before a malformed record), minus the header. Line: that plus the lines before the data (no multi-line records).
  const recordOf = (rowid: string) => `(${rowid} + 1 + (SELECT count(*) FROM __malformed m WHERE m.k - m.j <= ${rowid}) - ${hdr})`;

  // Primary keys repeated within the file: upsert keeps the last row, append quarantines every later one.
  // Upsert: the last record of a key decides it even when it is quarantined (its key read exactly, the rest not):
  // the key then keeps the value silver has, and its earlier valid records are quarantined beside it (below).
  // Committing the last valid one instead would give the key a value its source has replaced (keep_bad: the record
  // kept is quarantined).
  let rowsSuperseded = 0;
  await db.run(`CREATE OR REPLACE TEMP TABLE __dups (r BIGINT, keep_r BIGINT, keep_bad BOOLEAN DEFAULT false)`);
  if (plan.primaryKey.length) {
    const pk = plan.primaryKey.map(ident).join(', ');
    const keyed = plan.mode === 'upsert' ? `${OK} OR (${plan.primaryKey.map((k) => `${ident(k)} IS NOT NULL`).join(' AND ')})` : OK;
    const repeated = await db.one<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${TYPED} WHERE ${keyed} GROUP BY ${pk} HAVING count(*) FILTER (WHERE ${OK}) > 0 AND count(*) > 1)`);
    if (repeated.n > 0) {
      const keep = plan.mode === 'upsert' ? 'max' : 'min';
      // (keep_ok: the validity of the record kept, from the same window, not a second look at the typed rows; _null:
      // a NULL validity is the kept record's, not skipped for the record before it.)
      await db.run(`INSERT INTO __dups SELECT r, keep_r, coalesce(NOT keep_ok, false) FROM (
        SELECT rowid AS r, ${OK} AS ok, ${keep}(rowid) OVER (PARTITION BY ${pk}) AS keep_r, arg_${keep}_null(${OK}, rowid) OVER (PARTITION BY ${pk}) AS keep_ok,
          count(*) OVER (PARTITION BY ${pk}) AS n FROM ${TYPED} WHERE ${keyed}
      ) WHERE n > 1 AND r <> keep_r AND ok`);
      // (Superseded by a later valid record; one superseded by a quarantined record is quarantined beside it below.)
      const d = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM __dups WHERE NOT keep_bad`)).n;
      if (plan.mode === 'upsert') rowsSuperseded = d;
    }
    // Append: a key already in silver repeats too (keep_r NULL: the row it repeats is in silver, not in this file).
    if (input.priorKeys) await markSilverRepeats(db, plan, input.priorKeys);
  }
  // A repeated key's row is valid, so the typed table holds no record text for it: read it from the source again.
  if (plan.primaryKey.length) await sourceRecordsOf(db, src, '__dups', '__dup_raw');
  // Append: every repeat. Upsert: a valid record whose key a later, quarantined record decides: kept out of silver,
  // and quarantined with the reason, so that it can be sent again with that record fixed (before, it was only counted
  // as superseded and its value went nowhere: an attack, stop 50).
  const quarantinedDups = plan.mode === 'append' ? 'true' : 'keep_bad';
  const dupQuarantined = plan.primaryKey.length
    ? (await db.one<{ n: number }>(`SELECT count(*) AS n FROM __dups WHERE ${quarantinedDups}`)).n : 0;
  const validWhere = `${OK}${plan.primaryKey.length ? ` AND rowid NOT IN (SELECT r FROM __dups)` : ''}`;
  const rowsValid = counts.ok - dupQuarantined;
  const rowsQuarantined = counts.bad + malformed + dupQuarantined;
  const rowsWritten = rowsValid - rowsSuperseded;
  if (rowsIn !== rowsValid + rowsQuarantined) {
    throw new StrataError(ERRORS.Internal, `row accounting broke for ${input.key}: in ${rowsIn} ≠ valid ${rowsValid} + quarantined ${rowsQuarantined}`);
  }

  // Silver rows, partitioned (or, held back by a quality halt, with where they came from).
  await mkdir(join(outDir, 'data'), { recursive: true });
  const files: StagedFile[] = [];
  let heldFile: string | undefined;
  if (input.hold) {
    await db.run(`CREATE OR REPLACE TEMP TABLE __held_rows AS SELECT rowid AS r FROM ${TYPED} WHERE ${validWhere}`);
    await sourceRecordsOf(db, src, '__held_rows', '__held_raw');
    await db.run(`CREATE OR REPLACE TEMP TABLE __held AS SELECT x.r, ${recordOf('x.r')} AS record, CAST(NULL AS BIGINT) AS line, x.raw FROM __held_raw x`);
    if (src.positions === 'lines') await fillLines(db, scan ??= await scanFile(input), hdr, '__held');
    heldFile = 'held.parquet';
    const n = await db.all<{ Count: number }>(`COPY (SELECT h.record AS __record, h.line AS __line, h.raw AS __raw, t.* EXCLUDE (__r) FROM __held h
      JOIN (SELECT rowid AS __r, ${plan.validation.silverSelect} FROM ${TYPED}) t ON t.__r = h.r ORDER BY h.record) TO ${pathLit(join(outDir, heldFile))} (FORMAT parquet, ${PARQUET_CODEC})`);
    if (Number(n[0]?.Count ?? 0) !== rowsWritten) throw new StrataError(ERRORS.Internal, `held ${n[0]?.Count} rows of ${input.key}, expected ${rowsWritten}`);
  } else if (rowsWritten > 0) {
    const select = `SELECT ${plan.validation.silverSelect} FROM ${TYPED} WHERE ${validWhere}`;
    const parts = plan.partitions.map((p) => ident(p.name));
    const target = parts.length ? join(outDir, 'data') : join(outDir, 'data', 'part-0.parquet');
    // zstd level 1: the same size as the default level 3 on our data and 20% faster to write (bench/RESULTS.md).
    const opts = parts.length
      ? `FORMAT parquet, ${PARQUET_CODEC}, PARTITION_BY (${parts.join(', ')}), WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true, FILENAME_PATTERN 'part-{i}', RETURN_STATS true`
      : `FORMAT parquet, ${PARQUET_CODEC}, RETURN_STATS true`;
    // Row order inside a partition carries no meaning (the typed table's rowids already numbered the records), so
    // let DuckDB write partitions without preserving insertion order.
    // A file touching more partitions than DuckDB's memory holds open at once is written in groups of them.
    await db.run('SET preserve_insertion_order = false');
    const stats = parts.length
      ? await copyPartitioned(db, select, parts, pathLit(target), opts, plan.columns.length + parts.length)
      : await db.allOf<WrittenFile>(`COPY (${select}) TO ${pathLit(target)} (${opts})`, WRITTEN_COLUMNS);
    await db.run('SET preserve_insertion_order = true');
    for (const s of stats) {
      const keys = new Map(entries(s.partition_keys).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]));
      files.push({
        file: relativeTo(outDir, s.filename),
        rows: Number(s.count),
        bytes: Number(s.file_size_bytes),
        values: plan.partitions.map((p) => keys.get(p.name) ?? null),
      });
    }
    const written = files.reduce((a, f) => a + f.rows, 0);
    if (written !== rowsWritten) throw new StrataError(ERRORS.Internal, `wrote ${written} rows for ${input.key}, expected ${rowsWritten}`);
  }

  // Quarantine: failing rows with reasons, malformed records, and repeated keys (append).
  // A row's key as its reasons show it, `k=value, …`, each value cut to 200 characters as quoted() cuts a rule's
  // value (core/plan/cast/sql.ts): for the repeated keys quarantined here and the rows an upsert superseded.
  const keyCols = plan.primaryKey.map((k) => `${str(k)} || '=' || coalesce(left(CAST(t.${ident(k)} AS VARCHAR), 200), 'NULL')`).join(` || ', ' || `);
  let quarantineFile: string | undefined;
  let reasons: ReasonCount[] = [];
  if (rowsQuarantined > 0) {
    const meta = `${str(plan.dataset)} AS dataset, ${str(input.runId)} AS run_id, ${str(input.key)} AS source`;
    const at = `CAST(${str(input.now)} AS TIMESTAMP_MS) AS quarantined_at`;
    // Lines are filled in below from a scan of the file (records can span lines; blank lines are not records).
    const lineOf = (_record: string) => 'CAST(NULL AS BIGINT)';
    const failing = `SELECT ${meta}, record, ${lineOf('record')} AS line, ${RAW} AS raw, reasons, ${at} FROM (
        SELECT ${recordOf('__r')} AS record, ${RAW}, ${plan.validation.reasonsSql} AS reasons
        FROM (SELECT rowid AS __r, * FROM ${TYPED} WHERE NOT ${OK}))`;
    const broken = `SELECT ${meta}, k + 1 - ${hdr} AS record, CAST(NULL AS BIGINT) AS line, raw, reasons, ${at} FROM __malformed`;
    const repeated = input.priorKeys
      ? `CASE WHEN d.keep_r IS NULL THEN ${str(` is already in ${input.priorKeys.table}`)} ELSE ' repeats record ' || ${recordOf('d.keep_r')} END`
      : `' repeats record ' || ${recordOf('d.keep_r')}`;
    const message = plan.mode === 'append'
      ? `'primary key ' || ${keyCols} || ${repeated}`
      : `'primary key ' || ${keyCols} || ' is given again by record ' || ${recordOf('d.keep_r')} || ', which is quarantined: this record is not committed in its place (upsert: the last record of a key decides it); send it again with that record fixed'`;
    const dup = dupQuarantined
      ? `SELECT ${meta}, ${recordOf('d.r')} AS record, ${lineOf(recordOf('d.r'))} AS line, x.raw AS raw,
          [{'column': ${str(plan.primaryKey.join(','))}, 'rule': 'primaryKey', 'value': ${keyCols},
            'message': ${message}}] AS reasons, ${at}
         FROM (SELECT * FROM __dups WHERE ${quarantinedDups}) d JOIN (SELECT rowid AS r, ${plan.columns.map((c) => ident(c.name)).join(', ')} FROM ${TYPED}) t ON t.r = d.r JOIN __dup_raw x ON x.r = d.r`
      : undefined;
    const all = [failing, broken, ...(dup ? [dup] : [])].join(' UNION ALL ');
    quarantineFile = 'quarantine.parquet';
    await db.run(`CREATE OR REPLACE TEMP TABLE __quarantine AS SELECT * FROM (${all}) ORDER BY record`);
    if (src.positions === 'lines') await fillLines(db, scan ??= await scanFile(input), hdr, '__quarantine');
    await db.run(`COPY __quarantine TO ${pathLit(join(outDir, quarantineFile))} (FORMAT parquet, ${PARQUET_CODEC})`);
    const q = await db.one<{ n: number }>(`SELECT count(*) AS n FROM __quarantine`);
    if (q.n !== rowsQuarantined) throw new StrataError(ERRORS.Internal, `quarantined ${q.n} rows for ${input.key}, expected ${rowsQuarantined}`);
    // Grouped by column, rule and what the message says beside the value (three type failures of one column that say
    // three different things are three groups; the same failure of different values one): the first row's message.
    reasons = (await db.all<ReasonCount & { column: string | null }>(`
      SELECT r."column" AS "column", r.rule AS rule, count(*) AS count, min(record) AS record, arg_min(line, record) AS line, arg_min(r.message, record) AS message
      FROM (SELECT record, line, unnest(reasons) AS r FROM __quarantine)
      GROUP BY r."column", r.rule, CASE WHEN coalesce(r.value, '') = '' THEN r.message ELSE replace(r.message, r.value, '') END
      ORDER BY count DESC, record LIMIT 50`))
      .map((r) => ({ ...r, count: Number(r.count), record: Number(r.record), line: r.line === null ? null : Number(r.line) }));
  }
  let supersededFile: string | undefined;
  if (rowsSuperseded > 0) {
    await db.run(`CREATE OR REPLACE TEMP TABLE __superseded AS SELECT ${recordOf('d.r')} AS record, CAST(NULL AS BIGINT) AS line, x.raw AS raw,
        [{'column': ${str(plan.primaryKey.join(','))}, 'rule': 'primaryKey', 'value': ${keyCols},
          'message': 'replaced by record ' || ${recordOf('d.keep_r')} || ' with the same primary key ' || ${keyCols} || ' (upsert)'}] AS reasons
      FROM (SELECT * FROM __dups WHERE NOT keep_bad) d JOIN (SELECT rowid AS r, ${plan.columns.map((c) => ident(c.name)).join(', ')} FROM ${TYPED}) t ON t.r = d.r JOIN __dup_raw x ON x.r = d.r ORDER BY record`);
    if (src.positions === 'lines') await fillLines(db, scan ?? await scanFile(input), hdr, '__superseded');
    supersededFile = 'superseded.parquet';
    await db.run(`COPY __superseded TO ${pathLit(join(outDir, supersededFile))} (FORMAT parquet, ${PARQUET_CODEC})`);
  }
  let rowFileBytes = 0;
  for (const f of [heldFile, quarantineFile, supersededFile]) if (f) rowFileBytes += (await stat(join(outDir, f))).size;
  const result: ValidateResult = {
    rowsIn, rowsValid, rowsQuarantined, rowsSuperseded, files, ...(heldFile ? { heldFile } : {}), ...(quarantineFile ? { quarantineFile } : {}), ...(supersededFile ? { supersededFile } : {}),
    rowFileBytes, reasons, warnings: src.warnings, fileProblems: src.fileProblems,
  };
  return { result, ...(scan ? { scan } : {}) };
}

/**
 * Rows of the typed table whose key is already in silver go to __dups (a row repeating a key within the file is
 * there already). Only the partitions that can hold the batch's keys are read (runtime/ingest/prior-keys.ts).
 */
async function markSilverRepeats(db: Duck, plan: DatasetPlan, prior: PriorKeys): Promise<void> {
  const valid = `${OK} AND rowid NOT IN (SELECT r FROM __dups)`;
  const values = prior.keyDeterminesPartition
    ? (await db.all<Record<string, string | null>>(`SELECT DISTINCT ${plan.partitions.map((p, i) => `CAST(${p.duckdb} AS VARCHAR) AS v${i}`).join(', ')} FROM ${TYPED} WHERE ${valid}`))
      .map((r) => plan.partitions.map((_, i) => r[`v${i}`] ?? null))
    : [];
  await db.run('CREATE OR REPLACE TEMP TABLE __prior (r BIGINT)');
  const batch = `(SELECT rowid AS __r, ${plan.primaryKey.map(ident).join(', ')} FROM ${TYPED} WHERE ${valid})`;
  if (await markPriorKeys(db, plan, prior, batch, filesToRead(prior, values), '__prior')) {
    await db.run('INSERT INTO __dups (r, keep_r) SELECT r, NULL FROM __prior');
  }
}

/**
 * The source record text (SourceRelation.rawExpr: a CSV record's fields as JSON under the file's names, a JSON
 * record as written) of the typed table's rows listed in `rows` (r BIGINT: their rowids), into `into` (r, raw). The
 * typed table keeps that text for failing rows only; this reads the source again, in the order the typed table was
 * materialised in (rowid = position in the source relation, as there), and keeps the listed rows.
 */
async function sourceRecordsOf(db: Duck, src: SourceRelation, rows: string, into: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${into} (r BIGINT, raw VARCHAR)`);
  if (!(await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${rows}`)).n) return;
  await db.run(`CREATE OR REPLACE TEMP TABLE __source_raw AS SELECT CAST(${src.rawExpr} AS VARCHAR) AS raw FROM ${REL}`);
  await db.run(`INSERT INTO ${into} SELECT rowid, raw FROM __source_raw WHERE rowid IN (SELECT r FROM ${rows}); DROP TABLE __source_raw`);
}

/**
 * The file's scan when its dialect has an escape of its own (not the quote) and the file holds that character: the
 * records in which DuckDB would drop an escape (RecordLines.strays). undefined when there can be none. A scan of the
 * whole file (600 ms per 106 MB) only when the escape character is in it (a search: 30 ms per 106 MB).
 */
async function strayEscapeScan(input: ValidateInput): Promise<RecordLines | undefined> {
  const { source } = input.plan;
  if (source.format !== 'csv' || !source.csv.quote || !source.csv.escape || source.csv.escape === source.csv.quote) return undefined;
  const codec = codecOf(input.path, source.compression);
  // (A file that cannot be read is said so by openSource.)
  const holds = codec !== 'none' || await holdsByte(input.path, source.csv.escape.charCodeAt(0)).catch(() => false);
  return holds ? scanFile(input).catch(() => undefined) : undefined;
}

/**
 * The file's scan when one of its lines ends in a delimiter and a value DuckDB reads as null (nothing, a prefix of a
 * null string, either quoted): the records of more fields than the width (RecordLines.wide). DuckDB drops such fields
 * past a record's width without a word (`1,x,,` read as 1,x; `1,x,N` too when "NA" is a null string: it compares a
 * value with a null string's first bytes only; DuckDB 1.5 StringValueResult::HandleTooManyColumnsError), where a
 * record with any other field too many is rejected. undefined when there can be none. A search of the file's line ends
 * first (100–260 ms per 106 MB); a scan of the whole file (600 ms per 106 MB) only for a file with such a line end.
 */
async function wideRecordScan(input: ValidateInput, long?: LongLines): Promise<RecordLines | undefined> {
  const { source } = input.plan;
  if (source.format !== 'csv' || !input.width) return undefined;
  const { delimiter: d, quote: q } = source.csv;
  // The null strings DuckDB is given (source-relation.ts), cut byte by byte as it compares them: a byte of a multi-byte
  // one (— is E2 80 94) and the sentinel strata gives when there is none were missed (an attack, stop 47).
  const nulls = source.nullValues.length ? source.nullValues : [NO_NULL];
  const prefixes = new Map<string, Buffer>([['', Buffer.alloc(0)]]);
  for (const n of nulls) {
    const b = Buffer.from(n, 'utf8');
    for (let i = 1; i <= b.length; i++) prefixes.set(b.subarray(0, i).toString('hex'), b.subarray(0, i));
  }
  // Quoted, with spaces around the quotes as DuckDB reads them (one before the opening quote, any after the closing
  // one: endsLineWith passes over trailing spaces): `9,x, "" ` was missed (an attack, stop 47).
  const [dl, ql] = [Buffer.from(d, 'utf8'), Buffer.from(q, 'utf8')];
  const endings = [...prefixes.values()].flatMap((p) => [
    Buffer.concat([dl, p]), ...(q ? [Buffer.concat([dl, ql, p, ql]), Buffer.concat([dl, Buffer.from(' '), ql, p, ql])] : []),
  ]);
  // (A file that cannot be read is said so by openSource.)
  const suspect = await endsLineWith(input.path, codecOf(input.path, source.compression), endings, Boolean(q), long).catch(() => false);
  return suspect ? scanFile(input).catch(() => undefined) : undefined;
}

/**
 * Exact or quarantined: a record of more fields than the width, whose fields past it DuckDB dropped (they were empty or
 * read as null; RecordLines.wide), is quarantined as malformed, as one with any other field too many is. And a record
 * in which DuckDB dropped an escape (`"C:\new"` read as `C:new` with csv.escape '\')
 * was read as a value the file does not hold, so it is quarantined whole, as a record-level error (rule 'escape')
 * naming its field, the sequence and the way back, with its text from the file's bytes. So is a file's last record when
 * the file ends after an escape inside quotes (rule 'malformed': an unterminated quote, which DuckDB reads as closed).
 * A record that is malformed besides is quarantined as that already (it is not in the typed table); the header's names
 * are read as they are. Runs on the typed table before it is counted, so the accounting holds.
 */
async function markScannedRecords(db: Duck, input: ValidateInput, src: SourceRelation, scan: RecordLines): Promise<void> {
  const hdr = src.headerRecord ? 1 : 0;
  const esc = input.plan.source.format === 'csv' ? input.plan.source.csv.escape : '';
  const malformed = (await db.all<{ k: number }>(`SELECT k FROM __malformed ORDER BY k`)).map((r) => Number(r.k));
  const shown = (b: number) => (b === 10 ? 'a line end (LF)' : b === 13 ? 'a line end (CR)' : b === 32 ? 'a space'
    : b >= 0x80 ? 'a non-ASCII character' : `the byte 0x${b.toString(16).padStart(2, '0')}`);
  // One row per record (r: its rowid in the typed table, k: its record index, c: its field, m: its message), the
  // messages and field names apart: a file may hold such a record on every line.
  const rows: Array<[number, number, number, number]> = [];
  const messages = new Map<string, number>();
  let before = 0; // malformed records before the stray's: they are not in the typed table
  const width = input.width ?? 0;
  const of = src.headerRecord ? 'the header has' : 'the first record has';
  // A record with both (an escape dropped, and fields too many) is quarantined once, for the first found.
  const found = [
    ...scan.strays.map((s) => {
      const seq = s.next >= 0x21 && s.next < 0x7f ? `'${esc}${String.fromCharCode(s.next)}'` : `'${esc}' before ${shown(s.next)}`;
      // (The file ending after an escape inside quotes: an unterminated quote, which DuckDB reads as closed.)
      const message = s.next < 0 ? `malformed record: unterminated quote (the file ends inside a quoted field, after the escape '${esc}')`
        : `${seq} inside quotes: the escape '${esc}' escapes only the quote and itself, and is dropped before anything else when the file is read, `
        + `so the value read is not the one written; write '${esc}${esc}' for a literal '${esc}', or set csv.escape to the quote if '${esc}' is data in this file`;
      return { k: s.k, field: s.field, message };
    }),
    ...scan.wide.map((w) => ({
      k: w.k, field: width,
      message: `malformed record: too many fields (${of} ${width}, this record ${w.fields}; the last ${w.fields - width === 1 ? 'is' : `${w.fields - width} are`} empty or (the start of) a null string, `
        + `which the reader would drop without a word): remove the delimiter${w.fields - width === 1 ? '' : 's'} after field ${width}, or name the field${w.fields - width === 1 ? '' : 's'} in the header`,
    })),
  ].sort((a, b) => a.k - b.k).filter((f, i, all) => i === 0 || all[i - 1]!.k !== f.k);
  for (const s of found) {
    while (before < malformed.length && malformed[before]! < s.k) before++;
    if (s.k < hdr || malformed[before] === s.k) continue;
    if (!messages.has(s.message)) messages.set(s.message, messages.size);
    rows.push([s.k - before, s.k, s.field, messages.get(s.message)!]);
  }
  if (!rows.length) return;
  const names = src.fieldNames ?? [];
  await db.run(`CREATE OR REPLACE TEMP TABLE __stray_text AS SELECT * FROM (VALUES ${[...messages.keys()].map((m, i) => `(${i}, ${str(m.startsWith('malformed') ? 'malformed' : 'escape')}, ${str(m)})`).join(', ')}) t(m, rule, message)`);
  await integerTable(db, '__strays', ['r', 'k', 'c', 'm'], rows);
  const slots = sourceFields(input.plan.columns).map((_, i) => `${str(slot(i))}: CAST(NULL AS VARCHAR)`);
  const column = names.length ? `CASE s.c ${names.map((n, i) => `WHEN ${i} THEN ${str(n)}`).join(' ')} END` : 'CAST(NULL AS VARCHAR)';
  await db.run(`UPDATE ${TYPED} SET ${OK} = false, ${RAW} = NULL,
      ${BAD} = {${[...slots, `'__err': {'rule': s.rule, 'column': s."column", 'message': s.message}`].join(', ')}}
    FROM (SELECT s.r, ${column} AS "column", x.rule, x.message FROM __strays s JOIN __stray_text x USING (m)) s WHERE ${TYPED}.rowid = s.r`);
  // The records' text, from the file's bytes.
  await recordTextTable(db, input, rows.map((r) => r[1]), '__stray_raw');
  await db.run(`UPDATE ${TYPED} SET ${RAW} = t.raw FROM (SELECT s.r, x.raw FROM __stray_raw x JOIN __strays s USING (k)) t WHERE ${TYPED}.rowid = t.r;
    DROP TABLE __stray_raw; DROP TABLE __strays; DROP TABLE __stray_text`);
}

/**
 * The records of __malformed get their text from the file's bytes (recordTexts), not from DuckDB's rejects table: for
 * a stray or unterminated quote its csv_line was another line (the header, or the record before, where the record
 * spans lines or holds two stray quotes: attacks, stop 46), and for invalid UTF-8 it replaced bytes with '?' and the
 * delimiter after one with them (here U+FFFD for each bad sequence, every delimiter kept). One more read of the file,
 * only for a file with malformed records.
 */
async function malformedRaw(db: Duck, input: ValidateInput): Promise<void> {
  const ks = (await db.all<{ k: number }>(`SELECT k FROM __malformed`)).map((r) => Number(r.k));
  if (!ks.length) return;
  await recordTextTable(db, input, ks, '__malformed_raw');
  await db.run(`UPDATE __malformed m SET raw = t.raw FROM __malformed_raw t WHERE m.k = t.k; DROP TABLE __malformed_raw`);
}

/**
 * A temp table `name` (k, raw) of the file's records `ks` (record indexes, header included) as written: their bytes
 * decoded (recordTexts), inserted batch by batch and set by the caller in one statement (one UPDATE per batch
 * rewrote the target's column each time: 27 s for a file of 1M such records).
 */
async function recordTextTable(db: Duck, input: ValidateInput, ks: readonly number[], name: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${name} (k BIGINT, raw VARCHAR)`);
  const cr = input.loneCr === undefined ? undefined : String.fromCharCode(input.loneCr);
  await recordTexts(input.path, codecOf(input.path, input.plan.source.compression), dialectOf(input), ks, (texts) =>
    db.run(`INSERT INTO ${name} SELECT * FROM (SELECT unnest(from_json(${str(JSON.stringify(cr ? texts.map((t) => ({ ...t, raw: t.raw.replaceAll(cr, '\r') })) : texts))}, '[{"k": "BIGINT", "raw": "VARCHAR"}]'), recursive := true))`));
}

/** openSource's loneCr, when the file is a copy made by jsonLinesCopy. */
function loneCrOf(input: Pick<ValidateInput, 'loneCr'>): { loneCr?: number } {
  return input.loneCr === undefined ? {} : { loneCr: input.loneCr };
}

/** How a text source splits into records: its CSV dialect, or (JSON lines) lines without quotes. */
function dialectOf(input: Pick<ValidateInput, 'plan' | 'blankRecords' | 'width'>): ScanDialect {
  const { source } = input.plan;
  return source.format === 'csv' ? { ...source.csv, blankRecords: input.blankRecords ?? false, ...(input.width ? { width: input.width } : {}) } : { delimiter: '\u0001', quote: '', escape: '', skipRows: 0 };
}

/**
 * Whether DuckDB reads a blank line after the file's first record as a record: in a file of one field per record
 * whose null strings hold '' (the default), a blank line is that field, empty, so NULL; a file of more fields, or
 * whose null strings do not hold '', skips it (DuckDB 1.5, as two attacks found, stop 45). The width is the first
 * record's, as source-relation.ts reads it (validateFile's `width`).
 */
function blankLinesAreRecords(input: ValidateInput, width: number | undefined): boolean {
  const { source } = input.plan;
  // (A file that cannot be read has no width: reading it says why.)
  return source.format === 'csv' && source.nullValues.includes('') && width === 1;
}

/** The first COUNTED_BYTES + 1 bytes of the file, decoded. */
function headOf(input: ValidateInput): Promise<Buffer> {
  return readHead(input.path, codecOf(input.path, input.plan.source.compression), COUNTED_BYTES + 1);
}

function scanFile(input: ValidateInput): Promise<RecordLines> {
  return scanRecordLines(input.path, codecOf(input.path, input.plan.source.compression), dialectOf(input));
}

/** The physical line where each record of `table` (record, line, …) starts. */
async function fillLines(db: Duck, scan: RecordLines, hdr: number, table: string): Promise<void> {
  const records = (await db.all<{ record: number }>(`SELECT DISTINCT record FROM ${table}`)).map((r) => r.record);
  const pairs = records.flatMap((r) => {
    const i = r - 1 + hdr;
    return i >= 0 && i < scan.count ? [[r, scan.startLine[i]!]] : [];
  });
  await integerTable(db, '__lines', ['record', 'line'], pairs);
  await db.run(`UPDATE ${table} q SET line = l.line FROM __lines l WHERE q.record = l.record`);
}

/**
 * A temp table `name` of BIGINT `columns` holding `rows` (each one integer per column), in one statement: each column
 * a comma-separated string, split and unnested side by side. A VALUES list cost DuckDB 8–10 µs a row to parse and bind
 * (42–50 ms per 5,000): 8 s for the lines of a file of 1M quarantined rows.
 */
async function integerTable(db: Duck, name: string, columns: readonly string[], rows: ReadonlyArray<readonly number[]>): Promise<void> {
  const lists = columns.map((c, j) => `unnest(string_split(${str(rows.map((r) => r[j]).join(','))}, ','))::BIGINT AS ${ident(c)}`);
  await db.run(rows.length
    ? `CREATE OR REPLACE TEMP TABLE ${name} AS SELECT ${lists.join(', ')}`
    : `CREATE OR REPLACE TEMP TABLE ${name} (${columns.map((c) => `${ident(c)} BIGINT`).join(', ')})`);
}

/** The reason of a record with invalid UTF-8; its raw text is the record's bytes decoded with U+FFFD (malformedRaw). */
const ENCODING_MESSAGE = 'invalid UTF-8 (the record is shown with replacement characters)';

/**
 * A malformed record's message from DuckDB's rejects table. `jsonLines`: the records are lines read as one field split
 * on U+0001 (source-relation.ts), so a line "of two fields" holds that raw control character, which no JSON holds (it
 * said "too many fields (Expected Number of Columns: 1 Found: 2)": an attack, stop 46).
 */
function malformedMessage(jsonLines = false): string {
  return `CASE error_type
    WHEN 'TOO MANY COLUMNS' THEN ${jsonLines ? "'invalid JSON: a raw control character (U+0001) in the line'" : "'malformed record: too many fields (' || error_message || ')'"}
    WHEN 'MISSING COLUMNS' THEN 'malformed record: too few fields (' || error_message || ')'
    WHEN 'UNQUOTED VALUE' THEN 'malformed record: unterminated or stray quote'
    WHEN 'INVALID ENCODING' THEN ${str(ENCODING_MESSAGE)}
    WHEN 'INVALID UNICODE' THEN ${str(ENCODING_MESSAGE)}
    WHEN 'LINE SIZE OVER MAXIMUM' THEN 'record longer than ' || (${MAX_LINE_BYTES} >> 20) || ' MB'
    ELSE 'malformed record: ' || lower(error_type) || ' (' || error_message || ')' END`;
}

/** DuckDB names columns of a malformed record by our internal names (__f3); show the file's field name. */
function columnNameOf(src: SourceRelation): string {
  const names = src.fieldNames ?? [];
  if (!names.length) return 'CAST(NULL AS VARCHAR)';
  // (A NUL ends a query's text in DuckDB: a header of gzip bytes read as text holds some. Shown as \0.)
  return `CASE column_name ${names.map((n, i) => `WHEN '__f${i}' THEN ${str(n.replace(/\0/g, '\\0'))}`).join(' ')} ELSE NULL END`;
}

function entries(v: unknown): Array<[string, unknown]> {
  if (!v) return [];
  if (Array.isArray(v)) return v.map((e: any) => [String(e.key), e.value]);
  if (typeof v === 'object') return Object.entries(v as object);
  return [];
}

function relativeTo(dir: string, file: string): string {
  const d = dir.endsWith('/') ? dir : `${dir}/`;
  return file.startsWith(d) ? file.slice(d.length) : file;
}
