// DQDL rule semantics on real DuckDB, with expectations computed by hand from the fixture rows below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { checkRules } from '../core/dqdl/compile.ts';
import { compileVetted } from '../core/dqdl/sandbox.ts';
import { toNumber } from '../core/dqdl/interpret.ts';
import { evaluateRules } from '../runtime/quality/evaluate-rules.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import { parseGate } from '../runtime/quality/gate.ts';
import type { RuleContext, RuleResult } from '../core/dqdl/types.ts';

const NOW = '2025-01-10T12:00:00Z';
let db: Duck;

beforeAll(async () => {
  db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
  // x: 0, 20, 40, NULL → mean 20, sum 60, population sd √(800/3); (x, y) pairs without NULL correlate at 0.5.
  await db.run(`CREATE TABLE nums AS SELECT * FROM (VALUES (0.0, 1.0, 1), (20.0, 3.0, 2), (40.0, 2.0, 3), (NULL, 9.0, 4)) t(x, y, k)`);
  // v: a a b c c c NULL NULL → 6 non-NULL rows, counts a:2 b:1 c:3.
  await db.run(`CREATE TABLE freq AS SELECT * FROM (VALUES
    ('a', 'x', 1, 1), ('a', 'x', 2, 2), ('b', 'y', 3, 3), ('c', 'y', 4, 4),
    ('c', 'z', 5, 5), ('c', 'z', 6, 6), (NULL, 'z', 7, NULL), (NULL, 'z', 8, 8)) t(v, w, k, k2)`);
  await db.run(`CREATE TABLE vals AS SELECT id, s, n, CAST(d AS DATE) AS d, CAST(ts AS TIMESTAMP) AS ts FROM (VALUES
    (1, 'US', 1,    '2025-01-01', '2025-01-10 11:00:00'),
    (2, 'CA', 5,    '2025-01-05', '2025-01-10 00:00:00'),
    (3, '',   10,   '2025-01-09', '2025-01-08 12:00:00'),
    (4, '  ', NULL, '2025-01-10', '2025-01-01 00:00:00'),
    (5, NULL, 15,   NULL,         NULL),
    (6, 'UK', 20,   '2024-12-31', '2025-01-09 12:00:00')) t(id, s, n, d, ts)`);
  await db.run(`CREATE TABLE orders AS SELECT * FROM (VALUES (1, 'eu'), (2, 'us'), (2, 'eu'), (3, 'eu'), (NULL, 'us')) t(cid, region)`);
  await db.run(`CREATE TABLE customers AS SELECT * FROM (VALUES (1, 'eu'), (2, 'us'), (2, 'us')) t(id, region)`);
  await db.run(`CREATE TABLE empty AS SELECT * FROM nums WHERE false`);
});
afterAll(() => db?.close());

async function evaluate(table: string, rules: string[], extra: Partial<RuleContext> = {}) {
  const parsed = parseRules(rules);
  expect(parsed.errors).toEqual([]);
  const ctx: RuleContext = {
    dialect: 'duckdb', batch: table, columns: await db.columns(table), now: NOW,
    reference: (d) => (d === 'customers' ? 'customers' : undefined), ...extra,
  };
  return evaluateRules(db, parsed.rules, ctx);
}
async function one(table: string, rule: string, extra: Partial<RuleContext> = {}): Promise<RuleResult> {
  return (await evaluate(table, [rule], extra)).results[0]!;
}
/** Outcome and compliance (passing share) of row-level rules, one per rule. */
async function shares(table: string, rules: string[]): Promise<Array<[string, string, number | undefined]>> {
  const r = await evaluate(table, rules);
  return r.results.map((x) => [x.rule, x.outcome, Object.entries(x.metrics).find(([k]) => k.endsWith('Compliance'))?.[1]]);
}
const row = (rule: string, passing: number, of = 6): [string, string, number] => [rule, passing === of ? 'PASS' : 'FAIL', passing / of];

describe('dataset and column statistics', () => {
  it('RowCount, ColumnCount, ColumnExists, ColumnNamesMatchPattern', async () => {
    const r = await evaluate('nums', ['RowCount = 4', 'RowCount between 4 and 5', 'RowCount not between 4 and 5', 'RowCount between 3 and 4', 'RowCount not between 3 and 4', 'ColumnCount = 3',
      'ColumnExists "y"', 'ColumnExists "z"', 'ColumnNamesMatchPattern "[a-z]"', 'ColumnNamesMatchPattern "[xy]"', 'RowCount = 2 where "k <= 2"']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['PASS', 'RowCount is 4 (= 4)'],
      ['FAIL', 'RowCount is 4, expected between 4 and 5'], // between is exclusive
      ['PASS', 'RowCount is 4 (not between 4 and 5)'], // not between is inclusive
      ['FAIL', 'RowCount is 4, expected between 3 and 4'], // on the upper bound: exclusive there too
      ['PASS', 'RowCount is 4 (not between 3 and 4)'],
      ['PASS', 'ColumnCount is 3 (= 3)'],
      ['PASS', 'column "y" exists'],
      ['FAIL', 'column "z" does not exist'],
      ['PASS', 'all 3 column names match'],
      ['FAIL', '1 of 3 column names do not match: "k"'],
      ['PASS', 'RowCount is 2 (= 2)'],
    ]);
    expect(r.results[0]!.metrics).toEqual({ 'Dataset.*.RowCount': 4 });
    expect(r.results[5]!.metrics).toEqual({ 'Dataset.*.ColumnCount': 3 });
  });

  it('Completeness and IsComplete: non-NULL rows / rows', async () => {
    const r = await evaluate('nums', ['Completeness "x" = 0.75', 'Completeness "x" > 0.75', 'IsComplete "y"', 'IsComplete "x"', 'IsComplete "x" where "k < 4"']);
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'FAIL', 'PASS', 'FAIL', 'PASS']);
    expect(r.results[3]).toEqual({ rule: 'IsComplete "x"', outcome: 'FAIL', metrics: { 'Column.x.Completeness': 0.75 }, message: '"x" has 1 NULL value in 4 rows (Completeness 0.75)' });
    expect(r.results[4]!.metrics).toEqual({ 'Column.x.Completeness': 1 });
  });

  it('Mean, Sum and StandardDeviation ignore NULLs; the standard deviation is the population one', async () => {
    const r = await evaluate('nums', ['Mean "x" = 20', 'Sum "x" = 60', 'StandardDeviation "x" between 16.32 and 16.34', 'Mean "x" = 30 where "k >= 2"',
      'Mean "x" between 10 and 20', 'Mean "x" between 20 and 30', 'Mean "x" between 19 and 21', 'Mean "x" not between 10 and 20']);
    // The mean, 20, sits on the upper bound of the fifth rule and the lower bound of the sixth: between excludes both.
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'FAIL', 'FAIL', 'PASS', 'PASS']);
    expect(r.results[2]!.metrics['Column.x.StandardDeviation']).toBeCloseTo(Math.sqrt(800 / 3), 12);
    expect(r.results.slice(0, 4).map((x) => x.metrics)).toMatchObject([{ 'Column.x.Mean': 20 }, { 'Column.x.Sum': 60 }, {}, { 'Column.x.Mean': 30 }]);
    expect(r.results[4]!.message).toBe('Mean of "x" is 20, expected between 10 and 20');
  });

  it('booleans compare as text; a column name in another case is the same column', async () => {
    await db.run(`CREATE TABLE flags AS SELECT * FROM (VALUES (true), (false), (true), (NULL)) t(Active)`);
    const r = await evaluate('flags', ['ColumnValues "active" = "true"', 'ColumnValues "ACTIVE" in ["true", "false", NULL]', 'Completeness "active" = 0.75']);
    expect(r.results.map((x) => [x.outcome, x.metrics])).toEqual([
      ['FAIL', { 'Column.Active.ColumnValues.Compliance': 0.5 }], ['PASS', { 'Column.Active.ColumnValues.Compliance': 1 }], ['PASS', { 'Column.Active.Completeness': 0.75 }],
    ]);
  });

  it('decimal columns typed as in the schema file are summed exactly and averaged as doubles', async () => {
    await db.run(`CREATE TABLE money AS SELECT CAST(a AS DECIMAL(12,2)) AS amount FROM (VALUES (0.10), (0.20), (NULL)) t(a)`);
    const r = await evaluate('money', ['Sum "amount" = 0.3', 'Mean "amount" = 0.15'], { columns: [{ name: 'amount', type: 'decimal(12,2)' }] });
    expect(r.results.map((x) => [x.outcome, x.metrics])).toEqual([['PASS', { 'Column.amount.Sum': 0.3 }], ['PASS', { 'Column.amount.Mean': 0.15000000000000002 }]]);
  });

  it('a sum of integers compares exactly, however large; a mean of doubles within a relative 1e-12 (attack, stop 35)', async () => {
    await db.run(`CREATE TABLE big AS SELECT * FROM (VALUES (1000000000000::BIGINT, 0.1::DOUBLE), (999, 0.2)) t(amount, f)`);
    const r = await evaluate('big', ['Sum "amount" <= 1000000000000', 'Sum "amount" = 1000000000999', 'Mean "amount" <= 500000000000',
      'Sum "f" = 0.3', 'Mean "f" = 0.15']);
    expect(r.results.map((x) => x.outcome)).toEqual(['FAIL', 'PASS', 'FAIL', 'PASS', 'PASS']);
    expect(r.results[0]!.message).toBe('Sum of "amount" is 1000000000999, expected <= 1000000000000');
    await db.run('DROP TABLE big');
    // Near zero a floating-point aggregate is 0 within 1e-12: one value 23 times has entropy 0 (computed as 4.4e-16),
    // and 0.1 + 0.2 - 0.3 sums to 0 (5.6e-17) — the second attack of stop 35.
    await db.run(`CREATE TABLE near AS SELECT 'a' AS s, CAST(CASE i WHEN 0 THEN 0.1 WHEN 1 THEN 0.2 WHEN 2 THEN -0.3 ELSE 0 END AS DOUBLE) AS x FROM range(23) r(i)`);
    const z = await evaluate('near', ['Entropy "s" = 0', 'Entropy "s" > 0', 'Sum "x" = 0', 'Sum "x" > 0']);
    expect(z.results.map((x) => [x.rule, x.outcome])).toEqual([['Entropy "s" = 0', 'PASS'], ['Entropy "s" > 0', 'FAIL'], ['Sum "x" = 0', 'PASS'], ['Sum "x" > 0', 'FAIL']]);
    await db.run('DROP TABLE near');
  });

  it('a NaN metric is named as such, not as "no non-NULL values"; an infinite one is undefined (attack, stop 35)', async () => {
    await db.run(`CREATE TABLE odd AS SELECT * FROM (VALUES (5.0::DOUBLE, 5.0::DOUBLE), ('NaN'::DOUBLE, 'inf'::DOUBLE), ('inf'::DOUBLE, 1.0)) t(withnan, withinf)`);
    const r = await evaluate('odd', ['Mean "withnan" > 0', 'Mean "withinf" > 0', 'Mean "withinf" < 0',
      // A NaN CustomSql value, of a DOUBLE or a FLOAT, is NaN too (attack, stop 38: "it returned null", JSON's NaN).
      'CustomSql "select max(withnan) from primary" > 0', 'CustomSql "select CAST(max(withnan) AS FLOAT) from primary" != 1']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['FAIL', 'Mean of "withnan" is NaN: the column holds NaN or infinite values, for which no condition holds'],
      ['FAIL', 'Mean of "withinf" is undefined: Infinity'],
      ['FAIL', 'Mean of "withinf" is undefined: Infinity'],
      ['FAIL', 'CustomSql value is NaN, for which no condition holds'],
      ['FAIL', 'CustomSql value is NaN, for which no condition holds'],
    ]);
    await db.run('DROP TABLE odd');
  });

  it('ColumnCorrelation: Pearson over the rows where both values are present', async () => {
    const r = await one('nums', 'ColumnCorrelation "x" "y" = 0.5');
    expect(r).toEqual({ rule: 'ColumnCorrelation "x" "y" = 0.5', outcome: 'PASS', metrics: { 'Multicolumn.x,y.ColumnCorrelation': 0.5 }, message: 'ColumnCorrelation of "x" and "y" is 0.5 (= 0.5)' });
  });

  it('an undefined metric fails and says why: no rows, or only NULLs', async () => {
    const r = await evaluate('nums', ['Mean "x" > 0 where "k = 4"', 'Sum "x" > 0 where "k > 10"', 'Completeness "x" > 0 where "k > 10"']);
    expect(r.results.map((x) => [x.outcome, x.message, x.metrics])).toEqual([
      ['FAIL', 'Mean of "x" is undefined: no non-NULL values', {}],
      ['FAIL', 'Sum of "x" is undefined: no rows', {}],
      ['FAIL', 'Completeness of "x" is undefined: no rows', {}],
    ]);
  });

  it('an empty batch: counts are 0, ratios and row checks are undefined and fail', async () => {
    const r = await evaluate('empty', ['RowCount = 0', 'Completeness "x" > 0', 'IsComplete "x"', 'ColumnValues "x" > 0', 'IsUnique "k"', 'DistinctValuesCount "k" = 0', 'Mean "x" > 0']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['PASS', 'RowCount is 0 (= 0)'],
      ['FAIL', 'Completeness of "x" is undefined: no rows'],
      ['FAIL', 'Completeness of "x" is undefined: no rows'],
      ['FAIL', 'no rows to check: compliance is undefined'],
      ['FAIL', 'Uniqueness of "k" is undefined: no non-NULL values'],
      ['PASS', 'DistinctValuesCount of "k" is 0 (= 0)'],
      ['FAIL', 'Mean of "x" is undefined: no rows'],
    ]);
  });
});

describe('frequency rules (NULL rows leave the denominator)', () => {
  it('Uniqueness, UniqueValueRatio, DistinctValuesCount and Entropy of a column with NULLs', async () => {
    const entropy = -((2 / 6) * Math.log(2 / 6) + (1 / 6) * Math.log(1 / 6) + (3 / 6) * Math.log(3 / 6));
    const r = await evaluate('freq', ['Uniqueness "v" < 0.2', 'UniqueValueRatio "v" > 0.3', 'DistinctValuesCount "v" = 3', `Entropy "v" between 1.01 and 1.02`]);
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
    expect(r.results[0]!.metrics).toEqual({ 'Column.v.Uniqueness': 1 / 6 });
    expect(r.results[1]!.metrics).toEqual({ 'Column.v.UniqueValueRatio': 1 / 3 });
    expect(r.results[2]!.metrics).toEqual({ 'Column.v.DistinctValuesCount': 3 });
    expect(r.results[3]!.metrics['Column.v.Entropy']).toBeCloseTo(entropy, 12);
  });

  it('IsUnique ignores NULLs; IsPrimaryKey also requires completeness', async () => {
    const r = await evaluate('freq', ['IsUnique "v"', 'IsUnique "k"', 'IsPrimaryKey "k"', 'IsUnique "k2"', 'IsPrimaryKey "k2"']);
    expect(r.results.map((x) => [x.outcome, x.metrics, x.message])).toEqual([
      ['FAIL', { 'Column.v.Uniqueness': 1 / 6 }, '"v" is not unique: 5 of 6 non-NULL rows share their value with another row (Uniqueness 0.16666666666666666)'],
      ['PASS', { 'Column.k.Uniqueness': 1 }, '"k" is unique in 8 non-NULL rows'],
      ['PASS', { 'Column.k.Uniqueness': 1, 'Column.k.Completeness': 1 }, '"k" is complete and unique in 8 rows'],
      ['PASS', { 'Column.k2.Uniqueness': 1 }, '"k2" is unique in 7 non-NULL rows'],
      ['FAIL', { 'Column.k2.Uniqueness': 1, 'Column.k2.Completeness': 0.875 }, '"k2" is not a primary key: "k2" has 1 NULL value'],
    ]);
  });

  it('multi-column keys: only rows whose key is entirely NULL leave the denominator', async () => {
    const r = await evaluate('freq', ['IsUnique "v" "k2"', 'Uniqueness "v" "w" = 0.25', 'IsPrimaryKey "v" "w"', 'IsPrimaryKey "k" "w"']);
    expect(r.results.map((x) => [x.outcome, x.metrics])).toEqual([
      ['PASS', { 'Multicolumn.v,k2.Uniqueness': 1 }], // (NULL, NULL) leaves; (NULL, 8) stays
      ['PASS', { 'Multicolumn.v,w.Uniqueness': 0.25 }], // (a,x)×2 (b,y) (c,y) (c,z)×2 (NULL,z)×2
      ['FAIL', { 'Multicolumn.v,w.Uniqueness': 0.25, 'Column.v.Completeness': 0.75, 'Column.w.Completeness': 1 }],
      ['PASS', { 'Multicolumn.k,w.Uniqueness': 1, 'Column.k.Completeness': 1, 'Column.w.Completeness': 1 }],
    ]);
    expect(r.results[2]!.message).toBe('"v", "w" is not a primary key: "v" has 2 NULL values; 6 of 8 rows share their key with another row');
  });

  it('Completeness of a column grouped by a frequency rule with the same where clause is counted over its groups', async () => {
    // v: a a b c c c NULL NULL (k 1…8). All rows: 6 of 8 non-NULL; k <= 3: 3 of 3; k >= 6: c NULL NULL, 1 of 3.
    const rules = ['Completeness "v" = 0.75', 'IsComplete "v" where "k <= 3"', 'Completeness "v" > 0.3 where "k >= 6"', 'IsComplete "v"',
      'DistinctValuesCount "v" = 3', 'DistinctValuesCount "v" = 2 where "k <= 3"', 'Uniqueness "v" = 1 where "k >= 6"'];
    const r = await evaluate('freq', rules);
    expect(r.results.map((x) => [x.outcome, x.metrics])).toEqual([
      ['PASS', { 'Column.v.Completeness': 0.75 }], ['PASS', { 'Column.v.Completeness': 1 }], ['PASS', { 'Column.v.Completeness': 1 / 3 }],
      ['FAIL', { 'Column.v.Completeness': 0.75 }],
      ['PASS', { 'Column.v.DistinctValuesCount': 3 }], ['PASS', { 'Column.v.DistinctValuesCount': 2 }], ['PASS', { 'Column.v.Uniqueness': 1 }],
    ]);
    expect(r.results[3]!.message).toBe('"v" has 2 NULL values in 8 rows (Completeness 0.75)');
    // No scan: the groups of v answer the completeness rules too.
    const compiled = await compileVetted(db, parseRules(rules).rules, { dialect: 'duckdb', batch: 'freq', columns: await db.columns('freq'), now: NOW });
    expect(compiled.queries.map((q) => [q.kind, q.leaves])).toEqual([['frequency', [0, 1, 2, 3, 4, 5, 6]]]);
    // A where clause no frequency rule groups by keeps the scan (grouping all rows would cost more than counting them).
    const other = await compileVetted(db, parseRules(['Completeness "v" > 0 where "k > 1"', 'DistinctValuesCount "v" = 3']).rules, { dialect: 'duckdb', batch: 'freq', columns: await db.columns('freq'), now: NOW });
    expect(other.queries.map((q) => [q.kind, q.leaves])).toEqual([['scan', [0]], ['frequency', [1]]]);
  });

  it('where clauses restrict frequency rules, sharing the grouping with unfiltered rules', async () => {
    const r = await evaluate('freq', ['Uniqueness "v" = 0.5 where "k <= 3"', 'DistinctValuesCount "v" = 2 where "k > 2"', 'Entropy "v" = 0 where "k >= 4"',
      'Uniqueness "v" > 0 where "k >= 7"', 'DistinctValuesCount "v" = 3']);
    expect(r.results.map((x) => [x.outcome, Object.values(x.metrics)[0]])).toEqual([
      ['FAIL', 1 / 3], ['PASS', 2], ['PASS', 0], ['FAIL', undefined], ['PASS', 3],
    ]);
    expect(r.queries).toBe(1);
  });

  it('a where clause naming a column the batch lacks is an ERROR, even the name of another aggregate of the statement', async () => {
    // The compiled statements name their aggregates m0, g0, __dq_n0: a where clause must not read them (DuckDB lets a
    // subquery in FROM read the columns of the ones before it), only the batch's columns.
    const cases: Array<[string, string[]]> = [
      ['nums', ['RowCount > 0', 'Mean "x" > 0', 'Mean "x" > 0 where "m0 > 0"', 'Mean "x" > 0 where "__dq_all.m0 > 0"', 'IsUnique "k" where "g0 > 0"']],
      ['freq', ['Uniqueness "v" > 0', 'Uniqueness "v" > 0 where "g0 > 0"', 'DistinctValuesCount "w" > 0 where "__dq_n0 > 1"',
        'Uniqueness "v" > 0 where "__dq_s0.g0 > 0"', 'RowCount > 0 where "m0 > 0"']],
    ];
    for (const [table, rules] of cases) {
      const r = await evaluate(table, rules);
      expect(r.results.map((x) => [x.rule, x.outcome])).toEqual(rules.map((x) => [x, x.includes(' where ') ? 'ERROR' : 'PASS']));
      // DuckDB's words: the column is not found, or (alone, where the rule's own aggregate is named m0) a WHERE clause
      // cannot hold an aggregate. Either way nothing was read from another aggregate.
      for (const x of r.results.filter((y) => y.outcome === 'ERROR')) expect(x.message, x.rule).toMatch(/not found|does not have a column|cannot contain aggregates|Referenced table/i);
    }
  });
});

describe('ColumnValues: NULL rows fail except for != and not in', () => {
  it('strings, with NULL, EMPTY and WHITESPACES_ONLY', async () => {
    expect(await shares('vals', [
      'ColumnValues "s" in ["US", "CA", "UK"]',
      'ColumnValues "s" in ["US", "CA", "UK", EMPTY, WHITESPACES_ONLY, NULL]',
      'ColumnValues "s" in ["US", NULL]',
      'ColumnValues "s" not in ["US"]',
      'ColumnValues "s" not in ["US", NULL]',
      'ColumnValues "s" not in [EMPTY, WHITESPACES_ONLY]',
      'ColumnValues "s" = "US"',
      'ColumnValues "s" != "US"',
      'ColumnValues "s" = EMPTY',
      'ColumnValues "s" != EMPTY',
      'ColumnValues "s" = WHITESPACES_ONLY',
      'ColumnValues "s" = NULL',
      'ColumnValues "s" != NULL',
    ])).toEqual([
      row('ColumnValues "s" in ["US", "CA", "UK"]', 3),
      row('ColumnValues "s" in ["US", "CA", "UK", EMPTY, WHITESPACES_ONLY, NULL]', 6),
      row('ColumnValues "s" in ["US", NULL]', 2),
      row('ColumnValues "s" not in ["US"]', 5),
      row('ColumnValues "s" not in ["US", NULL]', 4),
      row('ColumnValues "s" not in [EMPTY, WHITESPACES_ONLY]', 4),
      row('ColumnValues "s" = "US"', 1),
      row('ColumnValues "s" != "US"', 5),
      row('ColumnValues "s" = EMPTY', 1),
      row('ColumnValues "s" != EMPTY', 5),
      row('ColumnValues "s" = WHITESPACES_ONLY', 1),
      row('ColumnValues "s" = NULL', 1),
      row('ColumnValues "s" != NULL', 5),
    ]);
  });

  it('regular expressions match the whole value; not matches fails NULL too', async () => {
    expect(await shares('vals', ['ColumnValues "s" matches "[A-Z]{2}"', 'ColumnValues "s" not matches "[A-Z]{2}"', 'ColumnValues "s" matches "U"', 'ColumnValues "s" matches "U."']))
      .toEqual([row('ColumnValues "s" matches "[A-Z]{2}"', 3), row('ColumnValues "s" not matches "[A-Z]{2}"', 2), row('ColumnValues "s" matches "U"', 0), row('ColumnValues "s" matches "U."', 2)]);
  });

  it('an integer literal above 2^53 reaches SQL as written, not as the nearest double (attack, stop 35)', async () => {
    await db.run(`CREATE TABLE ids AS SELECT * FROM (VALUES (9007199254740993::BIGINT), (-9007199254740993)) t(id)`);
    const r = await evaluate('ids', ['ColumnValues "id" != 9007199254740993', 'ColumnValues "id" in [9007199254740993, -9007199254740993]',
      'ColumnValues "id" between -9007199254740994 and 9007199254740994', 'ColumnValues "id" > -9007199254740993', 'ColumnValues "id" in [009007199254740993, -9007199254740993]']);
    expect(r.results.map((x) => x.outcome)).toEqual(['FAIL', 'PASS', 'PASS', 'FAIL', 'PASS']);
    await db.run('DROP TABLE ids');
  });

  it('numbers: between is exclusive, not between inclusive; minimum and maximum are reported', async () => {
    expect(await shares('vals', [
      'ColumnValues "n" between 1 and 20', 'ColumnValues "n" not between 1 and 20', 'ColumnValues "n" > 5', 'ColumnValues "n" >= 5', 'ColumnValues "n" < 10',
      'ColumnValues "n" <= 10', 'ColumnValues "n" = 10', 'ColumnValues "n" != 10', 'ColumnValues "n" in [1, 5]', 'ColumnValues "n" not in [1, 5]',
      'ColumnValues "n" in [1, NULL]', 'ColumnValues "n" not in [1, NULL]', 'ColumnValues "n" > 2 * 2 + 1',
    ])).toEqual([
      row('ColumnValues "n" between 1 and 20', 3), row('ColumnValues "n" not between 1 and 20', 2), row('ColumnValues "n" > 5', 3),
      row('ColumnValues "n" >= 5', 4), row('ColumnValues "n" < 10', 2), row('ColumnValues "n" <= 10', 3), row('ColumnValues "n" = 10', 1),
      row('ColumnValues "n" != 10', 5), row('ColumnValues "n" in [1, 5]', 2), row('ColumnValues "n" not in [1, 5]', 4),
      row('ColumnValues "n" in [1, NULL]', 2), row('ColumnValues "n" not in [1, NULL]', 4), row('ColumnValues "n" > 2 * 2 + 1', 3),
    ]);
    expect((await one('vals', 'ColumnValues "n" > 0')).metrics).toEqual({ 'Column.n.Minimum': 1, 'Column.n.Maximum': 20, 'Column.n.ColumnValues.Compliance': 5 / 6 });
  });

  it('with threshold compares the share of passing rows; where restricts the rows', async () => {
    const r = await evaluate('vals', ['ColumnValues "n" > 5 with threshold >= 0.5', 'ColumnValues "n" > 5 with threshold > 0.5', 'ColumnValues "n" > 5 where "s IS NOT NULL"']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['PASS', '3 of 6 rows pass (0.5), threshold >= 0.5'],
      ['FAIL', '3 of 6 rows pass (0.5), expected a share > 0.5'],
      ['FAIL', '3 of 5 rows fail (0.4 pass), expected all rows to pass'],
    ]);
  });

  it('dates: a "YYYY-MM-DD" literal compares days, now() an instant (a day for DATE columns)', async () => {
    expect(await shares('vals', [
      'ColumnValues "d" > "2025-01-01"', 'ColumnValues "d" >= (now() - 3 days)', 'ColumnValues "d" between "2025-01-01" and "2025-01-10"',
      'ColumnValues "d" = NULL', 'ColumnValues "d" < now()',
      'ColumnValues "ts" > (now() - 1 days)', 'ColumnValues "ts" >= (now() - 1 days)', 'ColumnValues "ts" = "2025-01-10"', 'ColumnValues "ts" > "2025-01-09"',
      'ColumnValues "ts" between "2025-01-08" and "2025-01-10"',
    ])).toEqual([
      row('ColumnValues "d" > "2025-01-01"', 3), row('ColumnValues "d" >= (now() - 3 days)', 2), row('ColumnValues "d" between "2025-01-01" and "2025-01-10"', 2),
      row('ColumnValues "d" = NULL', 1), row('ColumnValues "d" < now()', 4),
      row('ColumnValues "ts" > (now() - 1 days)', 2), row('ColumnValues "ts" >= (now() - 1 days)', 3), row('ColumnValues "ts" = "2025-01-10"', 2),
      row('ColumnValues "ts" > "2025-01-09"', 2), row('ColumnValues "ts" between "2025-01-08" and "2025-01-10"', 1),
    ]);
    // Every comparison of a timestamp with a day, at midnight boundaries. ts: 01-10 11:00, 01-10 00:00, 01-08 12:00,
    // 01-01 00:00, NULL, 01-09 12:00 (days 10, 10, 8, 1, -, 9).
    const ts = ['< "2025-01-10"', '<= "2025-01-09"', '>= "2025-01-10"', '!= "2025-01-10"', '= "2025-01-01"', '> "2024-12-31"',
      'not between "2025-01-01" and "2025-01-09"', 'between "2024-12-31" and "2025-01-09"'].map((c) => `ColumnValues "ts" ${c}`);
    expect(await shares('vals', ts)).toEqual([
      row(ts[0]!, 3), row(ts[1]!, 3), row(ts[2]!, 2), row(ts[3]!, 4), row(ts[4]!, 1), row(ts[5]!, 5), row(ts[6]!, 4), row(ts[7]!, 2),
    ]);
  });

  it('gives the same answers over the groups of a column that a frequency rule groups anyway', async () => {
    const checks = ['ColumnValues "s" in ["US", "CA", "UK", NULL]', 'ColumnValues "s" matches "[A-Z]{2}" with threshold > 0.4', 'ColumnLength "s" = 2',
      'ColumnValues "n" between 1 and 20 where "id > 1"', 'ColumnValues "ts" > (now() - 1 days)', 'DataFreshness "ts" <= 24 hours'];
    const grouped = [...checks, 'DistinctValuesCount "s" > 0', 'DistinctValuesCount "n" > 0', 'IsUnique "ts"'];
    const alone = await evaluate('vals', checks);
    const together = await evaluate('vals', grouped);
    expect(together.results.slice(0, checks.length)).toEqual(alone.results);
    const compiled = await compileVetted(db, parseRules(grouped).rules, { dialect: 'duckdb', batch: 'vals', columns: await db.columns('vals'), now: NOW });
    expect(compiled.queries.map((q) => [q.kind, q.leaves])).toEqual([['frequency', [0, 1, 2, 3, 4, 5, 6, 7, 8]]]);
    expect(alone.queries).toBe(1);
  });
});

describe('ColumnLength and DataFreshness', () => {
  it('ColumnLength counts NULL as length 0', async () => {
    expect(await shares('vals', ['ColumnLength "s" = 2', 'ColumnLength "s" < 1', 'ColumnLength "s" <= 2', 'ColumnLength "s" between 0 and 2', 'ColumnLength "s" > 4']))
      .toEqual([row('ColumnLength "s" = 2', 4), row('ColumnLength "s" < 1', 2), row('ColumnLength "s" <= 2', 6), row('ColumnLength "s" between 0 and 2', 0), row('ColumnLength "s" > 4', 0)]);
    expect((await one('vals', 'ColumnLength "s" <= 2')).metrics).toEqual({ 'Column.s.MinimumLength': 0, 'Column.s.MaximumLength': 2, 'Column.s.LengthCompliance': 1 });
  });

  it('DataFreshness checks the age of every row against now; NULL fails', async () => {
    expect(await shares('vals', ['DataFreshness "ts" <= 24 hours', 'DataFreshness "ts" between 1 hours and 2 days', 'DataFreshness "ts" > 2 days',
      'DataFreshness "d" <= 2 days', 'DataFreshness "ts" < 2880 minutes where "id <= 3"']))
      .toEqual([row('DataFreshness "ts" <= 24 hours', 3), row('DataFreshness "ts" between 1 hours and 2 days', 2), row('DataFreshness "ts" > 2 days', 1),
        row('DataFreshness "d" <= 2 days', 2), row('DataFreshness "ts" < 2880 minutes where "id <= 3"', 2, 3)]);
  });

  it('the clock is the context\'s: the same rows are fresh or stale depending on now', async () => {
    expect((await one('vals', 'DataFreshness "ts" <= 24 hours where "id = 3"', { now: '2025-01-09T00:00:00Z' })).outcome).toBe('PASS');
    expect((await one('vals', 'DataFreshness "ts" <= 24 hours where "id = 3"')).outcome).toBe('FAIL');
  });
});

describe('CustomSql', () => {
  it('aggregate form: primary is the batch; the statement returns one number', async () => {
    const r = await evaluate('vals', [
      'CustomSql "select count(*) from primary where n > 5" = 3',
      'CustomSql "SELECT COUNT(*) FROM PRIMARY p WHERE p.n > 5" between 2 and 4',
      'CustomSql "with big as (select * from primary where n > 5) select count(*) from big" = 3',
      'CustomSql "select avg(n) from primary;" > 10',
    ]);
    expect(r.results.map((x) => [x.outcome, x.metrics])).toEqual([
      ['PASS', { 'Dataset.*.CustomSQL': 3 }], ['PASS', { 'Dataset.*.CustomSQL': 3 }], ['PASS', { 'Dataset.*.CustomSQL': 3 }], ['PASS', { 'Dataset.*.CustomSQL': 10.2 }],
    ]);
  });

  it('row-level form: returned rows pass (matched back on the returned columns), with or without threshold', async () => {
    const r = await evaluate('vals', [
      'CustomSql "select id from primary where n > 5"',
      'CustomSql "select id from primary where n > 5" with threshold >= 0.5',
      'CustomSql "select * from primary where n > 5" with threshold = 0.5',
      'CustomSql "select p.id, s as s from primary p where n > 0"',
    ]);
    expect(r.results.map((x) => [x.outcome, x.metrics, x.message])).toEqual([
      ['FAIL', { 'Dataset.*.CustomSQL.Compliance': 0.5 }, '3 of 6 rows fail (0.5 pass), expected all rows to pass'],
      ['PASS', { 'Dataset.*.CustomSQL.Compliance': 0.5 }, '3 of 6 rows pass (0.5), threshold >= 0.5'],
      ['PASS', { 'Dataset.*.CustomSQL.Compliance': 0.5 }, '3 of 6 rows pass (0.5), threshold = 0.5'], // NULLs match NULLs (row 5)
      ['FAIL', { 'Dataset.*.CustomSQL.Compliance': 5 / 6 }, '1 of 6 rows fail (0.8333333333333334 pass), expected all rows to pass'],
    ]);
  });

  it('a statement that cannot run, or returns the wrong shape, is an ERROR', async () => {
    const r = await evaluate('vals', [
      'CustomSql "select nope from primary" > 0',
      'CustomSql "select s from primary" > 0',
      'CustomSql "select \'abc\'" > 0',
      // Text reads as a number only in decimal notation, as SQL casts it (attack, stop 38: '0x10' passed = 16).
      'CustomSql "select \'0x10\'" = 16',
      'CustomSql "select \' 2.5e1 \'" = 25',
      'CustomSql "select n * 2 from primary"',
      'CustomSql "select region from primary"',
    ]);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['ERROR', 'the query failed: Referenced column "nope" not found in FROM clause!'],
      ['ERROR', 'CustomSql with a condition must return one row with one number; it returned 6 rows of 1 column'],
      ['ERROR', 'CustomSql must return a number; it returned "abc"'],
      ['ERROR', 'CustomSql must return a number; it returned "0x10"'],
      ['PASS', 'CustomSql value is 25 (= 25)'],
      ['ERROR', 'row-level CustomSql returns rows of primary, so it must select columns of primary; "n * 2" is not a column (select columns, or use the aggregate form with a condition)'],
      ['ERROR', 'row-level CustomSql returns "region", which is not a column of primary (its columns are matched back to the batch)'],
    ]);
  });
});

describe('ReferentialIntegrity and RowCountMatch', () => {
  it('the share of rows whose key exists in the reference dataset (NULL keys fail)', async () => {
    const r = await evaluate('orders', ['ReferentialIntegrity "cid" "customers.id" = 0.6', 'ReferentialIntegrity "cid,region" "customers.{id,region}" = 0.4',
      'RowCountMatch "customers" > 1.5']);
    expect(r.results.map((x) => [x.outcome, x.metrics])).toEqual([
      ['PASS', { 'Column.customers.ReferentialIntegrity': 0.6 }],
      ['PASS', { 'Column.customers.ReferentialIntegrity': 0.4 }],
      ['PASS', { 'Dataset.customers.RowCountMatch': 5 / 3 }],
    ]);
    expect(r.results[2]!.message).toBe('RowCountMatch with "customers" (5 / 3 rows) is 5/3 ≈ 1.6666666666666667 (> 1.5)');
  });

  it('an unknown reference dataset or column is an ERROR', async () => {
    const r = await evaluate('orders', ['ReferentialIntegrity "cid" "nowhere.id" > 0', 'ReferentialIntegrity "cid" "customers.nope" > 0',
      'ReferentialIntegrity "cid,region" "customers.id" > 0', 'RowCountMatch "nowhere" = 1']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['ERROR', 'unknown reference dataset "nowhere"'],
      ['ERROR', 'the query failed: Referenced column "nope" not found in FROM clause!'],
      ['ERROR', 'ReferentialIntegrity compares 2 columns with 1 reference column'],
      ['ERROR', 'unknown reference dataset "nowhere"'],
    ]);
  });
});

describe('composite rules: each operand over the whole dataset, then the logic', () => {
  it('and, or, nesting; metrics of every operand', async () => {
    const r = await evaluate('nums', ['(RowCount = 4) and (Mean "x" = 20)', '(RowCount = 4) and (Mean "x" = 21)', '(RowCount = 5) or (Mean "x" = 20)',
      '(RowCount = 4) and ((Mean "x" > 100) or (Sum "x" = 60))', '(RowCount = 5) or (Mean "x" = 21)']);
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'FAIL', 'PASS', 'PASS', 'FAIL']);
    expect(r.results[0]).toEqual({ rule: '(RowCount = 4) and (Mean "x" = 20)', outcome: 'PASS', metrics: { 'Dataset.*.RowCount': 4, 'Column.x.Mean': 20 }, message: 'and: all 2 rules pass',
      operands: [
        { rule: 'RowCount = 4', outcome: 'PASS', metrics: { 'Dataset.*.RowCount': 4 }, message: 'RowCount is 4 (= 4)' },
        { rule: 'Mean "x" = 20', outcome: 'PASS', metrics: { 'Column.x.Mean': 20 }, message: 'Mean of "x" is 20 (= 20)' },
      ] });
    expect(r.results[1]!.message).toBe('and: 1 of 2 rules fail: (Mean "x" = 21) FAIL: Mean of "x" is 20, expected = 21');
    expect(r.results[4]!.message).toBe('or: none of 2 rules pass: (RowCount = 5) FAIL: RowCount is 4, expected = 5; (Mean "x" = 21) FAIL: Mean of "x" is 20, expected = 21');
    expect(r.queries).toBe(1);
  });

  it('an ERROR operand is "unknown": it decides nothing an other operand already decides', async () => {
    const r = await evaluate('nums', ['(IsComplete "nope") or (RowCount = 4)', '(IsComplete "nope") and (RowCount = 4)', '(IsComplete "nope") and (RowCount = 5)', '(IsComplete "nope") or (RowCount = 5)']);
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'ERROR', 'FAIL', 'ERROR']);
    expect(r.results[1]!.message).toBe('and: 1 of 2 rules could not be evaluated: (IsComplete "nope") ERROR: column "nope" does not exist in the batch');
  });

  it('the score is passed rules over all rules', async () => {
    expect((await evaluate('nums', ['RowCount = 4', 'RowCount = 5', 'Mean "nope" > 0', 'Sum "x" = 60'])).score).toBe(0.5);
  });
});

describe('dynamic rules: thresholds from the metric history (most recent first)', () => {
  const history = (values: Record<string, number[]>) => (metric: string) => values[metric] ?? [];

  it('last(k), avg, min, max, median, sum, std, index, abs and arithmetic', async () => {
    const r = await evaluate('nums', [
      'RowCount > avg(last(3)) * 0.5', // avg(6, 10, 2) = 6 → 3
      'RowCount >= max(last(3)) - 6', // 10 − 6
      'RowCount > max(last(4))', // 100
      'RowCount between min(last(3)) and median(last(3))', // 2 < 4 < 6
      'RowCount = index(last(4), 3) / 25', // 100 / 25
      'RowCount = abs(index(last(2), 1) - 14)', // |10 − 14|
      'RowCount = sum(last(2)) - 12', // 16 − 12
      'RowCount = std(last(2)) * 2', // population sd of 6, 10 is 2
      'RowCount = median(last(4)) - 4', // (6 + 10) / 2 − 4
    ], { history: history({ 'Dataset.*.RowCount': [6, 10, 2, 100] }) });
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'PASS', 'FAIL', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
    expect(r.results[0]!.message).toBe('RowCount is 4 (> 3; avg(last(3)) * 0.5 = 3 from 3 previous values)');
    expect(r.results[2]!.message).toBe('RowCount is 4, expected > 100 (max(last(4)) = 100 from 4 previous values)');
  });

  it('no history: last(k) is 0; fewer than k values: those there are; a position past them: 0', async () => {
    const none = await evaluate('nums', ['RowCount > avg(last(5))', 'RowCount > avg(last(5)) * 0.5'], { history: () => [] });
    expect(none.results.map((x) => [x.outcome, x.message])).toEqual([
      ['PASS', 'RowCount is 4 (> 0; avg(last(5)) = 0 with no history yet, so last(k) is 0)'],
      ['PASS', 'RowCount is 4 (> 0; avg(last(5)) * 0.5 = 0 with no history yet, so last(k) is 0)'],
    ]);
    const few = await evaluate('nums', ['RowCount > avg(last(5)) * 0.5', 'RowCount > index(last(5), 3)'], { history: () => [8] });
    expect(few.results.map((x) => [x.outcome, x.message])).toEqual([
      ['FAIL', 'RowCount is 4, expected > 4 (avg(last(5)) * 0.5 = 4 from 1 previous value)'],
      ['PASS', 'RowCount is 4 (> 0; index(last(5), 3) = 0 from 1 previous value)'],
    ]);
    expect((await one('nums', 'RowCount > avg(last(3))')).outcome).toBe('PASS'); // no history function at all
  });

  it('reads the history of the rule\'s own metric', async () => {
    const asked: Array<[string, string]> = [];
    const r = await evaluate('nums', ['Completeness "x" > min(last(2))', 'ColumnCorrelation "x" "y" < max(last(1)) + 0.1', 'ColumnCount = avg(last(2))'], {
      history: (metric, rule) => { asked.push([metric, rule]); return { 'Column.x.Completeness': [0.9, 0.7], 'Multicolumn.x,y.ColumnCorrelation': [0.5], 'Dataset.*.ColumnCount': [3, 3] }[metric] ?? []; },
    });
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'PASS', 'PASS']);
    expect(asked).toEqual([
      ['Column.x.Completeness', 'Completeness "x" > min(last(2))'],
      ['Multicolumn.x,y.ColumnCorrelation', 'ColumnCorrelation "x" "y" < max(last(1)) + 0.1'],
      ['Dataset.*.ColumnCount', 'ColumnCount = avg(last(2))'],
    ]);
  });
});

describe('rules that cannot run are ERRORs with the reason, and only they are', () => {
  it('unknown columns (with a suggestion) and columns of the wrong type', async () => {
    const r = await evaluate('vals', ['Mean "nn" > 1', 'IsUnique "id" "nope"', 'Mean "s" > 1', 'ColumnLength "n" = 2', 'DataFreshness "s" <= 1 days',
      'ColumnValues "s" > 5', 'ColumnValues "n" = "5"', 'ColumnValues "s" > (now() - 1 days)', 'ColumnCorrelation "id" "s" > 0']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['ERROR', 'column "nn" does not exist in the batch (did you mean "n"?)'],
      ['ERROR', 'column "nope" does not exist in the batch'],
      ['ERROR', 'Mean applies to numeric columns; "s" is a string column'],
      ['ERROR', 'ColumnLength applies to string columns; "n" is a int column'],
      ['ERROR', 'DataFreshness applies to date and timestamp columns; "s" is a string column'],
      ['ERROR', 'ColumnValues compares numbers, but "s" is a string column'],
      ['FAIL', '5 of 6 rows fail (0.16666666666666666 pass), expected all rows to pass'],
      ['ERROR', 'ColumnValues compares dates, but "s" is a string column'],
      ['ERROR', 'ColumnCorrelation applies to numeric columns; "s" is a string column'],
    ]);
    expect(r.results[6]).toMatchObject({ outcome: 'FAIL', metrics: { 'Column.n.ColumnValues.Compliance': 1 / 6 } }); // strings compare with the number's text
    expect(r.queries).toBe(1);
  });

  it('a bad where clause or regex errs its own rule; the rules sharing its scan still get results', async () => {
    const r = await evaluate('vals', ['RowCount = 6', 'RowCount > 0 where "nosuch = 1"', 'ColumnValues "s" matches "(unclosed"', 'Completeness "s" > 0.8', 'IsUnique "id" where "id >"', 'IsUnique "id"']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['PASS', 'RowCount is 6 (= 6)'],
      ['ERROR', 'the query failed: Referenced column "nosuch" not found in FROM clause!'],
      ['ERROR', 'the query failed: missing ): (unclosed'],
      ['PASS', 'Completeness of "s" is 5/6 ≈ 0.8333333333333334 (> 0.8)'],
      ['ERROR', "the rule's SQL is refused: where clause: it does not parse: syntax error at end of input"],
      ['PASS', '"id" is unique in 6 non-NULL rows'],
    ]);
    // The shared scan failed, the grouping ran; a probe of the batch, then each of the scan's 4 rules alone. The where
    // clause that does not parse never reached the engine: its rule was refused before anything was compiled.
    expect(r.queries).toBe(2 + 1 + 4);
  });

  it('an unreadable batch is said once per rule, without running each rule alone', async () => {
    const parsed = parseRules(['RowCount > 0', 'Mean "n" > 0', 'IsUnique "id"', 'DistinctValuesCount "s" > 1']).rules;
    const r = await evaluateRules(db, parsed, { dialect: 'duckdb', batch: 'no_such_table', columns: await db.columns('vals'), now: NOW });
    expect(r.results.map((x) => x.outcome)).toEqual(['ERROR', 'ERROR', 'ERROR', 'ERROR']);
    expect(r.results[0]!.message).toMatch(/^the batch no_such_table cannot be read: Table with name no_such_table does not exist!/);
    expect(r.queries).toBe(3);
  });

  it('checkRules finds what cannot run without reading a row (for strata check)', () => {
    const rules = parseRules(['IsComplete "ID"', 'Mean "status" > 1', 'ReferentialIntegrity "id" "nowhere.id" > 0', '(RowCount > 0) or (IsUnique "nope")', 'Sum "amount" > 0']).rules;
    const columns = [{ name: 'id', type: 'bigint' }, { name: 'status', type: 'string' }, { name: 'amount', type: 'decimal(12,2)' }];
    expect(checkRules(rules, { dialect: 'athena', batch: 'x', columns, now: NOW })).toEqual([
      { rule: 'Mean "status" > 1', message: 'Mean applies to numeric columns; "status" is a string column' },
      { rule: 'ReferentialIntegrity "id" "nowhere.id" > 0', message: 'unknown reference dataset "nowhere" (no reference datasets are available to this evaluation)' },
      { rule: 'IsUnique "nope"', message: 'column "nope" does not exist in the batch' },
    ]);
  });

  it('reads numbers as DuckDB and Athena give them', () => {
    expect([1, 2n, '3', '1.0E7', '-0.5', 'NaN', '', null, undefined, 'abc', true].map(toNumber)).toEqual([1, 2, 3, 1e7, -0.5, undefined, undefined, undefined, undefined, undefined, 1]);
  });

  it('an unreadable clock errs only the rules that need it', async () => {
    const r = await evaluate('vals', ['DataFreshness "ts" <= 1 days', 'ColumnValues "d" > "2025-01-01"', 'ColumnValues "d" > now()'], { now: 'yesterday' });
    expect(r.results.map((x) => x.outcome)).toEqual(['ERROR', 'FAIL', 'ERROR']);
    expect(r.results[0]!.message).toBe('the evaluation clock (now) is not an ISO timestamp: "yesterday"');
  });
});

describe('one scan', () => {
  it('20 aggregate rules (frequency rules included) run as 2 queries: the scan and the grouping', async () => {
    const rules = [
      'RowCount > 0', 'Completeness "s" > 0.5', 'IsComplete "id"', 'Mean "n" > 0', 'Sum "n" > 0', 'StandardDeviation "n" > 0', 'ColumnCorrelation "id" "n" > 0',
      'ColumnValues "n" > 0', 'ColumnValues "s" in ["US", "CA"] with threshold > 0.1', 'ColumnLength "s" <= 2', 'DataFreshness "ts" <= 30 days',
      'ColumnValues "d" > "2020-01-01"', 'Mean "n" > 0 where "id > 2"', 'RowCount > 1 where "s IS NOT NULL"',
      'IsUnique "id"', 'IsPrimaryKey "id"', 'Uniqueness "s" > 0.1', 'DistinctValuesCount "n" > 2', 'Entropy "s" > 0', 'UniqueValueRatio "d" > 0',
    ];
    const r = await evaluate('vals', rules);
    expect(r.results.filter((x) => x.outcome === 'ERROR')).toEqual([]);
    expect(r.queries).toBe(2);
    const compiled = await compileVetted(db, parseRules(rules).rules, { dialect: 'duckdb', batch: 'vals', columns: await db.columns('vals'), now: NOW });
    expect(compiled.queries.map((q) => q.kind)).toEqual(['scan', 'frequency']);
    // count(*) is shared by every rule that needs it: once over all rows, once in each where clause's subquery
    // (DuckDB restricts a where clause's aggregates with WHERE in a subquery of their own: scan-query.ts).
    const scan = compiled.queries[0]!.sql;
    expect(scan.match(/count\(\*\) AS/g)).toHaveLength(3);
    expect(scan.match(/__dq_w\d AS \(SELECT/g)).toHaveLength(2);
    expect(scan).toContain(' WHERE (id > 2))');
    expect(scan).toContain(' WHERE (s IS NOT NULL))');
    expect(scan).not.toContain('CASE WHEN (id > 2)');
    // Athena keeps one pass over the rows (it bills the bytes read): where clauses restrict with CASE WHEN inside.
    const athena = await compileVetted(db, parseRules(rules).rules, { dialect: 'athena', batch: 'vals', columns: await db.columns('vals'), now: NOW });
    expect(athena.queries[0]!.sql.match(/count\(\*\) AS/g)).toHaveLength(1);
    expect(athena.queries[0]!.sql).toContain('count(CASE WHEN (id > 2) THEN 1 END)');
    expect(athena.queries[0]!.sql).not.toContain('__dq_w');
  });
});

describe('rules an attack found wrong (stop 50)', () => {
  it('a now() offset past the years a timestamp holds is an ERROR of that rule, not a JavaScript error out of the gate', async () => {
    const r = await evaluate('vals', ['ColumnValues "ts" > (now() - 99999999999 days)', 'DataFreshness "ts" <= 99999999999 days', 'RowCount > 0']);
    expect(r.results.map((x) => [x.outcome, x.message])).toEqual([
      ['ERROR', expect.stringMatching(/now\(\) - 99999999999 days\)? falls outside the years 1 to 9999/)],
      ['ERROR', expect.stringMatching(/now\(\) minus an age of 99999999999 days falls outside the years 1 to 9999/)],
      ['PASS', expect.any(String)],
    ]);
  });

  it('a threshold is a share from 0 to 1: a number of rows is refused, with the rule for a count', async () => {
    const r = await evaluate('vals', ['ColumnValues "n" > 0 with threshold > 1.5', 'CustomSql "select id from primary where n > 0" with threshold > 3', 'ColumnValues "n" > 0 with threshold between 0 and 1']);
    expect(r.results.map((x) => x.outcome)).toEqual(['ERROR', 'ERROR', 'PASS']); // (5 of 6 rows: between 0 and 1)
    expect(r.results[1]!.message).toMatch(/"with threshold > 3" compares the share of rows that pass, from 0 to 1; 3 is outside it\. For a number of failing rows, compare a count instead: CustomSql "select count\(\*\) from primary where not/);
  });

  it('WHITESPACES_ONLY counts a vertical tab as whitespace, as Java (Glue, Athena) does', async () => {
    await db.run(`CREATE TABLE ws AS SELECT * FROM (VALUES (chr(11)), (' '), (chr(9) || chr(12)), ('a ')) t(w)`);
    expect(await shares('ws', ['ColumnValues "w" = WHITESPACES_ONLY'])).toEqual([['ColumnValues "w" = WHITESPACES_ONLY', 'FAIL', 0.75]]);
  });

  it('a gate names the entry that does not parse, after an entry of several rules', () => {
    const g = parseGate({ halt: ['Rules = [RowCount > 0, RowCount > 1, RowCount > 2]', 'Bogus "x"'], warn: ['RowCount >'] });
    expect(g.rules).toHaveLength(3);
    expect(g.broken.map((b) => [b.rule, b.severity])).toEqual([['Bogus "x"', 'halt'], ['RowCount >', 'warn']]);
  });
});
