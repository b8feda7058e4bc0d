// An object naming a key twice ({"name": "a", "name": "b"}) does not say which value it holds: RFC 8259 §4 leaves it
// to the reader, and readers differ (DuckDB takes the first, JavaScript's JSON.parse the last). Silver took the first
// without a word (found in stop 46's final read). Searched for counterexamples: whatever keys a record repeats, and
// however a key is spelled (a \u escape is the same key), a record naming a declared field more than once is
// quarantined with rule "malformed", naming that column; every other record reaches silver with the values it holds,
// and undeclared keys repeated change nothing. Rows in = rows in silver + rows quarantined.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLake, type TestLake } from './helpers/lake.ts';
import { reasonsOfFile } from './helpers/quarantine.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await makeLake({
    dup: 'dataset: dup\nsource: { format: jsonl }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: label, type: string, from: name }\nrejects: { maxRatio: 1 }\n',
    duparr: 'dataset: duparr\nsource: { format: json }\ncolumns:\n  - { name: id, type: int, required: true }\n  - { name: label, type: string, from: name }\nrejects: { maxRatio: 1 }\n',
  });
});
afterAll(async () => { await lake?.cleanup(); });

/** A key written plainly, or with one character as a \u escape (the same key to every JSON reader). */
function spell(key: string, escapeAt: number | undefined): string {
  if (escapeAt === undefined) return JSON.stringify(key);
  const i = escapeAt % key.length;
  return `"${key.slice(0, i)}\\u${key.charCodeAt(i).toString(16).padStart(4, '0')}${key.slice(i + 1)}"`;
}

const entry = fc.oneof(
  fc.record({ key: fc.constant('id'), value: fc.integer({ min: -1000, max: 1000 }).map(String), escapeAt: fc.option(fc.nat(), { nil: undefined }) }),
  fc.record({ key: fc.constant('name'), value: fc.string({ maxLength: 6 }).map((v) => JSON.stringify(v)), escapeAt: fc.option(fc.nat(), { nil: undefined }) }),
  fc.record({ key: fc.constant('other'), value: fc.constantFrom('1', '"x"', 'null'), escapeAt: fc.constant(undefined) }),
);
let n = 0;

describe('a JSON object naming a key twice', () => {
  it('property: a declared field given twice is quarantined naming its column; everything else reaches silver as written', async () => {
    // Every record holds its id once first, so a record with no repetition is valid.
    const record = fc.array(entry, { maxLength: 5 });
    await fc.assert(fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 8 }), fc.boolean(), async (records, array) => {
      // Each file's ids are its number × 100 + the record's index, so silver's rows of this file are found by id.
      const file = n++;
      const texts = records.map((rest, i) => `{"id": ${file * 100 + i}${rest.map((e) => `, ${spell(e.key, e.escapeAt)}: ${e.value}`).join('')}}`);
      const dataset = array ? 'duparr' : 'dup';
      const name = `f${file}.${array ? 'json' : 'jsonl'}`;
      const { record: run } = await lake.ingest(dataset, await lake.file(name, array ? `[\n${texts.join(',\n')}\n]\n` : `${texts.join('\n')}\n`));
      const expected = records.map((rest, i) => {
        const twice = ['id', 'name'].find((k) => (k === 'id' ? 1 : 0) + rest.filter((e) => e.key === k).length > 1);
        const label = rest.find((e) => e.key === 'name');
        return { record: i + 1, id: file * 100 + i, twice: twice === 'name' ? 'label' : twice, label: label ? JSON.parse(label.value) as string : null };
      });
      const bad = expected.filter((e) => e.twice);
      expect(run.rowsIn).toBe(records.length);
      expect(run.rowsQuarantined).toBe(bad.length);
      const q = await reasonsOfFile(lake, dataset, name);
      expect(q.map((r) => [r.record, r.rule, r.col])).toEqual(bad.map((e) => [e.record, 'malformed', e.twice]));
      for (const r of q) expect(r.message).toMatch(/appears more than once in the object/);
      const silver = await lake.query<{ id: number; label: string | null }>(`SELECT id::INT AS id, label FROM silver.${dataset} WHERE id // 100 = ${file} ORDER BY id`).catch(() => []);
      expect(silver).toEqual(expected.filter((e) => !e.twice).map((e) => ({ id: e.id, label: e.label })).sort((a, b) => a.id - b.id));
    }), { seed: Number(process.env.SEED ?? 20261206), numRuns: Number(process.env.RUNS ?? 30) });
  });
});
