// JSON keys are matched exactly (RFC 8259 strings), so a record that names a declared field only in another case
// ({"Amount": 5} for field "amount") had its value read as NULL and committed, with a warning about the key from a
// sample of the file (found at stop 50). Searched for counterexamples: whatever case each key is written in, a record
// that lacks a declared field but holds it in another case is quarantined with rule "malformed", naming that column
// (the first such key in the record); a record holding the exact key reaches silver with its values, other cases
// beside it changing nothing. Rows in = rows in silver + rows quarantined. JSON lines and JSON arrays alike.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';
import { reasonsOfFile } from './helpers/quarantine.ts';

// Two fields differ only in case ("Code", "code"): a key "CODE" may be either, so it is quarantined unless the record
// holds both (it was left out of the check, and its value lost without a word: an attack, stop 53).
const columns = 'columns:\n  - { name: id, type: int, required: true }\n  - { name: label, type: string, from: name }\n  - { name: amount, type: int }\n'
  + '  - { name: code_upper, type: string, from: Code }\n  - { name: code_lower, type: string, from: code }\nrejects: { maxRatio: 1 }\n';
let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({ kc: `dataset: kc\nsource: { format: jsonl }\n${columns}`, kcarr: `dataset: kcarr\nsource: { format: json }\n${columns}` });
});
afterAll(async () => { await lake?.cleanup(); });

/** The fields of each lower case, and the column of each field. */
const GROUP: Record<string, string[]> = { name: ['name'], amount: ['amount'], code: ['Code', 'code'] };
const COLUMN: Record<string, string> = { name: 'label', amount: 'amount', Code: 'code_upper', code: 'code_lower' };
const entry = fc.oneof(
  fc.record({ key: fc.constantFrom('name', 'Name', 'NAME', 'nAme'), value: fc.string({ maxLength: 4 }).map((v) => JSON.stringify(v)) }),
  fc.record({ key: fc.constantFrom('amount', 'Amount', 'AMOUNT'), value: fc.integer({ min: -99, max: 99 }).map(String) }),
  fc.record({ key: fc.constantFrom('Code', 'code', 'CODE', 'cOde'), value: fc.string({ maxLength: 3 }).map((v) => JSON.stringify(v)) }),
  fc.record({ key: fc.constantFrom('other', 'Other'), value: fc.constant('1') }),
);
let n = 0;

describe('a JSON key that names a declared field in another case', () => {
  it('property: quarantined naming its column when the exact key is absent; otherwise the exact key\'s value reaches silver', async () => {
    const record = fc.uniqueArray(entry, { maxLength: 4, selector: (e) => e.key });
    await fc.assert(fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 6 }), fc.boolean(), async (records, array) => {
      const file = n++;
      const texts = records.map((rest, i) => `{"id": ${file * 100 + i}${rest.map((e) => `, ${JSON.stringify(e.key)}: ${e.value}`).join('')}}`);
      const dataset = array ? 'kcarr' : 'kc';
      const name = `f${file}.${array ? 'json' : 'jsonl'}`;
      const { record: run } = await lake.ingest(dataset, await lake.file(name, array ? `[\n${texts.join(',\n')}\n]\n` : `${texts.join('\n')}\n`));
      const expected = records.map((rest, i) => {
        const exact = (f: string) => rest.find((e) => e.key === f);
        const lacking = (key: string) => (GROUP[key.toLowerCase()] ?? []).find((f) => !exact(f));
        const variant = rest.find((e) => GROUP[e.key.toLowerCase()] && !GROUP[e.key.toLowerCase()]!.includes(e.key) && lacking(e.key));
        const text = (f: string) => (exact(f) ? JSON.parse(exact(f)!.value) as string : null);
        return {
          record: i + 1, id: file * 100 + i, bad: variant ? COLUMN[lacking(variant.key)!] : undefined,
          label: text('name'), amount: exact('amount') ? Number(exact('amount')!.value) : null, code_upper: text('Code'), code_lower: text('code'),
        };
      });
      const bad = expected.filter((e) => e.bad);
      expect(run.rowsIn).toBe(records.length);
      expect(run.rowsQuarantined).toBe(bad.length);
      const q = await reasonsOfFile(lake, dataset, name);
      expect(q.map((r) => [r.record, r.rule, r.col])).toEqual(bad.map((e) => [e.record, 'malformed', e.bad]));
      for (const r of q) expect(r.message).toMatch(/in another case: JSON keys are matched exactly/);
      const silver = await lake.query<{ id: number; label: string | null; amount: number | null }>(`SELECT id::INT AS id, label, amount::INT AS amount, code_upper, code_lower FROM silver.${dataset} WHERE id // 100 = ${file} ORDER BY id`).catch(() => []);
      expect(silver).toEqual(expected.filter((e) => !e.bad).map((e) => ({ id: e.id, label: e.label, amount: e.amount, code_upper: e.code_upper, code_lower: e.code_lower })));
    }), { seed: Number(process.env.SEED ?? 20261207), numRuns: Number(process.env.RUNS ?? 25) });
  });
});
