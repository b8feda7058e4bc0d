// Output discipline: human text by default; with --json, JSON alone on stdout and everything else on stderr.
// Progress is drawn only on a terminal, so piped output stays clean.
import { ExactNumber } from '../runtime/engine/exact-number.ts';
import { plural, thousands } from '../core/text.ts';

export { plural, thousands };

export const out = {
  json: false,
  /** The command's result. */
  result(human: string, data: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else if (human) process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
  },
  info(text: string): void {
    if (this.json) process.stderr.write(`${text}\n`);
    else process.stdout.write(`${text}\n`);
  },
  error(text: string): void {
    process.stderr.write(`${text}\n`);
  },
  /**
   * The command failed: `name: message` (or `human`, as the command words it) and the hint on stderr; with --json, one
   * object {name, message, hint?} on stdout instead, so that a script reads every outcome from stdout. The caller
   * exits non-zero.
   */
  fail(e: Failure, human?: string): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ name: e.name, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }, null, 2)}\n`);
    else this.error(`${human ?? `${e.name}: ${e.message}`}${e.hint ? `\n${e.hint}` : ''}`);
  },
};

/** What a failed command reports: a named error (core/errors.ts names, or Strata.Usage for a wrong command line). */
export interface Failure {
  name: string;
  message: string;
  /** What to do about it, or what the engine added (DuckDB's "Did you mean", the position in the SQL). */
  hint?: string;
}

/** A wrong command line: exit 2, the message as it is and the usage as the hint. */
export class UsageError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'Strata.Usage';
    this.hint = hint;
  }
}

/** A one-line progress indicator on stderr, only when stderr is a terminal. */
export class Progress {
  private last = '';
  private readonly enabled: boolean;
  constructor(enabled = Boolean(process.stderr.isTTY) && !process.env.CI) {
    this.enabled = enabled;
  }
  update(text: string): void {
    if (!this.enabled) return;
    const line = text.length > 110 ? `${text.slice(0, 107)}...` : text;
    process.stderr.write(`\r\x1b[2K${line}`);
    this.last = line;
  }
  done(): void {
    if (this.enabled && this.last) process.stderr.write('\r\x1b[2K');
    this.last = '';
  }
}

/**
 * One value as text, exactly: numbers as their exact decimal text (ExactNumber), timestamps as ISO 8601 UTC,
 * nested values as JSON. NULL is handled by the caller (table: NULL, csv: an empty field).
 */
function cellText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v instanceof ExactNumber) return v.text;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v, jsonSafe);
  return String(v);
}

/** A value cellText writes as JSON (a struct, list or map), not as text of its own. */
const isNested = (v: unknown): boolean => typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof ExactNumber);

/** JSON.stringify replacer: bigints as their digits (JSON numbers have no size limit). */
export function jsonSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(v.toString()) : v;
}

/**
 * Text as a table cell shows it, one line that reads back as exactly that text (and never drives the terminal):
 * a backslash is `\\`, a line feed `\n`, a carriage return `\r`, a tab `\t`, any other control character `\xHH`
 * (ESC is `\x1b`), a character that shows as nothing or as a blank, or reorders or breaks the line (Unicode's
 * format characters Cf: U+200B, U+202E; separators other than the space: U+00A0, U+2028; lone surrogates) `\u{HEX}`,
 * and the text NULL is `\NULL`, apart from SQL NULL. (U+202E printed raw reversed the rest of its row, and a cell of
 * U+200B alone looked empty: an attack, stop 53.)
 */
export function cellEscape(s: string): string {
  return s === 'NULL' ? '\\NULL' : textEscape(s);
}

/** Text on one line that reads back as exactly that text: cellEscape without the NULL rule (for a column name). */
export function textEscape(s: string): string {
  return s.replace(/[\\\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t'
    : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).replace(UNSEEN, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Characters a terminal shows as nothing or a blank, or that reorder or break the line (textEscape). */
const UNSEEN = /[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/gu;

/**
 * An aligned text table. NULL shows as NULL; text is escaped to one line (cellEscape), column names too (textEscape). Every value is printed whole:
 * a column is at most 60 characters wide for alignment, and a longer value overflows its column rather than being cut.
 */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (!rows.length) return '(no rows)';
  const cols = columns ?? Object.keys(rows[0]!);
  const header = cols.map(textEscape);
  // A nested value's JSON is one line already, its strings escaped by JSON's rules: escaped again, a quote in a
  // reason showed as \\" (newcomer's trial, stop 50). Only what JSON leaves as it is (DEL and C1 controls) is escaped.
  const cell = (v: unknown): string => (v === null || v === undefined ? 'NULL' : isNested(v)
    ? cellText(v).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replace(UNSEEN, (c) => [...c].flatMap((x) => Array.from({ length: x.length }, (_, k) => x.charCodeAt(k))).map((u) => `\\u${u.toString(16).padStart(4, '0')}`).join(''))
    : cellEscape(cellText(v)));
  const body = rows.map((r) => cols.map((c) => cell(r[c])));
  // A loop, not Math.max(...cells): spreading 125,000 rows' cells as arguments overflowed the stack.
  const widths = header.map((c) => c.length);
  for (const b of body) b.forEach((s, i) => { widths[i] = Math.max(widths[i]!, s.length); });
  widths.forEach((w, i) => { widths[i] = Math.min(60, w); });
  const fmt = (cells: string[]) => cells.map((s, i) => s.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(fmt)].join('\n');
}

/**
 * RFC 4180 CSV with a header. NULL is an empty field and the empty string is "" (quoted), so the two stay apart
 * (PostgreSQL's COPY … CSV convention); a field is quoted when it holds a comma, a quote or a line break, a column
 * name in the header too (a name with a comma or a line break made a header of more columns than the rows had).
 */
export function csv(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (!rows.length && !columns) return '';
  const cols = columns ?? Object.keys(rows[0]!);
  const quoted = (s: string): string => (s === '' || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const esc = (v: unknown): string => (v === null || v === undefined ? '' : quoted(cellText(v)));
  return [cols.map(quoted).join(','), ...rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\n');
}

/**
 * Rows as a JSON array of objects, as JSON.stringify(rows, jsonSafe, 2) writes it but with each object's members in
 * the order of `columns` (JSON.stringify goes by JS's key order, which puts names that read as integers first).
 */
export function jsonRows(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (!rows.length) return '[]';
  const member = (r: Record<string, unknown>, c: string) => `    ${JSON.stringify(c)}: ${(JSON.stringify(r[c] ?? null, jsonSafe, 2)).replaceAll('\n', '\n    ')}`;
  return `[\n${rows.map((r) => (columns.length ? `  {\n${columns.map((c) => member(r, c)).join(',\n')}\n  }` : '  {}')).join(',\n')}\n]`;
}

/** `word` as one word of a POSIX shell command line: as it is when it holds only safe characters, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
