// Athena returns every value as text (VarCharValue) with the column's Trino type beside it; this turns the text
// into what DuckDB hands back locally for the same query, so results compare across engines. Types that JS
// numbers cannot hold exactly stay text: decimals always, bigints beyond 2^53.

import { Binary32 } from '../../core/dqdl/exact.ts';

export function athenaValue(type: string, text: string | undefined): unknown {
  // A NULL has no VarCharValue at all; an empty string has VarCharValue ''.
  if (text === undefined) return null;
  switch (baseType(type)) {
    case 'tinyint': case 'smallint': case 'integer': case 'int':
      return Number(text);
    case 'bigint': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'double': case 'float': case 'real':
      return Number(text); // "NaN", "Infinity" and "-Infinity" parse too
    case 'boolean':
      return text === 'true';
    default: // decimal, varchar, char, date, time, timestamp, json, array, map, row, varbinary, …: text
      return text;
  }
}

/** "decimal(10,2)" → "decimal", "timestamp(3) with time zone" → "timestamp". */
function baseType(type: string): string {
  return type.toLowerCase().trim().split(/[\s(]/)[0] ?? '';
}

/**
 * A result's rows as a DQDL rule runner hands them over (runtime/quality/evaluate-rules.ts): a REAL (Athena's FLOAT)
 * cell as the Binary32 its shortest text reads back to, so that a condition compares it with a literal as SQL does,
 * as DuckDB's runner gives a FLOAT (core/dqdl/exact.ts); every other cell as athenaValue gives it.
 */
export function metricRows(result: { columns: ReadonlyArray<{ name: string; type: string }>; rows: Array<Record<string, unknown>> }): Array<Record<string, unknown>> {
  const real = result.columns.filter((c) => ['real', 'float'].includes(baseType(c.type))).map((c) => c.name);
  if (!real.length) return result.rows;
  return result.rows.map((row) => {
    const out = { ...row };
    for (const c of real) if (typeof out[c] === 'number') out[c] = new Binary32(Math.fround(out[c] as number));
    return out;
  });
}

