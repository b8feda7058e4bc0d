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
