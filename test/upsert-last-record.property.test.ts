// An upsert's last record of a key decides the key, valid or not, over generated files: keys already in silver, then
// a file of records each valid, of a value that is not an int, or below the column's minimum. A key whose last record
// in the file is quarantined keeps the value silver had (or stays absent); its earlier valid records are
// never committed in its place: quarantined with the reason (a record a later valid one replaces is superseded).
// Every record is accounted for: in = valid + quarantined, written = valid − superseded.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const schema = (name: string) => `dataset: ${name}\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n`
  + `  - { name: v, type: int, min: 0 }\nprimaryKey: [id]\nmode: upsert\nrejects: { maxRatio: 1 }\n`;

type Rec = { id: number; v: number | 'bad' | 'negative' };
const text = (r: Rec) => `${r.id},${r.v === 'bad' ? 'x1' : r.v === 'negative' ? '-5' : r.v}`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({}); });
afterAll(async () => { await lake?.cleanup(); });

describe('an upsert whose last record of a key is quarantined', () => {
  it('property: the key keeps its silver value; no earlier record of it is committed', async () => {
    let n = 0;
    const prior = fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { maxLength: 4 });
    const recs = fc.array(fc.record({ id: fc.integer({ min: 1, max: 4 }), v: fc.oneof(fc.integer({ min: 0, max: 999 }), fc.constantFrom<'bad' | 'negative'>('bad', 'negative')) }), { minLength: 1, maxLength: 10 });
    await fc.assert(fc.asyncProperty(prior, recs, async (before, file) => {
      const name = `u${n++}`;
      await writeFile(join(lake.root, 'schemas', `${name}.yaml`), schema(name));
      const open = () => openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
      if (before.length) {
        const first = await ingestFile(await open(), name, await lake.file(`${name}-a.csv`, `id,v\n${before.map((id) => `${id},${1000 + id}`).join('\n')}\n`));
        expect(first.record.status).toBe('SUCCEEDED');
      }
      const r = (await ingestFile(await open(), name, await lake.file(`${name}-b.csv`, `id,v\n${file.map(text).join('\n')}\n`))).record;
      const expected = new Map(before.map((id) => [id, 1000 + id]));
      const last = new Map(file.map((rec, i) => [rec.id, i]));
      for (const [id, i] of last) if (typeof file[i]!.v === 'number') expected.set(id, file[i]!.v as number);
      const ok = (i: number) => typeof file[i]!.v === 'number';
      // A valid record whose key a later, quarantined record decides is quarantined with the reason; one a later valid
      // record replaces is superseded.
      const held = file.filter((rec, i) => ok(i) && last.get(rec.id) !== i && !ok(last.get(rec.id)!)).length;
      const superseded = file.filter((rec, i) => ok(i) && last.get(rec.id) !== i && ok(last.get(rec.id)!)).length;
      const valid = file.filter((_, i) => ok(i)).length - held;
      expect(r).toMatchObject({ rowsIn: file.length, rowsValid: valid, rowsQuarantined: file.length - valid, rowsSuperseded: superseded });
      if (held) {
        const q = await lake.query<{ message: string }>(`SELECT r.message FROM (SELECT unnest(reasons) AS r FROM quarantine.${name} WHERE run_id = '${r.runId}') WHERE r.rule = 'primaryKey'`);
        expect(q).toHaveLength(held);
        for (const m of q) expect(m.message).toMatch(/^primary key id=\d+ is given again by record \d+, which is quarantined: this record is not committed in its place/);
      }
      const rows = await lake.query<{ id: number; v: number }>(`SELECT id, v FROM silver.${name} ORDER BY id`).catch(() => []);
      expect(rows).toEqual([...expected].sort((a, b) => a[0] - b[0]).map(([id, v]) => ({ id, v })));
    }), { seed: 50, numRuns: 25 });
  });
});
