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
