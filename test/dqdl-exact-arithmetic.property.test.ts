// A condition's arithmetic, exactly: RowCount <= max(last(1)) * 1.15 after a run of 100 rows holds at 115 rows, where
// the doubles made the bound 114.99999999999999 and the rule failed (a halt rule would have held the batch back). A
// number from history or arithmetic is computed as a rational (core/dqdl/dynamic.ts) and compared exactly with a
// metric known exactly. Searched for counterexamples against an oracle of its own (fractions of BigInts written here),
// over the history functions, + - * / and literals of a few decimals.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { evaluateRules } from '../runtime/quality/evaluate-rules.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import type { RuleContext } from '../core/dqdl/types.ts';

let db: Duck;
beforeAll(async () => { db = await Duck.open({ memoryLimit: '256MB', threads: 1 }); });
afterAll(() => db?.close());

async function evaluate(rows: number, rules: string[], history: number[]) {
  await db.run(`CREATE OR REPLACE TABLE t AS SELECT i AS k, CASE WHEN i % 4 = 0 THEN NULL ELSE i END AS x FROM range(${rows}) r(i)`);
  const parsed = parseRules(rules);
  expect(parsed.errors).toEqual([]);
  const ctx: RuleContext = { dialect: 'duckdb', batch: 't', columns: await db.columns('t'), now: '2026-12-06T00:00:00Z', history: () => history };
  return evaluateRules(db, parsed.rules, ctx);
}

/** The oracle: a fraction n / d of BigInts, d > 0. */
class Q {
  readonly n: bigint;
  readonly d: bigint;
  constructor(n: bigint, d = 1n) { this.n = d < 0n ? -n : n; this.d = d < 0n ? -d : d; }
  static of(text: string): Q {
    const [i, f = ''] = text.split('.');
    return new Q(BigInt(`${i}${f}`), 10n ** BigInt(f.length));
  }
  add(o: Q) { return new Q(this.n * o.d + o.n * this.d, this.d * o.d); }
  sub(o: Q) { return new Q(this.n * o.d - o.n * this.d, this.d * o.d); }
  mul(o: Q) { return new Q(this.n * o.n, this.d * o.d); }
  div(o: Q) { return new Q(this.n * o.d, this.d * o.n); }
  cmp(o: Q) { const a = this.n * o.d; const b = o.n * this.d; return a < b ? -1 : a > b ? 1 : 0; }
}

/** An expression as DQDL text, and its value by the oracle over a history (most recent first). */
type E = { text: string; value: (h: number[]) => Q };
const decimal = fc.tuple(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0, 1, 1, 2, 2)).map(([m, s]): E => {
  const text = s === 0 ? String(m) : `${Math.floor(m / 10 ** s)}.${String(m % 10 ** s).padStart(s, '0')}`;
  return { text, value: () => Q.of(text) };
});
const lastOf = (h: number[], k: number) => { const xs = h.slice(0, k); return (xs.length ? xs : [0]).map((v) => new Q(BigInt(v))); };
const sorted = (xs: Q[]) => [...xs].sort((a, b) => a.cmp(b));
const historyFn = fc.tuple(fc.constantFrom('avg', 'sum', 'min', 'max', 'median', 'index'), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 })).map(([fn, k, j]): E => {
  const i = j % k; // (a position within last(k))
  return {
  text: fn === 'index' ? `index(last(${k}), ${i})` : `${fn}(last(${k}))`,
  value: (h) => {
    const xs = lastOf(h, k);
    const sum = xs.reduce((a, b) => a.add(b), new Q(0n));
    const s = sorted(xs);
    const m = Math.floor(s.length / 2);
    switch (fn) {
      case 'avg': return sum.div(new Q(BigInt(xs.length)));
      case 'sum': return sum;
      case 'min': return s[0]!;
      case 'max': return s.at(-1)!;
      case 'median': return s.length % 2 ? s[m]! : s[m - 1]!.add(s[m]!).div(new Q(2n));
      default: return xs[i] ?? new Q(0n);
    }
  },
  };
});
const expr: fc.Arbitrary<E> = fc.letrec<{ e: E }>((tie) => ({
  e: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    decimal, historyFn,
    // A previous count scaled by a factor of two decimals (max(last(1)) * 1.15): the common dynamic rule.
    { weight: 3, arbitrary: fc.tuple(historyFn, fc.integer({ min: 1, max: 300 })).map(([h, p]): E => {
      const text = `${Math.floor(p / 100)}.${String(p % 100).padStart(2, '0')}`;
      return { text: `${h.text} * ${text}`, value: (hs) => h.value(hs).mul(Q.of(text)) };
    }) },
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*'), tie('e')).map(([a, op, b]): E => ({
      text: `(${a.text} ${op} ${b.text})`,
      value: (h) => (op === '+' ? a.value(h).add(b.value(h)) : op === '-' ? a.value(h).sub(b.value(h)) : a.value(h).mul(b.value(h))),
    })),
    // A division by a literal that is not zero (by zero, there is no exact value: the doubles decide).
    fc.tuple(tie('e'), decimal.filter((d) => Q.of(d.text).n !== 0n)).map(([a, b]): E => ({ text: `(${a.text} / ${b.text})`, value: (h) => a.value(h).div(b.value(h)) })),
  ),
})).e;

describe('DQDL arithmetic, exactly', () => {
  it('property: a count compared with arithmetic over literals and the history holds exactly as the fractions say', async () => {
    const op = fc.constantFrom('=', '!=', '>', '>=', '<', '<=');
    // The count is put on the bound, or next to it, where the bound is a whole number: where doubles err.
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -1, max: 1 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 20 }).map((x) => x * 100)), { maxLength: 4 }), op, expr, async (random, delta, history, o, e) => {
      const bound = e.value(history);
      const whole = bound.d === 1n || bound.n % bound.d === 0n ? Number(bound.n / bound.d) + delta : -1;
      const rows = whole >= 0 && whole <= 5000 ? whole : random;
      const r = await evaluate(rows, [`RowCount ${o} ${e.text}`], history);
      const c = new Q(BigInt(rows)).cmp(e.value(history));
      const holds = o === '=' ? c === 0 : o === '!=' ? c !== 0 : o === '>' ? c > 0 : o === '>=' ? c >= 0 : o === '<' ? c < 0 : c <= 0;
      expect(r.results[0]!.outcome, `${rows} rows, history [${history.join(', ')}]: ${r.results[0]!.message}`).toBe(holds ? 'PASS' : 'FAIL');
    }), { seed: Number(process.env.SEED ?? 20261206), numRuns: Number(process.env.RUNS ?? 150) });
  });

  it('the bound that the doubles got wrong, shown as the number it is', async () => {
    // 100 × 1.15 is 114.99999999999999 as doubles; 7 × 0.1 is 0.7000000000000001.
    const r = await evaluate(115, ['RowCount <= max(last(1)) * 1.15', 'RowCount = index(last(2), 1) * 0.1 * 10'], [100, 115]);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['PASS', 'RowCount is 115 (<= 115; max(last(1)) * 1.15 = 115 from 1 previous value)'],
      ['PASS', 'RowCount is 115 (= 115; index(last(2), 1) * 0.1 * 10 = 115 from 2 previous values)'],
    ]);
    // Literal arithmetic in a threshold: 3 of 4 rows pass, 0.3 / 0.4 is 0.75 (as doubles 0.7499999999999999).
    const share = await evaluate(4, ['ColumnValues "k" > 0 with threshold >= 0.3 / 0.4', 'ColumnValues "k" > 0 with threshold > 0.3 / 0.4'], []);
    expect(share.results.map((x) => x.outcome)).toEqual(['PASS', 'FAIL']);
    // A value compared row by row with literal arithmetic: the SQL literal is the exact 0.7 (not 0.7000000000000001).
    const rowsAt = await evaluate(8, ['ColumnValues "k" <= 7 * 0.1 * 10'], []);
    expect(rowsAt.results[0]!.outcome).toBe('PASS');
    // Each bound of a condition shown as its own number, exactly (an attack: the first one, twice).
    const shown = await evaluate(3, ['RowCount in [1 + 1, 3 * 1]', 'RowCount between 0.1 * 29 and 11', 'RowCount = 3.000000000000000000000000000000000000000000001 * 1', 'Completeness "x" = 2 / 3'], []);
    expect(shown.results.map((x) => [x.outcome, x.message])).toEqual([
      ['PASS', 'RowCount is 3 (in [2, 3])'],
      ['PASS', 'RowCount is 3 (between 2.9 and 11)'],
      ['FAIL', 'RowCount is 3, expected = 3.000000000000000000000000000000000000000000001'],
      ['PASS', 'Completeness of "x" is 2/3 ≈ 0.6666666666666666 (= 2/3 ≈ 0.6666666666666666)'],
    ]);
    // A DOUBLE or FLOAT value meets arithmetic as SQL compares it: the exact value rounded once (0.1 * 7 is 0.7).
    const typed = await evaluate(3, ['CustomSql "SELECT 0.7::DOUBLE" = 0.1 * 7', 'CustomSql "SELECT 0.3::DOUBLE" = 0.1 + 0.2', 'CustomSql "SELECT 0.1::FLOAT" = 0.05 * 2', 'CustomSql "SELECT 0.1::FLOAT" in [0.1 * 1, 0.2]'], []);
    expect(typed.results.map((x) => x.outcome)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
    // No exact value and not finite: an error naming the condition (it compared as Infinity, and as null once stored);
    // an exact value of doubles that overflow: that value (X - X is 0).
    const x = `1${'0'.repeat(400)}`;
    const edges = await evaluate(3, ['RowCount < 1 / 0', `RowCount > ${x} - ${x}`, `RowCount < ${x} * 2`], []);
    expect(edges.results.map((r) => [r.outcome, r.outcome === 'ERROR' ? r.message : ''])).toEqual([
      ['ERROR', expect.stringContaining('the condition "< 1 / 0" evaluates to Infinity')], ['PASS', ''], ['PASS', ''],
    ]);
    // std has no exact value: it compares as doubles, as before.
    expect((await evaluate(4, ['RowCount = std(last(2)) * 2'], [6, 10])).results[0]!.outcome).toBe('PASS');
  });
});
