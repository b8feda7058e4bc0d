// Engine errors of user-written SQL go into run records, metrics and the state machine's payload. They must not
// carry values read from outside what the statement itself says: an error raised while reading rows (a cast that
// fails, an overflow) quotes the offending value, and that value could come from anywhere the statement read. So
// every quoted span and number that the statement's text does not contain is left out, and the line is capped.
// Parser, binder and catalog errors come from the SQL and the schema alone, before a row is read: kept as they are.
import { engineMessage, isStrataError } from '../errors.ts';

/** Longest message kept (characters). */
export const MESSAGE_MAX = 300;

/** The first line of an engine error, without values the statement `sql` does not itself contain. */
export function userSqlMessage(e: unknown, sql: string): string {
  const raw = e instanceof Error ? e.message : String(e);
  const first = engineMessage(e);
  // strata's own errors (a statement stopped past its time budget) say nothing read from data.
  const text = isStrataError(e) || /^(Parser|Binder|Catalog) Error: /.test(raw) ? first : withoutValues(first, sql);
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text;
}

/** `message` with every quoted span and number that `said` does not contain replaced by "…". */
export function withoutValues(message: string, said: string): string {
  return message
    .replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, (m) => (said.includes(m.slice(1, -1)) ? m : `${m[0]}…${m[0]}`))
    .replace(/(?<![\w.…])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi, (m) => (said.includes(m) ? m : '…'));
}
