// Where a JSON array file stops being valid JSON, as a line and a column of the file. DuckDB's error names an element
// by a count that is not the element's (it said record/value 1008 for the 1,007th) and a byte within it, which no
// editor shows; a JSON array is one document, so a single bad byte refuses the whole file, and its author needs the
// place to fix it (an attack, stop 44).
import type { Codec } from './file-head.ts';
import { openDecoded, readHead } from './file-head.ts';

/** Where in a file, 1-based: its line, and the column as characters (Unicode code points) from the line's start. */
export interface TextPlace {
  line: number;
  column: number;
}

/**
 * Files up to this size (decoded, bytes) are parsed in JavaScript to find a syntax error; larger ones are not: the
 * parsed values take several times the text in the function's heap, beside DuckDB's memory.
 */
export const JSON_LOCATE_MAX_BYTES = 16 * 2 ** 20;

/**
 * The first place a JSON file (decoded from `codec`) is not valid, and what is wrong there, or undefined when
 * strata finds nothing wrong (JavaScript's JSON.parse accepts what DuckDB refused) or the file is over
 * JSON_LOCATE_MAX_BYTES and its bytes are valid UTF-8.
 * Invalid UTF-8 is found by the rules of RFC 3629 §4 (no overlong forms, no surrogates, nothing above U+10FFFF) over
 * the whole file, streamed; a syntax error by JSON.parse (RFC 8259) on files of at most JSON_LOCATE_MAX_BYTES.
 */
export async function locateJsonError(path: string, codec: Codec): Promise<{ place: TextPlace; what: string } | undefined> {
  const bad = await firstInvalidUtf8(path, codec);
  if (bad) return { place: bad.place, what: `invalid UTF-8 (byte 0x${bad.byte.toString(16).toUpperCase().padStart(2, '0')})` };
  const bytes = await readHead(path, codec, JSON_LOCATE_MAX_BYTES + 1);
  if (bytes.length > JSON_LOCATE_MAX_BYTES) return undefined;
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const m = /^(.*?)(?: in JSON)? at position (\d+)/.exec((e as Error).message);
    const at = m ? Number(m[2]) : /Unexpected end of JSON input/.test((e as Error).message) ? text.length : undefined;
    if (at === undefined) return undefined;
    return { place: placeOf(text, at), what: m ? m[1]! : 'the file ends inside the array' };
  }
}

/** Line and column of the UTF-16 index `at` of `text`. */
function placeOf(text: string, at: number): TextPlace {
  const before = text.slice(0, at);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}

/** The first invalid UTF-8 sequence of the decoded file: its place and its first byte; undefined when there is none. */
async function firstInvalidUtf8(path: string, codec: Codec): Promise<{ place: TextPlace; byte: number } | undefined> {
  let line = 1;
  let column = 0;
  /** Continuation bytes still expected, and the range the next one must be in (RFC 3629 §4). */
  let need = 0;
  let lo = 0x80;
  let hi = 0xbf;
  let lead = 0;
  let leadPlace: TextPlace = { line: 1, column: 1 };
  let first = true;
  const stream = openDecoded(path, codec);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // A byte-order mark is no column of the first line.
      const bom = first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
      first = false;
      for (let i = bom ? 3 : 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (need > 0) {
          if (c < lo || c > hi) return { place: leadPlace, byte: lead };
          need--;
          lo = 0x80;
          hi = 0xbf;
          continue;
        }
        column++;
        if (c < 0x80) {
          if (c === 10) { line++; column = 0; }
          continue;
        }
        lead = c;
        leadPlace = { line, column };
        if (c >= 0xc2 && c <= 0xdf) need = 1;
        else if (c >= 0xe0 && c <= 0xef) { need = 2; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; } else if (c >= 0xf0 && c <= 0xf4) { need = 3; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; } else return { place: leadPlace, byte: c };
      }
    }
  } finally {
    stream.destroy();
  }
  return need > 0 ? { place: leadPlace, byte: lead } : undefined;
}
