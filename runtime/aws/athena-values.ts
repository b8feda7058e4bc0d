// Athena returns every value as text (VarCharValue) with the column's Trino type beside it; this turns the text
// into what DuckDB hands back locally for the same query, so results compare across engines. Types that JS
// numbers cannot hold exactly stay text: decimals always, bigints beyond 2^53.

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
