// The SQL behind DQDL rules: golden Athena (Trino) SQL for every rule type, and the two dialects giving the same
// outcomes and metrics when both run on DuckDB (the Athena rendering needs only regexp_like, shimmed below as
// regexp_matches: both find a match anywhere, so the \A…\z anchors make it a full match in either).
//   UPDATE_GOLDEN=1 npx vitest run test/dqdl-sql.test.ts   rewrites test/golden/dqdl/*.sql
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { compileVetted, vetRules } from '../core/dqdl/sandbox.ts';
import { withBinder } from '../core/sql/binder.ts';
import { evaluateRules, evaluateWith } from '../runtime/quality/evaluate-rules.ts';
import { interpretResults } from '../core/dqdl/interpret.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import type { CompiledRuleset, QueryOutput, RuleContext, RuleResult } from '../core/dqdl/types.ts';

const GOLDEN = 'test/golden/dqdl';
const NOW = '2025-06-15T08:30:00Z';

const ORDERS = [
  { name: 'order_id', type: 'bigint' }, { name: 'customer_id', type: 'bigint' }, { name: 'status', type: 'string' },
  { name: 'amount', type: 'decimal(12,2)' }, { name: 'discount', type: 'double' }, { name: 'email', type: 'string' },
  { name: 'created_at', type: 'timestamp' }, { name: 'ship_date', type: 'date' },
];

const athena: RuleContext = {
  dialect: 'athena', batch: '"lake_dev_silver"."orders"', columns: ORDERS, now: NOW,
  reference: (d) => (d === 'customers' ? '"lake_dev_silver"."customers"' : undefined),
  history: (metric) => (metric === 'Dataset.*.RowCount' ? [1000, 1200, 800] : []),
};

/** One golden file per rule type: the rules, then every statement they compile to. */
const GOLDEN_RULES: Record<string, string[]> = {
  RowCount: ['RowCount between 10 and 20000', 'RowCount > avg(last(3)) * 0.5 where "status = \'NEW\'"'],
  ColumnCount: ['ColumnCount = 8'],
  ColumnExists: ['ColumnExists "email"'],
  ColumnNamesMatchPattern: ['ColumnNamesMatchPattern "[a-z_]+"'],
  IsComplete: ['IsComplete "email" where "status <> \'CANCELLED\'"'],
  Completeness: ['Completeness "email" > 0.95'],
  IsUnique: ['IsUnique "order_id"', 'IsUnique "customer_id" "created_at"'],
  Uniqueness: ['Uniqueness "email" > 0.99 where "status = \'NEW\'"'],
  UniqueValueRatio: ['UniqueValueRatio "status" < 0.5'],
  IsPrimaryKey: ['IsPrimaryKey "order_id"', 'IsPrimaryKey "customer_id" "created_at"'],
  DistinctValuesCount: ['DistinctValuesCount "status" between 2 and 10'],
  Entropy: ['Entropy "status" > 0.5'],
  Mean: ['Mean "amount" between 10 and 100 where "status = \'NEW\'"'],
  Sum: ['Sum "amount" > 1000'],
  StandardDeviation: ['StandardDeviation "discount" < 0.2'],
  ColumnCorrelation: ['ColumnCorrelation "amount" "discount" > -0.5'],
  ColumnLength: ['ColumnLength "status" between 2 and 12', 'ColumnLength "email" <= 254 where "email IS NOT NULL"'],
  ColumnValues: [
    'ColumnValues "status" in ["NEW", "SHIPPED", NULL, EMPTY, WHITESPACES_ONLY]',
    'ColumnValues "status" not in ["LOST", EMPTY]',
    'ColumnValues "email" matches "[^@]+@[^@]+" with threshold > 0.9',
    'ColumnValues "email" != NULL',
    'ColumnValues "amount" between 0 and 10000',
    'ColumnValues "discount" not between 0.5 and 1',
    'ColumnValues "created_at" > (now() - 3 days)',
    'ColumnValues "ship_date" >= "2025-01-01"',
    'ColumnValues "created_at" = "2025-06-14"',
  ],
  DataFreshness: ['DataFreshness "created_at" <= 24 hours', 'DataFreshness "ship_date" between 1 days and 30 days'],
  CustomSql: ['CustomSql "select count(*) from primary where amount < 0" = 0', 'CustomSql "select order_id from primary where amount >= 0" with threshold > 0.99'],
  ReferentialIntegrity: ['ReferentialIntegrity "customer_id" "customers.id" >= 0.99', 'ReferentialIntegrity "customer_id,status" "customers.{id,segment}" > 0'],
  RowCountMatch: ['RowCountMatch "customers" between 0.5 and 20'],
  Composite: ['(IsComplete "order_id") and ((Mean "amount" > 10) or (ColumnValues "status" in ["NEW"]))'],
  Ruleset: ['RowCount > 0', 'Completeness "email" > 0.9', 'ColumnValues "status" in ["NEW", "SHIPPED"]', 'ColumnLength "status" <= 12',
    'DistinctValuesCount "status" > 1', 'IsPrimaryKey "order_id"', 'Uniqueness "email" > 0.5 where "status = \'NEW\'"', 'Mean "amount" > 0'],
};

function render(rules: string[], compiled: CompiledRuleset): string {
  const head = rules.map((r) => `-- ${r}`).join('\n');
  if (!compiled.queries.length) return `${head}\n-- no SQL: evaluated from the batch's column list\n`;
  return `${head}\n${compiled.queries.map((q, i) => `\n-- query ${i + 1} of ${compiled.queries.length}: ${q.kind}, read by rule${q.leaves.length > 1 ? 's' : ''} ${q.leaves.join(', ')}\n${q.sql};\n`).join('')}`;
}

describe('golden Athena SQL', () => {
  it.each(Object.keys(GOLDEN_RULES))('%s', async (type) => {
    const rules = GOLDEN_RULES[type]!;
    const parsed = parseRules(rules);
    expect(parsed.errors).toEqual([]);
    const compiled = await withBinder((b) => compileVetted(b, parsed.rules, athena));
    const errors = JSON.stringify(compiled.rules).match(/"error":"[^"]*"/g);
    expect(errors).toBeNull();
    const text = render(rules, compiled);
    const file = join(GOLDEN, `${type}.athena.sql`);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
    }
    expect(text).toBe(readFileSync(file, 'utf8'));
  });

  it('uses Trino functions on Athena and DuckDB functions on DuckDB', async () => {
    const rules = parseRules(GOLDEN_RULES.Ruleset!.concat('ColumnValues "email" matches "[a-z]+"')).rules;
    const a = (await withBinder((b) => compileVetted(b, rules, athena))).queries.map((q) => q.sql).join('\n');
    const d = (await withBinder((b) => compileVetted(b, rules, { ...athena, dialect: 'duckdb' }))).queries.map((q) => q.sql).join('\n');
    expect(a).toContain(`regexp_like("email", '\\A(?:[a-z]+)\\z')`);
    expect(a).toContain('GROUP BY GROUPING SETS (("status"), ("order_id"), ("email"))');
    expect(a).not.toMatch(/regexp_full_match|UNION ALL/);
    expect(d).toContain(`regexp_full_match("email", '[a-z]+')`);
    // DuckDB groups and aggregates each set on its own: one subquery per set, no set filter.
    expect(d).toContain('FROM (SELECT "status", count(*) AS __dq_n0 FROM "lake_dev_silver"."orders" GROUP BY "status")),');
    expect(d).toMatch(/WITH __dq_s0 AS \(SELECT\n[\s\S]*\nSELECT \* FROM __dq_s0, __dq_s1, __dq_s2/);
    expect(d).not.toMatch(/regexp_like|GROUPING SETS|__dq_set/);
  });
});

describe('DuckDB and Athena renderings agree', () => {
  let db: Duck;
  beforeAll(async () => {
    db = await Duck.open({ memoryLimit: '256MB', threads: 1 });
    await db.run(`CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)`);
    await db.run(`CREATE TABLE orders AS SELECT order_id, customer_id, status, CAST(amount AS DECIMAL(12,2)) AS amount, discount, email,
        CAST(created_at AS TIMESTAMP) AS created_at, CAST(ship_date AS DATE) AS ship_date FROM (VALUES
      (1, 10, 'NEW',       12.50, 0.0,  'a@x.io',  '2025-06-15 07:00:00', '2025-06-16'),
      (2, 10, 'SHIPPED',   99.99, 0.1,  'b@x.io',  '2025-06-14 09:00:00', '2025-06-15'),
      (3, 11, 'NEW',       45.00, NULL, NULL,      '2025-06-10 12:00:00', NULL),
      (4, 12, '',          7.25,  0.5,  'c@y.io',  '2025-06-15 08:00:00', '2025-05-01'),
      (5, NULL, 'SHIPPED', NULL,  0.2,  'bad',     NULL,                  '2025-06-01'),
      (6, 13, '  ',        300.0, 0.9,  'a@x.io',  '2025-06-13 23:59:59', '2025-06-14'),
      (7, 10, NULL,        18.00, 0.3,  'd@y.io',  '2025-06-15 08:29:00', '2025-06-20'),
      (8, 11, 'LOST',      0.00,  1.0,  'e@z.io',  '2025-01-01 00:00:00', '2024-12-31'))
      t(order_id, customer_id, status, amount, discount, email, created_at, ship_date)`);
    await db.run(`CREATE TABLE customers AS SELECT * FROM (VALUES (10, 'NEW'), (11, 'NEW'), (12, 'VIP')) t(id, segment)`);
  });
  afterAll(() => db?.close());

  const every = Object.entries(GOLDEN_RULES).filter(([t]) => t !== 'Ruleset').flatMap(([, r]) => r)
    .concat(['ColumnValues "status" = WHITESPACES_ONLY', 'ColumnValues "customer_id" in [10, 11, NULL]', 'Entropy "customer_id" > 0 where "amount > 10"']);

  const ctx = (dialect: 'duckdb' | 'athena'): RuleContext => ({
    dialect, batch: 'orders', columns: ORDERS, now: NOW, reference: (d) => (d === 'customers' ? 'customers' : undefined),
    history: (metric) => (metric === 'Dataset.*.RowCount' ? [10, 12, 8] : []),
  });

  const same = (a: RuleResult[], b: RuleResult[]) => {
    expect(b.map((r) => [r.rule, r.outcome, r.message])).toEqual(a.map((r) => [r.rule, r.outcome, r.message]));
    a.forEach((r, i) => {
      expect(Object.keys(b[i]!.metrics).sort()).toEqual(Object.keys(r.metrics).sort());
      for (const [k, v] of Object.entries(r.metrics)) expect(b[i]!.metrics[k]).toBeCloseTo(v, 10);
    });
  };

  it('on every rule type, with where, threshold, composite and dynamic forms', async () => {
    const rules = parseRules(every).rules;
    const duck = await evaluateRules(db, rules, ctx('duckdb'));
    const trino = await evaluateRules(db, rules, ctx('athena'));
    expect(duck.results.filter((r) => r.outcome === 'ERROR')).toEqual([]);
    same(duck.results, trino.results);
    expect(duck.score).toBe(trino.score);
    // Not a vacuous agreement, and not a shared mistake of the one compiler both renderings come from: each outcome
    // worked out by hand on the eight rows above (now = 2025-06-15 08:30, RowCount history 10, 12, 8).
    const PASSING = new Set([
      'ColumnCount = 8', 'ColumnExists "email"', 'ColumnNamesMatchPattern "[a-z_]+"', 'IsUnique "order_id"',
      'IsUnique "customer_id" "created_at"', // eight distinct pairs
      'Uniqueness "email" > 0.99 where "status = \'NEW\'"', // rows 1 and 3: one non-NULL email, seen once
      'IsPrimaryKey "order_id"', 'DistinctValuesCount "status" between 2 and 10', // NEW, SHIPPED, '', '  ', LOST: 5
      'Entropy "status" > 0.5', // counts 2, 2, 1, 1, 1 of 7: 1.55
      'Mean "amount" between 10 and 100 where "status = \'NEW\'"', // (12.50 + 45.00) / 2 = 28.75
      'ColumnCorrelation "amount" "discount" > -0.5', // positive over the six rows with both
      'ColumnLength "email" <= 254 where "email IS NOT NULL"',
      'CustomSql "select count(*) from primary where amount < 0" = 0',
      'ReferentialIntegrity "customer_id,status" "customers.{id,segment}" > 0', // (10, NEW) is a customer
      'RowCountMatch "customers" between 0.5 and 20', // 8 / 3
      '(IsComplete "order_id") and ((Mean "amount" > 10) or (ColumnValues "status" in ["NEW"]))', // mean 482.74 / 7
      'Entropy "customer_id" > 0 where "amount > 10"', // 10, 10, 11, 13, 10
    ]);
    // Every other rule fails, e.g. RowCount 8 is not between 10 and 20000; 2 NEW rows are not > avg(10, 12, 8) × 0.5 = 5;
    // Sum "amount" is 482.74; the population standard deviation of discount is 0.36; order 8's amount 0.00 is not
    // strictly between 0 and 10000; order 6's discount 0.9 is between 0.5 and 1; order 3 is 4 days old.
    expect(duck.results.map((r) => [r.rule, r.outcome])).toEqual(every.map((rule) => [rule, PASSING.has(rule) ? 'PASS' : 'FAIL']));
  });

  it('interprets rows as Athena returns them (every value a string, NULL absent) exactly like DuckDB rows', async () => {
    const rules = parseRules(every).rules;
    const compiled = await compileVetted(db, rules, ctx('athena'));
    const outputs: QueryOutput[] = [];
    for (const q of compiled.queries) {
      const rows = await db.all(q.sql);
      outputs.push(rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]))));
    }
    // The compiled ruleset is plain data: a pipeline may store it between the Athena queries and the interpretation.
    const stored = JSON.parse(JSON.stringify(compiled)) as CompiledRuleset;
    const fromStrings = interpretResults(stored, outputs);
    const direct = await evaluateWith((sql) => db.all(sql), rules, ctx('athena'));
    same(direct.results, fromStrings.results);
  });

  it('a failed statement on Athena is reported per rule through the same runner interface', async () => {
    const rules = parseRules(['RowCount > 0', 'Mean "amount" > 0 where "no_such_column > 1"']).rules;
    const seen: string[] = [];
    const r = await evaluateWith(async (sql) => { seen.push(sql); return db.all(sql); }, rules, ctx('athena'));
    expect(r.results.map((x) => x.outcome)).toEqual(['PASS', 'ERROR']);
    expect(seen).toHaveLength(1 + 1 + 2); // the shared scan, a probe of the batch, each rule alone
    const parallel = await evaluateWith((sql) => db.all(sql), parseRules(every).rules, ctx('athena'), { parallel: true });
    same((await evaluateRules(db, parseRules(every).rules, ctx('athena'))).results, parallel.results);
  });
});

describe('vetting the rules\' SQL', () => {
  it('parses each distinct where clause once, and gives every rule its own verdict and position', async () => {
    const bad = 'x = 1; DROP TABLE y';
    const rules = parseRules([`RowCount > 0 where "status = 'NEW'"`, `IsComplete "email" where "status = 'NEW'"`, `Mean "amount" > 0 where "status = 'NEW'"`,
      `RowCount > 0 where "${bad}"`, `IsComplete "email" where "${bad}"`, 'RowCount > 0']).rules;
    let statements = 0;
    const verdicts = await withBinder((b) => vetRules({ run: (s) => b.run(s), all: (s) => { statements++; return b.all(s); }, columns: (s) => b.columns(s) }, rules, {}));
    // Two distinct where clauses among six rules: the good one parsed and probed (2 statements), the bad one refused at
    // its parse (1). Rule by rule it would be 3 × 2 + 2 × 1.
    expect(statements).toBe(3);
    expect(rules.map((r) => { const v = r.kind === 'rule' ? verdicts.of(r) : undefined; return v === undefined ? 'none' : v.ok; })).toEqual([true, true, true, false, false, 'none']);
    // Each refused rule's finding is placed in its own rule (the same clause, at a different offset of each rule's text).
    expect(verdicts.findings.map((f) => f.rule.text)).toEqual([`RowCount > 0 where "${bad}"`, `IsComplete "email" where "${bad}"`]);
  });
});
