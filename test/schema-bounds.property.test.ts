// A column's min and max are values of its type (core/schema/load.ts boundOutsideType): `strata check` accepts a bound
// exactly when the engine holds it as written, for it is compared with every row at ingest. A bound it accepts that
// the engine cannot read fails every ingest on the bound and blames the file; one the engine would round compares
// rows with another value. The example tests are test/schema-load.test.ts "a min or max must be a value of the
// column's type"; this searches bound texts near each type's edges, with DuckDB as the judge.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProject } from '../core/project.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { withBinder } from '../core/sql/binder.ts';
import { str } from '../core/sql/quote.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 300);

/** The types, each with DuckDB's judgement of a text: held exactly (within years 1–9999 for days and times). */
const TYPES: Array<{ type: string; exact: (t: string) => string }> = [
  { type: 'int', exact: (t) => `TRY_CAST(${t} AS INTEGER) IS NOT NULL AND TRY_CAST(${t} AS DECIMAL(38,10)) = TRY_CAST(${t} AS INTEGER)` },
  { type: 'bigint', exact: (t) => `TRY_CAST(${t} AS BIGINT) IS NOT NULL AND TRY_CAST(${t} AS DECIMAL(38,10)) = TRY_CAST(${t} AS BIGINT)` },
  { type: '"decimal(5,2)"', exact: (t) => `TRY_CAST(${t} AS DECIMAL(5,2)) IS NOT NULL AND TRY_CAST(${t} AS DECIMAL(38,10)) = TRY_CAST(${t} AS DECIMAL(5,2))` },
  { type: 'double', exact: (t) => `isfinite(TRY_CAST(${t} AS DOUBLE))` },
  { type: 'date', exact: (t) => `TRY_CAST(${t} AS DATE) BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' AND strftime(TRY_CAST(${t} AS DATE), '%Y-%m-%d') = trim(${t})` },
];

describe('a column bound', () => {
  it('property: strata check accepts a min only when DuckDB holds it as written in the column\'s type, and every plain one it holds', async () => {
    const digits = (max: number) => fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: 1, maxLength: max });
    const number = fc.oneof(
      fc.tuple(fc.constantFrom('', '-', '+'), digits(20), fc.option(digits(4), { nil: undefined })).map(([s, w, f]) => `${s}${w}${f === undefined ? '' : `.${f}`}`),
      fc.constantFrom('2147483647', '2147483648', '-2147483648', '-2147483649', '9223372036854775807', '9223372036854775808', '999.99', '999.995', '1000',
        '-999.99', '1.005', '1.50', '.5', '5.', '.', '-', '', ' 7', '1e3', '0x10', '1_000', 'NaN', 'Infinity', '1e400'),
    );
    const day = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
        .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
      fc.constantFrom('2025-01-01x', '2025-1-1', '2025-01-01 ', '20250101', '2025-02-29', '2024-02-29'),
    );
    const cases = fc.sample(fc.tuple(fc.integer({ min: 0, max: TYPES.length - 1 }), number, day), RUNS)
      .map(([i, n, d]) => ({ ...TYPES[i]!, text: TYPES[i]!.type === 'date' ? d : n }));
    const held = await withBinder((db) => db.all<{ ok: boolean | null }>(
      `SELECT ${cases.map((c, i) => `coalesce(${c.exact(str(c.text))}, false) AS c${i}`).join(', ')}`));
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const ok = Boolean((held[0] as Record<string, unknown>)[`c${i}`]);
      const diagnostics = checkProject([{ file: 't.yaml', text: `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: a, type: ${c.type}, min: ${JSON.stringify(c.text)} }\n` }])
        .diagnostics.map(formatDiagnostic);
      // Accepted only when held; and every plain form that is held is accepted (a bound written otherwise, "5." or
      // "1e3" for an int, may be refused: it asks to be written plainly).
      const plain = c.type === 'date' ? /^\d{4}-\d{2}-\d{2}$/.test(c.text) : /^[+-]?\d+(\.\d+)?$/.test(c.text) && !(c.type.includes('int') && c.text.includes('.'));
      if (diagnostics.length === 0 ? !ok : ok && plain) wrong.push(`${c.type} min ${JSON.stringify(c.text)}: ${diagnostics.join('; ') || 'accepted'}; DuckDB ${ok ? 'holds' : 'does not hold'} it`);
    });
    expect(wrong).toEqual([]);
    // Both sides are reached for every type.
    for (const t of TYPES) {
      const mine = cases.map((c, i) => [c, Boolean((held[0] as Record<string, unknown>)[`c${i}`])] as const).filter(([c]) => c.type === t.type);
      expect({ type: t.type, held: mine.some(([, ok]) => ok), not: mine.some(([, ok]) => !ok) }).toEqual({ type: t.type, held: true, not: true });
    }
  });
});

describe('a bound or allowed value written unquoted', () => {
  // YAML reads 0.123456789012345678 as the double 0.12345678901234568 and 99999999999999.99 as …98: a decimal max was
  // another value than written, rows above it committed and rows equal to it quarantined (an attack, stop 58). What
  // strata check accepts is the value written, as DuckDB reads the text; on a string column a number YAML would read
  // otherwise (007, 1.10) is refused, not guessed.
  it('property: an accepted min, max or allowed value is the value its text denotes in the column\'s type; a string column refuses a number YAML reads otherwise', async () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: min, maxLength: max });
    const text = fc.oneof(
      fc.tuple(fc.constantFrom('', '-'), digits(1, 20), fc.option(digits(1, 19), { nil: undefined })).map(([s, w, f]) => `${s}${w}${f === undefined ? '' : `.${f}`}`),
      fc.constantFrom('0.123456789012345678', '99999999999999.99', '9007199254740993', '0.0000001', '1.10', '007', '1e2', '0x1F', '1.0e+2', '-0', '2147483647'),
    );
    const types = ['int', 'bigint', '"decimal(16,2)"', '"decimal(38,18)"', 'double', 'string'];
    const sql = (t: string) => ({ int: 'INTEGER', bigint: 'BIGINT', '"decimal(16,2)"': 'DECIMAL(16,2)', '"decimal(38,18)"': 'DECIMAL(38,18)', double: 'DOUBLE', string: 'VARCHAR' })[t]!;
    const cases = fc.sample(fc.tuple(fc.constantFrom(...types), fc.constantFrom('min', 'max', 'allowed'), text), RUNS)
      .filter(([t, k]) => !(t === 'string' && k !== 'allowed'));
    const loaded = cases.map(([type, key, t]) => {
      const value = key === 'allowed' ? `[${t}]` : t;
      const r = loadSchemaText('t.yaml', `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: a, type: ${type}, ${key}: ${value} }\n`);
      const col = r.spec?.columns[0];
      const v = col === undefined ? undefined : key === 'allowed' ? col.allowed?.[0] : col[key as 'min' | 'max'];
      return { type, key, text: t, accepted: r.spec !== undefined, as: v === undefined ? undefined : String(v), diagnostics: r.diagnostics.map((d) => d.message) };
    });
    const same = await withBinder((db) => db.all<Record<string, boolean | null>>(
      `SELECT ${loaded.map((c, i) => `TRY_CAST(${str(c.as ?? '')} AS ${sql(c.type)}) IS NOT DISTINCT FROM TRY_CAST(${str(c.text)} AS ${sql(c.type)}) AS c${i}`).join(', ')}`));
    const wrong = loaded.filter((c, i) => {
      if (!c.accepted) return c.type === 'string' && !c.diagnostics.some((m) => m.includes('to YAML, not the text written'));
      return c.type === 'string' ? c.as !== c.text : same[0]![`c${i}`] !== true;
    });
    expect(wrong).toEqual([]);
    // Both sides are reached: values accepted, and values refused (of a string column, a number YAML reads otherwise).
    expect(loaded.some((c) => c.accepted && c.type === '"decimal(38,18)"' && c.text.length > 17)).toBe(true);
    expect(loaded.some((c) => !c.accepted && c.type === 'string')).toBe(true);
  });
});
