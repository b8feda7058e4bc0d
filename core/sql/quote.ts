// Quoting for identifiers and literals. DuckDB and Trino share ANSI rules here: "ident" and 'literal'.

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function str(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A SQL literal for a JSON-ish scalar. */
export function literal(value: string | number | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return str(value);
}

/** A list literal usable in IN (...). */
export function inList(values: ReadonlyArray<string | number | boolean>): string {
  return values.map((v) => literal(v)).join(', ');
}
