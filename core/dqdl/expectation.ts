// A condition on one number (a metric, or the share of passing rows), resolved to plain numbers before any row is
// read, and checked in TypeScript once SQL has produced the metric.
//
// DQDL: "between" is exclusive, "not between" inclusive (its complement). Comparisons are exact, as Glue's are, but
// for a metric that is a floating-point aggregate (LeafPlan.approximate: a mean, a standard deviation, a correlation,
// an entropy, a sum of doubles). The last bits of those depend on the order the engine adds in (its threads, the
// engine), so they compare within APPROXIMATE of their size (of 1 below 1), and an exact boundary such as
// Mean "x" = 2.5 never flips from run to run. A count, a share of rows, a sum of integers or decimals, a length or
// an extreme is exact, and compares exactly: Sum "amount" <= 1000000000000 fails at 1000000000001. A sum of integers
// or decimals and a CustomSql value beyond a double (2^53) are compared as decimal text with the literals as written
// (satisfiesRational, core/dqdl/exact.ts).
import type { Comparator, Condition, Operand } from './ast.ts';
import { formatNumber, numberText, resolveNumber, type History } from './dynamic.ts';
import { approximateText, compareRational, nearestBinary32, nearestDouble, parseDecimal, parseRational, plainLiteral, rationalOf, rationalString, readsAs, type Rational } from './exact.ts';

export type NumberCheck =
  | { kind: 'compare'; op: Comparator; value: number }
  | { kind: 'between'; negated: boolean; low: number; high: number }
  | { kind: 'in'; negated: boolean; values: number[] };

export interface Expectation {
  check: NumberCheck;
  /** How the condition reads with numbers filled in: "> 40", "between 10 and 20". */
  text: string;
  /** Where dynamic numbers came from, for messages. */
  dynamic: string[];
  /**
   * The condition's numbers as written (decimal text), in the check's order (value; low, high; the list), when every one is a
   * literal (none dynamic): a metric known exactly is compared with these exactly (satisfiesRational).
   */
  literals?: string[];
  /**
   * The condition's numbers exactly, in the check's order, when every one has an exact value (a literal as written;
   * arithmetic and history functions but std: core/dqdl/dynamic.ts): a metric known exactly is compared with these
   * (satisfiesRational), not with the doubles of `check`. As text, `n/d` (exact.ts rationalString): a compiled
   * ruleset is plain data.
   */
  exact?: string[];
}

export function resolveExpectation(c: Condition, history?: History): Expectation | { error: string } {
  const dynamic: string[] = [];
  const written: Array<string | undefined> = [];
  const exacts: Array<Rational | undefined> = [];
  const n = (o: Operand): number | undefined => {
    if (o.kind !== 'number') return undefined;
    const r = resolveNumber(o.expr, history, o.text);
    if (r.dynamic) dynamic.push(r.dynamic);
    written.push(r.dynamic ? undefined : plainLiteral(o.text));
    exacts.push(r.exact);
    return r.value;
  };
  let check: NumberCheck;
  if (c.kind === 'compare') {
    const v = n(c.operand);
    if (v === undefined) return { error: `expected a number in "${c.text}"` };
    check = { kind: 'compare', op: c.op, value: v };
  } else if (c.kind === 'between') {
    const low = n(c.low);
    const high = n(c.high);
    if (low === undefined || high === undefined) return { error: `expected numbers in "${c.text}"` };
    check = { kind: 'between', negated: c.negated, low, high };
  } else if (c.kind === 'in') {
    const values = c.operands.map(n);
    if (values.some((v) => v === undefined)) return { error: `expected numbers in "${c.text}"` };
    check = { kind: 'in', negated: c.negated, values: values as number[] };
  } else {
    return { error: `"${c.text}" does not apply to a number` };
  }
  const literals = written.every((w) => w !== undefined) ? written as string[] : undefined;
  const exact = exacts.every((x) => x !== undefined) ? exacts as Rational[] : undefined;
  // A number with an exact value is, as a double, that value rounded once (X - X is 0 for a literal X beyond a
  // double, not NaN; a bound beyond a double is the largest one, so a compiled ruleset stays plain JSON, as a check
  // with Infinity would not: JSON has none). One without (a division by zero, std of overflowing values) and not
  // finite is an error naming the condition: it compared as Infinity, and as null once the ruleset was stored.
  if (exact) check = mapNumbers(check, (_, i) => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, nearestDouble(exact[i]!))));
  const bad = numbersOf(check).find((v) => !Number.isFinite(v));
  if (bad !== undefined) {
    return { error: `the condition "${c.text}" evaluates to ${Number.isNaN(bad) ? 'NaN' : `${bad < 0 ? '-' : ''}Infinity (a division by zero?)`}${dynamic.length ? ` (${dynamic.join('; ')})` : ''}` };
  }
  return { check, text: describeCheck(check, literals, exact), dynamic, ...(literals ? { literals } : {}), ...(exact ? { exact: exact.map(rationalString) } : {}) };
}

/** The check with each of its numbers (in numbersOf's order) replaced by f's. */
function mapNumbers(c: NumberCheck, f: (x: number, i: number) => number): NumberCheck {
  if (c.kind === 'compare') return { ...c, value: f(c.value, 0) };
  if (c.kind === 'between') return { ...c, low: f(c.low, 0), high: f(c.high, 1) };
  return { ...c, values: c.values.map(f) };
}

function numbersOf(c: NumberCheck): number[] {
  return c.kind === 'compare' ? [c.value] : c.kind === 'between' ? [c.low, c.high] : c.values;
}

/**
 * The check in words. `written`: its numbers as the rule wrote them, shown where the double does not read as the
 * written number (9007199254740993, not 9007199254740992); `exact`: its numbers exactly, shown where their decimal
 * ends (0.3 for 0.1 * 3, not the double's 0.30000000000000004).
 */
export function describeCheck(c: NumberCheck, written?: readonly string[], exact?: readonly Rational[]): string {
  let i = 0;
  const f = (n: number) => {
    const j = i++;
    const x = exact?.[j];
    const w = written?.[j];
    const d = w === undefined ? undefined : parseDecimal(w);
    return d && !readsAs(n, d) ? w! : x ? numberText(n, x) : formatNumber(n);
  };
  if (c.kind === 'compare') return `${c.op} ${f(c.value)}`;
  if (c.kind === 'between') return `${c.negated ? 'not between' : 'between'} ${f(c.low)} and ${f(c.high)}`;
  return `${c.negated ? 'not in' : 'in'} [${c.values.map(f).join(', ')}]`;
}

/**
 * The relative tolerance of an approximate metric: several thousand times the rounding of one addition (2^-53), so
 * well above what the order of a sum over millions of rows changes in practice, and a millionth of the 1e-6 a
 * metric printed to 7 digits shows.
 */
export const APPROXIMATE = 1e-12;

function closeTo(a: number, b: number, approximate: boolean): boolean {
  // An infinite number (a dynamic rule dividing by zero) equals only itself: scaled by it, the tolerance would make
  // every finite number "close" to it (5 >= Infinity would pass).
  if (a === b || !approximate || !Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  // Relative, and absolute near zero: ln N − N·ln N / N of a single value is 4.4e-16, not 0; 0.1 + 0.2 − 0.3 is 5.6e-17.
  return Math.abs(a - b) <= APPROXIMATE * Math.max(1, Math.abs(a), Math.abs(b));
}

function cmp(v: number, op: Comparator, x: number, approximate: boolean): boolean {
  const close = (a: number, b: number) => closeTo(a, b, approximate);
  switch (op) {
    case '=': return close(v, x);
    case '!=': return !close(v, x);
    case '>': return v > x && !close(v, x);
    case '>=': return v > x || close(v, x);
    case '<': return v < x && !close(v, x);
    case '<=': return v < x || close(v, x);
  }
}

/**
 * Whether a metric known exactly (a rational: a count, a share of counts, an integer or decimal aggregate, a CustomSql
 * value as the engine gave it) meets the expectation, compared exactly with the condition's numbers (Expectation.exact,
 * else its literals as written); undefined when a number of the condition has no exact value (std, a division by
 * zero): it is compared as doubles are.
 */
export function satisfiesRational(v: Rational, e: Expectation): boolean | undefined {
  const parsed = e.exact?.map(parseRational) ?? e.literals?.map((w) => { const d = parseDecimal(w); return d && rationalOf(d); });
  if (!parsed || parsed.some((x) => x === undefined)) return undefined;
  const l = parsed as Rational[];
  const c = e.check;
  const at = (op: Comparator, x: Rational) => {
    const r = compareRational(v, x);
    return op === '=' ? r === 0 : op === '!=' ? r !== 0 : op === '>' ? r > 0 : op === '>=' ? r >= 0 : op === '<' ? r < 0 : r <= 0;
  };
  if (c.kind === 'compare') return at(c.op, l[0]!);
  if (c.kind === 'between') {
    const inside = at('>', l[0]!) && at('<', l[1]!);
    return c.negated ? !inside : inside;
  }
  const member = l.some((x) => at('=', x));
  return c.negated ? !member : member;
}

/**
 * Whether SQL types the literal (decimal text as written) as a DOUBLE rather than a DECIMAL or an integer: with an
 * exponent; with a point and more than 38 digits (leading zeros counted, as DuckDB counts them: 0.1 followed by 37
 * more digits is a DOUBLE, `1.` followed by 37 is DECIMAL(38,37)); an integer beyond 128 bits.
 */
function isDoubleLiteral(w: string): boolean {
  if (/[eE]/.test(w)) return true;
  const digits = w.replace(/^[+-]/, '').replace('.', '');
  return w.includes('.') ? digits.length > 38 : BigInt(digits) >= 2n ** 128n;
}

/**
 * The check as SQL applies it to a FLOAT (exact.ts Binary32): each literal written without an exponent rounded to
 * the nearest binary32 (ties to even, rounded once: exact.ts nearestBinary32), as DuckDB and Trino cast a DECIMAL or
 * integer literal to FLOAT to compare (DuckDB rounds a literal of more than about 17 digits less carefully); a
 * literal SQL reads as a DOUBLE (isDoubleLiteral: more than 38 digits) compares as a double; a literal with an exponent is a DOUBLE and stays one, and so does a condition with a dynamic number. A
 * literal beyond FLOAT's range stays the double it is.
 */
export function binary32Check(e: Expectation): NumberCheck {
  const lits = e.literals;
  const exact = e.exact?.map(parseRational);
  if (!lits && !exact) return e.check;
  return mapNumbers(e.check, (x, i) => {
    const w = lits?.[i];
    // Arithmetic (0.05 * 2): its exact value rounded once, as SQL casts a DECIMAL result to FLOAT to compare.
    const f = w !== undefined ? (isDoubleLiteral(w) ? undefined : nearestBinary32(w)) : nearestBinary32(approximateText(exact![i]!));
    return f === undefined || !Number.isFinite(f) ? x : f;
  });
}

/** Whether `v` meets the check; `approximate`: v is a floating-point aggregate, compared to APPROXIMATE. */
export function satisfies(v: number, c: NumberCheck, approximate = false): boolean {
  if (Number.isNaN(v)) return false;
  if (c.kind === 'compare') return cmp(v, c.op, c.value, approximate);
  if (c.kind === 'between') {
    const inside = cmp(v, '>', c.low, approximate) && cmp(v, '<', c.high, approximate);
    return c.negated ? !inside : inside;
  }
  const member = c.values.some((x) => closeTo(v, x, approximate));
  return c.negated ? !member : member;
}
