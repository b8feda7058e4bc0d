// A file of the silver version a staging run read, collected while it read it (strata gc with retention.days 0, or a
// compaction, beside the run), is no damage: Strata.Transient, which the state machine retries and which reads the
// current version. It failed the run calling the healthy table damaged, with a way back that moves the table aside
// (an attack, stop 53). A file gone from the current version is still damage, named with the way back.
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../core/plan/compile.ts';
import { loadSchemaText } from '../core/schema/load.ts';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { markPriorKeys, type PriorKeys } from '../runtime/ingest/prior-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-prior-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = loadSchemaText('schemas/orders.yaml', 'dataset: orders\nsource: { format: csv }\nmode: append\nprimaryKey: [id]\ncolumns:\n  - { name: id, type: bigint }\n').spec!;
const plan = compile(spec);
const key = 'silver/orders/v-1/part-r1-0.parquet';
const prior = (stillCurrent: boolean): PriorKeys => ({
  table: 'silver.orders', partitions: [{ values: [], files: [key] }], keyDeterminesPartition: false,
  withFiles: (keys, fn) => fn(keys.map((k) => join(dir, ...k.split('/')))), stillCurrent: async () => stillCurrent,
});

describe('markPriorKeys and a prior file that is gone', () => {
  it('not in the current version: Strata.Transient (staging again reads the current one); in it: damage, with the way back', async () => {
    await withDuck(async (db) => {
      await db.run('CREATE TEMP TABLE t (r BIGINT)');
      const batch = '(SELECT 1 AS __r, 1::BIGINT AS id)';
      await expect(markPriorKeys(db, plan, prior(false), batch, [key], 't')).rejects.toMatchObject({
        name: 'Strata.Transient', message: expect.stringMatching(/^silver\/orders\/v-1\/part-r1-0\.parquet of silver\.orders, in the version this run read, was replaced and collected while it read it \(.*\): staging again reads the current version$/s),
      });
      await expect(markPriorKeys(db, plan, prior(true), batch, [key], 't')).rejects.toMatchObject({ name: 'Strata.UnreadableFile', message: expect.stringContaining(`${key} of silver.orders is damaged`) });
    });
  });
});
