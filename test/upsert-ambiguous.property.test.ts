// An upsert never replaces a key more than one row holds, over generated tables: rows written under [id, region],
// the key then narrowed to [id] (as a table written before strata recorded its key: no recorded claim to refuse by),
// and a batch of ids upserted. The commit is refused, silver unchanged, iff some id of the batch is held by two or
// more rows of its partition; else every row of those ids is replaced by the batch's, and the others stay.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../workflows/ingest-local.ts';
import { openLocalLake } from '../workflows/lake.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

const schema = (name: string, key: string) => `dataset: ${name}\nsource: { format: csv }\ncolumns:\n  - { name: id, type: int, required: true }\n`
  + `  - { name: region, type: string, required: true }\n  - { name: v, type: int }\nprimaryKey: [${key}]\nmode: upsert\n`;

let lake: TestLake;
beforeAll(async () => { lake = await makeLake({}); });
afterAll(async () => { await lake?.cleanup(); });

describe('an upsert under a key its rows repeat', () => {
  it('property: refused iff a key of the batch is held by more than one row; else exactly those rows are replaced', async () => {
    let n = 0;
    const rows = fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 4 }), region: fc.constantFrom('EU', 'US', 'AP') }), { minLength: 1, maxLength: 8, selector: (r) => `${r.id}/${r.region}` });
    const batch = fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 });
    await fc.assert(fc.asyncProperty(rows, batch, async (written, ids) => {
      const name = `u${n++}`;
      await writeFile(join(lake.root, 'schemas', `${name}.yaml`), schema(name, 'id, region'));
      const open = () => openLocalLake({ lake: lake.dir, schemas: join(lake.root, 'schemas') });
      const first = await ingestFile(await open(), name, await lake.file(`${name}-a.csv`, `id,region,v\n${written.map((r, i) => `${r.id},${r.region},${i}`).join('\n')}\n`));
      expect(first.record.status).toBe('SUCCEEDED');
      // The key narrowed, and the claim the table recorded taken away (a table an older strata wrote).
      await writeFile(join(lake.root, 'schemas', `${name}.yaml`), schema(name, 'id'));
      const manifest = join(lake.dir, 'silver', name, '_strata', 'manifest.json');
      const m = JSON.parse(await readFile(manifest, 'utf8'));
      delete m.schema.declared;
      await writeFile(manifest, JSON.stringify(m));
      const before = await lake.query<{ id: number; region: string; v: number }>(`SELECT id, region, v FROM silver.${name} ORDER BY id, region`);
      const r = (await ingestFile(await open(), name, await lake.file(`${name}-b.csv`, `id,region,v\n${ids.map((id) => `${id},EU,${100 + id}`).join('\n')}\n`))).record;
      const held = (id: number) => written.filter((w) => w.id === id).length;
      const after = await lake.query<{ id: number; region: string; v: number }>(`SELECT id, region, v FROM silver.${name} ORDER BY id, region`);
      if (ids.some((id) => held(id) > 1)) {
        expect(r).toMatchObject({ status: 'FAILED', error: { name: 'Strata.SchemaMismatch', message: expect.stringMatching(/held by more than one row already in silver/) } });
        expect(after).toEqual(before);
      } else {
        expect(r.status).toBe('SUCCEEDED');
        const kept = before.filter((b) => !ids.includes(b.id));
        const expected = [...kept, ...ids.map((id) => ({ id, region: 'EU', v: 100 + id }))].sort((a, b) => a.id - b.id || a.region.localeCompare(b.region));
        expect(after).toEqual(expected);
      }
    }), { seed: 48, numRuns: 12 });
  });
});
