// Where each record of a text file starts: its physical line. Only run for files that have quarantined rows
// (a message must name the line), so clean files never pay for it. Records and line ends are DuckDB's, as
// runtime/ingest/csv-scan.ts finds them: newlines inside quotes belong to the field, blank lines are not records.
import { CsvScanner, type CsvScanEvents, type ScanDialect } from './csv-scan.ts';
import { openDecoded, type Codec } from './file-head.ts';

export interface RecordLines {
  /** startLine[i] = 1-based physical line where record i starts (records after skipped lines, header included). */
  startLine: Int32Array;
  /**
   * rowNumber[i] = DuckDB's "line" for record i in its rejects table: it counts rows ended by a newline outside
   * quotes, blank rows and skipped rows included, so it differs from both the record index and the physical line.
   */
  rowNumber: Int32Array;
  count: number;
  /** Line ends outside quotes, by kind: a file with both is one DuckDB cannot read as it is (runtime/ingest/newlines.ts). */
  crlf: number;
  lf: number;
  /**
   * The records holding an escape DuckDB drops (csv-scan.ts strayEscape), the first of each: its record index (as
   * startLine's), the physical line it is on, its field (0-based) and the byte after it (-1: the file ends after
   * the escape, inside quotes: csv-scan.ts escapeAtEnd). In record order.
   */
  strays: Array<{ k: number; line: number; field: number; next: number }>;
  /**
   * With ScanDialect.width: the records of more fields than that (their record index, the line they start on, their
   * fields), in record order. DuckDB drops a record's fields past its width when they are empty or null strings (`1,x,,`
   * read as 1,x; runtime/ingest/validate-file.ts markScannedRecords), and rejects the record otherwise.
   */
  wide: Array<{ k: number; line: number; fields: number }>;
  /**
   * The longest record: its index, the line it starts on and its bytes (from its first byte to the next record's, line
   * end included). A record of many short quoted lines is longer than any of its lines (file-head.ts LongLines).
   */
  longest: { k: number; line: number; bytes: number };
}

export async function scanRecordLines(path: string, codec: Codec, dialect: ScanDialect): Promise<RecordLines> {
  let starts = new Int32Array(1 << 16);
  let rows = new Int32Array(1 << 16);
  let count = 0;
  let line = 1;
  let row = 1;
  let crlf = 0;
  let lf = 0;
  const strays: RecordLines['strays'] = [];
  const wide: RecordLines['wide'] = [];
  const width = dialect.width ?? Infinity;
  let chunk: Buffer = Buffer.alloc(0);
  let base = 0; // bytes of the chunks before this one
  let begun = -1; // where the last record began
  const longest = { k: -1, line: 0, bytes: 0 };
  const ended = (at: number) => {
    if (count > 0 && at - begun > longest.bytes) Object.assign(longest, { k: count - 1, line: starts[count - 1]!, bytes: at - begun });
  };
  const scanner = new CsvScanner(dialect);
  const events: CsvScanEvents = {
    strayEscape(i, field) {
      if (strays.at(-1)?.k !== count - 1) strays.push({ k: count - 1, line, field, next: chunk[i]! });
    },
    recordEnd(_i, fields) {
      if (fields > width) wide.push({ k: count - 1, line: starts[count - 1]!, fields });
    },
    lineEnd(_i, kind, quoted) {
      if (kind === 'crlf') { if (!quoted) crlf++; return; } // the LF of a CRLF: one line end, counted at its CR
      if (kind === 'lf' && !quoted) lf++;
      line++;
      if (!quoted) row++;
    },
    recordStart(i) {
      ended(base + i);
      begun = base + i;
      if (count === starts.length) {
        const n = new Int32Array(starts.length * 2); n.set(starts); starts = n;
        const m = new Int32Array(rows.length * 2); m.set(rows); rows = m;
      }
      rows[count] = row;
      starts[count++] = line;
    },
  };
  for await (const c of openDecoded(path, codec)) {
    scanner.scan(chunk = c as Buffer, events);
    base += chunk.length;
  }
  ended(base);
  const open = scanner.escapeAtEnd();
  if (open !== undefined && count > 0 && strays.at(-1)?.k !== count - 1) strays.push({ k: count - 1, line, field: open, next: -1 });
  const last = scanner.openRecordFields();
  if (last !== undefined && last > width) wide.push({ k: count - 1, line: starts[count - 1]!, fields: last });
  return { startLine: starts.subarray(0, count), rowNumber: rows.subarray(0, count), count, crlf, lf, strays, wide, longest };
}

/** Characters of a malformed record's text that quarantine keeps: DuckDB's rejects table keeps 10,000 of the others. */
export const RECORD_TEXT_CHARS = 10_000;

/**
 * The text of records `wanted` (0-based indexes among the records scanRecordLines counts, the header included) as
 * written: each record's bytes from its first byte to the line end outside quotes that ends it (or the end of the
 * file), decoded as UTF-8 with U+FFFD for each invalid sequence, per the WHATWG decoder (Encoding Standard, "UTF-8
 * decoder"): a byte that cannot start or continue a sequence is replaced alone, so the delimiter after a bad byte
 * stays. The file's byte-order mark is not part of its first record. Each text is cut at RECORD_TEXT_CHARS characters,
 * as DuckDB cuts the text of its other malformed records, and handed to `onBatch` in batches of `batch`, in file
 * order, so that memory holds a batch, not every bad record of a large file (570 MB of 15 MB records passed V8's
 * string limit: an attack, stop 44). DuckDB's own text of a record with invalid UTF-8 (its rejects table's
 * csv_line) replaced bytes with '?' and took the delimiter after one with them (`22,Caf\xe9,NEW` became `22,Caf??NEW`).
 * Two passes over the file: one finds the records' bytes, one reads them.
 */
export async function recordTexts(
  path: string, codec: Codec, dialect: ScanDialect, wanted: readonly number[],
  onBatch: (texts: Array<{ k: number; raw: string }>) => Promise<void>, batch = 1000,
): Promise<void> {
  const want = new Set(wanted);
  const ranges: Array<{ k: number; from: number; to: number }> = [];
  let base = 0;
  let record = -1;
  let open: number | undefined;
  const scanner = new CsvScanner(dialect);
  const events: CsvScanEvents = {
    recordStart(i) {
      record++;
      if (want.has(record)) open = base + i;
    },
    lineEnd(i, kind, quoted, skipped) {
      if (quoted || skipped || kind === 'crlf' || open === undefined) return;
      ranges.push({ k: record, from: open, to: base + i });
      open = undefined;
    },
  };
  for await (const chunk of openDecoded(path, codec)) {
    scanner.scan(chunk as Buffer, events);
    base += (chunk as Buffer).length;
  }
  if (open !== undefined) ranges.push({ k: record, from: open, to: base });
  // A record's first bytes, enough for RECORD_TEXT_CHARS characters (4 bytes each at most), gathered chunk by chunk.
  const maxBytes = 4 * RECORD_TEXT_CHARS;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let pending: Array<{ k: number; raw: string }> = [];
  let next = 0;
  let parts: Buffer[] = [];
  let at = 0;
  for await (const chunk of openDecoded(path, codec)) {
    const c = chunk as Buffer;
    while (next < ranges.length) {
      const r = ranges[next]!;
      const end = Math.min(r.to, r.from + maxBytes);
      if (r.from >= at + c.length) break;
      parts.push(c.subarray(Math.max(0, r.from - at), Math.max(0, Math.min(c.length, end - at))));
      if (end > at + c.length) break; // continues in the next chunk
      const bytes = Buffer.concat(parts); // (a file's BOM is before its first record: csv-scan.ts)
      pending.push({ k: r.k, raw: Array.from(decoder.decode(bytes)).slice(0, RECORD_TEXT_CHARS).join('') });
      parts = [];
      next++;
      if (pending.length >= batch) { await onBatch(pending); pending = []; }
    }
    at += c.length;
  }
  if (pending.length) await onBatch(pending);
}
