// Where each record of a text file starts: its physical line. Only run for files that have quarantined rows
// (a message must name the line), so clean files never pay for it. Records and line ends are DuckDB's, as
// runtime/ingest/csv-scan.ts finds them: newlines inside quotes belong to the field, blank lines are not records.
import type { CsvDialect } from '../../core/schema/model.ts';
import { CsvScanner, type CsvScanEvents } from './csv-scan.ts';
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
}

export async function scanRecordLines(path: string, codec: Codec, dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'>): Promise<RecordLines> {
  let starts = new Int32Array(1 << 16);
  let rows = new Int32Array(1 << 16);
  let count = 0;
  let line = 1;
  let row = 1;
  let crlf = 0;
  let lf = 0;
  const scanner = new CsvScanner(dialect);
  const events: CsvScanEvents = {
    lineEnd(_i, kind, quoted) {
      if (kind === 'crlf') { if (!quoted) crlf++; return; } // the LF of a CRLF: one line end, counted at its CR
      if (kind === 'lf' && !quoted) lf++;
      line++;
      if (!quoted) row++;
    },
    recordStart() {
      if (count === starts.length) {
        const n = new Int32Array(starts.length * 2); n.set(starts); starts = n;
        const m = new Int32Array(rows.length * 2); m.set(rows); rows = m;
      }
      rows[count] = row;
      starts[count++] = line;
    },
  };
  for await (const chunk of openDecoded(path, codec)) scanner.scan(chunk as Buffer, events);
  return { startLine: starts.subarray(0, count), rowNumber: rows.subarray(0, count), count, crlf, lf };
}

/**
 * The text of records `wanted` (0-based indexes among the records scanRecordLines counts, the header included) as
 * written: each record's bytes from its first byte to the line end outside quotes that ends it (or the end of the
 * file), decoded as UTF-8 with U+FFFD for each invalid sequence, per the WHATWG decoder (Encoding Standard, "UTF-8
 * decoder"): a byte that cannot start or continue a sequence is replaced alone, so the delimiter after a bad byte
 * stays. DuckDB's own text of a record with invalid UTF-8 (its rejects table's csv_line) replaced bytes with '?' and
 * took the delimiter after one with them (`22,Caf\xe9,NEW` became `22,Caf??NEW`). Two passes over the file: one
 * finds the records' bytes, one reads them.
 */
export async function recordTexts(path: string, codec: Codec, dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'>, wanted: readonly number[]): Promise<Map<number, string>> {
  const want = new Set(wanted);
  const ranges = new Map<number, [number, number]>();
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
      ranges.set(record, [open, base + i]);
      open = undefined;
    },
  };
  for await (const chunk of openDecoded(path, codec)) {
    scanner.scan(chunk as Buffer, events);
    base += (chunk as Buffer).length;
  }
  if (open !== undefined) ranges.set(record, [open, base]);
  // The bytes of each range, gathered chunk by chunk.
  const parts = new Map<number, Buffer[]>();
  const sorted = [...ranges.entries()].sort((a, b) => a[1][0] - b[1][0]);
  let at = 0;
  for await (const chunk of openDecoded(path, codec)) {
    const c = chunk as Buffer;
    for (const [k, [from, to]] of sorted) {
      if (to <= at || from >= at + c.length) continue;
      const list = parts.get(k) ?? [];
      list.push(c.subarray(Math.max(0, from - at), Math.min(c.length, to - at)));
      parts.set(k, list);
    }
    at += c.length;
  }
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return new Map([...parts.entries()].map(([k, list]) => [k, decoder.decode(Buffer.concat(list))]));
}
