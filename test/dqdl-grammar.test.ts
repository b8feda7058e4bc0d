// More of the DQDL grammar than dqdl-parse pins: labels, rulesets that go wrong in the middle, now() arithmetic,
// dynamic functions misused, operands that do not fit their rule. Each error with its rule index, character offset
// and message, counted by hand from the rule text (offsets start at 0).
import { describe, expect, it } from 'vitest';
import type { LeafRule } from '../core/dqdl/ast.ts';
import { parseRule, parseRules } from '../core/dqdl/parse.ts';

const leaf = (text: string): LeafRule => {
  const r = parseRule(text);
  expect(r.error).toBeUndefined();
  return r.rule as LeafRule;
};

describe('DQDL grammar: accepted forms', () => {
  it('labels: several, none, and on a parenthesised rule merged with its own; a composite keeps none', () => {
    expect(leaf('RowCount > 0 labels=["a"="b", "c"="d"]').labels).toEqual({ a: 'b', c: 'd' });
    expect(leaf('RowCount > 0 labels=[]').labels).toEqual({});
    expect(leaf('(RowCount > 0 labels=["a"="1"]) labels=["b"="2"]')).toMatchObject({ text: 'RowCount > 0 labels=["a"="1"]', labels: { a: '1', b: '2' } });
    const c = parseRule('((RowCount > 0) and (RowCount < 5)) labels=["k"="v"]').rule!;
    expect(c).toMatchObject({ kind: 'and', text: '(RowCount > 0) and (RowCount < 5)' });
    expect('labels' in c).toBe(false);
  });

  it('now() with and without parentheses; lower-case keywords; connectors between parameters; or/OR', () => {
    expect(leaf('ColumnValues "d" > (now())').condition).toEqual({ kind: 'compare', op: '>', text: '> (now())', operand: { kind: 'now', offsetMs: 0, text: '(now())' } });
    expect(leaf('ColumnValues "d" > (now() - 2 hours)').condition).toMatchObject({ operand: { kind: 'now', offsetMs: -7_200_000, text: '(now() - 2 hours)' } });
    expect(leaf('ColumnValues "d" in [now(), (now() + 1 minutes)]').condition).toMatchObject({ operands: [{ kind: 'now', offsetMs: 0, text: 'now()' }, { kind: 'now', offsetMs: 60_000 }] });
    expect(leaf('ColumnValues "a" in [null, empty, whitespaces_only]').condition).toMatchObject({
      operands: [{ kind: 'keyword', value: 'NULL' }, { kind: 'keyword', value: 'EMPTY' }, { kind: 'keyword', value: 'WHITESPACES_ONLY' }] });
    expect(leaf('IsUnique "a" AND "b" and "c"').params).toEqual(['a', 'b', 'c']);
    expect(leaf('ColumnCorrelation "a" of "b" > 0').params).toEqual(['a', 'b']);
    expect(leaf('ColumnCorrelation "a" OF "b" > 0').params).toEqual(['a', 'b']);
    expect(parseRule('(RowCount > 0) OR (RowCount > 1) or (RowCount > 2)').rule).toMatchObject({ kind: 'or', operands: [{ text: 'RowCount > 0' }, { text: 'RowCount > 1' }, { text: 'RowCount > 2' }] });
    expect(leaf('DataFreshness "t" in [1 days, 2 hours]').condition).toMatchObject({ operands: [{ kind: 'duration', ms: 86_400_000, text: '1 days' }, { kind: 'duration', ms: 7_200_000, text: '2 hours' }] });
    expect(leaf('DataFreshness "t" > 30 minutes').condition).toMatchObject({ operand: { kind: 'duration', ms: 1_800_000, text: '30 minutes' } });
    expect(leaf('ColumnValues "a" = NULL').condition).toMatchObject({ operand: { kind: 'keyword', value: 'NULL' } });
    expect(leaf('ColumnValues "a" != EMPTY').condition).toMatchObject({ op: '!=', operand: { kind: 'keyword', value: 'EMPTY' } });
    expect(leaf('ColumnValues "a" in ["x", NULL]').condition).toMatchObject({ kind: 'in' }); // NULL mixes with any kind
    expect(leaf('CustomSql "select 1 from primary"')).toMatchObject({ params: ['select 1 from primary'] });
    expect(leaf('CustomSql "select 1 from primary"').condition).toBeUndefined();
    // the smallest k (1) and position (0)
    expect(leaf('RowCount > index(last(1), 0)').condition).toMatchObject({ operand: { expr: { kind: 'call', fn: 'index', args: [{ fn: 'last', args: [{ value: 1 }] }, { value: 0 }] } } });
    expect(leaf('RowCount > -(2 - 5) * 2').condition).toMatchObject({ operand: { expr: { kind: 'binary', op: '*', left: { kind: 'negate' } } } });
  });

  it('rulesets: a trailing comma, and the rule after a broken one still parses and is numbered', () => {
    expect(parseRules('Rules = [ RowCount > 0, ]')).toMatchObject({ errors: [], rules: [{ text: 'RowCount > 0' }] });
    const r = parseRules(['Rules = [ ColumnValues "a" in ["x", ] , RowCount > 0 ]', 'Mean "x" >']);
    expect(r.rules.map((x) => x.text)).toEqual(['RowCount > 0']);
    expect(r.errors).toEqual([
      { rule: 0, offset: 36, message: 'expected a number or "last(k)" after "," at "ColumnValues "a" in ["x", ]"' },
      { rule: 2, offset: 10, message: 'expected a number or "last(k)" after ">" at "Mean "x" >"' },
    ]);
  });

  it('parseRule wants exactly one rule', () => {
    expect(parseRule('Rules = [ RowCount > 0, RowCount > 1 ]')).toEqual({ error: { rule: 0, offset: 0, message: 'expected exactly one rule' } });
    expect(parseRule('RowCount >').error).toEqual({ rule: 0, offset: 10, message: 'expected a number or "last(k)" after ">" at "RowCount >"' });
  });
});

describe('DQDL grammar: errors', () => {
  const cases: Array<[string, number, string]> = [
    // labels
    ['RowCount > 0 labels=["a"]', 24, 'expected "=" after the label key "a" but found "]" at "RowCount > 0 labels=["a"]"'],
    ['RowCount > 0 labels=[a="b"]', 21, 'expected a quoted label key, e.g. labels=["team"="sales"] at "RowCount > 0 labels=[a"'],
    ['RowCount > 0 labels=["a"=b]', 25, 'expected a quoted value for the label "a" at "RowCount > 0 labels=["a"=b"'],
    ['RowCount > 0 labels=["a"="b" "c"="d"]', 29, 'expected a closing "]" after the labels but found "c" at "RowCount > 0 labels=["a"="b" "c""'],
    ['RowCount > 0 labels ["a"="b"]', 20, 'expected labels=[ "key"="value", ... ] but found "[" at "RowCount > 0 labels ["'],
    // parameters and conditions
    ['IsUnique', 8, 'IsUnique takes 1 or more quoted parameters (one or more column names), found 0 at "IsUnique"'],
    ['ColumnCorrelation "a" > 0', 22, 'ColumnCorrelation takes 2 quoted parameters (two column names), found 1 at "ColumnCorrelation "a" >"'],
    ['RowCount > 0 where x', 19, 'expected a quoted SQL condition after "where", e.g. where "status = \'NEW\'" at "RowCount > 0 where x"'],
    ['ColumnValues "a" > 1 with threshold', 35, 'expected a condition after "with threshold", e.g. with threshold > 0.9 at "ColumnValues "a" > 1 with threshold"'],
    ['ColumnValues "a" > 1 with threshold > 0.5 with threshold > 0.6', 42, 'only one "with threshold" per rule at "ColumnValues "a" > 1 with threshold > 0.5 with"'],
    ['ColumnValues "a" > 1 threshold > 0.5', 21, 'unexpected "threshold" after the rule (write "with threshold") at "ColumnValues "a" > 1 threshold"'],
    ['Completeness "a" 0.5', 17, 'Completeness needs a condition after "a", e.g. Completeness "email" > 0.95 (found 0.5) at "Completeness "a" 0.5"'],
    ['CustomSql "select 1" x', 21, 'expected a condition such as > 0 after "select 1" but found "x" at "CustomSql "select 1" x"'],
    ['Mean "x" ! 2', 11, 'expected "=" after "!" at "Mean "x" ! 2"'],
    ['RowCount in [1, 2', 17, 'expected "," or "]" in the list after "2" at "RowCount in [1, 2"'],
    ['RowCount in 1', 12, 'expected a list in square brackets after "in", e.g. in ["a", "b"] but found 1 at "RowCount in 1"'],
    ['ColumnValues "a" matches x', 25, 'expected a quoted regular expression after "matches" at "ColumnValues "a" matches x"'],
    ['RowCount x', 9, 'RowCount needs a condition after "RowCount", e.g. RowCount > 0 (found "x") at "RowCount x"'],
    ['RowCount = ]', 11, 'expected a number or "last(k)" after "=" at "RowCount = ]"'],
    ['"x" > 1', 0, 'expected a rule type such as RowCount, IsComplete or ColumnValues but found "x" at ""x""'],
    ['Zzzzzzzz', 0, 'unknown rule type "Zzzzzzzz" at "Zzzzzzzz"'],
    // operands of the wrong kind
    ['ColumnValues "a" > NULL', 17, 'NULL can only be compared with = or != at "ColumnValues "a" > NULL"'],
    ['ColumnValues "a" <= EMPTY', 17, 'strings are compared with =, !=, in and matches (use numbers or "YYYY-MM-DD" dates for ranges) at "ColumnValues "a" <= EMPTY"'],
    ['ColumnValues "a" between NULL and 1', 17, 'between takes two numbers or two dates at "ColumnValues "a" between NULL and 1"'],
    ['ColumnValues "a" between "x" and "y"', 17, 'strings are compared with =, !=, in and matches (use numbers or "YYYY-MM-DD" dates for ranges) at "ColumnValues "a" between "x" and "y""'],
    ['ColumnValues "a" in [1 hours]', 17, 'durations apply to DataFreshness; ColumnValues compares values (numbers, strings or dates) at "ColumnValues "a" in [1 hours]"'],
    ['ColumnValues "a" in ["2024-01-01", 1]', 17, 'a ColumnValues condition compares one kind of value, but this one mixes dates and numbers at "ColumnValues "a" in ["2024-01-01", 1]"'],
    ['Mean "x" > "2024-01-01"', 9, 'Mean compares a number; the date "2024-01-01" does not fit here at "Mean "x" > "2024-01-01""'],
    ['Mean "x" > now()', 9, 'Mean compares a number; now() does not fit here at "Mean "x" > now()"'],
    ['Mean "x" > 3 days', 9, 'Mean compares a number; the duration 3 days does not fit here at "Mean "x" > 3 days"'],
    ['DataFreshness "t" <= "x"', 18, 'DataFreshness compares the age of each row with a duration such as 24 hours, 30 minutes or 7 days; the string "x" does not fit here at "DataFreshness "t" <= "x""'],
    ['ColumnValues "a" = "x" with threshold > "y"', 38, 'a threshold compares a number; the string "y" does not fit here at "ColumnValues "a" = "x" with threshold > "y""'],
    ['DataFreshness "t" <= 1.5 hours', 21, 'a duration is a whole number followed by minutes, hours or days at "DataFreshness "t" <= 1.5"'],
    ['DataFreshness "t" <= 1 mins', 23, 'write "minutes" (DQDL durations are in minutes, hours or days) at "DataFreshness "t" <= 1 mins"'],
    ['DataFreshness "t" <= 2 d', 23, 'write "days" (DQDL durations are in minutes, hours or days) at "DataFreshness "t" <= 2 d"'],
    // now()
    ['ColumnValues "d" > (now() - 3)', 28, 'expected a duration such as 3 days, 12 hours or 30 minutes after "now() -" at "ColumnValues "d" > (now() - 3"'],
    ['ColumnValues "d" > (now() + 2 weeks)', 28, 'expected a duration such as 3 days, 12 hours or 30 minutes after "now() +" at "ColumnValues "d" > (now() + 2"'],
    ['ColumnValues "d" > (now() - 1.5 days)', 28, 'expected a duration such as 3 days, 12 hours or 30 minutes after "now() -" at "ColumnValues "d" > (now() - 1.5"'],
    ['ColumnValues "d" > (now() - 3 days', 34, 'expected a closing ")" after "days" at "ColumnValues "d" > (now() - 3 days"'],
    ['ColumnValues "d" > now(', 23, 'expected ")" after "now(" at "ColumnValues "d" > now("'],
    // dynamic functions
    ['RowCount > avg(last(3), 1)', 11, 'avg() aggregates previous values: write avg(last(k)) at "RowCount > avg"'],
    ['RowCount > last(1, 2)', 11, 'last(k) takes one whole number k ≥ 1: the number of previous runs at "RowCount > last"'],
    ['RowCount > last(1.5)', 16, 'last() takes a whole number k ≥ 1: the number of previous runs at "RowCount > last(1.5"'],
    ['RowCount > last()', 11, 'last(k) takes one whole number k ≥ 1: the number of previous runs at "RowCount > last"'],
    ['RowCount > index(last(3))', 11, 'index() takes last(k) and a position: index(last(5), 0) is the most recent value at "RowCount > index"'],
    ['RowCount > index(3, 1)', 11, 'index() takes last(k) and a position: index(last(5), 0) is the most recent value at "RowCount > index"'],
    ['RowCount > index(last(3), -1)', 26, 'index() takes a whole-number position ≥ 0 (0 is the most recent run) at "RowCount > index(last(3), -"'],
    ['RowCount > index(last(3), 0.5)', 26, 'index() takes a whole-number position ≥ 0 (0 is the most recent run) at "RowCount > index(last(3), 0.5"'],
    ['RowCount > abs(last(3))', 11, 'abs() takes one number at "RowCount > abs"'],
    ['RowCount > abs(1, 2)', 11, 'abs() takes one number at "RowCount > abs"'],
    ['RowCount > -last(3)', 11, '"-" needs a number; last(k) is a list at "RowCount > -"'],
    ['RowCount > 2 + last(3)', 13, '"+" needs numbers on both sides; last(k) is a list: use avg(last(k)) or index(last(k), i) at "RowCount > 2 +"'],
    ['RowCount > avg(last(3)', 22, 'expected "," or ")" in avg(...) at "RowCount > avg(last(3)"'],
    ['RowCount > (1 + 2', 17, 'expected a closing ")" after "2" at "RowCount > (1 + 2"'],
    ['ColumnValues "x" > 1 with threshold > avg(last(2))', 38, 'a threshold does not take dynamic expressions (last(k) and friends) at "ColumnValues "x" > 1 with threshold > avg(last(2))"'],
    ['ColumnLength "x" > avg(last(2))', 19, 'ColumnLength does not take dynamic expressions (last(k) and friends) at "ColumnLength "x" > avg(last(2))"'],
    ['RowCount > 2 * abs(-3) / (last(2))', 23, '"/" needs numbers on both sides; last(k) is a list: use avg(last(k)) or index(last(k), i) at "RowCount > 2 * abs(-3) /"'],
    // long rules are cut to their last 60 characters in messages
    ['ColumnValues "a_very_long_column_name_here" in ["first", "second", "third"] zzz', 76,
      'unexpected "zzz" after the rule at "…y_long_column_name_here" in ["first", "second", "third"] zzz"'],
  ];
  it.each(cases)('%s', (text, offset, message) => {
    expect(parseRules([text])).toEqual({ rules: [], errors: [{ rule: 0, offset, message }] });
  });

  it('rulesets that go wrong: no "[", a section or text after "]", two rules without a comma, nothing after a comma', () => {
    expect(parseRules('Rules = RowCount > 0').errors).toEqual([{ rule: 0, offset: 8, message: 'expected a "[" after "Rules =" but found "RowCount" at "Rules = RowCount"' }]);
    expect(parseRules('Rules = [ RowCount > 0 ] Metadata').errors).toEqual([{ rule: 0, offset: 25, message: 'the Metadata section is not supported' }]);
    expect(parseRules('Rules = [ RowCount > 0 ] x')).toEqual({ rules: [{ kind: 'rule', type: 'RowCount', params: [], text: 'RowCount > 0', at: { rule: 10, params: [] },
      condition: { kind: 'compare', op: '>', operand: { kind: 'number', expr: { kind: 'number', value: 0, raw: '0' }, text: '0' }, text: '> 0' } }],
    errors: [{ rule: 0, offset: 25, message: 'unexpected "x" after the closing "]" of the ruleset' }] });
    expect(parseRules('Rules = [ RowCount > 0 RowCount > 1 ]')).toEqual({ rules: [], errors: [
      { rule: 0, offset: 23, message: 'unexpected "RowCount" after the rule at "RowCount > 0 RowCount"' }] });
    expect(parseRules('Rules = [ RowCount > 0 ) ]')).toEqual({ rules: [], errors: [
      { rule: 0, offset: 23, message: 'expected "," or "]" after a rule but found ")" at "RowCount > 0 )"' }] });
    expect(parseRules('Rules = [ RowCount > 0,').errors).toEqual([{ rule: 1, offset: 23, message: 'expected a rule type such as RowCount, IsComplete or ColumnValues at ""' }]);
    expect(parseRules('Rules = [ RowCount > 0 ]  # done\n')).toMatchObject({ errors: [], rules: [{ text: 'RowCount > 0' }] });
    expect(parseRules('DataSources = [ ]').errors).toEqual([{ rule: 0, offset: 0, message: 'the DataSources section is not supported: write "Rules = [ ... ]" only' }]);
    // a lexer error ends the source: one error, the next list entry is the next rule
    expect(parseRules(['Rules = [ RowCount > 0, Mean "x ]', 'RowCount > 1'])).toMatchObject({
      rules: [{ text: 'RowCount > 1' }], errors: [{ rule: 0, offset: 29, message: 'this string has no closing " at "Rules = [ RowCount > 0, Mean ""' }] });
  });
});
