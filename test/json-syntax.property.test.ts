// strata's own reading of where a JSON text stops being JSON (runtime/ingest/json-locate.ts firstSyntaxError), used
// where V8's JSON.parse names no position ("Unexpected token"). Searched for counterexamples against JSON.parse as
// the oracle: generated JSON values, as written and with a character inserted, deleted or replaced anywhere (the
// characters JSON is made of, and the ones DuckDB's reader takes that JSON does not). It finds an error exactly when
// JSON.parse does, at an index within the text (its end when the text ends too soon).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstSyntaxError } from '../runtime/ingest/json-locate.ts';

const parses = (t: string) => { try { JSON.parse(t); return true; } catch { return false; } };
const pieces = fc.constantFrom(',', ']', '}', '[', '{', ':', '"', '\\', ' ', '\n', '0', '1', '-', '.', 'e', 'N', 'I', 't', 'n', "'", '\u0001');

describe('firstSyntaxError', () => {
  it('property: finds an error exactly when JSON.parse does', () => {
    const edit = fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), pieces);
    fc.assert(fc.property(fc.json({ maxDepth: 3 }), fc.option(edit, { nil: undefined }), fc.constantFrom(0, 1, 2), (json, e, indent) => {
      let text = JSON.stringify(JSON.parse(json), null, indent);
      if (e) {
        const [at, kind, c] = e;
        const i = at % (text.length + 1);
        text = kind === 'insert' ? text.slice(0, i) + c + text.slice(i) : kind === 'delete' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + c + text.slice(i + 1);
      }
      const found = firstSyntaxError(text);
      expect(found === undefined, JSON.stringify(text)).toBe(parses(text));
      if (found !== undefined) expect(found).toBeLessThanOrEqual(text.length);
    }), { seed: 50, numRuns: 3000 });
  });

  it('reads a string of 15 million characters without running out of stack (an attack, stop 50: a regular expression did)', () => {
    const text = `[{"id":1,"note":"${'y'.repeat(15_000_000)}"},\n]`;
    expect(firstSyntaxError(text)).toBe(text.length - 1);
  });
});
