// The numeric condition of a DQDL rule, checked against one metric: each comparator on both sides of its boundary
// and exactly on it, the relative tolerance, NaN and infinite numbers, and the errors for operands that are not
// numbers. Every expected outcome is worked out by hand from the DQDL semantics (core/dqdl/expectation.ts).
import { describe, expect, it } from 'vitest';
import type { Comparator, Condition, NumExpr, Operand } from '../core/dqdl/ast.ts';
import { resolveExpectation, satisfies, type NumberCheck } from '../core/dqdl/expectation.ts';

const lit = (value: number): NumExpr => ({ kind: 'number', value });
const num = (value: number, text = String(value)): Operand => ({ kind: 'number', expr: lit(value), text });
const compare = (op: Comparator, value: number): NumberCheck => ({ kind: 'compare', op, value });

describe('satisfies: a metric against a resolved condition', () => {
  it('each comparator below, on and above its number (3)', () => {
    const rows: Array<[Comparator, [boolean, boolean, boolean]]> = [
      // value:  2      3      4
      ['=', [false, true, false]],
      ['!=', [true, false, true]],
      ['>', [false, false, true]],
      ['>=', [false, true, true]],
      ['<', [true, false, false]],
      ['<=', [true, true, false]],
    ];
    for (const [op, want] of rows) {
      expect({ op, got: [2, 3, 4].map((v) => satisfies(v, compare(op, 3))) }).toEqual({ op, got: want });
    }
  });

  it('between is exclusive at both ends, not between inclusive (its complement)', () => {
    const between: NumberCheck = { kind: 'between', negated: false, low: 10, high: 20 };
    const notBetween: NumberCheck = { kind: 'between', negated: true, low: 10, high: 20 };
    expect([9, 10, 15, 20, 21].map((v) => satisfies(v, between))).toEqual([false, false, true, false, false]);
    expect([9, 10, 15, 20, 21].map((v) => satisfies(v, notBetween))).toEqual([true, true, false, true, true]);
  });

  it('in and not in match any listed number', () => {
    const inList: NumberCheck = { kind: 'in', negated: false, values: [1, 5, 7] };
    const notIn: NumberCheck = { kind: 'in', negated: true, values: [1, 5, 7] };
    expect([1, 4, 5, 7, 8].map((v) => satisfies(v, inList))).toEqual([true, false, true, true, false]);
    expect([1, 4, 5, 7, 8].map((v) => satisfies(v, notIn))).toEqual([false, true, false, false, true]);
  });

  it('an exact metric compares exactly; a floating-point aggregate within a relative 1e-12, so its last bits never flip an outcome', () => {
    // 0.1 + 0.2 = 0.30000000000000004 (IEEE 754 double): a mean may come out so in one run and 0.3 in another.
    expect(satisfies(0.1 + 0.2, compare('=', 0.3), true)).toBe(true);
    expect(satisfies(0.1 + 0.2, compare('<=', 0.3), true)).toBe(true);
    expect(satisfies(0.1 + 0.2, compare('>', 0.3), true)).toBe(false);
    expect(satisfies(0.3, compare('>=', 0.1 + 0.2), true)).toBe(true);
    expect(satisfies(0.3, compare('<', 0.1 + 0.2), true)).toBe(false);
    // Relative, inclusive: 1e12 + 1 is 1e-12 of 1e12 away; 1e12 + 5 is not within it, nor is 0 of 1e-300.
    expect(satisfies(1e12 + 1, compare('=', 1e12), true)).toBe(true);
    expect(satisfies(1e12 + 5, compare('=', 1e12), true)).toBe(false);
    expect(satisfies(1e12 + 5, compare('>', 1e12), true)).toBe(true);
    // Near zero the tolerance is absolute (1e-12): an entropy of 4.4e-16 is 0; 1e-11 is not.
    expect(satisfies(4.440892098500626e-16, compare('=', 0), true)).toBe(true);
    expect(satisfies(4.440892098500626e-16, compare('>', 0), true)).toBe(false);
    expect(satisfies(1e-11, compare('=', 0), true)).toBe(false);
    expect(satisfies(500000000.5, compare('<=', 500000000), true)).toBe(false);
    // Exact (a count, a share of rows, a sum of integers or decimals): not a single unit of slack.
    expect(satisfies(0.1 + 0.2, compare('=', 0.3))).toBe(false);
    expect(satisfies(1e12 + 999, compare('<=', 1e12))).toBe(false);
    expect(satisfies(1000000001, compare('<=', 1000000000))).toBe(false);
    expect(satisfies(1e12, compare('<=', 1e12))).toBe(true);
    expect(satisfies(1e12, { kind: 'in', negated: false, values: [1e12 + 1] })).toBe(false);
    expect(satisfies(2, { kind: 'between', negated: false, low: 2, high: 3 })).toBe(false);
  });

  it('a NaN metric satisfies nothing, not even != or not between', () => {
    expect(satisfies(NaN, compare('!=', 3))).toBe(false);
    expect(satisfies(NaN, { kind: 'between', negated: true, low: 1, high: 2 })).toBe(false);
    expect(satisfies(NaN, { kind: 'in', negated: true, values: [1] })).toBe(false);
  });

  it('an infinite number in a condition (a dynamic rule dividing by zero) is compared exactly, never as "close" to a finite one', () => {
    expect(satisfies(5, compare('>=', Infinity))).toBe(false);
    expect(satisfies(5, compare('=', Infinity))).toBe(false);
    expect(satisfies(5, compare('<', Infinity))).toBe(true);
    expect(satisfies(5, compare('>', -Infinity))).toBe(true);
    expect(satisfies(5, { kind: 'between', negated: false, low: 0, high: Infinity })).toBe(true);
    // And the other way round: an infinite metric is not "close" to a finite number either.
    expect(satisfies(Infinity, compare('=', 5))).toBe(false);
    expect(satisfies(-Infinity, compare('<=', -5))).toBe(true);
    expect(satisfies(Infinity, compare('=', Infinity))).toBe(true);
  });
});

describe('resolveExpectation: a condition with its numbers worked out', () => {
  it('compare, between and in, with the text messages show', () => {
    expect(resolveExpectation({ kind: 'compare', op: '>=', operand: num(0.5), text: '>= 0.5' }))
      .toEqual({ check: compare('>=', 0.5), text: '>= 0.5', dynamic: [], literals: ['0.5'], exact: ['1/2'] });
    expect(resolveExpectation({ kind: 'between', negated: true, low: num(1), high: num(2.25), text: 'not between 1 and 2.25' }))
      .toEqual({ check: { kind: 'between', negated: true, low: 1, high: 2.25 }, text: 'not between 1 and 2.25', dynamic: [], literals: ['1', '2.25'], exact: ['1/1', '9/4'] });
    expect(resolveExpectation({ kind: 'in', negated: false, operands: [num(1), num(2)], text: 'in [1, 2]' }))
      .toEqual({ check: { kind: 'in', negated: false, values: [1, 2] }, text: 'in [1, 2]', dynamic: [], literals: ['1', '2'], exact: ['1/1', '2/1'] });
    expect(resolveExpectation({ kind: 'in', negated: true, operands: [num(3)], text: 'not in [3]' }))
      .toEqual({ check: { kind: 'in', negated: true, values: [3] }, text: 'not in [3]', dynamic: [], literals: ['3'], exact: ['3/1'] });
  });

  it('a number from history is resolved and says where it came from', () => {
    // avg(last(2)) over the history 10, 20 (most recent first; 30 is beyond last(2)) = 15; × 0.5 = 7.5.
    const expr: NumExpr = { kind: 'binary', op: '*', left: { kind: 'call', fn: 'avg', args: [{ kind: 'call', fn: 'last', args: [lit(2)] }] }, right: lit(0.5) };
    const c: Condition = { kind: 'compare', op: '>', operand: { kind: 'number', expr, text: 'avg(last(2)) * 0.5' }, text: '> avg(last(2)) * 0.5' };
    expect(resolveExpectation(c, () => [10, 20, 30])).toEqual({
      check: compare('>', 7.5), text: '> 7.5', dynamic: ['avg(last(2)) * 0.5 = 7.5 from 2 previous values'], exact: ['15/2'],
    });
  });

  it('an operand that is not a number, a condition that does not apply to a number, and NaN are errors naming the condition', () => {
    const str: Operand = { kind: 'string', value: 'abc' };
    expect(resolveExpectation({ kind: 'compare', op: '=', operand: str, text: '= "abc"' })).toEqual({ error: 'expected a number in "= "abc""' });
    expect(resolveExpectation({ kind: 'between', negated: false, low: num(1), high: str, text: 'between 1 and "abc"' }))
      .toEqual({ error: 'expected numbers in "between 1 and "abc""' });
    expect(resolveExpectation({ kind: 'between', negated: false, low: str, high: num(1), text: 'between "abc" and 1' }))
      .toEqual({ error: 'expected numbers in "between "abc" and 1"' });
    expect(resolveExpectation({ kind: 'in', negated: false, operands: [num(1), str], text: 'in [1, "abc"]' }))
      .toEqual({ error: 'expected numbers in "in [1, "abc"]"' });
    expect(resolveExpectation({ kind: 'matches', negated: false, pattern: 'a.*', text: 'matches "a.*"' }))
      .toEqual({ error: '"matches "a.*"" does not apply to a number' });
    const nan: NumExpr = { kind: 'binary', op: '/', left: lit(0), right: lit(0) };
    for (const c of [
      { kind: 'compare', op: '=', operand: { kind: 'number', expr: nan, text: '0 / 0' }, text: '= 0 / 0' },
      { kind: 'between', negated: false, low: num(1), high: { kind: 'number', expr: nan, text: '0 / 0' }, text: 'between 1 and 0 / 0' },
      { kind: 'in', negated: false, operands: [num(1), { kind: 'number', expr: nan, text: '0 / 0' }], text: 'in [1, 0 / 0]' },
    ] satisfies Condition[]) {
      expect(resolveExpectation(c)).toEqual({ error: `the condition "${c.text}" evaluates to NaN` });
    }
    // From history: avg(last(1)) with no history is 0 (dynamic.ts), and 0 / 0 is NaN; the message says where it came from.
    const fromHistory: NumExpr = { kind: 'binary', op: '/', left: { kind: 'call', fn: 'avg', args: [{ kind: 'call', fn: 'last', args: [lit(1)] }] }, right: lit(0) };
    expect(resolveExpectation({ kind: 'compare', op: '>', operand: { kind: 'number', expr: fromHistory, text: 'avg(last(1)) / 0' }, text: '> avg(last(1)) / 0' }, () => []))
      .toEqual({ error: 'the condition "> avg(last(1)) / 0" evaluates to NaN (avg(last(1)) / 0 = NaN with no history yet, so last(k) is 0)' });
    // Two numbers from history: both notes, separated by "; ".
    const maxLast: NumExpr = { kind: 'call', fn: 'max', args: [{ kind: 'call', fn: 'last', args: [lit(1)] }] };
    expect(resolveExpectation({ kind: 'between', negated: false, low: { kind: 'number', expr: fromHistory, text: 'avg(last(1)) / 0' },
      high: { kind: 'number', expr: maxLast, text: 'max(last(1))' }, text: 'between avg(last(1)) / 0 and max(last(1))' }, () => []))
      .toEqual({ error: 'the condition "between avg(last(1)) / 0 and max(last(1))" evaluates to NaN (avg(last(1)) / 0 = NaN with no history yet, so last(k) is 0; '
        + 'max(last(1)) = 0 with no history yet, so last(k) is 0)' });
  });
});
