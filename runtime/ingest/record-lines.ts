// Where each record of a text file starts: its physical line. Only run for files that have quarantined rows
// (a message must name the line), so clean files never pay for it. It mirrors how DuckDB splits records:
// newlines inside quotes belong to the field, blank lines are not records, a quote opens only at a field's start.
import type { CsvDialect } from '../../core/schema/model.ts';
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
  const q = dialect.quote ? dialect.quote.charCodeAt(0) : -1;
  const esc = dialect.escape ? dialect.escape.charCodeAt(0) : -1;
  const delim = dialect.delimiter.charCodeAt(0);
  let starts = new Int32Array(1 << 16);
  let rows = new Int32Array(1 << 16);
  let count = 0;
  let line = 1;
  let row = 1;
  let skip = dialect.skipRows;
  let inRecord = false; // something other than a line end has been seen since the last record ended
  let atFieldStart = true;
  let inQuotes = false;
  let afterEscape = false;
  let prevCr = false;
  let crlf = 0;
  let lf = 0;
  const push = () => {
    if (count === starts.length) {
      const n = new Int32Array(starts.length * 2); n.set(starts); starts = n;
      const m = new Int32Array(rows.length * 2); m.set(rows); rows = m;
    }
    rows[count] = row;
    starts[count++] = line;
  };
  for await (const chunk of openDecoded(path, codec)) {
    const b = chunk as Buffer;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c === 10 || c === 13) {
        if (c === 10 && prevCr) { prevCr = false; if (!inQuotes) crlf++; continue; } // the LF of a CRLF
        if (c === 10 && !inQuotes) lf++;
        prevCr = c === 13;
        if (skip > 0 && !inQuotes) { skip--; line++; row++; continue; }
        line++;
        if (!inQuotes) { inRecord = false; atFieldStart = true; row++; }
        afterEscape = false;
        continue;
      }
      prevCr = false;
      if (skip > 0) continue;
      if (!inRecord) { inRecord = true; push(); }
      if (inQuotes) {
        if (afterEscape) { afterEscape = false; continue; }
        if (c === esc && esc !== q) { afterEscape = true; continue; }
        if (c === q) {
          // "" inside quotes is a literal quote when escape = quote: peek the next byte (may be in the next chunk;
          // then treat as closing, the next quote reopens at a non-field-start and stays literal: same records).
          if (esc === q && b[i + 1] === q) { i++; continue; }
          inQuotes = false;
        }
        continue;
      }
      if (c === delim) { atFieldStart = true; continue; }
      if (c === q && atFieldStart) { inQuotes = true; atFieldStart = false; continue; }
      atFieldStart = false;
    }
  }
  return { startLine: starts.subarray(0, count), rowNumber: rows.subarray(0, count), count, crlf, lf };
}
