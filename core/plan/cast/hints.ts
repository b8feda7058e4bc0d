// Why a text is not a number, as a short clause appended to "… is not an int". Evaluated only for quarantined
// rows, so clarity beats speed here. The first matching hint wins; none matching gives no clause.
import { BLANK, matches } from './sql.ts';

const SIGN = '[+-]?';
const MANTISSA = '([0-9]+[.]?[0-9]*|[.][0-9]+)';
export const EXPONENT_RE = `${BLANK}${SIGN}${MANTISSA}[eE]${SIGN}[0-9]+${BLANK}`;
export const FRACTION_RE = `${BLANK}${SIGN}([0-9]+[.][0-9]*|[.][0-9]+)${BLANK}`;

/** Hints for texts that are not numbers at all in strata's grammar (separators, hexadecimal, words). */
export function numberHints(text: string): string[] {
  return [
    `WHEN ${matches(text, `${BLANK}${SIGN}[0-9]+([,_' ][0-9]+)+([.,][0-9]*)?${BLANK}`)} THEN ': it has digit separators or a decimal comma, which are not read'`,
    `WHEN ${matches(text, `${BLANK}${SIGN}0[xXbBoO][0-9a-fA-F_]+${BLANK}`)} THEN ': hexadecimal, binary and octal are not read'`,
    `WHEN ${matches(text, `(?i)${BLANK}${SIGN}(nan|inf|infinity)${BLANK}`)} THEN ': not a finite number'`,
  ];
}

/** `CASE WHEN … THEN clause … ELSE '' END` over hint lines. */
export function firstHint(hints: string[]): string {
  return hints.length ? `CASE ${hints.join(' ')} ELSE '' END` : `''`;
}
