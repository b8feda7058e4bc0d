// The first bytes of a (possibly compressed) file, and the CSV header line in them. Only the header is parsed in
// JavaScript; every data row is read by DuckDB.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { Compression, CsvDialect } from '../../core/schema/model.ts';

export type Codec = 'none' | 'gzip' | 'zstd';

export function codecOf(path: string, compression: Compression): Codec {
  if (compression === 'none' || compression === 'gzip' || compression === 'zstd') return compression;
  if (/\.gz$|\.gzip$/i.test(path)) return 'gzip';
  if (/\.zst$|\.zstd$/i.test(path)) return 'zstd';
  return 'none';
}

export function openDecoded(path: string, codec: Codec): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (codec === 'none') return raw;
  const dec = codec === 'gzip' ? createGunzip() : createZstdDecompress();
  raw.on('error', (e) => dec.destroy(e));
  return raw.pipe(dec);
}

/** Up to maxBytes of decoded content (fewer when the file is shorter). Decoding errors surface as rejections. */
export async function readHead(path: string, codec: Codec, maxBytes = 1 << 20): Promise<Buffer> {
  // Uncompressed: read into a buffer no larger than the file (a read stream allocates its 1 MiB chunk whatever the size).
  if (codec === 'none') return readRange(path, (size) => ({ start: 0, length: Math.min(maxBytes, size) }));
  const chunks: Buffer[] = [];
  let n = 0;
  const stream = openDecoded(path, codec);
  try {
    for await (const c of stream) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      if (n >= maxBytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

/**
 * The last `n` bytes of decoded content: read from the end of an uncompressed file, decoded through to the end of a
 * compressed one (a pass over it, which only a JSON array's check of its closing "]" pays). Decoding errors reject.
 */
export async function readTail(path: string, codec: Codec, n = 64): Promise<Buffer> {
  if (codec === 'none') return readRange(path, (size) => ({ start: size - Math.min(n, size), length: Math.min(n, size) }));
  let tail = Buffer.alloc(0);
  for await (const c of openDecoded(path, codec)) tail = Buffer.concat([tail, c as Buffer]).subarray(-n);
  return tail;
}

/** The bytes of an uncompressed file that `range` picks from its size, in a buffer of that length (fewer at its end). */
async function readRange(path: string, range: (size: number) => { start: number; length: number }): Promise<Buffer> {
  const f = await open(path, 'r');
  try {
    const { start, length } = range((await f.stat()).size);
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    for (let r; got < length && (r = (await f.read(buf, got, length - got, start + got)).bytesRead) > 0;) got += r;
    return buf.subarray(0, got);
  } finally {
    await f.close();
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function stripBom(b: Buffer): Buffer {
  return b.subarray(0, 3).equals(BOM) ? b.subarray(3) : b;
}

/**
 * The byte offset in `head` just after its first `skipRows` lines, as csv.skipRows counts them: lines as written,
 * quotes not read, each ended by an LF, a CRLF or a lone CR (one line end each, as DuckDB's reader and
 * runtime/ingest/csv-scan.ts count them). 0 when skipRows is 0; undefined when the head ends before them.
 * Every reader of the skipped lines goes through this one count; three of them counting differently (LF only, or CR
 * too) lost a file's rows when its skipped lines ended otherwise than its data (an attack, stop 44).
 */
export function skippedLinesEnd(head: Buffer, skipRows: number): number | undefined {
  if (skipRows <= 0) return 0;
  for (let i = 0, ends = 0; i < head.length; i++) {
    const c = head[i];
    if (c !== 10 && c !== 13) continue;
    if (c === 13 && head[i + 1] === 10) i++;
    if (++ends === skipRows) return i + 1;
  }
  return undefined;
}

/**
 * The fields of the first record after `skipRows` lines, per the dialect. Returns undefined when the head holds
 * no complete record (an empty file, or a header longer than the head).
 */
export function parseFirstRecord(head: Buffer, d: CsvDialect): string[] | undefined {
  const after = skippedLinesEnd(head, d.skipRows);
  if (after === undefined) return undefined;
  let text = stripBom(head.subarray(after)).toString('utf8');
  // Skip blank lines, as DuckDB does.
  text = text.replace(/^[\r\n]+/, ''); // (a blank line ends with LF, CRLF or a lone CR)
  if (!text.length) return undefined;
  const fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      // An escape of its own makes the next character literal, whatever it is (DuckDB: csv-scan.ts); `"\\"` ends after
      // the escaped escape (it was read as an escaped quote, and the record as an unterminated quote).
      if (ch === d.escape && d.escape !== d.quote && i + 1 < text.length) { field += text[i + 1]; i++; continue; }
      if (ch === d.quote) {
        if (d.escape === d.quote && text[i + 1] === d.quote) { field += d.quote; i++; continue; }
        inQuotes = false;
        continue;
      }
      field += ch;
      continue;
    }
    // A quote at a field's start, or after one space there, opens a quoted field (as DuckDB reads: csv-scan.ts).
    if (ch === d.quote && (field === '' || field === ' ') && !quoted && d.quote !== '') { inQuotes = true; quoted = true; field = ''; continue; }
    if (ch === d.delimiter) { fields.push(field); field = ''; quoted = false; continue; }
    if (ch === '\n' || ch === '\r') { fields.push(field); return fields; }
    field += ch;
  }
  if (inQuotes) return undefined;
  fields.push(field);
  return fields;
}

/** Whether bytes begin with gzip's magic number (RFC 1952: 1f 8b). */
export function startsGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Whether text (its start, leading whitespace removed) begins as JSON does: an array whose first element starts (an
 * object, an array, a string, a number, true, false, null, or `]`), or an object whose first key or `}` follows. Not a
 * bare `[` or `{`: a CSV header may begin so (`[id],[name]`, as SQL Server's tools quote names).
 */
export function looksLikeJson(t: string): boolean {
  return /^\[\s*(?:[{["\-0-9\]]|(?:true|false|null)\s*[,\]])/.test(t) || /^\{\s*["}]/.test(t);
}

/**
 * What a file's first bytes say when they are an archive or UTF-16 text, which no format reads as records: a tar
 * (POSIX's magic "ustar" at byte 257), a zip (PK 03 04, or the empty archive's PK 05 06), UTF-16 with a byte order mark,
 * or without one when every other byte of its start is NUL (ASCII in UTF-16). undefined for anything else. A tar
 * named .csv.gz was committed as CSV: its header block fused with the first field's name (the column NULL in every
 * row, with a warning) and its padding made a record (an attack, stop 58); UTF-16 was "invalid UTF-8". Each begins
 * with "the file is".
 */
export function containerOf(head: Buffer): string | undefined {
  if (isTarHeader(head)) return 'the file is a tar archive (files packed in one), not one file of records: unpack it (tar -xf) and send each file';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) {
    return 'the file is a zip archive, not one file of records: unzip it and send each file (a single file may be gzip-compressed, named .gz)';
  }
  const utf16 = 'text in UTF-16, which strata does not read: save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8) and upload it again';
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return `the file is ${utf16}`;
  const pairs = Math.min(32, head.length >> 1);
  if (pairs >= 4) {
    let odd = 0;
    let even = 0;
    for (let i = 0; i < pairs; i++) {
      if (head[2 * i] === 0 && head[2 * i + 1] !== 0) even++;
      if (head[2 * i + 1] === 0 && head[2 * i] !== 0) odd++;
    }
    if (odd === pairs || even === pairs) return `the file is ${utf16}`;
  }
  return undefined;
}

/**
 * Whether a file begins with a tar header block: "ustar" at byte 257 followed by NUL (POSIX) or a space (GNU), and the
 * header's checksum (bytes 148–155, octal) the sum of its 512 bytes with those eight read as spaces. "mustard" in a CSV
 * at byte 256 was taken for one (an attack, stop 58).
 */
function isTarHeader(head: Buffer): boolean {
  if (head.length < 512 || head.subarray(257, 262).toString('latin1') !== 'ustar' || (head[262] !== 0 && head[262] !== 0x20)) return false;
  const said = /^\s*([0-7]+)/.exec(head.subarray(148, 156).toString('latin1'));
  if (!said) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i]!;
  return parseInt(said[1]!, 8) === sum;
}

/**
 * A hint when a file's first bytes say it is in another format than declared. `textFrom`: where its text begins
 * (a CSV's first record, after the lines csv.skipRows skips: a preamble line "[Report]" says nothing of the format).
 */
export function sniffFormatHint(head: Buffer, declared: string, textFrom = 0): string | undefined {
  const t = stripBom(head.subarray(textFrom)).toString('utf8', 0, Math.min(head.length - textFrom, 4096)).trimStart();
  if (!t) return undefined;
  if (head.subarray(0, 4).toString('latin1') === 'PAR1' && declared !== 'parquet') return 'the file is Parquet';
  const container = containerOf(head);
  if (container) return container;
  // (A Parquet file is not read through a compression of the whole file: its pages are compressed inside it. The
  // hint to name it .gz led to another failure, an attack, stop 53.)
  if (startsGzip(head)) return declared === 'parquet' ? 'the file is gzip-compressed as a whole; a Parquet file compresses its pages inside it: decompress it (gunzip) and send the .parquet file' : 'the file is gzip-compressed; name it .gz or set source.compression: gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return declared === 'parquet' ? 'the file is zstd-compressed as a whole; a Parquet file compresses its pages inside it: decompress it (zstd -d) and send the .parquet file' : 'the file is zstd-compressed; name it .zst or set source.compression: zstd';
  if (declared === 'csv' && looksLikeJson(t)) return `the file looks like JSON${t.startsWith('[') ? ' (an array)' : ' lines'}, not CSV`;
  if ((declared === 'jsonl' || declared === 'json') && !(t.startsWith('{') || t.startsWith('['))) return 'the file does not look like JSON';
  if (declared === 'jsonl' && t.startsWith('[')) return 'the file looks like a JSON array; declare source.format: json (a streamed dataset takes JSON lines: one object per line, as jq -c \'.[]\' writes an array)';
  if (declared === 'json' && t.startsWith('{')) return 'the file looks like JSON lines; declare source.format: jsonl';
  // A Parquet file begins (and ends) with the bytes PAR1; text in its place is another format under a .parquet name
  // (DuckDB said only "No magic bytes found": an attack, stop 53).
  if (declared === 'parquet' && head.subarray(0, 4).toString('latin1') !== 'PAR1' && !head.subarray(0, 4096).includes(0)) {
    const line = t.split(/\r?\n|\r/)[0]!.slice(0, 80);
    const kind = looksLikeJson(t) ? `looks like JSON${t.startsWith('[') ? ' (an array)' : ' lines'}` : 'is text';
    return `the file ${kind} (its first line: ${JSON.stringify(line)}), not Parquet, which begins with the bytes PAR1`;
  }
  return undefined;
}

/**
 * Whether the header (the first line after skipRows) is a plain one-line CSV record: quotes only around whole
 * fields, no newline inside. Only then may DuckDB be told to skip it (a header it cannot parse made its skip
 * swallow the next record without a trace).
 */
export function isPlainHeader(head: Buffer, d: CsvDialect): boolean {
  const after = skippedLinesEnd(head, d.skipRows);
  if (after === undefined) return false;
  const text = stripBom(head.subarray(after)).toString('utf8');
  const end = text.search(/[\r\n]/);
  if (end < 0) return false;
  if (/^[\r\n]/.test(text)) return false; // a blank line before the header: let the exact path handle it
  const line = text.slice(0, end);
  let i = 0;
  while (i <= line.length) {
    if (line[i] === d.quote && d.quote !== '') {
      i++;
      for (;;) {
        if (i >= line.length) return false; // unterminated quote (or a newline inside quotes)
        if (line[i] === d.escape && line[i + 1] === d.quote && (d.escape !== d.quote || true)) { i += 2; continue; }
        if (line[i] === d.quote) { i++; break; }
        i++;
      }
      if (i < line.length && line[i] !== d.delimiter) return false; // text after a closing quote
    } else {
      while (i < line.length && line[i] !== d.delimiter) {
        if (line[i] === d.quote && d.quote !== '') return false; // a quote inside an unquoted field
        i++;
      }
    }
    i++; // the delimiter (or past the end)
  }
  return true;
}

/**
 * Whether the file at `path` (decoded by `codec`) holds the byte `b` anywhere: read by blocks (blocksOf), stopping at
 * the first (106 MB without it: 30 ms from the page cache). `long` measures its long lines on the way (complete when
 * the file holds no `b`).
 */
export async function holdsByte(path: string, b: number, codec: Codec = 'none', long?: LongLines): Promise<boolean> {
  for await (const block of blocksOf(path, codec)) {
    long?.block(block);
    if (block.includes(b)) return true;
  }
  long?.end();
  return false;
}

/**
 * The first line longer than `limit` bytes (between line ends, LF or CR) of a file read block by block, each block no
 * longer than the limit (so that only the gaps between blocks' line ends need measuring: four byte searches per block).
 * `found`: its start (byte offset of the decoded file) and length; `complete` once the file's end was seen. DuckDB 1.5
 * rejects a record longer than its max_line_size while it spans two of its buffers, and drops one spanning three with
 * no word: a 40 MB record was missing from silver, quarantine and the run's count alike (an attack, stop 58).
 */
export class LongLines {
  found?: { offset: number; bytes: number };
  complete = false;
  readonly limit: number;
  private start = 0;
  private pos = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  block(b: Buffer): void {
    if (this.found) return;
    // A line ends at an LF or a CR (a file of CR line ends is one line to the LF alone).
    const [lf, cr] = [b.indexOf(10), b.indexOf(13)];
    const first = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
    if (first >= 0) {
      if (this.pos + first - this.start > this.limit) this.found = { offset: this.start, bytes: this.pos + first - this.start };
      else this.start = this.pos + Math.max(b.lastIndexOf(10), b.lastIndexOf(13)) + 1;
    }
    this.pos += b.length;
  }

  end(): void {
    if (!this.found && this.pos - this.start > this.limit) this.found = { offset: this.start, bytes: this.pos - this.start };
    this.complete = true;
  }
}

/** The file's decoded blocks: of an uncompressed file 8 MiB at a time (30 ms per 106 MB from the page cache). */
async function* blocksOf(path: string, codec: Codec): AsyncGenerator<Buffer> {
  if (codec !== 'none') { yield* openDecoded(path, codec) as AsyncIterable<Buffer>; return; }
  const fh = await open(path);
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    for (let pos = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/**
 * The first line of the (decoded) file longer than `limit` bytes (at least 8 MiB, a block: LongLines), with its
 * 1-based line, counted by a second read only when there is one; undefined when none is. `seen`: what a read of the
 * file beside found already (endsLineWith's), when it read the whole file.
 */
export async function overlongLine(path: string, codec: Codec, limit: number, seen?: LongLines): Promise<{ offset: number; bytes: number; line: number } | undefined> {
  let long = seen?.complete ? seen : undefined;
  if (!long) {
    long = new LongLines(limit);
    for await (const b of blocksOf(path, codec)) {
      long.block(b);
      if (long.found) break;
    }
    long.end();
  }
  const found = long.found;
  if (!found) return undefined;
  // Which line it is: the line ends before it, counted (an LF, or a CR not followed by one).
  let line = 1;
  let at = 0;
  let crBefore = false; // the block before ended with a CR
  for await (const b of blocksOf(path, codec)) {
    const upto = Math.min(b.length, found.offset - at);
    for (let i = 0; i < upto; i++) {
      if (b[i] === 10) { if (!(i === 0 ? crBefore : b[i - 1] === 13)) line++; } else if (b[i] === 13) line++;
    }
    crBefore = b[b.length - 1] === 13;
    at += b.length;
    if (at >= found.offset) break;
  }
  return { ...found, line };
}

/**
 * Whether a line of the (decoded) file ends with one of `endings` (byte strings, each a delimiter and what follows
 * it), right before an LF, a CR or the file's end: a cheap sign that a record may end with fields DuckDB drops
 * (validate-file.ts wideRecordScan). Reads the whole file once, stopping at the first such line end; 100–260 ms
 * per 106 MB of 3M lines (measured alone, stop 47). Decoding errors reject.
 * `long`: the file's long lines measured on the way (complete unless such a line end stopped the read).
 */
export async function endsLineWith(path: string, codec: Codec, endings: readonly Buffer[], spacesAfter = false, long?: LongLines): Promise<boolean> {
  const longest = Math.max(0, ...endings.map((e) => e.length));
  // Compared from the end, byte by byte, after a look at the last byte: most lines end otherwise (Buffer.compare per
  // ending cost 1.6 s per 3M lines).
  const lastBytes = new Uint8Array(256);
  for (const e of endings) if (e.length) lastBytes[e[e.length - 1]!] = 1;
  const endsWith = (b: Buffer, end: number) => {
    let at = end;
    if (spacesAfter) while (at > 0 && b[at - 1] === 32) at--; // (at a chunk's start: the carry holds the line's last bytes)
    if (at === 0 || !lastBytes[b[at - 1]!]) return false;
    for (const e of endings) {
      let j = e.length;
      if (at < j) continue;
      while (j > 0 && e[j - 1] === b[at - e.length + j - 1]) j--;
      if (j === 0) return true;
    }
    return false;
  };
  let carry: Buffer = Buffer.alloc(0);
  const stream = openDecoded(path, codec);
  try {
    for await (const chunk of stream) {
      long?.block(chunk as Buffer);
      // The last bytes of the chunk before, so that an ending split across two chunks is seen whole.
      const b = carry.length ? Buffer.concat([carry, chunk as Buffer]) : chunk as Buffer;
      const from = carry.length;
      for (let i = b.indexOf(10, from); i >= 0; i = b.indexOf(10, i + 1)) {
        const at = b[i - 1] === 13 ? i - 1 : i;
        // (endsWith looks at the last byte first too; the same look here saves a call for most lines.)
        if ((lastBytes[b[at - 1]!] || (spacesAfter && b[at - 1] === 32)) && endsWith(b, at)) return true;
      }
      if (b.includes(13, from)) for (let i = b.indexOf(13, from); i >= 0; i = b.indexOf(13, i + 1)) if (endsWith(b, i)) return true;
      // (And the spaces before them, which endsWith passes over.)
      let start = Math.max(0, b.length - longest - 1);
      if (spacesAfter) while (start > 0 && b[start] === 32) start--;
      carry = b.subarray(start);
    }
    long?.end();
    return endsWith(carry, carry.length);
  } finally {
    stream.destroy();
  }
}
