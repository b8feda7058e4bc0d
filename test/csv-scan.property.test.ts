// The CSV scanner (runtime/ingest/csv-scan.ts), the one state machine behind record lines and CRLF rewriting:
// hand-worked examples, and a property: however a file is cut into chunks, the scanner reports the same line ends
// and record starts at the same places (a "" or a CRLF split across two chunks included).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvScanner } from '../runtime/ingest/csv-scan.ts';
import { skippedLinesEnd } from '../runtime/ingest/file-head.ts';

type Dialect = { delimiter: string; quote: string; escape: string; skipRows: number };
type Event = [at: number, what: string];

/** Every event of a scan of `text` cut at `cuts`, as [absolute position, what]. */
function events(text: string, dialect: Dialect, cuts: number[] = []): Event[] {
  const bytes = Buffer.from(text, 'latin1');
  const scanner = new CsvScanner(dialect);
  const out: Event[] = [];
  const bounds = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const from = bounds[k]!;
    scanner.scan(bytes.subarray(from, bounds[k + 1]), {
      lineEnd: (i, kind, quoted, skipped) => out.push([from + i, `${kind}${quoted ? ' quoted' : ''}${skipped ? ' skipped' : ''}`]),
      recordStart: (i) => out.push([from + i, 'record']),
    });
  }
  return out;
}

const csv: Dialect = { delimiter: ',', quote: '"', escape: '"', skipRows: 0 };

describe('CsvScanner', () => {
  it('records, quoted line ends, a doubled quote and blank lines, worked by hand', () => {
    //            0         1          2
    //            0123 4 5 67 8 9 0123456789 0
    const text = 'a,"x\r\ny",b\r\n\r\n"p""q"\n';
    expect(events(text, csv)).toEqual([
      [0, 'record'],
      [4, 'cr quoted'], [5, 'crlf quoted'], // inside "x\r\ny": part of the value
      [10, 'cr'], [11, 'crlf'],
      [12, 'cr'], [13, 'crlf'], // a blank line: no record
      [14, 'record'],
      [20, 'lf'], // "p""q" closes at its last quote: "" is a literal quote
    ]);
  });

  it('a quote opens only at a field\'s start; the escape makes the next byte literal, a line end too', () => {
    expect(events('ab"c\nd\n', csv)).toEqual([[0, 'record'], [4, 'lf'], [5, 'record'], [6, 'lf']]);
    const backslash = { ...csv, escape: '\\' };
    // "a\"b\<LF>c" is one field: \" and \<LF> are literal.
    expect(events('"a\\"b\\\nc"\nz\n', backslash)).toEqual([[0, 'record'], [6, 'lf quoted'], [9, 'lf'], [10, 'record'], [11, 'lf']]);
  });

  it('one space before a quote still opens a quoted field (as DuckDB reads it); two spaces or a tab do not', () => {
    expect(events('1, "a\nb"\n', csv)).toEqual([[0, 'record'], [5, 'lf quoted'], [8, 'lf']]);
    expect(events(' "a\nb",c\n', csv)).toEqual([[0, 'record'], [3, 'lf quoted'], [8, 'lf']]);
    expect(events('1,  "a\nb"\n', csv)).toEqual([[0, 'record'], [6, 'lf'], [7, 'record'], [9, 'lf']]);
    expect(events('1,\t"a\nb"\n', csv)).toEqual([[0, 'record'], [5, 'lf'], [6, 'record'], [8, 'lf']]);
  });

  it('a BOM at the file\'s start is no record, even cut between chunks; bytes that only begin like one are a record', () => {
    for (const cuts of [[], [1], [2], [1, 2], [3]]) expect(events('\xEF\xBB\xBF\na\n', csv, cuts)).toEqual([[3, 'lf'], [4, 'record'], [5, 'lf']]);
    for (const cuts of [[], [1], [2]]) expect(events('\xEF\xBBx\n', csv, cuts)).toEqual([[0, 'record'], [3, 'lf']]);
    expect(events('a\xEF\xBB\xBF\n', csv)).toEqual([[0, 'record'], [4, 'lf']]); // not at the start: bytes of a field
  });

  it('skipped lines are not parsed: a quote in them opens nothing', () => {
    expect(events('"x\r\ny\nz\n', { ...csv, skipRows: 1 })).toEqual([[2, 'cr skipped'], [3, 'crlf skipped'], [4, 'record'], [5, 'lf'], [6, 'record'], [7, 'lf']]);
  });

  it('property: the skipped lines end where file-head.ts skippedLinesEnd says, the one count of skipped lines', () => {
    // Three readers once counted skipped lines three ways (LF only, CR too) and lost a file's rows (stop 44).
    const text = fc.array(fc.constantFrom('a', ',', '"', '\r', '\n', '\r\n'), { maxLength: 30 }).map((parts) => parts.join(''));
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), text, (skipRows, t) => {
      const ends = events(t, { ...csv, skipRows }).filter(([, what]) => what.endsWith('skipped')).map(([at]) => at);
      // The scanner reports a CRLF's CR and its LF; the lines end after the last of them.
      const scanned = ends.length && new Set(ends.map((at) => (t[at] === '\n' && t[at - 1] === '\r' ? at - 1 : at))).size === skipRows ? ends.at(-1)! + 1 : undefined;
      expect(skippedLinesEnd(Buffer.from(t, 'latin1'), skipRows)).toBe(scanned);
    }), { numRuns: 2000 });
  });

  it('property: a delimiter of two bytes (÷, C3 B7) scans as a one-byte one, however cut; B7 after another byte (·, C2 B7) is data (an attack, stop 46: ÷ was taken as one byte, and no quote after it opened a field)', () => {
    // The same text with ÷ written as "x," (two bytes, the delimiter last) and · as "yy": every event at the same place.
    const parts = fc.array(fc.constantFrom('a', '\xC3\xB7', '\xC2\xB7', '\xC3', '"', '""', '\r', '\n', '\r\n'), { maxLength: 40 }).map((p) => p.join(''));
    fc.assert(fc.property(parts, fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 8 }), (t, cuts) => {
      const divided = { delimiter: '÷', quote: '"', escape: '"', skipRows: 0 };
      const plain = t.replaceAll('\xC3\xB7', 'x,').replaceAll('\xC2\xB7', 'yy');
      expect(events(t, divided, cuts)).toEqual(events(plain, { ...divided, delimiter: ',' }));
    }), { numRuns: 2000 });
  });

  it('property: the same events however the bytes are cut into chunks', () => {
    const dialect = fc.record({
      delimiter: fc.constant(','), quote: fc.constant('"'), escape: fc.constantFrom('"', '\\'), skipRows: fc.integer({ min: 0, max: 2 }),
    });
    const text = fc.array(fc.constantFrom('a', ',', '"', '""', '\\', '\r', '\n', '\r\n'), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(fc.property(dialect, text, fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 8 }), (d, t, cuts) => {
      expect(events(t, d, cuts)).toEqual(events(t, d));
    }), { numRuns: 2000 });
  });
});
