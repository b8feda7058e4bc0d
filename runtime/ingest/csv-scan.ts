// Where DuckDB's CSV reader ends lines and records, byte by byte: the one state machine behind
// runtime/ingest/record-lines.ts (where each record starts, for messages) and runtime/ingest/newlines.ts (rewriting a
// file that mixes CRLF and LF), so the two never disagree about a quote. The rules, as DuckDB 1.5 reads with the
// dialect strata gives it (quote, escape, delimiter, skip):
// - a quote opens a quoted field only at a field's start (after the delimiter or a line end); elsewhere it is data;
// - inside quotes, a line end is part of the value; the escape makes the next byte literal; when the escape is the
//   quote itself, a doubled quote ("") is a literal quote and a single one closes the field;
// - outside quotes, a CR, an LF or a CRLF ends a line (and the record, unless the line is blank);
// - the first csv.skipRows lines are not parsed: no quote opens in them.
// Chunk boundaries change nothing: a "" or a CRLF split across two chunks is read as if it were not split.
import type { CsvDialect } from '../../core/schema/model.ts';

/** What a scan reports, with indexes into the chunk being scanned. */
export interface CsvScanEvents {
  /**
   * A line end at chunk[i]: 'cr' and 'lf' for a CR or an LF, 'crlf' for the LF that completes a CRLF (the CR was
   * reported before, perhaps at the end of the previous chunk). `quoted`: inside a quoted field, so part of a value;
   * `skipped`: it ends one of the skipped lines. A CRLF is one line end: its LF repeats the CR's flags.
   */
  lineEnd?(i: number, kind: 'cr' | 'lf' | 'crlf', quoted: boolean, skipped: boolean): void;
  /** The first byte of a record at chunk[i] (a non-blank line after the skipped ones, outside any quoted field). */
  recordStart?(i: number): void;
}

/** A scanner for one file, fed its (decoded) bytes in order, chunk by chunk. */
export class CsvScanner {
  private readonly q: number;
  private readonly esc: number;
  private readonly delim: number;
  private skip: number;
  private inQuotes = false;
  private atFieldStart = true;
  private afterEscape = false;
  /** Inside quotes with escape = quote: a quote that is a literal quote if the next byte is a quote too, else the close. */
  private pendingQuote = false;
  /** The last byte was a CR (its flags below): an LF next completes a CRLF. */
  private prevCr = false;
  private crQuoted = false;
  private crSkipped = false;
  /** Something other than a line end has been seen since the last record ended. */
  private inRecord = false;

  constructor(dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'>) {
    this.q = dialect.quote ? dialect.quote.charCodeAt(0) : -1;
    this.esc = dialect.escape ? dialect.escape.charCodeAt(0) : -1;
    this.delim = dialect.delimiter.charCodeAt(0);
    this.skip = dialect.skipRows;
  }

  /** Scan the next chunk, reporting its line ends and record starts in order. */
  scan(b: Uint8Array, on: CsvScanEvents): void {
    const { q, esc, delim } = this;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (this.pendingQuote) {
        this.pendingQuote = false;
        if (c === q) continue; // "" inside quotes: a literal quote, still inside
        this.inQuotes = false;
        this.atFieldStart = false;
      }
      if (c === 10 || c === 13) {
        if (c === 10 && this.prevCr) {
          this.prevCr = false;
          on.lineEnd?.(i, 'crlf', this.crQuoted, this.crSkipped);
          continue;
        }
        const quoted = this.inQuotes;
        const skipped = !quoted && this.skip > 0;
        this.prevCr = c === 13;
        if (this.prevCr) { this.crQuoted = quoted; this.crSkipped = skipped; }
        this.afterEscape = false; // an escaped line end is part of the value: the escape is spent
        if (skipped) this.skip--;
        else if (!quoted) { this.inRecord = false; this.atFieldStart = true; }
        on.lineEnd?.(i, c === 13 ? 'cr' : 'lf', quoted, skipped);
        continue;
      }
      this.prevCr = false;
      if (this.skip > 0) continue;
      if (!this.inRecord) { this.inRecord = true; on.recordStart?.(i); }
      if (this.inQuotes) {
        if (this.afterEscape) this.afterEscape = false;
        else if (c === esc && esc !== q) this.afterEscape = true;
        else if (c === q) { if (esc === q) this.pendingQuote = true; else this.inQuotes = false; }
        continue;
      }
      if (c === delim) this.atFieldStart = true;
      else if (c === q && this.atFieldStart) { this.inQuotes = true; this.atFieldStart = false; } else this.atFieldStart = false;
    }
  }
}
