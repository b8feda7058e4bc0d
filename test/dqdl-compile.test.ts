// The compiler's answers that are not outcomes: the rows a row-level rule fails (the held rows of a quality halt name
// them, runtime/pipeline/held-rows.ts), the problems `strata check` finds without reading a row, and where in the
// rule's text a refused piece of SQL sits. Real DuckDB in memory, six hand-made rows; every expected id, message and
// offset worked out by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeafRule } from '../core/dqdl/ast.ts';
import { checkRules, compileRules, failingRowsSql, parseReference } from '../core/dqdl/compile.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import { vetRules } from '../core/dqdl/sandbox.ts';
import type { CompiledRuleset, LeafPlan, RuleContext } from '../core/dqdl/types.ts';
import { withBinder } from '../core/sql/binder.ts';
import { Duck } from '../runtime/engine/duckdb.ts';
import { evaluateRules } from '../runtime/quality/evaluate-rules.ts';

const NOW = '2025-01-10T12:00:00Z';
let db: Duck;

beforeAll(async () => {
  db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
  // The batch (vals) and the same rows with a record id (held): ids 11..16.
  await db.run(`CREATE TABLE vals AS SELECT id, s, n, CAST(d AS DATE) AS d, CAST(ts AS TIMESTAMP) AS ts FROM (VALUES
    (1, 'US', 1,    '2025-01-01', '2025-01-10 11:00:00'),
    (2, 'CA', 5,    '2025-01-05', '2025-01-10 00:00:00'),
    (3, '',   10,   '2025-01-09', '2025-01-08 12:00:00'),
    (4, '  ', NULL, '2025-01-10', '2025-01-01 00:00:00'),
    (5, NULL, 15,   NULL,         NULL),
    (6, 'UKX', 20,  '2024-12-31', '2025-01-09 12:00:00')) t(id, s, n, d, ts)`);
  await db.run(`CREATE TABLE held AS SELECT id + 10 AS rec, * FROM vals`);
  await db.run(`CREATE TABLE refs AS SELECT * FROM (VALUES (1), (2), (3)) t(id)`);
});
afterAll(() => db?.close());

const COLUMNS = [{ name: 'id', type: 'INTEGER' }, { name: 's', type: 'VARCHAR' }, { name: 'n', type: 'INTEGER' }, { name: 'd', type: 'DATE' }, { name: 'ts', type: 'TIMESTAMP' }];
const ctx: RuleContext = { dialect: 'duckdb', batch: 'vals', columns: COLUMNS, now: NOW, reference: (d) => (d === 'refs' ? 'refs' : undefined) };

const leafOf = (text: string): LeafRule => {
  const p = parseRules([text]);
  expect(p.errors).toEqual([]);
  return p.rules[0] as LeafRule;
};

/** The failing rows of one rule as [record id, value], or undefined when the rule names none. */
async function failing(text: string, c: RuleContext = ctx): Promise<{ column: string | null; rows: Array<[number, string | null]> } | undefined> {
  const rule = leafOf(text);
  const sql = await vetRules(db, [rule], c);
  const f = failingRowsSql(rule, { ...c, sql }, 'held', 'rec');
  if (!f) return undefined;
  const rows = await db.all<{ id: number; value: string | null }>(`SELECT * FROM (${f.sql}) ORDER BY id`);
  return { column: f.column, rows: rows.map((r) => [Number(r.id), r.value]) };
}

describe('the rows a row-level rule fails', () => {
  it('ColumnValues: each row whose predicate is not TRUE, with its value as text', async () => {
    expect(await failing('ColumnValues "n" > 5')).toEqual({ column: 'n', rows: [[11, '1'], [12, '5'], [14, null]] });
    expect(await failing('ColumnValues "s" in ["US", "CA"]')).toEqual({ column: 's', rows: [[13, ''], [14, '  '], [15, null], [16, 'UKX']] });
    expect(await failing('ColumnValues "s" != NULL')).toEqual({ column: 's', rows: [[15, null]] });
    expect(await failing('ColumnValues "d" > "2025-01-04"')).toEqual({ column: 'd', rows: [[11, '2025-01-01'], [15, null], [16, '2024-12-31']] });
  });

  it('within the where clause only, as the rule counts them', async () => {
    expect(await failing('ColumnValues "n" > 5 where "id <= 3"')).toEqual({ column: 'n', rows: [[11, '1'], [12, '5']] });
    expect(await failing('ColumnValues "n" > 5 where "id > 3" with threshold > 0.1')).toEqual({ column: 'n', rows: [[14, null]] });
  });

  it('ColumnLength (NULL is length 0) and DataFreshness (NULL fails)', async () => {
    expect(await failing('ColumnLength "s" = 2')).toEqual({ column: 's', rows: [[13, ''], [15, null], [16, 'UKX']] });
    expect(await failing('DataFreshness "ts" <= 1 days')).toEqual({ column: 'ts', rows: [[13, '2025-01-08 12:00:00'], [14, '2025-01-01 00:00:00'], [15, null]] });
  });

  it('row-level CustomSql: the rows the statement does not return, without a column of their own unless it returns one', async () => {
    expect(await failing('CustomSql "select id from primary where n > 5"')).toEqual({ column: 'id', rows: [[11, null], [12, null], [14, null]] });
    expect(await failing('CustomSql "select id, s from primary where n >= 5"')).toEqual({ column: null, rows: [[11, null], [14, null]] });
  });

  it('none for rules that are not row-level, and for rules that cannot run', async () => {
    for (const text of ['RowCount > 0', 'IsComplete "s"', 'Mean "n" > 0', 'CustomSql "select count(*) from primary" > 0', 'ColumnValues "nope" > 1',
      'ColumnValues "s" > 5', 'CustomSql "select n * 2 from primary"', 'CustomSql "select p.id from primary p join refs r on r.id = p.id"', 'ColumnValues "n" > 1 where "nosuchfn(n) > 0"']) {
      expect([text, await failing(text)]).toEqual([text, undefined]);
    }
    // (the last but one reads a dataset its ruleset does not declare: refused)
    // without verdicts on its SQL a rule with a where clause, or a CustomSql, names no rows (nothing unvetted runs)
    expect(failingRowsSql(leafOf('ColumnValues "n" > 5 where "id <= 3"'), ctx, 'held', 'rec')).toBeUndefined();
    expect(failingRowsSql(leafOf('CustomSql "select id from primary"'), ctx, 'held', 'rec')).toBeUndefined();
    // a rule without SQL of its own needs no verdict
    expect(failingRowsSql(leafOf('ColumnValues "n" > 5'), ctx, 'held', 'rec')).toMatchObject({ column: 'n' });
  });
});

describe('the plan: metrics, cells, queries', () => {
  const plan = async (texts: string[], c: RuleContext = ctx) => {
    const rules = parseRules(texts).rules;
    return compileRules(rules, { ...c, sql: await vetRules(db, rules, c) });
  };
  const leafPlans = (r: CompiledRuleset) => r.rules.map((p) => p as LeafPlan);

  it('the metric each rule reports and the cells it reads', async () => {
    const r = await plan(['ColumnNamesMatchPattern "[a-z]+"', 'IsUnique "id"', 'DistinctValuesCount "s" > 1', 'IsPrimaryKey "id"', 'ColumnCorrelation "id" "n" > 0',
      'CustomSql "select count(*) from primary" > 0', 'ReferentialIntegrity "id" "refs.id" > 0.1', 'RowCountMatch "refs" > 0.1']);
    expect(leafPlans(r).map((l) => [l.metric, l.error, Object.keys(l.cells)])).toEqual([
      ['Dataset.*.ColumnNamesPatternMatchRatio', undefined, []],
      ['Column.id.Uniqueness', undefined, ['f_rows', 'f_unique']],
      ['Column.s.DistinctValuesCount', undefined, ['f_distinct']],
      ['Column.id.Uniqueness', undefined, ['f_rows', 'f_unique', 'rows', 'nonNull0']],
      ['Multicolumn.id,n.ColumnCorrelation', undefined, ['value', 'rows']],
      ['Dataset.*.CustomSQL', undefined, []], // its value is the row of its own query (customQuery)
      ['Column.refs.ReferentialIntegrity', undefined, ['rows', 'matched']],
      ['Dataset.refs.RowCountMatch', undefined, ['rows', 'refRows']],
    ]);
    // a trailing comma in the column list names no column
    expect(leafPlans(await plan(['ReferentialIntegrity "id," "refs.id" > 0.1'])).map((l) => [l.subject, l.error])).toEqual([[['id'], undefined]]);
  });

  it('a CustomSql statement reading a declared dataset, in both forms', async () => {
    const texts = ['RowCountMatch "refs" > 0', 'CustomSql "select count(*) from refs" = 3', 'CustomSql "select id from primary where id in (select id from refs)"'];
    const r = await plan(texts);
    const custom = r.queries.filter((q) => q.kind === 'custom-sql');
    expect(custom.map((q) => q.leaves)).toEqual([[1], [2]]);
    expect((await db.all(custom[0]!.sql)).map((row) => Object.values(row).map(Number))).toEqual([[3]]);
    expect((await db.all(custom[1]!.sql)).map((row) => [Number(row.rows), Number(row.passed)])).toEqual([[6, 3]]);
    const rules = parseRules(texts).rules;
    const sql = await vetRules(db, rules, ctx);
    const f = failingRowsSql(rules[2] as LeafRule, { ...ctx, sql }, 'held', 'rec')!;
    expect((await db.all<{ id: number; value: string | null }>(`SELECT * FROM (${f.sql}) ORDER BY id`)).map((x) => [Number(x.id), x.value])).toEqual([[14, null], [15, null], [16, null]]);
    // the aggregate form fails no row of its own, even when its statement returns a column
    expect(await failing('CustomSql "select id from primary limit 1" = 1')).toBeUndefined();
  });

  it('an error that is not the rule\'s (history or catalog unavailable) is thrown, not made the rule\'s ERROR', async () => {
    const history = () => { throw new Error('history unavailable'); };
    expect(() => compileRules(parseRules(['RowCount > avg(last(3))']).rules, { ...ctx, history })).toThrow('history unavailable');
    const rules = parseRules(['RowCountMatch "refs" > 0', 'CustomSql "select id from primary where id in (select id from refs)"']).rules;
    const sql = await vetRules(db, rules, ctx);
    const reference = () => { throw new Error('catalog unavailable'); };
    expect(() => failingRowsSql(rules[1] as LeafRule, { ...ctx, sql, reference }, 'held', 'rec')).toThrow('catalog unavailable');
  });

  it('now() inside between and in lists reads the evaluation clock (2025-01-10 12:00)', async () => {
    // (A day bound beside now() is a day all the same: 2025-01-09 12:00 is not after the 9th.)
    expect(await failing('ColumnValues "ts" between "2025-01-09" and now()')).toEqual({ column: 'ts', rows: [[13, '2025-01-08 12:00:00'], [14, '2025-01-01 00:00:00'], [15, null], [16, '2025-01-09 12:00:00']] });
    expect(await failing('ColumnValues "d" in ["2025-01-09", now()]')).toEqual({ column: 'd', rows: [[11, '2025-01-01'], [12, '2025-01-05'], [15, null], [16, '2024-12-31']] });
  });

  it('a row check reads the groups of its column only when a one-column frequency rule groups the same rows', async () => {
    const kinds = (r: CompiledRuleset) => r.queries.map((q) => [q.kind, q.leaves]);
    expect(kinds(await plan(['Uniqueness "id" "s" > 0', 'ColumnValues "id" > 0']))).toEqual([['scan', [1]], ['frequency', [0]]]);
    expect(kinds(await plan(['Uniqueness "s" > 0 where "id > 3"', 'Completeness "s" > 0 where "id <= 3"']))).toEqual([['scan', [1]], ['frequency', [0]]]);
    expect(kinds(await plan(['Uniqueness "s" > 0 where "id > 3"', 'Completeness "s" > 0 where "id > 3"']))).toEqual([['frequency', [0, 1]]]);
  });

  it('a frequency rule with a where clause of its own groups only the rows the clause keeps (DuckDB)', async () => {
    // id > 3: s is '  ', NULL, 'UKX': 2 distinct non-NULL values, each once (over all rows: 5 distinct)
    const r = await evaluateRules(db, parseRules(['DistinctValuesCount "s" = 2 where "id > 3"', 'IsUnique "s" where "id > 3"']).rules, ctx);
    expect(r.results.map((x) => [x.outcome, x.metrics])).toEqual([['PASS', { 'Column.s.DistinctValuesCount': 2 }], ['PASS', { 'Column.s.Uniqueness': 1 }]]);
  });

  it('parseReference: the dataset before the braces trimmed; text after them is not a brace list', () => {
    expect(parseReference(' refs .{ id , k }')).toEqual({ dataset: 'refs', columns: ['id', 'k'] });
    expect(parseReference('refs.{id}x')).toEqual({ dataset: 'refs', columns: ['{id}x'] });
  });
});

describe('what strata check finds without reading a row', () => {
  const check = (rules: string[], c: Partial<RuleContext> = {}) => checkRules(parseRules(rules).rules, { ...ctx, ...c }).map((x) => `${x.rule}: ${x.message}`);

  it('references: their form, their columns, the datasets available', () => {
    expect(check([
      'ReferentialIntegrity "id" "refs.{id,x}" > 0', 'ReferentialIntegrity "id,n" "refs.id" > 0', 'ReferentialIntegrity "id, n" "refs.{a, b}" > 0',
      'ReferentialIntegrity "id" "refs.{ }" > 0', 'ReferentialIntegrity "id" "refs" > 0', 'ReferentialIntegrity "id" ".id" > 0', 'ReferentialIntegrity "id" "refs." > 0',
      'ReferentialIntegrity "id" "other.id" > 0', 'RowCountMatch "other" > 0', 'RowCountMatch "refs" > 0', 'ReferentialIntegrity "nope" "refs.id" > 0',
    ])).toEqual([
      'ReferentialIntegrity "id" "refs.{id,x}" > 0: ReferentialIntegrity compares 1 column with 2 reference columns',
      'ReferentialIntegrity "id,n" "refs.id" > 0: ReferentialIntegrity compares 2 columns with 1 reference column',
      'ReferentialIntegrity "id" "refs.{ }" > 0: the reference "refs.{ }" names no columns',
      'ReferentialIntegrity "id" "refs" > 0: the reference "refs" must be "dataset.column" or "dataset.{col1,col2}"',
      'ReferentialIntegrity "id" ".id" > 0: the reference ".id" must be "dataset.column" or "dataset.{col1,col2}"',
      'ReferentialIntegrity "id" "refs." > 0: the reference "refs." must be "dataset.column" or "dataset.{col1,col2}"',
      'ReferentialIntegrity "id" "other.id" > 0: unknown reference dataset "other"',
      'RowCountMatch "other" > 0: unknown reference dataset "other"',
      'ReferentialIntegrity "nope" "refs.id" > 0: column "nope" does not exist in the batch',
    ]);
    expect(parseReference(' a.b.{ x , y ,} ')).toEqual({ dataset: 'a.b', columns: ['x', 'y'] });
    expect(parseReference('a.b.c')).toEqual({ dataset: 'a.b', columns: ['c'] });
    expect(parseReference('x . y')).toEqual({ dataset: 'x', columns: ['y'] });
  });

  it('patterns, types, the clock, dynamic numbers', () => {
    expect(check(['ColumnNamesMatchPattern "(a"', 'ColumnNamesMatchPattern "[a-z]+"', 'StandardDeviation "s" > 0', 'Sum "d" > 0', 'ColumnCorrelation "s" "n" > 0',
      'Mean "n" > 1 / 0 - 1 / 0', 'ColumnValues "n" > 1 with threshold > 0 / 0'])).toEqual([
      'ColumnNamesMatchPattern "(a": invalid regular expression "(a": Invalid regular expression: /^(?:(a)$/u: Unterminated group',
      'StandardDeviation "s" > 0: StandardDeviation applies to numeric columns; "s" is a string column',
      'Sum "d" > 0: Sum applies to numeric columns; "d" is a date column',
      'ColumnCorrelation "s" "n" > 0: ColumnCorrelation applies to numeric columns; "s" is a string column',
      'Mean "n" > 1 / 0 - 1 / 0: the condition "> 1 / 0 - 1 / 0" evaluates to NaN',
      'ColumnValues "n" > 1 with threshold > 0 / 0: the condition "> 0 / 0" evaluates to NaN',
    ]);
    expect(check(['DataFreshness "ts" <= 1 days', 'ColumnValues "ts" > now()', 'ColumnValues "ts" > "2025-01-01"'], { now: 'soon' })).toEqual([
      'DataFreshness "ts" <= 1 days: the evaluation clock (now) is not an ISO timestamp: "soon"',
      'ColumnValues "ts" > now(): the evaluation clock (now) is not an ISO timestamp: "soon"',
    ]);
    // checkRules takes every rule's own SQL as vetted: it plans, it does not run
    expect(check(['CustomSql "select id from primary"', 'RowCount > 0 where "id > 1"', 'CustomSql "select nope from primary"'])).toEqual([
      'CustomSql "select nope from primary": row-level CustomSql returns "nope", which is not a column of primary (its columns are matched back to the batch)',
    ]);
    // no reference function at all: said so
    expect(check(['RowCountMatch "refs" > 0'], { reference: undefined })).toEqual([
      'RowCountMatch "refs" > 0: unknown reference dataset "refs" (no reference datasets are available to this evaluation)',
    ]);
  });

  it('compileRules: a rule whose SQL has no verdict, or a refused one, is an ERROR and reads nothing', () => {
    const rules = parseRules(['RowCount > 0 where "id > 1"', 'CustomSql "select count(*) from primary" > 0', 'RowCount > 1']).rules;
    const refused = { of: () => ({ ok: false as const, reason: 'refused for a reason' }) };
    const plain = compileRules(rules, ctx);
    expect(plain.rules.map((r) => (r.kind === 'leaf' ? r.error ?? 'ok' : r.kind))).toEqual([
      "the rule's SQL was not vetted, so it is not run (evaluate rules through evaluateWith)",
      "the rule's SQL was not vetted, so it is not run (evaluate rules through evaluateWith)",
      'ok',
    ]);
    expect(plain.queries.map((q) => [q.kind, q.leaves])).toEqual([['scan', [2]]]);
    const r = compileRules(rules, { ...ctx, sql: refused });
    expect(r.rules.map((x) => (x.kind === 'leaf' ? x.error ?? 'ok' : x.kind))).toEqual(['refused for a reason', 'refused for a reason', 'ok']);
    // an unsupported type that reached the compiler (not through the parser)
    const odd = compileRules([{ kind: 'rule', type: 'Odd', params: [], text: 'Odd' }], ctx);
    expect(odd.rules).toEqual([{ kind: 'leaf', id: 0, type: 'Odd', text: 'Odd', cells: {}, known: {}, subject: [], error: 'Odd is not supported' }]);
    expect(odd.queries).toEqual([]);
  });
});

describe('where a refused piece of SQL sits in the rule as written', () => {
  it('the offset in the ruleset string of the finding, through escapes; the reason lists every finding', async () => {
    const text = 'Rules = [ RowCount > 0 where "id > \\"x\\" + nosuch(1)", CustomSql "select 1 from other" > 0, IsComplete "s" ]';
    const rules = parseRules(text).rules;
    const v = await withBinder((b) => vetRules(b, rules, ctx));
    expect(v.findings.map((f) => [f.what, f.rule.text, f.sourceOffset, text.slice(f.sourceOffset!, f.sourceOffset! + 6)])).toEqual([
      ['where clause', 'RowCount > 0 where "id > \\"x\\" + nosuch(1)"', text.indexOf('nosuch'), 'nosuch'],
      ['CustomSql statement', 'CustomSql "select 1 from other" > 0', text.indexOf('other'), 'other"'],
    ]);
    // refs is readable, but this ruleset declares no reference
    expect(v.findings[1]!.message).toBe('it reads other, but a CustomSql statement reads only primary (the batch)');
    const leaf = rules[1] as LeafRule;
    expect(v.of(leaf)).toEqual({ ok: false, reason: `the rule's SQL is refused: CustomSql statement: ${v.findings[1]!.message}` });
    expect(v.of(rules[2] as LeafRule)).toBeUndefined();
  });

  it('a declared reference is readable by its name, in any case; a rule without a recorded position has no offset', async () => {
    const rules = parseRules(['RowCountMatch "refs" > 0', 'CustomSql "select count(*) from REFS join primary using (id)" > 0', 'CustomSql "select 1 from nowhere" > 0']).rules;
    const v = await withBinder((b) => vetRules(b, rules, ctx));
    expect(v.of(rules[1] as LeafRule)).toEqual({ ok: true, references: ['refs'] });
    expect(v.findings.map((f) => [f.message, f.fix])).toEqual([[
      'it reads nowhere, but a CustomSql statement reads only primary (the batch) and refs', 'read primary or refs',
    ]]);
    const bare: LeafRule = { kind: 'rule', type: 'CustomSql', params: ['select 1 from nowhere'], text: 'x' };
    const w = await withBinder((b) => vetRules(b, [bare], { reference: () => undefined }));
    expect(w.findings.map((f) => [f.sourceOffset, f.message, f.fix])).toEqual([[
      undefined, 'it reads nowhere, but a CustomSql statement reads only primary (the batch)',
      'read primary; another dataset can be read once the ruleset declares it (ReferentialIntegrity or RowCountMatch)',
    ]]);
  });

  it('a declared dataset is readable only when the context can read it; a qualified name is never a dataset', async () => {
    // refs and more are declared and readable, archive is declared but the context has no table for it
    const reference = (d: string) => (d === 'refs' ? 'refs' : d === 'more' ? 'more_t' : undefined);
    const rules = parseRules(['RowCountMatch "refs" > 0', 'RowCountMatch "archive" > 0', 'RowCountMatch "more" > 0',
      'CustomSql "select count(*) from archive" > 0', 'CustomSql "select count(*) from main.refs" > 0', 'CustomSql "select count(*) from memory.main.more" > 0']).rules;
    const v = await withBinder((b) => vetRules(b, rules, { ...ctx, reference }));
    const only = 'but a CustomSql statement reads only primary (the batch) and refs, more';
    expect(v.findings.map((f) => [f.rule.text, f.message, f.fix])).toEqual([
      [rules[3]!.text, `it reads archive, ${only}`, 'read primary or refs, more'],
      [rules[4]!.text, `it reads main.refs, ${only}`, 'read primary or refs, more'],
      [rules[5]!.text, `it reads memory.main.more, ${only}`, 'read primary or refs, more'],
    ]);
    // no reference function at all: a declared dataset is not readable, and nothing throws
    const none = await withBinder((b) => vetRules(b, parseRules(['RowCountMatch "refs" > 0', 'CustomSql "select count(*) from refs" > 0']).rules, {}));
    expect(none.findings.map((f) => f.message)).toEqual(['it reads refs, but a CustomSql statement reads only primary (the batch)']);
  });

  it('knownColumns: each column a where clause names that the batch lacks (any case matches), with a did-you-mean', async () => {
    const text = "Rules = [ IsComplete \"s\" where \"stauts = 'NEW' and ID > 0 or qqqqqq is null\", RowCount > 0 where \"Status = 'x'\" ]";
    const rules = parseRules(text).rules;
    const known = ['id', 'status', 's'];
    const v = await withBinder((b) => vetRules(b, rules, { ...ctx, knownColumns: known }));
    expect(v.findings.map((f) => [f.what, f.sourceOffset, f.message, f.fix])).toEqual([
      ['where clause', text.indexOf('stauts'), '"stauts" is not a column of the batch (its columns: id, status, s)', 'did you mean "status"?'],
      ['where clause', text.indexOf('qqqqqq'), '"qqqqqq" is not a column of the batch (its columns: id, status, s)', 'name a column of the batch'],
    ]);
    expect(v.of(rules[0] as LeafRule)).toEqual({ ok: false, reason: `the rule's SQL is refused: where clause: ${v.findings[0]!.message}; where clause: ${v.findings[1]!.message}` });
    expect(v.of(rules[1] as LeafRule)).toEqual({ ok: true, references: [] });
    // without knownColumns the same clauses are not checked against the batch
    const unchecked = await withBinder((b) => vetRules(b, rules, ctx));
    expect(unchecked.findings).toEqual([]);
    expect(unchecked.of(rules[0] as LeafRule)).toEqual({ ok: true, references: [] });
    // a rule not from the parser (no positions): the finding has no offset in a source
    const bare: LeafRule = { kind: 'rule', type: 'RowCount', params: [], text: 'x', where: 'nope > 1' };
    const w = await withBinder((b) => vetRules(b, [bare], { knownColumns: ['id'] }));
    expect(w.findings).toEqual([{ rule: bare, what: 'where clause', offset: 0, message: '"nope" is not a column of the batch (its columns: id)', fix: 'name a column of the batch' }]);
  });

  it('rules not from the parser: no position recorded for a where clause or a statement, or no statement at all', async () => {
    const bad: LeafRule = { kind: 'rule', type: 'RowCount', params: [], text: 'x', where: 'x = 1; y = 2' };
    // a rule start recorded, but not where its statement's quote is
    const noQuote: LeafRule = { kind: 'rule', type: 'CustomSql', params: ['select 1 from nowhere'], text: 'x', at: { rule: 5, params: [] } };
    const empty: LeafRule = { kind: 'rule', type: 'CustomSql', params: [], text: 'CustomSql' };
    const v = await withBinder((b) => vetRules(b, [bad, noQuote, empty], { reference: () => undefined }));
    expect(v.findings.map((f) => [f.rule, f.what, f.sourceOffset])).toEqual([[bad, 'where clause', undefined], [noQuote, 'CustomSql statement', undefined]]);
    expect(v.findings.map((f) => 'sourceOffset' in f)).toEqual([false, false]);
    expect(v.of(empty)).toEqual({ ok: true, references: [] });
  });
});
