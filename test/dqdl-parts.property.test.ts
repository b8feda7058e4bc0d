// A batch in parts (RuleContext.parts: the staged files of its partitions, grouped by core/dqdl/parts.ts) gives every
// rule the outcome and metrics of the batch read whole. The generator puts a partition's rows in one or two files and
// repeats keys across partitions, so a grouping by parts of a key that does not determine the partition, or a group
// that splits a partition, counts a repeated key as two unique ones and fails it.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duck } from '../runtime/engine/duckdb.ts';
import { evaluateWith } from '../runtime/quality/evaluate-rules.ts';
import { parseRules } from '../core/dqdl/parse.ts';
import { partGroups } from '../core/dqdl/parts.ts';
import { str } from '../core/sql/quote.ts';
import type { BatchParts, RuleContext, RuleResult } from '../core/dqdl/types.ts';

const NOW = '2025-01-10T12:00:00Z';
const RUNS = Number(process.env.STRATA_PROPERTY_RUNS ?? 60);
let db: Duck;
beforeAll(async () => { db = await Duck.open({ memoryLimit: '256MB', threads: 2 }); });
afterAll(() => db?.close());

// p is the partition's source column, pp the partition (as a stage writes it: a value derived from p).
const RULES = [
  'IsUnique "k" "p"', 'IsUnique "k" "pp"', 'IsPrimaryKey "k" "p"', 'Uniqueness "s" "p" > 0.5', 'Uniqueness "k" "s" "pp" > 0.2',
  'DistinctValuesCount "p" > 1', 'Entropy "p" > 0.1', 'UniqueValueRatio "p" > 0.2', 'Uniqueness "k" > 0.5', 'IsUnique "k" "s"',
  'DistinctValuesCount "s" > 1', 'ColumnValues "p" in [1, 2]', 'ColumnLength "s" <= 1', 'RowCount > 0',
];
const WHERES = ['k > 1', "s = 'a'", 'p IS NULL', 'k % 2 = 0'];

const rowArb = fc.record({
  k: fc.integer({ min: 0, max: 4 }),
  s: fc.option(fc.constantFrom('a', 'b', 'ab', ''), { nil: null }),
  p: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  file: fc.integer({ min: 0, max: 1 }),
});
const ruleArb = fc.record({ rule: fc.constantFrom(...RULES), where: fc.option(fc.constantFrom(...WHERES), { nil: undefined }) });
/** Rules whose key holds p or pp: grouped by parts. Each ruleset has one, so that most runs take that path. */
const partsRuleArb = fc.record({ rule: fc.constantFrom(...RULES.slice(0, 8)), where: fc.option(fc.constantFrom(...WHERES), { nil: undefined }) });

/** The results, and whether a statement grouped by parts. */
async function evaluate(batch: string, rules: string[], parts?: BatchParts): Promise<{ results: RuleResult[]; byParts: boolean }> {
  const parsed = parseRules(rules);
  expect(parsed.errors).toEqual([]);
  const ctx: RuleContext = { dialect: 'duckdb', batch, columns: await db.columns(batch), now: NOW, parts };
  let byParts = false;
  const { results } = await evaluateWith((sql) => { byParts ||= sql.includes('UNION ALL'); return db.all(sql); }, parsed.rules, ctx, { parser: db });
  return { results, byParts };
}

// Entropy sums n·ln(n) over the groups, in whatever order the engine meets them (its threads, or the parts): the last
// bit of a sum of doubles depends on that order, in the batch read whole as well. Entropies are compared to 12 places.
const entropy = (k: string) => k.endsWith('.Entropy');
const shape = (r: RuleResult) => ({ outcome: r.outcome, metrics: Object.fromEntries(Object.entries(r.metrics).filter(([k]) => !entropy(k))) });

describe('DQDL rules over a batch in parts (property)', () => {
  it('give each rule the outcome and metrics of the batch read whole', async () => {
    let n = 0;
    let grouped = 0;
    await fc.assert(fc.asyncProperty(fc.array(rowArb, { minLength: 6, maxLength: 40 }), partsRuleArb, fc.array(ruleArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 4 }),
      async (rows, first, others, partRows) => {
        const rules = [first, ...others];
        const t = `b${n++}`;
        const values = rows.map((r) => `(${r.k}, ${r.s === null ? 'NULL' : str(r.s)}, ${r.p ?? 'NULL'}, ${str(`${r.p}#${r.file}`)})`);
        await db.run(`CREATE TABLE ${t} (k INTEGER, s VARCHAR, p INTEGER, file VARCHAR); INSERT INTO ${t} VALUES ${values.join(', ')}`);
        const select = `SELECT k, s, p, 'v' || coalesce(CAST(p AS VARCHAR), 'null') AS pp FROM ${t}`;
        await db.run(`CREATE VIEW ${t}_batch AS ${select}`);
        try {
          // The stage's files: one or two per partition, each with its partition's value.
          const files = [...new Set(rows.map((r) => `${r.p}#${r.file}`))].map((file) => {
            const p = rows.find((r) => `${r.p}#${r.file}` === file)!.p;
            return { file, rows: rows.filter((r) => `${r.p}#${r.file}` === file).length, values: [p === null ? null : String(p)] };
          });
          const groups = partGroups(files, partRows);
          const parts: BatchParts | undefined = groups && {
            relations: groups.map((g) => `(${select} WHERE file IN (${g.map((f) => str(f.file)).join(', ')}))`),
            keys: [['p', 'pp']],
          };
          const texts = rules.map((r) => (r.where === undefined ? r.rule : `${r.rule} where "${r.where}"`));
          const { results: inParts, byParts } = await evaluate(`${t}_batch`, texts, parts);
          const { results: whole } = await evaluate(`${t}_batch`, texts);
          if (byParts) grouped++;
          for (const [i, text] of texts.entries()) {
            expect(inParts[i]!.outcome, text).not.toBe('ERROR');
            expect(shape(inParts[i]!), text).toEqual(shape(whole[i]!));
            expect(Object.keys(inParts[i]!.metrics), text).toEqual(Object.keys(whole[i]!.metrics));
            for (const [k, v] of Object.entries(inParts[i]!.metrics)) if (entropy(k)) expect(v, text).toBeCloseTo(whole[i]!.metrics[k]!, 12);
          }
        } finally {
          await db.run(`DROP VIEW ${t}_batch; DROP TABLE ${t}`);
        }
      }), { numRuns: RUNS });
    // The property must have read batches in parts through the grouped path, or it proves nothing.
    expect(grouped).toBeGreaterThan(RUNS / 2);
  }, 120_000);

  it('groups whole partitions, in groups of at least the rows asked for but the last', () => {
    const f = (p: string, rows: number) => ({ p, rows, values: [p] });
    expect(partGroups([f('a', 3), f('b', 1)], 4)).toBeUndefined();
    const groups = partGroups([f('a', 3), f('b', 2), f('a', 1), f('c', 5), f('d', 1)], 3)!;
    expect(groups.map((g) => g.map((x) => `${x.p}${x.rows}`))).toEqual([['a3', 'a1'], ['b2', 'c5'], ['d1']]);
  });
});
