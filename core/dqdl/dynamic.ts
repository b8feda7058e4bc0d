// Numbers in conditions, including dynamic ones computed from a metric's history (previous runs, most recent first).
// This is arithmetic on a handful of values, so it runs here, not in SQL.
//
// Semantics (Glue ETL, and decisions where its docs are silent):
//   last(k)          the k most recent previous values; fewer if fewer exist; [0] when there is no history at all
//   avg/min/max/sum  of that list; median = middle value (mean of the two middle ones for an even count)
//   std              population standard deviation (like the StandardDeviation rule)
//   index(last(k),i) the i-th most recent value (0 = previous run); 0 when the history is shorter than i + 1
//   abs(x)           absolute value
import type { NumExpr } from './ast.ts';

export type History = () => number[];

export interface Resolved {
  value: number;
  /** Set when the number came from history: "avg(last(5)) * 0.5 = 40 from 3 previous values". */
  dynamic?: string;
}

export function resolveNumber(expr: NumExpr, history: History | undefined, text: string): Resolved {
  const seen = { used: false, count: 0 };
  const value = num(expr, (k) => {
    seen.used = true;
    const h = (history?.() ?? []).filter((v) => Number.isFinite(v)).slice(0, k);
    seen.count = Math.max(seen.count, h.length);
    return h;
  });
  if (!seen.used) return { value };
  const points = seen.count === 0 ? 'with no history yet, so last(k) is 0' : `from ${seen.count} previous value${seen.count === 1 ? '' : 's'}`;
  return { value, dynamic: `${text} = ${formatNumber(value)} ${points}` };
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
