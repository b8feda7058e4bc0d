// Rewrites a CSV file whose records end with CRLF and LF alike so that every record ends with LF (decompressing it on
// the way), for the rare file that mixes both: DuckDB's parser takes one line end per file, and gives up on (or
// merges, or rejects) records ending with the other. Only line ends outside quotes are rewritten: a CRLF inside a
// quoted field is part of the value and stays as written (exact or quarantined). Quotes are tracked as DuckDB and
// runtime/ingest/record-lines.ts track them: a quote opens only at a field's start, "" (or the escape) inside quotes
// is a literal quote; the rows skipped by csv.skipRows are not parsed.
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compression, CsvDialect } from '../../core/schema/model.ts';
import { codecOf, openDecoded } from './file-head.ts';

/** Path of the rewritten file (in a fresh temporary folder the caller removes), uncompressed. */
export async function normalizeNewlines(path: string, compression: Compression, dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-nl-'));
  const out = join(dir, 'normalized');
  const q = dialect.quote ? dialect.quote.charCodeAt(0) : -1;
  const esc = dialect.escape ? dialect.escape.charCodeAt(0) : -1;
  const delim = dialect.delimiter.charCodeAt(0);
  let skip = dialect.skipRows;
  let inQuotes = false;
  let atFieldStart = true;
  let afterEscape = false;
  /** Inside quotes, a quote that is a literal quote if the next byte is a quote too (escape = quote), else the close. */
  let pendingQuote = false;
  /** The previous chunk ended with a CR outside quotes, held back until the next byte says whether an LF follows. */
  let heldCr = false;
  let prevCr = false;
  const lineEnd = () => { if (skip > 0) skip--; atFieldStart = true; };
  const rewrite = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const parts: Buffer[] = [];
      let start = 0;
      if (heldCr && chunk[0] !== 10) parts.push(Buffer.from([13]));
      heldCr = false;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (pendingQuote) {
          pendingQuote = false;
          if (c === q) continue; // "" inside quotes: a literal quote, still inside
          inQuotes = false;
          atFieldStart = false;
        }
        if (inQuotes) {
          if (afterEscape) afterEscape = false;
          else if (c === esc && esc !== q) afterEscape = true;
          else if (c === q) { if (esc === q) pendingQuote = true; else inQuotes = false; }
          continue;
        }
        if (c === 13) {
          // A record's CRLF becomes LF: the CR is dropped (held when the chunk ends before its next byte).
          if (i + 1 === chunk.length) { parts.push(chunk.subarray(start, i)); start = i + 1; heldCr = true; } else if (chunk[i + 1] === 10) { parts.push(chunk.subarray(start, i)); start = i + 1; }
          lineEnd();
          prevCr = true;
          continue;
        }
        if (c === 10) { if (!prevCr) lineEnd(); prevCr = false; continue; }
        prevCr = false;
        if (skip > 0) continue;
        if (c === delim) atFieldStart = true;
        else if (c === q && atFieldStart) { inQuotes = true; atFieldStart = false; } else atFieldStart = false;
      }
      parts.push(chunk.subarray(start));
      done(null, Buffer.concat(parts));
    },
    flush(done) { done(null, heldCr ? Buffer.from([13]) : Buffer.alloc(0)); },
  });
  await pipeline(openDecoded(path, codecOf(path, compression)), rewrite, createWriteStream(out));
  return out;
}
