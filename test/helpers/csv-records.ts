// Generated CSV records for property tests: field texts made of the bytes that matter to a CSV reader (quotes,
// commas, CR, LF, CRLF, spaces, non-ASCII), quoted when they must be or when the generator says so, and the file
// written from them by hand (RFC 4180), so that expectations are the generated fields, never a production parse.
import fc from 'fast-check';

export interface Field { v: string; quote: boolean }

/** A field's text: non-empty (an empty field is NULL in CSV, another contract). */
export const fieldText = fc.array(fc.constantFrom('x', 'é', ' ', ',', '"', '\r', '\n', '\r\n'), { minLength: 1, maxLength: 5 }).map((p) => p.join(''));
export const field: fc.Arbitrary<Field> = fc.record({ v: fieldText, quote: fc.boolean() });

export const csvField = (f: Field) => (f.quote || /[",\r\n]/.test(f.v) ? `"${f.v.replace(/"/g, '""')}"` : f.v);
