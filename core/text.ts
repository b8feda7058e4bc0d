// Counts in the words of messages, shared by the CLI and the runtime's messages (strata doctor, errors): "1 file",
// "3,000,000 rows", never "file(s)". Pure.

/**
 * `n` with its digits grouped in threes by commas, as `n.toLocaleString('en-US')` writes it ("3,000,000"), without
 * ICU: the first `toLocaleString` of a process loads its number formatting data, about 20 ms of every command that
 * prints a count. Safe integers only; any other number is left to `toLocaleString`.
 */
export function thousands(n: number): string {
  return Number.isSafeInteger(n) && !Object.is(n, -0) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US');
}

/** `n` and `word`, in the plural (`many`, default word + s) unless n is 1: plural(1, 'file') is "1 file", plural(3000, 'row') "3,000 rows". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${thousands(n)} ${n === 1 ? word : many}`;
}

/**
 * A field's name as a lower_snake_case column name (what a schema's `name` takes): words apart by _ ("Order ID",
 * "OrderId": order_id), a name not starting with a letter prefixed c_, at most 120 characters. strata init names its
 * draft's columns so; strata check suggests it for a misspelt name.
 */
export function snakeCase(name: string): string {
  const s = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  const safe = /^[a-z]/.test(s) ? s : `c_${s}`;
  return safe.slice(0, 120) || 'column';
}
