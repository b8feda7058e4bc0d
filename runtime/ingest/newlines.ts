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
import { codecOf, openDecoded } from './file-head.ts';

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
