// The small pure pieces of core/dqdl, one function at a time: tokens and their offsets, numbers from history, metric
// names, the batch's columns and types, dialect literals, CustomSql's bound statement and returned columns, and how
// query results become outcomes and messages. No DuckDB: mutation testing runs this file once per planted bug. Every
// expectation is worked out by hand.
import { describe, expect, it } from 'vitest';
import { declaredReferences, leaves, type Rule } from '../core/dqdl/ast.ts';
import { ColumnError, Columns, isNumericType, isTemporalType, logicalType } from '../core/dqdl/columns.ts';
import { boundStatement, bindPrimary, customFailingRowsSql, customRowsSql, customValueSql, CustomSqlError, relationsCte, returnedColumns } from '../core/dqdl/custom-sql.ts';
import { dateLiteral, sqlDialect, timestampLiteral, toDouble } from '../core/dqdl/dialect.ts';
import { formatNumber, resolveNumber } from '../core/dqdl/dynamic.ts';
import { combine, interpretResults, score, toNumber, type LeafOutcome } from '../core/dqdl/interpret.ts';
import { LexError, rawOffset, tokenize } from '../core/dqdl/lexer.ts';
import { columnMetric, columnsMetric, datasetMetric } from '../core/dqdl/metric-names.ts';
import { filtered, ScanQuery } from '../core/dqdl/scan-query.ts';
import { FrequencyQuery } from '../core/dqdl/frequency-query.ts';
import type { LeafRule, NumExpr } from '../core/dqdl/ast.ts';
import { parseRule, parseRules } from '../core/dqdl/parse.ts';
import { columnLengthPredicate, columnValuesPredicate, freshnessPredicate, PredicateError } from '../core/dqdl/row-predicates.ts';
import type { CompiledRuleset, LeafPlan, PlannedRule, RuleResult } from '../core/dqdl/types.ts';

describe('lexer', () => {
  it('tokens with their offsets: strings, numbers, words, operators, comments skipped', () => {
    expect(tokenize('Mean "a\\"b" >= 1.5 # note\n\t( x_1.y ) != -2')).toEqual([
      { t: 'word', v: 'Mean', at: 0, end: 4 },
      { t: 'str', v: 'a"b', at: 5, end: 11 },
      { t: 'op', v: '>=', at: 12, end: 14 },
      { t: 'num', v: 1.5, raw: '1.5', at: 15, end: 18 },
      { t: 'op', v: '(', at: 27, end: 28 },
      { t: 'word', v: 'x_1.y', at: 29, end: 34 },
      { t: 'op', v: ')', at: 35, end: 36 },
      { t: 'op', v: '!=', at: 37, end: 39 },
      { t: 'op', v: '-', at: 40, end: 41 },
      { t: 'num', v: 2, raw: '2', at: 41, end: 42 },
      { t: 'end', at: 42, end: 42 },
    ]);
    expect(tokenize('<= < > = ! [ ] , + * / $ \r\n').map((t) => (t.t === 'op' ? t.v : t.t))).toEqual(['<=', '<', '>', '=', '!', '[', ']', ',', '+', '*', '/', '$', 'end']);
    expect(tokenize('"a\\\\b" "\\d"').map((t) => (t.t === 'str' ? t.v : t.t))).toEqual(['a\\b', '\\d', 'end']);
    // an escaped backslash just before the closing quote: the quote closes the string
    expect(tokenize('"a\\\\" b').map((t) => (t.t === 'end' ? t.t : t.v))).toEqual(['a\\', 'b', 'end']);
    expect(tokenize('# only a comment')).toEqual([{ t: 'end', at: 16, end: 16 }]);
  });

  it('errors at their offset', () => {
    const err = (text: string) => { try { tokenize(text); } catch (e) { return [(e as LexError).at, (e as Error).message, e instanceof LexError]; } return undefined; };
    expect(err('Mean "x" <> 1')).toEqual([9, 'use != for "not equal"', true]);
    expect(err('RowCount > 1 ; x')).toEqual([13, 'unexpected character ";"', true]);
    expect(err('a "open')).toEqual([2, 'this string has no closing "', true]);
    expect(err('a "\\"')).toEqual([2, 'this string has no closing "', true]);
    expect(err('12.x')).toEqual([2, 'unexpected character "."', true]);
  });

  it('rawOffset: a character of a string value back to its offset in the text (\\" and \\\\ take two)', () => {
    const text = 'X "a\\"b\\\\c\\d"';
    // value a " b \ c \ d ; the quote is at 2
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => rawOffset(text, 2, i))).toEqual([3, 4, 6, 7, 9, 10, 11]);
    expect(rawOffset('"ab"', 0, 10)).toBe(4);
  });
});

describe('numbers from history', () => {
  const last = (k: number): NumExpr => ({ kind: 'call', fn: 'last', args: [{ kind: 'number', value: k }] });
  const call = (fn: 'avg' | 'min' | 'max' | 'sum' | 'median' | 'std', k: number): NumExpr => ({ kind: 'call', fn, args: [last(k)] });
  const v = (e: NumExpr, h: number[]) => resolveNumber(e, () => h, 'x').value;

  it('each function over the k most recent finite values', () => {
    const h = [4, 1, NaN, 9, 2, 100];
    // last(4) of the finite values: 4, 1, 9, 2
    expect(v(call('avg', 4), h)).toBe(4);
    expect(v(call('sum', 4), h)).toBe(16);
    expect(v(call('min', 4), h)).toBe(1);
    expect(v(call('max', 4), h)).toBe(9);
    expect(v(call('median', 4), h)).toBe(3); // 1 2 4 9
    expect(v(call('median', 3), h)).toBe(4); // 1 4 9
    expect(v(call('median', 5), [10, 2, 33, 4, 5])).toBe(5); // numerically sorted: 2 4 5 10 33
    expect(v(call('std', 4), h)).toBeCloseTo(Math.sqrt((0 + 9 + 25 + 4) / 4), 12); // mean 4
    expect(v({ kind: 'call', fn: 'index', args: [last(4), { kind: 'number', value: 2 }] }, h)).toBe(9);
    expect(v({ kind: 'call', fn: 'index', args: [last(4), { kind: 'number', value: 3 }] }, [1, 2])).toBe(0);
    expect(v({ kind: 'call', fn: 'abs', args: [{ kind: 'negate', arg: call('max', 2) }] }, h)).toBe(4);
    expect(v({ kind: 'negate', arg: { kind: 'number', value: 3 } }, [])).toBe(-3);
    const bin = (op: '+' | '-' | '*' | '/') => v({ kind: 'binary', op, left: { kind: 'number', value: 6 }, right: { kind: 'number', value: 4 } }, []);
    expect([bin('+'), bin('-'), bin('*'), bin('/')]).toEqual([10, 2, 24, 1.5]);
    // no history: last(k) is [0]
    expect(v(call('avg', 3), [])).toBe(0);
    expect(v(call('max', 3), [])).toBe(0);
    expect(resolveNumber(call('avg', 3), undefined, 'avg(last(3))')).toEqual({ value: 0, exact: { n: 0n, d: 1n }, dynamic: 'avg(last(3)) = 0 with no history yet, so last(k) is 0' });
  });

  it('says how many previous values it used; a plain number says nothing', () => {
    expect(resolveNumber({ kind: 'number', value: 2 }, () => [1], '2')).toEqual({ value: 2, exact: { n: 2n, d: 1n } });
    expect(resolveNumber(call('max', 5), () => [7], 'max(last(5))')).toEqual({ value: 7, exact: { n: 7n, d: 1n }, dynamic: 'max(last(5)) = 7 from 1 previous value' });
    expect(resolveNumber(call('sum', 2), () => [1.5, 2, 3], 'sum(last(2))')).toEqual({ value: 3.5, exact: { n: 7n, d: 2n }, dynamic: 'sum(last(2)) = 3.5 from 2 previous values' });
    // two lists: the longer one counts
    const both: NumExpr = { kind: 'binary', op: '+', left: call('max', 1), right: call('min', 3) };
    expect(resolveNumber(both, () => [5, 1, 3], 'e')).toEqual({ value: 6, exact: { n: 6n, d: 1n }, dynamic: 'e = 6 from 3 previous values' });
    expect(() => resolveNumber({ kind: 'call', fn: 'avg', args: [{ kind: 'number', value: 1 }] }, () => [], 'x')).toThrow('expected last(k)');
    expect(() => resolveNumber({ kind: 'call', fn: 'avg', args: [call('max', 2)] }, () => [1, 2], 'x')).toThrow('expected last(k)');
    expect(() => resolveNumber({ kind: 'odd' } as unknown as NumExpr, () => [], 'x')).toThrow('not a number expression: {"kind":"odd"}');
  });

  it('formatNumber: exactly, the shortest decimal that reads back as the same double (newcomer trial, stop 35)', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(-12)).toBe('-12');
    expect(formatNumber(1 / 3)).toBe('0.3333333333333333');
    expect(formatNumber(5 / 6)).toBe('0.8333333333333334');
    expect(formatNumber(2.5)).toBe('2.5');
    expect(formatNumber(123456.789)).toBe('123456.789');
    expect(formatNumber(0.10000006000000002)).toBe('0.10000006000000002'); // not "0.1", as it was beside "expected > 0.1"
    expect(formatNumber(1 + 1.2e-14)).toBe('1.000000000000012');
    expect(Number(formatNumber(1 + 2 ** -52))).toBe(1 + 2 ** -52);
    expect(formatNumber(Infinity)).toBe('Infinity');
    expect(formatNumber(NaN)).toBe('NaN');
  });
});

describe('names', () => {
  it('metric names as Glue reports them', () => {
    expect(datasetMetric('RowCount')).toBe('Dataset.*.RowCount');
    expect(datasetMetric('RowCountMatch', 'ref')).toBe('Dataset.ref.RowCountMatch');
    expect(columnMetric('email', 'Completeness')).toBe('Column.email.Completeness');
    expect(columnsMetric(['a'], 'Uniqueness')).toBe('Column.a.Uniqueness');
    expect(columnsMetric(['a', 'b'], 'Uniqueness')).toBe('Multicolumn.a,b.Uniqueness');
  });

  it('leaves of composites, and the datasets a ruleset declares', () => {
    const leaf = (type: string, params: string[]): Rule => ({ kind: 'rule', type, params, text: type });
    const rules: Rule[] = [
      leaf('ReferentialIntegrity', ['id', 'customers.id']),
      { kind: 'and', text: 'x', operands: [leaf('RowCountMatch', [' archive ']), { kind: 'or', text: 'y', operands: [leaf('ReferentialIntegrity', ['a,b', 'shops.{x,y}']), leaf('IsComplete', ['a'])] }] },
      leaf('RowCountMatch', ['customers']), leaf('ReferentialIntegrity', ['id']), leaf('RowCountMatch', ['  ']), leaf('Mean', ['orders']),
    ];
    expect(leaves(rules[1]!).map((l) => l.type)).toEqual(['RowCountMatch', 'ReferentialIntegrity', 'IsComplete']);
    expect(declaredReferences(rules)).toEqual(['customers', 'archive', 'shops']);
  });
});

describe('columns of the batch', () => {
  it('exact name first, then any case; an unknown one with a did-you-mean', () => {
    // built inside the test: mutation testing credits a test only with the code that runs while it runs
    const cols = new Columns([{ name: 'Id', type: 'BIGINT' }, { name: 'id', type: 'VARCHAR' }, { name: 'Amount', type: 'DECIMAL(12,2)' }, { name: 'x y', type: 'blob' }]);
    expect(cols.names).toEqual(['Id', 'id', 'Amount', 'x y']);
    expect(cols.find('id')).toEqual({ name: 'id', sql: '"id"', type: { name: 'string' } });
    expect(cols.find('ID')).toEqual({ name: 'Id', sql: '"Id"', type: { name: 'bigint' } });
    expect(cols.find('amount')).toEqual({ name: 'Amount', sql: '"Amount"', type: { name: 'decimal', precision: 12, scale: 2 } });
    expect(cols.get('x y')).toEqual({ name: 'x y', sql: '"x y"', type: undefined });
    expect(cols.has('AMOUNT')).toBe(true);
    expect(cols.has('amt')).toBe(false);
    expect(() => cols.get('amout')).toThrow(new ColumnError('column "amout" does not exist in the batch (did you mean "Amount"?)'));
    expect(() => cols.get('qqqqqqqq')).toThrow('column "qqqqqqqq" does not exist in the batch');
    expect(() => cols.get('qqqqqqqq')).not.toThrow('did you mean');
  });

  it('DuckDB and schema type names to logical types', () => {
    const names = ['VARCHAR', 'text', 'INTEGER', 'SMALLINT', 'TINYINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'HUGEINT', 'UBIGINT', 'REAL', 'BOOL',
      'TIMESTAMP_MS', 'TIMESTAMP_S', 'TIMESTAMP_NS', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ', ' Date ', 'double', 'decimal(3,1)', 'BLOB', 'STRUCT(a INT)'];
    expect(names.map((n) => logicalType(n)?.name ?? null)).toEqual(['string', 'string', 'int', 'int', 'int', 'int', 'int', 'bigint', 'bigint', 'bigint', 'float', 'boolean',
      'timestamp', 'timestamp', 'timestamp', 'timestamp', 'timestamp', 'date', 'double', 'decimal', null, null]);
    const t = (n: string) => logicalType(n);
    expect(['int', 'bigint', 'double', 'float', 'decimal(3,1)', 'string', 'date', 'boolean'].map((n) => isNumericType(t(n)))).toEqual([true, true, true, true, true, false, false, false]);
    expect(['date', 'timestamp', 'string', 'int'].map((n) => isTemporalType(t(n)))).toEqual([true, true, false, false]);
    expect([isNumericType(undefined), isTemporalType(undefined)]).toEqual([false, false]);
    expect(logicalType(' TIMESTAMPTZ ')).toEqual({ name: 'timestamp' });
    expect(logicalType('BLOB')).toBeUndefined();
  });
});

describe('dialect and scan pieces', () => {
  it('regular expressions match the whole value on both engines', () => {
    expect(sqlDialect('duckdb')).toMatchObject({ name: 'duckdb' });
    expect(sqlDialect('duckdb').fullMatch('"c"', "a'b")).toBe(`regexp_full_match("c", 'a''b')`);
    expect(sqlDialect('athena')).toMatchObject({ name: 'athena' });
    expect(sqlDialect('athena').fullMatch('"c"', 'a|b')).toBe(`regexp_like("c", '\\A(?:a|b)\\z')`);
  });

  it('literals of instants and days in UTC, millisecond precision', () => {
    expect(timestampLiteral(Date.UTC(2025, 0, 2, 3, 4, 5, 67))).toBe("TIMESTAMP '2025-01-02 03:04:05.067'");
    expect(dateLiteral(Date.UTC(2025, 0, 2, 23, 59))).toBe("DATE '2025-01-02'");
    expect(dateLiteral('2024-02-29')).toBe("DATE '2024-02-29'");
    expect(toDouble('x')).toBe('CAST(x AS DOUBLE)');
  });

  it('filtered aggregates and the shared scan', () => {
    expect(filtered('count', [])).toBe('count(*)');
    expect(filtered('count', [], undefined, '')).toBe('count(*)');
    expect(filtered('min', ['x'])).toBe('min(x)');
    expect(filtered('count', [], 'flag')).toBe('count(CASE WHEN flag THEN 1 END)');
    expect(filtered('count', [], 'a > 1')).toBe('count(CASE WHEN (a > 1) THEN 1 END)');
    expect(filtered('count', [], 'flag', 'other')).toBe('count(CASE WHEN (flag) AND (other) THEN 1 END)');
    expect(filtered('count', [], '1flag')).toBe('count(CASE WHEN (1flag) THEN 1 END)');
    // Each argument is restricted: an aggregate of two (corr) ignores the rows where either is NULL.
    expect(filtered('corr', ['a', 'b'], 'flag')).toBe('corr(CASE WHEN flag THEN a END, CASE WHEN flag THEN b END)');
    expect(() => filtered('sum', [], 'flag')).toThrow('sum(*) cannot be restricted with CASE');
    const s = new ScanQuery();
    expect([s.add('count(*)'), s.add('sum(x)'), s.add('count(*)')]).toEqual(['m0', 'm1', 'm0']);
    expect(s.size).toBe(2);
    expect(s.sql('t')).toBe('SELECT\n  count(*) AS m0,\n  sum(x) AS m1\nFROM t');
  });
});

describe('parse errors the parser tests do not write', () => {
  it('each list entry keeps its index after an error of each kind; messages after a rule; dates and where clauses', () => {
    expect(parseRules(['"open', 'Metadata = x', 'Rules = x', 'Rules = [ ]', 'Nope >']).errors.map((e) => [e.rule, e.offset, e.message])).toEqual([
      [0, 0, 'this string has no closing " at """'],
      [1, 0, 'the Metadata section is not supported: write "Rules = [ ... ]" only'],
      [2, 8, 'expected a "[" after "Rules =" but found "x" at "Rules = x"'],
      [3, 10, 'the ruleset has no rules'],
      [4, 0, 'unknown rule type "Nope" at "Nope"'],
    ]);
    const error = (rule: string) => parseRule(rule).error?.message;
    expect(error('RowCount > 0 ]')).toBe('unexpected "]" after the rule at "RowCount > 0 ]"');
    expect(error('RowCount > 0 "x"')).toBe('unexpected "x" after the rule at "RowCount > 0 "x""');
    expect(error('RowCount > 0 where "  "')).toBe('the where clause is empty at "RowCount > 0 where " ""');
    expect(error('ColumnValues "d" = "2025-13-01"')).toBe('"2025-13-01" is not a calendar date at "ColumnValues "d" = "2025-13-01""');
    expect(error('RowCount > avg(last())')).toBe('last(k) takes one whole number k ≥ 1: the number of previous runs at "RowCount > avg(last"');
    // a day is the whole string
    const operand = (rule: string) => ((parseRule(rule).rule as LeafRule).condition as { operand: unknown }).operand;
    expect(operand('ColumnValues "s" = "x2025-01-01"')).toEqual({ kind: 'string', value: 'x2025-01-01' });
    expect(operand('ColumnValues "s" = "2025-01-01x"')).toEqual({ kind: 'string', value: '2025-01-01x' });
  });
});

describe('the frequency query', () => {
  it('sets: found in any column order; a query holds at most 30 columns', () => {
    const q = new FrequencyQuery();
    q.stats(['a', 'b'], undefined, ['rows']);
    expect([q.hasSet(['a', 'b']), q.hasSet(['b', 'a']), q.hasSet(['a']), q.hasSet(['c'])]).toEqual([true, true, false, false]);
    const cols = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `c${from + i}`);
    const full = new FrequencyQuery();
    full.stats(cols(29), undefined, ['rows']);
    expect([full.fits(['c29']), full.fits(['c0', 'c29']), full.fits(cols(2, 29))]).toEqual([true, true, false]);
    full.stats(['c29'], undefined, ['rows']);
    expect([full.fits(['c30']), full.fits(['c3', 'c29'])]).toEqual([false, true]);
  });

  it('Athena: one GROUPING SETS pass; each column once in grouping(); set ids filled in, past 9 sets too', () => {
    const q = new FrequencyQuery();
    expect(q.stats(['a'], undefined, ['rows'])).toEqual({ rows: 'g0' });
    expect(q.stats(['a', 'b'], undefined, ['distinct'])).toEqual({ distinct: 'g1' });
    // columns a, b: grouping() is 1 for the set (a) (b left out, the low bit), 0 for (a, b)
    expect(q.sql('t', 'athena')).toBe([
      'WITH __dq_groups AS (',
      '  SELECT grouping(a, b) AS __dq_set, a, b, count(*) AS __dq_n0',
      '  FROM t',
      '  GROUP BY GROUPING SETS ((a), (a, b))',
      ')',
      'SELECT',
      '  sum(__dq_n0) FILTER (WHERE __dq_set = 1 AND NOT (a IS NULL)) AS g0,',
      '  count(*) FILTER (WHERE __dq_set = 0 AND NOT (a IS NULL AND b IS NULL) AND __dq_n0 > 0) AS g1',
      'FROM __dq_groups',
    ].join('\n'));
    const many = new FrequencyQuery();
    for (let i = 0; i < 11; i++) many.stats([`c${i}`], undefined, ['rows']);
    const sql = many.sql('t', 'athena');
    expect(sql).not.toContain('{set');
    // c10 is the last of 11 columns: its set leaves out c0..c9, bits 10..1
    expect(sql).toContain(`__dq_set = ${2 ** 11 - 2} AND NOT (c10 IS NULL)`);
  });
});

describe('CustomSql statements', () => {
  it('binds primary (any case, not qualified, not in strings or comments), trims and drops trailing semicolons, and maps offsets back', () => {
    expect(bindPrimary('select count(*) from PRIMARY')).toBe('select count(*) from "primary"');
    expect(bindPrimary("select 'primary', x.primary, \"primary\" from primary -- primary\n/* primary */ ;; ")).toBe(
      "select 'primary', x.primary, \"primary\" from \"primary\" -- primary\n/* primary */ "); // trimmed before the semicolons go
    expect(bindPrimary('select a from primary where b = \'it\'\'s\'')).toBe('select a from "primary" where b = \'it\'\'s\'');
    expect(bindPrimary('select 1 /* open')).toBe('select 1 /* open');
    expect(bindPrimary('select 1 -- open')).toBe('select 1 -- open');
    const b = boundStatement('  select x from primary where y');
    expect(b.text).toBe('select x from "primary" where y');
    // "select" starts at 2 in the original; the quoted name maps onto the word; text after it shifts back by 2
    expect([0, 14, 15, 21, 22, 23, 24, 29].map(b.original)).toEqual([2, 16, 16, 22, 22, 23, 24, 29]);
    expect(b.original(500)).toBe(31);
  });

  it('the SQL of each form', () => {
    expect(relationsCte('b', [['customers', 't_customers']])).toBe('"primary" AS (SELECT * FROM b),\n"customers" AS (SELECT * FROM t_customers)');
    expect(customValueSql('select count(*) from primary', 'b')).toBe('WITH "primary" AS (SELECT * FROM b)\nSELECT * FROM (\nselect count(*) from "primary"\n) AS __dq_custom');
    expect(customRowsSql('select id from primary', 'b', ['id', 'k'])).toBe([
      'WITH "primary" AS (SELECT * FROM b),',
      '__dq_returned AS (SELECT DISTINCT "id", "k", 1 AS __dq_hit FROM (\nselect id from "primary"\n) AS __dq_custom)',
      'SELECT count(*) AS "rows", count(__dq_r.__dq_hit) AS "passed"',
      'FROM "primary" AS __dq_p LEFT JOIN __dq_returned AS __dq_r ON __dq_p."id" IS NOT DISTINCT FROM __dq_r."id" AND __dq_p."k" IS NOT DISTINCT FROM __dq_r."k"',
    ].join('\n'));
    expect(customFailingRowsSql('select id from primary', 'b', 'rows_t', 'rid', ['id'])).toBe([
      'WITH "primary" AS (SELECT * FROM b),',
      '__dq_returned AS (SELECT DISTINCT "id", 1 AS __dq_hit FROM (\nselect id from "primary"\n) AS __dq_custom)',
      'SELECT __dq_p."rid" AS id, CAST(NULL AS VARCHAR) AS value',
      'FROM rows_t AS __dq_p LEFT JOIN __dq_returned AS __dq_r ON __dq_p."id" IS NOT DISTINCT FROM __dq_r."id" WHERE __dq_r.__dq_hit IS NULL',
    ].join('\n'));
  });

  it('returnedColumns: the outer select list, as batch column names', () => {
    const cols = new Columns([{ name: 'id', type: 'bigint' }, { name: 'Status', type: 'string' }, { name: 'amount', type: 'double' }]);
    const r = (sql: string) => returnedColumns(sql, cols);
    expect(r('select id from primary')).toEqual(['id']);
    expect(r('SELECT DISTINCT ALL p.id, "status", x AS amount FROM primary p')).toEqual(['id', 'Status', 'amount']);
    expect(r('select * from primary')).toEqual(['id', 'Status', 'amount']);
    expect(r('select p.* , id from primary p')).toEqual(['id', 'Status', 'amount']);
    expect(r('select coalesce(a, b) id, (select max(x) from t) amount from primary')).toEqual(['id', 'amount']);
    expect(r('select cast(x as int) as id from primary')).toEqual(['id']);
    expect(r('with q as (select 1 from primary) select id from q')).toEqual(['id']);
    expect(r("select id from (select id, 'from' from primary) s")).toEqual(['id']);
    expect(() => r('values (1)')).toThrow('the statement has no SELECT');
    expect(() => r('select id')).toThrow('the statement does not select FROM primary');
    expect(() => r('select 1 from primary')).toThrow('row-level CustomSql returns rows of primary, so it must select columns of primary; "1" is not a column (select columns, or use the aggregate form with a condition)');
    expect(() => r('select id + 1 from primary')).toThrow('"id + 1" is not a column');
    expect(() => r('select , id from primary')).toThrow('"" is not a column');
    expect(() => r('select nope from primary')).toThrow('row-level CustomSql returns "nope", which is not a column of primary (its columns are matched back to the batch)');
    expect(() => r('select a.b.c.id, x.1 from primary')).toThrow('"x.1" is not a column');
  });

  it('returnedColumns reads the statement as DuckDB does: comments, quoted names with doubled quotes, strings, numbers', () => {
    const cols = new Columns([{ name: 'id', type: 'bigint' }, { name: 'Status', type: 'string' }]);
    const r = (sql: string) => returnedColumns(sql, cols);
    // a line comment ends at its line; a block comment at the first */ after its /* (not the one in "/*/")
    expect(r('select id -- the key\n, status from primary')).toEqual(['id', 'Status']);
    expect(r('select id /*/ a, b */, status from primary')).toEqual(['id', 'Status']);
    // quoted names: "" is one " in the name; a quoted word is a name, never a keyword (all, from); `...` quotes too
    const odd = new Columns([{ name: 'all', type: 'int' }, { name: 'from', type: 'int' }, { name: 'a"b', type: 'int' }]);
    expect(returnedColumns('select "all", "from", "a""b" from primary', odd)).toEqual(['all', 'from', 'a"b']);
    expect(r('select `id`, `Status` from primary')).toEqual(['id', 'Status']);
    // a string is not a name, and the message quotes it as written
    expect(() => r("select 'id' from primary")).toThrow(`"'id'" is not a column`);
    // a number is one token with its fraction and exponent, so the name after it is a constant's alias
    expect(() => r('select 1e5 id from primary')).toThrow('"1e5 id" is not a column');
    expect(() => r('select 1e,2 from primary')).toThrow('"1e" is not a column'); // no digits after e: 1, then the word e
    expect(() => r('select 1. from primary')).toThrow('"1." is not a column');
    expect(() => r('select id, 1,2 from primary')).toThrow('"1" is not a column');
    // parentheses and commas in strings do not count; neither does a quoted "select" before the statement's own
    expect(r("with q as (select '(' a, ')' b, count(*) n from primary) select id from q")).toEqual(['id']);
    expect(r('with "select" as (select id from primary), q as (select id from primary) select id from q')).toEqual(['id']);
    expect(r("select coalesce(status, '(', ')') status, id from primary")).toEqual(['Status', 'id']);
    expect(r("select status || ',' || id as id from primary")).toEqual(['id']);
    expect(() => r('select')).toThrow(new CustomSqlError('the statement does not select FROM primary'));
    // an alias follows a name, AS or ")"; after anything else the last name is part of an expression
    expect(r('select status id from primary')).toEqual(['id']);
    for (const item of ['status + id', '1 + id', "status '.' id", "status 'as' id", "status ')' id"]) {
      expect(() => r(`select ${item} from primary`)).toThrow(`"${item}" is not a column`);
    }
  });

  it('bindPrimary: primary after any operator but "." is the batch; only trailing semicolons and spaces go', () => {
    expect(bindPrimary('select * from refs,primary')).toBe('select * from refs,"primary"');
    expect(bindPrimary("select ';' x from primary;")).toBe(`select ';' x from "primary"`);
    // a comment after the semicolon stays (the vetting refuses the text after the statement)
    expect(bindPrimary('select 1 from primary;--')).toBe('select 1 from "primary";--');
  });
});

describe('outcomes from query results', () => {
  it('toNumber reads DuckDB and Athena cells', () => {
    expect([toNumber(null), toNumber(undefined), toNumber(NaN), toNumber(2.5), toNumber(7n), toNumber(true), toNumber(false)]).toEqual([undefined, undefined, undefined, 2.5, 7, 1, 0]);
    expect([toNumber(' 3.5 '), toNumber(''), toNumber('  '), toNumber('NaN'), toNumber('nan'), toNumber('x1'), toNumber('1e3'), toNumber('-Infinity'), toNumber({})]).toEqual(
      [3.5, undefined, undefined, undefined, undefined, undefined, 1000, -Infinity, undefined]);
  });

  const leaf = (id: number, text: string): LeafPlan => ({ kind: 'leaf', id, type: 'RowCount', text, cells: {}, known: {}, subject: [] });
  const o = (outcome: LeafOutcome['outcome'], message: string, metrics: Record<string, number> = {}): LeafOutcome => ({ outcome, metrics, message });

  it('composites: Kleene logic, with the operands that decide named in the message', () => {
    const outcomes = new Map<number, LeafOutcome>([[0, o('PASS', 'p0', { a: 1 })], [1, o('FAIL', 'f1', { b: 2 })], [2, o('ERROR', 'e2')], [3, o('PASS', 'p3', { a: 5 })]]);
    const and = (...ids: number[]): PlannedRule => ({ kind: 'and', text: 'AND', operands: ids.map((i) => leaf(i, `r${i}`)) });
    const or = (...ids: number[]): PlannedRule => ({ kind: 'or', text: 'OR', operands: ids.map((i) => leaf(i, `r${i}`)) });
    const c = (p: PlannedRule) => { const r = combine(p, outcomes); return [r.outcome, r.message]; };
    expect(c(and(0, 3))).toEqual(['PASS', 'and: all 2 rules pass']);
    expect(c(and(0, 1, 2))).toEqual(['FAIL', 'and: 2 of 3 rules fail: (r1) FAIL: f1; (r2) ERROR: e2']);
    expect(c(and(0, 2))).toEqual(['ERROR', 'and: 1 of 2 rules could not be evaluated: (r2) ERROR: e2']);
    expect(c(or(1, 0, 2))).toEqual(['PASS', 'or: 1 of 3 rules pass: (r0) PASS: p0']);
    expect(c(or(1, 2))).toEqual(['ERROR', 'or: 1 of 2 rules could not be evaluated: (r1) FAIL: f1; (r2) ERROR: e2']);
    expect(c(or(1))).toEqual(['FAIL', 'or: none of 1 rules pass: (r1) FAIL: f1']);
    // a is measured differently by two operands (over other rows): it stays theirs, not the composite's.
    const merged = combine(and(0, 1, 3), outcomes);
    expect(merged).toMatchObject({ rule: 'AND', metrics: { b: 2 } });
    expect(Object.keys(merged.metrics)).toEqual(['b']);
    expect(merged.operands!.map((x) => [x.rule, x.metrics])).toEqual([['r0', { a: 1 }], ['r1', { b: 2 }], ['r3', { a: 5 }]]);
    expect(combine(and(0, 0), outcomes).metrics).toEqual({ a: 1 });
    expect(combine(leaf(9, 'r9'), outcomes)).toEqual({ rule: 'r9', outcome: 'ERROR', metrics: {}, message: 'not evaluated' });
  });

  it('score: the share of passing rules, 1 without rules', () => {
    const r = (outcome: RuleResult['outcome']): RuleResult => ({ rule: 'x', outcome, metrics: {}, message: '' });
    expect(score([])).toBe(1);
    expect(score([r('PASS'), r('FAIL'), r('ERROR'), r('PASS')])).toBe(0.5);
  });

  it('a leaf reads its cells: a query that was not run or failed is an ERROR; a plan error is the message', () => {
    const ruleset = (rules: PlannedRule[]): CompiledRuleset => ({ dialect: 'duckdb', queries: [], rules });
    const rc = (q: number): LeafPlan => ({ ...leaf(0, 'RowCount > 1'), cells: { rows: { query: q, column: 'm0' } }, expect: { check: { kind: 'compare', op: '>', value: 1 }, text: '> 1', dynamic: [] } });
    const one = (p: LeafPlan, outputs: Parameters<typeof interpretResults>[1]) => interpretResults(ruleset([p]), outputs).results[0]!;
    expect(one(rc(0), [[{ m0: 2 }]])).toEqual({ rule: 'RowCount > 1', outcome: 'PASS', metrics: { 'Dataset.*.RowCount': 2 }, message: 'RowCount is 2 (> 1)' });
    expect(one(rc(0), [[{ m0: '1' }]])).toEqual({ rule: 'RowCount > 1', outcome: 'FAIL', metrics: { 'Dataset.*.RowCount': 1 }, message: 'RowCount is 1, expected > 1' });
    expect(one(rc(1), [[{ m0: 2 }]])).toEqual({ rule: 'RowCount > 1', outcome: 'ERROR', metrics: {}, message: 'the query failed: its query was not run' });
    expect(one(rc(0), [{ error: 'boom' }])).toEqual({ rule: 'RowCount > 1', outcome: 'ERROR', metrics: {}, message: 'the query failed: boom' });
    expect(one(rc(0), [[]])).toEqual({ rule: 'RowCount > 1', outcome: 'FAIL', metrics: {}, message: 'RowCount is undefined: no rows' });
    expect(one({ ...rc(0), error: 'bad plan' }, [[{ m0: 2 }]])).toEqual({ rule: 'RowCount > 1', outcome: 'ERROR', metrics: {}, message: 'bad plan' });
    expect(one({ ...leaf(0, 'Odd'), type: 'Odd' }, [])).toEqual({ rule: 'Odd', outcome: 'ERROR', metrics: {}, message: 'Odd is not supported' });
    // dynamic notes: after a ";" when it passes, in parentheses when it fails
    const dyn = (v: number) => one({ ...rc(0), expect: { check: { kind: 'compare', op: '>', value: 1 }, text: '> 1', dynamic: ['avg(last(2)) = 1 from 2 previous values'] } }, [[{ m0: v }]]).message;
    expect(dyn(2)).toBe('RowCount is 2 (> 1; avg(last(2)) = 1 from 2 previous values)');
    expect(dyn(0)).toBe('RowCount is 0, expected > 1 (avg(last(2)) = 1 from 2 previous values)');
    // an infinite metric is undefined, named as such
    expect(one(rc(0), [[{ m0: 'Infinity' }]])).toMatchObject({ outcome: 'FAIL', message: 'RowCount is undefined: Infinity' });
  });
});

describe('outcomes of each rule type, in the shapes the rule tests do not reach', () => {
  const gt = (value: number, dynamic: string[] = []): LeafPlan['expect'] => ({ check: { kind: 'compare', op: '>', value }, text: `> ${value}`, dynamic });
  /** One leaf reading the given cells from the one row of query 0. */
  const run = (type: string, subject: string[], cells: Record<string, unknown>, more: Partial<LeafPlan> = {}, outputs?: Parameters<typeof interpretResults>[1]) => {
    const roles = Object.keys(cells);
    const plan: LeafPlan = { kind: 'leaf', id: 0, type, text: type, known: {}, subject, expect: gt(0), ...more,
      cells: Object.fromEntries(roles.map((r, i) => [r, { query: 0, column: `c${i}` }])) };
    const ruleset: CompiledRuleset = { dialect: 'duckdb', queries: [], rules: [plan] };
    const { outcome, metrics, message } = interpretResults(ruleset, outputs ?? [[Object.fromEntries(roles.map((r, i) => [`c${i}`, cells[r]]))]]).results[0]!;
    return { outcome, metrics, message };
  };

  it('dataset and column rules', () => {
    expect(run('ColumnCount', [], {})).toEqual({ outcome: 'FAIL', metrics: {}, message: 'ColumnCount is undefined: no value' });
    expect(run('ColumnNamesMatchPattern', ['X'], {}, { known: { matched: 3, total: 4 } })).toEqual(
      { outcome: 'FAIL', metrics: { 'Dataset.*.ColumnNamesPatternMatchRatio': 0.75 }, message: '1 of 4 column names do not match: "X"' });
    expect(run('ColumnNamesMatchPattern', [], {}, { known: { matched: 0, total: 0 } })).toEqual({ outcome: 'PASS', metrics: {}, message: 'all 0 column names match' });
    expect(run('IsComplete', ['s'], { rows: 6, nonNull: 6 })).toEqual({ outcome: 'PASS', metrics: { 'Column.s.Completeness': 1 }, message: '"s" has no NULL values in 6 rows' });
    expect(run('Uniqueness', ['a'], { f_rows: null, f_unique: null })).toEqual({ outcome: 'FAIL', metrics: {}, message: 'Uniqueness of "a" is undefined: no non-NULL values' });
    expect(run('UniqueValueRatio', ['a'], { f_distinct: null, f_unique: null })).toEqual({ outcome: 'FAIL', metrics: {}, message: 'UniqueValueRatio of "a" is undefined: no non-NULL values' });
    expect(run('Entropy', ['a'], { f_rows: null, f_nlogn: null })).toEqual({ outcome: 'FAIL', metrics: {}, message: 'Entropy of "a" is undefined: no non-NULL values' });
    const corr = 'ColumnCorrelation of "a" and "b" is undefined: ';
    expect(run('ColumnCorrelation', ['a', 'b'], { value: null, rows: 5 }).message).toBe(`${corr}fewer than two rows with both values, or a column without variance`);
    expect(run('ColumnCorrelation', ['a', 'b'], { value: null, rows: 0 }).message).toBe(`${corr}no rows`);
    // an infinite metric is left out of the metrics
    expect(run('RowCount', [], { rows: 'Infinity' })).toEqual({ outcome: 'FAIL', metrics: {}, message: 'RowCount is undefined: Infinity' });
  });

  it('IsPrimaryKey: no rows; NULLs and repeats among the rows that have a key', () => {
    expect(run('IsPrimaryKey', ['id'], { rows: 0, f_rows: 0, f_unique: 0, nonNull0: 0 })).toEqual({ outcome: 'FAIL', metrics: {}, message: 'the key "id" is undefined: no rows' });
    // 5 rows; 4 with a key (f_rows: the rows whose key columns are not all NULL), 2 of those unique; "a" NULL in one row
    expect(run('IsPrimaryKey', ['a', 'b'], { rows: 5, f_rows: 4, f_unique: 2, nonNull0: 4, nonNull1: 5 })).toEqual({
      outcome: 'FAIL',
      metrics: { 'Multicolumn.a,b.Uniqueness': 0.5, 'Column.a.Completeness': 0.8, 'Column.b.Completeness': 1 },
      message: '"a", "b" is not a primary key: "a" has 1 NULL value; among rows with a key, 2 of 4 rows share their key with another row',
    });
  });

  it('row-level rules: all rows pass; DataFreshness\'s compliance metric', () => {
    expect(run('ColumnValues', ['v'], { rows: 6, passed: 6 })).toEqual({ outcome: 'PASS', metrics: { 'Column.v.ColumnValues.Compliance': 1 }, message: 'all 6 rows pass' });
    expect(run('DataFreshness', ['ts'], { rows: 4, passed: 3 })).toEqual(
      { outcome: 'FAIL', metrics: { 'Column.ts.DataFreshness.Compliance': 0.75 }, message: '1 of 4 rows fail (0.75 pass), expected all rows to pass' });
  });

  it('CustomSql with a condition: the shape of its result', () => {
    const c = (outputs: Parameters<typeof interpretResults>[1], customQuery = 0) => run('CustomSql', [], {}, { customQuery }, outputs);
    const shape = 'CustomSql with a condition must return one row with one number; it returned ';
    expect(c([[{ x: 1 }]], 1)).toEqual({ outcome: 'ERROR', metrics: {}, message: 'the query failed: its query was not run' });
    expect(c([[{ a: 1, b: 2 }]]).message).toBe(`${shape}1 row of 2 columns`);
    expect(c([[{ a: 1 }, { a: 2 }]]).message).toBe(`${shape}2 rows of 1 column`);
    expect(c([[]]).message).toBe(`${shape}0 rows`);
    expect(c([[{ x: null }]])).toEqual({ outcome: 'FAIL', metrics: {}, message: 'CustomSql value is undefined: the statement returned NULL' });
    expect(c([[{ x: 5n }]])).toEqual({ outcome: 'PASS', metrics: { 'Dataset.*.CustomSQL': 5 }, message: 'CustomSql value is 5 (> 0)' });
  });

  it('references: ReferentialIntegrity names the reference columns; RowCountMatch an empty reference', () => {
    const ri = (rows: number) => run('ReferentialIntegrity', ['a', 'b'], { rows, matched: 3 }, { reference: { dataset: 'refs', columns: ['id', 'k'] }, expect: gt(0.9) });
    expect(ri(4)).toEqual({ outcome: 'FAIL', metrics: { 'Column.refs.ReferentialIntegrity': 0.75 }, message: 'ReferentialIntegrity of "a", "b" in refs.{id,k} is 0.75, expected > 0.9' });
    expect(ri(0)).toEqual({ outcome: 'FAIL', metrics: {}, message: 'ReferentialIntegrity of "a", "b" in refs.{id,k} is undefined: no rows' });
    expect(run('RowCountMatch', ['refs'], { rows: 5, refRows: 0 })).toEqual(
      { outcome: 'FAIL', metrics: {}, message: 'RowCountMatch with "refs" (5 / 0 rows) is undefined: the reference dataset has no rows' });
  });

  it('two dynamic notes; the score counts passes; a plan without its expectation is a bug, thrown', () => {
    const notes = ['a = 1 from 2 previous values', 'b = 3 from 2 previous values'];
    expect(run('RowCount', [], { rows: 2 }, { expect: gt(1, notes) }).message).toBe('RowCount is 2 (> 1; a = 1 from 2 previous values; b = 3 from 2 previous values)');
    expect(run('RowCount', [], { rows: 0 }, { expect: gt(1, notes) }).message).toBe('RowCount is 0, expected > 1 (a = 1 from 2 previous values; b = 3 from 2 previous values)');
    const r = (outcome: RuleResult['outcome']): RuleResult => ({ rule: 'x', outcome, metrics: {}, message: '' });
    expect(score([r('PASS'), r('FAIL'), r('FAIL'), r('ERROR')])).toBe(0.25);
    expect(() => run('RowCount', [], { rows: 2 }, { expect: undefined })).toThrow(TypeError);
  });
});

describe('row predicates in forms the rule tests do not write', () => {
  const cond = (rule: string) => (parseRule(rule).rule as LeafRule).condition!;
  const zip = { name: 'zip', sql: '"zip"', type: logicalType('VARCHAR') };
  const ts = { name: 'ts', sql: '"ts"', type: logicalType('TIMESTAMP') };
  const L = 'coalesce(length("zip"), 0)';
  const at = (hms: string, day = '10') => `TIMESTAMP '2025-01-${day} ${hms}.000'`;

  it('ColumnLength: !=, in, not in, not between', () => {
    expect(columnLengthPredicate(zip, cond('ColumnLength "zip" != 5'))).toBe(`${L} <> 5`);
    expect(columnLengthPredicate(zip, cond('ColumnLength "zip" in [3, 5]'))).toBe(`${L} IN (3, 5)`);
    expect(columnLengthPredicate(zip, cond('ColumnLength "zip" not in [3]'))).toBe(`${L} NOT IN (3)`);
    expect(columnLengthPredicate(zip, cond('ColumnLength "zip" not between 2 and 4'))).toBe(`(${L} <= 2 OR ${L} >= 4)`);
  });

  it('DataFreshness: in, not in, not between (now 2025-01-10 12:00)', () => {
    const now = Date.parse('2025-01-10T12:00:00Z');
    expect(freshnessPredicate(ts, cond('DataFreshness "ts" in [1 hours, 2 hours]'), now)).toBe(`"ts" IN (${at('11:00:00')}, ${at('10:00:00')})`);
    expect(freshnessPredicate(ts, cond('DataFreshness "ts" not in [30 minutes]'), now)).toBe(`"ts" NOT IN (${at('11:30:00')})`);
    expect(freshnessPredicate(ts, cond('DataFreshness "ts" not between 1 hours and 2 hours'), now)).toBe(`("ts" >= ${at('11:00:00')} OR "ts" <= ${at('10:00:00')})`);
  });

  it('a timestamp column against a day: each comparison and between as bounds on the stored instants', () => {
    const p = (c: string) => columnValuesPredicate(ts, cond(`ColumnValues "ts" ${c}`), sqlDialect('duckdb'), 0);
    const d9 = at('00:00:00', '09');
    const d10 = at('00:00:00', '10');
    expect(p('!= "2025-01-09"')).toBe(`("ts" IS NULL OR "ts" < ${d9} OR "ts" >= ${d10})`);
    expect(p('> "2025-01-09"')).toBe(`"ts" >= ${d10}`);
    expect(p('>= "2025-01-09"')).toBe(`"ts" >= ${d9}`);
    expect(p('< "2025-01-09"')).toBe(`"ts" < ${d9}`);
    expect(p('<= "2025-01-09"')).toBe(`"ts" < ${d10}`);
    expect(p('between "2025-01-08" and "2025-01-10"')).toBe(`("ts" >= ${d9} AND "ts" < ${d10})`);
    expect(p('not between "2025-01-08" and "2025-01-10"')).toBe(`("ts" < ${d9} OR "ts" >= ${d10})`);
  });

  const col = (name: string, type: string) => ({ name, sql: `"${name}"`, type: logicalType(type) });
  const n = col('n', 'INTEGER'), big = col('big', 'BIGINT'), amt = col('amt', 'DECIMAL(12,2)'), x = col('x', 'DOUBLE'), d = col('d', 'DATE'), b = col('b', 'BLOB');
  const now = Date.parse('2025-01-10T12:00:00Z');
  const cv = (c: typeof n, rule: string) => columnValuesPredicate(c, cond(rule), sqlDialect('duckdb'), now);
  /** [a PredicateError (which the compiler turns into the rule's error; anything else escapes it), its message] */
  const refusal = (f: () => unknown) => { try { f(); } catch (e) { return [e instanceof PredicateError, (e as Error).message]; } return 'no error'; };

  it('ColumnValues against strings: number columns compared as their text, other types refused; keywords are strings', () => {
    expect(cv(big, 'ColumnValues "big" in ["1", "2"]')).toBe(`CAST("big" AS VARCHAR) IN ('1', '2')`);
    expect(cv(amt, 'ColumnValues "amt" = "1.50"')).toBe(`CAST("amt" AS VARCHAR) = '1.50'`);
    expect(cv(n, 'ColumnValues "n" = EMPTY')).toBe(`CAST("n" AS VARCHAR) = ''`);
    expect(cv(n, 'ColumnValues "n" != WHITESPACES_ONLY')).toBe(`("n" IS NULL OR NOT regexp_full_match(CAST("n" AS VARCHAR), '[ \\t\\n\\x0B\\f\\r]+'))`);
    expect(cv(n, 'ColumnValues "n" matches "1.*"')).toBe(`regexp_full_match(CAST("n" AS VARCHAR), '1.*')`);
    expect(cv(zip, 'ColumnValues "zip" = EMPTY')).toBe(`"zip" = ''`);
    expect(cv(zip, 'ColumnValues "zip" in [EMPTY, NULL]')).toBe(`("zip" = '' OR "zip" IS NULL)`);
    expect(cv(zip, 'ColumnValues "zip" not in [NULL]')).toBe(`("zip" IS NOT NULL AND TRUE)`);
    // a day on a string column is just a string
    expect(cv(zip, 'ColumnValues "zip" = "2025-01-09"')).toBe(`"zip" = '2025-01-09'`);
    const strings = (c: string, t: string) => [true, `ColumnValues compares strings, but "${c}" is a ${t} column`];
    expect(refusal(() => cv(x, 'ColumnValues "x" = EMPTY'))).toEqual(strings('x', 'double'));
    expect(refusal(() => cv(x, 'ColumnValues "x" matches "1.*"'))).toEqual(strings('x', 'double'));
    expect(refusal(() => cv(ts, 'ColumnValues "ts" = "x"'))).toEqual(strings('ts', 'timestamp'));
  });

  it('ColumnValues against days and now(): the column type decides the literals; other types refused by name', () => {
    expect(cv(ts, 'ColumnValues "ts" in ["2025-01-09"]')).toBe(`CAST("ts" AS DATE) IN (DATE '2025-01-09')`);
    // with now() in the condition, a day on a timestamp column is still a day (after the 9th: from the 10th's
    // midnight), now() an instant; a date column stays in days
    expect(cv(ts, 'ColumnValues "ts" between "2025-01-09" and now()')).toBe(`("ts" >= ${at('00:00:00', '10')} AND "ts" < ${at('12:00:00')})`);
    expect(cv(ts, 'ColumnValues "ts" in ["2025-01-09", now()]')).toBe(`("ts" IN (${at('12:00:00')}) OR ("ts" >= ${at('00:00:00', '09')} AND "ts" < ${at('00:00:00', '10')}))`);
    expect(cv(d, 'ColumnValues "d" between "2025-01-01" and now()')).toBe(`("d" > DATE '2025-01-01' AND "d" < DATE '2025-01-10')`);
    expect(refusal(() => cv(amt, 'ColumnValues "amt" > now()'))).toEqual([true, 'ColumnValues compares dates, but "amt" is a decimal(12,2) column']);
    // a column of a type strata does not map (BLOB): a day is refused, a string compared as it is
    expect(refusal(() => cv(b, 'ColumnValues "b" = "2025-01-01"'))).toEqual([true, 'ColumnValues compares dates, but "b" is a unknown column']);
    expect(cv(b, 'ColumnValues "b" = "x"')).toBe(`"b" = 'x'`);
    expect(refusal(() => cv(n, 'ColumnValues "n" = 1/0'))).toEqual([true, '1/0 is not a finite number']);
  });

  it('DataFreshness: = != >= flipped; an unmapped column type refused', () => {
    expect(freshnessPredicate(ts, cond('DataFreshness "ts" = 1 hours'), now)).toBe(`"ts" = ${at('11:00:00')}`);
    expect(freshnessPredicate(ts, cond('DataFreshness "ts" != 1 hours'), now)).toBe(`"ts" <> ${at('11:00:00')}`);
    expect(freshnessPredicate(ts, cond('DataFreshness "ts" >= 1 hours'), now)).toBe(`"ts" <= ${at('11:00:00')}`);
    expect(refusal(() => freshnessPredicate(b, cond('DataFreshness "b" > 1 hours'), now))).toEqual([true, 'DataFreshness applies to date and timestamp columns; "b" is a unknown column']);
  });

  it('conditions the parser does not produce (a rule built another way) are PredicateErrors, never a crash', () => {
    const NULL = { kind: 'keyword', value: 'NULL' } as const;
    const day = { kind: 'date', value: '2025-01-09' } as const;
    const hour = { kind: 'duration', ms: 3_600_000, text: '1 hours' } as const;
    const s = { kind: 'string', value: 'x' } as const;
    const d = sqlDialect('duckdb');
    expect(refusal(() => columnValuesPredicate(ts, { kind: 'between', negated: false, low: NULL, high: day, text: '' }, d, now))).toEqual([true, 'unexpected keyword among dates']);
    expect(refusal(() => columnValuesPredicate(ts, { kind: 'in', negated: false, operands: [{ kind: 'now', offsetMs: 0, text: 'now()' }, s], text: '' }, d, now))).toEqual([true, 'unexpected string among dates']);
    expect(refusal(() => columnValuesPredicate(zip, { kind: 'in', negated: false, operands: [hour, s], text: '' }, d, now))).toEqual([true, 'unexpected duration among strings']);
    expect(refusal(() => columnValuesPredicate(zip, { kind: 'compare', op: '=', operand: hour, text: '' }, d, now))).toEqual([true, 'unexpected operand']);
    expect(refusal(() => freshnessPredicate(ts, cond('ColumnValues "ts" > 5'), now))).toEqual([true, 'DataFreshness compares with durations']);
    expect(refusal(() => freshnessPredicate(ts, cond('ColumnValues "ts" matches "x"'), now))).toEqual([true, 'DataFreshness compares durations']);
    expect(refusal(() => columnLengthPredicate(zip, cond('ColumnValues "zip" matches "x"')))).toEqual([true, 'matches applies to strings']);
    expect(refusal(() => columnLengthPredicate(zip, { kind: 'compare', op: '>', operand: s, text: '' }))).toEqual([true, 'expected a number, found string']);
  });
});
