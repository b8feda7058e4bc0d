// strata check probes the rules of a gate with where clauses together, halving a group that meets an error
// (core/quality/check.ts probeRules). What it finds of a rule must not depend on its neighbours: for any gate drawn
// from rules that bind or not, fail on any row or not, convert text or not, each rule's findings in the gate are
// exactly its findings in a gate of its own (where it is probed alone, as before grouping).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProjectAsync } from '../core/project.ts';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';

const BODIES = ['RowCount > 0', 'ColumnValues "id" > 0', 'IsComplete "code"', 'Completeness "amount" > 0.5', 'IsUnique "id"', 'Mean "amount" > 0', 'ColumnValues "code" in ["a", "b"]'];
const WHERES = [
  // fine
  'id > 0', "code = 'a'", 'amount IS NULL', "d > DATE '2025-01-01'", 'length(code) > 2',
  // text compared with a number: a warning
  'code = 1', 'CAST(code AS INTEGER) > 0',
  // fails on any row, does not bind, names no column
  "id + 'x' > 0", 'nosuch(id) > 0', 'id > $1', 'nope > 1',
];
const OTHERS = ['RowCount > 0', 'IsComplete "id"', 'CustomSql "select count(*) from primary where code = 1" > 0', 'CustomSql "select count(nope) from primary" > 0'];
const ruleArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...BODIES), fc.constantFrom(...WHERES)).map(([b, w]) => `${b} where "${w}"`) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHERS) },
);

/** The schema file's line of the gate's first rule (1-based). */
const FIRST_LINE = 11;
const schema = (rules: readonly string[]) => `dataset: t
source: { format: csv }
columns:
  - { name: id, type: bigint }
  - { name: code, type: string }
  - { name: amount, type: "decimal(12,2)" }
  - { name: d, type: date }
quality:
  silver:
    halt:
${rules.map((r) => `      - ${JSON.stringify(r)}`).join('\n')}
`;

/** The gate's findings, by the index of the rule they are at: "warning: …" or the message, fix included. */
async function findings(rules: readonly string[]): Promise<string[][]> {
  const p = await checkProjectAsync([{ file: 't.yaml', text: schema(rules) }]);
  const out = rules.map(() => [] as string[]);
  for (const d of p.diagnostics.map(formatDiagnostic)) {
    const m = /^t\.yaml:(\d+):\d+: (.*)$/s.exec(d);
    if (!m) throw new Error(`a finding not at a rule: ${d}`);
    out[Number(m[1]) - FIRST_LINE]!.push(m[2]!);
  }
  return out;
}

describe('strata check of a gate probed in groups', () => {
  it('finds in each rule of a gate what it finds in that rule alone', async () => {
    const alone = new Map<string, string[]>();
    const aloneOf = async (rule: string) => {
      if (!alone.has(rule)) alone.set(rule, (await findings([rule]))[0]!);
      return alone.get(rule)!;
    };
    await fc.assert(fc.asyncProperty(fc.array(ruleArb, { minLength: 2, maxLength: 12 }), async (rules) => {
      const inGate = await findings(rules);
      for (const [i, rule] of rules.entries()) expect(inGate[i], `rule ${i}: ${rule}`).toEqual(await aloneOf(rule));
    }), { numRuns: 40 });
    // The pool holds rules of each kind the probe tells apart (a generated gate meets them).
    const kinds = [...alone.values()].flat().join('\n');
    expect(kinds).toMatch(/does not bind/);
    expect(kinds).toMatch(/fails on any row/);
    expect(kinds).toMatch(/warning: .*converts text to a number/);
  }, 120_000);
});
