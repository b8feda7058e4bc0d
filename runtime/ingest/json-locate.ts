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
  } catch (e) {
    const m = /^(.*?)(?: in JSON)? at position (\d+)/.exec((e as Error).message);
    const at = m ? Number(m[2]) : /Unexpected end of JSON input/.test((e as Error).message) ? text.length : undefined;
    if (at !== undefined) return notNumber(text, at) ?? { place: placeOf(text, at), what: trailingComma(text, at) ?? (m ? m[1]! : 'the file ends inside the array') };
    // V8 names no position for an unexpected token ("[{…},\n]": a comma before "]"): found by a strict reading of
    // our own (stop 50: DuckDB's "record/value 3" was said instead). (jsonc-parser, tried first, ships its modules
    // in a form neither Node's ESM loader nor the CLI's bundle can follow.)
    const offset = firstSyntaxError(text);
    if (offset === undefined) return undefined;
    return notNumber(text, offset) ?? { place: placeOf(text, offset), what: trailingComma(text, offset) ?? (e as Error).message.replace(/,\s*(".*|\.\.\..*)$/s, '') };
  }
  return loneSurrogateProblem(text);
}

/**
 * In text valid to JavaScript, which keeps an unpaired surrogate escape in a string: the first such escape, which
 * DuckDB refuses ("no low surrogate") and no Unicode text holds (RFC 8259 §8.2); undefined when there is none.
 */
function loneSurrogateProblem(text: string): { place: TextPlace; what: string } | undefined {
  const lone = loneSurrogate(text);
  return lone === undefined ? undefined : { place: placeOf(text, lone.at), what: `the escape ${lone.escape} is half of a UTF-16 surrogate pair, with no other half beside it: no character` };
}

/** The first \uD800-\uDFFF escape inside a string of valid JSON `text` that is not one half of a pair: its index and text. */
function loneSurrogate(text: string): { at: number; escape: string } | undefined {
  if (!/\\u[dD][89a-fA-F]/.test(text)) return undefined;
  const strings = /"(?:[^"\\]|\\.)*"/g;
  for (let m = strings.exec(text); m; m = strings.exec(text)) {
    const escapes = /\\(?:u([0-9a-fA-F]{4})|.)/g;
    let high: { at: number; escape: string; end: number } | undefined;
    for (let x = escapes.exec(m[0]); x; x = escapes.exec(m[0])) {
      const code = x[1] === undefined ? -1 : parseInt(x[1], 16);
      const at = m.index + x.index;
      if (high && (code < 0xdc00 || code > 0xdfff || at !== high.end)) return high;
      if (high) { high = undefined; continue; }
      if (code >= 0xd800 && code <= 0xdbff) high = { at, escape: x[0], end: at + x[0].length };
      else if (code >= 0xdc00 && code <= 0xdfff) return { at, escape: x[0] };
    }
    if (high) return high;
  }
  return undefined;
}

/**
 * For a JSON array file (decoded from `codec`) of at most JSON_LOCATE_MAX_BYTES, the first place it is not strict
 * JSON (RFC 8259) and what is wrong there; undefined when it is, or when it is larger (DuckDB's reader alone judges
 * those, and source-relation.ts quarantines an element holding what JSON has not). DuckDB's array reader takes a comma
 * before "}" or "]" and NaN or Infinity as numbers: a file holding them was committed (stop 50). Decoding and
 * JSON.parse are native; only a file they refuse is located (locateJsonError).
 */
export async function strictJsonProblem(path: string, codec: Codec): Promise<{ place: TextPlace; what: string } | undefined> {
  const bytes = await readHead(path, codec, JSON_LOCATE_MAX_BYTES + 1);
  if (bytes.length > JSON_LOCATE_MAX_BYTES) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
    JSON.parse(text);
  } catch {
    return locateJsonError(path, codec);
  }
  return loneSurrogateProblem(text);
}

/** What is wrong at index `at` of `text` when it is a "}" or "]" after a comma (DuckDB's readers take it; JSON does not). */
function trailingComma(text: string, at: number): string | undefined {
  const closing = text[at];
  if ((closing !== ']' && closing !== '}') || !/,\s*$/.test(text.slice(Math.max(0, at - 4096), at))) return undefined;
  return `a comma before "${closing}" (JSON allows none after the last ${closing === ']' ? 'element' : 'member'})`;
}

/**
 * The index of the first character of `text` where it stops being one JSON value (RFC 8259 §2–7), or undefined when
 * it is one: the character that cannot come there, or text.length when the text ends too soon.
 */
export function firstSyntaxError(text: string): number | undefined {
  let i = 0;
  const ws = () => { while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };
  const literal = /true|false|null/y;
  const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const match = (re: RegExp) => { re.lastIndex = i; if (!re.test(text)) return false; i = re.lastIndex; return true; };
  // A string, read character by character: a regular expression over it overflowed V8's stack on a 10 MB value (an
  // attack, stop 50). Moves past it and says true, or leaves `i` and says false.
  const matchString = (): boolean => {
    let j = i + 1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x22) { i = j + 1; return true; }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[j + 1];
        if (e === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return false; j += 6; continue; }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return false;
        j += 2;
        continue;
      }
      j++;
    }
    return false;
  };
  // Containers open, innermost last: what each expects next is decided by the character read.
  const stack: Array<'{' | '['> = [];
  let expect: 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'commaOrClose' = 'value';
  for (;;) {
    ws();
    if (i >= text.length) return expect === 'commaOrClose' && stack.length === 0 ? undefined : i;
    const c = text[i]!;
    if (expect === 'commaOrClose') {
      if (stack.length === 0) return i; // text after the value
      const open = stack.at(-1)!;
      if (c === ',') { i++; expect = open === '{' ? 'key' : 'value'; continue; }
      if (c === (open === '{' ? '}' : ']')) { i++; stack.pop(); continue; }
      return i;
    }
    if (expect === 'key' || expect === 'keyOrClose') {
      if (expect === 'keyOrClose' && c === '}') { i++; stack.pop(); expect = 'commaOrClose'; continue; }
      if (c !== '"' || !matchString()) return i;
      ws();
      if (text[i] !== ':') return i;
      i++;
      expect = 'value';
      continue;
    }
    if (expect === 'valueOrClose' && c === ']') { i++; stack.pop(); expect = 'commaOrClose'; continue; }
    if (c === '{') { i++; stack.push('{'); expect = 'keyOrClose'; continue; }
    if (c === '[') { i++; stack.push('['); expect = 'valueOrClose'; continue; }
    if (c === '"' ? matchString() : match(literal) || match(number)) { expect = 'commaOrClose'; continue; }
    return i;
  }
}

/** NaN or Infinity (signed or not) at or just before index `at` of `text`: its place and what it is; else undefined. */
function notNumber(text: string, at: number): { place: TextPlace; what: string } | undefined {
  for (const from of [at - 1, at]) {
    const m = from >= 0 ? /^[-+]?(?:NaN|Infinity)/.exec(text.slice(from, from + 10)) : null;
    if (m) return { place: placeOf(text, from), what: `${m[0]} is no JSON number (JSON has no NaN or Infinity)` };
  }
  return undefined;
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
