// strata init's promise to a newcomer: the draft it writes takes its own sample. Searched for counterexamples (the
// examples of test/init-draft.test.ts each came from one found by hand): over generated CSV samples of integers, decimals of
// fixed places, dates, timestamps, booleans and free text (commas, quotes, spaces, digits, non-ASCII), with empty
// fields, under headers of any spelling, the draft checks, ingests every row of its sample without a quarantined
// row, and every value reads back from silver as the value its text denotes (its exact decimal, its day and time;
// free text as written, an empty field NULL). A column drafted as text holds its values as written and, for a typed
// kind, says why (dates that read day first and month first alike: which one, only the writer knows).
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { inferSchema, renderSchemaYaml } from '../runtime/schema/infer.ts';
import { ident } from '../core/sql/quote.ts';
import { makeLake } from './helpers/lake.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-init-prop-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A field as written in the sample, and the value it denotes in a canonical text (null: an empty field). */
interface Field { text: string; value: string | null }

/** A decimal's canonical text: no trailing zeros after the point, no point without places, no "-0" (hand-made). */
const canonDecimal = (t: string): string => {
  const neg = t.startsWith('-');
  const [i = '', f = ''] = t.replace(/^[-+]/, '').split('.');
  const int = i.replace(/^0+(?=\d)/, '');
  const frac = f.replace(/0+$/, '');
  const abs = frac ? `${int}.${frac}` : int;
  return neg && /[1-9]/.test(abs) ? `-${abs}` : abs;
};
/** A timestamp's canonical text: "YYYY-MM-DD HH:MM:SS" and its fraction without trailing zeros. */
const canonTimestamp = (t: string): string => {
  const [d, time = '00:00:00'] = t.replace('T', ' ').split(' ');
  const [hms, frac = ''] = time.split('.');
  const f = frac.replace(/0+$/, '');
  return `${d} ${hms}${f ? `.${f}` : ''}`;
};
const two = (n: number) => String(n).padStart(2, '0');
const isoDay = (i: number) => new Date(Date.UTC(1970, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

/** Columns of one kind: a generator of fields (some empty), and how silver's text of a value is made canonical. */
const kinds = {
  integer: { field: fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }).map((v): Field => ({ text: String(v), value: String(v) })), canon: (t: string) => t },
  decimal: {
    field: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.boolean(), fc.nat()).map(([places, n, neg, f]): Field => {
      const frac = String(f % 10 ** places).padStart(places, '0');
      const text = `${neg ? '-' : ''}${n}.${frac}`;
      return { text, value: canonDecimal(text) };
    }),
    canon: canonDecimal,
  },
  date: { field: fc.integer({ min: 0, max: 40_000 }).map((i): Field => ({ text: isoDay(i), value: isoDay(i) })), canon: (t: string) => t },
  timestamp: {
    field: fc.tuple(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 86_399 }), fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined })).map(([d, s, ms]): Field => {
      const text = `${isoDay(d)} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}${ms === undefined ? '' : `.${String(ms).padStart(3, '0')}`}`;
      return { text, value: canonTimestamp(text) };
    }),
    canon: canonTimestamp,
  },
  // Integers past 64 bits (ids of other systems, sums): a double would hold the nearest binary number.
  huge: { field: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((v): Field => ({ text: String(v), value: String(v) })), canon: (t: string) => canonDecimal(t) },
  // Dates written day first or month first (13/04/2025, 04/13/2025), one way per column: a sample whose every day is
  // 12 or less reads both ways, and only the writer knows which (the draft said day first: newcomer's trial, stop 49).
  dmy: { field: fc.integer({ min: 0, max: 40_000 }).map((i): Field => { const [y, m, d] = isoDay(i).split('-'); return { text: `${d}/${m}/${y}`, value: isoDay(i) }; }), canon: (t: string) => t },
  mdy: { field: fc.integer({ min: 0, max: 40_000 }).map((i): Field => { const [y, m, d] = isoDay(i).split('-'); return { text: `${m}/${d}/${y}`, value: isoDay(i) }; }), canon: (t: string) => t },
  // Codes of digits with leading zeros (postal codes, account numbers): as written.
  code: { field: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.nat({ max: 99_999 })).map(([z, v]): Field => ({ text: '0'.repeat(z) + String(v), value: '0'.repeat(z) + String(v) })), canon: (t: string) => t },
  // ISO 8601 with a T, and UTC written as Z.
  instant: {
    field: fc.tuple(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 86_399 })).map(([d, s]): Field => {
      const hms = `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
      return { text: `${isoDay(d)}T${hms}Z`, value: `${isoDay(d)} ${hms}` };
    }),
    canon: (t: string) => canonTimestamp(t.replace(/\+00(:?00)?$|Z$/, '')),
  },
  boolean: { field: fc.tuple(fc.boolean(), fc.constantFrom('lower', 'upper', 'title')).map(([b, c]): Field => {
    const t = String(b);
    return { text: c === 'upper' ? t.toUpperCase() : c === 'title' ? t[0]!.toUpperCase() + t.slice(1) : t, value: t };
  }), canon: (t: string) => t.toLowerCase() },
  text: {
    // Free text that is no number, date or boolean: a letter first; then anything a CSV field can hold.
    field: fc.tuple(fc.constantFrom('a', 'Z', 'é', 'x'), fc.string({ unit: fc.constantFrom('a', 'b', '7', '0', ' ', ',', '"', ';', '€', 'é', '-', '.', ':', '\n', '\t'), maxLength: 12 }))
      .map(([first, rest]): Field => ({ text: first + rest, value: first + rest })),
    canon: (t: string) => t,
  },
} as const;
type Kind = keyof typeof kinds;

/** A field as CSV writes it: quoted when it holds the delimiter, a quote, a line end or spaces at either end. */
const csvField = (f: Field, delimiter: string): string => (f.value === null ? ''
  : f.text.includes(delimiter) || /["\n]|^\s|\s$/.test(f.text) ? `"${f.text.replaceAll('"', '""')}"` : f.text);

const sample = fc.record({
  kinds: fc.array(fc.constantFrom(...(Object.keys(kinds) as Kind[])), { minLength: 1, maxLength: 5 }),
  rows: fc.integer({ min: 2, max: 25 }),
  // A comma, or what a spreadsheet set to a decimal comma writes (a semicolon, and 3,25), a tab or a bar.
  dialect: fc.constantFrom({ delimiter: ',', comma: false }, { delimiter: ';', comma: true }, { delimiter: ';', comma: false }, { delimiter: '\t', comma: false }, { delimiter: '|', comma: false }),
  // Headers of one spelling, of any spelling, and of names that differ only by case (Price, price: newcomer's trial, stop 49).
  names: fc.constantFrom(['n', 'c1', 'c2', 'c3', 'c4', 'c5'], ['#', 'Order ID', 'prix €', 'a-b', 'Sale Date', 'x'], ['n', 'Price', 'price', 'Total', 'total', 'TOTAL']),
}).chain((s) => fc.record({
  kinds: fc.constant(s.kinds),
  dialect: fc.constant(s.dialect),
  names: fc.constant(s.names),
  // Each column's fields; an empty field now and then (never in every row: a column of nothing has no type to draft).
  columns: fc.tuple(...s.kinds.map((k) => fc.array(fc.option(kinds[k].field, { freq: 6, nil: undefined }), { minLength: s.rows, maxLength: s.rows })
    .map((fs) => fs.map((f): Field => f ?? { text: '', value: null }))
    .filter((fs) => fs.some((f) => f.value !== null)))),
}));

let n = 0;

describe('strata init drafts what takes its own sample', () => {
  it('property: the draft of a generated CSV sample checks, ingests every row, and reads back every value as its text denotes', async () => {
    await fc.assert(fc.asyncProperty(sample, async (s) => {
      const name = `sample${++n}`;
      // The first column numbers the rows (to read them back in order); the generated columns follow it.
      const header = [s.names[0]!, ...s.kinds.map((_, i) => s.names[i + 1]!)];
      const { delimiter, comma } = s.dialect;
      const written = (k: Kind, f: Field): Field => (comma && k === 'decimal' ? { ...f, text: f.text.replace('.', ',') } : f);
      const rows = s.columns[0]!.map((_, r) => [String(r + 1), ...s.columns.map((c, i) => csvField(written(s.kinds[i]!, c[r]!), delimiter))].join(delimiter));
      const text = `${header.map((h) => csvField({ text: h, value: h }, delimiter)).join(delimiter)}\n${rows.join('\n')}\n`;
      const file = join(dir, `${name}.csv`);
      await writeFile(file, text);
      const draft = await withDuck((db) => inferSchema(db, file, name));
      const yaml = renderSchemaYaml(draft, `${name}.csv`);
      const lake = await makeLake({ [name]: yaml }); // throws on a draft that does not check
      try {
        const { record } = await lake.ingest(name, await lake.file(`${name}.csv`, text));
        expect({ status: record.status, rowsIn: record.rowsIn, rowsValid: record.rowsValid, error: record.error?.message }, yaml).toEqual({ status: 'SUCCEEDED', rowsIn: s.columns[0]!.length, rowsValid: s.columns[0]!.length, error: undefined });
        const cols = draft.columns.map((c) => c.name);
        const got = await lake.query<Record<string, string | null>>(`SELECT ${cols.map((c, i) => `CAST(${ident(c)} AS VARCHAR) AS c${i}`).join(', ')} FROM silver.${ident(name)} ORDER BY CAST(${ident(cols[0]!)} AS BIGINT)`);
        // A column drafted as text holds its values as written; one of a typed kind drafted as text says why (a
        // note: a single decimal comma may be a thousands separator, a value strata's casts refuse).
        const asText = draft.columns.slice(1).map((c) => c.type === 'string');
        s.kinds.forEach((k, i) => {
          if (asText[i] && k !== 'text' && k !== 'code') expect(draft.columns[i + 1]!.note ?? draft.note, `${k} column drafted as text without a note\n${yaml}`).toBeTruthy();
        });
        const shown = got.map((r) => s.kinds.map((k, i) => (r[`c${i + 1}`] == null ? null : asText[i] ? r[`c${i + 1}`] : kinds[k].canon(r[`c${i + 1}`]!))));
        const want = s.columns[0]!.map((_, r) => s.columns.map((c, i) => (c[r]!.value === null ? null : asText[i] ? written(s.kinds[i]!, c[r]!).text : c[r]!.value)));
        expect(shown, yaml).toEqual(want);
      } finally {
        await lake.cleanup();
      }
    }), { numRuns: Number(process.env.RUNS ?? 25) });
  }, 240_000);
});
