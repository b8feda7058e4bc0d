// Which days exist is asked in two places before any data is read: a DQDL date literal (core/dqdl/parse.ts) and a
// schema's date or timestamp bound (strata check, core/schema/load.ts). Both must agree with DuckDB, which reads the
// data, within the years 1–9999 every engine and strata's casts hold (core/plan/cast/temporal.ts): a day refused
// there would refuse a valid rule or bound, and a day accepted there that DuckDB does not hold would fail every ingest
// on the bound, blaming the file.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRule } from '../core/dqdl/parse.ts';
import { checkProject } from '../core/project.ts';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { withBinder } from '../core/sql/binder.ts';

const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 200);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('calendar days, as DuckDB holds them', () => {
  it('property: a DQDL date literal and a date bound are accepted exactly when DuckDB holds that day, in years 1–9999', async () => {
    // Years near the ends and around 100 (Date.UTC reads 0–99 as 1900–1999), months and days just out of range too.
    const year = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 9999 }), fc.constantFrom(1600, 1900, 2000, 2024, 2100, 9999));
    const day = fc.record({ y: year, m: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }) });
    const days = await fc.sample(day, RUNS);
    const text = days.map(({ y, m, d }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
    const held = await withBinder((db) => db.all<{ ok: boolean }>(
      `SELECT coalesce(TRY_CAST(s AS DATE) BETWEEN DATE '0001-01-01' AND DATE '9999-12-31' AND strftime(TRY_CAST(s AS DATE), '%Y-%m-%d') = s, false) AS ok FROM unnest([${text.map((t) => `'${t}'`).join(', ')}]) WITH ORDINALITY u(s, i) ORDER BY i`));
    const bound = (t: string) => checkProject([{ file: 't.yaml', text: `dataset: t\nsource: { format: csv }\ncolumns:\n  - { name: a, type: date, min: "${t}" }\n  - { name: b, type: timestamp, max: "${t} 23:59:59" }\n` }])
      .diagnostics.map(formatDiagnostic);
    const rule = (t: string) => !parseRule(`ColumnValues "a" > "${t}"`).error;
    const wrong = text.flatMap((t, i) => {
      const ok = held[i]!.ok;
      const out: string[] = [];
      if (rule(t) !== ok) out.push(`DQDL ${t}: ${rule(t) ? 'accepted' : 'refused'}, DuckDB ${ok ? 'holds' : 'does not hold'} it`);
      const b = bound(t);
      if ((b.length === 0) !== ok) out.push(`bound ${t}: ${b.join('; ') || 'accepted'}, DuckDB ${ok ? 'holds' : 'does not hold'} it`);
      return out;
    });
    expect(wrong).toEqual([]);
    // The generator reaches both sides, and the years Date.UTC misreads.
    expect(held.filter((h) => h.ok).length).toBeGreaterThan(RUNS / 4);
    expect(held.filter((h) => !h.ok).length).toBeGreaterThan(RUNS / 20);
    expect(days.some(({ y, m, d }, i) => y >= 1 && y < 100 && held[i]!.ok && m > 0 && d > 0)).toBe(true);
  });
});
