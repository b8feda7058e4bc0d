// How the CLI writes counts (digits grouped as en-US does, without loading ICU's number formatting) and the words of
// the commands it suggests (cli/output.ts).
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellEscape, plural, shellWord, table, thousands } from '../cli/output.ts';

describe('thousands', () => {
  it('property: writes every number as toLocaleString(\'en-US\') does', () => {
    const numbers = fc.oneof(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.double(),
      fc.constantFrom(0, -0, 999, 1000, -1000, 2 ** 53, -(2 ** 53), 1e21, Number.NaN, Number.POSITIVE_INFINITY),
    );
    fc.assert(fc.property(numbers, (n) => { expect(thousands(n)).toBe(n.toLocaleString('en-US')); }), { numRuns: 2000 });
  });

  it('counts in the run summary: 3,000,000 rows, 1 row, 182 partitions', () => {
    expect(plural(3_000_000, 'row')).toBe('3,000,000 rows');
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(182, 'partition')).toBe('182 partitions');
  });
});

describe('shellWord', () => {
  it('property: a POSIX shell reads any string (without NUL, which no argument holds) back as one word, exactly', () => {
    const words = fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.constantFrom('', "'", "a b", '$HOME', '`x`', '"', '\\', '*', '~', '-n', "it's", '.strata/demo')).map((w) => w.replaceAll('\0', '')), { minLength: 1, maxLength: 20 });
    fc.assert(fc.property(words, (ws) => {
      const printed = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${ws.map(shellWord).join(' ')}`], { encoding: 'utf8' });
      expect(printed.split('\0').slice(0, -1)).toEqual(ws);
    }), { numRuns: 150 });
  });

  it('a plain path stays as it is', () => {
    expect(shellWord('.strata/demo')).toBe('.strata/demo');
    expect(shellWord('my lake')).toBe("'my lake'");
  });
});

describe('table', () => {
  it('property: prints every value whole, however long (newcomer trial, stop 35: values over 60 characters were cut)', () => {
    const value = fc.oneof(fc.string(), fc.string({ minLength: 61, maxLength: 200 })).filter((v) => !v.includes('\n') && v.trim() === v);
    fc.assert(fc.property(fc.array(fc.record({ a: value, b: value }), { minLength: 1, maxLength: 5 }), (rows) => {
      const lines = table(rows).split('\n').slice(2);
      rows.forEach((r, i) => {
        expect(lines[i]!.startsWith(cellEscape(r.a))).toBe(true);
        expect(lines[i]!.endsWith(cellEscape(r.b))).toBe(true);
      });
    }), { numRuns: 300 });
  });

  it('property: each cell reads back as exactly its value: control characters, backslashes, NULL against the text NULL (attack, stop 38: a line feed and the two characters \\n printed alike, as did NULL and \'NULL\', and ESC reached the terminal)', () => {
    const unescape = (cell: string): string | null => (cell === 'NULL' ? null : cell === '\\NULL' ? 'NULL'
      : cell.replace(/\\(\\|n|r|t|x[0-9a-f]{2}|u\{[0-9a-f]+\})/g, (_, e: string) => (e === '\\' ? '\\' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t'
        : e.startsWith('u') ? String.fromCodePoint(parseInt(e.slice(2, -1), 16)) : String.fromCharCode(parseInt(e.slice(1), 16)))));
    // (Characters that show as nothing or a blank, or reorder or break the line: an attack, stop 53.)
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('NULL', '\\NULL', '\\n', '\n', '\x1b[31mred', '\\x1b', 'a\\', '\u0085', 'a\u202Eb', '\u200B', 'x\u00A0y', 'p\u2028q', 'a\uD800b', '\\u{200b}'))
      .filter((v) => v.trimEnd() === v && !v.startsWith(' ')); // the table aligns with blanks: a value's own outer blanks are not told apart
    fc.assert(fc.property(fc.array(fc.option(text, { nil: null }), { minLength: 1, maxLength: 6 }), (values) => {
      const lines = table(values.map((a) => ({ a }))).split('\n');
      expect(lines.length).toBe(values.length + 2);
      expect(lines.slice(2).map(unescape)).toEqual(values);
      expect(lines.join('').match(/[\u0000-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/u)).toBeNull();
    }), { numRuns: 500 });
  });

  it('property: a nested value (struct, list) is one line of JSON that parses back as exactly it, escaped once (newcomer\'s trial, stop 50: a quote in a quarantine reason showed as \\\\")', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', 'a"b\\c', '\n', '\u007f', '\u0085', 'a\u202Eb', '\u2028', '\uDC00'));
    const nested = fc.oneof(fc.array(text, { maxLength: 3 }), fc.record({ message: text, value: fc.option(text, { nil: null }) }));
    fc.assert(fc.property(fc.array(nested, { minLength: 1, maxLength: 4 }), (values) => {
      const lines = table(values.map((a) => ({ a }))).split('\n').slice(2);
      expect(lines.map((l) => JSON.parse(l.trimEnd()))).toEqual(values);
      expect(lines.join('').match(/[\u0000-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/u)).toBeNull();
    }), { numRuns: 300 });
  });
});
