// Rewrites a CSV file whose records end with CRLF and LF alike so that every record ends with LF (decompressing it on
// the way), for the rare file that mixes both: DuckDB's parser takes one line end per file, and gives up on (or
// merges, or rejects) records ending with the other. Only line ends outside quotes are rewritten: a CRLF inside a
// quoted field is part of the value and stays as written (exact or quarantined). Where quotes open and close is
// runtime/ingest/csv-scan.ts's, the state machine runtime/ingest/record-lines.ts uses too.
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compression, CsvDialect } from '../../core/schema/model.ts';
import { CsvScanner } from './csv-scan.ts';
import { codecOf, openDecoded, readHead } from './file-head.ts';

/** Path of the rewritten file (in a fresh temporary folder the caller removes), uncompressed. */
export async function normalizeNewlines(path: string, compression: Compression, dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-nl-'));
  const out = join(dir, 'normalized');
  const scanner = new CsvScanner(dialect);
  /** The previous chunk ended with a CR outside quotes, held back until the next byte says whether an LF follows. */
  let heldCr = false;
  const CR = Buffer.from([13]);
  const rewrite = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (chunk.length === 0) { done(); return; }
      const parts: Buffer[] = [];
      let start = 0;
      if (heldCr && chunk[0] !== 10) parts.push(CR);
      heldCr = false;
      scanner.scan(chunk, {
        lineEnd(i, kind, quoted) {
          // A line's CRLF becomes LF: the CR is dropped (held when the chunk ends before its next byte).
          if (kind !== 'cr' || quoted) return;
          if (i + 1 === chunk.length) { parts.push(chunk.subarray(start, i)); start = i + 1; heldCr = true; } else if (chunk[i + 1] === 10) { parts.push(chunk.subarray(start, i)); start = i + 1; }
        },
      });
      parts.push(chunk.subarray(start));
      done(null, Buffer.concat(parts));
    },
    flush(done) { done(null, heldCr ? CR : Buffer.alloc(0)); },
  });
  await pipeline(openDecoded(path, codecOf(path, compression)), rewrite, createWriteStream(out));
  return out;
}

/**
 * When the lines csv.skipRows skips hold the quote character: the path of a copy (uncompressed, in a fresh temporary
 * folder the caller removes) where those quotes are blanks, every other byte as written; else undefined. strata skips
 * lines as written, but DuckDB's skip reads quotes: a quote there that its line does not close (` "`, or `""x` by
 * DuckDB's reading) made it take every record after it for part of one skipped row, and the file was ingested with 0
 * rows and no word (an attack, stop 44). The skipped lines are read by no one, so their quotes change nothing; lines
 * and byte offsets stay the same, so records keep their line numbers.
 */
export async function quietSkippedQuotes(path: string, compression: Compression, dialect: Pick<CsvDialect, 'quote' | 'skipRows'>): Promise<string | undefined> {
  if (dialect.skipRows <= 0 || !dialect.quote) return undefined;
  const codec = codecOf(path, compression);
  const head = await readHead(path, codec, 1 << 20);
  // Where the skipped lines end: after skipRows line ends (CR, LF or CRLF), within the first MB.
  let end = head.length;
  for (let i = 0, ends = 0; i < head.length; i++) {
    if (head[i] !== 10 && head[i] !== 13) continue;
    if (head[i] === 13 && head[i + 1] === 10) i++;
    if (++ends === dialect.skipRows) { end = i + 1; break; }
  }
  const q = dialect.quote.charCodeAt(0);
  if (!head.subarray(0, end).includes(q)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'strata-skip-'));
  const out = join(dir, 'source');
  let at = 0;
  const blank = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (at < end) {
        const copy = Buffer.from(chunk);
        for (let i = 0; i < copy.length && at + i < end; i++) if (copy[i] === q) copy[i] = 32;
        at += chunk.length;
        done(null, copy);
        return;
      }
      done(null, chunk);
    },
  });
  await pipeline(openDecoded(path, codec), blank, createWriteStream(out));
  return out;
}
