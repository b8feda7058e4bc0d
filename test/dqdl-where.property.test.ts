// A where clause restricts the rows a rule reads, whatever else the ruleset holds: each rule of a random ruleset (some
// with where clauses, shared or not, some without) gives the same outcome and metrics as the same rule without its
// where clause, evaluated alone over the batch's rows where the clause holds. The oracle knows nothing of how the
// compiler restricts (CASE WHEN in one pass, a subquery per clause, filtered counts over groups: scan-query.ts,
// frequency-query.ts), so any of those that loses, adds or mixes up rows, or reads another rule's column, fails it.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { evaluateRules } from '../runtime/quality/evaluate-rules.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import { str } from '../core/sql/quote.ts';
import type { RuleContext, RuleResult } from '../core/dqdl/types.ts';

const NOW = '2025-01-10T12:00:00Z';
let db: Duck;
beforeAll(async () => { db = await Duck.open({ memoryLimit: '256MB', threads: 1 }); });
afterAll(() => db?.close());

/** Rules over every path a restricted aggregate takes: the scan, row checks, frequency sets, grouped columns. */
const RULES = [
  'RowCount > 0', 'Completeness "s" > 0.5', 'IsComplete "n"', 'Mean "n" > 0', 'Sum "n" > 0', 'StandardDeviation "n" > 1',
  'ColumnCorrelation "n" "k" > 0', 'ColumnValues "n" > 0', 'ColumnValues "n" between -5 and 5', 'ColumnValues "s" in ["a", "b"] with threshold > 0.5',
  'ColumnLength "s" <= 1', 'ColumnValues "s" matches "[ab]"', 'IsUnique "k"', 'Uniqueness "s" "k" > 0.5', 'DistinctValuesCount "n" > 2',
  'Entropy "s" > 0.5', 'UniqueValueRatio "k" > 0.1', 'IsPrimaryKey "k"', 'DataFreshness "ts" <= 5 days',
];
const WHERES = ["k > 1", "s = 'a'", 'n IS NULL', "s IN ('a', 'c') OR k = 0", 'k % 2 = 0', 'n > k'];

const rowArb = fc.record({
  k: fc.integer({ min: -1, max: 4 }),
  n: fc.option(fc.integer({ min: -10, max: 10 }), { nil: null }),
  s: fc.option(fc.constantFrom('a', 'b', 'c', 'ab', ''), { nil: null }),
  day: fc.integer({ min: 0, max: 9 }),
});
const ruleArb = fc.record({ rule: fc.constantFrom(...RULES), where: fc.option(fc.constantFrom(...WHERES), { nil: undefined }) });

async function evaluate(batch: string, rules: string[]): Promise<RuleResult[]> {
  const parsed = parseRules(rules);
  expect(parsed.errors).toEqual([]);
  const ctx: RuleContext = { dialect: 'duckdb', batch, columns: await db.columns(batch), now: NOW };
  return (await evaluateRules(db, parsed.rules, ctx)).results;
}

const shape = (r: RuleResult) => ({ outcome: r.outcome, metrics: r.metrics });

describe('DQDL where clauses (property)', () => {
  it('each rule with a where clause reads exactly the rows where it holds, next to any other rules', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(rowArb, { maxLength: 25 }), fc.array(ruleArb, { minLength: 1, maxLength: 8 }), async (rows, rules) => {
      const t = `b${n++}`;
      const values = rows.map((r) => `(${r.k}, ${r.n ?? 'NULL'}, ${r.s === null ? 'NULL' : str(r.s)}, TIMESTAMP '2025-01-01 00:00:00' + INTERVAL ${r.day} DAY)`);
      await db.run(`CREATE TABLE ${t} (k INTEGER, n INTEGER, s VARCHAR, ts TIMESTAMP)${values.length ? `; INSERT INTO ${t} VALUES ${values.join(', ')}` : ''}`);
      try {
        // DQDL puts the where clause before "with threshold".
        const texts = rules.map((r) => (r.where === undefined ? r.rule : r.rule.replace(/( with threshold .*)?$/, ` where "${r.where}"$1`)));
        const together = await evaluate(t, texts);
        for (const [i, r] of rules.entries()) {
          const view = `${t}_w${i}`;
          await db.run(`CREATE VIEW ${view} AS SELECT * FROM ${t}${r.where === undefined ? '' : ` WHERE ${r.where}`}`);
          const [alone] = await evaluate(view, [r.rule]);
          expect(together[i]!.outcome, texts[i]).not.toBe('ERROR');
          expect(shape(together[i]!), texts[i]).toEqual(shape(alone!));
        }
      } finally {
        for (const [i] of rules.entries()) await db.run(`DROP VIEW IF EXISTS ${t}_w${i}`);
        await db.run(`DROP TABLE ${t}`);
      }
    }), { numRuns: 100 });
  }, 60_000);
});
