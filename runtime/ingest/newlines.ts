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
import { CsvScanner, firstLineEnd } from './csv-scan.ts';
import { codecOf, holdsByte, openDecoded, readHead, skippedLinesEnd, sniffFormatHint, type LongLines } from './file-head.ts';

/**
 * Path of the rewritten file (in a fresh temporary folder the caller removes), uncompressed.
 * `loneCr`: a byte each lone CR (a CR not followed by LF) becomes, instead of a line end, so that the copy's lines are
 * the file's JSON lines: JSON Lines ends a line with LF (a CR before it is JSON whitespace, jsonlines.org), so a lone
 * CR is part of its line, whitespace between a record's tokens or a character in a string JSON wants escaped. DuckDB
 * cannot read a lone CR as data beside LFs; the reader turns the byte back into a CR (source-relation.ts openJson),
 * so it must be one the file does not hold (unusedControlByte).
 */
export async function normalizeNewlines(path: string, compression: Compression, dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'>, loneCr?: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-nl-'));
  const out = join(dir, 'normalized');
  const scanner = new CsvScanner(dialect);
  /** The previous chunk ended with a CR outside quotes, held back until the next byte says whether an LF follows. */
  let heldCr = false;
  const CR = Buffer.from([13]);
  const LONE_CR = loneCr === undefined ? CR : Buffer.from([loneCr]);
  const rewrite = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (chunk.length === 0) { done(); return; }
      const parts: Buffer[] = [];
      let start = 0;
      if (heldCr && chunk[0] !== 10) parts.push(LONE_CR);
      heldCr = false;
      scanner.scan(chunk, {
        lineEnd(i, kind, quoted) {
          // A line's CRLF becomes LF: the CR is dropped (held when the chunk ends before its next byte).
          if (kind !== 'cr' || quoted) return;
          if (i + 1 === chunk.length) { parts.push(chunk.subarray(start, i)); start = i + 1; heldCr = true; } else if (chunk[i + 1] === 10) { parts.push(chunk.subarray(start, i)); start = i + 1; } else if (loneCr !== undefined) { parts.push(chunk.subarray(start, i), LONE_CR); start = i + 1; }
        },
      });
      parts.push(chunk.subarray(start));
      done(null, Buffer.concat(parts));
    },
    flush(done) { done(null, heldCr ? LONE_CR : Buffer.alloc(0)); },
  });
  await pipeline(openDecoded(path, codecOf(path, compression)), rewrite, createWriteStream(out));
  return out;
}

/**
 * When DuckDB's `skip` would not skip the lines csv.skipRows skips as strata counts them (file-head.ts
 * skippedLinesEnd): the path of a copy (uncompressed, in a fresh temporary folder the caller removes) where they are
 * blank lines, each ended like the data's first line, every byte after them as written; else undefined.
 * DuckDB's skip reads quotes and takes one line end per file: a quote there that its line does not close (` "`, or
 * `""x` by DuckDB's reading), or skipped lines ended otherwise than the data (LF before CRLF, CRLF before LF, a lone
 * CR), made it take the data for part of the skipped lines, and the file was ingested with 0 rows and no word (two
 * attacks, stop 44). The skipped lines are read by no one, so what they held changes nothing; their number stays the
 * same, so records keep their line numbers (not their byte offsets).
 */
export async function blankSkippedLines(path: string, compression: Compression, dialect: Pick<CsvDialect, 'delimiter' | 'quote' | 'escape' | 'skipRows'>): Promise<string | undefined> {
  if (dialect.skipRows <= 0) return undefined;
  const codec = codecOf(path, compression);
  const head = await readHead(path, codec, 1 << 20);
  const end = skippedLinesEnd(head, dialect.skipRows);
  // No record within the head, or not a CSV file at all (gzip under a .csv name): reading it as it is says so.
  if (end === undefined || sniffFormatHint(head, 'csv', end)) return undefined;
  const eol = firstLineEnd(head.subarray(end), dialect);
  const skipped = head.toString('latin1', 0, end);
  const clean = !(dialect.quote && skipped.includes(dialect.quote)) && (skipped.match(/\r\n|\r|\n/g) ?? []).every((e) => e === eol);
  if (clean) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'strata-skip-'));
  const out = join(dir, 'source');
  let left = end;
  const blank = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left >= chunk.length) { left -= chunk.length; done(); return; }
      const rest = chunk.subarray(left);
      left = 0;
      done(null, rest);
    },
  });
  const ws = createWriteStream(out);
  ws.write(eol.repeat(dialect.skipRows));
  await pipeline(openDecoded(path, codec), blank, ws);
  return out;
}

/**
 * A JSON-lines file holding a CR not followed by an LF, copied (uncompressed, in a fresh temporary folder the caller
 * removes) with each such CR made `loneCr`, a control byte the file does not hold, and each CRLF made LF; undefined
 * for a file without one (read as it is), or one holding every such byte (DuckDB says what it cannot read).
 * `firstLoneCr`: the line (LF-ended, 1-based) of the first; `count`: how many; `crOnly`: the file has no other line
 * end (its lines ended by CR alone, as on classic Mac OS, are one line). JSON Lines ends a line with LF, a CR
 * before it being JSON whitespace (jsonlines.org); DuckDB's reader takes a lone CR for a line end, or gives up on the
 * file. One read of the file to find them (a byte search), two more when there is one.
 */
export async function jsonLinesCopy(path: string, compression: Compression, long?: LongLines): Promise<{ path: string; loneCr: number; firstLoneCr: number; count: number; crOnly: boolean } | undefined> {
  if (!await holdsByte(path, 13, codecOf(path, compression), long)) return undefined; // (a byte search: 50 ms for 111 MB of JSON lines, where lineEndsOf takes 0.5 s)
  const ends = await lineEndsOf(path, compression);
  if (ends.firstLoneCr === undefined) return undefined;
  const loneCr = await unusedControlByte(path, compression);
  if (loneCr === undefined) return undefined;
  const out = await normalizeNewlines(path, compression, { delimiter: '\u0001', quote: '', escape: '', skipRows: 0 }, loneCr);
  return { path: out, loneCr, firstLoneCr: ends.firstLoneCr, count: ends.loneCrs, crOnly: ends.kinds.length === 1 };
}

/**
 * A control byte (0x03 to 0x1F, neither a tab, an LF nor a CR) that the file (decoded) does not hold, for
 * normalizeNewlines' `loneCr`; undefined when it holds every one. One read of the file, a byte search per byte left.
 */
export async function unusedControlByte(path: string, compression: Compression): Promise<number | undefined> {
  let left = Array.from({ length: 0x1f - 0x03 + 1 }, (_, i) => 0x1f - i).filter((b) => b !== 9 && b !== 10 && b !== 13);
  for await (const chunk of openDecoded(path, codecOf(path, compression)) as AsyncIterable<Buffer>) {
    left = left.filter((b) => !chunk.includes(b));
    if (!left.length) return undefined;
  }
  return left[0];
}

/** The kinds of line end a file holds, and where its first lone CR is. */
export interface LineEnds {
  /** "LF", "CRLF", "lone CR", in that order, those the file holds. */
  kinds: string[];
  /** The line (1-based) that the file's first lone CR ends, if it has one. */
  firstLoneCr?: number;
  /** How many lone CRs the file holds. */
  loneCrs: number;
}

/**
 * The kinds of line end in a file (decoded), read whole, quotes not read (a quoted CR counts too): for the message of
 * a file DuckDB cannot read for its line ends. Linear in the file's size, at the speed of a byte search.
 */
export async function lineEndsOf(path: string, compression: Compression): Promise<LineEnds> {
  let lf = false;
  let crlf = false;
  /** LFs before the current chunk, plus 1: the line the chunk begins in. */
  let line = 1;
  let firstLoneCr: number | undefined;
  let loneCrs = 0;
  /** The previous chunk's last byte (a CR there is completed, or not, by this chunk's first). */
  let last = -1;
  for await (const chunk of openDecoded(path, codecOf(path, compression)) as AsyncIterable<Buffer>) {
    if (chunk.length === 0) continue;
    if (last === 13) { if (chunk[0] === 10) crlf = true; else { firstLoneCr ??= line; loneCrs++; } }
    for (let i = chunk.indexOf(13); i >= 0 && i + 1 < chunk.length; i = chunk.indexOf(13, i + 1)) {
      if (chunk[i + 1] === 10) crlf = true;
      else { firstLoneCr ??= line + lfsIn(chunk, i); loneCrs++; }
    }
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) {
      line++;
      if ((i > 0 ? chunk[i - 1] : last) !== 13) lf = true;
    }
    last = chunk[chunk.length - 1]!;
  }
  if (last === 13) { firstLoneCr ??= line; loneCrs++; }
  const kinds = [lf && 'LF', crlf && 'CRLF', firstLoneCr !== undefined && 'lone CR'].filter((k): k is string => Boolean(k));
  return { kinds, loneCrs, ...(firstLoneCr !== undefined ? { firstLoneCr } : {}) };
}

/** The LFs in b before index `end`. */
function lfsIn(b: Buffer, end: number): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0 && i < end; i = b.indexOf(10, i + 1)) n++;
  return n;
}
