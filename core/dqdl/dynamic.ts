// Numbers in conditions, including dynamic ones computed from a metric's history (previous runs, most recent first).
// This is arithmetic on a handful of values, so it runs here, not in SQL.
//
// Semantics (Glue ETL, and decisions where its docs are silent):
//   last(k)          the k most recent previous values; fewer if fewer exist; [0] when there is no history at all
//   avg/min/max/sum  of that list; median = middle value (mean of the two middle ones for an even count)
//   std              population standard deviation (like the StandardDeviation rule)
//   index(last(k),i) the i-th most recent value (0 = previous run); 0 when the history is shorter than i + 1
//   abs(x)           absolute value
//
// Each number is also computed exactly, as a rational (exact): the literals as written, a previous value as the
// number it is shown as (its shortest decimal), and + - * /, avg, sum, min, max, median, index and abs on them. A
// metric known exactly is compared with that (core/dqdl/expectation.ts satisfiesRational): RowCount >= avg(last(1))
// * 0.1 after a run of 30 rows holds at 3 rows, where the doubles made the bound 3.0000000000000004 and failed it.
// std (a square root) and a division by zero have no exact value: their conditions compare as doubles.
import type { NumExpr } from './ast.ts';
import { compareRational, parseDecimal, rationalOf, rationalText, reduced, type Rational } from './exact.ts';

export type History = () => number[];

export interface Resolved {
  value: number;
  /** The number exactly, when every step of it is exact (see above). */
  exact?: Rational;
  /** Set when the number came from history: "avg(last(5)) * 0.5 = 40 from 3 previous values". */
  dynamic?: string;
}

export function resolveNumber(expr: NumExpr, history: History | undefined, text: string): Resolved {
  const seen = { used: false, count: 0 };
  let all: number[] | undefined; // (read once: the value and its exact twin read the same history)
  const previous = (k: number) => {
    seen.used = true;
    all ??= (history?.() ?? []).filter((v) => Number.isFinite(v));
    const h = all.slice(0, k);
    seen.count = Math.max(seen.count, h.length);
    return h;
  };
  const value = num(expr, previous);
  const exact = rational(expr, previous);
  if (!seen.used) return { value, ...(exact ? { exact } : {}) };
  const points = seen.count === 0 ? 'with no history yet, so last(k) is 0' : `from ${seen.count} previous value${seen.count === 1 ? '' : 's'}`;
  return { value, ...(exact ? { exact } : {}), dynamic: `${text} = ${numberText(value, exact)} ${points}` };
}

/**
 * A resolved number in messages, exactly: its decimal where that ends within 400 digits (0.3, not the double's
 * 0.30000000000000004), else the fraction with the double near it (2/3 ≈ 0.6666666666666666), or the double alone
 * marked as near (≈) when the fraction is longer than 60 characters; without an exact value, the double's text.
 */
export function numberText(value: number, exact: Rational | undefined): string {
  if (!exact) return formatNumber(value);
  const text = rationalText(exact, 400);
  if (text !== undefined) return text;
  const fraction = `${exact.n}/${exact.d}`;
  return fraction.length <= 60 ? `${fraction} ≈ ${formatNumber(value)}` : `≈ ${formatNumber(value)}`;
}

const add = (a: Rational, b: Rational): Rational => reduced({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
/** a / k, k a positive count. */
const over = (a: Rational, k: number): Rational => reduced({ n: a.n, d: a.d * BigInt(k) });

/** The number exactly (see above), or undefined where a step has no exact value. */
function rational(e: NumExpr, history: (k: number) => number[]): Rational | undefined {
  switch (e.kind) {
    case 'number': {
      // (As written: a literal beyond a double, whose double is Infinity, is still its number.)
      const d = parseDecimal(e.raw ?? String(e.value));
      return d && (e.raw !== undefined || Number.isFinite(e.value)) ? rationalOf(d) : undefined;
    }
    case 'negate': {
      const a = rational(e.arg, history);
      return a && { n: -a.n, d: a.d };
    }
    case 'binary': {
      const l = rational(e.left, history);
      const r = rational(e.right, history);
      if (!l || !r) return undefined;
      switch (e.op) {
        case '+': return add(l, r);
        case '-': return add(l, { n: -r.n, d: r.d });
        case '*': return reduced({ n: l.n * r.n, d: l.d * r.d });
        case '/': return r.n === 0n ? undefined : reduced({ n: l.n * r.d * (r.n < 0n ? -1n : 1n), d: l.d * (r.n < 0n ? -r.n : r.n) });
      }
      return undefined;
    }
    case 'call': {
      if (e.fn === 'abs') {
        const a = rational(e.args[0]!, history);
        return a && { n: a.n < 0n ? -a.n : a.n, d: a.d };
      }
      if (e.fn === 'std') return undefined;
      const xs = list(e.args[0]!, history).map((v) => parseDecimal(String(v)));
      if (xs.some((x) => x === undefined)) return undefined;
      const rs = (xs as NonNullable<(typeof xs)[number]>[]).map(rationalOf);
      const sum = () => rs.reduce(add, { n: 0n, d: 1n });
      const sorted = () => [...rs].sort(compareRational);
      switch (e.fn) {
        case 'sum': return sum();
        case 'avg': return over(sum(), rs.length);
        case 'min': return sorted()[0];
        case 'max': return sorted().at(-1);
        case 'median': {
          const s = sorted();
          const m = Math.floor(s.length / 2);
          return s.length % 2 ? s[m] : over(add(s[m - 1]!, s[m]!), 2);
        }
        case 'index': {
          const i = (e.args[1] as { value: number }).value;
          return rs[i] ?? { n: 0n, d: 1n };
        }
      }
    }
  }
  return undefined;
}

/** history(k): the k most recent values there are. */
function num(e: NumExpr, history: (k: number) => number[]): number {
  switch (e.kind) {
    case 'number': return e.value;
    case 'negate': return -num(e.arg, history);
    case 'binary': {
      const l = num(e.left, history);
      const r = num(e.right, history);
      switch (e.op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/': return l / r;
      }
      break;
    }
    case 'call': {
      if (e.fn === 'abs') return Math.abs(num(e.args[0]!, history));
      const xs = list(e.args[0]!, history);
      switch (e.fn) {
        case 'avg': return xs.reduce((a, b) => a + b, 0) / xs.length;
        case 'sum': return xs.reduce((a, b) => a + b, 0);
        case 'min': return Math.min(...xs);
        case 'max': return Math.max(...xs);
        case 'median': {
          const s = [...xs].sort((a, b) => a - b);
          const m = Math.floor(s.length / 2);
          return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
        }
        case 'std': {
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
        }
        case 'index': {
          const i = (e.args[1] as { value: number }).value;
          return xs[i] ?? 0;
        }
      }
    }
  }
  throw new Error(`not a number expression: ${JSON.stringify(e)}`);
}

function list(e: NumExpr, history: (k: number) => number[]): number[] {
  if (e.kind !== 'call' || e.fn !== 'last') throw new Error('expected last(k)');
  const h = history((e.args[0] as { value: number }).value);
  return h.length ? h : [0];
}

/**
 * Numbers in messages, exactly: the shortest decimal that reads back as the same double (ECMAScript Number::toString),
 * so a message never says "0.1, expected > 0.1" of 0.10000006000000002, nor 0.833333 of 5/6.
 */
export function formatNumber(n: number): string {
  return String(n);
}
