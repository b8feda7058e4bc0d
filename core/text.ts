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

/**
 * A ratio (0.0996) as a percentage written exactly ("9.96%"): the shortest decimal that reads back as `x`
 * (JavaScript's own, as `String(x)` writes it), its point moved two places: 0.1 → "10%", 4e-7 → "0.00004%",
 * 1 → "100%". For figures a user wrote (rejects.maxRatio), which the one-decimal form misstated: 0.0996 showed as
 * "10.0%" and 4e-7 as "0.0%" (an attack, stop 58). Finite numbers only.
 */
export function exactPercent(x: number): string {
  if (x === 0) return '0%';
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential())!;
  const digits = m[2]! + (m[3] ?? '');
  const point = Number(m[4]) + 3; // digits before the point, of x × 100
  const text = point <= 0 ? `0.${'0'.repeat(-point)}${digits}`
    : point >= digits.length ? digits + '0'.repeat(point - digits.length)
    : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${m[1]}${text}%`;
}

/**
 * A measured ratio (rows quarantined ÷ rows in) as a percentage rounded to one decimal (three below 0.1%), with more
 * decimals, up to six, while the rounded figure would read as `limit` (exactPercent's) that the ratio is not: "10.0%"
 * of 1,001 rows in 10,001 against a limit of 10% is "10.01%". Shown beside the counts it comes from.
 */
export function roundedPercent(x: number, limit?: number): string {
  let places = x > 0 && x < 0.001 ? 3 : 1;
  while (places < 6 && limit !== undefined && x !== limit && Number((x * 100).toFixed(places)) === Number(exactPercent(limit).slice(0, -1))) places++;
  return `${(x * 100).toFixed(places)}%`;
}
