// DQDL text → tokens with their character positions (the parser reports errors at them).
// Follows the lexer of awslabs/dqdl (CommonLexerRules.g4): "..." strings with \" and \\ escapes, # comments to the
// end of the line, numbers without exponents.

export type Token =
  | { t: 'str'; v: string; at: number; end: number }
  | { t: 'num'; v: number; raw: string; at: number; end: number }
  | { t: 'word'; v: string; at: number; end: number }
  | { t: 'op'; v: string; at: number; end: number }
  | { t: 'end'; at: number; end: number };

export class LexError extends Error {
  readonly at: number;
  constructor(at: number, message: string) {
    super(message);
    this.at = at;
  }
}

const OPS = ['>=', '<=', '!=', '=', '>', '<', '!', '(', ')', '[', ']', ',', '+', '-', '*', '/', '$'];

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        // Only \" and \\ are escapes (as in the DQDL grammar); any other backslash is kept (regexes need it).
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) { v += text[j + 1]; j++; continue; }
        v += text[j];
      }
      if (j >= text.length) throw new LexError(i, 'this string has no closing "');
      out.push({ t: 'str', v, at: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const rest = text.slice(i);
    const num = /^\d+(\.\d+)?/.exec(rest);
    if (num) {
      out.push({ t: 'num', v: Number(num[0]), raw: num[0], at: i, end: i + num[0].length });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (word) {
      out.push({ t: 'word', v: word[0], at: i, end: i + word[0].length });
      i += word[0].length;
      continue;
    }
    if (rest.startsWith('<>')) throw new LexError(i, 'use != for "not equal"');
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      out.push({ t: 'op', v: op, at: i, end: i + op.length });
      i += op.length;
      continue;
    }
    throw new LexError(i, `unexpected character "${c}"`);
  }
  out.push({ t: 'end', at: text.length, end: text.length });
  return out;
}

/** Offset in `text` of character `index` of the value of the string token that starts at `at` (\" and \\ are two). */
export function rawOffset(text: string, at: number, index: number): number {
  let j = at + 1;
  for (let k = 0; k < index && j < text.length; k++) j += text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\') ? 2 : 1;
  return j;
}
