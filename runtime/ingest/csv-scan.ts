// Where DuckDB's CSV reader ends lines and records, byte by byte: the one state machine behind
// runtime/ingest/record-lines.ts (where each record starts, for messages) and runtime/ingest/newlines.ts (rewriting a
// file that mixes CRLF and LF), so the two never disagree about a quote. The rules, as DuckDB 1.5 reads with the
// dialect strata gives it (quote, escape, delimiter, skip):
// - a quote opens a quoted field only at a field's start (after the delimiter or a line end), or after one space
//   there (DuckDB reads `1, "a,b"` as 1 and a,b; two spaces or a tab, and the quote is data); elsewhere it is data;
// - inside quotes, a line end is part of the value; the escape makes the next byte literal (and is dropped, before any
//   byte: strayEscape reports one before a byte other than the quote or itself); when the escape is the quote itself,
//   a doubled quote ("") is a literal quote and a single one closes the field;
// - outside quotes, a CR, an LF or a CRLF ends a line (and the record, unless the line is blank);
// - the first csv.skipRows lines are not parsed: no quote opens in them;
// - a UTF-8 byte-order mark at the file's start is no part of any line or record (DuckDB drops it): a BOM before a
//   blank line made a record of it, and every record after it was numbered one too high (an attack, stop 45).
// Chunk boundaries change nothing: a "" or a CRLF split across two chunks is read as if it were not split.
import type { CsvDialect } from '../../core/schema/model.ts';

const BOM = [0xef, 0xbb, 0xbf];

/**
 * The dialect a scan follows. `blankRecords`: a blank line after the first record is a record (of one empty field),
 * as DuckDB reads a file of one field per record whose null strings hold '' (runtime/ingest/validate-file.ts
 * blankLinesAreRecords); elsewhere a blank line is no record.
 */
export type ScanDialect = Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'> & { blankRecords?: boolean; width?: number };

/** What a scan reports, with indexes into the chunk being scanned. */
export interface CsvScanEvents {
  /**
   * A line end at chunk[i]: 'cr' and 'lf' for a CR or an LF, 'crlf' for the LF that completes a CRLF (the CR was
   * reported before, perhaps at the end of the previous chunk). `quoted`: inside a quoted field, so part of a value;
   * `skipped`: it ends one of the skipped lines. A CRLF is one line end: its LF repeats the CR's flags.
   */
  lineEnd?(i: number, kind: 'cr' | 'lf' | 'crlf', quoted: boolean, skipped: boolean): void;
  /**
   * The first byte of a record at chunk[i] (a non-blank line after the skipped ones, outside any quoted field); i is
   * negative only for a record begun in an earlier chunk, by bytes held back as a possible BOM.
   */
  recordStart?(i: number): void;
  /**
   * Inside quotes, the escape (when it is not the quote) before chunk[i], a byte other than the quote or the escape
   * (a line end included): DuckDB drops such an escape and keeps the byte (`"C:\new"` is read as `C:new`), so the
   * value read is not the one written. `field`: the 0-based field of the record it is in.
   */
  strayEscape?(i: number, field: number): void;
  /** A record ended at the line end chunk[i], holding `fields` fields (delimiters outside quotes + 1). */
  recordEnd?(i: number, fields: number): void;
}

/** A scanner for one file, fed its (decoded) bytes in order, chunk by chunk. */
export class CsvScanner {
  private readonly q: number;
  private readonly esc: number;
  /** The delimiter's last byte; with `delimPrefix`, the bytes before it (a delimiter such as ÷ is two in UTF-8). */
  private readonly delim: number;
  private readonly delimPrefix: Uint8Array | undefined;
  /** How many bytes of delimPrefix the bytes just seen (outside quotes) match. */
  private prefixRun = 0;
  private skip: number;
  private inQuotes = false;
  private atFieldStart = true;
  /** One space, and nothing else, since the field's start: a quote still opens a quoted field. */
  private spaced = false;
  private afterEscape = false;
  /** Inside quotes with escape = quote: a quote that is a literal quote if the next byte is a quote too, else the close. */
  private pendingQuote = false;
  /** The last byte was a CR (its flags below): an LF next completes a CRLF. */
  private prevCr = false;
  private crQuoted = false;
  private crSkipped = false;
  /** Something other than a line end has been seen since the last record ended. */
  private inRecord = false;
  /** The field of the current record the scan is in (0-based): delimiters outside quotes since the record began. */
  private field = 0;
  /** Bytes of the file seen so far, up to 3 (a BOM's length). */
  private seen = 0;
  /** The file's first bytes so far are a BOM's first bytes. */
  private bom = true;

  /** A blank line after the first record is a record (ScanDialect.blankRecords). */
  private readonly blankRecords: boolean;
  /** A record has started since the skipped lines. */
  private seenRecord = false;

  constructor(dialect: ScanDialect) {
    this.blankRecords = dialect.blankRecords ?? false;
    this.q = dialect.quote ? dialect.quote.charCodeAt(0) : -1;
    this.esc = dialect.escape ? dialect.escape.charCodeAt(0) : -1;
    // DuckDB matches a delimiter of several bytes (÷ is C3 B7) as those bytes; its last byte alone is no delimiter (B7
    // also ends ·). It was taken as one byte, so no quote after it opened a quoted field (an attack, stop 46).
    const d = Buffer.from(dialect.delimiter, 'utf8');
    this.delim = d[d.length - 1]!;
    this.delimPrefix = d.length > 1 ? d.subarray(0, d.length - 1) : undefined;
    this.skip = dialect.skipRows;
  }

  /**
   * After the last chunk: the field (0-based) of the last record when the file ends inside quotes right after an
   * escape (not the quote), else undefined. DuckDB reads such a field as closed (`1,"ab\` as ab) where a file ending
   * inside quotes otherwise is an unterminated quote (an attack, stop 46).
   */
  escapeAtEnd(): number | undefined {
    return this.inQuotes && this.afterEscape ? this.field : undefined;
  }

  /** After the last chunk: the fields of the last record when the file ends without a line end after it. */
  openRecordFields(): number | undefined {
    return this.inRecord ? this.field + 1 : undefined;
  }

  /** Scan the next chunk, reporting its line ends and record starts in order. */
  scan(b: Uint8Array, on: CsvScanEvents): void {
    const { q, esc, delim } = this;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (this.seen < 3) {
        // A BOM's bytes at the file's start are passed over (a chunk may end inside it). A start that only begins
        // like one (EF or EF BB, then another byte: not UTF-8) has its held bytes read now as what they are, bytes
        // of a field: they start a record, at the file's first byte (a negative index when that was in an earlier
        // chunk).
        const held = this.seen;
        this.bom = this.bom && c === BOM[held];
        this.seen = this.bom ? held + 1 : 3;
        if (this.bom) continue;
        if (held > 0 && this.skip === 0) {
          this.inRecord = true;
          this.seenRecord = true;
          this.atFieldStart = false;
          on.recordStart?.(i - held);
        }
      }
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
        if (this.afterEscape) on.strayEscape?.(i, this.field); // (only inside quotes)
        this.afterEscape = false; // an escaped line end is part of the value: the escape is spent
        if (skipped) this.skip--;
        else if (!quoted) {
          if (!this.inRecord && this.blankRecords && this.seenRecord) on.recordStart?.(i); // a blank line, a record of one empty field
          if (this.inRecord) on.recordEnd?.(i, this.field + 1);
          this.inRecord = false; this.atFieldStart = true; this.spaced = false; this.field = 0; this.prefixRun = 0;
        }
        on.lineEnd?.(i, c === 13 ? 'cr' : 'lf', quoted, skipped);
        continue;
      }
      this.prevCr = false;
      if (this.skip > 0) continue;
      if (!this.inRecord) { this.inRecord = true; this.seenRecord = true; on.recordStart?.(i); }
      if (this.inQuotes) {
        if (this.afterEscape) {
          this.afterEscape = false;
          if (c !== q && c !== esc) on.strayEscape?.(i, this.field);
        } else if (c === esc && esc !== q) this.afterEscape = true;
        else if (c === q) { if (esc === q) this.pendingQuote = true; else this.inQuotes = false; }
        continue;
      }
      const prefix = this.delimPrefix;
      if (c === delim && (prefix === undefined || this.prefixRun === prefix.length)) {
        this.atFieldStart = true; this.spaced = false; this.field++; this.prefixRun = 0;
      } else {
        if (prefix !== undefined) this.prefixRun = c === prefix[this.prefixRun] ? this.prefixRun + 1 : c === prefix[0] ? 1 : 0;
        if (c === q && (this.atFieldStart || this.spaced)) { this.inQuotes = true; this.atFieldStart = false; this.spaced = false; this.prefixRun = 0; } else {
          // (A byte of a delimiter's prefix is no field start yet: the delimiter's last byte makes one.)
          this.spaced = c === 32 && this.atFieldStart;
          this.atFieldStart = false;
        }
      }
    }
  }
}

/** The first line end outside quotes in `b` (CRLF, a lone CR or LF), by csv-scan.ts's reading; LF when there is none. */
export function firstLineEnd(b: Buffer, dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape'>): string {
  const scanner = new CsvScanner({ ...dialect, skipRows: 0 });
  let found: number | undefined;
  for (let from = 0; from < b.length && found === undefined; from += 1 << 16) {
    const part = b.subarray(from, from + (1 << 16));
    scanner.scan(part, { lineEnd: (i, _kind, quoted) => { if (!quoted && found === undefined) found = from + i; } });
  }
  if (found === undefined) return '\n';
  return b[found] === 10 ? '\n' : b[found + 1] === 10 ? '\r\n' : '\r';
}
