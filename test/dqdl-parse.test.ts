// DQDL parsing: the grammar of awslabs/dqdl, the checks of its rules-config.json, and errors that say where and what.
import { describe, expect, it } from 'vitest';
import type { CompositeRule, LeafRule } from '../core/dqdl/ast.ts';
import { parseRule, parseRules } from '../core/dqdl/parse.ts';

const leaf = (text: string): LeafRule => {
  const r = parseRule(text);
  expect(r.error).toBeUndefined();
  return r.rule as LeafRule;
};
const error = (text: string) => {
  const r = parseRules([text]);
  expect(r.rules).toEqual([]);
  return r.errors[0]!;
};

describe('DQDL parser: rules', () => {
  it('keeps type, parameters, condition, where, threshold, labels and the text as written', () => {
    const text = 'ColumnValues "status" in [ "NEW", "SHIPPED", NULL, EMPTY, WHITESPACES_ONLY ] where "amount > 0" labels=["team"="ops"] with threshold > 0.9';
    const r = leaf(text);
    expect(r).toEqual({
      kind: 'rule', type: 'ColumnValues', params: ['status'],
      condition: {
        kind: 'in', negated: false, text: 'in [ "NEW", "SHIPPED", NULL, EMPTY, WHITESPACES_ONLY ]',
        operands: [{ kind: 'string', value: 'NEW' }, { kind: 'string', value: 'SHIPPED' }, { kind: 'keyword', value: 'NULL' }, { kind: 'keyword', value: 'EMPTY' }, { kind: 'keyword', value: 'WHITESPACES_ONLY' }],
      },
      where: 'amount > 0',
      labels: { team: 'ops' },
      threshold: { kind: 'compare', op: '>', operand: { kind: 'number', expr: { kind: 'number', value: 0.9, raw: '0.9' }, text: '0.9' }, text: '> 0.9' },
      text,
      // Where the quoted parameter and the where clause start (strata check points into them).
      at: { rule: 0, params: [text.indexOf('"status"')], where: text.indexOf('"amount > 0"') },
    });
  });

  it('reads every comparison form, negative and decimal numbers, and ! = spelled apart', () => {
    const cond = (t: string) => leaf(t).condition;
    expect(cond('RowCount between 10 and 20')).toMatchObject({ kind: 'between', negated: false, low: { expr: { value: 10 } }, high: { expr: { value: 20 } } });
    expect(cond('Mean "x" not between -1.5 and 2')).toMatchObject({ kind: 'between', negated: true, low: { expr: { value: -1.5 } } });
    expect(cond('ColumnValues "x" not in [1, 2, 3]')).toMatchObject({ kind: 'in', negated: true });
    expect(cond('ColumnValues "x" not matches "[a-z]+"')).toEqual({ kind: 'matches', negated: true, pattern: '[a-z]+', text: 'not matches "[a-z]+"' });
    expect(cond('Sum "x" ! = 5')).toMatchObject({ kind: 'compare', op: '!=' });
    for (const op of ['=', '!=', '>', '>=', '<', '<=']) expect(cond(`RowCount ${op} 3`)).toMatchObject({ kind: 'compare', op });
  });

  it('reads dates, now() arithmetic and durations', () => {
    expect(leaf('ColumnValues "d" > "2024-02-29"').condition).toMatchObject({ operand: { kind: 'date', value: '2024-02-29' } });
    expect(leaf('ColumnValues "d" > (now() - 3 days)').condition).toMatchObject({ operand: { kind: 'now', offsetMs: -3 * 86_400_000 } });
    expect(leaf('ColumnValues "d" <= (now() + 90 minutes)').condition).toMatchObject({ operand: { kind: 'now', offsetMs: 90 * 60_000 } });
    expect(leaf('ColumnValues "d" < now()').condition).toMatchObject({ operand: { kind: 'now', offsetMs: 0 } });
    expect(leaf('DataFreshness "ts" between 1 hours and 2 days').condition).toMatchObject({ low: { kind: 'duration', ms: 3_600_000 }, high: { kind: 'duration', ms: 172_800_000 } });
  });

  it('reads dynamic expressions with arithmetic', () => {
    expect(leaf('RowCount > avg(last(5)) * 0.5').condition).toMatchObject({
      operand: { kind: 'number', text: 'avg(last(5)) * 0.5', expr: { kind: 'binary', op: '*', left: { kind: 'call', fn: 'avg', args: [{ kind: 'call', fn: 'last', args: [{ kind: 'number', value: 5, raw: '5' }] }] }, right: { kind: 'number', value: 0.5, raw: '0.5' } } },
    });
    expect(leaf('DistinctValuesCount "c" <= index(last(10), 2) + std(last(5))').condition).toMatchObject({ operand: { expr: { kind: 'binary', op: '+' } } });
    expect(leaf('Completeness "c" > abs(min(last(3)) - 1) / 2').condition).toMatchObject({ operand: { expr: { kind: 'binary', op: '/' } } });
  });

  it('reads composites with nesting; and/AND and or/OR; labels on a parenthesised rule', () => {
    const r = parseRule('(Mean "a" > 3) AND ((Mean "b" > 500) or (IsComplete "c")) and (RowCount > 0)').rule as CompositeRule;
    expect(r.kind).toBe('and');
    expect(r.text).toBe('(Mean "a" > 3) AND ((Mean "b" > 500) or (IsComplete "c")) and (RowCount > 0)');
    expect(r.operands.map((o) => o.kind)).toEqual(['rule', 'or', 'rule']);
    expect((r.operands[1] as CompositeRule).operands.map((o) => o.text)).toEqual(['Mean "b" > 500', 'IsComplete "c"']);
    expect(leaf('(RowCount > 0) labels=["k"="v"]')).toMatchObject({ text: 'RowCount > 0', labels: { k: 'v' } });
  });

  it('accepts a ruleset string, a list of rules, and a list entry holding a ruleset; comments are ignored', () => {
    const set = parseRules(`# quality of orders
      Rules = [
        RowCount > 0,          # not empty
        IsComplete "id",
        (IsUnique "id") and (ColumnValues "status" in ["A", "B"]),
      ]`);
    expect(set.errors).toEqual([]);
    expect(set.rules.map((r) => r.text)).toEqual(['RowCount > 0', 'IsComplete "id"', '(IsUnique "id") and (ColumnValues "status" in ["A", "B"])']);
    const list = parseRules(['RowCount > 0', 'Rules = [ IsComplete "a", IsComplete "b" ]', 'Mean "x" > 1']);
    expect(list.rules.map((r) => r.text)).toEqual(['RowCount > 0', 'IsComplete "a"', 'IsComplete "b"', 'Mean "x" > 1']);
  });

  it('unescapes \\" and \\\\ in strings and keeps other backslashes (regexes need them)', () => {
    expect(leaf('CustomSql "select count(*) from primary where name = \\"x\\"" > 0').params).toEqual(['select count(*) from primary where name = "x"']);
    expect(leaf('ColumnValues "c" matches "\\d+\\.\\d+"').condition).toMatchObject({ pattern: '\\d+\\.\\d+' });
  });

  it('allows connector words between parameters (grammar: of, and)', () => {
    expect(leaf('ColumnCorrelation "a" and "b" > 0.5').params).toEqual(['a', 'b']);
  });
});

describe('DQDL parser: errors say which rule, where, and what was expected', () => {
  const cases: Array<[string, number, string]> = [
    ['RowCount > ab', 11, 'expected a number or "last(k)" after ">" at "RowCount > ab"'],
    ['RowCount >', 10, 'expected a number or "last(k)" after ">" at "RowCount >"'],
    ['RowCount', 8, 'RowCount needs a condition after "RowCount", e.g. RowCount > 0 at "RowCount"'],
    ['RowCount > last(5)', 11, 'last(5) is a list of previous values, not a number: compare with avg(...), min, max, sum, median, std or index(..., i) of it at "RowCount > last(5)"'],
    ['RowCount > last(5) * 2', 19, '"*" needs numbers on both sides; last(k) is a list: use avg(last(k)) or index(last(k), i) at "RowCount > last(5) *"'],
    ['RowCount > avg(5)', 11, 'avg() aggregates previous values: write avg(last(k)) at "RowCount > avg"'],
    ['RowCount > index(last(3), 3)', 26, 'index 3 is outside last(3): positions run from 0 to 2 at "RowCount > index(last(3), 3"'],
    ['RowCount > last(0)', 16, 'last() takes a whole number k ≥ 1: the number of previous runs at "RowCount > last(0"'],
    ['RowCount > mean(last(3))', 11, 'unknown function "mean" (dynamic rules know last, avg, min, max, sum, median, std, index, abs) at "RowCount > mean"'],
    ['rowcount > 1', 0, 'unknown rule type "rowcount" (did you mean RowCount? rule types are case-sensitive) at "rowcount"'],
    ['Completenes "a" > 0.5', 0, 'unknown rule type "Completenes" (did you mean Completeness?) at "Completenes"'],
    ['DetectAnomalies "RowCount"', 0, 'DetectAnomalies is not supported: its model is not documented, so it cannot be reproduced outside Glue; use a dynamic rule such as RowCount > avg(last(10)) * 0.5 at "DetectAnomalies"'],
    ['SchemaMatch "ref" = 1.0', 0, 'SchemaMatch is not supported: strata enforces the schema file itself (strata check refuses breaking changes) at "SchemaMatch"'],
    ['IsComplete "a" "b"', 15, 'IsComplete takes 1 quoted parameter (a column name), found 2 at "IsComplete "a" "b""'],
    ['IsComplete "a" > 1', 15, 'IsComplete takes no condition, e.g. IsComplete "email" at "IsComplete "a" >"'],
    ['RowCount "id" > 100', 9, 'RowCount takes no quoted parameters (none), found 1 at "RowCount "id""'],
    ['Completeness "a" > 0.9 with threshold > 0.5', 23, 'Completeness does not take "with threshold"; only ColumnValues and row-level CustomSql do at "Completeness "a" > 0.9 with"'],
    ['CustomSql "select 1" > 0 with threshold > 0.5', 25, 'CustomSql takes a condition (one number returned) or "with threshold" (rows returned), not both at "CustomSql "select 1" > 0 with"'],
    ['ColumnValues "a" > 1 with thresold > 0.5', 26, 'expected "threshold" after "with" (the only tag strata evaluates) but found "thresold" at "ColumnValues "a" > 1 with thresold"'],
    ['ColumnCount = 3 where "x > 1"', 16, 'ColumnCount does not take a where clause at "ColumnCount = 3 where"'],
    ['RowCount > 0 where ""', 19, 'the where clause is empty at "RowCount > 0 where """'],
    ['ColumnValues "a" > "abc"', 17, 'strings are compared with =, !=, in and matches (use numbers or "YYYY-MM-DD" dates for ranges) at "ColumnValues "a" > "abc""'],
    ['ColumnValues "a" in ["x", 1]', 17, 'a ColumnValues condition compares one kind of value, but this one mixes string and numbers at "ColumnValues "a" in ["x", 1]"'],
    ['ColumnValues "a" > avg(last(3))', 19, 'ColumnValues does not take dynamic expressions (last(k) and friends) at "ColumnValues "a" > avg(last(3))"'],
    ['ColumnValues "d" > "2024-02-30"', 19, '"2024-02-30" is not a calendar date at "ColumnValues "d" > "2024-02-30""'],
    ['DataFreshness "t" <= 24 hour', 24, 'write "hours" (DQDL durations are in minutes, hours or days) at "DataFreshness "t" <= 24 hour"'],
    ['DataFreshness "t" <= 24', 18, 'DataFreshness compares the age of each row with a duration such as 24 hours, 30 minutes or 7 days; 24 does not fit here at "DataFreshness "t" <= 24"'],
    ['Mean "x" = NULL', 9, 'Mean compares a number; NULL does not fit here at "Mean "x" = NULL"'],
    ['Mean "x" matches "a"', 9, '"matches" applies to ColumnValues, not to Mean at "Mean "x" matches"'],
    ['Mean "x" not > 3', 13, 'expected "between", "in" or "matches" after "not" but found ">" at "Mean "x" not >"'],
    ['RowCount between 1 2', 19, 'expected "and" in "between ... and ..." but found 2 at "RowCount between 1 2"'],
    ['RowCount <> 1', 9, 'use != for "not equal" at "RowCount <"'],
    ['ColumnValues "a" in []', 21, 'the list after "in" is empty at "ColumnValues "a" in []"'],
    ['ColumnValues "a" = "x', 19, 'this string has no closing " at "ColumnValues "a" = ""'],
    ['IsComplete "a" and IsUnique "a"', 15, 'put each rule of "and" in parentheses, e.g. (IsComplete "id") and (IsUnique "id") at "IsComplete "a" and"'],
    ['(RowCount > 0) and (IsComplete "a") or (IsUnique "a")', 36, 'mixing "and" and "or" needs parentheses, e.g. (A) and ((B) or (C)) at "(RowCount > 0) and (IsComplete "a") or"'],
    ['(RowCount > 0', 13, 'expected a closing ")" after "0" at "(RowCount > 0"'],
    ['RowCount > 0, RowCount > 1', 12, 'one rule per list entry: write "Rules = [ rule, rule ]" to put several rules in one string at "RowCount > 0,"'],
    ['RowCount > 0 extra', 13, 'unexpected "extra" after the rule at "RowCount > 0 extra"'],
    ['ColumnValues "a" > 1 with threshold > 0.5 where "b = 1"', 42, 'unexpected "where" after the rule (the where clause comes before "with threshold") at "ColumnValues "a" > 1 with threshold > 0.5 where"'],
  ];
  it.each(cases)('%s', (text, offset, message) => {
    expect(error(text)).toEqual({ rule: 0, offset, message });
  });

  it('numbers rules across list entries and rulesets, reports every broken rule, and keeps the good ones', () => {
    const text = 'Rules = [ RowCount > 0, IsComplete, (Mean "x" > 1) and (Sum "x" > ), ColumnExists "a" ]';
    const r = parseRules(['IsComplete "z"', text, 'Mean "y" > x']);
    expect(r.rules.map((x) => x.text)).toEqual(['IsComplete "z"', 'RowCount > 0', 'ColumnExists "a"']);
    expect(r.errors).toEqual([
      { rule: 2, offset: 34, message: 'IsComplete takes 1 quoted parameter (a column name), found 0 at "IsComplete,"' },
      { rule: 3, offset: 66, message: 'expected a number or "last(k)" after ">" at "(Mean "x" > 1) and (Sum "x" > )"' },
      { rule: 5, offset: 11, message: 'expected a number or "last(k)" after ">" at "Mean "y" > x"' },
    ]);
  });

  it('reports rulesets without "]", empty rulesets and unsupported sections', () => {
    expect(parseRules('Rules = [ RowCount > 0, IsComplete "a"').errors).toEqual([
      { rule: 1, offset: 38, message: 'the ruleset has no closing "]" at "IsComplete "a""' },
    ]);
    expect(parseRules('Rules = [ ]').errors).toEqual([{ rule: 0, offset: 10, message: 'the ruleset has no rules' }]);
    expect(parseRules('Analyzers = [ RowCount ]').errors).toEqual([
      { rule: 0, offset: 0, message: 'the Analyzers section is not supported: write "Rules = [ ... ]" only' },
    ]);
  });
});
