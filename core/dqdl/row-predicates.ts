// Row-level rules as SQL predicates: TRUE when a row passes. A row whose predicate is NULL or FALSE fails, which is
// how DQDL's NULL rule falls out: "for all ColumnValues rules other than != and not in, NULL rows fail".
//
// ColumnValues  each value against the condition (numbers, strings with NULL/EMPTY/WHITESPACES_ONLY, dates, now())
// ColumnLength  length of each value, NULL counting as length 0
// DataFreshness age of each value (now − value) against a duration; NULL fails
import type { Condition, Operand } from './ast.ts';
import { isNumericType, isTemporalType, type ResolvedColumn } from './columns.ts';
import { dateLiteral, timestampLiteral, type SqlDialect } from './dialect.ts';
import { numberText, resolveNumber } from './dynamic.ts';
import { plainLiteral } from './exact.ts';
import { str } from '../sql/quote.ts';

export class PredicateError extends Error {}

// Java's \s (Glue Data Quality runs on Spark), spelled out: RE2's \s (DuckDB) leaves out the vertical tab, Java's
// (Athena's Trino) has it, so one value passed on Athena and failed on DuckDB (an attack, stop 50).
const WHITESPACE = '[ \\t\\n\\x0B\\f\\r]+';

/** The instants a lake timestamp holds (0001-01-01 to 9999-12-31, UTC, milliseconds). */
const FIRST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An instant a rule computes (now() ± a duration, now() − an age), checked: outside the years 1–9999 no timestamp
 * holds it, and the rule is an error of its own (PredicateError), where a far-off offset threw a JavaScript
 * "Invalid time value" out of strata check and every ingest of the dataset (an attack, stop 50).
 */
function instant(ms: number, what: string): number {
  if (!(ms >= FIRST_MS && ms <= LAST_MS)) throw new PredicateError(`${what} falls outside the years 1 to 9999, which no timestamp holds: use a shorter duration`);
  return ms;
}

export function columnValuesPredicate(col: ResolvedColumn, c: Condition, d: SqlDialect, nowMs: number): string {
  const operands = c.kind === 'compare' ? [c.operand] : c.kind === 'between' ? [c.low, c.high] : c.kind === 'in' ? c.operands : [];
  const kinds = new Set(operands.map((o) => (o.kind === 'keyword' ? (o.value === 'NULL' ? 'null' : 'string') : o.kind)));
  kinds.delete('null');
  const t = col.type;
  const isNumbers = kinds.has('number');
  // A "YYYY-MM-DD" literal is a date for date and timestamp columns, and just a string for string columns.
  const isDates = kinds.has('now') || (kinds.has('date') && (isTemporalType(t) || !t));
  const isStrings = kinds.has('string') || kinds.has('date') || c.kind === 'matches';
  const typeName = t ? (t.name === 'decimal' ? `decimal(${t.precision},${t.scale})` : t.name) : 'unknown';

  let lhs = col.sql;
  let lit: (o: Operand) => string;
  /** A timestamp column compared with days: the bounds of a day's instants [start, next), see `days` below. */
  /** start: the day's midnight; after(x) / notAfter(x): x from the next midnight on / before it (the last day has none). */
  let days: ((o: Operand) => { start: string; after: (x: string) => string; notAfter: (x: string) => string }) | undefined;
  if (isNumbers) {
    if (!isNumericType(t)) throw new PredicateError(`ColumnValues compares numbers, but "${col.name}" is a ${typeName} column`);
    lit = (o) => numberLiteral(o);
  } else if (isDates) {
    if (!isTemporalType(t)) throw new PredicateError(`ColumnValues compares dates, but "${col.name}" is a ${typeName} column`);
    // A "YYYY-MM-DD" literal is a day: a timestamp column is compared by its day. now() is an instant: a timestamp
    // column is compared exactly, a date column with the day of that instant.
    const instants = kinds.has('now');
    // (A date literal beside now() is a day all the same: compared by its day's bounds, operand by operand, below;
    // before, it became its midnight when now() was in the same condition, so adding an allowed value to an `in`
    // list failed a row that had passed: an attack, stop 50.)
    if (t!.name === 'timestamp') {
      if (!instants) lhs = `CAST(${col.sql} AS DATE)`;
      // Compared and ranged, the column's day is compared without a cast per row: its day is after d when the value
      // is at or after the next day's midnight, on or before d when it is before that midnight (and so on), which
      // reads the timestamps as they are stored.
      days = (o) => {
        if (o.kind !== 'date') throw new PredicateError(`unexpected ${o.kind} among dates`);
        const start = Date.parse(`${o.value}T00:00:00Z`);
        // 9999-12-31 has no next midnight a timestamp holds (its literal, year 10000, was refused by the engine and
        // every batch halted: an attack, stop 50): after it is no instant, up to it is every one.
        const next = start + 86_400_000;
        const last = timestampLiteral(LAST_MS);
        return next > LAST_MS
          ? { start: timestampLiteral(start), after: (x) => `${x} > ${last}`, notAfter: (x) => `${x} <= ${last}` }
          : { start: timestampLiteral(start), after: (x) => `${x} >= ${timestampLiteral(next)}`, notAfter: (x) => `${x} < ${timestampLiteral(next)}` };
      };
    }
    lit = (o) => {
      if (o.kind === 'date') return dateLiteral(o.value);
      if (o.kind === 'now') {
        const at = instant(nowMs + o.offsetMs, o.text);
        return t!.name === 'timestamp' ? timestampLiteral(at) : dateLiteral(at);
      }
      throw new PredicateError(`unexpected ${o.kind} among dates`);
    };
  } else if (isStrings) {
    // Strings compare with the column's text; numbers and booleans render the same way on DuckDB and Trino.
    if (t && !['string', 'boolean', 'int', 'bigint', 'decimal'].includes(t.name)) {
      throw new PredicateError(`ColumnValues compares strings, but "${col.name}" is a ${typeName} column`);
    }
    if (t && t.name !== 'string') lhs = `CAST(${col.sql} AS VARCHAR)`;
    lit = (o) => {
      if (o.kind === 'string' || o.kind === 'date') return str(o.value);
      throw new PredicateError(`unexpected ${o.kind} among strings`);
    };
  } else {
    lit = () => { throw new PredicateError('unexpected operand'); };
  }

  const isNull = `${col.sql} IS NULL`;
  const notNull = `${col.sql} IS NOT NULL`;
  const keywordTest = (k: string): string => (k === 'EMPTY' ? `${lhs} = ''` : d.fullMatch(lhs, WHITESPACE));

  switch (c.kind) {
    case 'compare': {
      const o = c.operand;
      if (o.kind === 'keyword') {
        if (o.value === 'NULL') return c.op === '=' ? isNull : notNull;
        return c.op === '=' ? keywordTest(o.value) : `(${isNull} OR NOT ${keywordTest(o.value)})`;
      }
      if (days && o.kind === 'date') {
        const { start, after, notAfter } = days(o);
        const x = col.sql;
        switch (c.op) {
          case '=': return `(${x} >= ${start} AND ${notAfter(x)})`;
          case '!=': return `(${isNull} OR ${x} < ${start} OR ${after(x)})`;
          case '>': return after(x);
          case '>=': return `${x} >= ${start}`;
          case '<': return `${x} < ${start}`;
          case '<=': return notAfter(x);
        }
      }
      const v = lit(o);
      if (c.op === '!=') return `(${isNull} OR ${lhs} <> ${v})`;
      return `${lhs} ${c.op} ${v}`;
    }
    case 'between': {
      // Exclusive: above the low bound and below the high one; a day bound (days) by its midnights: after a day is
      // from its next midnight on, before it is before its midnight.
      const x = col.sql;
      const above = (o: Operand) => (days && o.kind === 'date' ? days(o).after(x) : `${lhs} > ${lit(o)}`);
      const below = (o: Operand) => (days && o.kind === 'date' ? `${x} < ${days(o).start}` : `${lhs} < ${lit(o)}`);
      const notAbove = (o: Operand) => (days && o.kind === 'date' ? days(o).notAfter(x) : `${lhs} <= ${lit(o)}`);
      const notBelow = (o: Operand) => (days && o.kind === 'date' ? `${x} >= ${days(o).start}` : `${lhs} >= ${lit(o)}`);
      return c.negated ? `(${notAbove(c.low)} OR ${notBelow(c.high)})` : `(${above(c.low)} AND ${below(c.high)})`;
    }
    case 'matches':
      return c.negated ? `NOT ${d.fullMatch(lhs, c.pattern)}` : d.fullMatch(lhs, c.pattern);
    case 'in': {
      // Beside now() on a timestamp column (lhs the timestamp itself), a date literal is its day's instants.
      const byDay = (o: Operand) => days !== undefined && lhs === col.sql && o.kind === 'date';
      const values = c.operands.filter((o) => o.kind !== 'keyword' && !byDay(o)).map(lit);
      const keywords = c.operands.flatMap((o) => (o.kind === 'keyword' ? [o.value] : []));
      const listsNull = keywords.includes('NULL');
      const dayTests = c.operands.filter(byDay).map((o) => { const b = days!(o); return `(${col.sql} >= ${b.start} AND ${b.notAfter(col.sql)})`; });
      const tests = [...[...new Set(keywords.filter((k) => k !== 'NULL'))].map(keywordTest), ...dayTests];
      if (!c.negated) {
        const parts = [...(values.length ? [`${lhs} IN (${values.join(', ')})`] : []), ...tests, ...(listsNull ? [isNull] : [])];
        return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
      }
      // not in: a value passes when it is none of the listed ones; NULL passes unless NULL is listed.
      const parts = [...(values.length ? [`${lhs} NOT IN (${values.join(', ')})`] : []), ...tests.map((x) => `NOT ${x}`)];
      const valuePasses = parts.length ? parts.join(' AND ') : 'TRUE';
      return listsNull ? `(${notNull} AND ${valuePasses})` : `(${isNull} OR (${valuePasses}))`;
    }
  }
}

export function columnLengthPredicate(col: ResolvedColumn, c: Condition): string {
  if (col.type && col.type.name !== 'string') throw new PredicateError(`ColumnLength applies to string columns; "${col.name}" is a ${col.type.name} column`);
  return numberPredicate(lengthExpr(col), c);
}

export function lengthExpr(col: ResolvedColumn): string {
  return `coalesce(length(${col.sql}), 0)`;
}

/** DataFreshness: age = now − value; "age <= 24 hours" is "value >= now − 24 hours", compared with a literal. */
export function freshnessPredicate(col: ResolvedColumn, c: Condition, nowMs: number): string {
  if (!isTemporalType(col.type)) throw new PredicateError(`DataFreshness applies to date and timestamp columns; "${col.name}" is a ${col.type?.name ?? 'unknown'} column`);
  const value = col.type!.name === 'date' ? `CAST(${col.sql} AS TIMESTAMP)` : col.sql;
  const bound = (o: Operand): string => {
    if (o.kind !== 'duration') throw new PredicateError('DataFreshness compares with durations');
    return timestampLiteral(instant(nowMs - o.ms, `now() minus an age of ${o.text}`));
  };
  // The age grows as the value gets older, so every comparison flips.
  const flip: Record<string, string> = { '=': '=', '!=': '<>', '>': '<', '>=': '<=', '<': '>', '<=': '>=' };
  switch (c.kind) {
    case 'compare': return `${value} ${flip[c.op]} ${bound(c.operand)}`;
    case 'between': {
      // low < age < high  ⟺  now − high < value < now − low
      const young = bound(c.low);
      const old = bound(c.high);
      return c.negated ? `(${value} >= ${young} OR ${value} <= ${old})` : `(${value} < ${young} AND ${value} > ${old})`;
    }
    case 'in': return `${value} ${c.negated ? 'NOT IN' : 'IN'} (${c.operands.map(bound).join(', ')})`;
    case 'matches': throw new PredicateError('DataFreshness compares durations');
  }
}

function numberPredicate(expr: string, c: Condition): string {
  switch (c.kind) {
    case 'compare': return `${expr} ${c.op === '!=' ? '<>' : c.op} ${numberLiteral(c.operand)}`;
    case 'between': {
      const lo = numberLiteral(c.low);
      const hi = numberLiteral(c.high);
      return c.negated ? `(${expr} <= ${lo} OR ${expr} >= ${hi})` : `(${expr} > ${lo} AND ${expr} < ${hi})`;
    }
    case 'in': return `${expr} ${c.negated ? 'NOT IN' : 'IN'} (${c.operands.map(numberLiteral).join(', ')})`;
    case 'matches': throw new PredicateError('matches applies to strings');
  }
}

/**
 * A number as a SQL literal: a literal as written (its text, leading zeros and enclosing parentheses dropped), so that 9007199254740993 is not
 * the double 9007199254740992; arithmetic (1 + 2) as its exact value where its decimal ends (0.1 * 3 is 0.3, not the
 * double 0.30000000000000004: dynamic.ts) within a DECIMAL's 38 digits, else as the double it computes.
 */
function numberLiteral(o: Operand): string {
  if (o.kind !== 'number') throw new PredicateError(`expected a number, found ${o.kind}`);
  const { value: v, exact } = resolveNumber(o.expr, undefined, o.text);
  if (!Number.isFinite(v)) throw new PredicateError(`${o.text} is not a finite number`);
  const written = /^(-?)\s*0*(\d+(\.\d+)?)$/.exec(plainLiteral(o.text) ?? '');
  if (written) return `${written[1]}${written[2]}`;
  // (At most 38 digits: a DECIMAL literal in DuckDB and Athena alike.)
  const text = numberText(v, exact);
  return text.replace(/[-.]/g, '').length <= 38 ? text : String(v);
}
